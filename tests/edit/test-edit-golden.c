/* test-edit-golden.c: real configuration files (tests/edit/files, see
 * SOURCES there) through every editor: the output after adding our tokens
 * must equal the golden file, adding again must change nothing, and
 * removing what was added must give back the original bytes.
 *
 * PT_EDIT_UPDATE_GOLDEN=1 rewrites the golden files (review the diff!).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "edit-test-util.h"
#include "pt-error.h"

static const char *const cmdline_tokens[] = {
  "intel_iommu=on", "iommu=pt", "vfio-pci.ids=1002:73ff,1002:ab28", NULL
};
static const char *const module_tokens[] = {
  "vfio_pci", "vfio", "vfio_iommu_type1", NULL
};

typedef struct
{
  const char *file;
  EditKind    kind;
  const char *golden;        /* NULL: FILE.expected */
  gboolean    none_present;  /* no token of ours is in the file before */
  gboolean    unchanged;     /* everything is already there */
  gint        error_code;    /* -1: none expected */
} GoldenCase;

static const GoldenCase cases[] = {
  { "grub-debian.default", EDIT_GRUB_DEFAULT, NULL, TRUE, FALSE, -1 },
  { "grub-ubuntu.default", EDIT_GRUB_DEFAULT, NULL, TRUE, FALSE, -1 },
  { "grub-fedora.default", EDIT_GRUB_LINUX, NULL, TRUE, FALSE, -1 },
  { "grub-fedora.default", EDIT_GRUB_DEFAULT, "grub-fedora.default.new-variable.expected", TRUE, FALSE, -1 },
  { "grub-proxmox.default", EDIT_GRUB_DEFAULT, NULL, FALSE, FALSE, -1 },
  { "grub-seed004.default", EDIT_GRUB_DEFAULT, NULL, TRUE, FALSE, -1 },
  { "mkinitcpio-arch.conf", EDIT_MKINITCPIO, NULL, TRUE, FALSE, -1 },
  { "mkinitcpio-vfio-commented.conf", EDIT_MKINITCPIO, NULL, TRUE, FALSE, -1 },
  { "mkinitcpio-string.conf", EDIT_MKINITCPIO, NULL, TRUE, FALSE, -1 },
  { "mkinitcpio-iso.conf", EDIT_MKINITCPIO, NULL, TRUE, FALSE, -1 },
  { "arch-seed000.conf", EDIT_ENTRY, NULL, FALSE, TRUE, -1 },
  { "arch-jonpas.conf", EDIT_ENTRY, NULL, TRUE, FALSE, -1 },
  { "bls-rhel8-kernelopts.conf", EDIT_ENTRY, NULL, TRUE, FALSE, PT_ERROR_PARSE },
  { "grubenv-fedora35", EDIT_GRUBENV, NULL, TRUE, FALSE, -1 },
  { "grubenv-centos7", EDIT_GRUBENV, NULL, TRUE, FALSE, -1 },
  { "kernel-cmdline-proxmox", EDIT_KERNEL_CMDLINE, NULL, FALSE, FALSE, -1 },
  { "limine.conf", EDIT_LIMINE_CONF, NULL, TRUE, FALSE, -1 },
  { "refind_linux.conf", EDIT_REFIND, NULL, TRUE, FALSE, -1 },
  { "booster-vfio.yaml", EDIT_BOOSTER, NULL, FALSE, TRUE, -1 },
  { "booster-plain.yaml", EDIT_BOOSTER, NULL, TRUE, FALSE, -1 },
  { "modules-ubuntu", EDIT_MODULE_LINES, NULL, TRUE, FALSE, -1 },
  { "modules-vfio-handwritten", EDIT_MODULE_LINES, NULL, FALSE, TRUE, -1 },
  { "modules-seed004", EDIT_MODULE_LINES, NULL, FALSE, TRUE, -1 },
};

static char *
read_fixture (const char *name)
{
  g_autofree char *path = g_build_filename (EDIT_FILES_DIR, name, NULL);
  g_autoptr(GError) error = NULL;
  char *text = NULL;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  return text;
}

static void
test_golden (gconstpointer data)
{
  const GoldenCase *c = data;
  const char *const *tokens = edit_kind_takes_modules (c->kind) ? module_tokens : cmdline_tokens;
  g_autofree char *original = read_fixture (c->file);
  g_autofree char *golden_name = c->golden ? g_strdup (c->golden) : g_strconcat (c->file, ".expected", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *added = NULL;
  g_autofree char *again = NULL;
  g_autofree char *removed = NULL;
  g_autofree char *removed_direct = NULL;

  added = edit_run (c->kind, original, tokens, NULL, &error);
  if (c->error_code >= 0)
    {
      g_assert_error (error, PT_ERROR, c->error_code);
      g_assert_null (added);
      return;
    }
  g_assert_no_error (error);
  g_assert_nonnull (added);

  if (g_getenv ("PT_EDIT_UPDATE_GOLDEN") != NULL)
    {
      g_autofree char *path = g_build_filename (EDIT_FILES_DIR, golden_name, NULL);
      g_file_set_contents (path, added, -1, &error);
      g_assert_no_error (error);
    }
  else
    {
      g_autofree char *golden = read_fixture (golden_name);
      g_assert_cmpstr (added, ==, golden);
    }

  if (c->unchanged)
    g_assert_cmpstr (added, ==, original);
  else
    g_assert_cmpstr (added, !=, original);

  /* idempotence */
  again = edit_run (c->kind, added, tokens, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (again, ==, added);

  /* revert */
  removed = edit_run (c->kind, added, NULL, tokens, &error);
  g_assert_no_error (error);
  if (c->none_present)
    g_assert_cmpstr (removed, ==, original);
  /* removing gives the same result whether or not we added first */
  removed_direct = edit_run (c->kind, original, NULL, tokens, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (removed, ==, removed_direct);
  for (guint i = 0; tokens[i]; i++)
    g_assert_false (strstr (removed, tokens[i]) != NULL && !edit_kind_takes_modules (c->kind));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/edit/golden/%s/%s", edit_kind_name (cases[i].kind), cases[i].file);
      g_test_add_data_func (path, &cases[i], test_golden);
    }
  return g_test_run ();
}
