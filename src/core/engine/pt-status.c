/* pt-status.c: what is configured against what the running kernel shows
 * (docs/json.md, "status"): the state of the setup (applied, a trial armed,
 * booted or fallen back), each configured device bound, pending, inactive
 * or failed with the sentence that says why, and whether the host kept its
 * screen.  Reads only; the transaction (pt-transaction.c) writes the state
 * this reads.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "pt-edit.h"
#include "pt-plan-private.h"
#include "pt-repair.h"
#include "pt-status.h"
#include "pt-transaction.h"

/* "The host still has its display" (issue 7): a connector with a screen
 * on a card that is not on vfio-pci.  -1 when sysfs does not say (a
 * snapshot, a root without sys/class/drm). */
static int
host_display (PtPaths *paths)
{
  g_autofree char *dir = pt_paths_build (paths, "sys", "class", "drm", NULL);
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  int result = -1;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *status_path = NULL;
      g_autofree char *status = NULL;
      g_autofree char *card = NULL;
      g_autofree char *driver_link = NULL;
      g_autofree char *driver = NULL;
      const char *dash = strchr (name, '-');

      if (!g_str_has_prefix (name, "card") || dash == NULL)
        continue;
      status_path = g_build_filename (dir, name, "status", NULL);
      if (!g_file_get_contents (status_path, &status, NULL, NULL))
        continue;
      if (result < 0)
        result = 0;
      if (!g_str_equal (g_strstrip (status), "connected"))
        continue;
      card = g_strndup (name, dash - name);
      driver_link = g_build_filename (dir, card, "device", "driver", NULL);
      driver = g_file_read_link (driver_link, NULL);
      if (driver == NULL || !g_str_has_suffix (driver, "/vfio-pci"))
        result = 1;
    }
  return result;
}

/* One configured device against what sits at its address now: bound,
 * pending (the restart that applies it has not happened), inactive (a trial
 * that was not confirmed) or failed, with the sentence that says why.
 * Returns whether it is on the driver it was set up for. */
static gboolean
add_device_status (JsonBuilder *b,
                   JsonObject  *configured,
                   const char  *addr,
                   PtTopology  *topology,
                   gboolean     pending,
                   gboolean     fell_back,
                   const char  *lost)
{
  const char *want = json_object_get_string_member_with_default (configured, "driver_after", "vfio-pci");
  const char *ids = json_object_get_string_member_with_default (configured, "ids", NULL);
  PtDevice *dev = topology ? pt_topology_lookup (topology, addr) : NULL;
  const char *now = dev ? pt_device_get_driver (dev) : NULL;
  g_autofree char *ids_now = dev ? g_strdup_printf ("%04x:%04x", pt_device_get_vendor (dev),
                                                    pt_device_get_device (dev)) : NULL;
  gboolean ok = now != NULL && g_strcmp0 (now, want) == 0;
  const char *result;
  g_autofree char *reason = NULL;

  if (ok)
    result = "bound";
  else if (dev != NULL && ids != NULL && *ids != '\0' && !g_str_equal (ids, ids_now))
    {
      /* A different card at the address: the early script and vfio-pci.ids
       * both leave it alone, whatever the command line says. */
      result = "failed";
      reason = g_strdup_printf (_("%s is now a %s device, not the %s that was set up, so it was left to its own driver. Put the card back in this slot, or revert and set up passthrough again for what is there now."),
                                addr, ids_now, ids);
    }
  else if (dev == NULL && topology != NULL)
    {
      result = pending ? "pending" : "failed";
      reason = g_strdup_printf (_("No device is at %s now. If the card was moved, revert and set up passthrough again at its new address."), addr);
    }
  else if (lost != NULL)
    {
      result = "failed";
      reason = g_strdup (lost);
    }
  else if (fell_back)
    {
      result = "inactive";
      reason = g_strdup (_("The trial start was not confirmed, so this start is the setup from before."));
    }
  else if (pending)
    {
      result = "pending";
      reason = g_strdup_printf (_("It goes to %s at the next restart."), want);
    }
  else if (topology == NULL)
    {
      result = "failed";
      reason = g_strdup (_("The devices could not be read, so whether it is bound is not known."));
    }
  else if (now == NULL)
    {
      result = "failed";
      reason = g_strdup_printf (_("No driver has it, although it was set up for %s: the %s module may be missing from the initramfs. Regenerate the initramfs and restart."),
                                want, want);
    }
  else
    {
      result = "failed";
      reason = g_strdup_printf (_("%s took it before %s could: the initramfs may be older than the setup. Regenerate the initramfs and restart."),
                                now, want);
    }

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "address");
  json_builder_add_string_value (b, addr);
  json_builder_set_member_name (b, "configured");
  json_builder_add_string_value (b, want);
  json_builder_set_member_name (b, "ids");
  if (ids != NULL && *ids != '\0')
    json_builder_add_string_value (b, ids);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "driver_now");
  if (now)
    json_builder_add_string_value (b, now);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "ids_now");
  if (ids_now)
    json_builder_add_string_value (b, ids_now);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "ok");
  json_builder_add_boolean_value (b, ok);
  json_builder_set_member_name (b, "result");
  json_builder_add_string_value (b, result);
  json_builder_set_member_name (b, "reason");
  if (reason)
    json_builder_add_string_value (b, reason);
  else
    json_builder_add_null_value (b);
  json_builder_end_object (b);
  return ok;
}

static gboolean
configured_device (PtState    *state,
                   const char *address)
{
  JsonArray *a = json_node_get_array (state->devices);

  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonObject *o = json_array_get_object_element (a, i);
      if (o != NULL && g_strcmp0 (json_object_get_string_member_with_default (o, "address", NULL), address) == 0)
        return TRUE;
    }
  return FALSE;
}

/* {"selection": [...], "options": {key: value}}: the stored selection and
 * plan options (booleans and strings; a state of a868f44 has none: {}). */
static void
add_setup (JsonBuilder *b,
           PtState     *state)
{
  g_autoptr(GVariant) options = NULL;

  if (state->options != NULL)
    options = g_variant_parse (G_VARIANT_TYPE_VARDICT, state->options, NULL, NULL, NULL);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "selection");
  json_builder_begin_array (b);
  for (guint i = 0; state->selection != NULL && state->selection[i] != NULL; i++)
    json_builder_add_string_value (b, state->selection[i]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "options");
  json_builder_begin_object (b);
  if (options != NULL)
    {
      GVariantIter iter;
      const char *key;
      GVariant *value;

      g_variant_iter_init (&iter, options);
      while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
        {
          if (g_str_equal (key, "plan-digest"))
            ;   /* the digest of that plan, not part of the setup */
          else if (g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN))
            {
              json_builder_set_member_name (b, key);
              json_builder_add_boolean_value (b, g_variant_get_boolean (value));
            }
          else if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
            {
              json_builder_set_member_name (b, key);
              json_builder_add_string_value (b, g_variant_get_string (value, NULL));
            }
          g_variant_unref (value);
        }
    }
  json_builder_end_object (b);
  json_builder_end_object (b);
}

char *
pt_status_to_json (PtPaths     *paths,
                   PtTopology  *topology,
                   gboolean     pretty,
                   GError     **error)
{
  g_autoptr(PtState) state = pt_state_load (paths, error);
  g_autoptr(JsonBuilder) b = NULL;
  g_autoptr(JsonGenerator) gen = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *running = NULL;
  gboolean pending = FALSE, all_ok = TRUE;
  const char *trial_state = NULL;
  g_autofree char *journal = NULL;
  g_autoptr(GPtrArray) repair = NULL;

  if (state == NULL)
    return NULL;
  running = pt_engine_running_cmdline (paths, topology);
  journal = pt_paths_build (paths, "var/lib/passthrough/journal.json", NULL);

  b = json_builder_new ();
  json_builder_begin_object (b);
  {
    const char *name = state->applied ? "applied" : "not-applied";
    if (state->applied && state->trial)
      {
        g_autofree char *boot_id = pt_state_read_boot_id (paths);
        gboolean has_args = TRUE;
        for (guint i = 0; state->kernel_args && state->kernel_args[i] != NULL; i++)
          {
            const char *one[] = { state->kernel_args[i], NULL };
            g_autofree char *edited = pt_edit_cmdline (running, one, NULL, NULL);
            if (edited == NULL || !g_str_equal (edited, running))
              has_args = FALSE;
          }
        if (boot_id == NULL || g_strcmp0 (boot_id, state->trial_boot_id) == 0)
          name = "trial-armed";
        else if (has_args)
          name = "trial-booted";
        else
          name = "trial-fell-back";
        trial_state = name;
      }
    /* First match wins (docs/machine-knowledge.md): a running transaction
     * says so, whatever the state file says half-way through it; then a
     * setup the running system no longer carries. */
    repair = pt_repair_check (paths, topology, state, running);
    if (pt_transaction_is_running (paths))
      name = "applying";
    else if (repair->len > 0)
      name = "needs-repair";
    json_builder_set_member_name (b, "state");
    json_builder_add_string_value (b, name);
  }
  if (state->applied)
    {
      /* Is the running kernel started with what we configured? */
      for (guint i = 0; state->kernel_args && state->kernel_args[i] != NULL; i++)
        {
          const char *one[] = { state->kernel_args[i], NULL };
          g_autofree char *edited = pt_edit_cmdline (running, one, NULL, NULL);
          if (edited != NULL && !g_str_equal (edited, running))
            pending = TRUE;
        }
    }
  else if (state->kernel_args == NULL)
    {
      /* Reverted but still booted with our address list or ids: a restart
       * is what is left. */
      if (strstr (running, "passthrough.vfio=") != NULL)
        pending = TRUE;
    }
  /* A trial that fell back boots without our arguments by design: nothing
   * is pending, it is simply not set up; an armed one waits for its boot. */
  if (trial_state != NULL && g_str_equal (trial_state, "trial-fell-back"))
    pending = FALSE;
  else if (trial_state != NULL && g_str_equal (trial_state, "trial-armed"))
    pending = TRUE;
  /* lost, not waiting for a restart */
  if (pt_repair_has (repair, "kernel-args-lost"))
    pending = FALSE;

  json_builder_set_member_name (b, "devices");
  json_builder_begin_array (b);
  if (state->applied)
    {
      JsonArray *a = json_node_get_array (state->devices);
      gboolean fell_back = trial_state != NULL && g_str_equal (trial_state, "trial-fell-back");

      for (guint i = 0; i < json_array_get_length (a); i++)
        {
          JsonObject *o = json_array_get_object_element (a, i);
          const char *addr = o ? json_object_get_string_member_with_default (o, "address", NULL) : NULL;
          if (addr == NULL)
            continue;
          all_ok &= add_device_status (b, o, addr, topology, pending, fell_back,
                                       pt_repair_has (repair, "kernel-args-lost") ?
                                       _("This start's command line lacks the setup's arguments (see “repair”): “passthroughctl repair” puts them back.") : NULL);
        }
    }
  json_builder_end_array (b);
  /* Devices on vfio-pci that Passthrough does not account for: bound by the
   * person's own configuration (a hand-made setup, or the lines that stay
   * theirs after a revert of one Passthrough adopted). */
  json_builder_set_member_name (b, "bound_by_hand");
  json_builder_begin_array (b);
  if (topology != NULL)
    {
      GListModel *devs = pt_topology_get_devices (topology);
      for (guint i = 0; i < g_list_model_get_n_items (devs); i++)
        {
          g_autoptr(PtDevice) dev = g_list_model_get_item (devs, i);
          if (g_strcmp0 (pt_device_get_driver (dev), "vfio-pci") != 0 ||
              (state->applied && configured_device (state, pt_device_get_address (dev))))
            continue;
          json_builder_add_string_value (b, pt_device_get_address (dev));
        }
    }
  json_builder_end_array (b);
  if (trial_state != NULL && g_str_equal (trial_state, "trial-fell-back"))
    all_ok = FALSE;
  json_builder_set_member_name (b, "repair");
  pt_repair_to_builder (b, repair);
  all_ok &= repair->len == 0;
  json_builder_set_member_name (b, "pending_reboot");
  json_builder_add_boolean_value (b, pending);
  json_builder_set_member_name (b, "host_display");
  switch (host_display (paths))
    {
    case 1: json_builder_add_boolean_value (b, TRUE); break;
    case 0: json_builder_add_boolean_value (b, FALSE); break;
    default: json_builder_add_null_value (b); break;
    }
  /* The permanent "without passthrough" boot entry, null when none. */
  json_builder_set_member_name (b, "way_back");
  if (state->applied)
    pt_way_back_to_builder (b, state->way_back_path, state->way_back_title);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "unfinished_transaction");
  json_builder_add_boolean_value (b, g_file_test (journal, G_FILE_TEST_EXISTS));
  json_builder_set_member_name (b, "ok");
  json_builder_add_boolean_value (b, all_ok && !pending && !g_file_test (journal, G_FILE_TEST_EXISTS));
  json_builder_set_member_name (b, "history");
  json_builder_add_value (b, json_node_copy (state->history));
  /* What `repair` applies again, for a caller that cannot read the state
   * (the app through GetStatus): docs/machine-knowledge.md. */
  json_builder_set_member_name (b, "setup");
  if (state->applied)
    add_setup (b, state);
  else
    json_builder_add_null_value (b);
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  gen = json_generator_new ();
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, pretty);
  return json_generator_to_data (gen, NULL);
}
