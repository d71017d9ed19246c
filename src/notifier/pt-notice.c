/* pt-notice.c: what the login notifier tells the person, from the status
 * JSON (docs/json.md, "status") — a pure function, so the
 * program around it only reads the status and talks to D-Bus.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "pt-device.h"
#include "pt-error.h"
#include "pt-notice.h"

void
pt_notice_free (PtNotice *notice)
{
  if (notice == NULL)
    return;
  g_free (notice->code);
  g_free (notice->summary);
  g_free (notice->body);
  g_free (notice);
}

static PtNotice *
notice_new (const char *code,
            const char *summary,
            char       *body)
{
  PtNotice *notice = g_new0 (PtNotice, 1);

  notice->code = g_strdup (code);
  notice->summary = g_strdup (summary);
  notice->body = body;
  return notice;
}

/* "GP104 [GeForce GTX 1080] (0000:01:00.0)", or the address alone when
 * the topology does not know the device. */
static char *
device_ref (PtTopology *topology,
            const char *address)
{
  PtDevice *dev = topology ? pt_topology_lookup (topology, address) : NULL;

  if (dev == NULL || pt_device_get_device_name (dev) == NULL)
    return g_strdup (address);
  return g_strdup_printf ("%s (%s)", pt_device_get_device_name (dev), address);
}

/* "GP104 [GeForce GTX 1080] (0000:01:00.0) is on nouveau, not on vfio-pci as set up." 0000:01:00.0 is on nouveau, not on vfio-pci as set up."
 * for each device that is not where it was configured; NULL: all are. */
static char *
devices_not_bound (JsonObject *status,
                   PtTopology *topology)
{
  JsonNode *node = json_object_get_member (status, "devices");
  JsonArray *devices;
  GString *out = g_string_new (NULL);

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return g_string_free (out, TRUE);
  devices = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (devices); i++)
    {
      JsonObject *d = json_array_get_object_element (devices, i);
      const char *address, *configured, *now, *ids, *ids_now;
      g_autofree char *ref = NULL;

      if (d == NULL || json_object_get_boolean_member_with_default (d, "ok", TRUE))
        continue;
      address = json_object_get_string_member_with_default (d, "address", NULL);
      configured = json_object_get_string_member_with_default (d, "configured", "vfio-pci");
      now = json_object_get_string_member_with_default (d, "driver_now", NULL);
      ids = json_object_get_string_member_with_default (d, "ids", NULL);
      ids_now = json_object_get_string_member_with_default (d, "ids_now", NULL);
      if (address == NULL)
        continue;
      ref = device_ref (topology, address);
      if (out->len > 0)
        g_string_append_c (out, ' ');
      if (ids != NULL && ids_now != NULL && !g_str_equal (ids, ids_now))
        /* Translators: "0000:08:00.0 now holds a 8086:10c9 device, not the 8086:10d3 set up: it was left to its own driver." */
        g_string_append_printf (out, _("%s now holds a %s device, not the %s set up: it was left to its own driver."),
                                address, ids_now, ids);
      else if (ids != NULL && ids_now == NULL && topology != NULL && pt_topology_lookup (topology, address) == NULL)
        g_string_append_printf (out, _("No device is at %s any more."), address);
      else if (now != NULL)
        /* Translators: "GP104 [GeForce GTX 1080] (0000:01:00.0) is on nouveau, not on vfio-pci as set up." */
        g_string_append_printf (out, _("%s is on %s, not on %s as set up."), ref, now, configured);
      else
        g_string_append_printf (out, _("%s has no driver, not %s as set up."), ref, configured);
    }
  if (out->len == 0)
    return g_string_free (out, TRUE);
  return g_string_free (out, FALSE);
}

PtNotice *
pt_notice_from_status (const char  *status_json,
                       PtTopology  *topology,
                       GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *unbound = NULL;
  JsonObject *status;
  const char *state;
  gboolean pending;

  if (!json_parser_load_from_data (parser, status_json, -1, error))
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_PARSE, _("The status is not a JSON object."));
      return NULL;
    }
  status = json_node_get_object (json_parser_get_root (parser));
  state = json_object_get_string_member_with_default (status, "state", "not-applied");
  pending = json_object_get_boolean_member_with_default (status, "pending_reboot", FALSE);
  unbound = devices_not_bound (status, topology);

  /* A change running right now has a journal too: it is not unfinished. */
  if (g_str_equal (state, "applying"))
    return NULL;
  if (json_object_get_boolean_member_with_default (status, "unfinished_transaction", FALSE))
    return notice_new ("unfinished", _("A Passthrough change did not finish"),
                       g_strdup (_("A change to the boot setup was interrupted. Open Passthrough: the next change or undo puts the files back first.")));
  if (g_str_equal (state, "trial-fell-back"))
    return notice_new ("trial-fell-back", _("The passthrough trial did not stay"),
                       g_strdup (_("This start uses the setup from before: the trial start did not come up or was not confirmed. Open Passthrough to try again or to undo it.")));
  if (g_str_equal (state, "needs-repair"))
    {
      /* docs/machine-knowledge.md: the first reason says what was lost */
      JsonArray *repair = json_object_has_member (status, "repair") ?
                          json_object_get_array_member (status, "repair") : NULL;
      JsonObject *first = repair != NULL && json_array_get_length (repair) > 0 ?
                          json_array_get_object_element (repair, 0) : NULL;
      const char *why = first != NULL ? json_object_get_string_member_with_default (first, "message", NULL) : NULL;
      return notice_new ("needs-repair", _("The passthrough setup needs a repair"),
                         why != NULL ? g_strdup_printf (_("%s Open Passthrough to repair it."), why)
                                     : g_strdup (_("An update changed what the setup relies on. Open Passthrough to repair it.")));
    }
  if (g_str_equal (state, "trial-booted"))
    {
      if (unbound != NULL)
        return notice_new ("trial-booted", _("The passthrough trial waits for you"),
                           g_strdup_printf (_("This is the one-time trial start. %s Open Passthrough before you confirm, or restart to go back."),
                                            unbound));
      return notice_new ("trial-booted", _("The passthrough trial waits for you"),
                         g_strdup (_("This is the one-time trial start. If everything works, open Passthrough and confirm it; otherwise restart to go back.")));
    }
  if (g_str_equal (state, "applied") && !pending && unbound != NULL)
    return notice_new ("not-bound", _("A device is not ready for virtual machines"),
                       g_strdup_printf (_("%s Open Passthrough to see why."), unbound));
  /* not-applied, trial-armed (armed in this very start), applied and as
   * configured, or waiting for its restart: nothing to say. */
  return NULL;
}
