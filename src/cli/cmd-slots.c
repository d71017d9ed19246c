/* cmd-slots.c: `passthroughctl slots`, the slot advisor (src/core/pt-slots.c).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "pt-cli.h"
#include "pt-slots.h"

static const char *
attached_text (const char *attached)
{
  if (g_str_equal (attached, "cpu"))
    return _("wired to the CPU");
  if (g_str_equal (attached, "chipset"))
    return _("behind the chipset");
  return _("behind a PCIe switch");
}

int
pt_cli_cmd_slots (PtCliContext *ctx,
                  int           argc,
                  char        **argv)
{
  g_autoptr(PtTopology) topology = NULL;
  g_autoptr(GPtrArray) slots = NULL;
  g_autoptr(GError) error = NULL;
  int rc;

  if ((rc = pt_cli_no_arguments ("slots", argc, argv)) != 0)
    return rc;
  topology = pt_cli_load_topology (ctx, &error);
  if (topology == NULL)
    return pt_cli_error (error);
  slots = pt_slots_list (topology);

  if (ctx->json)
    {
      g_autoptr(JsonNode) root = pt_slots_to_json_node (slots);
      g_autofree char *json = json_to_string (root, TRUE);
      g_print ("%s\n", json);
      return 0;
    }

  g_print (_("Slots of %s (the kernel knows the ports, not where they sit on the board):\n"),
           pt_cli_describe_source (ctx));
  if (slots->len == 0)
    g_print (_("  No root port or switch port leads to a slot here.\n"));
  for (guint i = 0; i < slots->len; i++)
    {
      PtSlot *slot = g_ptr_array_index (slots, i);
      g_autoptr(GString) line = g_string_new (NULL);

      g_string_append_printf (line, "  %s %s", slot->isolated ? "✓" : "✗", slot->port);
      if (slot->slot_name != NULL)
        g_string_append_printf (line, _(" (slot “%s”)"), slot->slot_name);
      g_string_append_printf (line, ", %s", attached_text (slot->attached));
      if (slot->width > 0)
        g_string_append_printf (line, ", x%d", slot->width);
      if (slot->speed != NULL)
        g_string_append_printf (line, " %s", slot->speed);
      if (slot->group >= 0)
        g_string_append_printf (line, _(", group %d"), slot->group);
      g_print ("%s\n", line->str);
      g_print ("      %s\n", slot->why);
      if (slot->devices->len == 0)
        g_print (_("      now: empty\n"));
      for (guint d = 0; d < slot->devices->len; d++)
        {
          PtDevice *dev = pt_topology_lookup (topology, g_ptr_array_index (slot->devices, d));
          g_autofree char *name = pt_device_dup_display_name (dev);
          g_print (_("      now: %s %s"), pt_device_get_address (dev), name);
          if (d == 0 && slot->current_width > 0)
            g_print (_(" (link x%d%s%s)"), slot->current_width,
                     slot->current_speed ? " " : "", slot->current_speed ? slot->current_speed : "");
          g_print ("\n");
        }
    }
  return 0;
}
