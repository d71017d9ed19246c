/* cmd-plan.c: passthroughctl plan — what would change; writes nothing.
 * Also the flags plan and apply share, parsed into the same a{sv} the
 * helper takes, so both go through one allow-list.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "pt-cli.h"
#include "pt-error.h"
#include "pt-device.h"
#include "pt-plan.h"
#include "pt-select-ids.h"

static gboolean
flag_value (int          *i,
            int           argc,
            char        **argv,
            const char   *name,
            const char  **out)
{
  const char *arg = argv[*i];
  gsize len = strlen (name);

  if (strncmp (arg, name, len) != 0)
    return FALSE;
  if (arg[len] == '=')
    {
      *out = arg + len + 1;
      return TRUE;
    }
  if (arg[len] != '\0')
    return FALSE;
  *out = (*i + 1 < argc) ? argv[++*i] : NULL;
  return TRUE;
}

/* Returns -1 when the arguments are good, else the exit code. */
int
pt_cli_parse_plan_args (PtCliContext  *ctx,
                        const char    *command,
                        int            argc,
                        char         **argv,
                        gboolean       with_selection,
                        GPtrArray     *addresses,
                        GPtrArray     *ids,
                        PtPlanOptions *options,
                        gboolean      *no_commands)
{
  g_autoptr(GError) error = NULL;
  g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  g_autoptr(GVariant) asv = NULL;

  for (int i = 0; i < argc; i++)
    {
      const char *arg = argv[i];
      const char *value = NULL;

      if (with_selection && flag_value (&i, argc, argv, "--select", &value))
        {
          g_autofree char *normal = NULL;

          if (value == NULL)
            return pt_cli_usage_error (_("--select needs a PCI address, like 0000:01:00.0."));
          /* The short form lspci prints (01:00.0) is domain 0000; the
           * helper only takes the full form. */
          normal = pt_address_normalize (value);
          if (normal == NULL)
            {
              g_autofree char *list = pt_cli_list_command (ctx);
              return pt_cli_usage_error (_("“%s” is not a PCI address; write it like 0000:01:00.0 (see “%s”)."),
                                         value, list);
            }
          g_ptr_array_add (addresses, g_steal_pointer (&normal));
        }
      else if (with_selection && ids != NULL && flag_value (&i, argc, argv, "--select-ids", &value))
        {
          guint16 vendor, device;

          if (value == NULL)
            return pt_cli_usage_error (_("--select-ids needs vendor:device IDs, like 10de:1b80."));
          /* The form is checked here, so a typo is a usage error (exit 2);
           * which devices carry the IDs is the core's rule, once the
           * machine is read (pt_select_ids_merge). */
          if (!pt_select_ids_parse (value, &vendor, &device))
            return pt_cli_usage_error (_("“%s” is not a vendor:device pair; write it like 10de:1b80, the IDs in brackets that “passthroughctl list” shows."),
                                       value);
          g_ptr_array_add (ids, g_strdup_printf ("%04x:%04x", vendor, device));
        }
      else if (with_selection && flag_value (&i, argc, argv, "--bind-by", &value))
        {
          if (value == NULL)
            return pt_cli_usage_error (_("--bind-by needs ids or address."));
          g_variant_builder_add (&b, "{sv}", "binding", g_variant_new_string (value));
        }
      else if (with_selection && flag_value (&i, argc, argv, "--acs-override", &value))
        {
          if (value == NULL)
            return pt_cli_usage_error (_("--acs-override needs downstream, multifunction or downstream,multifunction."));
          g_variant_builder_add (&b, "{sv}", "acs-override", g_variant_new_string (value));
        }
      else if (with_selection && flag_value (&i, argc, argv, "--bootloader", &value))
        {
          if (value == NULL)
            return pt_cli_usage_error (_("--bootloader needs a name, like grub or systemd-boot."));
          g_variant_builder_add (&b, "{sv}", "bootloader", g_variant_new_string (value));
        }
      else if (with_selection && flag_value (&i, argc, argv, "--option", &value))
        {
          /* KEY=VALUE in the helper's own names (binding=ids, iommu-pt=false):
           * what the Ansible module passes on as it got it.  true and false
           * are booleans, anything else a string; the engine's allow-list
           * below judges the key and its type. */
          const char *eq = value != NULL ? strchr (value, '=') : NULL;
          g_autofree char *key = NULL;

          if (eq == NULL || eq == value)
            return pt_cli_usage_error (_("--option needs KEY=VALUE, like binding=ids or iommu-pt=false."));
          key = g_strndup (value, (gsize) (eq - value));
          if (g_str_equal (eq + 1, "true") || g_str_equal (eq + 1, "false"))
            g_variant_builder_add (&b, "{sv}", key, g_variant_new_boolean (g_str_equal (eq + 1, "true")));
          else
            g_variant_builder_add (&b, "{sv}", key, g_variant_new_string (eq + 1));
        }
      else if (with_selection && g_str_equal (arg, "--no-iommu-pt"))
        g_variant_builder_add (&b, "{sv}", "iommu-pt", g_variant_new_boolean (FALSE));
      else if (with_selection && g_str_equal (arg, "--allow-unsafe-interrupts"))
        g_variant_builder_add (&b, "{sv}", "unsafe-interrupts", g_variant_new_boolean (TRUE));
      else if (with_selection && g_str_equal (arg, "--disable-vga"))
        g_variant_builder_add (&b, "{sv}", "disable-vga", g_variant_new_boolean (TRUE));
      else if (with_selection && g_str_equal (arg, "--framebuffer-off"))
        g_variant_builder_add (&b, "{sv}", "framebuffer-off", g_variant_new_boolean (TRUE));
      else if (with_selection && g_str_equal (arg, "--usb-pci-stub"))
        g_variant_builder_add (&b, "{sv}", "usb-pci-stub", g_variant_new_boolean (TRUE));
      else if (with_selection && g_str_equal (arg, "--trial"))
        g_variant_builder_add (&b, "{sv}", "trial", g_variant_new_boolean (TRUE));
      else if (with_selection && g_str_equal (arg, "--disable-idle-d3"))
        g_variant_builder_add (&b, "{sv}", "disable-idle-d3", g_variant_new_boolean (TRUE));
      else if (with_selection && g_str_equal (arg, "--iommu-only"))
        g_variant_builder_add (&b, "{sv}", "iommu-only", g_variant_new_boolean (TRUE));
      else if (with_selection && g_str_equal (arg, "--allow-last-gpu"))
        g_variant_builder_add (&b, "{sv}", "allow-last-gpu", g_variant_new_boolean (TRUE));
      else if (no_commands != NULL && g_str_equal (arg, "--no-commands"))
        *no_commands = TRUE;
      else if (arg[0] == '-')
        return pt_cli_usage_error (_("“%s” does not take the option “%s”."), command, arg);
      else
        return pt_cli_usage_error (_("“%s” takes no arguments, but got “%s”%s"), command, arg,
                                   with_selection ? _("; select devices with --select ADDR.") : ".");
    }
  asv = g_variant_ref_sink (g_variant_builder_end (&b));
  if (!pt_plan_options_set_variant (options, asv, &error))
    return pt_cli_error (error);
  if (with_selection && addresses->len == 0 && (ids == NULL || ids->len == 0) && !options->iommu_only)
    {
      g_autofree char *list = pt_cli_list_command (ctx);
      return pt_cli_usage_error (_("Which devices? Select them with --select ADDR or --select-ids VENDOR:DEVICE (see “%s”)."),
                                 list);
    }
  g_ptr_array_add (addresses, NULL);
  if (ids != NULL)
    g_ptr_array_add (ids, NULL);
  return -1;
}

static void
print_issues (JsonObject *root,
              const char *name,
              const char *title)
{
  JsonArray *a = json_object_get_array_member (root, name);

  if (a == NULL || json_array_get_length (a) == 0)
    return;
  g_print ("\n%s\n", title);
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonObject *o = json_array_get_object_element (a, i);
      JsonArray *fixes = json_object_has_member (o, "fixes") ? json_object_get_array_member (o, "fixes") : NULL;

      g_print ("  [%s] %s\n", json_object_get_string_member (o, "code"),
               json_object_get_string_member (o, "message"));
      /* best first, as the plan ranked them */
      for (guint j = 0; fixes != NULL && j < json_array_get_length (fixes); j++)
        g_print ("      %u. %s\n", j + 1,
                 json_object_get_string_member (json_array_get_object_element (fixes, j), "text"));
    }
}

void
pt_cli_print_plan (const char *json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *root;
  JsonArray *a;

  if (!json_parser_load_from_data (parser, json, -1, NULL))
    return;
  root = json_node_get_object (json_parser_get_root (parser));

  if (!json_object_get_boolean_member_with_default (root, "revert", FALSE))
    {
      g_print (_("Devices for vfio (binding: %s):\n"), json_object_get_string_member (root, "binding"));
      a = json_object_get_array_member (root, "device_details");
      for (guint i = 0; i < json_array_get_length (a); i++)
        {
          JsonObject *d = json_array_get_object_element (a, i);
          g_print ("  %s  %s  %s → %s, by %s (%s)\n",
                   json_object_get_string_member (d, "address"),
                   json_object_get_string_member (d, "ids"),
                   json_object_get_null_member (d, "driver_now") ? _("no driver") : json_object_get_string_member (d, "driver_now"),
                   json_object_get_string_member (d, "driver_after"),
                   g_str_equal (json_object_get_string_member (d, "binding"), "ids") ? _("ID") : _("address"),
                   json_object_get_string_member (d, "reason"));
        }
    }
  else
    g_print (_("Undo everything Passthrough changed.\n"));

  g_print (_("\nBootloader: %s"), json_object_get_string_member (root, "bootloader"));
  if (!json_object_get_null_member (root, "bootloader_evidence"))
    g_print (" (%s)", json_object_get_string_member (root, "bootloader_evidence"));
  g_print (_("\nInitramfs: %s\n"), json_object_get_string_member (root, "initramfs"));

  a = json_object_get_array_member (root, "kernel_args");
  if (json_array_get_length (a) > 0)
    {
      g_print (_("Kernel command line gets:"));
      for (guint i = 0; i < json_array_get_length (a); i++)
        g_print (" %s", json_array_get_string_element (a, i));
      g_print ("\n");
    }

  a = json_object_get_array_member (root, "changes");
  g_print (_("\nFiles (%u):\n"), json_array_get_length (a));
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonObject *c = json_array_get_object_element (a, i);
      g_print ("  %s %s\n", json_object_get_string_member (c, "action"), json_object_get_string_member (c, "path"));
      g_print ("%s", json_object_get_string_member (c, "diff"));
    }

  a = json_object_get_array_member (root, "commands");
  g_print (_("\nCommands (%u):\n"), json_array_get_length (a));
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonArray *argv = json_array_get_array_element (a, i);
      g_autoptr(GString) line = g_string_new ("  ");
      for (guint k = 0; k < json_array_get_length (argv); k++)
        {
          const char *s = json_array_get_string_element (argv, k);
          g_autofree char *quoted = strpbrk (s, " \"'$") ? g_shell_quote (s) : g_strdup (s);
          if (k)
            g_string_append_c (line, ' ');
          g_string_append (line, quoted);
        }
      g_print ("%s\n", line->str);
    }

  print_issues (root, "not_known", _("Not known from a snapshot (neither warnings nor blockers):"));
  print_issues (root, "warnings", _("Warnings:"));
  print_issues (root, "blockers", _("Blockers (apply refuses until they are resolved):"));
}

GStrv
pt_cli_selection (PtCliContext       *ctx,
                  PtTopology         *topology,
                  const char *const  *addresses,
                  const char *const  *ids,
                  int                *rc)
{
  g_autoptr(GError) error = NULL;
  GStrv selection;

  if ((*rc = pt_cli_check_selection (ctx, topology, addresses)) >= 0)
    return NULL;
  selection = pt_select_ids_merge (topology, addresses, ids, &error);
  if (selection == NULL)
    *rc = pt_cli_error (error);
  return selection;
}

/* The plan as JSON or as text; exit 1 when it has blockers. */
static int
show_plan (PtCliContext *ctx,
           PtPlan       *plan)
{
  g_autofree char *json = pt_plan_to_json (plan, ctx->json);

  if (ctx->json)
    g_print ("%s\n", json);
  else
    pt_cli_print_plan (json);
  return pt_plan_has_blockers (plan) ? 1 : 0;
}

/* plan --revert: what revert would do, as plan shows a selection's. */
static int
plan_revert (PtCliContext *ctx,
             int           argc,
             char        **argv)
{
  g_autoptr(GPtrArray) addresses = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(PtPlanOptions) options = pt_plan_options_new ();
  g_autoptr(PtPlan) plan = NULL;
  g_autoptr(GError) error = NULL;
  int rc;

  rc = pt_cli_parse_plan_args (ctx, "plan --revert", argc, argv, FALSE, addresses, NULL, options, NULL);
  if (rc >= 0)
    return rc;
  plan = pt_plan_new_for_revert (ctx->paths, NULL, &error);
  if (plan == NULL)
    return pt_cli_error (error);
  return show_plan (ctx, plan);
}

int
pt_cli_cmd_plan (PtCliContext *ctx,
                 int           argc,
                 char        **argv)
{
  g_autoptr(GPtrArray) addresses = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(PtPlanOptions) options = pt_plan_options_new ();
  g_autoptr(PtTopology) topology = NULL;
  g_autoptr(PtPlan) plan = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) selection = NULL;
  int rc;

  if (argc > 0 && g_str_equal (argv[0], "--revert"))
    return plan_revert (ctx, argc - 1, argv + 1);
  rc = pt_cli_parse_plan_args (ctx, "plan", argc, argv, TRUE, addresses, ids, options, NULL);
  if (rc >= 0)
    return rc;
  topology = pt_cli_load_topology (ctx, &error);
  if (topology == NULL)
    return pt_cli_error (error);
  selection = pt_cli_selection (ctx, topology, (const char *const *) addresses->pdata,
                                (const char *const *) ids->pdata, &rc);
  if (selection == NULL)
    return rc;
  plan = pt_plan_new_for_selection (ctx->paths, topology, (const char *const *) selection,
                                    options, &error);
  if (plan == NULL)
    return pt_cli_error (error);
  return show_plan (ctx, plan);
}
