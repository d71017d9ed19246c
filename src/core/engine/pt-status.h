/* pt-status.h: what is configured against what the running kernel shows.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "pt-plan.h"

G_BEGIN_DECLS

/* The status JSON of docs/json.md: state, devices (address, configured, ids,
 * driver_now, ids_now, ok, result, reason), pending_reboot, host_display,
 * way_back, unfinished_transaction, ok, history.  @topology NULL: the
 * devices could not be read, and each says so. */
char     *pt_status_to_json       (PtPaths         *paths,
                                   PtTopology      *topology,
                                   gboolean         pretty,
                                   GError         **error);

G_END_DECLS
