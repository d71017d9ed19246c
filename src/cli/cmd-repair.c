/* cmd-repair.c: `passthroughctl repair`: the stored selection and options
 * applied again through the same plan, after a kernel update or another tool
 * lost the setup (status `needs-repair`, docs/machine-knowledge.md).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "pt-cli.h"
#include "pt-error.h"
#include "pt-plan-private.h"

int
pt_cli_cmd_repair (PtCliContext *ctx,
                   int           argc,
                   char        **argv)
{
  g_autoptr(PtState) state = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autoptr(GVariant) stored = NULL;
  gboolean no_commands = FALSE;
  gboolean plan_only = FALSE;

  for (int i = 0; i < argc; i++)
    {
      if (g_str_equal (argv[i], "--no-commands"))
        no_commands = TRUE;
      else if (g_str_equal (argv[i], "--plan"))
        plan_only = TRUE;
      else
        return pt_cli_usage_error (_("“repair” takes only --plan and --no-commands, but got “%s”."), argv[i]);
    }
  /* as apply: a snapshot stands for the machine of a system under --root */
  if (ctx->snapshot != NULL && (ctx->root == NULL || pt_paths_is_host (ctx->paths)))
    return pt_cli_usage_error (_("“repair” changes a system: a snapshot only goes with --root DIR."));
  /* the state is root's (0700): without --root the helper reads it */
  state = pt_state_load (ctx->paths, &error);
  if (state == NULL)
    return pt_cli_error (error);
  if (!state->applied)
    {
      g_printerr ("passthroughctl: %s\n", _("Passthrough has set nothing up here, so there is nothing to repair; “passthroughctl apply” sets it up."));
      return 1;
    }
  if (state->trial)
    {
      g_printerr ("passthroughctl: %s\n", _("A trial is set up: confirm it (“passthroughctl confirm”) or apply again with --trial; repair applies confirmed setups."));
      return 1;
    }
  if (state->options != NULL)
    {
      stored = g_variant_parse (G_VARIANT_TYPE_VARDICT, state->options, NULL, NULL, &error);
      if (stored == NULL)
        {
          g_printerr ("passthroughctl: %s\n", _("The stored options of the setup cannot be read; apply the setup again with “passthroughctl apply”."));
          return 1;
        }
    }

  /* The same as `apply` (or `plan`) with the stored selection and options. */
  for (guint i = 0; state->selection != NULL && state->selection[i] != NULL; i++)
    {
      g_ptr_array_add (args, (gpointer) "--select");
      g_ptr_array_add (args, state->selection[i]);
    }
  if (no_commands)
    g_ptr_array_add (args, (gpointer) "--no-commands");
  if (stored != NULL)
    {
      g_autoptr(PtPlanOptions) options = pt_plan_options_new ();
      g_autoptr(PtTopology) topology = NULL;
      g_autoptr(PtPlan) plan = NULL;
      g_autoptr(GPtrArray) addresses = g_ptr_array_new ();

      if (!pt_plan_options_set_variant (options, stored, &error))
        return pt_cli_error (error);
      /* the regeneration commands run even where every file is right: what
       * was built from them (an initramfs, grub.cfg) may be what was lost */
      options->regenerate = TRUE;
      options->trial = FALSE;
      /* the stored options are not CLI flags: plan and apply them here */
      for (guint i = 0; state->selection != NULL && state->selection[i] != NULL; i++)
        g_ptr_array_add (addresses, state->selection[i]);
      g_ptr_array_add (addresses, NULL);
      if (plan_only)
        {
          g_autoptr(PtTopology) topology = NULL;
          g_autoptr(PtPlan) plan = NULL;
          g_autofree char *json = NULL;

          if (ctx->root == NULL || pt_paths_is_host (ctx->paths))
            return pt_cli_usage_error (_("--plan works only with --root DIR; “passthroughctl plan” shows the plan of this machine."));
          topology = pt_cli_load_topology (ctx, &error);
          if (topology == NULL)
            return pt_cli_error (error);
          plan = pt_plan_new_for_selection (ctx->paths, topology, (const char *const *) addresses->pdata,
                                            options, &error);
          if (plan == NULL)
            return pt_cli_error (error);
          json = pt_plan_to_json (plan, FALSE);
          if (ctx->json)
            g_print ("%s\n", json);
          else
            pt_cli_print_plan (json);
          return pt_plan_has_blockers (plan) ? 1 : 0;
        }
      return pt_cli_apply_selection (ctx, (const char *const *) addresses->pdata, NULL, options, no_commands);
    }
  /* a state without stored options (a868f44's): apply with the defaults */
  if (plan_only)
    {
      g_ptr_array_add (args, NULL);
      return pt_cli_cmd_plan (ctx, (int) args->len - 1, (char **) args->pdata);
    }
  g_ptr_array_add (args, NULL);
  return pt_cli_cmd_apply (ctx, (int) args->len - 1, (char **) args->pdata);
}
