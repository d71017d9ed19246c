/* pt-helper-select-ids.c: the "select-ids" option of Preview and Apply.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "pt-error.h"
#include "pt-helper-select-ids.h"
#include "pt-helper-validate.h"
#include "pt-select-ids.h"

#define SELECT_IDS_KEY "select-ids"

gboolean
pt_helper_take_select_ids (GVariant  *options,
                           GVariant **out_rest,
                           GStrv     *out_ids,
                           GError   **error)
{
  g_auto(GVariantBuilder) rest = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  g_autoptr(GStrvBuilder) ids = NULL;
  GVariantIter iter;
  const char *key;
  GVariant *value;

  *out_rest = NULL;
  *out_ids = NULL;
  if (options == NULL || !g_variant_is_of_type (options, G_VARIANT_TYPE_VARDICT))
    {
      *out_rest = options != NULL ? g_variant_ref (options) : NULL;
      return TRUE;
    }
  g_variant_iter_init (&iter, options);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
    {
      g_autoptr(GVariant) owned = value;

      if (!g_str_equal (key, SELECT_IDS_KEY))
        {
          g_variant_builder_add (&rest, "{sv}", key, value);
          continue;
        }
      if (!g_variant_is_of_type (value, G_VARIANT_TYPE_STRING_ARRAY) ||
          g_variant_n_children (value) == 0)
        {
          g_set_error_literal (error, PT_ERROR, PT_ERROR_INVALID_ARGS,
                               "The option “select-ids” must be a list of vendor:device IDs (as).");
          return FALSE;
        }
      if (g_variant_n_children (value) > PT_HELPER_MAX_ADDRESSES)
        {
          g_set_error (error, PT_ERROR, PT_ERROR_INVALID_ARGS,
                       "%" G_GSIZE_FORMAT " IDs were given; at most %d can be handled at once.",
                       g_variant_n_children (value), PT_HELPER_MAX_ADDRESSES);
          return FALSE;
        }
      ids = g_strv_builder_new ();
      for (gsize i = 0; i < g_variant_n_children (value); i++)
        {
          const char *id = NULL;

          g_variant_get_child (value, i, "&s", &id);
          if (!pt_helper_check_string (id, "vendor:device ID", error))
            return FALSE;
          g_strv_builder_add (ids, id);
        }
    }
  *out_rest = g_variant_ref_sink (g_variant_builder_end (&rest));
  if (ids != NULL)
    *out_ids = g_strv_builder_end (ids);
  return TRUE;
}

GStrv
pt_helper_check_selection (GVariant           *addresses,
                           const char *const  *ids,
                           PtTopology         *topology,
                           GError            **error)
{
  g_auto(GStrv) checked = NULL;
  g_auto(GStrv) merged = NULL;

  if (ids == NULL || addresses == NULL ||
      !g_variant_is_of_type (addresses, G_VARIANT_TYPE_STRING_ARRAY) ||
      g_variant_n_children (addresses) > 0)
    {
      checked = pt_helper_check_addresses (addresses, topology, error);
      if (checked == NULL || ids == NULL)
        return g_steal_pointer (&checked);
    }
  merged = pt_select_ids_merge (topology, (const char *const *) checked, ids, error);
  if (merged == NULL)
    return NULL;
  if (g_strv_length (merged) > PT_HELPER_MAX_ADDRESSES)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_ARGS,
                   "The IDs select %u devices; at most %d can be handled at once.",
                   g_strv_length (merged), PT_HELPER_MAX_ADDRESSES);
      return NULL;
    }
  return g_steal_pointer (&merged);
}
