/* pt-guard.c: the guard list (see pt-guard.h).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "pt-describe.h"
#include "pt-guard.h"

PtGuard
pt_guard_for_device (PtDevice *device)
{
  PtGuard guard = PT_GUARD_NONE;

  if (device == NULL)
    return guard;
  if (pt_device_get_boot_vga (device))
    guard |= PT_GUARD_BOOT_GPU;
  for (GStrv h = pt_device_get_holds (device); *h != NULL; h++)
    guard |= g_str_equal (*h, PT_HOLDS_KEYBOARD) ? PT_GUARD_KEYBOARD : PT_GUARD_HOST_STORAGE;
  if (pt_device_get_default_route (device))
    guard |= PT_GUARD_DEFAULT_ROUTE;
  return guard;
}

char *
pt_guard_describe (PtDevice *device)
{
  PtGuard guard = pt_guard_for_device (device);
  g_autoptr(GPtrArray) what = g_ptr_array_new_with_free_func (g_free);

  if (guard & PT_GUARD_BOOT_GPU)
    g_ptr_array_add (what, g_strdup (_("is the GPU the firmware boots on (the host's screen)")));
  if (guard & PT_GUARD_HOST_STORAGE)
    g_ptr_array_add (what, pt_describe_holds (device));
  if (guard & PT_GUARD_DEFAULT_ROUTE)
    g_ptr_array_add (what, g_strdup (_("carries the host's default network route")));
  if (guard & PT_GUARD_KEYBOARD)
    g_ptr_array_add (what, g_strdup (_("has every keyboard of the host on its ports")));
  if (what->len == 0)
    return NULL;
  return pt_describe_join (what);
}

GPtrArray *
pt_guard_explain (PtTopology *topology,
                  GPtrArray  *addresses)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; addresses != NULL && i < addresses->len; i++)
    {
      const char *address = g_ptr_array_index (addresses, i);
      g_autofree char *why = pt_guard_describe (pt_topology_lookup (topology, address));
      g_autofree char *ref = NULL;

      if (why == NULL)
        continue;
      ref = pt_describe_device_ref (topology, address);
      g_ptr_array_add (out, g_strdup_printf ("%s %s", ref, why));
    }
  return out;
}

gboolean
pt_guard_blocks_group (PtDevice *member)
{
  const char *drv = pt_device_get_driver (member);

  if (pt_device_is_endpoint (member))
    return FALSE;
  return (pt_device_get_class_code (member) >> 8) == 0x0601 ||
         (drv != NULL && !g_str_equal (drv, "pcieport") &&
          !g_str_equal (drv, "vfio-pci") && !g_str_equal (drv, "pci-stub"));
}

gboolean
pt_guard_device_can_go (PtTopology *topology,
                        PtDevice   *device)
{
  GStrv shares = pt_device_get_shares_group_with (device);
  GStrv slot = pt_device_get_slot_functions (device);
  PtGroup *group;
  GListModel *members;

  if (!pt_device_is_endpoint (device) || pt_device_get_group_id (device) < 0 ||
      (shares != NULL && shares[0] != NULL))
    return FALSE;
  if (pt_guard_for_device (device) & PT_GUARD_BLOCKERS)
    return FALSE;
  for (guint i = 0; slot != NULL && slot[i] != NULL; i++)
    if (pt_guard_for_device (pt_topology_lookup (topology, slot[i])) & PT_GUARD_BLOCKERS)
      return FALSE;
  group = pt_topology_lookup_group (topology, pt_device_get_group_id (device));
  members = group != NULL ? pt_group_get_devices (group) : NULL;
  for (guint i = 0; members != NULL && i < g_list_model_get_n_items (members); i++)
    {
      g_autoptr(PtDevice) member = g_list_model_get_item (members, i);
      if (pt_guard_blocks_group (member))
        return FALSE;
    }
  return TRUE;
}
