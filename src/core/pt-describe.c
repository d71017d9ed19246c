/* pt-describe.c: sentences about devices.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "pt-describe.h"
#include "pt-guard.h"
#include "pt-topology-private.h"

/* "GPU", "SATA controller", "Ethernet controller": what a person calls it. */
char *
pt_describe_noun (PtDevice *device)
{
  const char *cls = pt_device_get_class_name (device);

  if (pt_device_get_kind (device) == PT_DEVICE_KIND_GPU)
    return g_strdup (_("GPU"));
  if (cls != NULL)
    return g_strdup (cls);
  return g_strdup (_("Device"));
}

/* "SATA controller 0000:02:00.1" */
char *
pt_describe_device_ref (PtTopology *topology,
                        const char *address)
{
  PtDevice *dev = pt_topology_lookup (topology, address);
  g_autofree char *noun = NULL;

  if (dev == NULL)
    return g_strdup (address);
  noun = pt_describe_noun (dev);
  return g_strdup_printf ("%s %s", noun, address);
}

/* "a", "a and b", "a, b and c" */
char *
pt_describe_join (GPtrArray *items)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < items->len; i++)
    {
      if (i > 0)
        g_string_append (out, i == items->len - 1 ? _(" and ") : ", ");
      g_string_append (out, g_ptr_array_index (items, i));
    }
  return g_string_free (out, FALSE);
}

static GPtrArray *
refs_for (PtTopology *topology,
          GStrv       addresses)
{
  GPtrArray *refs = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; addresses[i] != NULL; i++)
    g_ptr_array_add (refs, pt_describe_device_ref (topology, addresses[i]));
  return refs;
}

char *
pt_describe_holds (PtDevice *device)
{
  GStrv holds = pt_device_get_holds (device);
  g_autoptr(GPtrArray) what = g_ptr_array_new ();

  for (guint i = 0; holds[i] != NULL; i++)
    {
      const char *h = holds[i];
      if (g_str_equal (h, PT_HOLDS_KEYBOARD))
        continue;   /* not storage: the guard "usb-keyboard" (pt-guard.c) */
      else if (g_str_equal (h, "root"))
        g_ptr_array_add (what, _("your root filesystem"));
      else if (g_str_equal (h, "boot"))
        g_ptr_array_add (what, _("/boot"));
      else if (g_str_equal (h, "efi"))
        g_ptr_array_add (what, _("the EFI system partition"));
      else if (g_str_equal (h, "swap"))
        g_ptr_array_add (what, _("swap"));
      else if (g_str_equal (h, "volume"))
        g_ptr_array_add (what, _("a RAID or LVM volume"));
      else if (g_str_equal (h, "zfs"))
        g_ptr_array_add (what, _("a ZFS pool"));
      else if (g_str_equal (h, "fstab"))
        g_ptr_array_add (what, _("a filesystem listed in /etc/fstab"));
      else if (g_str_equal (h, "network"))
        g_ptr_array_add (what, _("the network connection of a mounted network file system"));
      else
        g_ptr_array_add (what, _("a mounted filesystem"));
    }
  if (what->len == 0)
    return NULL;
  {
    /* drop duplicates such as "mounted" twice */
    g_autoptr(GPtrArray) uniq = g_ptr_array_new ();
    g_autofree char *joined = NULL;
    for (guint i = 0; i < what->len; i++)
      {
        gboolean seen = FALSE;
        for (guint j = 0; j < uniq->len; j++)
          seen |= g_str_equal (g_ptr_array_index (uniq, j), g_ptr_array_index (what, i));
        if (!seen)
          g_ptr_array_add (uniq, g_ptr_array_index (what, i));
      }
    joined = pt_describe_join (uniq);
    return g_strdup_printf (_("holds %s"), joined);
  }
}

/**
 * pt_describe_badges:
 * Returns: (transfer full) (element-type utf8): short labels for a list row.
 */
GPtrArray *
pt_describe_badges (PtTopology *topology,
                    PtDevice   *device)
{
  GPtrArray *badges = g_ptr_array_new_with_free_func (g_free);
  GStrv shares = pt_device_get_shares_group_with (device);
  GStrv same = pt_device_get_same_ids_as (device);
  guint n_shares = g_strv_length (shares);
  char *holds;

  if (pt_device_get_boot_vga (device))
    g_ptr_array_add (badges, g_strdup (_("boot GPU")));
  if (n_shares > 0 && pt_device_is_endpoint (device))
    g_ptr_array_add (badges, g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                           "shares group with %u device outside its slot",
                                                           "shares group with %u devices outside its slot", n_shares),
                                              n_shares));
  if (same[0] != NULL)
    {
      g_autoptr(GPtrArray) copy = g_ptr_array_new ();
      g_autofree char *joined = NULL;
      for (guint i = 0; same[i] != NULL; i++)
        g_ptr_array_add (copy, same[i]);
      joined = pt_describe_join (copy);
      g_ptr_array_add (badges, g_strdup_printf (_("same IDs as %s"), joined));
    }
  holds = pt_describe_holds (device);
  if (holds != NULL)
    g_ptr_array_add (badges, holds);
  if (pt_device_get_default_route (device))
    g_ptr_array_add (badges, g_strdup (_("default network route")));
  if (pt_guard_for_device (device) & PT_GUARD_KEYBOARD)
    g_ptr_array_add (badges, g_strdup (_("every keyboard of the host")));
  if (pt_device_get_physfn (device) != NULL)
    g_ptr_array_add (badges, g_strdup_printf (_("virtual function of %s"), pt_device_get_physfn (device)));
  if (pt_device_get_driver_builtin (device))
    g_ptr_array_add (badges, g_strdup_printf (_("driver %s built into the kernel"), pt_device_get_driver (device)));
  return badges;
}

const char *
pt_describe_verdict (PtDevice *device)
{
  GStrv shares = pt_device_get_shares_group_with (device);

  if (pt_device_get_kind (device) != PT_DEVICE_KIND_GPU || pt_device_is_virtual_function (device) ||
      pt_device_get_group_id (device) < 0)
    return NULL;
  if (pt_guard_for_device (device) & PT_GUARD_BOOT_GPU)
    return _("the host's screen");
  if (shares[0] != NULL)
    return _("shares its group");
  return _("ready");
}

const char *
pt_describe_kind_words (PtDevice *device)
{
  /* Not translated: the English words are what guides and forums use,
   * and the class names they sit beside are English too. */
  switch (pt_device_get_kind (device))
    {
    case PT_DEVICE_KIND_GPU:
      return "gpu graphics video display card vga";
    case PT_DEVICE_KIND_AUDIO:
      return "audio sound hdmi";
    case PT_DEVICE_KIND_USB:
      return "usb";
    case PT_DEVICE_KIND_NETWORK:
      return "network ethernet nic lan wifi";
    case PT_DEVICE_KIND_STORAGE:
      return (pt_device_get_class_code (device) >> 8) == 0x0108 ? "storage disk nvme ssd" : "storage disk sata";
    default:
      return "";
    }
}

/* The sentence that explains whether the device's group lets it go to a VM. */
char *
pt_describe_group (PtTopology *topology,
                   PtDevice   *device)
{
  g_autofree char *noun = pt_describe_noun (device);
  GStrv shares = pt_device_get_shares_group_with (device);
  GStrv slot = pt_device_get_slot_functions (device);
  int group = pt_device_get_group_id (device);

  if (group < 0)
    return g_strdup_printf (_("%s %s is in no IOMMU group, so it cannot be passed through until the IOMMU is on."),
                            noun, pt_device_get_address (device));
  if (!pt_device_is_endpoint (device))
    return g_strdup_printf (_("%s %s is a bridge; bridges stay with the host when the devices behind them are passed through."),
                            noun, pt_device_get_address (device));
  if (shares[0] != NULL)
    {
      g_autoptr(GPtrArray) refs = refs_for (topology, shares);
      g_autofree char *joined = pt_describe_join (refs);
      /* what to do about it is pt_fix_for_device_group()'s, which
       * never suggests passing through what the host needs */
      return g_strdup_printf (_("%s %s shares group %d with %s: a group goes to a virtual machine whole."),
                              noun, pt_device_get_address (device), group, joined);
    }
  if (slot[0] != NULL)
    {
      g_autoptr(GPtrArray) refs = refs_for (topology, slot);
      g_autofree char *joined = pt_describe_join (refs);
      return g_strdup_printf (_("%s %s can be passed through together with the other functions of its slot: %s."),
                              noun, pt_device_get_address (device), joined);
    }
  return g_strdup_printf (_("%s %s is alone in group %d and can be passed through."),
                          noun, pt_device_get_address (device), group);
}

char *
pt_describe_same_ids (PtTopology *topology,
                      PtDevice   *device)
{
  GStrv same = pt_device_get_same_ids_as (device);
  g_autoptr(GPtrArray) refs = NULL;
  g_autofree char *joined = NULL;
  g_autofree char *ids = NULL;

  if (same[0] == NULL)
    return NULL;
  refs = refs_for (topology, same);
  joined = pt_describe_join (refs);
  ids = pt_device_dup_ids (device);
  return g_strdup_printf (_("%s has the same IDs (%s) as %s: binding by ID would take both, so Passthrough binds it by address."),
                          pt_device_get_address (device), ids, joined);
}

/**
 * pt_describe_group_count:
 * What a group's header counts: the devices that would go to a virtual
 * machine together (the badge "shares group with N devices outside its
 * slot" counts the same kind), and the bridges apart, which stay with the
 * host.  "5 devices, 6 bridges", "2 devices", "1 bridge".
 * Returns: (transfer full)
 */
char *
pt_describe_group_count (PtGroup *group)
{
  guint n_devices = pt_group_get_n_endpoints (group);
  guint n_bridges = pt_group_get_n_devices (group) - n_devices;
  g_autofree char *devices = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u device", "%u devices", n_devices),
                                              n_devices);
  g_autofree char *bridges = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u bridge", "%u bridges", n_bridges),
                                              n_bridges);

  if (n_bridges == 0)
    return g_steal_pointer (&devices);
  if (n_devices == 0)
    return g_steal_pointer (&bridges);
  /* TRANSLATORS: "5 devices, 6 bridges" */
  return g_strdup_printf (_("%s, %s"), devices, bridges);
}

char *
pt_describe_cpu_model (const char *model_name)
{
  /* in this order: marks, the generation prefix, the vendor, then
   * everything from the clock or the core count on */
  static const char *const patterns[] = {
    "\\((R|r|TM|tm)\\)", "^\\s*[0-9]+th Gen\\b", "\\b(AMD|Intel)\\b", "\\bRyzen (?=Threadripper)",
    "\\s+(CPU|APU)\\b.*$", "\\s+@.*$", "\\s+with\\s.*$", "\\s+[0-9]+-Cores?\\b.*$",
    "\\s+Processor\\b.*$",
  };
  g_autofree char *text = NULL;
  g_auto(GStrv) words = NULL;
  g_autoptr(GStrvBuilder) kept = g_strv_builder_new ();
  g_auto(GStrv) joined = NULL;

  if (model_name == NULL)
    return NULL;
  text = g_strdup (model_name);
  for (guint i = 0; i < G_N_ELEMENTS (patterns); i++)
    {
      g_autoptr(GRegex) re = g_regex_new (patterns[i], 0, 0, NULL);
      char *next = g_regex_replace (re, text, -1, 0, "", 0, NULL);
      g_free (text);
      text = next;
    }
  words = g_strsplit_set (text, " \t", -1);
  for (guint i = 0; words[i] != NULL; i++)
    if (*words[i] != '\0')
      g_strv_builder_add (kept, words[i]);
  joined = g_strv_builder_end (kept);
  return joined[0] != NULL ? g_strjoinv (" ", joined) : NULL;
}

/* The chipset in a board's name ("X399 Taichi", "PRIME Z390-A",
 * "MAG B550 TOMAHAWK (MS-7C91)"); NULL when it names none. */
static char *
board_chipset (const char *board_name)
{
  g_autoptr(GRegex) re = NULL;
  g_autoptr(GMatchInfo) match = NULL;

  if (board_name == NULL)
    return NULL;
  re = g_regex_new ("(?<![A-Za-z0-9])(TRX40|TRX50|WRX80|WRX90|[ABHQXZ][0-9]{2,3})(?![0-9])", 0, 0, NULL);
  if (!g_regex_match (re, board_name, 0, &match))
    return NULL;
  return g_match_info_fetch (match, 1);
}

char *
pt_describe_machine (PtTopology *topology)
{
  g_autofree char *cpu = pt_describe_cpu_model (pt_topology_get_cpu_model (topology));
  g_autofree char *chipset = board_chipset (pt_topology_get_board_name (topology));
  const char *product = pt_topology_get_product_name (topology);
  const char *board = pt_topology_get_board_name (topology);

  if (chipset != NULL)
    {
      /* "an" before the letters said with a vowel first: A, H, X */
      const char *article = strchr ("AHX", chipset[0]) != NULL ? _("an") : _("a");
      if (cpu != NULL)
        /* TRANSLATORS: "Threadripper 1900X on an X399 board" */
        return g_strdup_printf (_("%s on %s %s board"), cpu, article, chipset);
      return g_strdup_printf (_("A machine on %s %s board"), article, chipset);
    }
  if (product != NULL && cpu != NULL)
    /* TRANSLATORS: "XPS 15 9500 with Core i7-10750H" */
    return g_strdup_printf (_("%s with %s"), product, cpu);
  if (board != NULL && cpu != NULL)
    return g_strdup_printf (_("%s on a %s board"), cpu, board);
  if (product != NULL)
    return g_strdup (product);
  if (cpu != NULL)
    return g_strdup_printf (_("A machine with %s"), cpu);
  return NULL;
}
