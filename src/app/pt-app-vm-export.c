/* pt-app-vm-export.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>

#include "pt-app-vm-export.h"

static gboolean
parse_address (const char *address,
               guint      *domain,
               guint      *bus,
               guint      *slot,
               guint      *function)
{
  return sscanf (address, "%4x:%2x:%2x.%1x", domain, bus, slot, function) == 4;
}

/* One <hostdev> per function; managed='yes' lets libvirt detach and
 * reattach the device around the VM's life. The functions of one slot keep
 * their slot together in the guest (multifunction on function 0). */
char *
pt_app_vm_export_libvirt (PtTopology        *topology,
                          const char *const *addresses)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; addresses[i] != NULL; i++)
    {
      guint d, b, s, f;
      if (!parse_address (addresses[i], &d, &b, &s, &f))
        continue;
      g_string_append (out, "<hostdev mode='subsystem' type='pci' managed='yes'>\n");
      g_string_append (out, "  <source>\n");
      g_string_append_printf (out, "    <address domain='0x%04x' bus='0x%02x' slot='0x%02x' function='0x%x'/>\n",
                              d, b, s, f);
      g_string_append (out, "  </source>\n");
      g_string_append (out, "</hostdev>\n");
    }
  return g_string_free (out, FALSE);
}

static gboolean
is_gpu (PtTopology *topology,
        const char *address)
{
  PtDevice *dev = pt_topology_lookup (topology, address);

  return dev != NULL && pt_device_get_kind (dev) == PT_DEVICE_KIND_GPU;
}

static gboolean
has_chosen_siblings (PtTopology        *topology,
                     const char        *address,
                     const char *const *addresses)
{
  PtDevice *dev = pt_topology_lookup (topology, address);
  GStrv slot = dev != NULL ? pt_device_get_slot_functions (dev) : NULL;

  for (guint i = 0; slot != NULL && slot[i] != NULL; i++)
    if (g_strv_contains (addresses, slot[i]))
      return TRUE;
  return FALSE;
}

char *
pt_app_vm_export_qemu (PtTopology        *topology,
                       const char *const *addresses)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; addresses[i] != NULL; i++)
    {
      if (!pt_address_is_valid (addresses[i]))
        continue;
      if (out->len > 0)
        g_string_append (out, " \\\n");
      g_string_append_printf (out, "-device vfio-pci,host=%s", addresses[i]);
      /* Function 0 of a card whose other functions go along: keep them one
       * multifunction device in the guest too. */
      if (g_str_has_suffix (addresses[i], ".0") && has_chosen_siblings (topology, addresses[i], addresses))
        g_string_append (out, ",multifunction=on");
    }
  if (out->len > 0)
    g_string_append_c (out, '\n');
  return g_string_free (out, FALSE);
}

/* Proxmox passes a whole slot with "hostpciN: 0000:0a:00" (all functions);
 * pcie=1 needs the q35 machine type, x-vga=1 marks the guest's primary GPU. */
char *
pt_app_vm_export_proxmox (PtTopology        *topology,
                          const char *const *addresses)
{
  GString *out = g_string_new (NULL);
  g_autoptr(GPtrArray) done = g_ptr_array_new_with_free_func (g_free);
  guint n = 0;
  gboolean vga_given = FALSE;

  for (guint i = 0; addresses[i] != NULL; i++)
    {
      PtDevice *dev = pt_topology_lookup (topology, addresses[i]);
      g_autofree char *slot = NULL;
      GStrv slot_functions;
      gboolean whole_slot = TRUE;
      gboolean seen = FALSE;
      gboolean gpu_in_slot;

      if (dev == NULL)
        continue;
      slot = pt_device_dup_slot (dev);
      for (guint j = 0; j < done->len; j++)
        seen |= g_str_equal (g_ptr_array_index (done, j), slot);
      if (seen)
        continue;

      /* Whole slot only when every function of it is in the selection. */
      slot_functions = pt_device_get_slot_functions (dev);
      for (guint j = 0; slot_functions != NULL && slot_functions[j] != NULL; j++)
        whole_slot &= g_strv_contains (addresses, slot_functions[j]);

      gpu_in_slot = pt_device_get_kind (dev) == PT_DEVICE_KIND_GPU;
      for (guint j = 0; whole_slot && slot_functions != NULL && slot_functions[j] != NULL; j++)
        gpu_in_slot |= is_gpu (topology, slot_functions[j]);

      if (whole_slot)
        {
          g_ptr_array_add (done, g_strdup (slot));
          g_string_append_printf (out, "hostpci%u: %s,pcie=1", n++, slot);
        }
      else
        g_string_append_printf (out, "hostpci%u: %s,pcie=1", n++, addresses[i]);
      if (gpu_in_slot && !vga_given)
        {
          g_string_append (out, ",x-vga=1");
          vga_given = TRUE;
        }
      g_string_append_c (out, '\n');
    }
  return g_string_free (out, FALSE);
}
