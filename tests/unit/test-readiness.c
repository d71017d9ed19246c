/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pt-error.h"
#include "pt-readiness.h"
#include "test-util.h"

static const PtCheck *
find (GPtrArray *checks, const char *code)
{
  for (guint i = 0; i < checks->len; i++)
    if (g_str_equal (((PtCheck *) g_ptr_array_index (checks, i))->code, code))
      return g_ptr_array_index (checks, i);
  g_error ("no check %s", code);
}

static char *
make_machine (gboolean ready)
{
  char *root = g_dir_make_tmp ("pt-ready-XXXXXX", NULL);

  test_write_file (root, "sys/devices/pci0000:00/0000:00:02.0/vendor", "0x8086\n");
  test_write_file (root, "sys/devices/pci0000:00/0000:00:02.0/device", "0x3e92\n");
  test_write_file (root, "sys/devices/pci0000:00/0000:00:02.0/class", "0x030000\n");
  test_make_link (root, "sys/bus/pci/devices/0000:00:02.0", "../../../devices/pci0000:00/0000:00:02.0");
  test_write_file (root, "proc/cpuinfo", ready ? "vendor_id\t: GenuineIntel\nflags\t\t: fpu vmx ept\n"
                                          : "vendor_id\t: GenuineIntel\nflags\t\t: fpu sse2\n");
  test_write_file (root, "proc/sys/kernel/osrelease", "6.1.0-13-amd64\n");
  test_write_file (root, "proc/cmdline", ready ? "BOOT_IMAGE=/vmlinuz intel_iommu=on iommu=pt quiet\n"
                                          : "BOOT_IMAGE=/vmlinuz quiet vifo-pci.ids=10de:1b80\n");
  test_write_file (root, "proc/interrupts", ready ? "  24:  0  IR-PCI-MSI 1-edge  nvme0q0\n" : "  24:  0  PCI-MSI 1-edge nvme0q0\n");
  if (ready)
    {
      test_make_link (root, "sys/devices/pci0000:00/0000:00:02.0/iommu_group", "../../../kernel/iommu_groups/1");
      test_make_link (root, "sys/kernel/iommu_groups/1/devices/0000:00:02.0",
                      "../../../../devices/pci0000:00/0000:00:02.0");
      test_write_file (root, "sys/class/iommu/dmar0/.keep", "");
      test_write_file (root, "lib/modules/6.1.0-13-amd64/modules.dep",
                  "kernel/drivers/vfio/pci/vfio-pci.ko: kernel/drivers/vfio/pci/vfio-pci-core.ko\n");
    }
  else
    test_write_file (root, "lib/modules/6.1.0-13-amd64/modules.dep", "kernel/drivers/net/e1000e/e1000e.ko:\n");
  return root;
}

static void
test_ready (void)
{
  g_autofree char *root = make_machine (TRUE);
  g_autoptr(PtPaths) paths = pt_paths_new (root);
  g_autoptr(GError) error = NULL;
  g_autoptr(PtTopology) t = pt_topology_new_from_sysfs (paths, &error);
  g_autoptr(GPtrArray) checks = NULL;
  g_autofree char *json = NULL;

  g_assert_no_error (error);
  checks = pt_readiness_run (paths, t);
  for (guint i = 0; i < checks->len; i++)
    {
      PtCheck *c = g_ptr_array_index (checks, i);
      if (!c->ok)
        g_error ("%s: %s", c->code, c->message);
      g_assert_null (c->fix);
    }
  g_assert_true (pt_readiness_all_ok (checks));
  g_assert_nonnull (strstr (find (checks, "iommu")->message, "Intel VT-d"));
  g_assert_nonnull (strstr (find (checks, "kernel-cmdline")->message, "intel_iommu=on iommu=pt"));
  json = pt_readiness_to_json (checks, FALSE);
  g_assert_nonnull (strstr (json, "\"ready\":true"));
  test_remove_tree (root);
}

static void
test_not_ready (void)
{
  g_autofree char *root = make_machine (FALSE);
  g_autoptr(PtPaths) paths = pt_paths_new (root);
  g_autoptr(GError) error = NULL;
  g_autoptr(PtTopology) t = pt_topology_new_from_sysfs (paths, &error);
  g_autoptr(GPtrArray) checks = NULL;

  g_assert_no_error (error);
  checks = pt_readiness_run (paths, t);
  g_assert_false (pt_readiness_all_ok (checks));
  g_assert_false (find (checks, "cpu-virtualization")->ok);
  g_assert_nonnull (strstr (find (checks, "cpu-virtualization")->fix, "VT-x"));
  g_assert_false (find (checks, "iommu")->ok);
  g_assert_nonnull (strstr (find (checks, "iommu")->fix, "intel_iommu=on"));
  g_assert_false (find (checks, "interrupt-remapping")->ok);
  g_assert_false (find (checks, "vfio-modules")->ok);
  /* the kernel ignores a misspelt parameter: say so */
  g_assert_false (find (checks, "kernel-cmdline")->ok);
  g_assert_nonnull (strstr (find (checks, "kernel-cmdline")->message, "vifo-pci.ids=10de:1b80"));
  test_remove_tree (root);
}

/* What the helper's GetReadiness sends is what the app shows: every check
 * survives the trip through JSON, and a report of another shape is refused. */
static void
test_from_json (void)
{
  g_autofree char *root = make_machine (FALSE);
  g_autoptr(PtPaths) paths = pt_paths_new (root);
  g_autoptr(PtTopology) t = pt_topology_new_from_sysfs (paths, NULL);
  g_autoptr(GPtrArray) checks = pt_readiness_run (paths, t);
  g_autofree char *json = pt_readiness_to_json (checks, FALSE);
  g_autoptr(GPtrArray) back = NULL;
  g_autoptr(GError) error = NULL;
  const char *bad[] = { "", "[]", "{\"checks\":{}}", "{\"checks\":[{\"code\":\"iommu\",\"ok\":\"yes\",\"message\":\"m\"}]}",
                        "{\"checks\":[{\"code\":\"iommu\",\"ok\":true}]}", "{\"checks\":[1]}" };

  back = pt_readiness_new_from_json (json, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (back->len, ==, checks->len);
  for (guint i = 0; i < checks->len; i++)
    {
      PtCheck *a = g_ptr_array_index (checks, i), *b = g_ptr_array_index (back, i);
      g_assert_cmpstr (a->code, ==, b->code);
      g_assert_cmpint (a->ok, ==, b->ok);
      g_assert_cmpstr (a->message, ==, b->message);
      g_assert_cmpstr (a->fix, ==, b->fix);
    }
  g_assert_false (pt_readiness_all_ok (back));
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) e = NULL;
      g_assert_null (pt_readiness_new_from_json (bad[i], &e));
      g_assert_error (e, PT_ERROR, PT_ERROR_PARSE);
    }
  test_remove_tree (root);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/readiness/ready", test_ready);
  g_test_add_func ("/readiness/not-ready", test_not_ready);
  g_test_add_func ("/readiness/from-json", test_from_json);
  return g_test_run ();
}
