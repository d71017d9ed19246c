/* pt-app-machine.h: what the window shows — this machine, another root, or a
 * snapshot — with its topology and whether it may be changed from here.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "pt-paths.h"
#include "pt-topology.h"

G_BEGIN_DECLS

/* Where this machine's topology and readiness come from. */
typedef enum
{
  PT_APP_MACHINE_SOURCE_SYSFS,    /* read here, from the files under the root */
  PT_APP_MACHINE_SOURCE_HELPER,   /* asked of passthrough-helper (GetTopology, GetReadiness) */
} PtAppMachineSource;

#define PT_APP_TYPE_MACHINE (pt_app_machine_get_type ())
G_DECLARE_FINAL_TYPE (PtAppMachine, pt_app_machine, PT_APP, MACHINE, GObject)

PtAppMachineSource pt_app_machine_source_for_host (void);
void          pt_app_machine_load_from_helper_async  (GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
PtAppMachine *pt_app_machine_load_from_helper_finish (GAsyncResult        *result,
                                                      GError             **error);

PtAppMachine *pt_app_machine_load               (const char   *root,
                                                 const char   *snapshot,
                                                 GError      **error);
void          pt_app_machine_read_ahead         (const char          *root,
                                                 const char          *snapshot);
void          pt_app_machine_load_async         (const char          *root,
                                                 const char          *snapshot,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
PtAppMachine *pt_app_machine_load_finish        (GAsyncResult        *result,
                                                 GError             **error);
PtPaths      *pt_app_machine_get_paths          (PtAppMachine *self);
PtTopology   *pt_app_machine_get_topology       (PtAppMachine *self);
const char   *pt_app_machine_get_snapshot       (PtAppMachine *self);
const char   *pt_app_machine_get_title          (PtAppMachine *self);
gboolean      pt_app_machine_is_host            (PtAppMachine *self);
const char   *pt_app_machine_get_inspect_reason (PtAppMachine *self);
gboolean      pt_app_machine_has_iommu_groups   (PtAppMachine *self);
PtAppMachineSource pt_app_machine_get_source    (PtAppMachine *self);
GPtrArray    *pt_app_machine_get_readiness      (PtAppMachine *self);
const char   *pt_app_machine_get_readiness_error (PtAppMachine *self);

G_END_DECLS
