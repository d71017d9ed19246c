/* pt-select-ids.c: vendor:device IDs to the endpoints that carry them.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "pt-error.h"
#include "pt-select-ids.h"

static gboolean
parse_hex4 (const char *text,
            guint16    *out)
{
  guint value = 0;

  for (int i = 0; i < 4; i++)
    {
      if (!g_ascii_isxdigit (text[i]))
        return FALSE;
      value = value * 16 + (guint) g_ascii_xdigit_value (text[i]);
    }
  *out = (guint16) value;
  return TRUE;
}

gboolean
pt_select_ids_parse (const char *text,
                     guint16    *vendor,
                     guint16    *device)
{
  guint16 v, d;

  if (text == NULL || strlen (text) != 9 || text[4] != ':')
    return FALSE;
  if (!parse_hex4 (text, &v) || !parse_hex4 (text + 5, &d))
    return FALSE;
  *vendor = v;
  *device = d;
  return TRUE;
}

/* Adds the endpoints with @vendor:@device to @out (once each); returns how
 * many devices of the machine carry the IDs, endpoints or not, in @n_any. */
static guint
add_matches (PtTopology *topology,
             guint16     vendor,
             guint16     device,
             GPtrArray  *out,
             GHashTable *seen,
             guint      *n_any)
{
  GListModel *devices = pt_topology_get_devices (topology);
  guint n = g_list_model_get_n_items (devices);
  guint added = 0;

  *n_any = 0;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(PtDevice) dev = g_list_model_get_item (devices, i);
      const char *address = pt_device_get_address (dev);

      if (pt_device_get_vendor (dev) != vendor || pt_device_get_device (dev) != device)
        continue;
      (*n_any)++;
      if (!pt_device_is_endpoint (dev))
        continue;
      added++;
      if (g_hash_table_add (seen, g_strdup (address)))
        g_ptr_array_add (out, g_strdup (address));
    }
  return added;
}

static gboolean
resolve_into (PtTopology        *topology,
              const char *const *ids,
              GPtrArray         *out,
              GHashTable        *seen,
              GError           **error)
{
  /* Every ID's form first, so a typo is named as such even after an ID
   * this machine lacks. */
  for (guint i = 0; ids != NULL && ids[i] != NULL; i++)
    {
      guint16 vendor, device;

      if (!pt_select_ids_parse (ids[i], &vendor, &device))
        {
          g_set_error (error, PT_ERROR, PT_ERROR_INVALID_ARGS,
                       _("“%s” is not a vendor:device pair; write it like 10de:1b80, the IDs in brackets that “passthroughctl list” shows."),
                       ids[i]);
          return FALSE;
        }
    }
  for (guint i = 0; ids != NULL && ids[i] != NULL; i++)
    {
      guint16 vendor, device;
      guint n_any = 0;

      pt_select_ids_parse (ids[i], &vendor, &device);
      if (add_matches (topology, vendor, device, out, seen, &n_any) > 0)
        continue;
      if (n_any > 0)
        g_set_error (error, PT_ERROR, PT_ERROR_UNKNOWN_DEVICE,
                     _("The IDs %04x:%04x belong only to bridges on this system, and a bridge is never passed through; select the card behind it."),
                     vendor, device);
      else
        g_set_error (error, PT_ERROR, PT_ERROR_UNKNOWN_DEVICE,
                     _("No PCI device on this system has the IDs %04x:%04x; “passthroughctl list” shows the devices there are. Nothing was changed."),
                     vendor, device);
      return FALSE;
    }
  return TRUE;
}

GStrv
pt_select_ids_merge (PtTopology        *topology,
                     const char *const *addresses,
                     const char *const *ids,
                     GError           **error)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  g_return_val_if_fail (PT_IS_TOPOLOGY (topology), NULL);

  for (guint i = 0; addresses != NULL && addresses[i] != NULL; i++)
    if (g_hash_table_add (seen, g_strdup (addresses[i])))
      g_ptr_array_add (out, g_strdup (addresses[i]));
  if (!resolve_into (topology, ids, out, seen, error))
    return NULL;
  g_ptr_array_add (out, NULL);
  return (GStrv) g_ptr_array_free (g_steal_pointer (&out), FALSE);
}

GStrv
pt_select_ids_resolve (PtTopology        *topology,
                       const char *const *ids,
                       GError           **error)
{
  return pt_select_ids_merge (topology, NULL, ids, error);
}
