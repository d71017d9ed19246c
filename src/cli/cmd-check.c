/* cmd-check.c: `passthroughctl check`, readiness with what to do.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "pt-cli.h"
#include "pt-readiness.h"
#include "pt-traps.h"

int
pt_cli_cmd_check (PtCliContext *ctx,
                  int           argc,
                  char        **argv)
{
  g_autoptr(PtTopology) topology = NULL;
  g_autoptr(GPtrArray) checks = NULL;
  g_autoptr(GPtrArray) traps = NULL;
  g_autoptr(GError) error = NULL;
  gboolean ready;
  int rc;

  if ((rc = pt_cli_no_arguments ("check", argc, argv)) != 0)
    return rc;
  /* Readiness is about a machine: a snapshot has no cpuinfo or modules. */
  if (ctx->snapshot != NULL)
    return pt_cli_usage_error (_("“check” reads a machine, not a snapshot: use --root DIR or no option."));
  topology = pt_cli_load_topology (ctx, &error);
  if (topology == NULL)
    return pt_cli_error (error);

  checks = pt_readiness_run (ctx->paths, topology);
  ready = pt_readiness_all_ok (checks);
  /* The traps (docs/machine-knowledge.md) of every GPU: they warn, and
   * leave "ready" to the checks. */
  traps = pt_traps_find (ctx->paths, topology, NULL);

  if (ctx->json)
    {
      g_autofree char *readiness = pt_readiness_to_json (checks, FALSE);
      g_autoptr(JsonNode) root = json_from_string (readiness, &error);
      g_autofree char *json = NULL;

      g_assert (root != NULL);
      json_object_set_member (json_node_get_object (root), "traps", pt_traps_to_json_node (traps));
      json = json_to_string (root, TRUE);
      g_print ("%s\n", json);
    }
  else
    {
      g_autoptr(GString) out = g_string_new (NULL);
      g_string_append_printf (out, _("Readiness of %s:\n"), pt_cli_describe_source (ctx));
      for (guint i = 0; i < checks->len; i++)
        {
          PtCheck *c = g_ptr_array_index (checks, i);
          g_string_append_printf (out, "  %s %s\n", c->ok ? "✓" : "✗", c->message);
          if (c->fix != NULL)
            g_string_append_printf (out, "      → %s\n", c->fix);
        }
      for (guint i = 0; i < traps->len; i++)
        {
          PtTrap *t = g_ptr_array_index (traps, i);
          g_string_append_printf (out, "  %s %s [%s]\n", t->severity == PT_TRAP_INFO ? "ℹ" : "⚠",
                                  t->message, t->code);
          for (guint f = 0; f < t->fixes->len; f++)
            g_string_append_printf (out, "      → %s\n", ((PtFix *) g_ptr_array_index (t->fixes, f))->text);
        }
      g_string_append_printf (out, "%s\n", ready ? _("Ready for passthrough.") :
                                                   _("Not ready yet: fix the items marked ✗ above."));
      g_print ("%s", out->str);
    }
  return ready ? 0 : 1;
}
