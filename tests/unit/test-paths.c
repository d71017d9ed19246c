/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <glib/gstdio.h>
#include <unistd.h>

#include "pt-device.h"
#include "pt-paths.h"

static void
test_build_under_root (void)
{
  g_autoptr(PtPaths) host = pt_paths_new (NULL);
  g_autoptr(PtPaths) root = pt_paths_new ("/tmp/x/../fixture/");
  g_autofree char *a = pt_paths_build (host, "etc", "default", "grub", NULL);
  g_autofree char *b = pt_paths_build (root, "etc", "default", "grub", NULL);
  g_autofree char *c = pt_paths_build (root, b, NULL);
  g_autofree char *sys = pt_paths_to_system (root, b);

  g_assert_true (pt_paths_is_host (host));
  g_assert_false (pt_paths_is_host (root));
  g_assert_cmpstr (a, ==, "/etc/default/grub");
  g_assert_cmpstr (pt_paths_get_root (root), ==, "/tmp/fixture");
  g_assert_cmpstr (b, ==, "/tmp/fixture/etc/default/grub");
  /* an element that already is under the root is not prefixed twice */
  g_assert_cmpstr (c, ==, b);
  g_assert_cmpstr (sys, ==, "/etc/default/grub");
}

static void
test_resolve_stays_inside (void)
{
  g_autofree char *tmp = g_dir_make_tmp ("pt-paths-XXXXXX", NULL);
  g_autoptr(PtPaths) paths = pt_paths_new (tmp);
  g_autofree char *dir = g_build_filename (tmp, "sys", "bus", "pci", "devices", NULL);
  g_autofree char *link1 = g_build_filename (dir, "rel", NULL);
  g_autofree char *link2 = g_build_filename (dir, "escape", NULL);
  g_autofree char *link3 = g_build_filename (dir, "abs", NULL);
  g_autofree char *r1 = NULL, *r2 = NULL, *r3 = NULL;
  g_autofree char *want1 = g_build_filename (tmp, "sys", "devices", "pci0000:00", "0000:00:01.0", NULL);
  g_autofree char *want2 = g_build_filename (tmp, "etc", "passwd", NULL);
  g_autofree char *want3 = g_build_filename (tmp, "proc", "cmdline", NULL);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_assert_cmpint (symlink ("../../../devices/pci0000:00/0000:00:01.0", link1), ==, 0);
  g_assert_cmpint (symlink ("../../../../../../../../etc/passwd", link2), ==, 0);
  g_assert_cmpint (symlink ("/proc/cmdline", link3), ==, 0);

  r1 = pt_paths_resolve_link (paths, link1);
  r2 = pt_paths_resolve_link (paths, link2);
  r3 = pt_paths_resolve_link (paths, link3);
  g_assert_cmpstr (r1, ==, want1);
  /* ".." stops at the root, an absolute target is taken inside it */
  g_assert_cmpstr (r2, ==, want2);
  g_assert_cmpstr (r3, ==, want3);
  g_assert_null (pt_paths_resolve_link (paths, dir));

  g_unlink (link1);
  g_unlink (link2);
  g_unlink (link3);
}

static void
test_read_line (void)
{
  g_autofree char *tmp = g_dir_make_tmp ("pt-paths-XXXXXX", NULL);
  g_autoptr(PtPaths) paths = pt_paths_new (tmp);
  g_autofree char *f = g_build_filename (tmp, "vendor", NULL);
  g_autofree char *bin = g_build_filename (tmp, "config", NULL);
  g_autofree char *line = NULL;
  g_autofree char *none = NULL;

  g_assert_true (g_file_set_contents (f, "0x10de\n", -1, NULL));
  g_assert_true (g_file_set_contents (bin, "\x86\x80\0\0", 4, NULL));
  g_assert_true (pt_paths_read_line (paths, f, &line));
  g_assert_cmpstr (line, ==, "0x10de");
  /* binary content is not a line */
  g_assert_false (pt_paths_read_line (paths, bin, &none));
  g_assert_false (pt_paths_read_line (paths, "/nonexistent/x", &none));
  g_unlink (f);
  g_unlink (bin);
}

static void
test_addresses (void)
{
  const char *good[] = { "0000:00:00.0", "0000:ff:1f.7", "10000:00:00.0" + 1, "abcd:0a:01.3" };
  const char *bad[] = { "", "0000:00:00", "0000:00:00.8", "0000:00:20.0", "0000:0A:00.0",
                        "0000:00:00.0\n", "0000:00:00.0 ", "../../etc", "0000-00:00.0", "00:00.0" };
  g_autofree char *short_form = pt_address_normalize ("0A:00.1");
  g_autofree char *bogus = pt_address_normalize ("0000:0a:00");

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    g_assert_true (pt_address_is_valid (good[i]));
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    g_assert_false (pt_address_is_valid (bad[i]));
  g_assert_cmpstr (short_form, ==, "0000:0a:00.1");
  g_assert_null (bogus);
  g_assert_null (pt_address_normalize (NULL));
}

static void
test_kinds (void)
{
  PtDeviceKind kind;

  g_assert_cmpint (pt_device_kind_for_class (0x030000), ==, PT_DEVICE_KIND_GPU);
  g_assert_cmpint (pt_device_kind_for_class (0x030200), ==, PT_DEVICE_KIND_GPU);
  g_assert_cmpint (pt_device_kind_for_class (0x038000), ==, PT_DEVICE_KIND_GPU);
  g_assert_cmpint (pt_device_kind_for_class (0x040300), ==, PT_DEVICE_KIND_AUDIO);
  g_assert_cmpint (pt_device_kind_for_class (0x040100), ==, PT_DEVICE_KIND_AUDIO);
  g_assert_cmpint (pt_device_kind_for_class (0x0c0330), ==, PT_DEVICE_KIND_USB);
  g_assert_cmpint (pt_device_kind_for_class (0x0c0500), ==, PT_DEVICE_KIND_OTHER);
  g_assert_cmpint (pt_device_kind_for_class (0x020000), ==, PT_DEVICE_KIND_NETWORK);
  g_assert_cmpint (pt_device_kind_for_class (0x010802), ==, PT_DEVICE_KIND_STORAGE);
  g_assert_cmpint (pt_device_kind_for_class (0x060400), ==, PT_DEVICE_KIND_BRIDGE);
  g_assert_cmpint (pt_device_kind_for_class (0x130000), ==, PT_DEVICE_KIND_OTHER);
  g_assert_true (pt_device_kind_from_string ("usb", &kind));
  g_assert_cmpint (kind, ==, PT_DEVICE_KIND_USB);
  g_assert_false (pt_device_kind_from_string ("USB", &kind));
  g_assert_cmpstr (pt_device_kind_to_string (PT_DEVICE_KIND_STORAGE), ==, "storage");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/paths/build", test_build_under_root);
  g_test_add_func ("/paths/resolve-link", test_resolve_stays_inside);
  g_test_add_func ("/paths/read-line", test_read_line);
  g_test_add_func ("/device/addresses", test_addresses);
  g_test_add_func ("/device/kinds", test_kinds);
  return g_test_run ();
}
