/* pt-helper.h: the root helper's D-Bus service.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "pt-paths.h"

G_BEGIN_DECLS

/* Seconds without a call and without a running transaction before exit;
 * PASSTHROUGH_IDLE_TIMEOUT overrides it (tests). */
#define PT_HELPER_IDLE_TIMEOUT 60

#define PT_TYPE_HELPER (pt_helper_get_type ())
G_DECLARE_FINAL_TYPE (PtHelper, pt_helper, PT, HELPER, GObject)

/* The root and the idle timeout come from the environment only
 * (PASSTHROUGH_ROOT, PASSTHROUGH_IDLE_TIMEOUT), never from a caller. */
PtHelper *pt_helper_new_from_env (void);

/* Recovers a half-done transaction, owns the bus name on the system bus and
 * serves until idle.  Returns the process exit status. */
int       pt_helper_run          (PtHelper *self);

G_END_DECLS
