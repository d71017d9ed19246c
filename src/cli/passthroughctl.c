/* passthroughctl: the command-line face of Passthrough.
 *
 * Only option handling and dispatch live here; each command is a file of its
 * own, and the thinking is in the core library.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "pt-cli.h"

static const PtCliCommand commands[] = {
  { "list", "list [--json]", N_("IOMMU groups and devices, with what goes together"), pt_cli_cmd_list },
  { "slots", "slots [--json]", N_("the slots a card can sit in, and which give it a group of its own"), pt_cli_cmd_slots },
  { "check", "check [--json]", N_("whether this machine is ready for passthrough"), pt_cli_cmd_check },
  { "plan", "plan --select ADDR | --select-ids V:D … | --revert [--json]", N_("what would change for these devices; writes nothing"), pt_cli_cmd_plan },
  { "apply", "apply --select ADDR | --select-ids V:D … [--no-commands]", N_("carry the plan out (through the root helper, or directly under --root)"), pt_cli_cmd_apply },
  { "revert", "revert [--no-commands]", N_("undo everything Passthrough changed"), pt_cli_cmd_revert },
  { "status", "status [--json]", N_("what is configured against what the running kernel shows"), pt_cli_cmd_status },
  { "repair", "repair [--plan] [--no-commands]", N_("apply the stored setup again after an update lost it (status needs-repair)"), pt_cli_cmd_repair },
  { "confirm", "confirm [--no-commands]", N_("make a trial configuration the default"), pt_cli_cmd_confirm },
  { "bind", "bind ADDR", N_("hand a device and its slot to vfio-pci now, until unbind or reboot"), pt_cli_cmd_bind },
  { "unbind", "unbind ADDR", N_("give a device and its slot back to their own drivers"), pt_cli_cmd_unbind },
};

static void
print_help (void)
{
  g_print (_("Usage: passthroughctl [--root DIR] [--snapshot FILE] COMMAND [OPTIONS] [--json]\n\n"));
  g_print (_("Commands:\n"));
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    g_print ("  %-28s %s\n", commands[i].synopsis, _(commands[i].summary));
  g_print (_("\nGlobal options:\n"
             "  --root DIR        read and write the system in DIR instead of /\n"
             "  --snapshot FILE   read the topology from FILE (made by “list --json”)\n"
             "  --json            print JSON instead of text\n"
             "  --help            show this help\n"
             "  --version         show the version\n"));
  g_print (_("\nEvery command and option is in the manual: “man passthroughctl”\n"
             "(in a source tree: “man ./data/man/passthroughctl.1”).\n"));
}

static const PtCliCommand *
find_command (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (commands[i].name, name))
      return &commands[i];
  return NULL;
}

/* “passthroughctl --snapshot list”: the file was forgotten and the command
 * taken for it.  Said when a global option's separate value is a command's
 * name and no command follows; returns the exit code, or -1. */
static int
forgotten_value (const char *option,
                 const char *value,
                 GPtrArray  *rest)
{
  if (value == NULL || find_command (value) == NULL)
    return -1;
  if (rest->len > 0 && find_command (g_ptr_array_index (rest, 0)) != NULL)
    return -1;
  if (g_str_equal (option, "--snapshot"))
    return pt_cli_usage_error (_("The snapshot file is missing: --snapshot took “%s” for its file, so no command is left. "
                                 "Write it like “passthroughctl --snapshot FILE %s”."), value, value);
  return pt_cli_usage_error (_("The directory is missing: --root took “%s” for its directory, so no command is left. "
                               "Write it like “passthroughctl --root DIR %s”."), value, value);
}

static gboolean
take_value (int    *i,
            int     argc,
            char  **argv,
            const char *name,
            const char **out)
{
  const char *arg = argv[*i];
  gsize len = strlen (name);

  if (strncmp (arg, name, len) == 0 && arg[len] == '=')
    {
      *out = arg + len + 1;
      return TRUE;
    }
  if (*i + 1 >= argc)
    return FALSE;
  *out = argv[++*i];
  return TRUE;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GPtrArray) rest = g_ptr_array_new ();
  g_autoptr(PtPaths) paths = NULL;
  PtCliContext ctx = { 0 };
  const PtCliCommand *cmd = NULL;
  gboolean after_dashdash = FALSE;
  /* the values given as a separate word (“--snapshot F”, not “--snapshot=F”) */
  const char *root_word = NULL, *snapshot_word = NULL;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  for (int i = 1; i < argc; i++)
    {
      const char *arg = argv[i];

      if (after_dashdash || arg[0] != '-')
        {
          g_ptr_array_add (rest, (gpointer) arg);
          continue;
        }
      if (g_str_equal (arg, "--"))
        after_dashdash = TRUE;
      else if (g_str_equal (arg, "--help") || g_str_equal (arg, "-h"))
        {
          print_help ();
          return 0;
        }
      else if (g_str_equal (arg, "--version"))
        {
          g_print ("passthroughctl %s\n", PACKAGE_VERSION);
          return 0;
        }
      else if (g_str_equal (arg, "--json"))
        ctx.json = TRUE;
      else if (g_str_has_prefix (arg, "--root"))
        {
          if ((arg[6] != '\0' && arg[6] != '=') || !take_value (&i, argc, argv, "--root", &ctx.root))
            return pt_cli_usage_error (_("--root needs a directory."));
          root_word = arg[6] == '\0' ? ctx.root : NULL;
        }
      else if (g_str_has_prefix (arg, "--snapshot"))
        {
          if ((arg[10] != '\0' && arg[10] != '=') || !take_value (&i, argc, argv, "--snapshot", &ctx.snapshot))
            return pt_cli_usage_error (_("--snapshot needs a file."));
          snapshot_word = arg[10] == '\0' ? ctx.snapshot : NULL;
        }
      else
        g_ptr_array_add (rest, (gpointer) arg);   /* the command's own option */
    }

  {
    int rc = forgotten_value ("--snapshot", snapshot_word, rest);
    if (rc < 0)
      rc = forgotten_value ("--root", root_word, rest);
    if (rc >= 0)
      return rc;
  }
  if (rest->len == 0)
    {
      g_autofree char *list = pt_cli_list_command (&ctx);
      return pt_cli_usage_error (_("Which command? For example “%s”."), list);
    }

  cmd = find_command (g_ptr_array_index (rest, 0));
  if (cmd == NULL)
    {
      const char *word = g_ptr_array_index (rest, 0);
      if (word[0] == '-')
        return pt_cli_usage_error (_("Unknown option “%s”."), word);
      return pt_cli_usage_error (_("Unknown command “%s”."), word);
    }

  if (ctx.root != NULL && *ctx.root == '\0')
    return pt_cli_usage_error (_("--root needs a directory."));
  paths = pt_paths_new (ctx.root);
  ctx.paths = paths;

  return cmd->run (&ctx, (int) rest->len - 1, (char **) rest->pdata + 1);
}
