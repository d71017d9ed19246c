/* fuzz-edit.c: every editor, reader and scanner of pt-edit.h on one input.
 *
 * Built two ways:
 *  - with libFuzzer (tests/fuzz/run-libfuzzer.sh: clang -fsanitize=fuzzer),
 *    LLVMFuzzerTestOneInput is the entry point;
 *  - as a plain program (meson, with fuzz-replay.c), main() replays every
 *    file of the directories or files it is given, so CI runs the corpus
 *    (and valgrind can watch for leaks: meson test --setup valgrind).
 *
 * Every editor runs on every input; the input's last byte picks which set
 * of arguments they add and remove.  tests/bench/fuzz-all.sh fuzzes one
 * editor at a time: FUZZ_EDITOR=NAME (a name of the table below) leaves the
 * others, the readers and the renderers out.
 *
 * Besides "no crash, no leak", it checks what is cheap: an edit that
 * succeeds is idempotent, removal leaves nothing to remove, what an add
 * writes can be read back, and a removal undoes an add byte for byte when
 * there was nothing to remove before (within the documented exceptions).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "pt-edit.h"

typedef char *(*EditFunc) (const char *, const char *const *, const char *const *, GError **);

static char *
edit_grub (const char *t, const char *const *a, const char *const *r, GError **e)
{
  return pt_edit_grub_default (t, NULL, a, r, e);
}

static char *
edit_grub_linux (const char *t, const char *const *a, const char *const *r, GError **e)
{
  return pt_edit_grub_default (t, "GRUB_CMDLINE_LINUX", a, r, e);
}

static const struct
{
  const char *name;
  EditFunc    func;
  gboolean    modules;
  gboolean    exact_revert;   /* remove(add(x)) == x when remove(x) == x */
} editors[] = {
  { "cmdline", pt_edit_cmdline, FALSE, TRUE },
  { "grub-default", edit_grub, FALSE, FALSE },      /* VAR= comes back as VAR="" */
  { "grub-linux", edit_grub_linux, FALSE, FALSE },
  { "entry", pt_edit_entry_options, FALSE, FALSE }, /* a bare "options" line goes */
  { "grubenv", pt_edit_grubenv_kernelopts, FALSE, FALSE }, /* padding to 1024 */
  { "kernel-cmdline", pt_edit_kernel_cmdline_file, FALSE, FALSE }, /* comment-only files */
  { "limine-conf", pt_edit_limine_conf, FALSE, TRUE },
  { "default-limine", pt_edit_default_limine, FALSE, FALSE },
  { "refind", pt_edit_refind_linux_conf, FALSE, TRUE },
  { "mkinitcpio", pt_edit_mkinitcpio_modules, TRUE, FALSE },      /* MODULES= as for GRUB */
  { "module-lines", pt_edit_module_lines, TRUE, TRUE },
  { "booster", pt_edit_booster_modules, TRUE, TRUE },
};

static const char *const cmd_sets[][4] = {
  { "intel_iommu=on", "iommu=pt", "vfio-pci.ids=10de:1b80,10de:10f0", NULL },
  { "rd.driver.pre=vfio_pci", "video=efifb:off", NULL, NULL },
  { "passthrough.vfio=0000:0b:00.0@10de:2230", "pcie_acs_override=downstream,multifunction", NULL, NULL },
};
static const char *const mod_sets[][4] = {
  { "vfio_pci", "vfio", "vfio_iommu_type1", NULL },
  { "vfio-pci", "pci_stub", NULL, NULL },
  { "vfio_virqfd", NULL, NULL, NULL },
};

static void
check (gboolean    ok,
       const char *editor,
       const char *what,
       const char *input)
{
  if (ok)
    return;
  {
    g_autofree char *shown = g_strescape (input, NULL);
    fprintf (stderr, "fuzz-edit: %s: %s\ninput: \"%s\"\n", editor, what, shown);
    abort ();
  }
}

static void
run_editor (guint       e,
            const char *text,
            guint       set)
{
  const char *const *add = editors[e].modules ? mod_sets[set] : cmd_sets[set];
  const char *name = editors[e].name;
  g_autoptr(GError) error = NULL;
  g_autofree char *added = NULL;
  g_autofree char *removed_first = NULL;

  removed_first = editors[e].func (text, NULL, add, &error);
  g_clear_error (&error);
  added = editors[e].func (text, add, NULL, &error);
  if (added == NULL)
    {
      check (error != NULL && error->message != NULL && *error->message, name, "NULL without a message", text);
      return;
    }
  check (error == NULL, name, "result and error both set", text);
  {
    g_autofree char *again = editors[e].func (added, add, NULL, &error);
    g_autofree char *removed = NULL;
    g_autofree char *removed_twice = NULL;

    check (again != NULL, name, "adding to our own output failed", text);
    check (g_strcmp0 (again, added) == 0, name, "adding twice differs from adding once", text);
    removed = editors[e].func (added, NULL, add, &error);
    check (removed != NULL, name, "removing from our own output failed", text);
    removed_twice = editors[e].func (removed, NULL, add, &error);
    check (g_strcmp0 (removed, removed_twice) == 0, name, "removal left something to remove", text);
    if (editors[e].exact_revert && removed_first != NULL && g_str_equal (removed_first, text))
      check (g_str_equal (removed, text), name, "removal does not undo the add", text);
  }
}

static void
run_readers (const char *text)
{
  g_autofree char *grub = pt_read_grub_default (text, NULL);
  g_autofree char *grub_linux = pt_read_grub_default (text, "GRUB_CMDLINE_LINUX");
  g_autofree char *entry = pt_read_entry_options (text);
  g_autofree char *limine = pt_read_default_limine (text);
  g_auto(GStrv) mods = pt_read_mkinitcpio_modules (text, NULL);
  g_auto(GStrv) typos = pt_scan_cmdline_typos (text);
  g_autoptr(GArray) lines = g_array_new (FALSE, FALSE, sizeof (guint));
  g_auto(GStrv) vfio = pt_scan_modprobe_vfio (text, lines);
  gboolean kernelopts = pt_entry_uses_kernelopts (text);

  check (g_strv_length (vfio) == lines->len, "scan-modprobe", "lines and texts disagree", text);
  (void) kernelopts;
}

static void
run_renderers (const char *text)
{
  /* the input's words as module names and IDs: most must be refused */
  g_auto(GStrv) words = g_strsplit_set (text, " \t\n,", 8);
  PtModprobeConf conf = { .softdep_drivers = (const char *const *) words,
                          .vfio_ids = (const char *const *) words,
                          .disable_vga = TRUE, .unsafe_interrupts = TRUE };
  g_autofree char *modprobe = pt_render_modprobe_conf (&conf);
  g_autofree char *dracut = pt_render_dracut_conf ((const char *const *) words);
  g_autofree char *mkinit = pt_render_mkinitcpio_dropin ((const char *const *) words);

  if (modprobe != NULL)
    check (strstr (modprobe, "\ninstall") == NULL, "render-modprobe", "an install line", text);
  if (dracut != NULL)
    check (strchr (strstr (dracut, "force_drivers") ? strstr (dracut, "force_drivers") : "", '$') == NULL,
           "render-dracut", "a $ in the drop-in", text);
  (void) mkinit;
}

/* What FUZZ_EDITOR chose: ALL, an index of editors[], or READERS / RENDERERS
 * for the scanners and renderers alone. */
enum { ALL = -1, READERS = G_N_ELEMENTS (editors), RENDERERS };

static int
chosen_part (void)
{
  static int chosen = -2;

  if (chosen == -2)
    {
      const char *name = g_getenv ("FUZZ_EDITOR");

      chosen = ALL;
      if (name != NULL && *name != '\0')
        {
          chosen = -2;
          for (guint e = 0; e < G_N_ELEMENTS (editors); e++)
            if (g_str_equal (name, editors[e].name))
              chosen = (int) e;
          if (g_str_equal (name, "readers"))
            chosen = READERS;
          else if (g_str_equal (name, "renderers"))
            chosen = RENDERERS;
          if (chosen == -2)
            {
              fprintf (stderr, "fuzz-edit: FUZZ_EDITOR=%s names no editor\n", name);
              exit (2);
            }
        }
    }
  return chosen;
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *text = NULL;
  int part = chosen_part ();
  guint set;

  if (size > 64 * 1024)
    return 0;
  text = g_strndup ((const char *) data, size);
  set = size > 0 ? data[size - 1] % 3 : 0;
  for (guint e = 0; e < G_N_ELEMENTS (editors); e++)
    if (part == ALL || part == (int) e)
      run_editor (e, text, set);
  if (part == ALL || part == READERS)
    run_readers (text);
  if (part == ALL || part == RENDERERS)
    run_renderers (text);
  return 0;
}
