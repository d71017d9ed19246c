/* pt-app-export-dialog.h: libvirt, QEMU and Proxmox text for the chosen
 * devices, each with a copy button.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "pt-topology.h"

G_BEGIN_DECLS

#define PT_APP_TYPE_EXPORT_DIALOG (pt_app_export_dialog_get_type ())
G_DECLARE_FINAL_TYPE (PtAppExportDialog, pt_app_export_dialog, PT_APP, EXPORT_DIALOG, AdwWindow)

PtAppExportDialog *pt_app_export_dialog_new (GtkWindow         *parent,
                                             PtTopology        *topology,
                                             const char *const *addresses);

G_END_DECLS
