/* pt-app-device-row.h: one PCI function in the sidebar tree.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "pt-app-selection.h"
#include "pt-topology.h"

G_BEGIN_DECLS

#define PT_APP_TYPE_DEVICE_ROW (pt_app_device_row_get_type ())
G_DECLARE_FINAL_TYPE (PtAppDeviceRow, pt_app_device_row, PT_APP, DEVICE_ROW, GtkWidget)

GtkWidget  *pt_app_device_row_new        (void);
void        pt_app_device_row_set_device (PtAppDeviceRow *self,
                                          PtTopology     *topology,
                                          PtDevice       *device,
                                          PtAppSelection *selection);
const char *pt_app_kind_icon_name        (PtDeviceKind    kind);

G_END_DECLS
