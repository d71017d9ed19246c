/* pt-notice.h: the login notifier's message from the status JSON.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "pt-topology.h"

G_BEGIN_DECLS

typedef struct
{
  char *code;      /* trial-booted, trial-fell-back, not-bound, unfinished */
  char *summary;
  char *body;
} PtNotice;

void      pt_notice_free         (PtNotice    *notice);
/* NULL without an error: nothing to tell.  @topology (may be NULL) names
 * the devices. */
PtNotice *pt_notice_from_status  (const char  *status_json,
                                  PtTopology  *topology,
                                  GError     **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtNotice, pt_notice_free)

G_END_DECLS
