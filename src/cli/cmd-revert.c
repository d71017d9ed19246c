/* cmd-revert.c: passthroughctl revert — undoes everything Passthrough did.
 * Works from a live system: passthroughctl --root /mnt revert.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "pt-cli.h"
#include "pt-error.h"
#include "pt-status.h"
#include "pt-transaction.h"

int
pt_cli_cmd_revert (PtCliContext *ctx,
                   int           argc,
                   char        **argv)
{
  g_autoptr(GPtrArray) addresses = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(PtPlanOptions) options = pt_plan_options_new ();
  g_autoptr(GError) error = NULL;
  gboolean no_commands = FALSE;
  int rc;

  rc = pt_cli_parse_plan_args (ctx, "revert", argc, argv, FALSE, addresses, NULL, options, &no_commands);
  if (rc >= 0)
    return rc;
  if (ctx->root == NULL || pt_paths_is_host (ctx->paths))
    {
      if (no_commands)
        return pt_cli_usage_error (_("--no-commands works only with --root DIR; the helper always regenerates."));
      return pt_cli_helper_revert (ctx);
    }
  if (!pt_transaction_revert (ctx->paths, !no_commands, pt_cli_print_progress, ctx, &error))
    return pt_cli_error (error);
  if (ctx->json)
    {
      g_autofree char *json = pt_status_to_json (ctx->paths, NULL, FALSE, &error);
      if (json == NULL)
        return pt_cli_error (error);
      g_print ("%s\n", json);
    }
  return 0;
}
