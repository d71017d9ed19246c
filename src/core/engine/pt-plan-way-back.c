/* pt-plan-way-back.c: the permanent "without passthrough" boot entry
 * (issue 7, docs/safety.md rule 7).
 *
 * Every plan that puts our arguments on the default boot entry (a plain
 * apply, and confirm, which turns a trial into one) also leaves one entry
 * that boots the same system without them, titled plainly, never the
 * default; revert takes it away with everything else.  Where it lives and
 * how long it stays right:
 *
 *  - GRUB: a menuentry in custom.cfg beside grub.cfg (the stock 41_custom
 *    sources it at boot; update-grub never rewrites it), a copy of the
 *    first menuentry of grub.cfg with our arguments taken off its linux
 *    line.  Where Debian's /vmlinuz and /initrd.img links sit on the root
 *    file system (grub.cfg then names /boot/vmlinuz-VERSION) the copy boots
 *    the links, so it follows kernel updates.  Otherwise (a separate /boot,
 *    other distributions) it names the kernel that was the default when it
 *    was written: once that kernel is removed the entry cannot boot it any
 *    more, and the next apply or confirm writes it again for the new one.
 *    The command line is the one grub.cfg had without our arguments: a
 *    later change to /etc/default/grub reaches it at the next apply.
 *    "grub.cfg" is the one GRUB reads (pt-bootsetup.h): on RHEL/CentOS 7
 *    and 8 UEFI the full configuration on the EFI system partition, and
 *    41_custom sources custom.cfg from ${config_directory}, its folder.
 *  - GRUB with BLS (Fedora): also a menuentry in custom.cfg, built from the
 *    newest BLS entry, not a BLS file: "grubby --update-kernel=ALL" edits
 *    every file in /boot/loader/entries and would put our arguments on it.
 *    It uses the $root grub.cfg sets before blscfg, and names the kernel
 *    version of that entry (BLS has no version-less links).  custom.cfg
 *    is beside the grub.cfg GRUB reads: /boot/grub2 on Fedora 34+ and
 *    RHEL 9 (the ESP's grub.cfg only loads that one), the ESP's
 *    EFI/<id>/ on RHEL 8 and Fedora up to 33.
 *  - systemd-boot: loader/entries/passthrough-way-back.conf, a copy of the
 *    default entry without our arguments and without sort-key (entries
 *    without one sort after those with one; the name sorts after the
 *    distribution's).  A hand-written entry follows kernel updates only
 *    when it names a version-less kernel (Arch: /vmlinuz-linux); one that
 *    names a version (/vmlinuz-6.1.0-50-amd64) pins the way back to that
 *    kernel until the next apply or confirm.  Where kernel-install writes the
 *    entries, it rewrites only its own (machine id + version) from
 *    /etc/kernel/cmdline and never touches ours, so the way back keeps
 *    booting the kernel version it names until "kernel-install remove"
 *    deletes that version's files; the next apply or confirm renews it.
 *
 * The title is not translated: the file must be the same bytes whoever
 * writes it (the helper runs in the C locale, the CLI under --root in the
 * person's), or every plan would show it as a change.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "pt-edit.h"
#include "pt-error.h"
#include "pt-plan-build.h"

#define WAY_BACK_SUFFIX " - without passthrough (Passthrough's way back)"
#define WAY_BACK_ENTRY "passthrough-way-back.conf"

/* Our arguments wherever they may be on the entry we copy: what this plan
 * adds, what the earlier apply added (its files and its commands), and what
 * this plan found there already by the person's hand (an adopted setup): the
 * way back boots without passthrough, whoever wrote its arguments. */
static GPtrArray *
tokens_to_take_off (PtPlan *self,
                    Ctx    *ctx)
{
  GPtrArray *tokens = g_ptr_array_new_null_terminated (0, g_free, TRUE);

  for (guint i = 0; i < self->changes->len; i++)
    {
      PtChange *c = g_ptr_array_index (self->changes, i);
      if (!c->initramfs)
        for (guint k = 0; c->already && c->already[k] != NULL; k++)
          g_ptr_array_add (tokens, g_strdup (c->already[k]));
    }

  for (guint i = 0; i < self->changes->len; i++)
    {
      PtChange *c = g_ptr_array_index (self->changes, i);
      if (g_str_has_prefix (c->editor, "grub-default:"))
        for (guint k = 0; c->ours && c->ours[k] != NULL; k++)
          g_ptr_array_add (tokens, g_strdup (c->ours[k]));
    }
  for (guint i = 0; i < self->cmd_ours->len; i++)
    g_ptr_array_add (tokens, g_strdup (g_ptr_array_index (self->cmd_ours, i)));
  if (ctx->state->applied)
    {
      for (guint i = 0; i < ctx->state->files->len; i++)
        {
          PtStateFile *f = g_ptr_array_index (ctx->state->files, i);
          if (g_str_has_prefix (f->editor, "grub-default:"))
            for (guint k = 0; f->ours && f->ours[k] != NULL; k++)
              g_ptr_array_add (tokens, g_strdup (f->ours[k]));
        }
      for (guint i = 0; ctx->state->cmd_ours && ctx->state->cmd_ours[i] != NULL; i++)
        g_ptr_array_add (tokens, g_strdup (ctx->state->cmd_ours[i]));
    }
  return tokens;
}

static char *
grub_block (const char *title,
            const char *body)
{
  g_autofree char *full = g_strconcat (title ? title : "Linux", WAY_BACK_SUFFIX, NULL);
  g_autofree char *quoted = pt_plan_grub_quote (full);

  return g_strdup_printf (PT_WAY_BACK_BEGIN "\n"
                          "menuentry %s --id passthrough-way-back {\n"
                          "%s"
                          "}\n"
                          PT_WAY_BACK_END "\n", quoted, body);
}

/* The BLS entry as a GRUB menuentry: what blscfg itself makes of it. */
static char *
bls_body (const char         *entry_text,
          const char *const  *remove,
          char              **out_title,
          GError            **error)
{
  g_auto(GStrv) lines = g_strsplit (entry_text, "\n", -1);
  g_autoptr(GString) out = g_string_new ("\tload_video\n\tset gfxpayload=keep\n\tinsmod gzio\n");
  g_autofree char *linux_path = NULL;
  g_autofree char *initrd = NULL;
  g_autofree char *options = pt_read_entry_options (entry_text);
  g_autofree char *edited = NULL;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = g_strstrip (lines[i]);
      if (g_str_has_prefix (line, "title") && g_ascii_isspace (line[5]))
        *out_title = g_strdup (g_strchug (line + 5));
      else if (g_str_has_prefix (line, "linux") && g_ascii_isspace (line[5]))
        linux_path = g_strdup (g_strchug (line + 5));
      else if (g_str_has_prefix (line, "initrd") && g_ascii_isspace (line[6]))
        {
          char *more = g_strjoin (" ", initrd ? initrd : "", g_strchug (line + 6), NULL);
          g_free (initrd);
          initrd = g_strdup (g_strstrip (more));
          g_free (more);
        }
    }
  if (linux_path == NULL)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_PARSE, _("The boot entry has no linux line to copy."));
      return NULL;
    }
  edited = pt_edit_cmdline (options ? options : "", NULL, remove, error);
  if (edited == NULL)
    return NULL;
  g_string_append_printf (out, "\tlinux %s %s\n", linux_path, edited);
  if (initrd != NULL)
    g_string_append_printf (out, "\tinitrd %s\n", initrd);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

void
pt_plan_way_back_unavailable (PtPlan     *self,
                              const char *why)
{
  pt_plan_add_issue (self->warnings, "way-back-unavailable", NULL,
                     g_strdup_printf (_("No “without passthrough” boot entry can be added: %s You can still boot without the Passthrough arguments by editing the command line at the boot menu, and “passthroughctl revert” undoes everything."),
                                      why));
}

/* GRUB and GRUB with BLS: a menuentry block in custom.cfg, copied from
 * @source (whose mode the new file takes: pt_plan_note_source()). */
static gboolean
grub_way_back_block (PtPlan      *self,
                     Ctx         *ctx,
                     const char  *custom,
                     const char  *title,
                     const char  *body,
                     const char  *source,
                     GError     **error)
{
  g_autoptr(GPtrArray) block = g_ptr_array_new_with_free_func (g_free);

  g_ptr_array_add (block, grub_block (title, body));
  if (!pt_plan_target_edit (self, ctx, custom, "custom-blocks", block, NULL, FALSE, FALSE, error))
    return FALSE;
  pt_plan_last_change (self)->quiet = TRUE;
  pt_plan_note_source (self, ctx->paths, source);
  self->way_back_path = g_strdup (custom);
  self->way_back_title = g_strconcat (title ? title : "Linux", WAY_BACK_SUFFIX, NULL);
  return TRUE;
}

/* GRUB's way back is a copy of grub.cfg's first entry; with BLS, of the
 * newest BLS entry (not a BLS file: grubby would put our arguments on it). */
static gboolean
way_back_grub_any (PtPlan      *self,
                   Ctx         *ctx,
                   gboolean     bls,
                   GError     **error)
{
  g_autoptr(GPtrArray) remove = tokens_to_take_off (self, ctx);
  g_autoptr(GError) local_error = NULL;
  g_autofree char *title = NULL;
  g_autofree char *body = NULL;
  g_autofree char *custom = NULL;
  const char *source = NULL;   /* the file the entry is copied from */

  if (self->setup->grub_cfg_ambiguous)
    {
      g_autofree char *why = g_strdup_printf (_("%s."), self->setup->grub_cfg_evidence);
      pt_plan_way_back_unavailable (self, why);
      return TRUE;
    }
  custom = g_build_filename (self->setup->grub_dir, "custom.cfg", NULL);
  if (bls)
    {
      g_autofree char *text = pt_plan_bls_default_entry (self, ctx, &source, &local_error);
      if (text != NULL)
        body = bls_body (text, (const char *const *) pt_strv_peek (remove), &title, &local_error);
    }
  else
    {
      source = pt_plan_grub_cfg_path (self->setup);
      body = pt_plan_grub_default_entry_body (self, ctx, NULL, (const char *const *) pt_strv_peek (remove),
                                              TRUE, &title, &local_error);
    }
  if (body == NULL)
    {
      pt_plan_way_back_unavailable (self, local_error->message);
      return TRUE;
    }
  return grub_way_back_block (self, ctx, custom, title, body, source, error);
}

gboolean
pt_plan_way_back_grub (PtPlan *self, Ctx *ctx, GError **error)
{
  return way_back_grub_any (self, ctx, FALSE, error);
}

gboolean
pt_plan_way_back_grub_bls (PtPlan *self, Ctx *ctx, GError **error)
{
  return way_back_grub_any (self, ctx, TRUE, error);
}

gboolean
pt_plan_way_back_systemd_boot (PtPlan      *self,
                               Ctx         *ctx,
                               GError     **error)
{
  g_autoptr(GPtrArray) remove = tokens_to_take_off (self, ctx);
  g_autoptr(GError) local_error = NULL;
  g_autofree char *path = g_build_filename (self->setup->esp, "loader", "entries", WAY_BACK_ENTRY, NULL);
  g_autofree char *text = pt_plan_sdboot_default_entry (self, ctx, NULL, (const char *const *) pt_strv_peek (remove),
                                                        &local_error);
  g_auto(GStrv) lines = NULL;
  char *copy;

  if (text == NULL)
    {
      pt_plan_way_back_unavailable (self, local_error->message);
      return TRUE;
    }
  copy = pt_plan_entry_copy (text, "# Passthrough's way back: the default entry without the Passthrough arguments; "
                             "“passthroughctl revert” removes it.\n", WAY_BACK_SUFFIX);
  if (!pt_plan_target_whole (self, ctx, path, copy, FALSE, error))
    return FALSE;
  pt_plan_last_change (self)->quiet = TRUE;
  pt_plan_note_source (self, ctx->paths, self->setup->default_entry);
  lines = g_strsplit (copy, "\n", -1);
  for (guint i = 0; lines[i] != NULL && self->way_back_title == NULL; i++)
    if (g_str_has_prefix (lines[i], "title") && g_ascii_isspace (lines[i][5]))
      self->way_back_title = g_strdup (g_strstrip (lines[i] + 5));
  self->way_back_path = g_steal_pointer (&path);
  return TRUE;
}

/* Through the table: a boot path without a way-back entry of its own
 * (its tool owns the entries) adds nothing. */
gboolean
pt_plan_way_back_files (PtPlan      *self,
                        Ctx         *ctx,
                        GError     **error)
{
  const PtBootPath *path = self->setup->bootloader;

  if (path == NULL || path->plan_way_back == NULL)
    return TRUE;
  return path->plan_way_back (self, ctx, error);
}
