/* pt-app-row-slots.c
 *
 * GTK 4.8's list view keeps no list item for another item: when the model
 * under it changes its items, it destroys the rows of the items that went
 * and builds new ones for the items that came, each with its expander, its
 * row widget, their styles and their text. A search over a thousand
 * devices replaces most of the ~200 rows the list view holds, and that
 * took 25 to 125 ms a search (tests/bench/bench-app.sh).
 *
 * PtAppRowSlots sits between the tree model and the list view. Its items
 * are positions ("slots"), not the tree's rows: slot N stands for whatever
 * the source model holds at N. When the source is replaced (a search
 * builds a new tree), the slots stay the same objects; the list view is
 * told only that the list grew or shrank at its end, and every slot emits
 * "item-changed", on which its list item shows the new item in the row
 * widgets it already has. A change inside the source (a group opened or
 * closed) is passed on as it is, the slots after it moving with their
 * items, so that the selection and the focus follow their rows as with
 * the tree model itself. (GTK 4.12's list view recycles its rows itself.)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "pt-app-row-slots.h"

struct _PtAppRowSlot
{
  GObject        parent_instance;

  PtAppRowSlots *owner;     /* not a reference: the model owns its slots */
  guint          position;
};

struct _PtAppRowSlots
{
  GObject     parent_instance;

  GListModel *source;
  gulong      source_handler;
  guint       n_items;      /* as the list view last heard it */
  GPtrArray  *slots;        /* PtAppRowSlot* or NULL, one per position */
};

enum
{
  SLOT_ITEM_CHANGED,
  N_SLOT_SIGNALS
};

static guint slot_signals[N_SLOT_SIGNALS];

G_DEFINE_FINAL_TYPE (PtAppRowSlot, pt_app_row_slot, G_TYPE_OBJECT)

static void
pt_app_row_slot_class_init (PtAppRowSlotClass *klass)
{
  /* The item at this slot's position may be another one now. */
  slot_signals[SLOT_ITEM_CHANGED] = g_signal_new ("item-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
pt_app_row_slot_init (PtAppRowSlot *slot)
{
}

guint
pt_app_row_slot_get_position (PtAppRowSlot *slot)
{
  g_return_val_if_fail (PT_APP_IS_ROW_SLOT (slot), G_MAXUINT);
  return slot->position;
}

/* The source's item at the slot's position (a new reference), or NULL
 * when the slot is no longer in the list. */
gpointer
pt_app_row_slot_dup_item (PtAppRowSlot *slot)
{
  g_return_val_if_fail (PT_APP_IS_ROW_SLOT (slot), NULL);
  if (slot->owner == NULL || slot->owner->source == NULL || slot->position >= slot->owner->n_items)
    return NULL;
  return g_list_model_get_item (slot->owner->source, slot->position);
}

/* ---- the model -------------------------------------------------------- */

static GType
pt_app_row_slots_get_item_type (GListModel *model)
{
  return PT_APP_TYPE_ROW_SLOT;
}

static guint
pt_app_row_slots_get_n_items (GListModel *model)
{
  return PT_APP_ROW_SLOTS (model)->n_items;
}

static gpointer
pt_app_row_slots_get_item (GListModel *model,
                           guint       position)
{
  PtAppRowSlots *self = PT_APP_ROW_SLOTS (model);
  PtAppRowSlot *slot;

  if (position >= self->n_items)
    return NULL;
  slot = g_ptr_array_index (self->slots, position);
  if (slot == NULL)
    {
      slot = g_object_new (PT_APP_TYPE_ROW_SLOT, NULL);
      slot->owner = self;
      slot->position = position;
      g_ptr_array_index (self->slots, position) = slot;
    }
  return g_object_ref (slot);
}

static void
pt_app_row_slots_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = pt_app_row_slots_get_item_type;
  iface->get_n_items = pt_app_row_slots_get_n_items;
  iface->get_item = pt_app_row_slots_get_item;
}

G_DEFINE_FINAL_TYPE_WITH_CODE (PtAppRowSlots, pt_app_row_slots, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, pt_app_row_slots_list_model_init))

static void
forget_slot (gpointer data)
{
  PtAppRowSlot *slot = data;

  if (slot != NULL)
    {
      slot->owner = NULL;
      g_object_unref (slot);
    }
}

/* A new source with NEW_N items: every slot may show another item. */
static void
source_replaced (PtAppRowSlots *self,
                 guint          new_n)
{
  guint old_n = self->n_items;
  guint common = MIN (old_n, new_n);

  /* The slots that stay first, so that a list item bound to one of them
   * shows its new item before the list view lays it out. A slot nobody
   * asked for is NULL and has nothing to update. */
  self->n_items = common;
  for (guint i = 0; i < common; i++)
    {
      PtAppRowSlot *slot = g_ptr_array_index (self->slots, i);
      if (slot != NULL)
        g_signal_emit (slot, slot_signals[SLOT_ITEM_CHANGED], 0);
    }
  /* Then the end of the list, the only change the list view sees. */
  if (new_n < old_n)
    g_ptr_array_remove_range (self->slots, new_n, old_n - new_n);
  else if (new_n > old_n)
    g_ptr_array_set_size (self->slots, new_n);
  self->n_items = new_n;
  if (old_n != new_n)
    g_list_model_items_changed (G_LIST_MODEL (self), common, old_n - common, new_n - common);
}

static void
on_source_items_changed (GListModel    *source,
                         guint          position,
                         guint          removed,
                         guint          added,
                         PtAppRowSlots *self)
{
  if (removed > 0)
    g_ptr_array_remove_range (self->slots, position, removed);
  for (guint i = 0; i < added; i++)
    g_ptr_array_insert (self->slots, position, NULL);
  for (guint i = position + added; i < self->slots->len; i++)
    {
      PtAppRowSlot *slot = g_ptr_array_index (self->slots, i);
      if (slot != NULL)
        slot->position = i;
    }
  self->n_items = self->slots->len;
  g_list_model_items_changed (G_LIST_MODEL (self), position, removed, added);
}

/* Shows SOURCE (NULL: nothing) in the slots the list view already has. */
void
pt_app_row_slots_set_source (PtAppRowSlots *self,
                             GListModel    *source)
{
  g_return_if_fail (PT_APP_IS_ROW_SLOTS (self));
  g_return_if_fail (source == NULL || G_IS_LIST_MODEL (source));

  if (self->source == source)
    return;
  if (self->source != NULL)
    g_clear_signal_handler (&self->source_handler, self->source);
  g_set_object (&self->source, source);
  if (source != NULL)
    self->source_handler = g_signal_connect_object (source, "items-changed", G_CALLBACK (on_source_items_changed),
                                                    self, 0);
  source_replaced (self, source != NULL ? g_list_model_get_n_items (source) : 0);
}

PtAppRowSlots *
pt_app_row_slots_new (void)
{
  return g_object_new (PT_APP_TYPE_ROW_SLOTS, NULL);
}

static void
pt_app_row_slots_dispose (GObject *object)
{
  PtAppRowSlots *self = PT_APP_ROW_SLOTS (object);

  if (self->source != NULL)
    g_clear_signal_handler (&self->source_handler, self->source);
  g_clear_object (&self->source);
  g_clear_pointer (&self->slots, g_ptr_array_unref);
  self->n_items = 0;
  G_OBJECT_CLASS (pt_app_row_slots_parent_class)->dispose (object);
}

static void
pt_app_row_slots_class_init (PtAppRowSlotsClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = pt_app_row_slots_dispose;
}

static void
pt_app_row_slots_init (PtAppRowSlots *self)
{
  self->slots = g_ptr_array_new_with_free_func (forget_slot);
}
