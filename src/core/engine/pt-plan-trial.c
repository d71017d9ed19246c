/* pt-plan-trial.c: the one-shot trial part of a plan (safe first boot,
 * DESIGN.md "Boot setup"; proven in the lab with grub-reboot and bootctl
 * set-oneshot): a trial entry carrying our tokens, armed for one boot.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <stdio.h>
#include <string.h>

#include "pt-cmdline.h"
#include "pt-edit.h"
#include "pt-error.h"
#include "pt-plan-build.h"

/* ---- the one-shot trial (issue 7, vmlab Step 8) ----------------------- */

/* The grub.cfg that update-grub / grub-mkconfig -o writes. */
const char *
pt_plan_grub_cfg_path (PtBootSetup *setup)
{
  for (guint i = 0; setup->grub_mkconfig_argv && setup->grub_mkconfig_argv[i] != NULL; i++)
    if (g_str_equal (setup->grub_mkconfig_argv[i], "-o") && setup->grub_mkconfig_argv[i + 1] != NULL)
      return setup->grub_mkconfig_argv[i + 1];
  return "/boot/grub/grub.cfg";
}

/* Where grubenv lives with BLS (Fedora: /boot/grub2). */
const char *
pt_plan_bls_grub_dir (PtPaths *paths)
{
  g_autofree char *p = pt_paths_build (paths, "boot", "grub2", NULL);
  return g_file_test (p, G_FILE_TEST_IS_DIR) ? "/boot/grub2" : "/boot/grub";
}

/* GRUB clears its one-shot choice by writing grubenv at boot, which it
 * refuses on btrfs, ZFS, LVM, md RAID and LUKS: the trial would then boot
 * every time.  Read from the mount table; unknown (no mountinfo) passes. */
static char *
grubenv_unwritable_reason (PtPaths    *paths,
                           const char *grub_dir)
{
  g_autofree char *path = pt_paths_build (paths, "proc", "self", "mountinfo", NULL);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  gsize best = 0;
  char *reason = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return NULL;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) f = g_strsplit (lines[i], " ", -1);
      guint n = g_strv_length (f), dash = 0;
      const char *mnt, *fstype, *source;
      gsize len;

      for (guint k = 6; k < n; k++)
        if (g_str_equal (f[k], "-"))
          {
            dash = k;
            break;
          }
      if (n < 5 || dash == 0 || dash + 2 >= n)
        continue;
      mnt = f[4];
      fstype = f[dash + 1];
      source = f[dash + 2];
      len = strlen (mnt);
      if (!(g_str_equal (mnt, "/") ||
            (g_str_has_prefix (grub_dir, mnt) && (grub_dir[len] == '/' || grub_dir[len] == '\0'))))
        continue;
      if (len < best)
        continue;
      best = len;
      g_free (reason);
      reason = NULL;
      if (g_str_equal (fstype, "btrfs") || g_str_equal (fstype, "zfs"))
        reason = g_strdup_printf (_("%s is on %s"), grub_dir, fstype);
      else if (g_str_has_prefix (source, "/dev/mapper/") || g_str_has_prefix (source, "/dev/md") ||
               g_str_has_prefix (source, "/dev/dm-"))
        reason = g_strdup_printf (_("%s is on %s (LVM, RAID or encryption)"), grub_dir, source);
    }
  return reason;
}

void
pt_plan_check_trial (PtPlan  *self,
             PtPaths *paths)
{
  const char *why = NULL;

  switch (self->setup->bootloader)
    {
    case PT_BOOTLOADER_GRUB:
    case PT_BOOTLOADER_GRUB_BLS:
      {
        g_autofree char *dir = self->setup->bootloader == PT_BOOTLOADER_GRUB_BLS ?
                               g_strdup (pt_plan_bls_grub_dir (paths)) : g_path_get_dirname (pt_plan_grub_cfg_path (self->setup));
        g_autofree char *reason = grubenv_unwritable_reason (paths, dir);
        if (reason != NULL)
          pt_plan_add_issue (self->blockers, "trial-unavailable", NULL,
                     g_strdup_printf (_("A one-shot trial is not safe here: %s, where GRUB cannot clear its one-shot choice, so the trial would boot every time. Apply without --trial: any boot entry without the Passthrough arguments (edit the command line at the boot menu) still boots the host as before."),
                                      reason));
        return;
      }
    case PT_BOOTLOADER_SYSTEMD_BOOT:
      return;
    case PT_BOOTLOADER_KERNELSTUB:
      why = _("kernelstub");
      break;
    case PT_BOOTLOADER_RPM_OSTREE:
      why = _("rpm-ostree");
      break;
    case PT_BOOTLOADER_LIMINE:
      why = _("Limine");
      break;
    case PT_BOOTLOADER_REFIND:
      why = _("rEFInd");
      break;
    case PT_BOOTLOADER_KERNEL_CMDLINE:
      why = _("a command line in /etc/kernel/cmdline");
      break;
    case PT_BOOTLOADER_NONE:
      return;   /* already a blocker of its own */
    }
  pt_plan_add_issue (self->blockers, "trial-unavailable", NULL,
             g_strdup_printf (_("A one-shot trial boot is not available with %s in this version (it works with GRUB and systemd-boot). Apply without --trial: any boot entry without the Passthrough arguments still boots the host as before (edit the command line at the boot menu), and “passthroughctl revert” undoes everything."),
                              why));
}

/* The GRUB trial: a copy of the first (default) menuentry of grub.cfg with
 * our arguments on its linux line, in custom.cfg beside it (the stock
 * 41_custom sources it at boot: no executable file, no update-grub). */
static char *
grub_trial_block (PtPlan      *self,
                  Ctx         *ctx,
                  GError     **error)
{
  const char *cfg = pt_plan_grub_cfg_path (self->setup);
  g_autofree char *text = pt_engine_read_file (ctx->paths, cfg, NULL, error);
  g_auto(GStrv) lines = NULL;
  GString *out;
  gboolean inside = FALSE, found_linux = FALSE;

  if (text == NULL)
    {
      if (error && *error == NULL)
        g_set_error (error, PT_ERROR, PT_ERROR_NOT_FOUND,
                     _("%s is missing, so there is no default entry to copy for the trial; run update-grub once, or apply without --trial."), cfg);
      return NULL;
    }
  out = g_string_new (PT_TRIAL_BEGIN "\n"
                      "menuentry 'Passthrough trial' --id passthrough-trial {\n");
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];
      if (!inside)
        {
          if (g_str_has_prefix (line, "menuentry ") && g_str_has_suffix (g_strchomp ((char *) line), "{"))
            inside = TRUE;
          continue;
        }
      if (g_str_equal (line, "}"))
        break;
      {
        const char *p = line;
        while (*p == ' ' || *p == '\t')
          p++;
        if (g_str_has_prefix (p, "linux") && (p[5] == ' ' || p[5] == '\t'))
          {
            /* "linux PATH ARGS…": our tokens go into ARGS. */
            const char *path = p + 5, *args;
            g_autofree char *prefix = NULL;
            g_autofree char *edited = NULL;
            while (*path == ' ' || *path == '\t')
              path++;
            args = path;
            while (*args != '\0' && *args != ' ' && *args != '\t')
              args++;
            prefix = g_strndup (line, args - line);
            while (*args == ' ' || *args == '\t')
              args++;
            edited = pt_edit_cmdline (args, (const char *const *) self->kernel_args->pdata, NULL, error);
            if (edited == NULL)
              {
                g_string_free (out, TRUE);
                return NULL;
              }
            g_string_append_printf (out, "%s %s\n", prefix, edited);
            found_linux = TRUE;
            continue;
          }
      }
      g_string_append (out, line);
      g_string_append_c (out, '\n');
    }
  if (!found_linux)
    {
      g_string_free (out, TRUE);
      g_set_error (error, PT_ERROR, PT_ERROR_PARSE,
                   _("The first menu entry of %s has no linux line to copy for the trial; apply without --trial."), cfg);
      return NULL;
    }
  g_string_append (out, "}\n" PT_TRIAL_END "\n");
  return g_string_free (out, FALSE);
}

/* The systemd-boot trial: a copy of the default entry with our arguments,
 * titled as the trial, without sort-key (vmlab Step 8), in a file named so
 * that it sorts after the usual entries; removed at confirm and revert. */
static char *
sdboot_trial_entry (PtPlan      *self,
                    Ctx         *ctx,
                    GError     **error)
{
  const char *entry = self->setup->default_entry;
  g_autofree char *current = NULL;
  g_autofree char *base = NULL;
  g_autofree char *with_args = NULL;
  g_auto(GStrv) lines = NULL;
  GString *out;

  if (entry == NULL)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_NOT_FOUND,
                   _("systemd-boot has no entry to copy for the trial; apply without --trial."));
      return NULL;
    }
  current = pt_engine_read_file (ctx->paths, entry, NULL, error);
  if (current == NULL && error && *error)
    return NULL;
  if (!pt_plan_compute_base (ctx, entry, current, &base, error))
    return NULL;
  with_args = pt_edit_entry_options (base ? base : "", (const char *const *) self->kernel_args->pdata, NULL, error);
  if (with_args == NULL)
    {
      g_prefix_error (error, _("%s: "), entry);
      return NULL;
    }
  out = g_string_new ("# Passthrough trial: booted once by “bootctl set-oneshot”, removed at confirm or revert.\n");
  lines = g_strsplit (with_args, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];
      if (lines[i + 1] == NULL && line[0] == '\0')
        break;
      if (g_str_has_prefix (line, "sort-key"))
        continue;
      if (g_str_has_prefix (line, "title"))
        g_string_append_printf (out, "%s (Passthrough trial)\n", line);
      else
        {
          g_string_append (out, line);
          g_string_append_c (out, '\n');
        }
    }
  return g_string_free (out, FALSE);
}

/* The GRUB-with-BLS trial: a copy of the newest entry as its own BLS file
 * (GRUB's blscfg names the menu entry after the file, so grub2-reboot
 * takes "passthrough-trial"); an entry whose options are $kernelopts gets
 * the value from grubenv written out. */
static char *
bls_trial_entry (PtPlan      *self,
                 Ctx         *ctx,
                 GError     **error)
{
  const char *entry = NULL;
  g_autofree char *current = NULL;
  g_autofree char *base = NULL;
  g_autofree char *expanded = NULL;
  g_autofree char *with_args = NULL;
  g_auto(GStrv) lines = NULL;
  GString *out;

  for (guint i = 0; i < self->setup->bls_entries->len; i++)
    {
      const char *e = g_ptr_array_index (self->setup->bls_entries, i);
      if (strstr (e, "rescue") == NULL && strstr (e, "/passthrough-") == NULL)
        entry = e;
    }
  if (entry == NULL)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_NOT_FOUND,
                   _("There is no boot entry in /boot/loader/entries to copy for the trial; apply without --trial."));
      return NULL;
    }
  current = pt_engine_read_file (ctx->paths, entry, NULL, error);
  if (current == NULL && error && *error)
    return NULL;
  if (!pt_plan_compute_base (ctx, entry, current, &base, error))
    return NULL;
  if (base != NULL && pt_entry_uses_kernelopts (base))
    {
      g_autofree char *env_path = g_build_filename (pt_plan_bls_grub_dir (ctx->paths), "grubenv", NULL);
      g_autofree char *env = pt_engine_read_file (ctx->paths, env_path, NULL, NULL);
      g_auto(GStrv) env_lines = env ? g_strsplit (env, "\n", -1) : NULL;
      const char *kernelopts = NULL;
      g_auto(GStrv) entry_lines = g_strsplit (base, "\n", -1);
      GString *x = g_string_new (NULL);

      for (guint i = 0; env_lines && env_lines[i] != NULL; i++)
        if (g_str_has_prefix (env_lines[i], "kernelopts="))
          kernelopts = env_lines[i] + strlen ("kernelopts=");
      if (kernelopts == NULL)
        {
          g_string_free (x, TRUE);
          g_set_error (error, PT_ERROR, PT_ERROR_PARSE,
                       _("%s takes its arguments from $kernelopts, but %s has no kernelopts to copy for the trial; apply without --trial."),
                       entry, env_path);
          return NULL;
        }
      for (guint i = 0; entry_lines[i] != NULL; i++)
        {
          if (i > 0)
            g_string_append_c (x, '\n');
          if (g_str_has_prefix (entry_lines[i], "options") && strstr (entry_lines[i], "$kernelopts") != NULL)
            g_string_append_printf (x, "options %s", kernelopts);
          else
            g_string_append (x, entry_lines[i]);
        }
      expanded = g_string_free (x, FALSE);
    }
  with_args = pt_edit_entry_options (expanded ? expanded : (base ? base : ""),
                                     (const char *const *) self->kernel_args->pdata, NULL, error);
  if (with_args == NULL)
    {
      g_prefix_error (error, _("%s: "), entry);
      return NULL;
    }
  out = g_string_new (NULL);
  lines = g_strsplit (with_args, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];
      if (lines[i + 1] == NULL && line[0] == '\0')
        break;
      /* grubby finds entries by id: the trial must not look like one of them */
      if (g_str_has_prefix (line, "id ") || g_str_has_prefix (line, "id\t"))
        continue;
      if (g_str_has_prefix (line, "title"))
        g_string_append_printf (out, "%s (Passthrough trial)\n", line);
      else
        {
          g_string_append (out, line);
          g_string_append_c (out, '\n');
        }
    }
  return g_string_free (out, FALSE);
}

gboolean
pt_plan_trial_files (PtPlan      *self,
                  Ctx         *ctx,
                  GError     **error)
{
  if (self->setup->bootloader == PT_BOOTLOADER_GRUB)
    {
      g_autofree char *dir = g_path_get_dirname (pt_plan_grub_cfg_path (self->setup));
      g_autofree char *custom = g_build_filename (dir, "custom.cfg", NULL);
      g_autoptr(GPtrArray) block = g_ptr_array_new_with_free_func (g_free);
      char *text = grub_trial_block (self, ctx, error);

      if (text == NULL)
        return FALSE;
      g_ptr_array_add (block, text);
      if (!pt_plan_target_edit (self, ctx, custom, "trial-block", block, NULL, FALSE, FALSE, error))
        return FALSE;
      ((PtChange *) g_ptr_array_index (self->changes, self->changes->len - 1))->quiet = TRUE;
      self->trial_command = g_strdup (strstr (dir, "grub2") ? "grub2-reboot" : "grub-reboot");
      self->trial_entry = g_strdup ("Passthrough trial");
    }
  else if (self->setup->bootloader == PT_BOOTLOADER_GRUB_BLS)
    {
      char *text = bls_trial_entry (self, ctx, error);

      if (text == NULL)
        return FALSE;
      if (!pt_plan_target_whole (self, ctx, "/boot/loader/entries/passthrough-trial.conf", text, FALSE, error))
        return FALSE;
      ((PtChange *) g_ptr_array_index (self->changes, self->changes->len - 1))->quiet = TRUE;
      self->trial_command = g_strdup (g_str_equal (pt_plan_bls_grub_dir (ctx->paths), "/boot/grub2") ? "grub2-reboot" : "grub-reboot");
      self->trial_entry = g_strdup ("passthrough-trial");
    }
  else if (self->setup->bootloader == PT_BOOTLOADER_SYSTEMD_BOOT)
    {
      g_autofree char *path = g_build_filename (self->setup->esp, "loader", "entries", "passthrough-trial.conf", NULL);
      char *text = sdboot_trial_entry (self, ctx, error);

      if (text == NULL)
        return FALSE;
      if (!pt_plan_target_whole (self, ctx, path, text, FALSE, error))
        return FALSE;
      ((PtChange *) g_ptr_array_index (self->changes, self->changes->len - 1))->quiet = TRUE;
      self->trial_command = g_strdup ("bootctl");
    }
  return TRUE;
}
