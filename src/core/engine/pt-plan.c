/* pt-plan.c: what would change, as data (docs/boot-setup.md,
 * docs/safety.md rule 5).
 *
 * A plan is computed from the state without Passthrough: for a file an
 * earlier apply changed, that is the backup (when the file is unchanged
 * since) or the file with our part taken out (when a person edited it
 * since).  So a new selection replaces the earlier one, applying twice
 * changes nothing, and revert is the same computation with nothing added.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <stdio.h>
#include <fnmatch.h>
#include <string.h>

#include "pt-cmdline.h"
#include "pt-describe.h"
#include "pt-diff.h"
#include "pt-edit.h"
#include "pt-error.h"
#include "pt-plan-build.h"

G_DEFINE_FINAL_TYPE (PtPlan, pt_plan, G_TYPE_OBJECT)

static void
plan_device_free (PlanDevice *d)
{
  g_free (d->address);
  g_free (d->ids);
  g_free (d->binding);
  g_free (d->reason);
  g_free (d->driver_now);
  g_free (d->driver_after);
  g_free (d);
}

static void
pt_plan_finalize (GObject *object)
{
  PtPlan *self = PT_PLAN (object);

  g_ptr_array_unref (self->selection);
  g_ptr_array_unref (self->devices);
  g_free (self->binding);
  pt_boot_setup_free (self->setup);
  g_ptr_array_unref (self->kernel_args);
  g_ptr_array_unref (self->modules);
  g_ptr_array_unref (self->softdeps);
  g_ptr_array_unref (self->changes);
  g_ptr_array_unref (self->commands);
  g_ptr_array_unref (self->warnings);
  g_ptr_array_unref (self->blockers);
  g_ptr_array_unref (self->not_known);
  g_free (self->cmd_kind);
  g_ptr_array_unref (self->cmd_ours);
  g_ptr_array_unref (self->cmd_already);
  g_free (self->options_text);
  g_strfreev (self->trial_argv);
  g_free (self->way_back_path);
  g_free (self->way_back_title);
  g_clear_pointer (&self->group_mates, json_node_unref);
  G_OBJECT_CLASS (pt_plan_parent_class)->finalize (object);
}

static void
pt_plan_class_init (PtPlanClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pt_plan_finalize;
}

static void
pt_plan_init (PtPlan *self)
{
  self->selection = g_ptr_array_new_with_free_func (g_free);
  self->devices = g_ptr_array_new_with_free_func ((GDestroyNotify) plan_device_free);
  self->kernel_args = g_ptr_array_new_null_terminated (0, g_free, TRUE);
  self->modules = g_ptr_array_new_null_terminated (0, g_free, TRUE);
  self->softdeps = g_ptr_array_new_null_terminated (0, g_free, TRUE);
  self->changes = g_ptr_array_new_with_free_func ((GDestroyNotify) pt_change_free);
  self->commands = g_ptr_array_new_with_free_func ((GDestroyNotify) pt_command_free);
  self->warnings = g_ptr_array_new_with_free_func ((GDestroyNotify) pt_issue_free);
  self->blockers = g_ptr_array_new_with_free_func ((GDestroyNotify) pt_issue_free);
  self->not_known = g_ptr_array_new_with_free_func ((GDestroyNotify) pt_issue_free);
  self->cmd_ours = g_ptr_array_new_null_terminated (0, g_free, TRUE);
  self->cmd_already = g_ptr_array_new_null_terminated (0, g_free, TRUE);
}

/* ---- small helpers ---------------------------------------------------- */

/* The file the text of the change just added is copied from, when the
 * change does not have one yet (docs/faults.md: modes and Preview). */
void
pt_plan_note_source (PtPlan     *self,
                     PtPaths    *paths,
                     const char *system_path)
{
  PtChange *c;
  gboolean exists;

  if (system_path == NULL || self->changes->len == 0)
    return;
  c = g_ptr_array_index (self->changes, self->changes->len - 1);
  if (c->source != NULL)
    return;
  c->source = g_strdup (system_path);
  c->source_text = pt_engine_read_file (paths, system_path, &exists, NULL);
}

gboolean
pt_plan_strv_has (GPtrArray  *array,
                  const char *s)
{
  for (guint i = 0; i < array->len; i++)
    if (g_str_equal (g_ptr_array_index (array, i), s))
      return TRUE;
  return FALSE;
}

void
pt_plan_add_unique (GPtrArray  *array,
                    const char *s)
{
  if (s != NULL && !pt_plan_strv_has (array, s))
    g_ptr_array_add (array, g_strdup (s));
}

PtIssue *
pt_plan_add_issue (GPtrArray  *list,
                   const char *code,
                   GPtrArray  *devices,
                   char       *message)
{
  PtIssue *issue = g_new0 (PtIssue, 1);
  GStrvBuilder *b = g_strv_builder_new ();

  issue->code = g_strdup (code);
  issue->message = message;
  for (guint i = 0; devices != NULL && i < devices->len; i++)
    g_strv_builder_add (b, g_ptr_array_index (devices, i));
  issue->devices = g_strv_builder_end (b);
  g_strv_builder_unref (b);
  g_ptr_array_add (list, issue);
  return issue;
}

char *
pt_plan_join_array (GPtrArray  *array,
                    const char *sep)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < array->len; i++)
    {
      if (i > 0)
        g_string_append (s, sep);
      g_string_append (s, g_ptr_array_index (array, i));
    }
  return g_string_free (s, FALSE);
}

/* ---- files ------------------------------------------------------------ */

static PtStateFile *
state_file (Ctx        *ctx,
            const char *path)
{
  for (guint i = 0; ctx->state->applied && i < ctx->state->files->len; i++)
    {
      PtStateFile *f = g_ptr_array_index (ctx->state->files, i);
      if (g_str_equal (f->path, path))
        return f;
    }
  return NULL;
}

/* The file as it would be without Passthrough (see the top of this file). */
gboolean
pt_plan_compute_base (Ctx         *ctx,
              const char  *path,
              const char  *current,
              char       **out_base,
              GError     **error)
{
  PtStateFile *rec = state_file (ctx, path);
  g_autofree char *sha = NULL;

  *out_base = NULL;
  if (rec == NULL)
    {
      *out_base = g_strdup (current);
      return TRUE;
    }
  sha = pt_sha256_text (current);
  if (g_strcmp0 (sha, rec->after_sha256) == 0)
    {
      g_autoptr(GError) local_error = NULL;
      *out_base = pt_state_read_backup (ctx->paths, rec, &local_error);
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      return TRUE;
    }
  /* Changed by a person since we applied: keep their edit, take ours out. */
  if (current == NULL || g_str_equal (rec->editor, "whole"))
    return TRUE;
  *out_base = pt_engine_apply_editor (rec->editor, current, NULL, (const char *const *) rec->ours, error);
  if (*out_base == NULL)
    g_prefix_error (error, _("%s: "), path);
  return *out_base != NULL;
}

static void
set_action (PtChange *c)
{
  if (g_strcmp0 (c->before, c->after) == 0)
    c->action = g_strdup ("none");
  else if (c->before == NULL)
    c->action = g_strdup ("create");
  else if (c->after == NULL)
    c->action = g_strdup ("delete");
  else
    c->action = g_strdup ("modify");
  c->diff = pt_unified_diff (c->path, c->before, c->after, 3);
}

static PtChange *
find_change (PtPlan     *self,
             const char *path)
{
  for (guint i = 0; i < self->changes->len; i++)
    {
      PtChange *c = g_ptr_array_index (self->changes, i);
      if (g_str_equal (c->path, path))
        return c;
    }
  return NULL;
}

/* The value of the last live vfio-pci.ids= / pci-stub.ids= (@key, normalized)
 * in @text, the one the kernel keeps; NULL when there is none.  Comment
 * lines are skipped and quotes taken as blanks (a shell variable, an
 * options line). */
static char *
last_ids_value (const char *text,
                const char *key)
{
  g_auto(GStrv) lines = g_strsplit (text ? text : "", "\n", -1);
  char *last = NULL;

  for (guint l = 0; lines[l] != NULL; l++)
    {
      g_autoptr(GPtrArray) toks = NULL;
      if (g_strchug (lines[l])[0] == '#')
        continue;
      g_strdelimit (lines[l], "\"'", ' ');
      toks = pt_cmdline_tokenize (lines[l]);
      for (guint t = 0; t < toks->len; t++)
        {
          PtCmdlineToken *tok = g_ptr_array_index (toks, t);
          if (g_str_equal (tok->key, key) && tok->value != NULL && *tok->value != '\0')
            {
              g_free (last);
              last = g_strdup (tok->value);
            }
        }
    }
  return last;
}

/* Our IDs argument, extended by the IDs of a hand-written one in @source:
 * the kernel keeps only the last vfio-pci.ids=, which is ours, so the
 * person's devices stay bound only if ours names them too.  Other tokens
 * are returned as they are. */
static char *
merge_hand_written_ids (const char *token,
                        const char *source)
{
  g_autoptr(GPtrArray) toks = pt_cmdline_tokenize (token);
  PtCmdlineToken *tok = toks->len == 1 ? g_ptr_array_index (toks, 0) : NULL;
  g_autofree char *theirs = NULL;
  g_auto(GStrv) their_ids = NULL;
  g_auto(GStrv) our_ids = NULL;
  GString *merged;

  if (tok == NULL || tok->value == NULL ||
      (!g_str_equal (tok->key, "vfio_pci.ids") && !g_str_equal (tok->key, "pci_stub.ids")))
    return g_strdup (token);
  theirs = last_ids_value (source, tok->key);
  if (theirs == NULL)
    return g_strdup (token);
  their_ids = g_strsplit (theirs, ",", -1);
  our_ids = g_strsplit (tok->value, ",", -1);
  merged = g_string_new (NULL);
  g_string_append_len (merged, token, strcspn (token, "=") + 1);
  for (guint i = 0; their_ids[i] != NULL; i++)
    if (pt_edit_valid_id (their_ids[i]) && !g_strv_contains ((const char *const *) our_ids, their_ids[i]))
      g_string_append_printf (merged, "%s,", their_ids[i]);
  g_string_append (merged, tok->value);
  return g_string_free (merged, FALSE);
}

/* A file edited by one of the pure editors: our @add on top of its base.
 * @seed is the text a file that does not exist yet starts from. */
gboolean
pt_plan_target_edit (PtPlan      *self,
             Ctx         *ctx,
             const char  *path,
             const char  *editor,
             GPtrArray   *add,
             const char  *seed,
             gboolean     keep,
             gboolean     initramfs,
             GError     **error)
{
  g_autoptr(PtChange) c = g_new0 (PtChange, 1);
  g_autoptr(GPtrArray) ours = g_ptr_array_new_null_terminated (0, g_free, TRUE);
  g_autoptr(GPtrArray) already = g_ptr_array_new_null_terminated (0, g_free, TRUE);
  const char *source;
  gboolean exists;

  g_ptr_array_add (add, NULL);   /* NULL-terminate for the editors */
  g_ptr_array_set_size (add, add->len - 1);

  c->path = g_strdup (path);
  c->editor = g_strdup (editor);
  c->keep = keep;
  c->initramfs = initramfs;
  c->before = pt_engine_read_file (ctx->paths, path, &exists, error);
  if (c->before == NULL && !exists && error && *error)
    return FALSE;
  if (!pt_plan_compute_base (ctx, path, c->before, &c->base, error))
    return FALSE;
  source = c->base ? c->base : (seed ? seed : "");

  for (guint i = 0; i < add->len; i++)
    {
      /* One command line per file: merge a hand-written IDs list into ours.
       * rEFInd and Limine files hold one per entry: not merged (each entry
       * would get another's IDs); check_ids_given_twice warns instead. */
      const PtBootEditor *e = pt_boot_editor_find (editor, NULL);
      gboolean one_cmdline = !initramfs && !(e != NULL && e->per_entry);
      g_autofree char *token = one_cmdline ? merge_hand_written_ids (g_ptr_array_index (add, i), source)
                                           : g_strdup (g_ptr_array_index (add, i));
      const char *one[] = { token, NULL };
      g_autofree char *edited = pt_engine_apply_editor (editor, source, one, NULL, error);
      if (edited == NULL)
        {
          g_prefix_error (error, _("%s: "), path);
          return FALSE;
        }
      if (!g_str_equal (edited, source))
        g_ptr_array_add (ours, g_strdup (one[0]));
      else if (c->base != NULL)
        g_ptr_array_add (already, g_strdup (g_ptr_array_index (add, i)));   /* the person's own, left to them */
    }
  if (ours->len == 0 && c->base == NULL)
    c->after = NULL;   /* nothing of ours to put in a file that was not there */
  else
    {
      c->after = pt_engine_apply_editor (editor, source, (const char *const *) pt_strv_peek (ours), NULL, error);
      if (c->after == NULL)
        {
          g_prefix_error (error, _("%s: "), path);
          return FALSE;
        }
    }
  c->ours = pt_strv_steal (ours);
  c->already = pt_strv_steal (already);
  c->record = c->ours[0] != NULL;
  set_action (c);
  g_ptr_array_add (self->changes, g_steal_pointer (&c));
  return TRUE;
}

/* Our kernel arguments that @present (the command line a UKI generator
 * assembles from files we do not write) does not give yet, each
 * vfio-pci.ids= extended by a hand-written one there (the kernel keeps the
 * last, ours); what it gives already goes to @already.  NULL-terminated. */
GPtrArray *
pt_plan_args_missing (PtPlan      *self,
                      const char  *present,
                      GPtrArray   *already,
                      GError     **error)
{
  g_autoptr(GPtrArray) wanted = g_ptr_array_new_null_terminated (0, g_free, TRUE);

  for (guint i = 0; i < self->kernel_args->len; i++)
    {
      g_autofree char *token = merge_hand_written_ids (g_ptr_array_index (self->kernel_args, i), present);
      const char *one[] = { token, NULL };
      g_autofree char *edited = pt_edit_kernel_cmdline_file (present, one, NULL, error);

      if (edited == NULL)
        return NULL;
      if (g_str_equal (edited, present))
        g_ptr_array_add (already, g_strdup (g_ptr_array_index (self->kernel_args, i)));
      else
        g_ptr_array_add (wanted, g_steal_pointer (&token));
    }
  return g_steal_pointer (&wanted);
}

/* A command line without what a boot loader or kernel-install add by
 * themselves (BOOT_IMAGE=, initrd=, systemd.machine_id=): the seed of a
 * command line file that replaces it. */
char *
pt_plan_running_without_loader (const char *running)
{
  g_autoptr(GPtrArray) tokens = pt_cmdline_tokenize (running ? running : "");
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < tokens->len; i++)
    {
      PtCmdlineToken *t = g_ptr_array_index (tokens, i);
      if (g_str_equal (t->key, "initrd") || g_str_equal (t->key, "BOOT_IMAGE") ||
          g_str_equal (t->key, "systemd.machine_id"))
        continue;
      if (out->len > 0)
        g_string_append_c (out, ' ');
      g_string_append (out, t->text);
    }
  g_string_append_c (out, '\n');
  return g_string_free (out, FALSE);
}

/* One of our own files, generated whole. */
gboolean
pt_plan_target_whole (PtPlan      *self,
              Ctx         *ctx,
              const char  *path,
              char        *content,
              gboolean     initramfs,
              GError     **error)
{
  g_autoptr(PtChange) c = g_new0 (PtChange, 1);
  gboolean exists;

  c->path = g_strdup (path);
  c->editor = g_strdup ("whole");
  c->initramfs = initramfs;
  c->ours = g_new0 (char *, 1);
  c->after = content;
  c->before = pt_engine_read_file (ctx->paths, path, &exists, error);
  if (c->before == NULL && !exists && error && *error)
    return FALSE;
  if (!pt_plan_compute_base (ctx, path, c->before, &c->base, error))
    return FALSE;
  c->record = TRUE;
  /* Our own file, already there with these very bytes but not in the state
   * (a state file lost, a package reinstalled): the person's now. */
  c->whole_already = state_file (ctx, path) == NULL && g_strcmp0 (c->before, content) == 0;
  set_action (c);
  g_ptr_array_add (self->changes, g_steal_pointer (&c));
  return TRUE;
}

/* A file of the earlier apply that this plan does not need: back to base. */
static gboolean
target_base (PtPlan       *self,
             Ctx          *ctx,
             PtStateFile  *rec,
             GError      **error)
{
  g_autoptr(PtChange) c = g_new0 (PtChange, 1);
  gboolean exists;

  c->path = g_strdup (rec->path);
  c->editor = g_strdup (rec->editor);
  c->ours = g_new0 (char *, 1);
  c->keep = rec->keep;
  {
    /* Our whole files (modprobe, dracut drop-ins) go into the initramfs. */
    const PtBootEditor *e = pt_boot_editor_find (rec->editor, NULL);
    c->initramfs = e == NULL || e->initramfs;
  }
  /* A trial entry needs no regeneration to go away. */
  c->quiet = g_str_equal (rec->editor, "trial-block") || g_str_equal (rec->editor, "custom-blocks") ||
             g_str_has_suffix (rec->path, "/passthrough-trial.conf") ||
             g_str_has_suffix (rec->path, "/passthrough-way-back.conf");
  c->before = pt_engine_read_file (ctx->paths, rec->path, &exists, error);
  if (c->before == NULL && !exists && error && *error)
    return FALSE;
  if (!exists)
    {
      /* Gone with its folder: not a file the person deleted but a file
       * system that is not mounted (the ESP, a separate /boot).  Going on
       * would leave our part there and call everything undone. */
      g_autofree char *dir = g_path_get_dirname (rec->path);
      g_autofree char *real_dir = pt_paths_build (ctx->paths, dir, NULL);
      if (!g_file_test (real_dir, G_FILE_TEST_IS_DIR))
        {
          g_set_error (error, PT_ERROR, PT_ERROR_NOT_FOUND,
                       _("%s, which Passthrough changed, is not there, and neither is its folder %s: the partition it is on (the EFI system partition, or a separate /boot) seems not to be mounted. Mount it and try again; nothing was changed."),
                       rec->path, dir);
          return FALSE;
        }
    }
  if (!pt_plan_compute_base (ctx, rec->path, c->before, &c->base, error))
    return FALSE;
  if (c->base == NULL && rec->keep && c->before != NULL)
    {
      /* etc/kernel/cmdline we created stays, without our tokens: deleting it
       * would let kernel-install copy a command line that still has them. */
      c->after = pt_engine_apply_editor (rec->editor, c->before, NULL, (const char *const *) rec->ours, error);
      if (c->after == NULL)
        return FALSE;
    }
  else
    c->after = g_strdup (c->base);
  set_action (c);
  g_ptr_array_add (self->changes, g_steal_pointer (&c));
  return TRUE;
}

/* The options of an entry without what the boot loader or kernel-install
 * add by themselves: the seed of a new etc/kernel/cmdline. */
char *
pt_plan_kernel_cmdline_seed (Ctx         *ctx,
                             const char  *entry,
                             GError     **error)
{
  g_autofree char *current = NULL;
  g_autofree char *base = NULL;
  g_autofree char *options = NULL;
  gboolean exists;

  if (entry == NULL)
    return g_strdup ("");
  current = pt_engine_read_file (ctx->paths, entry, &exists, error);
  if (current == NULL && error && *error)
    return NULL;
  if (!pt_plan_compute_base (ctx, entry, current, &base, error))
    return NULL;
  options = base ? pt_read_entry_options (base) : NULL;
  return pt_plan_running_without_loader (options);
}

/* ---- commands --------------------------------------------------------- */

void
pt_plan_add_command (PtPlan     *self,
             gboolean    edit,
             const char *first,
             ...)
{
  PtCommand *cmd = g_new0 (PtCommand, 1);
  GStrvBuilder *b = g_strv_builder_new ();
  const char *arg;
  va_list ap;

  va_start (ap, first);
  for (arg = first; arg != NULL; arg = va_arg (ap, const char *))
    g_strv_builder_add (b, arg);
  va_end (ap);
  cmd->argv = g_strv_builder_end (b);
  cmd->edit = edit;
  g_strv_builder_unref (b);
  g_ptr_array_add (self->commands, cmd);
}

void
pt_plan_add_command_strv (PtPlan   *self,
                          gboolean  edit,
                          GStrv     argv)
{
  PtCommand *cmd = g_new0 (PtCommand, 1);
  cmd->argv = g_strdupv (argv);
  cmd->edit = edit;
  g_ptr_array_add (self->commands, cmd);
}

gboolean
pt_plan_has_command (PtPlan            *self,
                     const char *const *argv)
{
  for (guint i = 0; i < self->commands->len; i++)
    if (g_strv_equal ((const char *const *) ((PtCommand *) g_ptr_array_index (self->commands, i))->argv, argv))
      return TRUE;
  return FALSE;
}

PtChange *
pt_plan_last_change (PtPlan *self)
{
  return g_ptr_array_index (self->changes, self->changes->len - 1);
}

/* The command that appends @tokens (@remove FALSE) or removes them again
 * (TRUE: revert, or a new selection) for a tool whose effect is the edit. */
static void
add_token_command (PtPlan     *self,
                   const char *kind,
                   GPtrArray  *tokens,
                   gboolean    remove)
{
  const PtBootPath *path;

  if (tokens->len == 0)
    return;
  path = pt_boot_path_for_cmd_kind (kind);
  if (path != NULL && path->cmd_tokens != NULL)
    path->cmd_tokens (self, tokens, remove);
}

/* What the tool's own configuration already has, to leave a person's
 * tokens to them (we only remove what we added): the boot path says, else
 * the running command line. */
static char *
command_present_cmdline (PtPlan     *self,
                         Ctx        *ctx,
                         const char *running)
{
  const PtBootPath *path = self->setup->bootloader;

  if (path != NULL && path->cmd_present != NULL)
    return path->cmd_present (self, ctx, running);
  return g_strdup (running);
}

gboolean
pt_plan_edit_commands (PtPlan      *self,
                    Ctx         *ctx,
                    const char  *kind,
                    const char  *running,
                    GError     **error)
{
  g_autoptr(GPtrArray) old = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) remove = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) append = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *present = command_present_cmdline (self, ctx, running);

  self->cmd_kind = g_strdup (kind);
  if (ctx->state->applied && g_strcmp0 (ctx->state->cmd_kind, kind) == 0)
    for (guint i = 0; ctx->state->cmd_ours[i] != NULL; i++)
      pt_plan_add_unique (old, ctx->state->cmd_ours[i]);

  for (guint i = 0; i < old->len; i++)
    if (!pt_plan_strv_has (self->kernel_args, g_ptr_array_index (old, i)))
      g_ptr_array_add (remove, g_strdup (g_ptr_array_index (old, i)));
    else
      pt_plan_add_unique (self->cmd_ours, g_ptr_array_index (old, i));

  for (guint i = 0; i < self->kernel_args->len; i++)
    {
      const char *t = g_ptr_array_index (self->kernel_args, i);
      const char *one[] = { t, NULL };
      g_autofree char *edited = NULL;

      if (pt_plan_strv_has (old, t))
        continue;
      edited = pt_edit_cmdline (present, one, NULL, error);
      if (edited == NULL)
        return FALSE;
      if (!g_str_equal (edited, present))
        {
          g_ptr_array_add (append, g_strdup (t));
          pt_plan_add_unique (self->cmd_ours, t);
        }
      else
        pt_plan_add_unique (self->cmd_already, t);   /* set by the person, left to them */
    }
  add_token_command (self, kind, remove, TRUE);
  add_token_command (self, kind, append, FALSE);
  return TRUE;
}

/* Regeneration, after the edits: the initramfs first (on kernel-install
 * systems it rewrites the entries from etc/kernel/cmdline), then the
 * bootloader's own configuration. */
static void
plan_regeneration (PtPlan  *self,
                   PtPaths *paths)
{
  gboolean initramfs = FALSE, bootloader = FALSE;

  for (guint i = 0; i < self->changes->len; i++)
    {
      PtChange *c = g_ptr_array_index (self->changes, i);
      if (g_str_equal (c->action, "none") || c->quiet)
        continue;
      if (c->initramfs)
        initramfs = TRUE;
      else
        bootloader = TRUE;
    }
  /* `repair` (option regenerate): the files may be right and what was
   * built from them not (an initramfs or grub.cfg from before them) */
  initramfs |= self->regenerate;
  bootloader |= self->regenerate;

  if (initramfs)
    switch (self->setup->initramfs)
      {
      case PT_INITRAMFS_MKINITCPIO:
        pt_plan_add_command (self, FALSE, "mkinitcpio", "-P", NULL);
        break;
      case PT_INITRAMFS_DRACUT:
        /* On ostree the initramfs comes with the image; a local one is
         * built from dracut.conf.d once it is enabled. */
        if (self->setup->ostree && !self->revert)
          pt_plan_add_command (self, FALSE, "rpm-ostree", "initramfs", "--enable", NULL);
        else if (!self->setup->ostree)
          pt_plan_add_command (self, FALSE, "dracut", "--regenerate-all", "--force", NULL);
        break;
      case PT_INITRAMFS_INITRAMFS_TOOLS:
        pt_plan_add_command (self, FALSE, "update-initramfs", "-u", "-k", "all", NULL);
        break;
      case PT_INITRAMFS_BOOSTER:
        pt_plan_add_command (self, FALSE, "/usr/lib/booster/regenerate_images", NULL);
        break;
      case PT_INITRAMFS_NONE:
        break;
      }

  if (bootloader && self->setup->bootloader != NULL && self->setup->bootloader->regenerate != NULL)
    self->setup->bootloader->regenerate (self, paths);

  /* Last, once everything is in place: boot the trial entry once. */
  if (self->trial_argv != NULL)
    pt_plan_add_command_strv (self, FALSE, self->trial_argv);
}

/* vfio-pci.ids= (or pci-stub.ids=) with other IDs than ours, live in a file
 * whose command line we extend: the kernel keeps only the last one given,
 * so ours carries their IDs too (merge_hand_written_ids); say so. */
static void
check_ids_given_twice (PtPlan *self)
{
  for (guint i = 0; i < self->changes->len; i++)
    {
      PtChange *c = g_ptr_array_index (self->changes, i);
      g_auto(GStrv) lines = NULL;

      if (c->initramfs || c->base == NULL || c->ours == NULL || c->ours[0] == NULL)
        continue;
      lines = g_strsplit (c->base, "\n", -1);
      for (guint l = 0; lines[l] != NULL; l++)
        {
          g_autoptr(GPtrArray) toks = NULL;
          if (g_strchug (lines[l])[0] == '#')
            continue;
          g_strdelimit (lines[l], "\"'", ' ');   /* a shell or GRUB value: its words */
          toks = pt_cmdline_tokenize (lines[l]);
          for (guint t = 0; t < toks->len; t++)
            {
              PtCmdlineToken *tok = g_ptr_array_index (toks, t);
              g_autofree char *value = NULL;
              const char *mine = NULL;
              if ((!g_str_equal (tok->key, "vfio_pci.ids") && !g_str_equal (tok->key, "pci_stub.ids")) ||
                  tok->value == NULL)
                continue;
              value = g_strdup (tok->value);
              for (guint k = 0; c->ours[k] != NULL; k++)
                {
                  g_autoptr(GPtrArray) o = pt_cmdline_tokenize (c->ours[k]);
                  PtCmdlineToken *ot = o->len ? g_ptr_array_index (o, 0) : NULL;
                  if (ot != NULL && g_str_equal (ot->key, tok->key))
                    mine = c->ours[k];
                }
              if (mine == NULL || g_str_has_suffix (mine, value))
                continue;
              const PtBootEditor *e = pt_boot_editor_find (c->editor, NULL);
              if (e != NULL && e->per_entry)
                {
                  g_autofree char *name = g_strndup (mine, strcspn (mine, "="));
                  pt_plan_add_issue (self->warnings, "ids-given-twice", NULL,
                                     g_strdup_printf (_("%s already has “%s”, written by hand, in one of its entries. The kernel keeps only the last %s it is given, which will be Passthrough's “%s”: the devices only your list names are no longer bound from that entry. Select them in Passthrough too, or take your argument out."),
                                                      c->path, tok->text, name, mine));
                }
              else
              {
                g_autofree char *name = g_strndup (mine, strcspn (mine, "="));
                pt_plan_add_issue (self->warnings, "ids-merged", NULL,
                                   g_strdup_printf (_("%s already has “%s”, written by hand. The kernel keeps only the last %s it is given, which will be Passthrough's, so Passthrough's carries your IDs too: “%s”. Revert takes out only Passthrough's."),
                                                    c->path, tok->text, name, mine));
              }
            }
        }
    }
}

/* A setup made by hand (a tutorial followed before, a state file lost): say
 * what the person's files already carry, which the plan neither adds again
 * nor takes away at revert. */
static void
check_hand_made (PtPlan *self)
{
  GString *what = g_string_new (NULL);

  for (guint i = 0; i < self->changes->len; i++)
    {
      PtChange *c = g_ptr_array_index (self->changes, i);
      if (c->whole_already)
        {
          if (what->len > 0)
            g_string_append (what, "; ");
          g_string_append_printf (what, _("%s is there as Passthrough would write it"), c->path);
        }
      if (c->already == NULL || c->already[0] == NULL)
        continue;
      if (what->len > 0)
        g_string_append (what, "; ");
      g_string_append_printf (what, _("%s has"), c->path);
      for (guint k = 0; c->already[k] != NULL; k++)
        g_string_append_printf (what, "%s “%s”", k > 0 ? "," : "", c->already[k]);
    }
  if (self->cmd_already->len > 0)
    {
      if (what->len > 0)
        g_string_append (what, "; ");
      g_string_append_printf (what, _("the %s configuration has"), self->cmd_kind);
      for (guint k = 0; k < self->cmd_already->len; k++)
        g_string_append_printf (what, "%s “%s”", k > 0 ? "," : "", (char *) g_ptr_array_index (self->cmd_already, k));
    }
  check_ids_given_twice (self);
  if (what->len > 0)
    pt_plan_add_issue (self->warnings, "hand-made-setup", NULL,
                       g_strdup_printf (_("Your own configuration already does part of this (%s). Passthrough adds none of it a second time and leaves those lines yours: “passthroughctl revert” keeps them, so what they bind stays on vfio-pci until you take them out."),
                                        what->str));
  g_string_free (what, TRUE);
}

/* initramfs-tools reads its modules file line by line with the shell's
 * `read`, which keeps a carriage return: in a file saved with CR LF line
 * ends each line's last word carries a CR, so a module named alone on its
 * line is not loaded at boot, the vfio ones we add included (the editor
 * writes the file's own line ends).  The module-lines reader counts
 * "vfio_pci\r" as vfio_pci, true for systemd's /etc/modules, so the plan
 * says it here (docs/json.md). */
static void
check_modules_line_ends (PtPlan     *self,
                         const char *path)
{
  PtChange *c = find_change (self, path);   /* the text pt_plan_target_edit read */

  if (c == NULL || c->before == NULL || strchr (c->before, '\r') == NULL)
    return;
  pt_plan_add_issue (self->warnings, "modules-crlf", NULL,
                     g_strdup_printf (_("%s has Windows line ends (CR LF). initramfs-tools keeps the CR as part of each line’s last word, so a module named alone on such a line is not loaded at boot, the vfio modules Passthrough adds there among them."),
                                      path));
}

static void
check_unfinished (PtPlan  *self,
                  PtPaths *paths)
{
  g_autofree char *journal = pt_paths_build (paths, "var/lib/passthrough/journal.json", NULL);

  if (g_file_test (journal, G_FILE_TEST_EXISTS))
    pt_plan_add_issue (self->warnings, "unfinished-transaction", NULL,
                       g_strdup (_("An earlier change did not finish (the computer stopped or the program was killed). Apply or revert first puts every file back as it was before that change; this plan shows the files as they are now.")));
}

static void
check_early_scripts (PtPlan  *self,
                     PtPaths *paths)
{
  const char *script = NULL;
  g_autofree char *p = NULL;

  if (g_str_equal (self->binding, "ids"))
    return;
  switch (self->setup->initramfs)
    {
    case PT_INITRAMFS_INITRAMFS_TOOLS:
      script = "usr/share/initramfs-tools/scripts/init-top/00-passthrough-vfio";
      break;
    case PT_INITRAMFS_DRACUT:
      script = "usr/lib/dracut/modules.d/90passthrough/module-setup.sh";
      break;
    case PT_INITRAMFS_MKINITCPIO:
      script = "usr/lib/initcpio/hooks/passthrough";
      pt_plan_add_issue (self->warnings, "mkinitcpio-address-untested", NULL,
                         g_strdup (_("Binding by address on mkinitcpio uses Passthrough's early hook, placed before “udev” in HOOKS; it has not been proven on a booted Arch system yet. Check “passthroughctl status” after the restart.")));
      break;
    case PT_INITRAMFS_BOOSTER:
      pt_plan_add_issue (self->blockers, "booster-no-address-binding", NULL,
                         g_strdup (_("booster runs no scripts in its initramfs, so a device cannot be bound by its address there. Bind by ID (only possible when no other device has the same IDs), or switch to mkinitcpio or dracut.")));
      return;
    case PT_INITRAMFS_NONE:
      pt_plan_add_issue (self->blockers, "no-initramfs", NULL,
                         g_strdup (_("Binding by address needs an early script in the initramfs, but no initramfs generator (mkinitcpio, dracut, initramfs-tools) was found.")));
      return;
    }
  p = pt_paths_build (paths, script, NULL);
  if (!g_file_test (p, G_FILE_TEST_EXISTS))
    pt_plan_add_issue (self->warnings, "early-script-missing", NULL,
                       g_strdup_printf (_("The early boot script that binds by address (/%s) is not installed on this system; install Passthrough's package there before restarting, or the devices stay with the host."),
                                        script));
}

/* A change that writes nothing and only says what a person's own file
 * already carries (see check_hand_made). */
void
pt_plan_note_already (PtPlan     *self,
              const char *path,
              GPtrArray  *items)
{
  PtChange *c = g_new0 (PtChange, 1);

  c->path = g_strdup (path);
  c->editor = g_strdup ("none");
  c->action = g_strdup ("none");
  c->ours = g_new0 (char *, 1);
  c->already = g_new0 (char *, items->len + 1);
  for (guint i = 0; i < items->len; i++)
    c->already[i] = g_strdup (g_ptr_array_index (items, i));
  g_ptr_array_add (self->changes, c);
}

/* The vfio modules our drop-in would list, less those the person's own
 * configuration already puts into the initramfs (mkinitcpio.conf and its
 * other drop-ins; dracut.conf and its drop-ins, force_drivers or
 * add_drivers): a module listed twice is loaded once, but a file of ours
 * that only repeats theirs is noise, and "adds nothing twice" is the rule. */
static GPtrArray *
modules_not_listed_by_hand (PtPlan   *self,
                            Ctx      *ctx,
                            gboolean  mkinitcpio)
{
  const char *main_conf = mkinitcpio ? "/etc/mkinitcpio.conf" : "/etc/dracut.conf";
  const char *dropin_dir = mkinitcpio ? "etc/mkinitcpio.conf.d" : "etc/dracut.conf.d";
  g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  GPtrArray *wanted = g_ptr_array_new_null_terminated (0, g_free, TRUE);
  GHashTable *found_in = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
  g_autofree char *dir = pt_paths_build (ctx->paths, dropin_dir, NULL);
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  char *text;

  if ((text = pt_engine_read_file (ctx->paths, main_conf, NULL, NULL)) != NULL)
    {
      g_ptr_array_add (texts, text);
      g_ptr_array_add (names, g_strdup (main_conf));
    }
  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *sys = g_strdup_printf ("/%s/%s", dropin_dir, name);
      if (!g_str_has_suffix (name, ".conf") || g_str_equal (name, "passthrough.conf"))
        continue;
      if ((text = pt_engine_read_file (ctx->paths, sys, NULL, NULL)) != NULL)
        {
          g_ptr_array_add (texts, text);
          g_ptr_array_add (names, g_steal_pointer (&sys));
        }
    }

  for (guint i = 0; i < self->modules->len; i++)
    {
      const char *m = g_ptr_array_index (self->modules, i);
      const char *where = NULL;
      for (guint k = 0; k < texts->len && where == NULL; k++)
        {
          const char *text_k = g_ptr_array_index (texts, k);
          if (mkinitcpio)
            {
              /* MODULES is a bash array (or Manjaro's string): its editor
               * knows whether the module is there */
              const char *one[] = { m, NULL };
              g_autofree char *probe = pt_engine_apply_editor ("mkinitcpio", text_k, one, NULL, NULL);
              if (probe != NULL && g_str_equal (probe, text_k))
                where = g_ptr_array_index (names, k);
            }
          else
            {
              const char *vars[] = { "force_drivers", "add_drivers", NULL };
              for (guint v = 0; vars[v] != NULL && where == NULL; v++)
                {
                  g_autofree char *words = pt_read_shell_words (text_k, vars[v]);
                  if (words != NULL && pt_module_words_contain (words, m))
                    where = g_ptr_array_index (names, k);
                }
            }
        }
      if (where == NULL)
        g_ptr_array_add (wanted, g_strdup (m));
      else
        {
          GPtrArray *list = g_hash_table_lookup (found_in, where);
          if (list == NULL)
            {
              list = g_ptr_array_new_with_free_func (g_free);
              g_hash_table_insert (found_in, g_strdup (where), list);
            }
          g_ptr_array_add (list, g_strdup (m));
        }
    }
  for (guint k = 0; k < names->len; k++)
    {
      GPtrArray *list = g_hash_table_lookup (found_in, g_ptr_array_index (names, k));
      if (list != NULL)
        pt_plan_note_already (self, g_ptr_array_index (names, k), list);
    }
  g_hash_table_destroy (found_in);
  return wanted;
}

static gboolean
plan_files (PtPlan        *self,
            Ctx           *ctx,
            PtTopology    *topology,
            PtPlanOptions *options,
            const char    *running,
            GError       **error)
{
  PtBootSetup *setup = self->setup;
  gboolean cmdline_editable = TRUE;
  const char *initramfs_modules_file = NULL;

  /* The kernel command line; for a trial, a one-shot entry instead (the
   * default entries stay as they are until confirm). */
  if (self->trial)
    {
      if (!pt_plan_trial_files (self, ctx, error))
        return FALSE;
    }
  else if (setup->bootloader != NULL)
    {
      if (!setup->bootloader->plan_cmdline (self, ctx, running, error))
        return FALSE;
    }
  if (setup->bootloader == NULL)
    cmdline_editable = FALSE;
  /* A trial leaves the default entries alone: they are the way back. */
  if (!self->trial && !pt_plan_way_back_files (self, ctx, error))
    return FALSE;

  /* Our modprobe file: softdeps (harmless alone: which devices vfio-pci
   * takes comes from the command line), ids only when there is no command
   * line to carry them.  --iommu-only needs neither it nor the initramfs. */
  if (!options->iommu_only)
  {
    g_autoptr(GPtrArray) ids = g_ptr_array_new_null_terminated (0, g_free, TRUE);
    PtModprobeConf conf = { 0 };

    if (!cmdline_editable)
      for (guint i = 0; i < self->devices->len; i++)
        pt_plan_add_unique (ids, ((PlanDevice *) g_ptr_array_index (self->devices, i))->ids);
    conf.softdep_drivers = (const char *const *) pt_strv_peek (self->softdeps);
    conf.vfio_ids = cmdline_editable ? NULL : (const char *const *) pt_strv_peek (ids);
    conf.disable_vga = options->disable_vga;
    conf.disable_idle_d3 = options->disable_idle_d3;
    if (!pt_plan_target_whole (self, ctx, "/etc/modprobe.d/passthrough.conf", pt_render_modprobe_conf (&conf), TRUE, error))
      return FALSE;
  }

  /* The initramfs: vfio modules in it, ahead of the GPU drivers. */
  switch (options->iommu_only ? PT_INITRAMFS_NONE : setup->initramfs)
    {
    case PT_INITRAMFS_MKINITCPIO:
      if (setup->mkinitcpio_dropins)
        {
          g_autoptr(GPtrArray) wanted = modules_not_listed_by_hand (self, ctx, TRUE);
          char *text;
          if (wanted->len == 0 && g_str_equal (self->binding, "ids"))
            break;   /* all there by hand: no file of ours at all */
          text = pt_render_mkinitcpio_dropin ((const char *const *) pt_strv_peek (wanted));
          if (!g_str_equal (self->binding, "ids"))
            {
              /* The early hook must run before udev loads the host drivers;
               * mkinitcpio's config is bash, so put it right before udev. */
              char *with_hook = g_strconcat (text,
                                             "# Binding by address: Passthrough's early hook runs before udev.\n"
                                             "HOOKS=(\"${HOOKS[@]/#udev/passthrough udev}\")\n", NULL);
              g_free (text);
              text = with_hook;
            }
          if (!pt_plan_target_whole (self, ctx, "/etc/mkinitcpio.conf.d/passthrough.conf", text, TRUE, error))
            return FALSE;
        }
      else
        initramfs_modules_file = "/etc/mkinitcpio.conf";
      break;
    case PT_INITRAMFS_DRACUT:
      {
        g_autoptr(GPtrArray) wanted = modules_not_listed_by_hand (self, ctx, FALSE);
        if (wanted->len == 0)
          break;   /* all there by hand: no file of ours at all */
        if (!pt_plan_target_whole (self, ctx, "/etc/dracut.conf.d/passthrough.conf",
                                   pt_render_dracut_conf ((const char *const *) pt_strv_peek (wanted)), TRUE, error))
          return FALSE;
      }
      break;
    case PT_INITRAMFS_INITRAMFS_TOOLS:
      initramfs_modules_file = "/etc/initramfs-tools/modules";
      break;
    case PT_INITRAMFS_BOOSTER:
      initramfs_modules_file = "/etc/booster.yaml";
      break;
    case PT_INITRAMFS_NONE:
      break;
    }
  if (initramfs_modules_file != NULL)
    {
      const char *editor = setup->initramfs == PT_INITRAMFS_MKINITCPIO ? "mkinitcpio" :
                           setup->initramfs == PT_INITRAMFS_BOOSTER ? "booster" : "module-lines";
      if (!pt_plan_target_edit (self, ctx, initramfs_modules_file, editor, self->modules, NULL, FALSE, TRUE, error))
        return FALSE;
      if (setup->initramfs == PT_INITRAMFS_INITRAMFS_TOOLS)
        check_modules_line_ends (self, initramfs_modules_file);
    }

  /* Files of the earlier apply this plan no longer needs go back to base. */
  for (guint i = 0; ctx->state->applied && i < ctx->state->files->len; i++)
    {
      PtStateFile *rec = g_ptr_array_index (ctx->state->files, i);
      if (find_change (self, rec->path) == NULL && !target_base (self, ctx, rec, error))
        return FALSE;
    }
  /* Tokens an earlier apply added through a command, under another tool. */
  if (ctx->state->applied && ctx->state->cmd_kind != NULL &&
      g_strcmp0 (ctx->state->cmd_kind, self->cmd_kind) != 0 && ctx->state->cmd_ours[0] != NULL)
    {
      g_autoptr(GPtrArray) old = g_ptr_array_new_with_free_func (g_free);
      for (guint i = 0; ctx->state->cmd_ours[i] != NULL; i++)
        g_ptr_array_add (old, g_strdup (ctx->state->cmd_ours[i]));
      add_token_command (self, ctx->state->cmd_kind, old, TRUE);
    }
  return TRUE;
}

static void
check_setup (PtPlan     *self,
             PtPaths    *paths)
{
  PtBootSetup *setup = self->setup;
  g_autofree char *args = pt_plan_join_array (self->kernel_args, " ");

  if (setup->esp_missing)
    pt_plan_add_issue (self->blockers, "esp-not-mounted", NULL,
                       g_strdup_printf (_("systemd-boot started this system (its LoaderInfo EFI variable says so), but no EFI system partition with loader/loader.conf is mounted at /boot/efi, /efi or /boot under %s, so its boot entries cannot be read or changed. Mount it (for example “mount /boot/efi”, or see “bootctl --print-esp-path”) and try again."),
                                        pt_paths_get_root (paths)));
  else if (setup->ambiguous)
    {
      g_autofree char *names = pt_plan_join_array (setup->candidates, ", ");
      pt_plan_add_issue (self->blockers, "bootloader-ambiguous", NULL,
                         g_strdup_printf (_("Several bootloaders are configured here (%s) and nothing shows which one started this system. Choose one with --bootloader NAME."),
                                          names));
    }
  else if (setup->forced_missing)
    pt_plan_add_issue (self->blockers, "bootloader-not-found", NULL,
                       g_strdup_printf (_("The bootloader “%s” you chose has no configuration under %s."),
                                        pt_boot_path_name (setup->bootloader), pt_paths_get_root (paths)));
  else if (setup->bootloader == NULL && setup->initramfs == PT_INITRAMFS_NONE)
    {
      GString *known = g_string_new (NULL);
      for (guint i = 0; pt_boot_paths[i] != NULL; i++)
        g_string_append_printf (known, "%s%s", i > 0 ? ", " : "", pt_boot_paths[i]->title);
      pt_plan_add_issue (self->blockers, "no-boot-setup", NULL,
                         g_strdup_printf (_("No bootloader or initramfs configuration Passthrough knows was found under %s (it looks for %s; mkinitcpio, dracut, initramfs-tools, booster). Add “%s” to your kernel command line by hand and put vfio_pci, vfio and vfio_iommu_type1 into your initramfs."),
                                          pt_paths_get_root (paths), known->str, args));
      g_string_free (known, TRUE);
    }
  else if (setup->bootloader == NULL)
    {
      if (g_str_equal (self->binding, "ids"))
        pt_plan_add_issue (self->warnings, "no-editable-cmdline", NULL,
                           g_strdup_printf (_("No bootloader configuration Passthrough can edit was found, so the IDs go into /etc/modprobe.d/passthrough.conf: they then bind at every boot, and the way back is “passthroughctl revert”. For the command line as the switch, add “%s” to it by hand."),
                                            args));
      else
        pt_plan_add_issue (self->blockers, "no-bootloader", NULL,
                           g_strdup_printf (_("Binding by address needs the kernel command line, but no bootloader configuration Passthrough can edit was found. Add “%s” to your kernel command line by hand."),
                                            args));
    }
  if (setup->initramfs == PT_INITRAMFS_BOOSTER)
    pt_plan_add_issue (self->warnings, "booster-limits", NULL,
                       g_strdup (_("booster only loads the vfio modules early (modules_force_load); it runs no scripts, so binding by address is not possible with it.")));
}

PtPlan *
pt_plan_new_for_selection (PtPaths            *paths,
                           PtTopology         *topology,
                           const char *const  *addresses,
                           PtPlanOptions      *options,
                           GError            **error)
{
  g_autoptr(PtPlan) self = g_object_new (PT_TYPE_PLAN, NULL);
  g_autoptr(PtPlanOptions) defaults = NULL;
  g_autoptr(PtState) state = NULL;
  g_autofree char *running = NULL;
  Ctx ctx;

  g_return_val_if_fail (PT_IS_PATHS (paths), NULL);
  g_return_val_if_fail (PT_IS_TOPOLOGY (topology), NULL);

  if (options == NULL)
    options = defaults = pt_plan_options_new ();
  if (options->binding == NULL)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_ARGS, _("The option “binding” must be auto, ids or address."));
      return NULL;
    }
  /* --iommu-only (docs/machine-knowledge.md): the IOMMU on, nothing bound */
  if (options->iommu_only && addresses != NULL && addresses[0] != NULL)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_ARGS,
                   _("--iommu-only binds nothing at boot, so it takes no devices: leave out --select, or leave out --iommu-only."));
      return NULL;
    }
  if (!options->iommu_only && !pt_plan_add_devices (self, topology, addresses, error))
    return NULL;
  state = pt_state_load (paths, error);
  if (state == NULL)
    return NULL;
  ctx.paths = paths;
  ctx.state = state;

  running = pt_engine_running_cmdline (paths, topology);
  self->setup = pt_boot_setup_detect (paths, running, options->bootloader);

  pt_plan_check_devices (self, paths, topology, options);
  pt_plan_add_traps (self, paths, topology, options);
  pt_plan_record_group_mates (self, topology);
  pt_plan_choose_binding (self, topology, options);
  pt_plan_compute_kernel_args (self, topology, options);
  if (!options->iommu_only)
    pt_plan_compute_modules (self, paths, topology);
  check_setup (self, paths);
  pt_plan_check_system (self, paths, running, state);
  check_early_scripts (self, paths);
  check_unfinished (self, paths);
  self->trial = options->trial;
  self->regenerate = options->regenerate;
  {
    /* regenerate is a one-off of repair, not part of the setup */
    gboolean regenerate = options->regenerate;
    g_autoptr(GVariant) v = NULL;
    options->regenerate = FALSE;
    v = g_variant_ref_sink (pt_plan_options_to_variant (options));
    options->regenerate = regenerate;
    self->options_text = g_variant_print (v, TRUE);
  }
  if (self->trial)
    pt_plan_check_trial (self, paths);

  if (!plan_files (self, &ctx, topology, options, running, error))
    return NULL;
  check_hand_made (self);
  plan_regeneration (self, paths);
  pt_plan_add_fixes (self, paths, topology, options);
  return g_steal_pointer (&self);
}

PtPlan *
pt_plan_new_for_revert (PtPaths     *paths,
                        PtTopology  *topology,
                        GError     **error)
{
  g_autoptr(PtPlan) self = g_object_new (PT_TYPE_PLAN, NULL);
  g_autoptr(PtState) state = NULL;
  g_autofree char *running = NULL;
  Ctx ctx;

  g_return_val_if_fail (PT_IS_PATHS (paths), NULL);

  state = pt_state_load (paths, error);
  if (state == NULL)
    return NULL;
  ctx.paths = paths;
  ctx.state = state;
  self->revert = TRUE;
  self->binding = g_strdup ("none");   /* nothing is bound after a revert */
  running = pt_engine_running_cmdline (paths, topology);
  self->setup = pt_boot_setup_detect (paths, running, state->bootloader);
  self->setup->forced_missing = FALSE;

  if (!state->applied)
    return g_steal_pointer (&self);

  for (guint i = 0; state->selection && state->selection[i] != NULL; i++)
    pt_plan_add_unique (self->selection, state->selection[i]);
  if (state->devices)
    {
      JsonArray *a = json_node_get_array (state->devices);
      for (guint i = 0; i < json_array_get_length (a); i++)
        {
          JsonObject *o = json_array_get_object_element (a, i);
          PlanDevice *d = g_new0 (PlanDevice, 1);
          if (o == NULL || !json_object_has_member (o, "address"))
            {
              g_free (d);
              continue;
            }
          d->address = g_strdup (json_object_get_string_member (o, "address"));
          d->ids = g_strdup (json_object_get_string_member_with_default (o, "ids", ""));
          d->binding = g_strdup (json_object_get_string_member_with_default (o, "binding", "ids"));
          d->driver_after = g_strdup (json_object_get_string_member_with_default (o, "driver_after", "vfio-pci"));
          d->reason = g_strdup (_("configured earlier"));
          g_ptr_array_add (self->devices, d);
        }
    }

  for (guint i = 0; i < state->files->len; i++)
    if (!target_base (self, &ctx, g_ptr_array_index (state->files, i), error))
      return NULL;
  if (state->cmd_kind != NULL && state->cmd_ours[0] != NULL)
    {
      g_autoptr(GPtrArray) old = g_ptr_array_new_with_free_func (g_free);
      for (guint i = 0; state->cmd_ours[i] != NULL; i++)
        g_ptr_array_add (old, g_strdup (state->cmd_ours[i]));
      add_token_command (self, state->cmd_kind, old, TRUE);
      self->cmd_kind = g_strdup (state->cmd_kind);
    }
  plan_regeneration (self, paths);
  /* A trial not booted yet: its one-shot choice must not outlive it. */
  if (state->trial)
    {
      const PtBootPath *armed_by = pt_boot_path_find (state->bootloader);
      if (armed_by != NULL && armed_by->disarm_trial != NULL)
        armed_by->disarm_trial (self, paths);
    }
  return g_steal_pointer (&self);
}

gboolean
pt_plan_has_blockers (PtPlan *self)
{
  return self->blockers->len > 0;
}

gboolean
pt_plan_is_empty (PtPlan *self)
{
  for (guint i = 0; i < self->changes->len; i++)
    if (!g_str_equal (((PtChange *) g_ptr_array_index (self->changes, i))->action, "none"))
      return FALSE;
  return self->commands->len == 0;
}

GStrv
pt_plan_get_devices (PtPlan *self)
{
  GStrvBuilder *b = g_strv_builder_new ();
  GStrv out;

  for (guint i = 0; i < self->devices->len; i++)
    g_strv_builder_add (b, ((PlanDevice *) g_ptr_array_index (self->devices, i))->address);
  out = g_strv_builder_end (b);
  g_strv_builder_unref (b);
  return out;
}

GPtrArray *
pt_plan_get_changes (PtPlan *self)
{
  return self->changes;
}

GPtrArray *
pt_plan_get_commands (PtPlan *self)
{
  return self->commands;
}

gboolean
pt_plan_is_revert (PtPlan *self)
{
  return self->revert;
}

const char *
pt_plan_get_cmd_kind (PtPlan *self)
{
  return self->cmd_kind;
}

GStrv
pt_plan_get_cmd_ours (PtPlan *self)
{
  return pt_strv_peek (self->cmd_ours);
}

GPtrArray *
pt_plan_get_warnings (PtPlan *self)
{
  return self->warnings;
}

GPtrArray *
pt_plan_get_blockers (PtPlan *self)
{
  return self->blockers;
}

