/* pt-app-selection.c: the chosen devices, kept whole per slot.
 *
 * The functions of one slot (GPU, its HDMI audio, its USB-C controller) can
 * only go to a virtual machine together, so choosing or dropping one chooses
 * or drops them all; the rows and the device page follow the "changed" signal.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "pt-app-selection.h"

struct _PtAppSelection
{
  GObject     parent_instance;
  GHashTable *addresses;   /* set of char* */
};

G_DEFINE_FINAL_TYPE (PtAppSelection, pt_app_selection, G_TYPE_OBJECT)

enum { CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
pt_app_selection_finalize (GObject *object)
{
  PtAppSelection *self = PT_APP_SELECTION (object);

  g_hash_table_unref (self->addresses);
  G_OBJECT_CLASS (pt_app_selection_parent_class)->finalize (object);
}

static void
pt_app_selection_class_init (PtAppSelectionClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pt_app_selection_finalize;
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
pt_app_selection_init (PtAppSelection *self)
{
  self->addresses = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

PtAppSelection *
pt_app_selection_new (void)
{
  return g_object_new (PT_APP_TYPE_SELECTION, NULL);
}

gboolean
pt_app_selection_contains (PtAppSelection *self,
                           const char     *address)
{
  g_return_val_if_fail (PT_APP_IS_SELECTION (self), FALSE);
  return g_hash_table_contains (self->addresses, address);
}

void
pt_app_selection_set_device (PtAppSelection *self,
                             PtTopology     *topology,
                             PtDevice       *device,
                             gboolean        chosen)
{
  GStrv slot = pt_device_get_slot_functions (device);
  gboolean changed = FALSE;
  g_autoptr(GPtrArray) all = g_ptr_array_new ();

  g_return_if_fail (PT_APP_IS_SELECTION (self));

  g_ptr_array_add (all, (gpointer) pt_device_get_address (device));
  for (guint i = 0; slot != NULL && slot[i] != NULL; i++)
    g_ptr_array_add (all, slot[i]);

  for (guint i = 0; i < all->len; i++)
    {
      const char *address = g_ptr_array_index (all, i);
      if (chosen && !g_hash_table_contains (self->addresses, address))
        changed |= g_hash_table_add (self->addresses, g_strdup (address));
      else if (!chosen)
        changed |= g_hash_table_remove (self->addresses, address);
    }
  if (changed)
    g_signal_emit (self, signals[CHANGED], 0);
}

void
pt_app_selection_clear (PtAppSelection *self)
{
  g_return_if_fail (PT_APP_IS_SELECTION (self));
  if (g_hash_table_size (self->addresses) == 0)
    return;
  g_hash_table_remove_all (self->addresses);
  g_signal_emit (self, signals[CHANGED], 0);
}

guint
pt_app_selection_get_n_items (PtAppSelection *self)
{
  return g_hash_table_size (self->addresses);
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(const char **) a, *(const char **) b);
}

/* Sorted, so a plan and an export list devices in address order. */
GStrv
pt_app_selection_dup_addresses (PtAppSelection *self)
{
  g_autoptr(GPtrArray) list = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, self->addresses);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (list, g_strdup (key));
  g_ptr_array_sort (list, compare_strings);
  g_ptr_array_add (list, NULL);
  return (GStrv) g_ptr_array_free (g_steal_pointer (&list), FALSE);
}
