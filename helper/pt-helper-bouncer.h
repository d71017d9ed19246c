/* pt-helper-bouncer.h: the one place that decides who may call what
 * (docs/safety.md, rule 2).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <polkit/polkit.h>

G_BEGIN_DECLS

#include "pt-dbus-names.h"     /* PT_DBUS_ACTION_CONFIGURE, PT_DBUS_ACTION_BIND */

#define PT_TYPE_HELPER_BOUNCER (pt_helper_bouncer_get_type ())
G_DECLARE_FINAL_TYPE (PtHelperBouncer, pt_helper_bouncer, PT, HELPER_BOUNCER, GObject)

PtHelperBouncer *pt_helper_bouncer_new        (void);

/* Looks @method up in the table.  Returns FALSE for a method that is not in
 * it (deny); otherwise TRUE, with *@out_action the polkit action, or NULL for
 * a method anyone may call. */
gboolean         pt_helper_bouncer_lookup     (const char             *method,
                                               const char            **out_action);

/* Blocks (call it off the main loop).  TRUE when the caller of @invocation
 * may run its method; otherwise FALSE with G_DBUS_ERROR_ACCESS_DENIED and a
 * sentence.  @details (nullable) shows the caller what it is asked for. */
gboolean         pt_helper_bouncer_check      (PtHelperBouncer        *self,
                                               GDBusMethodInvocation  *invocation,
                                               PolkitDetails          *details,
                                               GError                **error);

G_END_DECLS
