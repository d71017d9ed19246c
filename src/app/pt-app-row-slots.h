/* pt-app-row-slots.h: a list model of stable row positions over another
 * model, so that GTK 4.8's list view keeps its rows when that model is
 * replaced (see pt-app-row-slots.c).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define PT_APP_TYPE_ROW_SLOT (pt_app_row_slot_get_type ())
G_DECLARE_FINAL_TYPE (PtAppRowSlot, pt_app_row_slot, PT_APP, ROW_SLOT, GObject)

#define PT_APP_TYPE_ROW_SLOTS (pt_app_row_slots_get_type ())
G_DECLARE_FINAL_TYPE (PtAppRowSlots, pt_app_row_slots, PT_APP, ROW_SLOTS, GObject)

guint          pt_app_row_slot_get_position  (PtAppRowSlot  *slot);
gpointer       pt_app_row_slot_dup_item      (PtAppRowSlot  *slot);

PtAppRowSlots *pt_app_row_slots_new          (void);
void           pt_app_row_slots_set_source   (PtAppRowSlots *self,
                                              GListModel    *source);

G_END_DECLS
