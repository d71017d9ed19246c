/* kernelstub.c: Pop!_OS's kernelstub, which owns the systemd-boot entries
 * (a row of the boot-path table, pt-boot-path.h): our arguments go through
 * "kernelstub -a" and come back out with "kernelstub -d"; Passthrough
 * writes none of its files.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>

#include "pt-boot-path.h"
#include "pt-bootsetup.h"
#include "pt-plan-build.h"

#define CONFIGURATION "/etc/kernelstub/configuration"

static const PtBootWrite writes[] = { { NULL } };
static const PtBootEditor *const editors[] = { NULL };

static PtBootEvidence
detect (PtBootSetup *setup,
        PtPaths     *paths,
        const char  *running)
{
  PtBootEvidence e = { 0 };

  if (pt_boot_setup_exists (paths, CONFIGURATION))
    {
      e.strong = PT_BOOT_RANK_KERNELSTUB;
      e.why = g_strdup (_("/etc/kernelstub/configuration: kernelstub manages the boot entries"));
    }
  return e;
}

static gboolean
plan_cmdline (PtPlan      *self,
              Ctx         *ctx,
              const char  *running,
              GError     **error)
{
  return pt_plan_edit_commands (self, ctx, "kernelstub", running, error);
}

/* user.kernel_options of its configuration. */
static char *
present (PtPlan     *self,
         Ctx        *ctx,
         const char *running)
{
  g_autofree char *text = pt_engine_read_file (ctx->paths, CONFIGURATION, NULL, NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *root, *user;
  JsonArray *opts;
  GString *s;

  if (text == NULL || !json_parser_load_from_data (parser, text, -1, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return g_strdup (running);
  root = json_node_get_object (json_parser_get_root (parser));
  user = json_object_has_member (root, "user") ? json_object_get_object_member (root, "user") : NULL;
  opts = user && json_object_has_member (user, "kernel_options") ?
         json_object_get_array_member (user, "kernel_options") : NULL;
  if (opts == NULL)
    return g_strdup (running);
  s = g_string_new (NULL);
  for (guint i = 0; i < json_array_get_length (opts); i++)
    {
      const char *o = json_array_get_string_element (opts, i);
      if (o == NULL)
        continue;
      if (s->len)
        g_string_append_c (s, ' ');
      g_string_append (s, o);
    }
  return g_string_free (s, FALSE);
}

static void
tokens (PtPlan    *self,
        GPtrArray *list,
        gboolean   remove)
{
  g_autofree char *joined = pt_plan_join_array (list, " ");

  pt_plan_add_command (self, TRUE, "kernelstub", remove ? "-d" : "-a", joined, NULL);
}

const PtBootPath pt_boot_path_kernelstub = {
  .name = "kernelstub",
  .title = "kernelstub",
  .status_reads = "the running command line (/proc/cmdline)",
  .detect = detect,
  .editors = editors,
  .writes = writes,
  .plan_cmdline = plan_cmdline,
  .cmd_kind = "kernelstub",
  .cmd_present = present,
  .cmd_tokens = tokens,
  .no_trial = N_("kernelstub"),
};
