/* dracut-uki.c: unified kernel images built by dracut (a row of the
 * boot-path table, pt-boot-path.h; docs/boot-paths.md).
 *
 * dracut reads /etc/dracut.conf, then the *.conf of /usr/lib/dracut/
 * dracut.conf.d and /etc/dracut.conf.d sorted by name (a name in /etc hides
 * the same name in /usr/lib), as shell: a later assignment wins, += appends.
 * uefi=yes makes it build a UKI; kernel_cmdline="…" is then the image's
 * whole command line, in place of the one dracut would write itself
 * (root=, rd.luks…, with hostonly_cmdline).  So:
 *   - where kernel_cmdline is set, ours goes into the file whose assignment
 *     wins, appended to its value (editor "shell-var:kernel_cmdline");
 *   - where it is not, a drop-in of ours, /etc/dracut.conf.d/
 *     passthrough-cmdline.conf, sets it to the running command line's root
 *     and storage arguments plus ours; revert deletes it and dracut writes
 *     its own again.
 * "dracut --regenerate-all --force" rebuilds the images (the distribution's
 * kernel-install hook runs the same on the next kernel).
 *
 * No trial: the command line is inside the image.  The way back: with
 * Secure Boot (or uefi_secureboot_cert=, dracut signing the image) the
 * stub ignores an edited command line, and with no boot menu there is none
 * to edit: way-back-unavailable says so.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "pt-boot-path.h"
#include "pt-bootsetup.h"
#include "pt-cmdline.h"
#include "pt-edit.h"
#include "pt-error.h"
#include "pt-plan-build.h"

#define NAME "dracut-uki"
#define MAIN_CONF "/etc/dracut.conf"
#define ETC_CONF_D "/etc/dracut.conf.d"
#define LIB_CONF_D "/usr/lib/dracut/dracut.conf.d"
#define DROPIN "/etc/dracut.conf.d/passthrough-cmdline.conf"
#define VARIABLE "kernel_cmdline"

typedef struct
{
  char     *uefi_from;      /* the file whose uefi= wins */
  char     *cmdline_from;   /* the file whose plain kernel_cmdline= wins, NULL: not set */
  gboolean  appended;       /* kernel_cmdline+= after it, or without one */
  gboolean  signs;          /* uefi_secureboot_cert= set: dracut signs the images */
} DracutUki;

static void
dracut_uki_free (DracutUki *d)
{
  g_free (d->uefi_from);
  g_free (d->cmdline_from);
  g_free (d);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* The configuration files in the order dracut sources them. */
static GPtrArray *
conf_files (PtPaths *paths)
{
  g_autoptr(GPtrArray) etc = pt_boot_setup_list_conf (paths, ETC_CONF_D);
  g_autoptr(GPtrArray) lib = pt_boot_setup_list_conf (paths, LIB_CONF_D);
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  GPtrArray *files = g_ptr_array_new_with_free_func (g_free);

  if (pt_boot_setup_exists (paths, MAIN_CONF))
    g_ptr_array_add (files, g_strdup (MAIN_CONF));
  for (guint i = 0; i < etc->len; i++)
    g_ptr_array_add (names, g_ptr_array_index (etc, i));
  for (guint i = 0; i < lib->len; i++)
    if (!g_ptr_array_find_with_equal_func (etc, g_ptr_array_index (lib, i), g_str_equal, NULL))
      g_ptr_array_add (names, g_ptr_array_index (lib, i));
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      const char *dir = g_ptr_array_find_with_equal_func (etc, name, g_str_equal, NULL) ? ETC_CONF_D : LIB_CONF_D;
      g_ptr_array_add (files, g_build_filename (dir, name, NULL));
    }
  return files;
}

/* Whether @text sets @name with a plain "=" (not only "+="): read after a
 * marker value, the file's own assignment replaces the marker. */
static gboolean
assigns_plainly (const char *text,
                 const char *name)
{
  g_autofree char *after_marker = g_strdup_printf ("%s=\"pt-marker\"\n%s", name, text);
  g_autofree char *value = pt_read_shell_words (after_marker, name);

  return value != NULL && strstr (value, "pt-marker") == NULL;
}

static DracutUki *
read_dracut (PtPaths *paths)
{
  g_autoptr(GPtrArray) files = conf_files (paths);
  g_autofree char *uefi = NULL;
  DracutUki *d = g_new0 (DracutUki, 1);

  for (guint i = 0; i < files->len; i++)
    {
      const char *file = g_ptr_array_index (files, i);
      g_autofree char *text = pt_boot_setup_read (paths, file);
      g_autofree char *value = text ? pt_read_shell_words (text, "uefi") : NULL;
      g_autofree char *cmdline = text ? pt_read_shell_words (text, VARIABLE) : NULL;
      g_autofree char *cert = text ? pt_read_shell_words (text, "uefi_secureboot_cert") : NULL;

      if (value != NULL)
        {
          g_free (uefi);
          uefi = g_strstrip (g_steal_pointer (&value));
          g_free (d->uefi_from);
          d->uefi_from = g_strdup (file);
        }
      /* Our own drop-in is planned whole again, from the running system. */
      if (cmdline != NULL && !g_str_equal (file, DROPIN))
        {
          if (assigns_plainly (text, VARIABLE))
            {
              g_free (d->cmdline_from);
              d->cmdline_from = g_strdup (file);
              d->appended = FALSE;
            }
          else
            d->appended = TRUE;
        }
      if (cert != NULL)
        d->signs = g_strstrip (cert)[0] != '\0';
    }
  if (uefi == NULL || !g_str_equal (uefi, "yes"))
    {
      dracut_uki_free (d);
      return NULL;
    }
  return d;
}

static PtBootEvidence
detect (PtBootSetup *setup,
        PtPaths     *paths,
        const char  *running)
{
  PtBootEvidence e = { 0 };
  DracutUki *d = read_dracut (paths);
  g_autofree char *loader = NULL;
  g_autofree char *lower = NULL;

  if (d == NULL)
    return e;
  e.candidate = TRUE;
  loader = pt_boot_setup_boot_current_loader (paths);
  lower = loader ? g_ascii_strdown (loader, -1) : NULL;
  if (lower != NULL && g_str_has_prefix (lower, "\\efi\\linux\\") && g_str_has_suffix (lower, ".efi"))
    {
      e.strong = PT_BOOT_RANK_UKI;
      e.why = g_strdup_printf (_("the firmware's current boot entry (BootCurrent) starts %s, a unified kernel image; uefi=yes in %s: dracut builds them"),
                               loader, d->uefi_from);
    }
  else if (pt_boot_setup_exists (paths, PT_EFIVAR_LOADER_INFO) && setup->esp != NULL && setup->entries->len == 0)
    {
      e.strong = PT_BOOT_RANK_UKI;
      e.why = g_strdup_printf (_("systemd-boot started this system (LoaderInfo) and has no boot entries of its own, only unified kernel images in EFI/Linux; uefi=yes in %s: dracut builds them"),
                               d->uefi_from);
    }
  pt_boot_setup_set_data (setup, NAME, d, (GDestroyNotify) dracut_uki_free);
  return e;
}

/* Where the images come from, when the evidence did not say. */
static void
settle (PtBootSetup *setup)
{
  DracutUki *d = pt_boot_setup_get_data (setup, NAME);
  char *more;

  if (d == NULL || (setup->evidence != NULL && strstr (setup->evidence, "uefi=yes") != NULL))
    return;
  more = g_strdup_printf (_("%s%suefi=yes in %s: dracut builds unified kernel images into EFI/Linux on the EFI system partition"),
                          setup->evidence ? setup->evidence : "", setup->evidence ? "; " : "", d->uefi_from);
  g_free (setup->evidence);
  setup->evidence = more;
}

/* The running command line's words that find and open the root file
 * system: what dracut would have written itself. */
static gboolean
is_storage_argument (const char *key)
{
  static const char *const keys[] = {
    "root", "rootflags", "rootfstype", "ro", "rw", "rootwait", "resume", "resume_offset",
    "cryptdevice", "cryptkey", "zfs", "boot", "netroot", "nfsroot", "ip", "rd.auto", "rd.neednet",
  };
  static const char *const prefixes[] = {
    "rd.luks", "rd.lvm", "rd.md", "rd.dm", "rd.zfs", "rd.iscsi", "rd.multipath", "rd.nfs",
  };

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    if (g_str_equal (key, keys[i]))
      return TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (prefixes); i++)
    if (g_str_has_prefix (key, prefixes[i]))
      return TRUE;
  return FALSE;
}

static gboolean
plan_cmdline (PtPlan      *self,
              Ctx         *ctx,
              const char  *running,
              GError     **error)
{
  DracutUki *d = pt_boot_setup_get_data (self->setup, NAME);
  g_autoptr(GPtrArray) tokens = NULL;
  GString *text;

  if (d == NULL)
    {
      /* Chosen with the option "bootloader" but not found here: the
       * blocker bootloader-not-found says so; there is nothing to edit. */
      return TRUE;
    }
  if (d->cmdline_from != NULL)
    {
      if (!g_str_has_prefix (d->cmdline_from, "/etc/"))
        {
          g_set_error (error, PT_ERROR, PT_ERROR_BLOCKED,
                       _("The command line of dracut's images is set in %s, a file of a package that Passthrough does not edit. Copy it to %s/ under the same name and try again; nothing was changed."),
                       d->cmdline_from, ETC_CONF_D);
          return FALSE;
        }
      return pt_plan_target_edit (self, ctx, d->cmdline_from, "shell-var:" VARIABLE, self->kernel_args,
                                  NULL, FALSE, FALSE, error);
    }
  if (d->appended)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_BLOCKED,
                   _("dracut's configuration only appends to kernel_cmdline (kernel_cmdline+=) and never sets it, so Passthrough cannot tell the images' whole command line. Set kernel_cmdline=\"…\" in one file of %s and try again; nothing was changed."),
                   ETC_CONF_D);
      return FALSE;
    }
  /* Not set: dracut would write root= and the storage arguments itself; a
   * kernel_cmdline of ours replaces that, so it carries them. */
  text = g_string_new ("# Passthrough's command line for the unified kernel images dracut builds: the root and storage\n"
                       "# arguments of the running system and the VFIO ones; “passthroughctl revert” removes this file.\n"
                       VARIABLE "=\" ");
  tokens = pt_cmdline_tokenize (running ? running : "");
  for (guint i = 0; i < tokens->len; i++)
    {
      PtCmdlineToken *t = g_ptr_array_index (tokens, i);
      if (is_storage_argument (t->key))
        g_string_append_printf (text, "%s ", t->text);
    }
  for (guint i = 0; i < self->kernel_args->len; i++)
    g_string_append_printf (text, "%s ", (char *) g_ptr_array_index (self->kernel_args, i));
  g_string_append (text, "\"\n");
  return pt_plan_target_whole (self, ctx, DROPIN, g_string_free (text, FALSE), FALSE, error);
}

static char *
edit_shell_var (const char *text, const char *argument, const char *const *add,
                const char *const *remove, GError **error)
{
  return pt_edit_grub_default (text, argument, add, remove, error);
}

/* "shell-var:kernel_cmdline": the value of the last live assignment. */
static const PtBootEditor editor_shell_var = { "shell-var:", TRUE, edit_shell_var, FALSE, FALSE };
static const PtBootEditor *const editors[] = { &editor_shell_var, NULL };

static const PtBootWrite writes[] = {
  { DROPIN },
  { NULL },
};

/* The file whose kernel_cmdline= wins, as detection finds it (only /etc). */
static gboolean
may_write_detected (PtPaths    *paths,
                    const char *system_path)
{
  DracutUki *d;
  gboolean found;

  if (!g_str_equal (system_path, MAIN_CONF) && !g_str_has_prefix (system_path, ETC_CONF_D "/"))
    return FALSE;
  d = read_dracut (paths);
  if (d == NULL)
    return FALSE;
  found = g_strcmp0 (d->cmdline_from, system_path) == 0;
  dracut_uki_free (d);
  return found;
}

static void
regenerate (PtPlan  *self,
            PtPaths *paths)
{
  static const char *const argv[] = { "dracut", "--regenerate-all", "--force", NULL };

  if (!pt_plan_has_command (self, argv))
    pt_plan_add_command (self, FALSE, "dracut", "--regenerate-all", "--force", NULL);
}

static void
check_trial (PtPlan  *self,
             PtPaths *paths)
{
  pt_plan_trial_inside_image (self, "dracut", "dracut --regenerate-all --force");
}

static gboolean
plan_way_back (PtPlan      *self,
               Ctx         *ctx,
               GError     **error)
{
  DracutUki *d = pt_boot_setup_get_data (self->setup, NAME);
  g_autofree char *why = NULL;

  if (d == NULL)
    return TRUE;
  if (pt_boot_setup_secure_boot (ctx->paths) || d->signs)
    why = g_strdup (_("Secure Boot is on (or dracut signs the images: uefi_secureboot_cert=), so the stub in the image ignores a command line edited at the boot menu."));
  else if (self->setup->esp == NULL)
    why = g_strdup (_("The firmware starts the image itself, with no boot menu where its command line could be edited."));
  else
    return TRUE;   /* systemd-boot's menu edits the command line: the way back */
  pt_plan_add_issue (self->warnings, "way-back-unavailable", NULL,
                     g_strdup_printf (_("No way back without the Passthrough arguments can be offered at boot: %s dracut builds no image without them (a rescue image carries the same command line). If the host does not come back, start a rescue system and run “passthroughctl --root /mnt revert” on the mounted root, then rebuild the images with “dracut --regenerate-all --force”."),
                                      why));
  return TRUE;
}

const PtBootPath pt_boot_path_dracut_uki = {
  .name = NAME,
  .title = "dracut UKI",
  .status_reads = "the running command line (/proc/cmdline), which the stub takes from the image",
  .detect = detect,
  .settle = settle,
  .editors = editors,
  .writes = writes,
  .may_write_detected = may_write_detected,
  .plan_cmdline = plan_cmdline,
  .regenerate = regenerate,
  .check_trial = check_trial,
  .no_trial = N_("a unified kernel image built by dracut (its command line is inside the image: a one-shot entry cannot give it another one)"),
  .plan_way_back = plan_way_back,
};
