/* pt-boot-paths.c: the table of boot paths (pt-boot-path.h), and what is
 * built from it: the editors a state may name and the transaction's
 * allow-list.  Adding a boot path is one file in bootpaths/ and one row
 * here (docs/boot-paths.md).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "pt-boot-path.h"
#include "pt-bootsetup.h"
#include "pt-edit.h"

extern const PtBootPath pt_boot_path_grub;
extern const PtBootPath pt_boot_path_grub_bls;
extern const PtBootPath pt_boot_path_systemd_boot;
extern const PtBootPath pt_boot_path_kernelstub;
extern const PtBootPath pt_boot_path_rpm_ostree;
extern const PtBootPath pt_boot_path_kernel_cmdline;
extern const PtBootPath pt_boot_path_limine;
extern const PtBootPath pt_boot_path_refind;
extern const PtBootPath pt_boot_path_mkinitcpio_uki;
extern const PtBootPath pt_boot_path_dracut_uki;

/* In detection order: a boot path that reads what another detected
 * (the UKI paths read systemd-boot's entries) comes after it. */
const PtBootPath *const pt_boot_paths[] = {
  &pt_boot_path_grub,
  &pt_boot_path_grub_bls,
  &pt_boot_path_systemd_boot,
  &pt_boot_path_kernelstub,
  &pt_boot_path_rpm_ostree,
  &pt_boot_path_kernel_cmdline,
  &pt_boot_path_limine,
  &pt_boot_path_refind,
  &pt_boot_path_mkinitcpio_uki,
  &pt_boot_path_dracut_uki,
  NULL,
};

const PtBootPath *
pt_boot_path_find (const char *name)
{
  for (guint i = 0; name != NULL && pt_boot_paths[i] != NULL; i++)
    if (g_str_equal (pt_boot_paths[i]->name, name))
      return pt_boot_paths[i];
  return NULL;
}

const PtBootPath *
pt_boot_path_for_cmd_kind (const char *cmd_kind)
{
  for (guint i = 0; cmd_kind != NULL && pt_boot_paths[i] != NULL; i++)
    if (g_strcmp0 (pt_boot_paths[i]->cmd_kind, cmd_kind) == 0)
      return pt_boot_paths[i];
  return NULL;
}

const char *
pt_boot_path_name (const PtBootPath *path)
{
  return path != NULL ? path->name : "none";
}

char *
pt_boot_path_dup_names (void)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; pt_boot_paths[i] != NULL; i++)
    {
      if (s->len > 0)
        g_string_append (s, ", ");
      g_string_append (s, pt_boot_paths[i]->name);
    }
  return g_string_free (s, FALSE);
}

/* ---- the initramfs generators' editors and files ---------------------- */

static char *
edit_mkinitcpio (const char *text, const char *argument, const char *const *add,
                 const char *const *remove, GError **error)
{
  return pt_edit_mkinitcpio_modules (text, add, remove, error);
}

static char *
edit_module_lines (const char *text, const char *argument, const char *const *add,
                   const char *const *remove, GError **error)
{
  return pt_edit_module_lines (text, add, remove, error);
}

static char *
edit_booster (const char *text, const char *argument, const char *const *add,
              const char *const *remove, GError **error)
{
  return pt_edit_booster_modules (text, add, remove, error);
}

static const PtBootEditor editor_mkinitcpio = { "mkinitcpio", FALSE, edit_mkinitcpio, TRUE, FALSE };
static const PtBootEditor editor_module_lines = { "module-lines", FALSE, edit_module_lines, TRUE, FALSE };
static const PtBootEditor editor_booster = { "booster", FALSE, edit_booster, TRUE, FALSE };

const PtBootEditor *const pt_boot_initramfs_editors[] = {
  &editor_mkinitcpio, &editor_module_lines, &editor_booster, NULL,
};

const PtBootWrite pt_boot_initramfs_writes[] = {
  { "/etc/modprobe.d/passthrough.conf" },
  { "/etc/dracut.conf.d/passthrough.conf" },
  { "/etc/mkinitcpio.conf.d/passthrough.conf" },
  { "/etc/mkinitcpio.conf" },
  { "/etc/initramfs-tools/modules" },
  { "/etc/booster.yaml" },
  { NULL },
};

static const PtBootEditor *
match_editor (const PtBootEditor *const *editors,
              const char                *stored_name,
              const char               **out_argument)
{
  for (guint i = 0; editors != NULL && editors[i] != NULL; i++)
    {
      const PtBootEditor *e = editors[i];
      if (e->prefix && g_str_has_prefix (stored_name, e->name))
        {
          *out_argument = stored_name + strlen (e->name);
          return e;
        }
      if (!e->prefix && g_str_equal (stored_name, e->name))
        {
          *out_argument = NULL;
          return e;
        }
    }
  return NULL;
}

const PtBootEditor *
pt_boot_editor_find (const char  *stored_name,
                     const char **out_argument)
{
  const PtBootEditor *e;
  const char *argument = NULL;

  for (guint i = 0; pt_boot_paths[i] != NULL; i++)
    if ((e = match_editor (pt_boot_paths[i]->editors, stored_name, &argument)) != NULL)
      break;
  if (e == NULL)
    e = match_editor (pt_boot_initramfs_editors, stored_name, &argument);
  if (out_argument != NULL)
    *out_argument = argument;
  return e;
}

/* ---- the allow-list --------------------------------------------------- */

gboolean
pt_boot_write_matches (const PtBootWrite *write,
                       const char        *system_path)
{
  const char *name;

  if (write->suffix == NULL)
    return g_str_equal (system_path, write->path);
  if (!g_str_has_prefix (system_path, write->path))
    return FALSE;
  name = system_path + strlen (write->path);
  return name[0] != '\0' && name[0] != '.' && strchr (name, '/') == NULL &&
         g_str_has_suffix (name, write->suffix) && strlen (name) > strlen (write->suffix);
}

static gboolean
writes_match (const PtBootWrite *writes,
              const char        *system_path)
{
  for (guint i = 0; writes != NULL && writes[i].path != NULL; i++)
    if (pt_boot_write_matches (&writes[i], system_path))
      return TRUE;
  return FALSE;
}

gboolean
pt_boot_paths_may_write (PtPaths    *paths,
                         const char *system_path)
{
  if (writes_match (pt_boot_initramfs_writes, system_path))
    return TRUE;
  for (guint i = 0; pt_boot_paths[i] != NULL; i++)
    if (writes_match (pt_boot_paths[i]->writes, system_path))
      return TRUE;
  for (guint i = 0; pt_boot_paths[i] != NULL; i++)
    if (pt_boot_paths[i]->may_write_detected != NULL &&
        pt_boot_paths[i]->may_write_detected (paths, system_path))
      return TRUE;
  return FALSE;
}
