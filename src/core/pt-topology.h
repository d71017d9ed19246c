/* pt-topology.h: a machine's IOMMU groups and PCI devices, from sysfs under a
 * root or from a snapshot, with the analysis the plan and the app rely on.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "pt-device.h"
#include "pt-group.h"
#include "pt-paths.h"

G_BEGIN_DECLS

#define PT_SNAPSHOT_FORMAT 1
/* The deepest a snapshot's JSON may nest.  list --json writes six levels (the
 * machine, its groups, a group, its devices, a device, a device's lists); ten
 * more leave room for a later format, and anything deeper is refused before
 * json-glib, which recurses for each level, could run out of stack. */
#define PT_SNAPSHOT_MAX_DEPTH 16

#define PT_TYPE_TOPOLOGY (pt_topology_get_type ())
G_DECLARE_FINAL_TYPE (PtTopology, pt_topology, PT, TOPOLOGY, GObject)

PtTopology  *pt_topology_new_from_sysfs     (PtPaths     *paths,
                                             GError     **error);
PtTopology  *pt_topology_new_from_json      (const char  *data,
                                             gssize       length,
                                             GError     **error);
PtTopology  *pt_topology_new_from_snapshot  (const char  *filename,
                                             GError     **error);

char        *pt_topology_to_json            (PtTopology  *self,
                                             gboolean     pretty);

GListModel  *pt_topology_get_groups         (PtTopology  *self);
GListModel  *pt_topology_get_ungrouped      (PtTopology  *self);
GListModel  *pt_topology_get_devices        (PtTopology  *self);
PtDevice    *pt_topology_lookup             (PtTopology  *self,
                                             const char  *address);
PtGroup     *pt_topology_lookup_group       (PtTopology  *self,
                                             int          id);
guint        pt_topology_get_n_devices      (PtTopology  *self);

const char  *pt_topology_get_cpu_vendor     (PtTopology  *self);
const char  *pt_topology_get_cmdline        (PtTopology  *self);
const char  *pt_topology_get_kernel_release (PtTopology  *self);
/* What the machine is, for its name (pt_describe_machine): cpuinfo's model
 * name and the board's DMI strings; NULL where unknown (an older snapshot). */
const char  *pt_topology_get_cpu_model      (PtTopology  *self);
const char  *pt_topology_get_board_vendor   (PtTopology  *self);
const char  *pt_topology_get_board_name     (PtTopology  *self);
const char  *pt_topology_get_product_name   (PtTopology  *self);
gboolean     pt_topology_get_iommu_enabled  (PtTopology  *self);
const char  *pt_topology_get_iommu_vendor   (PtTopology  *self);
const char  *pt_topology_get_source         (PtTopology  *self);
/* Read from a snapshot (list --json), not from a running system's sysfs:
 * the running kernel's state (its interrupts, its loaded modules) is not in it. */
gboolean     pt_topology_is_snapshot        (PtTopology  *self);

GPtrArray   *pt_topology_dup_gpus           (PtTopology  *self);

G_END_DECLS
