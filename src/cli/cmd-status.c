/* cmd-status.c: passthroughctl status — what is configured against what the
 * running kernel shows.  Exit 0 only when everything is as configured.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "pt-cli.h"
#include "pt-error.h"
#include "pt-status.h"

/* Prints the status; returns 0 when everything is as configured, 1 when
 * not (or pending), 2 on a usage error. */
void
pt_cli_print_way_back (JsonObject *status)
{
  JsonNode *node = json_object_get_member (status, "way_back");
  JsonObject *way_back;
  const char *title;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return;
  way_back = json_node_get_object (node);
  title = json_object_get_string_member_with_default (way_back, "title", NULL);
  if (title != NULL)
    g_print (_("The boot menu keeps “%s” (in %s): it starts this system without passthrough.\n"),
             title, json_object_get_string_member_with_default (way_back, "path", "?"));
}

int
pt_cli_print_status (PtCliContext *ctx,
                     PtTopology   *topology)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *json = pt_status_to_json (ctx->paths, topology, ctx->json, &error);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *root;
  JsonArray *devices;

  if (json == NULL)
    return pt_cli_error (error);
  if (ctx->json)
    g_print ("%s\n", json);
  if (!json_parser_load_from_data (parser, json, -1, NULL))
    return 1;
  root = json_node_get_object (json_parser_get_root (parser));
  if (!ctx->json)
    {
      const char *state = json_object_get_string_member (root, "state");
      devices = json_object_get_array_member (root, "devices");
      if (g_str_equal (state, "not-applied"))
        g_print (_("Passthrough has not configured anything here.\n"));
      else
        g_print (_("Configured (%s):\n"), state);
      for (guint i = 0; i < json_array_get_length (devices); i++)
        {
          JsonObject *d = json_array_get_object_element (devices, i);
          g_print ("  %s  %s %s, %s %s  %s\n",
                   json_object_get_string_member (d, "address"),
                   _("configured"), json_object_get_string_member (d, "configured"),
                   _("now"),
                   json_object_get_null_member (d, "driver_now") ? _("no driver") : json_object_get_string_member (d, "driver_now"),
                   json_object_get_boolean_member (d, "ok") ? "✓" : "✗");
          if (json_object_has_member (d, "reason") && !json_object_get_null_member (d, "reason"))
            g_print ("      %s\n", json_object_get_string_member (d, "reason"));
        }
      if (g_str_equal (state, "trial-armed"))
        g_print (_("A trial is set up for the next start only. Restart to try it; if the screen stays dark or the machine does not start, just restart again: it comes back as it is now.\n"));
      else if (g_str_equal (state, "trial-booted"))
        g_print (_("This is the trial start. If everything works, make it the default with “passthroughctl confirm”; “passthroughctl revert” undoes everything.\n"));
      else if (g_str_equal (state, "needs-repair"))
        {
          JsonArray *repair = json_object_get_array_member (root, "repair");
          g_print (_("The running system no longer carries this setup:\n"));
          for (guint i = 0; i < json_array_get_length (repair); i++)
            {
              JsonObject *r = json_array_get_object_element (repair, i);
              g_print ("  %s [%s]\n", json_object_get_string_member (r, "message"),
                       json_object_get_string_member (r, "reason"));
            }
          g_print (_("“passthroughctl repair” applies the same selection again, after showing the plan.\n"));
        }
      else if (g_str_equal (state, "trial-fell-back"))
        g_print (_("The trial was not confirmed, so this start is the setup from before. Try again with “passthroughctl apply --trial” and a restart, or undo everything with “passthroughctl revert”.\n"));
      if (json_object_get_member (root, "host_display") != NULL &&
          !json_object_get_null_member (root, "host_display") &&
          !json_object_get_boolean_member (root, "host_display"))
        g_print (_("No screen is connected to a GPU the host keeps.\n"));
      if (json_object_get_boolean_member (root, "pending_reboot"))
        g_print (_("A restart is pending: the running kernel was started without the configured command line.\n"));
      if (g_str_equal (state, "applying"))
        g_print (_("A change is being made right now; ask again when it has finished.\n"));
      else if (json_object_get_boolean_member (root, "unfinished_transaction"))
        g_print (_("A change did not finish; the next apply or revert rolls it back first.\n"));
      {
        JsonArray *by_hand = json_object_get_member (root, "bound_by_hand") ?
                             json_object_get_array_member (root, "bound_by_hand") : NULL;
        for (guint i = 0; by_hand != NULL && i < json_array_get_length (by_hand); i++)
          g_print (_("%s is on vfio-pci through your own configuration, not Passthrough's: it stays there until you take those lines out.\n"),
                   json_array_get_string_element (by_hand, i));
      }
      pt_cli_print_way_back (root);
    }
  return json_object_get_boolean_member (root, "ok") ? 0 : 1;
}

int
pt_cli_cmd_status (PtCliContext *ctx,
                   int           argc,
                   char        **argv)
{
  g_autoptr(PtTopology) topology = NULL;
  g_autoptr(GError) error = NULL;
  int rc = pt_cli_no_arguments ("status", argc, argv);

  if (rc != 0)
    return rc;
  topology = pt_cli_load_topology (ctx, &error);
  if (topology == NULL)
    return pt_cli_error (error);
  return pt_cli_print_status (ctx, topology);
}
