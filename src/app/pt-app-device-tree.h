/* pt-app-device-tree.h: the sidebar's tree of IOMMU groups and their
 * devices, with search, the device filters and the keyboard handling GTK
 * 4.8's list view lacks.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "pt-app-machine.h"
#include "pt-app-selection.h"

G_BEGIN_DECLS

#define PT_APP_TYPE_DEVICE_TREE (pt_app_device_tree_get_type ())
G_DECLARE_FINAL_TYPE (PtAppDeviceTree, pt_app_device_tree, PT_APP, DEVICE_TREE, GtkWidget)

void     pt_app_device_tree_set_machine       (PtAppDeviceTree *self,
                                               PtAppMachine    *machine,
                                               PtAppSelection  *selection);
gboolean pt_app_device_tree_set_query         (PtAppDeviceTree *self,
                                               const char      *text);
void     pt_app_device_tree_set_filter        (PtAppDeviceTree *self,
                                               const char      *filter);
gboolean pt_app_device_tree_select_device     (PtAppDeviceTree *self,
                                               const char      *address);
void     pt_app_device_tree_unselect          (PtAppDeviceTree *self);
void     pt_app_device_tree_show_loading      (PtAppDeviceTree *self);
void     pt_app_device_tree_show_loaded       (PtAppDeviceTree *self);

G_END_DECLS
