/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <glib/gstdio.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>

#include <json-glib/json-glib.h>

#include "pt-describe.h"
#include "pt-error.h"
#include "pt-guard.h"
#include "pt-topology.h"
#include "test-util.h"

/* A small machine in the snapshot format: group 13 is the X399 chipset group
 * of seed 003 (shortened), 14 a GPU with its audio, 20/21 two identical NICs
 * in different slots, 30 an SR-IOV PF with two VFs. */
static const char *machine_json =
  "{\"format\":1,\"cpu_vendor\":\"amd\",\"cmdline\":\"root=/dev/nvme0n1p2 amd_iommu=on\","
  "\"iommu\":{\"enabled\":true,\"vendor\":\"amd\"},\"groups\":["
  "{\"id\":13,\"devices\":["
  " {\"address\":\"0000:01:00.0\",\"vendor\":\"1022\",\"device\":\"43ba\",\"class\":\"0c0330\",\"driver\":\"xhci_hcd\"},"
  " {\"address\":\"0000:01:00.1\",\"vendor\":\"1022\",\"device\":\"43b6\",\"class\":\"010601\",\"driver\":\"ahci\",\"holds\":[\"root\"]},"
  " {\"address\":\"0000:01:00.2\",\"vendor\":\"1022\",\"device\":\"43b1\",\"class\":\"060400\",\"driver\":\"pcieport\"},"
  " {\"address\":\"0000:04:00.0\",\"vendor\":\"8086\",\"device\":\"1539\",\"class\":\"020000\",\"driver\":\"igb\",\"default_route\":true}]},"
  "{\"id\":14,\"devices\":["
  " {\"address\":\"0000:08:00.0\",\"vendor\":\"10de\",\"device\":\"1b80\",\"class\":\"030000\",\"driver\":\"nouveau\"},"
  " {\"address\":\"0000:08:00.1\",\"vendor\":\"10de\",\"device\":\"10f0\",\"class\":\"040300\",\"driver\":\"snd_hda_intel\"}]},"
  "{\"id\":20,\"devices\":[{\"address\":\"0000:0b:00.0\",\"vendor\":\"10de\",\"device\":\"1b80\",\"class\":\"030000\",\"boot_vga\":true}]},"
  "{\"id\":30,\"devices\":[{\"address\":\"0000:41:00.0\",\"vendor\":\"8086\",\"device\":\"1572\",\"class\":\"020000\",\"virtfns\":[\"0000:41:02.0\",\"0000:41:02.1\"]}]},"
  "{\"id\":31,\"devices\":[{\"address\":\"0000:41:02.0\",\"vendor\":\"8086\",\"device\":\"154c\",\"class\":\"020000\",\"physfn\":\"0000:41:00.0\"}]},"
  "{\"id\":32,\"devices\":[{\"address\":\"0000:41:02.1\",\"vendor\":\"8086\",\"device\":\"154c\",\"class\":\"020000\",\"physfn\":\"0000:41:00.0\"}]}"
  "],\"ungrouped\":[]}";

static PtTopology *
load_machine (void)
{
  g_autoptr(GError) error = NULL;
  PtTopology *t = pt_topology_new_from_json (machine_json, -1, &error);

  g_assert_no_error (error);
  g_assert_nonnull (t);
  return t;
}

static gboolean
strv_equal (GStrv a, const char *const *b)
{
  return g_strv_equal ((const char *const *) a, b);
}

static void
test_relations (void)
{
  g_autoptr(PtTopology) t = load_machine ();
  PtDevice *usb = pt_topology_lookup (t, "01:00.0");
  PtDevice *bridge = pt_topology_lookup (t, "0000:01:00.2");
  PtDevice *gpu = pt_topology_lookup (t, "0000:08:00.0");
  PtDevice *twin = pt_topology_lookup (t, "0000:0b:00.0");
  PtDevice *vf = pt_topology_lookup (t, "0000:41:02.0");
  const char *usb_shares[] = { "0000:04:00.0", NULL };
  const char *gpu_slot[] = { "0000:08:00.1", NULL };
  const char *gpu_same[] = { "0000:0b:00.0", NULL };
  const char *none[] = { NULL };

  g_assert_cmpuint (pt_topology_get_n_devices (t), ==, 10);
  g_assert_cmpuint (g_list_model_get_n_items (pt_topology_get_groups (t)), ==, 6);
  /* the slot's own functions and the bridge are not "sharing" */
  g_assert_true (strv_equal (pt_device_get_shares_group_with (usb), usb_shares));
  g_assert_cmpuint (g_strv_length (pt_device_get_slot_functions (usb)), ==, 2);
  g_assert_false (pt_device_is_endpoint (bridge));
  g_assert_true (strv_equal (pt_device_get_shares_group_with (gpu), none));
  g_assert_true (strv_equal (pt_device_get_slot_functions (gpu), gpu_slot));
  g_assert_true (strv_equal (pt_device_get_same_ids_as (gpu), gpu_same));
  g_assert_true (pt_device_get_boot_vga (twin));
  /* identical VFs are not listed against each other */
  g_assert_true (strv_equal (pt_device_get_same_ids_as (vf), none));
  g_assert_cmpstr (pt_device_get_physfn (vf), ==, "0000:41:00.0");
  g_assert_cmpint (pt_device_get_kind (pt_topology_lookup (t, "0000:08:00.1")), ==, PT_DEVICE_KIND_AUDIO);
  g_assert_null (pt_topology_lookup (t, "0000:99:00.0"));
  g_assert_null (pt_topology_lookup (t, "garbage"));
}

static void
test_sentences (void)
{
  g_autoptr(PtTopology) t = load_machine ();
  g_autofree char *usb = pt_describe_group (t, pt_topology_lookup (t, "0000:01:00.0"));
  g_autofree char *gpu = pt_describe_group (t, pt_topology_lookup (t, "0000:08:00.0"));
  g_autofree char *same = pt_describe_same_ids (t, pt_topology_lookup (t, "0000:08:00.0"));
  g_autoptr(GPtrArray) sata_badges = pt_describe_badges (t, pt_topology_lookup (t, "0000:01:00.1"));
  g_autoptr(GPtrArray) twin_badges = pt_describe_badges (t, pt_topology_lookup (t, "0000:0b:00.0"));

  g_assert_nonnull (strstr (usb, "shares group 13 with"));
  g_assert_nonnull (strstr (usb, "0000:04:00.0"));
  g_assert_null (strstr (usb, "0000:01:00.2"));
  g_assert_nonnull (strstr (gpu, "0000:08:00.1"));
  g_assert_nonnull (strstr (same, "0000:0b:00.0"));
  g_assert_nonnull (strstr (same, "10de:1b80"));
  g_assert_cmpstr (g_ptr_array_index (sata_badges, 1), ==, "holds your root filesystem");
  g_assert_cmpstr (g_ptr_array_index (twin_badges, 0), ==, "boot GPU");
}

/* The list's "Only what can be passed through" (pt_guard_device_can_go):
 * what shares its group, holds the root file system, carries the default
 * route or boots the screen stays, with the other functions of its slot; the
 * keyboard's controller (a warning only) and the functions of a free slot
 * can go.  Groups 50–52 add a keyboard-only controller, a boot GPU with its
 * audio, and an endpoint beside an ISA bridge. */
static void
test_can_go (void)
{
  g_autoptr(PtTopology) t = load_machine ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PtTopology) more = pt_topology_new_from_json (
    "{\"format\":1,\"groups\":["
    "{\"id\":50,\"devices\":[{\"address\":\"0000:50:00.0\",\"vendor\":\"1b21\",\"device\":\"2142\",\"class\":\"0c0330\",\"holds\":[\"keyboard\"]}]},"
    "{\"id\":51,\"devices\":["
    " {\"address\":\"0000:51:00.0\",\"vendor\":\"1002\",\"device\":\"73ff\",\"class\":\"030000\",\"boot_vga\":true},"
    " {\"address\":\"0000:51:00.1\",\"vendor\":\"1002\",\"device\":\"ab28\",\"class\":\"040300\"}]},"
    "{\"id\":52,\"devices\":["
    " {\"address\":\"0000:00:1f.0\",\"vendor\":\"8086\",\"device\":\"7a84\",\"class\":\"060100\"},"
    " {\"address\":\"0000:00:1f.3\",\"vendor\":\"8086\",\"device\":\"7ad0\",\"class\":\"040300\"}]}"
    "],\"ungrouped\":[]}", -1, &error);
  const char *yes[] = { "0000:08:00.0", "0000:08:00.1", "0000:41:00.0", "0000:41:02.0", NULL };
  const char *no[] = { "0000:01:00.0", "0000:01:00.1", "0000:01:00.2", "0000:04:00.0", "0000:0b:00.0", NULL };

  g_assert_no_error (error);
  for (guint i = 0; yes[i] != NULL; i++)
    if (!pt_guard_device_can_go (t, pt_topology_lookup (t, yes[i])))
      g_error ("%s should be able to go", yes[i]);
  for (guint i = 0; no[i] != NULL; i++)
    if (pt_guard_device_can_go (t, pt_topology_lookup (t, no[i])))
      g_error ("%s should stay with the host", no[i]);
  g_assert_true (pt_guard_device_can_go (more, pt_topology_lookup (more, "0000:50:00.0")));
  g_assert_false (pt_guard_device_can_go (more, pt_topology_lookup (more, "0000:51:00.0")));
  g_assert_false (pt_guard_device_can_go (more, pt_topology_lookup (more, "0000:51:00.1")));
  g_assert_false (pt_guard_device_can_go (more, pt_topology_lookup (more, "0000:00:1f.3")));
}

static void
test_json_round_trip (void)
{
  g_autoptr(PtTopology) t = load_machine ();
  g_autofree char *json = pt_topology_to_json (t, FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(PtTopology) again = pt_topology_new_from_json (json, -1, &error);
  g_autofree char *json2 = NULL;

  g_assert_no_error (error);
  json2 = pt_topology_to_json (again, FALSE);
  g_assert_cmpstr (json, ==, json2);
  g_assert_nonnull (strstr (json, "\"shares_group_with\":[\"0000:04:00.0\"]"));
}

static void
test_bad_snapshots (void)
{
  struct { const char *json; const char *expect; } cases[] = {
    { "not json", "not valid JSON" },
    { "[]", "JSON object" },
    { "{\"groups\":[]}", "“format” is missing" },
    { "{\"format\":2,\"groups\":[]}", "format 2" },
    { "{\"format\":1}", "“groups” must be a list" },
    { "{\"format\":1,\"groups\":[{\"devices\":[]}]}", "no valid “id”" },
    { "{\"format\":1,\"groups\":[{\"id\":1,\"devices\":[{\"address\":\"01:00.0\",\"vendor\":\"10de\",\"device\":\"1b80\",\"class\":\"030000\"}]}]}", "full form" },
    { "{\"format\":1,\"groups\":[{\"id\":1,\"devices\":[{\"address\":\"0000:01:00.0\",\"vendor\":\"10DEX\",\"device\":\"1b80\",\"class\":\"030000\"}]}]}", "“vendor”" },
    { "{\"format\":1,\"groups\":[{\"id\":1,\"devices\":[{\"address\":\"0000:01:00.0\",\"vendor\":\"10de\",\"device\":\"1b80\"}]}]}", "“class” is missing" },
    { "{\"format\":1,\"groups\":[{\"id\":1,\"devices\":[{\"address\":\"0000:01:00.0\",\"vendor\":\"10de\",\"device\":\"1b80\",\"class\":\"030000\",\"kind\":\"toaster\"}]}]}", "toaster" },
    { "{\"format\":1,\"groups\":[{\"id\":1,\"devices\":[{\"address\":\"0000:01:00.0\",\"vendor\":\"10de\",\"device\":\"1b80\",\"class\":\"030000\",\"boot_vga\":\"yes\"}]}]}", "“boot_vga”" },
    { "{\"format\":1,\"groups\":[{\"id\":1,\"devices\":[{\"address\":\"0000:01:00.0\",\"vendor\":\"10de\",\"device\":\"1b80\",\"class\":\"030000\"},{\"address\":\"0000:01:00.0\",\"vendor\":\"10de\",\"device\":\"1b80\",\"class\":\"030000\"}]}]}", "appears twice" },
    { "{\"format\":1,\"groups\":[{\"id\":1,\"devices\":[]},{\"id\":1,\"devices\":[]}]}", "group 1 appears twice" },
    { "{\"format\":1,\"groups\":[{\"id\":1,\"devices\":[{\"address\":\"0000:01:00.0\",\"vendor\":\"10de\",\"device\":\"1b80\",\"class\":\"030000\",\"virtfns\":[\"x\"]}]}]}", "not a PCI address" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(PtTopology) t = pt_topology_new_from_json (cases[i].json, -1, &error);

      g_assert_null (t);
      g_assert_error (error, PT_ERROR, PT_ERROR_PARSE);
      if (strstr (error->message, cases[i].expect) == NULL)
        g_error ("case %u: “%s” does not mention “%s”", i, error->message, cases[i].expect);
      g_assert_null (strchr (error->message, '\n'));
    }
}


/* The names of machines from their processor and board: real model names
 * (cpuinfo) and DMI board names as firmware writes them. */
static void
test_machine_names (void)
{
  struct { const char *cpu, *board_vendor, *board, *product, *expect; } cases[] = {
    { "AMD Ryzen Threadripper 1900X 8-Core Processor", "ASRock", "X399 Taichi", NULL, "Threadripper 1900X on an X399 board" },
    { "Intel(R) Core(TM) i7-9700K CPU @ 3.60GHz", "ASUSTeK COMPUTER INC.", "PRIME Z390-A", NULL, "Core i7-9700K on a Z390 board" },
    { "12th Gen Intel(R) Core(TM) i5-12600K", "ASUSTeK COMPUTER INC.", "PRIME Z690-P", NULL, "Core i5-12600K on a Z690 board" },
    { "AMD Ryzen 7 5800X 8-Core Processor", "Micro-Star International Co., Ltd.", "MAG B550 TOMAHAWK (MS-7C91)", NULL, "Ryzen 7 5800X on a B550 board" },
    { "AMD Ryzen 5 3600 6-Core Processor", "ASRock", "A320M-HDV R4.0", NULL, "Ryzen 5 3600 on an A320 board" },
    { "AMD Ryzen Threadripper PRO 3975WX 32-Cores", "ASUSTeK COMPUTER INC.", "Pro WS WRX80E-SAGE SE WIFI", NULL, "Threadripper PRO 3975WX on a WRX80 board" },
    { "Intel(R) Core(TM) i7-10750H CPU @ 2.60GHz", "Dell Inc.", "0RHXRG", "XPS 15 9500", "XPS 15 9500 with Core i7-10750H" },
    { "AMD Ryzen 7 5800H with Radeon Graphics", "LENOVO", "LNVNB161216", NULL, "Ryzen 7 5800H on a LNVNB161216 board" },
    { "QEMU Virtual CPU version 2.5+", NULL, NULL, "Standard PC (Q35 + ICH9, 2009)", "Standard PC (Q35 + ICH9, 2009) with QEMU Virtual" },
    { NULL, NULL, NULL, NULL, NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonGenerator) gen = json_generator_new ();
      g_autoptr(JsonNode) root = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(PtTopology) t = NULL;
      g_autofree char *json = NULL;
      g_autofree char *name = NULL;

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "format");
      json_builder_add_int_value (b, 1);
      json_builder_set_member_name (b, "groups");
      json_builder_begin_array (b);
      json_builder_end_array (b);
      if (cases[i].cpu != NULL)
        {
          json_builder_set_member_name (b, "cpu_model");
          json_builder_add_string_value (b, cases[i].cpu);
        }
      json_builder_set_member_name (b, "board_vendor");
      json_builder_add_string_value (b, cases[i].board_vendor);
      json_builder_set_member_name (b, "board_name");
      json_builder_add_string_value (b, cases[i].board);
      json_builder_set_member_name (b, "product_name");
      json_builder_add_string_value (b, cases[i].product);
      json_builder_end_object (b);
      root = json_builder_get_root (b);
      json_generator_set_root (gen, root);
      json = json_generator_to_data (gen, NULL);
      t = pt_topology_new_from_json (json, -1, &error);
      g_assert_no_error (error);
      name = pt_describe_machine (t);
      g_assert_cmpstr (name, ==, cases[i].expect);
    }
  /* an older snapshot has none of the fields: no name, and it still loads */
  {
    g_autoptr(PtTopology) t = load_machine ();
    g_autofree char *name = pt_describe_machine (t);
    g_assert_null (name);
    g_assert_null (pt_topology_get_cpu_model (t));
  }
}

/* ---- a tiny sysfs tree ------------------------------------------------ */

static void
add_device (const char *root, const char *devpath, const char *addr,
            const char *vendor, const char *device, const char *class,
            int group, const char *driver)
{
  g_autofree char *d = g_strdup_printf ("sys/devices/%s", devpath);
  g_autofree char *f = NULL;
  g_autofree char *bus = g_strdup_printf ("sys/bus/pci/devices/%s", addr);
  g_autofree char *target = g_strdup_printf ("../../../devices/%s", devpath);
  int depth = 0;

  for (const char *p = devpath; *p; p++)
    depth += *p == '/';
  depth += 2; /* "sys/devices" below the root, plus the device itself */

  f = g_build_filename (d, "vendor", NULL); test_write_file (root, f, vendor); g_free (f);
  f = g_build_filename (d, "device", NULL); test_write_file (root, f, device); g_free (f);
  f = g_build_filename (d, "class", NULL); test_write_file (root, f, class); g_clear_pointer (&f, g_free);
  test_make_link (root, bus, target);
  if (group >= 0)
    {
      g_autoptr(GString) dots = g_string_new (NULL);
      g_autofree char *gl = g_build_filename (d, "iommu_group", NULL);
      g_autofree char *gt = NULL;
      g_autofree char *member = g_strdup_printf ("sys/kernel/iommu_groups/%d/devices/%s", group, addr);
      g_autofree char *mt = g_strdup_printf ("../../../../devices/%s", devpath);

      for (int i = 0; i < depth - 1; i++)
        g_string_append (dots, "../");
      gt = g_strdup_printf ("%skernel/iommu_groups/%d", dots->str, group);
      test_make_link (root, gl, gt);
      test_make_link (root, member, mt);
    }
  if (driver != NULL)
    {
      g_autoptr(GString) dots = g_string_new (NULL);
      g_autofree char *dl = g_build_filename (d, "driver", NULL);
      g_autofree char *dt = NULL;
      for (int i = 0; i < depth - 1; i++)
        g_string_append (dots, "../");
      dt = g_strdup_printf ("%sbus/pci/drivers/%s", dots->str, driver);
      test_make_link (root, dl, dt);
    }
}

static char *
make_root (void)
{
  char *root = g_dir_make_tmp ("pt-sysfs-XXXXXX", NULL);

  add_device (root, "pci0000:00/0000:00:01.1", "0000:00:01.1", "0x1022", "0x1453", "0x060400", 1, "pcieport");
  add_device (root, "pci0000:00/0000:00:01.1/0000:01:00.0", "0000:01:00.0", "0x144d", "0xa804", "0x010802", 2, "nvme");
  add_device (root, "pci0000:00/0000:00:03.1/0000:08:00.0", "0000:08:00.0", "0x10de", "0x1b80", "0x030000", 3, "nouveau");
  add_device (root, "pci0000:00/0000:00:03.1/0000:08:00.1", "0000:08:00.1", "0x10de", "0x10f0", "0x040300", 3, NULL);
  add_device (root, "pci0000:00/0000:00:05.0/0000:09:00.0", "0000:09:00.0", "0x8086", "0x1539", "0x020000", 4, "igb");
  test_write_file (root, "sys/devices/pci0000:00/0000:00:03.1/0000:08:00.0/boot_vga", "1\n");
  test_write_file (root, "sys/devices/pci0000:00/0000:00:03.1/0000:08:00.0/reset_method", "flr bus\n");
  test_write_file (root, "sys/devices/pci0000:00/0000:00:01.1/0000:01:00.0/nvme/nvme0/nvme0n1/nvme0n1p2/dev", "259:2\n");
  test_make_link (root, "sys/dev/block/259:2", "../../devices/pci0000:00/0000:00:01.1/0000:01:00.0/nvme/nvme0/nvme0n1/nvme0n1p2");
  test_make_link (root, "sys/class/net/enp9s0", "../../devices/pci0000:00/0000:00:05.0/0000:09:00.0/net/enp9s0");
  test_write_file (root, "sys/class/iommu/ivhd0/.keep", "");
  test_write_file (root, "proc/self/mountinfo",
              "22 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw\n"
              "23 22 0:21 / /proc rw - proc proc rw\n");
  test_write_file (root, "proc/net/route",
              "Iface\tDestination\tGateway \tFlags\n"
              "enp9s0\t00000000\t0101A8C0\t0003\n");
  test_write_file (root, "proc/cpuinfo", "processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: fpu svm sse\n");
  test_write_file (root, "proc/cmdline", "root=/dev/nvme0n1p2 rw\n");
  return root;
}

static void
test_sysfs (void)
{
  g_autofree char *root = make_root ();
  g_autoptr(PtPaths) paths = pt_paths_new (root);
  g_autoptr(GError) error = NULL;
  g_autoptr(PtTopology) t = pt_topology_new_from_sysfs (paths, &error);
  PtDevice *nvme, *gpu, *nic, *audio;
  const char *root_holds[] = { "root", NULL };

  g_assert_no_error (error);
  g_assert_cmpuint (pt_topology_get_n_devices (t), ==, 5);
  g_assert_cmpuint (g_list_model_get_n_items (pt_topology_get_groups (t)), ==, 4);
  g_assert_true (pt_topology_get_iommu_enabled (t));
  g_assert_cmpstr (pt_topology_get_iommu_vendor (t), ==, "amd");
  g_assert_cmpstr (pt_topology_get_cpu_vendor (t), ==, "amd");

  nvme = pt_topology_lookup (t, "0000:01:00.0");
  gpu = pt_topology_lookup (t, "0000:08:00.0");
  audio = pt_topology_lookup (t, "0000:08:00.1");
  nic = pt_topology_lookup (t, "0000:09:00.0");
  g_assert_true (g_strv_equal ((const char *const *) pt_device_get_holds (nvme), root_holds));
  g_assert_cmpstr (pt_device_get_parent (nvme), ==, "0000:00:01.1");
  /* the parent comes from the directory nesting, listed on the bus or not */
  g_assert_cmpstr (pt_device_get_parent (gpu), ==, "0000:00:03.1");
  g_assert_cmpstr (pt_device_get_driver (gpu), ==, "nouveau");
  g_assert_null (pt_device_get_driver (audio));
  g_assert_true (pt_device_get_boot_vga (gpu));
  g_assert_cmpstr (pt_device_get_reset_method (gpu), ==, "flr bus");
  g_assert_cmpint (pt_device_get_group_id (audio), ==, 3);
  g_assert_true (pt_device_get_default_route (nic));
  g_assert_false (pt_device_get_default_route (gpu));

  test_remove_tree (root);
}

static void
test_sysfs_bad (void)
{
  g_autofree char *root = make_root ();
  g_autofree char *class = g_build_filename (root, "sys/devices/pci0000:00/0000:00:05.0/0000:09:00.0/class", NULL);
  g_autofree char *vendor = g_build_filename (root, "sys/devices/pci0000:00/0000:00:05.0/0000:09:00.0/vendor", NULL);
  g_autoptr(PtPaths) paths = pt_paths_new (root);
  g_autoptr(PtPaths) missing = pt_paths_new ("/nonexistent/passthrough-root");
  g_autoptr(GError) e1 = NULL, e2 = NULL, e3 = NULL;
  g_autoptr(PtTopology) t1 = NULL, t2 = NULL, t3 = NULL;

  g_assert_true (g_file_set_contents (class, "VGA please\n", -1, NULL));
  t1 = pt_topology_new_from_sysfs (paths, &e1);
  g_assert_null (t1);
  g_assert_error (e1, PT_ERROR, PT_ERROR_PARSE);
  g_assert_nonnull (strstr (e1->message, "not a hexadecimal number"));
  g_assert_nonnull (strstr (e1->message, "0000:09:00.0/class"));

  g_assert_true (g_file_set_contents (class, "0x020000\n", -1, NULL));
  g_unlink (vendor);
  t2 = pt_topology_new_from_sysfs (paths, &e2);
  g_assert_null (t2);
  g_assert_nonnull (strstr (e2->message, "no vendor attribute"));

  t3 = pt_topology_new_from_sysfs (missing, &e3);
  g_assert_null (t3);
  g_assert_error (e3, PT_ERROR, PT_ERROR_NOT_FOUND);

  test_remove_tree (root);
}

int
main (int argc, char **argv)
{
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/topology/relations", test_relations);
  g_test_add_func ("/topology/sentences", test_sentences);
  g_test_add_func ("/topology/can-go", test_can_go);
  g_test_add_func ("/topology/json-round-trip", test_json_round_trip);
  g_test_add_func ("/topology/bad-snapshots", test_bad_snapshots);
  g_test_add_func ("/topology/machine-names", test_machine_names);
  g_test_add_func ("/topology/sysfs", test_sysfs);
  g_test_add_func ("/topology/sysfs-bad", test_sysfs_bad);
  return g_test_run ();
}
