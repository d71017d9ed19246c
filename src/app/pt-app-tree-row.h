/* pt-app-tree-row.h: one row of the sidebar tree, a group or a device,
 * drawn by itself.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "pt-app-selection.h"
#include "pt-topology.h"

G_BEGIN_DECLS

#define PT_APP_TYPE_TREE_ROW (pt_app_tree_row_get_type ())
G_DECLARE_FINAL_TYPE (PtAppTreeRow, pt_app_tree_row, PT_APP, TREE_ROW, GtkWidget)

GtkWidget      *pt_app_tree_row_new           (void);
void            pt_app_tree_row_show          (PtAppTreeRow   *self,
                                               GtkTreeListRow *row,
                                               PtTopology     *topology,
                                               PtAppSelection *selection);
GtkTreeListRow *pt_app_tree_row_get_list_row  (PtAppTreeRow   *self);
gboolean        pt_app_tree_row_toggle        (PtAppTreeRow   *self);
void            pt_app_tree_row_warm_up       (GtkWidget      *widget);

const char     *pt_app_kind_icon_name         (PtDeviceKind    kind);

G_END_DECLS
