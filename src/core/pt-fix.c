/* pt-fix.c: fixes as data (see pt-fix.h), and the advice for a shared
 * IOMMU group, which the plan and the app's device page both give.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "pt-describe.h"
#include "pt-fix.h"
#include "pt-slots.h"
#include "pt-guard.h"

void
pt_fix_free (PtFix *fix)
{
  if (fix == NULL)
    return;
  g_free (fix->kind);
  g_strfreev (fix->devices);
  g_strfreev (fix->ports);
  g_free (fix->option_key);
  g_clear_pointer (&fix->option_value, g_variant_unref);
  g_free (fix->text);
  g_free (fix);
}

GPtrArray *
pt_fix_list_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) pt_fix_free);
}

PtFix *
pt_fix_list_add (GPtrArray  *fixes,
                 const char *kind,
                 char       *text)
{
  PtFix *fix = g_new0 (PtFix, 1);

  fix->kind = g_strdup (kind);
  fix->text = text;
  fix->devices = g_new0 (char *, 1);
  fix->ports = g_new0 (char *, 1);
  g_ptr_array_add (fixes, fix);
  return fix;
}

static GStrv
strv_from_array (GPtrArray *addresses)
{
  GStrv out = g_new0 (char *, (addresses ? addresses->len : 0) + 1);

  for (guint i = 0; addresses != NULL && i < addresses->len; i++)
    out[i] = g_strdup (g_ptr_array_index (addresses, i));
  return out;
}

void
pt_fix_set_devices (PtFix     *fix,
                    GPtrArray *addresses)
{
  g_strfreev (fix->devices);
  fix->devices = strv_from_array (addresses);
}

void
pt_fix_set_option (PtFix      *fix,
                   const char *key,
                   GVariant   *value)
{
  g_free (fix->option_key);
  fix->option_key = g_strdup (key);
  g_clear_pointer (&fix->option_value, g_variant_unref);
  fix->option_value = g_variant_ref_sink (value);
}

static void
add_strv (JsonBuilder *b,
          const char  *name,
          GStrv        list)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_array (b);
  for (guint i = 0; list != NULL && list[i] != NULL; i++)
    json_builder_add_string_value (b, list[i]);
  json_builder_end_array (b);
}

void
pt_fix_list_to_builder (JsonBuilder *b,
                        GPtrArray   *fixes)
{
  json_builder_begin_array (b);
  for (guint i = 0; fixes != NULL && i < fixes->len; i++)
    {
      PtFix *fix = g_ptr_array_index (fixes, i);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "kind");
      json_builder_add_string_value (b, fix->kind);
      add_strv (b, "devices", fix->devices);
      add_strv (b, "ports", fix->ports);
      json_builder_set_member_name (b, "option");
      if (fix->option_key != NULL)
        {
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "key");
          json_builder_add_string_value (b, fix->option_key);
          json_builder_set_member_name (b, "value");
          if (g_variant_is_of_type (fix->option_value, G_VARIANT_TYPE_BOOLEAN))
            json_builder_add_boolean_value (b, g_variant_get_boolean (fix->option_value));
          else
            json_builder_add_string_value (b, g_variant_get_string (fix->option_value, NULL));
          json_builder_end_object (b);
        }
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "text");
      json_builder_add_string_value (b, fix->text);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}

static gboolean
in_list (GPtrArray  *list,
         const char *address)
{
  for (guint i = 0; list != NULL && i < list->len; i++)
    if (g_str_equal (g_ptr_array_index (list, i), address))
      return TRUE;
  return FALSE;
}

/* Selecting @missing as well would leave the host no GPU: the GPUs that
 * are neither @card's slot's functions nor among @missing. */
static gboolean
takes_last_gpu (PtTopology *topology,
                PtDevice   *card,
                GPtrArray  *missing)
{
  g_autoptr(GPtrArray) gpus = pt_topology_dup_gpus (topology);
  g_autofree char *slot = pt_device_dup_slot (card);
  gboolean missing_has_gpu = FALSE;
  guint left = 0;

  for (guint i = 0; i < gpus->len; i++)
    {
      PtDevice *gpu = g_ptr_array_index (gpus, i);
      g_autofree char *gslot = pt_device_dup_slot (gpu);
      gboolean missing_one = in_list (missing, pt_device_get_address (gpu));

      missing_has_gpu |= missing_one;
      if (!missing_one && !g_str_equal (gslot, slot))
        left++;
    }
  return missing_has_gpu && left == 0;
}

GPtrArray *
pt_fix_for_shared_group (PtTopology *topology,
                         PtDevice   *card,
                         GPtrArray  *missing,
                         GPtrArray  *unusable,
                         gboolean    acs_override_on)
{
  GPtrArray *fixes = pt_fix_list_new ();
  g_autofree char *ref = pt_describe_device_ref (topology, pt_device_get_address (card));
  g_autoptr(GPtrArray) guarded = pt_guard_explain (topology, missing);
  PtFix *fix;

  {
    /* the free slots the topology shows would isolate a card (pt-slots.h) */
    g_autoptr(GPtrArray) ports = pt_slots_isolating_ports (topology, pt_device_get_address (card));
    g_autoptr(GPtrArray) one = g_ptr_array_new ();

    if (ports->len > 0)
      {
        g_autofree char *list = g_strjoinv (", ", (char **) ports->pdata);
        fix = pt_fix_list_add (fixes, "move-slot",
                               g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Move %s to the slot behind port %s: a card there gets an IOMMU group of its own (“passthroughctl slots” shows where each slot is and why).",
                                                          "Move %s to a slot behind one of the ports %s: a card there gets an IOMMU group of its own (“passthroughctl slots” shows where each slot is and why).",
                                                          ports->len),
                                                ref, list));
        g_strfreev (fix->ports);
        fix->ports = g_strdupv ((char **) ports->pdata);
      }
    else
      fix = pt_fix_list_add (fixes, "move-slot",
                             g_strdup_printf (_("Move %s to another slot, one wired to the CPU rather than to the chipset: there it usually gets an IOMMU group of its own (“passthroughctl slots” shows each slot's group)."),
                                              ref));
    g_ptr_array_add (one, (gpointer) pt_device_get_address (card));
    pt_fix_set_devices (fix, one);
  }
  pt_fix_list_add (fixes, "firmware",
                   g_strdup (_("Update the board's firmware and look in its setup for an ACS or IOMMU grouping option: on some boards a newer firmware, or that option, puts the slots in groups of their own.")));

  if (missing != NULL && missing->len > 0)
    {
      g_autoptr(GPtrArray) refs = g_ptr_array_new_with_free_func (g_free);
      g_autofree char *joined = NULL;

      for (guint i = 0; i < missing->len; i++)
        g_ptr_array_add (refs, pt_describe_device_ref (topology, g_ptr_array_index (missing, i)));
      joined = pt_describe_join (refs);
      if (guarded->len > 0)
        {
          g_autofree char *why = pt_describe_join (guarded);
          pt_fix_list_add (fixes, "other",
                           g_strdup_printf (_("Passing the whole group through is not an option here, because the host needs what it holds: %s."),
                                            why));
        }
      else if (takes_last_gpu (topology, card, missing))
        pt_fix_list_add (fixes, "other",
                         g_strdup_printf (_("Passing the whole group through is not an option here: the host would have no GPU left for its screen once %s went too."),
                                          joined));
      else if (unusable == NULL || unusable->len == 0)
        {
          fix = pt_fix_list_add (fixes, "select",
                                 g_strdup_printf (_("Pass through %s as well: the whole group goes to the same virtual machine, and the host does without them until you undo the setup."),
                                                  joined));
          pt_fix_set_devices (fix, missing);
        }
    }

  if (!acs_override_on)
    {
      fix = pt_fix_list_add (fixes, "acs-override",
                             g_strdup (_("Only if nothing above is possible: split the group with the ACS override (pcie_acs_override=downstream,multifunction). Stock kernels ignore it (it needs a patched kernel such as linux-zen or Proxmox's), and the split is a claim, not isolation: the virtual machine may still reach the memory of the devices left with the host.")));
      pt_fix_set_option (fix, "acs-override", g_variant_new_string ("downstream,multifunction"));
    }
  return fixes;
}

GPtrArray *
pt_fix_for_device_group (PtTopology *topology,
                         PtDevice   *card)
{
  PtGroup *group = pt_topology_lookup_group (topology, pt_device_get_group_id (card));
  GListModel *members = group ? pt_group_get_devices (group) : NULL;
  g_autoptr(GPtrArray) missing = g_ptr_array_new ();
  g_autoptr(GPtrArray) unusable = g_ptr_array_new ();
  GStrv shares = pt_device_get_shares_group_with (card);

  for (guint i = 0; shares[i] != NULL; i++)
    g_ptr_array_add (missing, shares[i]);
  for (guint j = 0; members && j < g_list_model_get_n_items (members); j++)
    {
      g_autoptr(PtDevice) other = g_list_model_get_item (members, j);
      if (pt_guard_blocks_group (other))
        g_ptr_array_add (unusable, (gpointer) pt_device_get_address (other));
    }
  return pt_fix_for_shared_group (topology, card, missing, unusable, FALSE);
}
