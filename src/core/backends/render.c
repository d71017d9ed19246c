/* render.c: the files Passthrough writes whole.
 *
 * These end up root-owned and are read by modprobe, dracut (a shell) and
 * mkinitcpio (bash), so every module name and device ID is checked against
 * a strict grammar first; anything else and the renderer returns NULL
 * rather than a file.  There is never an "install" line: modprobe runs
 * those as commands.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "pt-edit.h"
#include "pt-edit-private.h"

#define HEADER_WHO "# Written by Passthrough (com.example.Passthrough): it hands the chosen\n" \
                   "# PCI devices to vfio-pci at boot.\n"
#define HEADER_UNDO "# To undo, run “passthroughctl revert” (or remove this file and rebuild\n" \
                    "# the initramfs).  Changes made here by hand are lost on the next apply.\n"

static gboolean
all_valid (const char *const *list,
           gboolean (*check) (const char *))
{
  for (gsize i = 0; list != NULL && list[i] != NULL; i++)
    if (!check (list[i]))
      return FALSE;
  return TRUE;
}

/* Adds @name to @out unless an equivalent ('-' == '_') is there. */
static void
add_unique_module (GPtrArray  *out,
                   const char *name)
{
  for (guint i = 0; i < out->len; i++)
    if (pt_words_equivalent (PT_WORDS_MODULES, g_ptr_array_index (out, i), name))
      return;
  g_ptr_array_add (out, (gpointer) name);
}

char *
pt_render_modprobe_conf (const PtModprobeConf *conf)
{
  GString *out;
  g_autoptr(GPtrArray) drivers = g_ptr_array_new ();
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);

  if (conf == NULL)
    return NULL;
  if (!all_valid (conf->softdep_drivers, pt_edit_valid_module)
      || !all_valid (conf->vfio_ids, pt_edit_valid_id)
      || !all_valid (conf->pci_stub_ids, pt_edit_valid_id))
    return NULL;

  for (gsize i = 0; conf->softdep_drivers && conf->softdep_drivers[i]; i++)
    {
      /* vfio-pci cannot be its own soft dependency */
      if (pt_words_equivalent (PT_WORDS_MODULES, conf->softdep_drivers[i], "vfio_pci"))
        continue;
      add_unique_module (drivers, conf->softdep_drivers[i]);
    }
  for (gsize i = 0; conf->vfio_ids && conf->vfio_ids[i]; i++)
    {
      char *id = g_ascii_strdown (conf->vfio_ids[i], -1);
      if (!g_ptr_array_find_with_equal_func (ids, id, g_str_equal, NULL))
        g_ptr_array_add (ids, id);
      else
        g_free (id);
    }

  out = g_string_new (HEADER_WHO HEADER_UNDO);
  if (drivers->len > 0)
    {
      g_string_append (out, "\n# Load vfio-pci before these drivers, so it can claim the devices first.\n");
      for (guint i = 0; i < drivers->len; i++)
        g_string_append_printf (out, "softdep %s pre: vfio-pci\n", (const char *) g_ptr_array_index (drivers, i));
    }
  if (ids->len > 0 || conf->disable_vga || conf->disable_idle_d3)
    {
      g_string_append (out, "\n");
      if (ids->len > 0)
        {
          g_ptr_array_add (ids, NULL);
          g_autofree char *joined = g_strjoinv (",", (char **) ids->pdata);
          g_string_append (out, "# This system has no kernel command line Passthrough can edit, so the\n"
                                "# device IDs are given here.\n");
          g_string_append_printf (out, "options vfio-pci ids=%s\n", joined);
        }
      if (conf->disable_vga)
        g_string_append (out, "options vfio-pci disable_vga=1\n");
      if (conf->disable_idle_d3)
        g_string_append (out, "# Idle devices stay awake: some cards do not come back from D3cold.\n"
                              "options vfio-pci disable_idle_d3=1\n");
    }
  if (conf->unsafe_interrupts)
    g_string_append (out, "\n# This machine has no interrupt remapping; the person chose to allow\n"
                          "# passthrough anyway, which lets a guest inject interrupts into the host.\n"
                          "options vfio_iommu_type1 allow_unsafe_interrupts=1\n");
  return g_string_free (out, FALSE);
}

static GPtrArray *
unique_modules (const char *const *modules)
{
  GPtrArray *out = g_ptr_array_new ();

  for (gsize i = 0; modules != NULL && modules[i] != NULL; i++)
    add_unique_module (out, modules[i]);
  return out;
}

char *
pt_render_dracut_conf (const char *const *modules)
{
  g_autoptr(GPtrArray) mods = NULL;
  GString *out;

  if (!all_valid (modules, pt_edit_valid_module))
    return NULL;
  mods = unique_modules (modules);
  out = g_string_new (HEADER_WHO HEADER_UNDO);
  if (mods->len > 0)
    {
      /* dracut joins force_drivers from every file: the blanks inside the
       * quotes keep our names apart from the neighbours'. */
      g_string_append (out, "\nforce_drivers+=\" ");
      for (guint i = 0; i < mods->len; i++)
        g_string_append_printf (out, "%s ", (const char *) g_ptr_array_index (mods, i));
      g_string_append (out, "\"\n");
    }
  return g_string_free (out, FALSE);
}

char *
pt_render_mkinitcpio_dropin (const char *const *modules)
{
  g_autoptr(GPtrArray) mods = NULL;
  GString *out;

  if (!all_valid (modules, pt_edit_valid_module))
    return NULL;
  mods = unique_modules (modules);
  out = g_string_new (HEADER_WHO HEADER_UNDO);
  if (mods->len > 0)
    {
      g_string_append (out, "\nMODULES+=(");
      for (guint i = 0; i < mods->len; i++)
        g_string_append_printf (out, "%s%s", i ? " " : "", (const char *) g_ptr_array_index (mods, i));
      g_string_append (out, ")\n");
    }
  return g_string_free (out, FALSE);
}
