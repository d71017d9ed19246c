/* pt-app-repair.c
 *
 * The state file is root's, so the app learns the stored setup from the
 * helper's GetStatus (`setup`), and repairs through the same review and
 * Apply as any other change: the helper plans it again from a fresh scan
 * and compares the digest.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "pt-app-repair.h"

char *
pt_app_repair_describe (JsonObject *status)
{
  JsonNode *node = json_object_get_member (status, "repair");
  JsonArray *reasons = node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
  GString *out = g_string_new (NULL);

  for (guint i = 0; reasons != NULL && i < json_array_get_length (reasons); i++)
    {
      JsonNode *r = json_array_get_element (reasons, i);
      const char *message = JSON_NODE_HOLDS_OBJECT (r)
        ? json_object_get_string_member_with_default (json_node_get_object (r), "message", NULL) : NULL;
      if (message == NULL)
        continue;
      if (out->len > 0)
        g_string_append_c (out, '\n');
      g_string_append (out, message);
    }
  if (out->len == 0)
    {
      g_string_free (out, TRUE);
      return NULL;
    }
  return g_string_free (out, FALSE);
}

gboolean
pt_app_repair_setup (JsonObject  *status,
                     GStrv       *selection,
                     GVariant   **options)
{
  JsonNode *node = json_object_get_member (status, "setup");
  JsonObject *setup = node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  JsonNode *sel = setup != NULL ? json_object_get_member (setup, "selection") : NULL;
  JsonNode *opt = setup != NULL ? json_object_get_member (setup, "options") : NULL;
  g_autoptr(GStrvBuilder) addresses = g_strv_builder_new ();
  GVariantDict dict;

  if (sel == NULL || !JSON_NODE_HOLDS_ARRAY (sel) || opt == NULL || !JSON_NODE_HOLDS_OBJECT (opt))
    return FALSE;
  for (guint i = 0; i < json_array_get_length (json_node_get_array (sel)); i++)
    {
      JsonNode *a = json_array_get_element (json_node_get_array (sel), i);
      if (JSON_NODE_HOLDS_VALUE (a) && json_node_get_value_type (a) == G_TYPE_STRING)
        g_strv_builder_add (addresses, json_node_get_string (a));
    }
  g_variant_dict_init (&dict, NULL);
  {
    JsonObjectIter iter;
    const char *key;
    JsonNode *value;

    json_object_iter_init (&iter, json_node_get_object (opt));
    while (json_object_iter_next (&iter, &key, &value))
      {
        if (!JSON_NODE_HOLDS_VALUE (value))
          continue;
        if (json_node_get_value_type (value) == G_TYPE_BOOLEAN)
          g_variant_dict_insert (&dict, key, "b", json_node_get_boolean (value));
        else if (json_node_get_value_type (value) == G_TYPE_STRING)
          g_variant_dict_insert (&dict, key, "s", json_node_get_string (value));
      }
  }
  /* as cmd-repair.c: what was built from the files (an initramfs, the boot
   * menu) may be what was lost, and a repair is no trial */
  g_variant_dict_insert (&dict, "regenerate", "b", TRUE);
  g_variant_dict_insert (&dict, "trial", "b", FALSE);
  *selection = g_strv_builder_end (addresses);
  *options = g_variant_ref_sink (g_variant_dict_end (&dict));
  return TRUE;
}
