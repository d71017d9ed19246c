/* pt-plan-trial.c: the one-shot trial part of a plan (safe first boot,
 * docs/boot-setup.md, "The one-shot trial"; proven in the lab with grub-reboot
 * and bootctl set-oneshot): a trial entry carrying our tokens, armed for one boot.
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

/* ---- the one-shot trial (issue 7, docs/boot-setup.md) ----------------------- */

/* The grub.cfg GRUB reads (pt_boot_setup_detect_grub_cfg()): the one
 * update-grub / grub-mkconfig -o writes, and whose directory holds the
 * custom.cfg the stock 41_custom sources (${config_directory}). */
const char *
pt_plan_grub_cfg_path (PtBootSetup *setup)
{
  if (setup->grub_cfg != NULL)
    return setup->grub_cfg;
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

/* The grubenv GRUB reads at boot is the one beside the grub.cfg it reads
 * (00_header: load_env -f ${config_directory}/grubenv); grub2-reboot
 * writes /boot/grub2/grubenv.  Where GRUB reads its configuration on the
 * EFI system partition, RHEL and CentOS make the second a link to the
 * first; without that link the one-shot choice would never be seen.
 * NULL: they are one file. */
static char *
grubenv_elsewhere_reason (PtBootSetup *setup,
                          PtPaths     *paths)
{
  g_autofree char *grub_reads = g_build_filename (setup->grub_dir, "grubenv", NULL);
  g_autofree char *tool_writes = g_strdup_printf ("/boot/%s/grubenv", setup->grub_tool);
  g_autofree char *real_reads = NULL;
  g_autofree char *real_writes = NULL;

  if (g_str_equal (grub_reads, tool_writes))
    return NULL;
  real_reads = pt_boot_setup_resolve_path (paths, grub_reads);
  real_writes = pt_boot_setup_resolve_path (paths, tool_writes);
  if (real_reads != NULL && real_writes != NULL && g_str_equal (real_reads, real_writes))
    return NULL;
  return g_strdup_printf (_("A one-shot trial cannot work here: GRUB reads its one-shot choice from %s, beside the %s it reads, but %s-reboot writes %s, which is another file (RHEL and CentOS make it a link to the first). Apply without --trial, or make %s that link."),
                          grub_reads, setup->grub_cfg, setup->grub_tool, tool_writes, tool_writes);
}

/* GRUB and GRUB with BLS: what keeps the one-shot choice from working. */
void
pt_plan_check_trial_grub (PtPlan  *self,
                          PtPaths *paths)
{
  g_autofree char *reason = NULL;
  g_autofree char *elsewhere = NULL;

  if (self->setup->grub_cfg_ambiguous)
    {
      pt_plan_add_issue (self->blockers, "trial-unavailable", NULL,
                         g_strdup_printf (_("A one-shot trial needs the grub.cfg GRUB reads, to put the trial entry beside it, but %s. Apply without --trial."),
                                          self->setup->grub_cfg_evidence));
      return;
    }
  reason = grubenv_unwritable_reason (paths, self->setup->grub_dir);
  if (reason != NULL)
    pt_plan_add_issue (self->blockers, "trial-unavailable", NULL,
               g_strdup_printf (_("A one-shot trial is not safe here: %s, where GRUB cannot clear its one-shot choice, so the trial would boot every time. Apply without --trial: any boot entry without the Passthrough arguments (edit the command line at the boot menu) still boots the host as before."),
                                reason));
  else if ((elsewhere = grubenv_elsewhere_reason (self->setup, paths)) != NULL)
    pt_plan_add_issue (self->blockers, "trial-unavailable", NULL, g_steal_pointer (&elsewhere));
}

/* A unified kernel image's boot path: no trial, and under Secure Boot no
 * "edit the command line at the boot menu" either. */
void
pt_plan_trial_inside_image (PtPlan     *self,
                            const char *tool,
                            const char *rebuild)
{
  pt_plan_add_issue (self->blockers, "trial-unavailable", NULL,
                     g_strdup_printf (_("No trial on this boot path: the command line of a unified kernel image %s builds is inside the image, and a one-shot boot entry cannot give it another one. Apply without --trial; “passthroughctl revert” and then “%s” undo everything."),
                                      tool, rebuild));
}

/* Through the table: a boot path without a trial says so ("no trial on
 * this path"), one with a trial says what keeps it from working here. */
void
pt_plan_check_trial (PtPlan  *self,
                     PtPaths *paths)
{
  const PtBootPath *path = self->setup->bootloader;

  if (path == NULL)
    return;   /* already a blocker of its own */
  if (path->plan_trial == NULL && path->check_trial != NULL)
    path->check_trial (self, paths);   /* its own trial-unavailable, with its own way back */
  else if (path->plan_trial == NULL)
    pt_plan_add_issue (self->blockers, "trial-unavailable", NULL,
               g_strdup_printf (_("A one-shot trial boot is not available with %s in this version (it works with GRUB and systemd-boot). Apply without --trial: any boot entry without the Passthrough arguments still boots the host as before (edit the command line at the boot menu), and “passthroughctl revert” undoes everything."),
                                _(path->no_trial)));
  else if (path->check_trial != NULL)
    path->check_trial (self, paths);
}

/* GRUB stops a word at a blank; quotes and backslashes as in the shell. */
static char *
grub_unquote_word (const char *p)
{
  GString *out = g_string_new (NULL);
  char quote = 0;

  for (; *p != '\0'; p++)
    {
      if (quote == 0 && (*p == ' ' || *p == '\t'))
        break;
      if (quote == 0 && (*p == '\'' || *p == '"'))
        quote = *p;
      else if (quote != 0 && *p == quote)
        quote = 0;
      else if (quote != '\'' && *p == '\\' && p[1] != '\0')
        g_string_append_c (out, *++p);
      else
        g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

/* One single-quoted GRUB word: a quote inside is '\'' as in the shell. */
char *
pt_plan_grub_quote (const char *text)
{
  GString *out = g_string_new ("'");

  for (const char *p = text; *p != '\0'; p++)
    if (*p == '\'')
      g_string_append (out, "'\\''");
    else
      g_string_append_c (out, *p);
  g_string_append_c (out, '\'');
  return g_string_free (out, FALSE);
}

/* With Debian's /vmlinuz and /initrd.img links on the root file system
 * (then grub.cfg names the kernel /boot/vmlinuz-VERSION), the link in
 * place of the versioned file: GRUB follows it at boot, so the entry
 * keeps booting the newest kernel after updates. */
static char *
stable_boot_path (PtPaths    *paths,
                  const char *path,
                  const char *versioned_prefix,
                  const char *link)
{
  g_autofree char *host_link = pt_paths_build (paths, link + 1, NULL);

  if (g_str_has_prefix (path, versioned_prefix) && g_file_test (host_link, G_FILE_TEST_IS_SYMLINK))
    return g_strdup (link);
  return g_strdup (path);
}

/* The length of the GRUB command at @p when it is one of @names (then a
 * blank follows), else 0.  RHEL and CentOS 7 write linuxefi/initrdefi
 * on UEFI and linux16/initrd16 on BIOS. */
static gsize
command_len (const char        *p,
             const char *const *names)
{
  for (guint i = 0; names[i] != NULL; i++)
    {
      gsize n = strlen (names[i]);
      if (strncmp (p, names[i], n) == 0 && (p[n] == ' ' || p[n] == '\t'))
        return n;
    }
  return 0;
}

static const char *const linux_commands[] = { "linux", "linuxefi", "linux16", NULL };
static const char *const initrd_commands[] = { "initrd", "initrdefi", "initrd16", NULL };

/* "linux PATH ARGS…" with @add put on and @remove taken off ARGS. */
static char *
grub_linux_line (PtPaths            *paths,
                 const char         *line,
                 const char         *word,
                 const char *const  *add,
                 const char *const  *remove,
                 gboolean            stable_paths,
                 GError            **error)
{
  gsize kw = command_len (word, linux_commands);
  const char *path = word + kw, *args;
  g_autofree char *kernel = NULL;
  g_autofree char *edited = NULL;
  g_autofree char *indent = g_strndup (line, word - line);
  g_autofree char *space = NULL;
  const char *after_kw = word + kw;

  while (*path == ' ' || *path == '\t')
    path++;
  space = g_strndup (after_kw, path - after_kw);
  args = path;
  while (*args != '\0' && *args != ' ' && *args != '\t')
    args++;
  kernel = g_strndup (path, args - path);
  while (*args == ' ' || *args == '\t')
    args++;
  edited = pt_edit_cmdline (args, add, remove, error);
  if (edited == NULL)
    return NULL;
  if (stable_paths)
    {
      char *stable = stable_boot_path (paths, kernel, "/boot/vmlinuz-", "/vmlinuz");
      g_free (kernel);
      kernel = stable;
    }
  return g_strdup_printf ("%s%.*s%s%s %s\n", indent, (int) kw, word, space, kernel, edited);
}

static char *
grub_initrd_line (PtPaths    *paths,
                  const char *line,
                  const char *word)
{
  const char *p = word + command_len (word, initrd_commands);
  g_autoptr(GString) out = NULL;
  g_auto(GStrv) parts = NULL;
  gboolean first = TRUE;

  while (*p == ' ' || *p == '\t')
    p++;
  out = g_string_new_len (line, p - line);
  parts = g_strsplit_set (p, " \t", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      g_autofree char *path = NULL;
      if (parts[i][0] == '\0')
        continue;
      path = stable_boot_path (paths, parts[i], "/boot/initrd.img-", "/initrd.img");
      if (!first)
        g_string_append_c (out, ' ');
      g_string_append (out, path);
      first = FALSE;
    }
  g_string_append_c (out, '\n');
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* The body of the first (default) menuentry of grub.cfg, between its
 * braces, with @add put on and @remove taken off its linux line; its title
 * in @out_title.  @stable_paths: see stable_boot_path(). */
char *
pt_plan_grub_default_entry_body (PtPlan             *self,
                                 Ctx                *ctx,
                                 const char *const  *add,
                                 const char *const  *remove,
                                 gboolean            stable_paths,
                                 char              **out_title,
                                 GError            **error)
{
  const char *cfg = pt_plan_grub_cfg_path (self->setup);
  g_autofree char *text = pt_engine_read_file (ctx->paths, cfg, NULL, error);
  g_autofree char *title = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  gboolean inside = FALSE, found_linux = FALSE;

  if (text == NULL)
    {
      if (error && *error == NULL)
        g_set_error (error, PT_ERROR, PT_ERROR_NOT_FOUND,
                     _("%s is missing, so there is no default boot entry to copy."), cfg);
      return NULL;
    }
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];
      const char *p = line;

      if (!inside)
        {
          if (g_str_has_prefix (line, "menuentry ") && g_str_has_suffix (g_strchomp ((char *) line), "{"))
            {
              inside = TRUE;
              title = grub_unquote_word (line + strlen ("menuentry "));
            }
          continue;
        }
      if (g_str_equal (line, "}"))
        break;
      while (*p == ' ' || *p == '\t')
        p++;
      if (command_len (p, linux_commands) > 0)
        {
          char *edited = grub_linux_line (ctx->paths, line, p, add, remove, stable_paths, error);
          if (edited == NULL)
            return NULL;
          g_string_append (out, edited);
          g_free (edited);
          found_linux = TRUE;
          continue;
        }
      if (stable_paths && command_len (p, initrd_commands) > 0)
        {
          g_autofree char *edited = grub_initrd_line (ctx->paths, line, p);
          g_string_append (out, edited);
          continue;
        }
      g_string_append (out, line);
      g_string_append_c (out, '\n');
    }
  if (!found_linux)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_PARSE,
                   _("The first menu entry of %s has no linux line to copy."), cfg);
      return NULL;
    }
  if (out_title)
    *out_title = g_steal_pointer (&title);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* The GRUB trial: a copy of the first (default) menuentry of grub.cfg with
 * our arguments on its linux line, in custom.cfg beside it (the stock
 * 41_custom sources it at boot: no executable file, no update-grub). */
static char *
grub_trial_block (PtPlan      *self,
                  Ctx         *ctx,
                  GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *body = pt_plan_grub_default_entry_body (self, ctx, (const char *const *) pt_strv_peek (self->kernel_args),
                                                           NULL, FALSE, NULL, &local_error);

  if (body == NULL)
    {
      g_set_error (error, PT_ERROR, local_error->code,
                   _("%s Run update-grub once, or apply without --trial."), local_error->message);
      return NULL;
    }
  return g_strconcat (PT_TRIAL_BEGIN "\n"
                      "menuentry 'Passthrough trial' --id passthrough-trial {\n",
                      body, "}\n" PT_TRIAL_END "\n", NULL);
}

/* The default entry's lines as a new entry: @header first, the title
 * with @title_suffix, without sort-key (so that it never sorts before the
 * person's entries) and without id (grubby finds entries by
 * id: a copy must not look like one of them). */
char *
pt_plan_entry_copy (const char *text,
                    const char *header,
                    const char *title_suffix)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  GString *out = g_string_new (header);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];
      if (lines[i + 1] == NULL && line[0] == '\0')
        break;
      if (g_str_has_prefix (line, "sort-key") || g_str_has_prefix (line, "id ") || g_str_has_prefix (line, "id\t"))
        continue;
      if (g_str_has_prefix (line, "title"))
        g_string_append_printf (out, "%s%s\n", line, title_suffix);
      else
        {
          g_string_append (out, line);
          g_string_append_c (out, '\n');
        }
    }
  return g_string_free (out, FALSE);
}

/* An entry file as it is without Passthrough (NULL: absent). */
static gboolean
entry_base (Ctx         *ctx,
            const char  *entry,
            char       **out_base,
            GError     **error)
{
  g_autofree char *current = pt_engine_read_file (ctx->paths, entry, NULL, error);

  if (current == NULL && error && *error)
    return FALSE;
  return pt_plan_compute_base (ctx, entry, current, out_base, error);
}

/* The systemd-boot default entry as it is without Passthrough, with @add
 * and @remove applied to its options. */
char *
pt_plan_sdboot_default_entry (PtPlan             *self,
                              Ctx                *ctx,
                              const char *const  *add,
                              const char *const  *remove,
                              GError            **error)
{
  const char *entry = self->setup->default_entry;
  g_autofree char *base = NULL;
  char *edited;

  if (entry == NULL)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_NOT_FOUND, _("systemd-boot has no default entry to copy."));
      return NULL;
    }
  if (!entry_base (ctx, entry, &base, error))
    return NULL;
  edited = pt_edit_entry_options (base ? base : "", add, remove, error);
  if (edited == NULL)
    g_prefix_error (error, _("%s: "), entry);
  return edited;
}

/* The systemd-boot trial: a copy of the default entry with our arguments,
 * titled as the trial, in a file named so that it sorts after the usual
 * entries; removed at confirm and revert. */
static char *
sdboot_trial_entry (PtPlan      *self,
                    Ctx         *ctx,
                    GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *with_args = pt_plan_sdboot_default_entry (self, ctx, (const char *const *) pt_strv_peek (self->kernel_args),
                                                             NULL, &local_error);

  if (with_args == NULL)
    {
      g_set_error (error, PT_ERROR, local_error->code, _("%s Apply without --trial."), local_error->message);
      return NULL;
    }
  return pt_plan_entry_copy (with_args, "# Passthrough trial: booted once by “bootctl set-oneshot”, removed at confirm or revert.\n",
                     " (Passthrough trial)");
}

/* The newest BLS entry (not a rescue entry, not ours) with $kernelopts in
 * its options written out (the value comes from the grubenv GRUB reads);
 * its path in @out_entry. */
char *
pt_plan_bls_default_entry (PtPlan      *self,
                           Ctx         *ctx,
                           const char **out_entry,
                           GError     **error)
{
  const char *entry = NULL;
  g_autofree char *base = NULL;

  for (guint i = 0; i < self->setup->bls_entries->len; i++)
    {
      const char *e = g_ptr_array_index (self->setup->bls_entries, i);
      if (strstr (e, "rescue") == NULL && strstr (e, "/passthrough-") == NULL)
        entry = e;
    }
  if (entry == NULL)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_NOT_FOUND,
                   _("There is no boot entry in /boot/loader/entries to copy."));
      return NULL;
    }
  *out_entry = entry;
  if (!entry_base (ctx, entry, &base, error))
    return NULL;
  if (base != NULL && pt_entry_uses_kernelopts (base))
    {
      /* the grubenv GRUB reads: beside its grub.cfg (on RHEL 8 UEFI, the ESP's) */
      g_autofree char *env_path = g_build_filename (self->setup->grub_dir ? self->setup->grub_dir : pt_plan_bls_grub_dir (ctx->paths),
                                                    "grubenv", NULL);
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
                       _("%s takes its arguments from $kernelopts, but %s has no kernelopts to copy."),
                       entry, env_path);
          return NULL;
        }
      for (guint i = 0; entry_lines[i] != NULL; i++)
        {
          if (i > 0)
            g_string_append_c (x, '\n');
          if (g_str_has_prefix (entry_lines[i], "options") && strstr (entry_lines[i], "$kernelopts") != NULL)
            {
              /* only $kernelopts written out: RHEL 8's "$tuned_params"
               * beside it is GRUB's to expand, as blscfg does */
              g_auto(GStrv) parts = g_strsplit (entry_lines[i], "$kernelopts", -1);
              g_autofree char *line = g_strjoinv (kernelopts, parts);
              g_string_append (x, line);
            }
          else
            g_string_append (x, entry_lines[i]);
        }
      return g_string_free (x, FALSE);
    }
  return g_strdup (base ? base : "");
}

/* The GRUB-with-BLS trial: a copy of the newest entry as its own BLS file
 * (GRUB's blscfg names the menu entry after the file, so grub2-reboot
 * takes "passthrough-trial"). */
static char *
bls_trial_entry (PtPlan      *self,
                 Ctx         *ctx,
                 const char **out_entry,
                 GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  const char *entry = NULL;
  g_autofree char *base = pt_plan_bls_default_entry (self, ctx, &entry, &local_error);
  g_autofree char *with_args = NULL;

  *out_entry = entry;

  if (base != NULL)
    {
      with_args = pt_edit_entry_options (base, (const char *const *) pt_strv_peek (self->kernel_args), NULL, &local_error);
      if (with_args == NULL)
        g_prefix_error (&local_error, _("%s: "), entry);
    }
  if (with_args == NULL)
    {
      g_set_error (error, PT_ERROR, local_error->code, _("%s Apply without --trial."), local_error->message);
      return NULL;
    }
  return pt_plan_entry_copy (with_args, "", " (Passthrough trial)");
}

gboolean
pt_plan_trial_grub (PtPlan   *self,
                    Ctx      *ctx,
                    GError  **error)
{
  g_autofree char *custom = NULL;
  g_autoptr(GPtrArray) block = g_ptr_array_new_with_free_func (g_free);
  char *text;

  if (self->setup->grub_cfg_ambiguous)
    return TRUE;   /* a blocker says why (pt_plan_check_trial_grub()) */
  custom = g_build_filename (self->setup->grub_dir, "custom.cfg", NULL);
  text = grub_trial_block (self, ctx, error);
  if (text == NULL)
    return FALSE;
  g_ptr_array_add (block, text);
  if (!pt_plan_target_edit (self, ctx, custom, "custom-blocks", block, NULL, FALSE, FALSE, error))
    return FALSE;
  pt_plan_last_change (self)->quiet = TRUE;
  pt_plan_note_source (self, ctx->paths, pt_plan_grub_cfg_path (self->setup));
  self->trial_argv = g_new0 (char *, 3);
  self->trial_argv[0] = g_strconcat (self->setup->grub_tool, "-reboot", NULL);
  self->trial_argv[1] = g_strdup ("Passthrough trial");
  return TRUE;
}

gboolean
pt_plan_trial_grub_bls (PtPlan   *self,
                        Ctx      *ctx,
                        GError  **error)
{
  const char *entry = NULL;
  char *text;

  if (self->setup->grub_cfg_ambiguous)
    return TRUE;   /* a blocker says why (pt_plan_check_trial_grub()) */
  text = bls_trial_entry (self, ctx, &entry, error);
  if (text == NULL)
    return FALSE;
  if (!pt_plan_target_whole (self, ctx, "/boot/loader/entries/passthrough-trial.conf", text, FALSE, error))
    return FALSE;
  pt_plan_last_change (self)->quiet = TRUE;
  pt_plan_note_source (self, ctx->paths, entry);
  self->trial_argv = g_new0 (char *, 3);
  self->trial_argv[0] = g_strconcat (self->setup->grub_tool, "-reboot", NULL);
  self->trial_argv[1] = g_strdup ("passthrough-trial");
  return TRUE;
}

gboolean
pt_plan_trial_systemd_boot (PtPlan   *self,
                            Ctx      *ctx,
                            GError  **error)
{
  g_autofree char *path = g_build_filename (self->setup->esp, "loader", "entries", "passthrough-trial.conf", NULL);
  char *text = sdboot_trial_entry (self, ctx, error);

  if (text == NULL)
    return FALSE;
  if (!pt_plan_target_whole (self, ctx, path, text, FALSE, error))
    return FALSE;
  pt_plan_last_change (self)->quiet = TRUE;
  pt_plan_note_source (self, ctx->paths, self->setup->default_entry);
  self->trial_argv = g_strsplit ("bootctl set-oneshot passthrough-trial.conf", " ", -1);
  return TRUE;
}

gboolean
pt_plan_trial_files (PtPlan      *self,
                     Ctx         *ctx,
                     GError     **error)
{
  const PtBootPath *path = self->setup->bootloader;

  if (path == NULL || path->plan_trial == NULL)
    return TRUE;   /* a blocker says why (pt_plan_check_trial()) */
  return path->plan_trial (self, ctx, error);
}
