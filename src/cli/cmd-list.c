/* cmd-list.c: `passthroughctl list`, the IOMMU map the tutorials draw by hand.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "pt-cli.h"
#include "pt-describe.h"

static void
print_device (GString    *out,
              PtTopology *topology,
              PtDevice   *dev)
{
  g_autofree char *noun = pt_describe_noun (dev);
  g_autofree char *name = pt_device_dup_display_name (dev);
  g_autofree char *ids = pt_device_dup_ids (dev);
  g_autoptr(GPtrArray) badges = pt_describe_badges (topology, dev);
  const char *driver = pt_device_get_driver (dev);

  g_string_append_printf (out, "  %s  %s: %s [%s]", pt_device_get_address (dev), noun, name, ids);
  if (pt_device_get_revision (dev) != 0)
    g_string_append_printf (out, " (rev %02x)", pt_device_get_revision (dev));
  g_string_append_printf (out, "  %s %s\n", _("driver"), driver ? driver : _("none"));

  if (badges->len > 0)
    {
      g_string_append (out, "      · ");
      for (guint i = 0; i < badges->len; i++)
        g_string_append_printf (out, "%s%s", i ? " · " : "", (char *) g_ptr_array_index (badges, i));
      g_string_append_c (out, '\n');
    }
  /* The full sentence for the devices people pass through. */
  if (pt_device_get_shares_group_with (dev)[0] != NULL &&
      (pt_device_get_kind (dev) == PT_DEVICE_KIND_GPU || pt_device_get_kind (dev) == PT_DEVICE_KIND_USB))
    {
      g_autofree char *sentence = pt_describe_group (topology, dev);
      g_string_append_printf (out, "      ⚠ %s\n", sentence);
    }
}

static void
print_text (PtCliContext *ctx,
            PtTopology   *topology)
{
  g_autoptr(GString) out = g_string_new (NULL);
  GListModel *groups = pt_topology_get_groups (topology);
  GListModel *ungrouped = pt_topology_get_ungrouped (topology);
  guint n_groups = g_list_model_get_n_items (groups);
  guint n_ungrouped = g_list_model_get_n_items (ungrouped);
  const char *iommu = pt_topology_get_iommu_vendor (topology);

  g_string_append_printf (out, _("Passthrough: %s — %u devices, %u IOMMU groups"),
                          pt_cli_describe_source (ctx), pt_topology_get_n_devices (topology), n_groups);
  if (n_groups > 0 && iommu != NULL)
    g_string_append_printf (out, " (%s)", g_str_equal (iommu, "intel") ? "Intel VT-d" :
                                           g_str_equal (iommu, "amd") ? "AMD-Vi" : iommu);
  g_string_append (out, "\n");

  if (n_groups == 0)
    g_string_append_printf (out, "\n%s\n%s\n",
                            _("No IOMMU groups: the IOMMU is off, so no device can be passed through yet."),
                            _("Turn on VT-d (Intel) or the IOMMU / AMD-Vi (AMD) in the firmware setup; on Intel also add intel_iommu=on to the kernel command line. “passthroughctl check” says more."));

  for (guint g = 0; g < n_groups; g++)
    {
      g_autoptr(PtGroup) group = g_list_model_get_item (groups, g);
      GListModel *devices = pt_group_get_devices (group);
      guint n = g_list_model_get_n_items (devices);

      g_string_append_printf (out, "\n%s %d", _("IOMMU group"), pt_group_get_id (group));
      if (pt_group_get_n_endpoints (group) > 1)
        {
          g_autofree char *count = pt_describe_group_count (group);
          g_string_append_printf (out, " · %s", count);
        }
      g_string_append_c (out, '\n');
      for (guint i = 0; i < n; i++)
        {
          g_autoptr(PtDevice) dev = g_list_model_get_item (devices, i);
          print_device (out, topology, dev);
        }
    }

  if (n_ungrouped > 0)
    {
      g_string_append_printf (out, "\n%s\n", _("Not in any IOMMU group"));
      for (guint i = 0; i < n_ungrouped; i++)
        {
          g_autoptr(PtDevice) dev = g_list_model_get_item (ungrouped, i);
          print_device (out, topology, dev);
        }
    }
  g_print ("%s", out->str);
}

int
pt_cli_cmd_list (PtCliContext *ctx,
                 int           argc,
                 char        **argv)
{
  g_autoptr(PtTopology) topology = NULL;
  g_autoptr(GError) error = NULL;
  int rc;

  if ((rc = pt_cli_no_arguments ("list", argc, argv)) != 0)
    return rc;
  topology = pt_cli_load_topology (ctx, &error);
  if (topology == NULL)
    return pt_cli_error (error);

  if (ctx->json)
    {
      g_autofree char *json = pt_topology_to_json (topology, TRUE);
      g_print ("%s\n", json);
    }
  else
    print_text (ctx, topology);

  /* The process ends right after printing: tearing down thousands of device
   * objects first cost a fifth of a 1,024-device listing (callgrind, see
   * tests/bench/bench-list.sh), so the topology is left to exit().  It stays
   * reachable, so valgrind's leak check does not count it. */
  pt_cli_keep_until_exit (g_steal_pointer (&topology));
  return 0;
}
