/* pt-cli.c: helpers shared by the passthroughctl commands.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>

#include "pt-cli.h"
#include "pt-error.h"

int
pt_cli_usage_error (const char *format,
                    ...)
{
  g_autofree char *msg = NULL;
  va_list ap;

  va_start (ap, format);
  msg = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_printerr ("passthroughctl: %s\n", msg);
  g_printerr (_("Run “passthroughctl --help” for usage.\n"));
  return 2;
}

/* One line, the error's own sentence; invalid arguments are usage errors. */
int
pt_cli_error (GError *error)
{
  g_printerr ("passthroughctl: %s\n", error->message);
  if (g_error_matches (error, PT_ERROR, PT_ERROR_INVALID_ARGS))
    return 2;
  return 1;
}

int
pt_cli_no_arguments (const char *command,
                     int         argc,
                     char      **argv)
{
  if (argc > 0)
    {
      if (argv[0][0] == '-')
        return pt_cli_usage_error (_("“%s” does not take the option “%s”."), command, argv[0]);
      return pt_cli_usage_error (_("“%s” takes no arguments, but got “%s”."), command, argv[0]);
    }
  return 0;
}

PtTopology *
pt_cli_load_topology (PtCliContext *ctx,
                      GError      **error)
{
  if (ctx->snapshot != NULL)
    return pt_topology_new_from_snapshot (ctx->snapshot, error);
  return pt_topology_new_from_sysfs (ctx->paths, error);
}

const char *
pt_cli_describe_source (PtCliContext *ctx)
{
  static char buf[4096];

  if (ctx->snapshot != NULL)
    g_snprintf (buf, sizeof buf, _("snapshot %s"), ctx->snapshot);
  else if (pt_paths_is_host (ctx->paths))
    g_snprintf (buf, sizeof buf, "%s", _("this machine"));
  else
    g_snprintf (buf, sizeof buf, _("the system in %s"), pt_paths_get_root (ctx->paths));
  return buf;
}

/* @word as the shell reads it back: as it is when it has only characters
 * the shell leaves alone, else quoted. */
static void
append_shell_word (GString    *out,
                   const char *word)
{
  g_autofree char *quoted = NULL;

  if (*word != '\0' && word[strspn (word, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./:,+=@%-")] == '\0')
    {
      g_string_append (out, word);
      return;
    }
  quoted = g_shell_quote (word);
  g_string_append (out, quoted);
}

/* The `list` command for the machine this run reads, to name in a hint:
 * with --snapshot F or --root DIR the list of this machine is the wrong one. */
char *
pt_cli_list_command (PtCliContext *ctx)
{
  GString *cmd = g_string_new ("passthroughctl");

  if (ctx->root != NULL && (ctx->paths == NULL || !pt_paths_is_host (ctx->paths)))
    {
      g_string_append (cmd, " --root ");
      append_shell_word (cmd, ctx->root);
    }
  if (ctx->snapshot != NULL)
    {
      g_string_append (cmd, " --snapshot ");
      append_shell_word (cmd, ctx->snapshot);
    }
  g_string_append (cmd, " list");
  return g_string_free (cmd, FALSE);
}

/* Every selected address must be a device of the machine read, checked here
 * rather than by the core so the sentence can say which machine that is
 * (the core, also the helper's, speaks of "this system").  Returns -1 when
 * all are there, else the exit code. */
int
pt_cli_check_selection (PtCliContext      *ctx,
                        PtTopology        *topology,
                        const char *const *addresses)
{
  for (guint i = 0; addresses[i] != NULL; i++)
    {
      g_autofree char *list = NULL;

      if (pt_topology_lookup (topology, addresses[i]) != NULL)
        continue;
      list = pt_cli_list_command (ctx);
      g_printerr ("passthroughctl: ");
      if (ctx->snapshot != NULL)
        g_printerr (_("There is no PCI device %s in the snapshot %s; “%s” shows the devices there are. Nothing was changed.\n"),
                    addresses[i], ctx->snapshot, list);
      else if (pt_paths_is_host (ctx->paths))
        g_printerr (_("There is no PCI device %s on this machine; “%s” shows the devices there are. Nothing was changed.\n"),
                    addresses[i], list);
      else
        g_printerr (_("There is no PCI device %s in the system in %s; “%s” shows the devices there are. Nothing was changed.\n"),
                    addresses[i], pt_paths_get_root (ctx->paths), list);
      return 1;
    }
  return -1;
}

/* Objects the process no longer needs but that are cheaper to leave to
 * exit() than to free one by one; kept reachable so that valgrind's leak
 * check does not count them. */
static GPtrArray *kept_until_exit;

void
pt_cli_keep_until_exit (gpointer object)
{
  if (kept_until_exit == NULL)
    kept_until_exit = g_ptr_array_new ();
  g_ptr_array_add (kept_until_exit, object);
}
