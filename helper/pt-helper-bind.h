/* pt-helper-bind.h: runtime binding of a device and its slot functions to
 * vfio-pci, and back (seed 002's dynamic binding).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "pt-paths.h"
#include "pt-topology.h"
#include "pt-transaction.h"

G_BEGIN_DECLS

/* The functions of @address's slot that bind together (bridges left out),
 * @address first. */
GStrv     pt_helper_bind_dup_devices  (PtTopology      *topology,
                                       const char      *address);

/* PT_ERROR_BLOCKED with the reason when the host is using one of @devices:
 * a bridge, the boot GPU, a GPU with a connected display, the controller of
 * a mounted disk, the NIC of the default route. */
gboolean  pt_helper_bind_check        (PtPaths         *paths,
                                       PtTopology      *topology,
                                       const char *const *devices,
                                       GError         **error);

/* modprobe vfio-pci, then for each device: driver_override, unbind from its
 * driver, drivers_probe.  @bind FALSE clears driver_override, unbinds from
 * vfio-pci and reprobes, so the native driver takes it back. */
gboolean  pt_helper_bind_run          (PtPaths         *paths,
                                       PtTopology      *topology,
                                       const char *const *devices,
                                       gboolean         bind,
                                       PtProgressFunc   progress,
                                       gpointer         user_data,
                                       GError         **error);

G_END_DECLS
