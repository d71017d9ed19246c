/* bench-edit.c: how long one add takes on real files (tests/edit/files).
 * Prints figures, asserts nothing: meson test -C BUILD --benchmark --suite edit
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "edit-test-util.h"

int
main (void)
{
  static const struct { const char *file; EditKind kind; } cases[] = {
    { "grub-debian.default", EDIT_GRUB_DEFAULT },
    { "mkinitcpio-arch.conf", EDIT_MKINITCPIO },
    { "arch-jonpas.conf", EDIT_ENTRY },
    { "limine.conf", EDIT_LIMINE_CONF },
    { "grubenv-fedora35", EDIT_GRUBENV },
  };
  const char *const cmd[] = { "intel_iommu=on", "iommu=pt", "vfio-pci.ids=1002:73ff,1002:ab28", NULL };
  const char *const mods[] = { "vfio_pci", "vfio", "vfio_iommu_type1", NULL };
  const int rounds = 2000;

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autofree char *path = g_build_filename (EDIT_FILES_DIR, cases[c].file, NULL);
      g_autofree char *text = NULL;
      gint64 t0;

      if (!g_file_get_contents (path, &text, NULL, NULL))
        return 1;
      t0 = g_get_monotonic_time ();
      for (int i = 0; i < rounds; i++)
        g_free (edit_run (cases[c].kind, text, edit_kind_takes_modules (cases[c].kind) ? mods : cmd, NULL, NULL));
      printf ("%-22s %5zu bytes  %6.1f µs per add\n", cases[c].file, strlen (text),
              (g_get_monotonic_time () - t0) / (double) rounds);
    }
  return 0;
}
