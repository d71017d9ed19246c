/* pt-app-device-page.h: everything about one device, and the switch that
 * chooses it (with its slot) for a virtual machine.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "pt-app-selection.h"
#include "pt-topology.h"

G_BEGIN_DECLS

#define PT_APP_TYPE_DEVICE_PAGE (pt_app_device_page_get_type ())
G_DECLARE_FINAL_TYPE (PtAppDevicePage, pt_app_device_page, PT_APP, DEVICE_PAGE, GtkWidget)

void      pt_app_device_page_set_device (PtAppDevicePage *self,
                                         PtTopology      *topology,
                                         PtDevice        *device,
                                         PtAppSelection  *selection);
PtDevice *pt_app_device_page_get_device (PtAppDevicePage *self);
/* Non-NULL: the machine is inspected only (another root, a snapshot), so
 * runtime binding is off and REASON says why. */
void      pt_app_device_page_set_inspect_reason (PtAppDevicePage *self,
                                                 const char      *reason);

G_END_DECLS
