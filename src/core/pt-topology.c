/* pt-topology.c: the topology object; loaders live in pt-topology-sysfs.c and
 * pt-topology-json.c, the analysis in pt-analysis.c.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "pt-topology-private.h"

G_DEFINE_FINAL_TYPE (PtTopology, pt_topology, G_TYPE_OBJECT)

static void
pt_topology_finalize (GObject *object)
{
  PtTopology *self = PT_TOPOLOGY (object);

  g_object_unref (self->groups);
  g_object_unref (self->ungrouped);
  g_object_unref (self->devices);
  g_hash_table_unref (self->by_address);
  g_free (self->cpu_vendor);
  g_free (self->cmdline);
  g_free (self->kernel_release);
  g_free (self->cpu_model);
  g_free (self->board_vendor);
  g_free (self->board_name);
  g_free (self->product_name);
  g_free (self->iommu_vendor);
  g_free (self->source);
  G_OBJECT_CLASS (pt_topology_parent_class)->finalize (object);
}

static void
pt_topology_class_init (PtTopologyClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pt_topology_finalize;
}

static void
pt_topology_init (PtTopology *self)
{
  self->groups = g_list_store_new (PT_TYPE_GROUP);
  self->ungrouped = g_list_store_new (PT_TYPE_DEVICE);
  self->devices = g_list_store_new (PT_TYPE_DEVICE);
  self->by_address = g_hash_table_new (g_str_hash, g_str_equal);
}

PtTopology *
pt_topology_new_empty (const char *source)
{
  PtTopology *self = g_object_new (PT_TYPE_TOPOLOGY, NULL);

  self->source = g_strdup (source);
  return self;
}

/* Takes ownership of @device. Duplicate addresses are refused by the loaders
 * before they get here. */
void
pt_topology_take_device (PtTopology *self,
                         PtDevice   *device)
{
  g_hash_table_insert (self->by_address, device->address, device);
  g_list_store_append (self->devices, device);
  g_object_unref (device);
}

static int
compare_devices (gconstpointer a,
                 gconstpointer b,
                 gpointer      user_data)
{
  return g_strcmp0 (((PtDevice *) a)->address, ((PtDevice *) b)->address);
}

static int
compare_device_ptrs (gconstpointer a,
                     gconstpointer b,
                     gpointer      user_data)
{
  return compare_devices (*(PtDevice **) a, *(PtDevice **) b, NULL);
}

static int
compare_group_ids (gconstpointer a,
                   gconstpointer b)
{
  int ia = GPOINTER_TO_INT (a), ib = GPOINTER_TO_INT (b);
  return (ia > ib) - (ia < ib);
}

/* Sorts the devices, builds the groups from each device's group id and runs
 * the analysis that needs nothing but the devices. */
void
pt_topology_finish (PtTopology *self)
{
  g_autoptr(GHashTable) groups = g_hash_table_new_full (NULL, NULL, NULL, g_object_unref);
  g_autoptr(GList) ids = NULL;
  guint n;

  g_autoptr(GPtrArray) devs = g_ptr_array_new_with_free_func (g_object_unref);
  gboolean sorted = TRUE;

  n = g_list_model_get_n_items (G_LIST_MODEL (self->devices));
  for (guint i = 0; i < n; i++)
    {
      g_ptr_array_add (devs, g_list_model_get_item (G_LIST_MODEL (self->devices), i));
      if (i > 0 && compare_devices (devs->pdata[i - 1], devs->pdata[i], NULL) > 0)
        sorted = FALSE;
    }
  /* sysfs hands the devices over in order already; snapshots may not */
  if (!sorted)
    {
      g_list_store_sort (self->devices, compare_devices, NULL);
      g_ptr_array_sort_with_data (devs, (GCompareDataFunc) compare_device_ptrs, NULL);
    }
  g_list_store_remove_all (self->groups);
  g_list_store_remove_all (self->ungrouped);

  for (guint i = 0; i < n; i++)
    {
      PtDevice *dev = g_ptr_array_index (devs, i);
      PtGroup *group;

      if (dev->group_id < 0)
        {
          g_list_store_append (self->ungrouped, dev);
          continue;
        }
      group = g_hash_table_lookup (groups, GINT_TO_POINTER (dev->group_id));
      if (group == NULL)
        {
          group = pt_group_new (dev->group_id);
          g_hash_table_insert (groups, GINT_TO_POINTER (dev->group_id), group);
        }
      pt_group_add_device (group, dev);
    }

  ids = g_list_sort (g_hash_table_get_keys (groups), compare_group_ids);
  for (GList *l = ids; l != NULL; l = l->next)
    g_list_store_append (self->groups, g_hash_table_lookup (groups, l->data));

  pt_analysis_relations (self);
}

GListModel *
pt_topology_get_groups (PtTopology *self)
{
  g_return_val_if_fail (PT_IS_TOPOLOGY (self), NULL);
  return G_LIST_MODEL (self->groups);
}

GListModel *
pt_topology_get_ungrouped (PtTopology *self)
{
  g_return_val_if_fail (PT_IS_TOPOLOGY (self), NULL);
  return G_LIST_MODEL (self->ungrouped);
}

GListModel *
pt_topology_get_devices (PtTopology *self)
{
  g_return_val_if_fail (PT_IS_TOPOLOGY (self), NULL);
  return G_LIST_MODEL (self->devices);
}

guint
pt_topology_get_n_devices (PtTopology *self)
{
  return g_list_model_get_n_items (G_LIST_MODEL (self->devices));
}

/**
 * pt_topology_lookup:
 * Returns: (transfer none) (nullable): the device at @address, which may be
 * given in short form ("01:00.0") or any case.
 */
PtDevice *
pt_topology_lookup (PtTopology *self,
                    const char *address)
{
  g_autofree char *full = pt_address_normalize (address);

  g_return_val_if_fail (PT_IS_TOPOLOGY (self), NULL);
  if (full == NULL)
    return NULL;
  return g_hash_table_lookup (self->by_address, full);
}

PtGroup *
pt_topology_lookup_group (PtTopology *self,
                          int         id)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->groups));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(PtGroup) group = g_list_model_get_item (G_LIST_MODEL (self->groups), i);
      if (pt_group_get_id (group) == id)
        return group;
    }
  return NULL;
}

/* Returns: (transfer full) (element-type PtDevice): the GPUs, boot GPU first. */
GPtrArray *
pt_topology_dup_gpus (PtTopology *self)
{
  GPtrArray *gpus = g_ptr_array_new_with_free_func (g_object_unref);
  guint n = pt_topology_get_n_devices (self);

  for (guint i = 0; i < n; i++)
    {
      PtDevice *dev = g_list_model_get_item (G_LIST_MODEL (self->devices), i);
      if (dev->kind != PT_DEVICE_KIND_GPU || dev->physfn != NULL)
        {
          g_object_unref (dev);
          continue;
        }
      if (dev->boot_vga)
        g_ptr_array_insert (gpus, 0, dev);
      else
        g_ptr_array_add (gpus, dev);
    }
  return gpus;
}

const char *pt_topology_get_cpu_vendor (PtTopology *self) { return self->cpu_vendor; }
const char *pt_topology_get_cmdline (PtTopology *self) { return self->cmdline; }
const char *pt_topology_get_kernel_release (PtTopology *self) { return self->kernel_release; }
const char *pt_topology_get_cpu_model (PtTopology *self) { return self->cpu_model; }
const char *pt_topology_get_board_vendor (PtTopology *self) { return self->board_vendor; }
const char *pt_topology_get_board_name (PtTopology *self) { return self->board_name; }
const char *pt_topology_get_product_name (PtTopology *self) { return self->product_name; }
gboolean pt_topology_get_iommu_enabled (PtTopology *self) { return self->iommu_enabled; }
const char *pt_topology_get_iommu_vendor (PtTopology *self) { return self->iommu_vendor; }
const char *pt_topology_get_source (PtTopology *self) { return self->source; }
gboolean pt_topology_is_snapshot (PtTopology *self) { return self->from_snapshot; }
