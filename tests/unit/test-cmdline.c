/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <string.h>

#include "pt-cmdline.h"

static void
test_tokenize (void)
{
  const char *line = "BOOT_IMAGE=/vmlinuz root=UUID=ab-cd ro  quiet\tvfio-pci.ids=10de:1b80,10de:10f0 "
                     "acpi_osi=\"Windows 2015\" rd.driver.pre=vfio_pci";
  g_autoptr(GPtrArray) t = pt_cmdline_tokenize (line);
  const PtCmdlineToken *tok;

  g_assert_cmpuint (t->len, ==, 7);
  tok = g_ptr_array_index (t, 1);
  g_assert_cmpstr (tok->key, ==, "root");
  g_assert_cmpstr (tok->value, ==, "UUID=ab-cd");
  tok = g_ptr_array_index (t, 3);
  g_assert_cmpstr (tok->key, ==, "quiet");
  g_assert_null (tok->value);
  tok = g_ptr_array_index (t, 5);
  g_assert_cmpstr (tok->text, ==, "acpi_osi=\"Windows 2015\"");
  g_assert_cmpstr (tok->value, ==, "Windows 2015");
  /* offsets point back into the line */
  g_assert_cmpint (strncmp (line + tok->start, tok->text, tok->end - tok->start), ==, 0);

  /* '-' and '_' are one in names, not in values */
  tok = pt_cmdline_find (t, "vfio_pci.ids");
  g_assert_nonnull (tok);
  g_assert_cmpstr (tok->text, ==, "vfio-pci.ids=10de:1b80,10de:10f0");
  tok = pt_cmdline_find (t, "root");
  g_assert_cmpstr (tok->value, ==, "UUID=ab-cd");
  g_assert_null (pt_cmdline_find (t, "intel_iommu"));
}

static void
test_last_wins_and_empty (void)
{
  g_autoptr(GPtrArray) t = pt_cmdline_tokenize ("iommu=soft iommu=pt");
  g_autoptr(GPtrArray) empty = pt_cmdline_tokenize (NULL);
  g_autoptr(GPtrArray) blank = pt_cmdline_tokenize ("   \t ");

  g_assert_cmpstr (pt_cmdline_find (t, "iommu")->value, ==, "pt");
  g_assert_cmpuint (empty->len, ==, 0);
  g_assert_cmpuint (blank->len, ==, 0);
}

static void
test_known_keys (void)
{
  g_autofree char *k = pt_cmdline_normalize_key ("vfio-pci.ids");

  g_assert_cmpstr (k, ==, "vfio_pci.ids");
  g_assert_true (pt_cmdline_is_known_key (k));
  g_assert_true (pt_cmdline_is_known_key ("pcie_acs_override"));
  g_assert_false (pt_cmdline_is_known_key ("vifo_pci.ids"));
  g_assert_false (pt_cmdline_is_known_key ("ipcie_acs_override"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cmdline/tokenize", test_tokenize);
  g_test_add_func ("/cmdline/last-wins", test_last_wins_and_empty);
  g_test_add_func ("/cmdline/known-keys", test_known_keys);
  return g_test_run ();
}
