/* cmd-confirm.c: passthroughctl confirm — makes a trial configuration the
 * default (safe first boot): the normal edits go in, the trial entry goes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "pt-cli.h"
#include "pt-error.h"
#include "pt-transaction.h"

int
pt_cli_cmd_confirm (PtCliContext *ctx,
                    int           argc,
                    char        **argv)
{
  g_autoptr(GPtrArray) addresses = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(PtPlanOptions) options = pt_plan_options_new ();
  g_autoptr(PtTopology) topology = NULL;
  g_autoptr(GError) error = NULL;
  gboolean no_commands = FALSE;
  int rc;

  rc = pt_cli_parse_plan_args (ctx, "confirm", argc, argv, FALSE, addresses, NULL, options, &no_commands);
  if (rc >= 0)
    return rc;
  if (ctx->root == NULL || pt_paths_is_host (ctx->paths))
    {
      if (no_commands)
        return pt_cli_usage_error (_("--no-commands works only with --root DIR; the helper always regenerates."));
      return pt_cli_helper_confirm (ctx);
    }
  topology = pt_cli_load_topology (ctx, &error);
  if (topology == NULL)
    return pt_cli_error (error);
  if (!pt_transaction_confirm_for_topology (ctx->paths, topology, !no_commands,
                                            pt_cli_print_progress, ctx, &error))
    return pt_cli_error (error);
  return pt_cli_print_status (ctx, topology) == 2 ? 2 : 0;
}
