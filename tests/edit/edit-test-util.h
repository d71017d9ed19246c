/* edit-test-util.h: one call shape for every editor, so tests can loop.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "pt-edit.h"

typedef enum
{
  EDIT_CMDLINE,
  EDIT_GRUB_DEFAULT,          /* GRUB_CMDLINE_LINUX_DEFAULT */
  EDIT_GRUB_LINUX,            /* GRUB_CMDLINE_LINUX */
  EDIT_ENTRY,
  EDIT_GRUBENV,
  EDIT_KERNEL_CMDLINE,
  EDIT_LIMINE_CONF,
  EDIT_DEFAULT_LIMINE,
  EDIT_REFIND,
  EDIT_MKINITCPIO,
  EDIT_MODULE_LINES,
  EDIT_BOOSTER,
  EDIT_N_KINDS
} EditKind;

static inline gboolean
edit_kind_takes_modules (EditKind kind)
{
  return kind == EDIT_MKINITCPIO || kind == EDIT_MODULE_LINES || kind == EDIT_BOOSTER;
}

static inline const char *
edit_kind_name (EditKind kind)
{
  static const char *const names[] = {
    "cmdline", "grub-default", "grub-linux", "entry", "grubenv", "kernel-cmdline",
    "limine-conf", "default-limine", "refind", "mkinitcpio", "module-lines", "booster",
  };
  return names[kind];
}

static inline char *
edit_run (EditKind           kind,
          const char        *text,
          const char *const *add,
          const char *const *remove,
          GError           **error)
{
  switch (kind)
    {
    case EDIT_CMDLINE:        return pt_edit_cmdline (text, add, remove, error);
    case EDIT_GRUB_DEFAULT:   return pt_edit_grub_default (text, NULL, add, remove, error);
    case EDIT_GRUB_LINUX:     return pt_edit_grub_default (text, "GRUB_CMDLINE_LINUX", add, remove, error);
    case EDIT_ENTRY:          return pt_edit_entry_options (text, add, remove, error);
    case EDIT_GRUBENV:        return pt_edit_grubenv_kernelopts (text, add, remove, error);
    case EDIT_KERNEL_CMDLINE: return pt_edit_kernel_cmdline_file (text, add, remove, error);
    case EDIT_LIMINE_CONF:    return pt_edit_limine_conf (text, add, remove, error);
    case EDIT_DEFAULT_LIMINE: return pt_edit_default_limine (text, add, remove, error);
    case EDIT_REFIND:         return pt_edit_refind_linux_conf (text, add, remove, error);
    case EDIT_MKINITCPIO:     return pt_edit_mkinitcpio_modules (text, add, remove, error);
    case EDIT_MODULE_LINES:   return pt_edit_module_lines (text, add, remove, error);
    case EDIT_BOOSTER:        return pt_edit_booster_modules (text, add, remove, error);
    case EDIT_N_KINDS:        break;
    }
  g_assert_not_reached ();
}
