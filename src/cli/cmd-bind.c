/* cmd-bind.c: `passthroughctl bind ADDR` / `unbind ADDR` — hand a device and
 * its slot functions to vfio-pci now, and give them back (seed 002), through
 * the root helper.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "pt-cli.h"
#include "pt-device.h"

static int
run (PtCliContext *ctx,
     const char   *command,
     int           argc,
     char        **argv,
     gboolean      bind)
{
  g_autofree char *address = NULL;

  if (argc != 1 || argv[0][0] == '-')
    {
      if (argc > 0 && argv[0][0] == '-')
        return pt_cli_usage_error (_("“%s” does not take the option “%s”."), command, argv[0]);
      return pt_cli_usage_error (_("“%s” takes one device address, for example “passthroughctl %s 0000:01:00.0”."),
                                 command, command);
    }
  /* A runtime binding is about the running kernel: there is nothing to bind
   * in a mounted system or a snapshot. */
  if (ctx->root != NULL || ctx->snapshot != NULL)
    return pt_cli_usage_error (_("“%s” acts on the running system only; it takes no --root or --snapshot."),
                               command);
  address = pt_address_normalize (argv[0]);
  if (address == NULL)
    return pt_cli_usage_error (_("“%s” is not a PCI address: use the form 0000:01:00.0 or 01:00.0."), argv[0]);
  return pt_cli_helper_bind (ctx, address, bind);
}

int
pt_cli_cmd_bind (PtCliContext *ctx,
                 int           argc,
                 char        **argv)
{
  return run (ctx, "bind", argc, argv, TRUE);
}

int
pt_cli_cmd_unbind (PtCliContext *ctx,
                   int           argc,
                   char        **argv)
{
  return run (ctx, "unbind", argc, argv, FALSE);
}
