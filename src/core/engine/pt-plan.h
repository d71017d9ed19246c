/* pt-plan.h: what would change — a pure function of the selection, the
 * options and the system as read under a root (docs/json.md, "plan").
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "pt-paths.h"
#include "pt-plan-options.h"
#include "pt-topology.h"

G_BEGIN_DECLS

#define PT_TYPE_PLAN (pt_plan_get_type ())
G_DECLARE_FINAL_TYPE (PtPlan, pt_plan, PT, PLAN, GObject)

/* Unknown or malformed addresses are errors (PT_ERROR_UNKNOWN_DEVICE,
 * PT_ERROR_INVALID_ARGS); everything that makes applying unsafe is a blocker
 * inside the plan, so it can be shown before it is refused. */
PtPlan     *pt_plan_new_for_selection (PtPaths            *paths,
                                       PtTopology         *topology,
                                       const char *const  *addresses,
                                       PtPlanOptions      *options,
                                       GError            **error);
/* The plan that undoes everything applied before (from the journal). */
PtPlan     *pt_plan_new_for_revert    (PtPaths            *paths,
                                       PtTopology         *topology,
                                       GError            **error);

/* The JSON of docs/json.md: devices, binding, changes (path, action, diff),
 * commands (argv arrays), warnings and blockers ({code, message, devices}). */
char       *pt_plan_to_json           (PtPlan             *self,
                                       gboolean            pretty);
/* Whether the caller of Preview could read @system_path itself. */
typedef gboolean (*PtPlanCanRead) (const char *system_path,
                                   gpointer    user_data);
/* The same JSON as a caller sees it who cannot read every file: the diff
 * lines that come from a file @can_read refuses are withheld, and the
 * change says so in "withheld" (docs/faults.md). */
char       *pt_plan_to_json_for_reader (PtPlan            *self,
                                        gboolean           pretty,
                                        PtPlanCanRead      can_read,
                                        gpointer           user_data);
/* sha256 of the canonical (not pretty) JSON: what Apply compares. */
char       *pt_plan_dup_digest        (PtPlan             *self);
char       *pt_plan_dup_digest_for_reader (PtPlan         *self,
                                           PtPlanCanRead   can_read,
                                           gpointer        user_data);
gboolean    pt_plan_has_blockers      (PtPlan             *self);
gboolean    pt_plan_is_empty          (PtPlan             *self);
GStrv       pt_plan_get_devices       (PtPlan             *self);

G_END_DECLS
