/* pt-app-group-row.h: one IOMMU group in the sidebar tree.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "pt-group.h"

G_BEGIN_DECLS

#define PT_APP_TYPE_GROUP_ROW (pt_app_group_row_get_type ())
G_DECLARE_FINAL_TYPE (PtAppGroupRow, pt_app_group_row, PT_APP, GROUP_ROW, GtkWidget)

GtkWidget *pt_app_group_row_new        (void);
void       pt_app_group_row_set_group  (PtAppGroupRow *self,
                                        PtGroup       *group);
gboolean   pt_app_group_is_shared      (PtGroup       *group);

G_END_DECLS
