/* cmd-apply.c: passthroughctl apply — carries a plan out.  Under --root
 * directly; on this machine it goes through the root helper.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "pt-cli.h"
#include "pt-error.h"
#include "pt-transaction.h"

void
pt_cli_print_progress (const char *step,
                       double      fraction,
                       const char *message,
                       gpointer    user_data)
{
  PtCliContext *ctx = user_data;

  /* With --json, stdout is for the JSON alone. */
  if (ctx->json)
    g_printerr ("%s\n", message);
  else if (g_str_equal (step, "output"))
    g_print ("    %s\n", message);
  else
    g_print ("%s\n", message);
}

/* The helper's a{sv} for @options, with --select-ids as its "select-ids"
 * key: the helper turns the IDs into addresses on the machine it reads, by
 * the core's rule (docs/select-ids.md). */
static GVariant *
options_with_ids (PtPlanOptions      *options,
                  const char *const  *ids)
{
  g_autoptr(GVariant) base = g_variant_ref_sink (pt_plan_options_to_variant (options));
  g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  GVariantIter iter;
  const char *key;
  GVariant *value;

  g_variant_iter_init (&iter, base);
  while (g_variant_iter_loop (&iter, "{&sv}", &key, &value))
    g_variant_builder_add (&b, "{sv}", key, value);
  if (ids != NULL && ids[0] != NULL)
    g_variant_builder_add (&b, "{sv}", "select-ids", g_variant_new_strv (ids, -1));
  return g_variant_builder_end (&b);
}

/* The plan of @addresses and the endpoints of @ids (NULL: none) with
 * @options carried out: through the root helper on this machine, or
 * directly under --root.  Shared by apply and repair. */
int
pt_cli_apply_selection (PtCliContext       *ctx,
                        const char *const  *addresses,
                        const char *const  *ids,
                        PtPlanOptions      *options,
                        gboolean            no_commands)
{
  g_autoptr(PtTopology) topology = NULL;
  g_autoptr(PtPlan) plan = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) selection = NULL;
  int rc;

  /* This machine: the root helper rescans, recomputes the plan and carries
   * it out; only the addresses and the option keys travel. */
  if (ctx->root == NULL || pt_paths_is_host (ctx->paths))
    {
      if (ctx->snapshot != NULL)
        {
          g_printerr ("passthroughctl: %s\n",
                      _("A snapshot only describes a machine: applying to this machine goes through Passthrough's root helper, "
                        "which reads the machine itself. Leave out --snapshot, or give --root DIR to configure a mounted system."));
          return 1;
        }
      if (no_commands)
        return pt_cli_usage_error (_("--no-commands works only with --root DIR; the helper always regenerates."));
      return pt_cli_helper_apply (ctx, addresses, options_with_ids (options, ids));
    }
  /* The devices first (sysfs, which no transaction touches), so that a
   * selection naming none of them is refused before anything is created. */
  topology = pt_cli_load_topology (ctx, &error);
  if (topology == NULL)
    return pt_cli_error (error);
  selection = pt_cli_selection (ctx, topology, addresses, ids, &rc);
  if (selection == NULL)
    return rc;
  /* A change that did not finish is rolled back before planning: the plan
   * must start from whole files. */
  if (!pt_transaction_recover (ctx->paths, &error))
    return pt_cli_error (error);
  plan = pt_plan_new_for_selection (ctx->paths, topology, (const char *const *) selection,
                                    options, &error);
  if (plan == NULL)
    return pt_cli_error (error);
  if (pt_plan_has_blockers (plan))
    {
      g_autofree char *json = pt_plan_to_json (plan, FALSE);
      g_printerr ("passthroughctl: %s\n", _("Refused; nothing was changed:"));
      if (!ctx->json)
        pt_cli_print_plan (json);
      else
        g_print ("%s\n", json);
      return 1;
    }
  if (!pt_transaction_apply (ctx->paths, plan, !no_commands, pt_cli_print_progress, ctx, &error))
    return pt_cli_error (error);
  return pt_cli_print_status (ctx, topology) == 2 ? 2 : 0;
}

int
pt_cli_cmd_apply (PtCliContext *ctx,
                  int           argc,
                  char        **argv)
{
  g_autoptr(GPtrArray) addresses = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(PtPlanOptions) options = pt_plan_options_new ();
  gboolean no_commands = FALSE;
  int rc;

  rc = pt_cli_parse_plan_args (ctx, "apply", argc, argv, TRUE, addresses, ids, options, &no_commands);
  if (rc >= 0)
    return rc;
  return pt_cli_apply_selection (ctx, (const char *const *) addresses->pdata,
                                 (const char *const *) ids->pdata, options, no_commands);
}
