/* test-row-slots.c: PtAppRowSlots, the list model that lets the sidebar's
 * list view keep its rows when a search replaces the tree under it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "pt-app-row-slots.h"

typedef struct
{
  guint position, removed, added;
  guint n_calls;
} Changed;

static void
on_items_changed (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  Changed    *changed)
{
  changed->position = position;
  changed->removed = removed;
  changed->added = added;
  changed->n_calls++;
}

static void
on_slot_item_changed (PtAppRowSlot *slot,
                      guint        *count)
{
  (*count)++;
}

static GListStore *
store_of (guint n)
{
  GListStore *store = g_list_store_new (G_TYPE_OBJECT);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GObject) item = g_object_new (G_TYPE_OBJECT, NULL);
      g_list_store_append (store, item);
    }
  return store;
}

static gpointer
item_at (GListStore *store,
         guint       position)
{
  gpointer item = g_list_model_get_item (G_LIST_MODEL (store), position);

  g_object_unref (item);   /* the store keeps it */
  return item;
}

/* A new source is shown in the slots the list view has: it hears only that
 * the list grew or shrank at its end, and every slot it holds that stays
 * says its item changed. */
static void
test_new_source_keeps_the_slots (void)
{
  g_autoptr(PtAppRowSlots) slots = pt_app_row_slots_new ();
  g_autoptr(GListStore) a = store_of (3);
  g_autoptr(GListStore) b = store_of (5);
  g_autoptr(GListStore) c = store_of (1);
  PtAppRowSlot *held[3];
  guint item_changed[3] = { 0, 0, 0 };
  Changed changed = { 0 };

  pt_app_row_slots_set_source (slots, G_LIST_MODEL (a));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (slots)), ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      held[i] = g_list_model_get_item (G_LIST_MODEL (slots), i);
      g_assert_cmpuint (pt_app_row_slot_get_position (held[i]), ==, i);
      g_signal_connect (held[i], "item-changed", G_CALLBACK (on_slot_item_changed), &item_changed[i]);
    }
  g_signal_connect (slots, "items-changed", G_CALLBACK (on_items_changed), &changed);

  pt_app_row_slots_set_source (slots, G_LIST_MODEL (b));
  g_assert_cmpuint (changed.n_calls, ==, 1);
  g_assert_cmpuint (changed.position, ==, 3);
  g_assert_cmpuint (changed.removed, ==, 0);
  g_assert_cmpuint (changed.added, ==, 2);
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(GObject) item = pt_app_row_slot_dup_item (held[i]);
      g_assert_cmpuint (item_changed[i], ==, 1);
      g_assert_true (item == item_at (b, i));
      /* The same slot object as before, at the same position. */
      {
        g_autoptr(PtAppRowSlot) again = g_list_model_get_item (G_LIST_MODEL (slots), i);
        g_assert_true (again == held[i]);
      }
    }

  /* Shrinking: the slots past the end are gone and show nothing. */
  pt_app_row_slots_set_source (slots, G_LIST_MODEL (c));
  g_assert_cmpuint (changed.n_calls, ==, 2);
  g_assert_cmpuint (changed.position, ==, 1);
  g_assert_cmpuint (changed.removed, ==, 4);
  g_assert_cmpuint (changed.added, ==, 0);
  g_assert_cmpuint (item_changed[0], ==, 2);
  g_assert_cmpuint (item_changed[1], ==, 1);
  g_assert_null (pt_app_row_slot_dup_item (held[1]));
  g_assert_null (pt_app_row_slot_dup_item (held[2]));
  {
    g_autoptr(GObject) item = pt_app_row_slot_dup_item (held[0]);
    g_assert_true (item == item_at (c, 0));
  }

  pt_app_row_slots_set_source (slots, NULL);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (slots)), ==, 0);
  g_assert_null (pt_app_row_slot_dup_item (held[0]));
  for (guint i = 0; i < 3; i++)
    g_object_unref (held[i]);
}

/* A change inside the source (a group opened) is passed on as it is: the
 * slots after it move with their items, so the selection follows them. */
static void
test_change_inside_source_moves_slots (void)
{
  g_autoptr(PtAppRowSlots) slots = pt_app_row_slots_new ();
  g_autoptr(GListStore) store = store_of (4);
  g_autoptr(GObject) inserted = g_object_new (G_TYPE_OBJECT, NULL);
  g_autoptr(PtAppRowSlot) first = NULL;
  g_autoptr(PtAppRowSlot) third = NULL;
  gpointer third_item = item_at (store, 2);
  guint item_changed = 0;
  Changed changed = { 0 };

  pt_app_row_slots_set_source (slots, G_LIST_MODEL (store));
  first = g_list_model_get_item (G_LIST_MODEL (slots), 0);
  third = g_list_model_get_item (G_LIST_MODEL (slots), 2);
  g_signal_connect (third, "item-changed", G_CALLBACK (on_slot_item_changed), &item_changed);
  g_signal_connect (slots, "items-changed", G_CALLBACK (on_items_changed), &changed);

  g_list_store_insert (store, 1, inserted);
  g_assert_cmpuint (changed.n_calls, ==, 1);
  g_assert_cmpuint (changed.position, ==, 1);
  g_assert_cmpuint (changed.removed, ==, 0);
  g_assert_cmpuint (changed.added, ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (slots)), ==, 5);
  g_assert_cmpuint (item_changed, ==, 0);
  g_assert_cmpuint (pt_app_row_slot_get_position (third), ==, 3);
  {
    g_autoptr(GObject) item = pt_app_row_slot_dup_item (third);
    g_autoptr(PtAppRowSlot) at_three = g_list_model_get_item (G_LIST_MODEL (slots), 3);
    g_assert_true (item == third_item);
    g_assert_true (at_three == third);
  }
  {
    g_autoptr(PtAppRowSlot) at_one = g_list_model_get_item (G_LIST_MODEL (slots), 1);
    g_autoptr(GObject) item = pt_app_row_slot_dup_item (at_one);
    g_assert_true (at_one != first && at_one != third);
    g_assert_true (item == inserted);
  }

  /* A removed item's slot leaves the list. */
  g_list_store_remove (store, 0);
  g_assert_cmpuint (changed.n_calls, ==, 2);
  g_assert_cmpuint (changed.position, ==, 0);
  g_assert_cmpuint (changed.removed, ==, 1);
  g_assert_cmpuint (changed.added, ==, 0);
  g_assert_null (pt_app_row_slot_dup_item (first));
  g_assert_cmpuint (pt_app_row_slot_get_position (third), ==, 2);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/row-slots/new-source-keeps-the-slots", test_new_source_keeps_the_slots);
  g_test_add_func ("/row-slots/change-inside-source-moves-slots", test_change_inside_source_moves_slots);
  return g_test_run ();
}
