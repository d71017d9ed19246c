/* pt-app-vm-export.h: the virtual machine side of a selection, as text a
 * person pastes into libvirt, a QEMU command line or a Proxmox VM config.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "pt-topology.h"

G_BEGIN_DECLS

char *pt_app_vm_export_libvirt (PtTopology        *topology,
                                const char *const *addresses);
char *pt_app_vm_export_qemu    (PtTopology        *topology,
                                const char *const *addresses);
char *pt_app_vm_export_proxmox (PtTopology        *topology,
                                const char *const *addresses);

G_END_DECLS
