/* pt-helper-validate.c: the door of the helper.
 *
 * Nothing a caller sends reaches the core unchecked: addresses against the
 * one grammar the project uses (pt_address_is_valid) and the machine as the
 * helper itself just scanned it; options against the engine's allow-list.
 * Every refusal is a PT_ERROR_INVALID_ARGS or PT_ERROR_UNKNOWN_DEVICE with a
 * sentence; the helper runs in the C locale, so no messages are translated
 * here (docs/safety.md, rule 6).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "pt-device.h"
#include "pt-error.h"
#include "pt-helper-validate.h"

gboolean
pt_helper_check_string (const char  *value,
                        const char  *what,
                        GError     **error)
{
  gsize len;

  if (value == NULL)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_ARGS, "The %s is missing.", what);
      return FALSE;
    }
  len = strnlen (value, PT_HELPER_MAX_STRING + 1);
  if (len > PT_HELPER_MAX_STRING)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_ARGS,
                   "The %s is longer than %d characters.", what, PT_HELPER_MAX_STRING);
      return FALSE;
    }
  for (gsize i = 0; i < len; i++)
    {
      guchar c = (guchar) value[i];
      /* D-Bus strings are UTF-8 without NUL; we are stricter still: nothing
       * outside printable ASCII has a use in an address or an option. */
      if (c < 0x20 || c > 0x7e)
        {
          g_set_error (error, PT_ERROR, PT_ERROR_INVALID_ARGS,
                       "The %s contains a control or non-ASCII character at position %" G_GSIZE_FORMAT ".",
                       what, i + 1);
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
pt_helper_check_address (const char  *address,
                         PtTopology  *topology,
                         GError     **error)
{
  if (!pt_helper_check_string (address, "device address", error))
    return FALSE;
  if (!pt_address_is_valid (address))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_ARGS,
                   "“%s” is not a PCI address: use the full form 0000:01:00.0 (domain:bus:slot.function, lower-case hex).",
                   address);
      return FALSE;
    }
  if (topology != NULL && pt_topology_lookup (topology, address) == NULL)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_UNKNOWN_DEVICE,
                   "There is no PCI device at %s on this machine.", address);
      return FALSE;
    }
  return TRUE;
}

GStrv
pt_helper_check_addresses (GVariant    *addresses,
                           PtTopology  *topology,
                           GError     **error)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  gsize n;

  if (addresses == NULL || !g_variant_is_of_type (addresses, G_VARIANT_TYPE_STRING_ARRAY))
    {
      g_set_error_literal (error, PT_ERROR, PT_ERROR_INVALID_ARGS,
                           "The devices must be a list of PCI addresses.");
      return NULL;
    }
  n = g_variant_n_children (addresses);
  if (n == 0)
    {
      g_set_error_literal (error, PT_ERROR, PT_ERROR_INVALID_ARGS,
                           "Select at least one device.");
      return NULL;
    }
  if (n > PT_HELPER_MAX_ADDRESSES)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_ARGS,
                   "%" G_GSIZE_FORMAT " devices were selected; at most %d can be handled at once.",
                   n, PT_HELPER_MAX_ADDRESSES);
      return NULL;
    }

  /* Every format first, so that a malformed address is reported as such even
   * when an earlier one does not exist. */
  for (gsize i = 0; i < n; i++)
    {
      const char *address = NULL;

      g_variant_get_child (addresses, i, "&s", &address);
      if (!pt_helper_check_address (address, NULL, error))
        return NULL;
      if (!g_hash_table_add (seen, (gpointer) address))
        {
          g_set_error (error, PT_ERROR, PT_ERROR_INVALID_ARGS,
                       "The device %s was selected twice.", address);
          return NULL;
        }
    }
  for (gsize i = 0; i < n; i++)
    {
      const char *address = NULL;

      g_variant_get_child (addresses, i, "&s", &address);
      if (!pt_helper_check_address (address, topology, error))
        return NULL;
      g_strv_builder_add (builder, address);
    }
  return g_strv_builder_end (builder);
}

PtPlanOptions *
pt_helper_check_options (GVariant  *options,
                         GError   **error)
{
  g_autoptr(PtPlanOptions) parsed = NULL;
  GVariantIter iter;
  const char *key;
  GVariant *value;

  if (options == NULL || !g_variant_is_of_type (options, G_VARIANT_TYPE_VARDICT))
    {
      g_set_error_literal (error, PT_ERROR, PT_ERROR_INVALID_ARGS,
                           "The options must be a dictionary of names and values.");
      return NULL;
    }

  /* The allow-list and the types belong to the engine; the byte-level
   * checks on names and strings are the door's, and come first. */
  g_variant_iter_init (&iter, options);
  while (g_variant_iter_loop (&iter, "{&sv}", &key, &value))
    {
      if (!pt_helper_check_string (key, "option name", error))
        {
          g_variant_unref (value);
          return NULL;
        }
      if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
        {
          g_autofree char *what = g_strdup_printf ("value of the option “%s”", key);
          if (!pt_helper_check_string (g_variant_get_string (value, NULL), what, error))
            {
              g_variant_unref (value);
              return NULL;
            }
        }
    }

  parsed = pt_plan_options_new ();
  if (!pt_plan_options_set_variant (parsed, options, error))
    return NULL;
  return g_steal_pointer (&parsed);
}

void
pt_helper_options_free (PtPlanOptions *options)
{
  pt_plan_options_free (options);
}

gboolean
pt_helper_check_no_options (GVariant    *options,
                            const char  *method,
                            GError     **error)
{
  PtPlanOptions *parsed;
  const char *key = NULL;

  /* Wrong types and unknown keys get the same answer as for Apply... */
  parsed = pt_helper_check_options (options, error);
  if (parsed == NULL)
    return FALSE;
  pt_helper_options_free (parsed);
  /* ...and a known key is still one this method does not use. */
  if (g_variant_n_children (options) > 0)
    {
      g_autoptr(GVariant) first = g_variant_get_child_value (options, 0);
      g_variant_get_child (first, 0, "&s", &key);
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_ARGS,
                   "%s takes no options, but got “%s”.", method, key);
      return FALSE;
    }
  return TRUE;
}

char *
pt_helper_describe_ids (PtTopology         *topology,
                        const char *const  *addresses)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; addresses != NULL && addresses[i] != NULL; i++)
    {
      PtDevice *dev = pt_topology_lookup (topology, addresses[i]);
      g_autofree char *pair = dev ? pt_device_dup_ids (dev) : NULL;
      gboolean dup = FALSE;

      if (pair == NULL)
        continue;
      for (guint j = 0; j < ids->len; j++)
        dup = dup || g_str_equal (g_ptr_array_index (ids, j), pair);
      if (!dup)
        g_ptr_array_add (ids, g_steal_pointer (&pair));
    }
  g_ptr_array_add (ids, NULL);
  return g_strjoinv (",", (char **) ids->pdata);
}
