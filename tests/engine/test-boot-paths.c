/* test-boot-paths.c: the boot-path registry (src/core/engine/pt-boot-path.h).
 * The transaction's allow-list admits every file a registered boot path
 * (or an initramfs generator) may write and nothing else: every file of
 * every fixture root and real-world corpus case is asked, with a list of
 * files no boot path may touch; the names a state of commit a868f44
 * stores (bootloader, editor, cmd_kind) all resolve.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "pt-boot-path.h"
#include "pt-bootsetup.h"
#include "pt-transaction.h"

static const char *
source_root (void)
{
  const char *s = g_getenv ("PASSTHROUGH_SOURCE_ROOT");
  g_assert_nonnull (s);
  return s;
}

/* What the registry says, computed from the table's rows alone. */
static gboolean
some_row_writes (const char *system_path)
{
  for (guint i = 0; pt_boot_initramfs_writes[i].path != NULL; i++)
    if (pt_boot_write_matches (&pt_boot_initramfs_writes[i], system_path))
      return TRUE;
  for (guint p = 0; pt_boot_paths[p] != NULL; p++)
    for (guint i = 0; pt_boot_paths[p]->writes[i].path != NULL; i++)
      if (pt_boot_write_matches (&pt_boot_paths[p]->writes[i], system_path))
        return TRUE;
  return FALSE;
}

static void
test_rows_well_formed (void)
{
  g_autoptr(GHashTable) names = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint p = 0; pt_boot_paths[p] != NULL; p++)
    {
      const PtBootPath *path = pt_boot_paths[p];
      g_assert_nonnull (path->name);
      g_assert_false (g_hash_table_contains (names, path->name));
      g_hash_table_add (names, (gpointer) path->name);
      g_assert_true (pt_boot_path_find (path->name) == path);
      g_assert_nonnull (path->title);
      g_assert_nonnull (path->status_reads);
      g_assert_nonnull (path->detect);
      g_assert_nonnull (path->plan_cmdline);
      g_assert_nonnull (path->editors);
      g_assert_nonnull (path->writes);
      /* No trial: a sentence that says so. */
      if (path->plan_trial == NULL)
        g_assert_nonnull (path->no_trial);
      if (path->cmd_kind != NULL)
        {
          g_assert_nonnull (path->cmd_tokens);
          g_assert_true (pt_boot_path_for_cmd_kind (path->cmd_kind) == path);
        }
      for (guint i = 0; path->editors[i] != NULL; i++)
        {
          const PtBootEditor *e = path->editors[i];
          g_autofree char *stored = g_strconcat (e->name, e->prefix ? "X" : "", NULL);
          const char *arg = NULL;
          g_assert_nonnull (pt_boot_editor_find (stored, &arg));
          g_assert_true (pt_boot_editor_find (stored, NULL)->edit == e->edit);
        }
      for (guint i = 0; path->writes[i].path != NULL; i++)
        {
          g_assert_true (path->writes[i].path[0] == '/');
          if (path->writes[i].suffix != NULL)
            g_assert_true (g_str_has_suffix (path->writes[i].path, "/"));
        }
    }
  g_assert_null (pt_boot_path_find ("none"));
  g_assert_cmpstr (pt_boot_path_name (NULL), ==, "none");
}

/* The strings state.json format 1 stores are frozen (tests/engine/state-a868f44). */
static void
test_frozen_names (void)
{
  static const char *const bootloaders[] = {
    "grub", "grub-bls", "systemd-boot", "kernelstub", "rpm-ostree", "kernel-cmdline", "limine", "refind",
  };
  static const char *const editors[] = {
    "grub-default:GRUB_CMDLINE_LINUX_DEFAULT", "grub-default:GRUB_CMDLINE_LINUX", "entry",
    "kernel-cmdline", "limine", "default-limine", "refind", "mkinitcpio", "module-lines",
    "booster", "custom-blocks", "trial-block",
  };
  static const char *const kinds[] = { "grubby", "kernelstub", "rpm-ostree" };
  const char *arg = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (bootloaders); i++)
    g_assert_nonnull (pt_boot_path_find (bootloaders[i]));
  for (guint i = 0; i < G_N_ELEMENTS (editors); i++)
    g_assert_nonnull (pt_boot_editor_find (editors[i], NULL));
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    g_assert_nonnull (pt_boot_path_for_cmd_kind (kinds[i]));
  g_assert_nonnull (pt_boot_editor_find ("grub-default:GRUB_CMDLINE_LINUX", &arg));
  g_assert_cmpstr (arg, ==, "GRUB_CMDLINE_LINUX");
  g_assert_null (pt_boot_editor_find ("whole", NULL));
  g_assert_null (pt_boot_editor_find ("grub", NULL));
}

static void
assert_allowed (PtPaths    *paths,
                const char *system_path,
                gboolean    want)
{
  if (pt_transaction_path_is_allowed (paths, system_path) != want)
    g_error ("the allow-list %s %s", want ? "refuses" : "admits", system_path);
}

/* Every write of every row is admitted; a folder's pattern admits *.suffix
 * directly in it and nothing else there. */
static void
test_every_write_allowed (void)
{
  g_autofree char *empty = g_dir_make_tmp ("pt-boot-paths-XXXXXX", NULL);
  g_autoptr(PtPaths) paths = pt_paths_new (empty);

  for (guint i = 0; pt_boot_initramfs_writes[i].path != NULL; i++)
    assert_allowed (paths, pt_boot_initramfs_writes[i].path, TRUE);
  for (guint p = 0; pt_boot_paths[p] != NULL; p++)
    for (guint i = 0; pt_boot_paths[p]->writes[i].path != NULL; i++)
      {
        const PtBootWrite *w = &pt_boot_paths[p]->writes[i];
        if (w->suffix == NULL)
          {
            g_autofree char *beside = g_strconcat (w->path, ".bak", NULL);
            assert_allowed (paths, w->path, TRUE);
            assert_allowed (paths, beside, some_row_writes (beside));
          }
        else
          {
            g_autofree char *one = g_strconcat (w->path, "x", w->suffix, NULL);
            g_autofree char *hidden = g_strconcat (w->path, ".x", w->suffix, NULL);
            g_autofree char *below = g_strconcat (w->path, "d/x", w->suffix, NULL);
            g_autofree char *other = g_strconcat (w->path, "x.txt", NULL);
            g_autofree char *bare = g_strconcat (w->path, w->suffix, NULL);
            assert_allowed (paths, one, TRUE);
            assert_allowed (paths, hidden, FALSE);
            assert_allowed (paths, below, FALSE);
            assert_allowed (paths, other, FALSE);
            assert_allowed (paths, bare, FALSE);
          }
      }
  g_rmdir (empty);
}

/* Files no boot path may write. */
static void
test_nothing_else (void)
{
  static const char *const never[] = {
    "/etc/passwd", "/etc/shadow", "/etc/fstab", "/etc/crypttab", "/boot/vmlinuz-linux",
    "/boot/initramfs-linux.img", "/boot/grub/grub.cfg", "/boot/grub2/grub.cfg", "/boot/grub/grubenv",
    "/boot/loader/loader.conf", "/efi/loader/loader.conf", "/boot/efi/EFI/BOOT/BOOTX64.EFI",
    "/boot/efi/EFI/Linux/arch-linux.efi", "/efi/EFI/Linux/arch-linux.efi", "/etc/default/grub.d/x.cfg",
    "/etc/kernel/install.conf", "/etc/kernelstub/configuration", "/etc/dracut.conf",
    "/etc/dracut.conf.d/10-debian.conf.d/x.conf", "/etc/mkinitcpio.d/linux.preset/x",
    "/etc/modprobe.d/blacklist.conf", "/etc/initramfs-tools/initramfs.conf", "/",
    "/var/lib/passthrough/state.json", "/etc/cmdline.d/", "/etc/cmdline.d/x.conf/y.conf",
  };
  g_autofree char *empty = g_dir_make_tmp ("pt-boot-paths-XXXXXX", NULL);
  g_autoptr(PtPaths) paths = pt_paths_new (empty);

  for (guint i = 0; i < G_N_ELEMENTS (never); i++)
    assert_allowed (paths, never[i], some_row_writes (never[i]));
  for (guint i = 0; i < G_N_ELEMENTS (never); i++)
    if (g_str_has_prefix (never[i], "/etc/passwd") || g_str_has_prefix (never[i], "/boot/vmlinuz") ||
        g_str_has_suffix (never[i], "grub.cfg") || g_str_has_suffix (never[i], ".EFI") ||
        g_str_has_suffix (never[i], ".efi") || g_str_equal (never[i], "/"))
      assert_allowed (paths, never[i], FALSE);
  g_rmdir (empty);
}

static void
walk (const char *top,
      const char *dir,
      GPtrArray  *out)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *p = g_build_filename (dir, name, NULL);
      if (g_file_test (p, G_FILE_TEST_IS_DIR) && !g_file_test (p, G_FILE_TEST_IS_SYMLINK))
        walk (top, p, out);
      else
        g_ptr_array_add (out, g_strdup (p + strlen (top)));
    }
}

/* The custom.cfg beside the grub.cfg GRUB reads in @root, or NULL. */
static char *
detected_custom_cfg (PtPaths *paths)
{
  g_autoptr(PtBootSetup) grub = pt_boot_setup_new ();
  g_autofree char *real = NULL;

  pt_boot_setup_detect_grub_cfg (grub, paths);
  if (grub->grub_dir == NULL)
    return NULL;
  real = pt_boot_setup_resolve_path (paths, grub->grub_dir);
  return g_build_filename (real, "custom.cfg", NULL);
}

/* Every file below @top, asked of the allow-list of @paths: admitted
 * exactly when a row writes it, or it is @custom. */
static void
ask_tree (PtPaths    *paths,
          const char *top,
          const char *custom,
          guint      *asked,
          guint      *admitted)
{
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);

  walk (top, top, files);
  for (guint i = 0; i < files->len; i++)
    {
      const char *f = g_ptr_array_index (files, i);
      gboolean want = some_row_writes (f) || g_strcmp0 (f, custom) == 0;
      assert_allowed (paths, f, want);
      (*asked)++;
      *admitted += want;
    }
}

/* Every file of every fixture root, and every file the release of commit
 * a868f44 wrote or found there (tests/engine/state-a868f44). */
static void
test_fixture_files (void)
{
  g_autofree char *roots = g_build_filename (source_root (), "tests", "engine", "roots", NULL);
  g_autofree char *states = g_build_filename (source_root (), "tests", "engine", "state-a868f44", NULL);
  g_autoptr(GDir) d = g_dir_open (roots, 0, NULL);
  g_autoptr(GDir) s = g_dir_open (states, 0, NULL);
  const char *name;
  guint asked = 0, admitted = 0;

  g_assert_nonnull (d);
  g_assert_nonnull (s);
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *root = g_build_filename (roots, name, NULL);
      g_autoptr(PtPaths) paths = NULL;
      g_autofree char *custom = NULL;

      if (!g_file_test (root, G_FILE_TEST_IS_DIR))
        continue;
      paths = pt_paths_new (root);
      custom = detected_custom_cfg (paths);
      if (custom != NULL)
        assert_allowed (paths, custom, TRUE);
      ask_tree (paths, root, custom, &asked, &admitted);
    }
  while ((name = g_dir_read_name (s)) != NULL)
    {
      g_autofree char *case_json = g_build_filename (states, name, "case.json", NULL);
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autofree char *root = NULL;
      g_autoptr(PtPaths) paths = NULL;
      g_autofree char *custom = NULL;

      if (!g_file_test (case_json, G_FILE_TEST_IS_REGULAR))
        continue;
      g_assert_true (json_parser_load_from_file (parser, case_json, NULL));
      root = g_build_filename (roots, json_object_get_string_member (json_node_get_object (json_parser_get_root (parser)), "root"), NULL);
      paths = pt_paths_new (root);
      custom = detected_custom_cfg (paths);
      for (guint k = 0; k < 2; k++)
        {
          g_autofree char *top = g_build_filename (states, name, k == 0 ? "before" : "after", NULL);
          /* var/lib/passthrough is the state's own (not on the list); the
           * rest is the system's. */
          if (g_file_test (top, G_FILE_TEST_IS_DIR))
            {
              g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
              walk (top, top, files);
              for (guint i = 0; i < files->len; i++)
                {
                  const char *f = g_ptr_array_index (files, i);
                  gboolean want;
                  if (g_str_has_prefix (f, "/var/lib/passthrough/"))
                    continue;
                  want = some_row_writes (f) || g_strcmp0 (f, custom) == 0;
                  assert_allowed (paths, f, want);
                  /* what a868f44 wrote, a newer release may write too */
                  if (k == 1 && !g_str_has_prefix (f, "/proc/"))
                    g_assert_true (want);
                  asked++;
                  admitted += want;
                }
            }
        }
    }
  g_test_message ("%u fixture files asked, %u of them admitted", asked, admitted);
  g_assert_cmpuint (asked, >, 100);
  g_assert_cmpuint (admitted, >, 50);
}

/* A custom.cfg is admitted only where detection finds GRUB reading it. */
static void
test_detected_custom_cfg (void)
{
  g_autofree char *rocky = g_build_filename (source_root (), "tests", "engine", "roots", "grub-esp-rocky8", NULL);
  g_autofree char *empty = g_dir_make_tmp ("pt-boot-paths-XXXXXX", NULL);
  g_autoptr(PtPaths) there = pt_paths_new (rocky);
  g_autoptr(PtPaths) nothing = pt_paths_new (empty);

  assert_allowed (there, "/boot/efi/EFI/rocky/custom.cfg", TRUE);
  assert_allowed (nothing, "/boot/efi/EFI/rocky/custom.cfg", FALSE);
  assert_allowed (there, "/boot/efi/EFI/fedora/custom.cfg", FALSE);
  g_rmdir (empty);
}

/* A UKI preset's command line file is admitted only where a preset of this
 * root names it, and only if it is a command line file (not /etc/fstab). */
static void
test_detected_uki_cmdline (void)
{
  g_autofree char *root = g_dir_make_tmp ("pt-boot-paths-XXXXXX", NULL);
  g_autofree char *dir = g_build_filename (root, "etc", "mkinitcpio.d", NULL);
  g_autofree char *preset = g_build_filename (dir, "linux.preset", NULL);
  g_autoptr(PtPaths) paths = pt_paths_new (root);
  g_autoptr(PtPaths) empty = NULL;
  g_autofree char *empty_dir = g_dir_make_tmp ("pt-boot-paths-XXXXXX", NULL);
  g_autofree char *etc = g_path_get_dirname (dir);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_assert_true (g_file_set_contents (preset,
                                      "PRESETS=('default' 'fallback')\n"
                                      "default_uki=\"/efi/EFI/Linux/arch-linux.efi\"\n"
                                      "default_cmdline=\"/etc/kernel/cmdline-uki\"\n"
                                      "fallback_uki=\"/efi/EFI/Linux/arch-linux-fallback.efi\"\n"
                                      "fallback_options=\"-S autodetect --cmdline /etc/fstab\"\n", -1, NULL));
  empty = pt_paths_new (empty_dir);
  assert_allowed (paths, "/etc/kernel/cmdline-uki", TRUE);
  assert_allowed (empty, "/etc/kernel/cmdline-uki", FALSE);
  assert_allowed (paths, "/etc/fstab", FALSE);
  g_unlink (preset);
  g_rmdir (dir);
  g_rmdir (etc);
  g_rmdir (root);
  g_rmdir (empty_dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/boot-paths/rows", test_rows_well_formed);
  g_test_add_func ("/boot-paths/frozen-names", test_frozen_names);
  g_test_add_func ("/boot-paths/allow-list/every-write", test_every_write_allowed);
  g_test_add_func ("/boot-paths/allow-list/nothing-else", test_nothing_else);
  g_test_add_func ("/boot-paths/allow-list/fixture-files", test_fixture_files);
  g_test_add_func ("/boot-paths/allow-list/detected-custom-cfg", test_detected_custom_cfg);
  g_test_add_func ("/boot-paths/allow-list/detected-uki-cmdline", test_detected_uki_cmdline);
  return g_test_run ();
}
