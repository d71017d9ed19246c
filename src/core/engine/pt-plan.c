/* pt-plan.c: what would change, as data (DESIGN.md "Boot setup", "Safety
 * rules" 5; STYLE.md habit 2).
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
  g_free (self->cmd_kind);
  g_ptr_array_unref (self->cmd_ours);
  g_free (self->options_text);
  g_free (self->trial_command);
  g_free (self->trial_entry);
  g_free (self->way_back_path);
  g_free (self->way_back_title);
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
  self->cmd_ours = g_ptr_array_new_null_terminated (0, g_free, TRUE);
}

/* ---- small helpers ---------------------------------------------------- */

static gboolean
strv_has (GPtrArray  *array,
          const char *s)
{
  for (guint i = 0; i < array->len; i++)
    if (g_str_equal (g_ptr_array_index (array, i), s))
      return TRUE;
  return FALSE;
}

static void
add_unique (GPtrArray  *array,
            const char *s)
{
  if (s != NULL && !strv_has (array, s))
    g_ptr_array_add (array, g_strdup (s));
}

static PlanDevice *
find_device (PtPlan     *self,
             const char *address)
{
  for (guint i = 0; i < self->devices->len; i++)
    {
      PlanDevice *d = g_ptr_array_index (self->devices, i);
      if (g_str_equal (d->address, address))
        return d;
    }
  return NULL;
}

void
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
}

static void
add_issue1 (GPtrArray  *list,
            const char *code,
            const char *address,
            char       *message)
{
  g_autoptr(GPtrArray) one = g_ptr_array_new ();
  if (address)
    g_ptr_array_add (one, (gpointer) address);
  pt_plan_add_issue (list, code, one, message);
}

static char *
join_refs (PtTopology *topology,
           GPtrArray  *addresses)
{
  g_autoptr(GPtrArray) refs = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < addresses->len; i++)
    g_ptr_array_add (refs, pt_describe_device_ref (topology, g_ptr_array_index (addresses, i)));
  return pt_describe_join (refs);
}

static char *
join_array (GPtrArray  *array,
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

/* The module a driver name belongs to, where they differ. */
static const char *
module_for_driver (const char *driver)
{
  static const struct { const char *driver, *module; } map[] = {
    { "xhci_hcd", "xhci_pci" }, { "ehci-pci", "ehci_pci" }, { "ohci-pci", "ohci_pci" },
    { "nvidia-gpu", "i2c_nvidia_gpu" }, { "nvidia", "nvidia" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (map); i++)
    if (g_str_equal (driver, map[i].driver))
      return map[i].module;
  return NULL;
}

static char *
driver_module (const char *driver)
{
  const char *mapped = module_for_driver (driver);
  char *m;

  if (mapped)
    return g_strdup (mapped);
  m = g_strdup (driver);
  g_strdelimit (m, "-", '_');
  return m;
}

static gboolean
kernel_before_6_2 (const char *release)
{
  guint major = 0, minor = 0;

  if (release == NULL || sscanf (release, "%u.%u", &major, &minor) != 2)
    return FALSE;
  return major < 6 || (major == 6 && minor < 2);
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
      const char *one[] = { g_ptr_array_index (add, i), NULL };
      g_autofree char *edited = pt_engine_apply_editor (editor, source, one, NULL, error);
      if (edited == NULL)
        {
          g_prefix_error (error, _("%s: "), path);
          return FALSE;
        }
      if (!g_str_equal (edited, source))
        g_ptr_array_add (ours, g_strdup (one[0]));
    }
  if (ours->len == 0 && c->base == NULL)
    c->after = NULL;   /* nothing of ours to put in a file that was not there */
  else
    {
      c->after = pt_engine_apply_editor (editor, source, (const char *const *) ours->pdata, NULL, error);
      if (c->after == NULL)
        {
          g_prefix_error (error, _("%s: "), path);
          return FALSE;
        }
    }
  c->ours = (GStrv) g_ptr_array_steal (ours, NULL);
  c->record = c->ours[0] != NULL;
  set_action (c);
  g_ptr_array_add (self->changes, g_steal_pointer (&c));
  return TRUE;
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
  c->initramfs = !g_str_has_prefix (rec->editor, "grub-default") && !g_str_equal (rec->editor, "entry") &&
                 !g_str_equal (rec->editor, "kernel-cmdline") && !g_str_equal (rec->editor, "limine") &&
                 !g_str_equal (rec->editor, "default-limine") && !g_str_equal (rec->editor, "refind");
  /* A trial entry needs no regeneration to go away. */
  c->quiet = g_str_equal (rec->editor, "trial-block") || g_str_equal (rec->editor, "custom-blocks") ||
             g_str_has_suffix (rec->path, "/passthrough-trial.conf") ||
             g_str_has_suffix (rec->path, "/passthrough-way-back.conf");
  c->before = pt_engine_read_file (ctx->paths, rec->path, &exists, error);
  if (c->before == NULL && !exists && error && *error)
    return FALSE;
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
static char *
kernel_cmdline_seed (Ctx         *ctx,
                     const char  *entry,
                     GError     **error)
{
  g_autofree char *current = NULL;
  g_autofree char *base = NULL;
  g_autofree char *options = NULL;
  g_autoptr(GPtrArray) tokens = NULL;
  GString *out = g_string_new (NULL);
  gboolean exists;

  if (entry == NULL)
    return g_string_free (out, FALSE);
  current = pt_engine_read_file (ctx->paths, entry, &exists, error);
  if (current == NULL && error && *error)
    {
      g_string_free (out, TRUE);
      return NULL;
    }
  if (!pt_plan_compute_base (ctx, entry, current, &base, error))
    {
      g_string_free (out, TRUE);
      return NULL;
    }
  options = base ? pt_read_entry_options (base) : NULL;
  tokens = pt_cmdline_tokenize (options ? options : "");
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

/* ---- commands --------------------------------------------------------- */

static void
add_command (PtPlan     *self,
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

static void
add_command_strv (PtPlan   *self,
                  gboolean  edit,
                  GStrv     argv)
{
  PtCommand *cmd = g_new0 (PtCommand, 1);
  cmd->argv = g_strdupv (argv);
  cmd->edit = edit;
  g_ptr_array_add (self->commands, cmd);
}

/* The command that appends @tokens (@remove FALSE) or removes them again
 * (TRUE: revert, or a new selection) for a tool whose effect is the edit. */
static void
add_token_command (PtPlan     *self,
                   const char *kind,
                   GPtrArray  *tokens,
                   gboolean    remove)
{
  g_autofree char *joined = NULL;

  if (tokens->len == 0)
    return;
  joined = join_array (tokens, " ");
  if (g_str_equal (kind, "grubby"))
    {
      g_autofree char *arg = g_strdup_printf (remove ? "--remove-args=%s" : "--args=%s", joined);
      add_command (self, TRUE, "grubby", "--update-kernel=ALL", arg, NULL);
    }
  else if (g_str_equal (kind, "kernelstub"))
    add_command (self, TRUE, "kernelstub", remove ? "-d" : "-a", joined, NULL);
  else if (g_str_equal (kind, "rpm-ostree"))
    {
      g_autoptr(GPtrArray) argv = g_ptr_array_new_null_terminated (0, g_free, TRUE);
      g_ptr_array_add (argv, g_strdup ("rpm-ostree"));
      g_ptr_array_add (argv, g_strdup ("kargs"));
      for (guint i = 0; i < tokens->len; i++)
        g_ptr_array_add (argv, g_strdup_printf (remove ? "--delete-if-present=%s" : "--append-if-missing=%s",
                                                (char *) g_ptr_array_index (tokens, i)));
      add_command_strv (self, TRUE, (GStrv) argv->pdata);
    }
}

/* What the tool's own configuration already has, to leave a person's
 * tokens to them (we only remove what we added). */
static char *
command_present_cmdline (PtPlan     *self,
                         Ctx        *ctx,
                         const char *running)
{
  if (self->setup->bootloader == PT_BOOTLOADER_GRUB_BLS && self->setup->bls_entries->len > 0)
    {
      g_autofree char *text = pt_engine_read_file (ctx->paths, g_ptr_array_index (self->setup->bls_entries, 0), NULL, NULL);
      char *options = NULL;

      if (text != NULL && pt_entry_uses_kernelopts (text))
        {
          /* "options $kernelopts" (older Fedora): the arguments live in
           * grubenv.  Not the running command line: in a trial boot that
           * already has our arguments. */
          g_autofree char *env_path = g_build_filename (pt_plan_bls_grub_dir (ctx->paths), "grubenv", NULL);
          g_autofree char *env = pt_engine_read_file (ctx->paths, env_path, NULL, NULL);
          g_auto(GStrv) lines = env ? g_strsplit (env, "\n", -1) : NULL;
          for (guint i = 0; lines && lines[i] != NULL; i++)
            if (g_str_has_prefix (lines[i], "kernelopts="))
              return g_strdup (lines[i] + strlen ("kernelopts="));
          return g_strdup ("");
        }
      options = text ? pt_read_entry_options (text) : NULL;
      if (options != NULL)
        return options;
    }
  if (self->setup->bootloader == PT_BOOTLOADER_KERNELSTUB)
    {
      g_autofree char *text = pt_engine_read_file (ctx->paths, "/etc/kernelstub/configuration", NULL, NULL);
      g_autoptr(JsonParser) parser = json_parser_new ();
      if (text && json_parser_load_from_data (parser, text, -1, NULL) &&
          JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
        {
          JsonObject *root = json_node_get_object (json_parser_get_root (parser));
          JsonObject *user = json_object_has_member (root, "user") ? json_object_get_object_member (root, "user") : NULL;
          JsonArray *opts = user && json_object_has_member (user, "kernel_options") ?
                            json_object_get_array_member (user, "kernel_options") : NULL;
          if (opts != NULL)
            {
              GString *s = g_string_new (NULL);
              for (guint i = 0; i < json_array_get_length (opts); i++)
                {
                  const char *o = json_array_get_string_element (opts, i);
                  if (o == NULL)
                    continue;
                  if (s->len)
                    g_string_append_c (s, ' ');
                  g_string_append (s, o);
                }
              return g_string_free (s, FALSE);
            }
        }
    }
  return g_strdup (running);
}

static gboolean
plan_edit_commands (PtPlan      *self,
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
      add_unique (old, ctx->state->cmd_ours[i]);

  for (guint i = 0; i < old->len; i++)
    if (!strv_has (self->kernel_args, g_ptr_array_index (old, i)))
      g_ptr_array_add (remove, g_strdup (g_ptr_array_index (old, i)));
    else
      add_unique (self->cmd_ours, g_ptr_array_index (old, i));

  for (guint i = 0; i < self->kernel_args->len; i++)
    {
      const char *t = g_ptr_array_index (self->kernel_args, i);
      const char *one[] = { t, NULL };
      g_autofree char *edited = NULL;

      if (strv_has (old, t))
        continue;
      edited = pt_edit_cmdline (present, one, NULL, error);
      if (edited == NULL)
        return FALSE;
      if (!g_str_equal (edited, present))
        {
          g_ptr_array_add (append, g_strdup (t));
          add_unique (self->cmd_ours, t);
        }
    }
  add_token_command (self, kind, remove, TRUE);
  add_token_command (self, kind, append, FALSE);
  return TRUE;
}

/* Regeneration, after the edits: the initramfs first (on kernel-install
 * systems it rewrites the entries from etc/kernel/cmdline), then the
 * bootloader's own configuration. */
static void
plan_regeneration (PtPlan *self)
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

  if (initramfs)
    switch (self->setup->initramfs)
      {
      case PT_INITRAMFS_MKINITCPIO:
        add_command (self, FALSE, "mkinitcpio", "-P", NULL);
        break;
      case PT_INITRAMFS_DRACUT:
        /* On ostree the initramfs comes with the image; a local one is
         * built from dracut.conf.d once it is enabled. */
        if (self->setup->ostree && !self->revert)
          add_command (self, FALSE, "rpm-ostree", "initramfs", "--enable", NULL);
        else if (!self->setup->ostree)
          add_command (self, FALSE, "dracut", "--regenerate-all", "--force", NULL);
        break;
      case PT_INITRAMFS_INITRAMFS_TOOLS:
        add_command (self, FALSE, "update-initramfs", "-u", "-k", "all", NULL);
        break;
      case PT_INITRAMFS_BOOSTER:
        add_command (self, FALSE, "/usr/lib/booster/regenerate_images", NULL);
        break;
      case PT_INITRAMFS_NONE:
        break;
      }

  if (bootloader)
    {
      if (self->setup->bootloader == PT_BOOTLOADER_GRUB && self->setup->grub_mkconfig_argv)
        add_command_strv (self, FALSE, self->setup->grub_mkconfig_argv);
      else if (self->setup->bootloader == PT_BOOTLOADER_KERNEL_CMDLINE && self->setup->proxmox)
        add_command (self, FALSE, "proxmox-boot-tool", "refresh", NULL);
    }

  /* Last, once everything is in place: boot the trial entry once. */
  if (self->trial_command != NULL && g_str_equal (self->trial_command, "bootctl"))
    add_command (self, FALSE, "bootctl", "set-oneshot", "passthrough-trial.conf", NULL);
  else if (self->trial_command != NULL)
    add_command (self, FALSE, self->trial_command, self->trial_entry, NULL);
}

/* ---- the selection ---------------------------------------------------- */

static gboolean
add_devices (PtPlan             *self,
             PtTopology         *topology,
             const char *const  *addresses,
             GError            **error)
{
  if (addresses == NULL || addresses[0] == NULL)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_ARGS,
                   _("Select at least one device by its PCI address, for example --select 0000:01:00.0."));
      return FALSE;
    }
  for (guint i = 0; addresses[i] != NULL; i++)
    {
      g_autofree char *addr = pt_address_normalize (addresses[i]);
      PtDevice *dev;
      GStrv slot;

      if (addr == NULL || !pt_address_is_valid (addr))
        {
          g_set_error (error, PT_ERROR, PT_ERROR_INVALID_ARGS,
                       _("“%s” is not a PCI address; write it like 0000:01:00.0 (see “passthroughctl list”)."),
                       addresses[i]);
          return FALSE;
        }
      dev = pt_topology_lookup (topology, addr);
      if (dev == NULL)
        {
          g_set_error (error, PT_ERROR, PT_ERROR_UNKNOWN_DEVICE,
                       _("There is no PCI device %s on this system; “passthroughctl list” shows the devices there are. Nothing was changed."),
                       addr);
          return FALSE;
        }
      add_unique (self->selection, addr);
      if (find_device (self, addr) == NULL)
        {
          PlanDevice *d = g_new0 (PlanDevice, 1);
          d->address = g_strdup (addr);
          d->reason = g_strdup (_("selected"));
          g_ptr_array_add (self->devices, d);
        }
      slot = pt_device_get_slot_functions (dev);
      for (guint j = 0; slot[j] != NULL; j++)
        if (find_device (self, slot[j]) == NULL &&
            pt_topology_lookup (topology, slot[j]) != NULL &&
            pt_device_is_endpoint (pt_topology_lookup (topology, slot[j])))
          {
            PlanDevice *d = g_new0 (PlanDevice, 1);
            d->address = g_strdup (slot[j]);
            d->reason = g_strdup_printf (_("same slot as %s: the functions of one card go together"), addr);
            g_ptr_array_add (self->devices, d);
          }
    }
  return TRUE;
}

static void
check_devices (PtPlan        *self,
               PtPaths       *paths,
               PtTopology    *topology,
               PtPlanOptions *options)
{
  g_autoptr(GHashTable) groups_seen = g_hash_table_new (NULL, NULL);
  g_autoptr(GPtrArray) gpus = pt_topology_dup_gpus (topology);
  g_autoptr(GPtrArray) taken_gpus = g_ptr_array_new ();
  guint remaining_gpus = 0;

  for (guint i = 0; i < self->devices->len; i++)
    {
      PlanDevice *d = g_ptr_array_index (self->devices, i);
      PtDevice *dev = pt_topology_lookup (topology, d->address);
      g_autofree char *ref = pt_describe_device_ref (topology, d->address);
      g_autofree char *holds = pt_describe_holds (dev);
      int gid = pt_device_get_group_id (dev);

      if (pt_device_is_virtual_function (dev))
        add_issue1 (self->blockers, "virtual-function", d->address,
                    g_strdup_printf (_("%s is an SR-IOV virtual function: it does not exist yet when the system boots, so it can only be bound at runtime (“passthroughctl bind”)."), ref));
      if (holds != NULL)
        add_issue1 (self->blockers, "host-needs-device", d->address,
                    g_strdup_printf (_("%s %s, which this system needs to run; it cannot be given to a virtual machine. Choose another device."), ref, holds));
      if (pt_device_get_boot_vga (dev))
        add_issue1 (self->warnings, "boot-gpu", d->address,
                    g_strdup_printf (_("%s is the GPU your firmware boots on: the boot messages and the firmware setup will show on it, and the host will need another GPU for its desktop. If you can, choose another primary display in the firmware setup."), ref));
      if (pt_device_get_default_route (dev))
        add_issue1 (self->warnings, "default-route-nic", d->address,
                    g_strdup_printf (_("%s carries this machine's default route: after the restart the host loses that network connection unless another one takes over."), ref));
      if (pt_device_get_kind (dev) == PT_DEVICE_KIND_GPU && !pt_device_is_virtual_function (dev))
        g_ptr_array_add (taken_gpus, d->address);

      if (gid < 0 && !g_hash_table_contains (groups_seen, GINT_TO_POINTER (-1)))
        {
          g_hash_table_add (groups_seen, GINT_TO_POINTER (-1));
          pt_plan_add_issue (self->warnings, "iommu-off", NULL,
                     g_strdup (_("The IOMMU is not active yet, so the IOMMU groups are unknown and cannot be checked. After the restart, run “passthroughctl list” and “passthroughctl status” to see whether each device sits in a group of its own.")));
        }
      if (gid >= 0 && !g_hash_table_contains (groups_seen, GINT_TO_POINTER (gid)))
        {
          PtGroup *group = pt_topology_lookup_group (topology, gid);
          GListModel *members = group ? pt_group_get_devices (group) : NULL;
          g_autoptr(GPtrArray) missing = g_ptr_array_new_with_free_func (g_free);
          g_autoptr(GPtrArray) unusable = g_ptr_array_new_with_free_func (g_free);
          g_autoptr(GPtrArray) together = g_ptr_array_new_with_free_func (g_free);

          g_hash_table_add (groups_seen, GINT_TO_POINTER (gid));
          for (guint j = 0; members && j < g_list_model_get_n_items (members); j++)
            {
              g_autoptr(PtDevice) other = g_list_model_get_item (members, j);
              const char *oaddr = pt_device_get_address (other);
              const char *drv = pt_device_get_driver (other);
              guint32 cls = pt_device_get_class_code (other);

              if (find_device (self, oaddr) != NULL)
                {
                  g_autofree char *s1 = pt_device_dup_slot (dev);
                  g_autofree char *s2 = pt_device_dup_slot (other);
                  if (!g_str_equal (s1, s2))
                    g_ptr_array_add (together, g_strdup (oaddr));
                  continue;
                }
              if (pt_device_is_endpoint (other))
                g_ptr_array_add (missing, g_strdup (oaddr));
              else if ((cls >> 8) == 0x0601 ||
                       (drv != NULL && !g_str_equal (drv, "pcieport") &&
                        !g_str_equal (drv, "vfio-pci") && !g_str_equal (drv, "pci-stub")))
                g_ptr_array_add (unusable, g_strdup (oaddr));
            }
          if (missing->len > 0)
            {
              g_autofree char *refs = join_refs (topology, missing);
              pt_plan_add_issue (self->blockers, "group-not-taken", missing,
                         g_strdup_printf (_("%s shares IOMMU group %d with %s: a group goes to a virtual machine whole, so select those too, or move the card to a slot with its own group."),
                                          ref, gid, refs));
            }
          if (unusable->len > 0)
            {
              g_autofree char *refs = join_refs (topology, unusable);
              pt_plan_add_issue (self->blockers, "group-not-viable", unusable,
                         g_strdup_printf (_("IOMMU group %d of %s also holds %s, which the host must keep and the kernel will not let a virtual machine share; move the card to another slot."),
                                          gid, ref, refs));
            }
          if (together->len > 0)
            {
              g_autofree char *refs = join_refs (topology, together);
              pt_plan_add_issue (self->warnings, "shared-group", together,
                         g_strdup_printf (_("%s shares IOMMU group %d with %s: they can only be used by the same virtual machine."),
                                          ref, gid, refs));
            }
        }
    }

  for (guint i = 0; i < gpus->len; i++)
    if (find_device (self, pt_device_get_address (g_ptr_array_index (gpus, i))) == NULL)
      remaining_gpus++;
  if (taken_gpus->len > 0 && remaining_gpus == 0)
    {
      g_autofree char *refs = join_refs (topology, taken_gpus);
      if (options->allow_last_gpu)
        pt_plan_add_issue (self->warnings, "last-gpu", taken_gpus,
                   g_strdup_printf (_("%s is the last GPU of the host: after the restart the host has no display (allowed for a headless host)."), refs));
      else
        pt_plan_add_issue (self->blockers, "last-gpu", taken_gpus,
                   g_strdup_printf (_("%s is the host's last GPU: the host would have no display after the restart. Keep it, or allow it for a headless host (--allow-last-gpu)."), refs));
    }

  if (options->acs_override != NULL)
    pt_plan_add_issue (self->warnings, "acs-override", NULL,
               g_strdup_printf (_("pcie_acs_override=%s works only with a kernel patched for it (linux-zen, linux-vfio, Proxmox), and it splits groups by pretending devices are isolated when they may not be: a virtual machine may reach other devices' memory."),
                                options->acs_override));

  {
    g_autofree char *path = pt_paths_build (paths, "proc", "interrupts", NULL);
    g_autofree char *interrupts = NULL;
    if (g_file_get_contents (path, &interrupts, NULL, NULL) && strstr (interrupts, "IR-") == NULL)
      pt_plan_add_issue (self->warnings, "no-interrupt-remapping", NULL,
                 g_strdup (options->unsafe_interrupts ?
                           _("Interrupt remapping is off; unsafe interrupts are allowed as you chose, which lets a virtual machine inject interrupts into the host.") :
                           _("Interrupt remapping is off, so vfio will refuse the devices: turn it on in the firmware setup, or, only if the hardware has none, allow unsafe interrupts (--allow-unsafe-interrupts).")));
    else if (options->unsafe_interrupts)
      pt_plan_add_issue (self->warnings, "unsafe-interrupts", NULL,
                 g_strdup (_("Unsafe interrupts are allowed as you chose: a virtual machine can then inject interrupts into the host. Only use it when the hardware has no interrupt remapping.")));
  }

}

/* Binding per device: by ID when the IDs are unique on the machine (or every
 * device with them goes too), else by address. */
static void
choose_binding (PtPlan        *self,
                PtTopology    *topology,
                PtPlanOptions *options)
{
  gboolean any_ids = FALSE, any_addr = FALSE;
  g_autoptr(GPtrArray) clash = g_ptr_array_new ();

  for (guint i = 0; i < self->devices->len; i++)
    {
      PlanDevice *d = g_ptr_array_index (self->devices, i);
      PtDevice *dev = pt_topology_lookup (topology, d->address);
      GStrv same = pt_device_get_same_ids_as (dev);
      gboolean same_outside = FALSE;
      gboolean stub = options->usb_pci_stub && pt_device_get_kind (dev) == PT_DEVICE_KIND_USB;
      g_autofree char *ref = pt_describe_device_ref (topology, d->address);

      for (guint j = 0; same[j] != NULL; j++)
        if (find_device (self, same[j]) == NULL)
          same_outside = TRUE;

      d->ids = pt_device_dup_ids (dev);
      d->driver_now = g_strdup (pt_device_get_driver (dev));
      if (same_outside)
        {
          g_autoptr(GPtrArray) others = g_ptr_array_new ();
          g_autofree char *refs = NULL;
          for (guint j = 0; same[j] != NULL; j++)
            if (find_device (self, same[j]) == NULL)
              g_ptr_array_add (others, same[j]);
          refs = join_refs (topology, others);
          if (g_str_equal (options->binding, "ids"))
            {
              g_ptr_array_add (clash, d->address);
              add_issue1 (self->blockers, "ids-not-unique", d->address,
                          g_strdup_printf (_("%s has the same IDs (%s) as %s, so binding by ID would take that one from the host too. Bind by address instead (--bind-by address)."),
                                           ref, d->ids, refs));
            }
          else
            add_issue1 (self->warnings, "identical-ids", d->address,
                        g_strdup_printf (_("%s has the same IDs (%s) as %s, which stays with the host: it is bound by its address, checked against its IDs at every boot."),
                                         ref, d->ids, refs));
        }
      if (pt_device_get_driver_builtin (dev) && d->driver_now != NULL)
        add_issue1 (self->warnings, "builtin-driver", d->address,
                    g_strdup_printf (_("The driver of %s (%s) is built into the kernel, so vfio-pci cannot be loaded ahead of it by a module dependency: it is bound by address from the initramfs instead."),
                                     ref, d->driver_now));

      if (!g_str_equal (options->binding, "ids") &&
          (g_str_equal (options->binding, "address") || same_outside ||
           (pt_device_get_driver_builtin (dev) && d->driver_now != NULL)))
        {
          d->binding = g_strdup ("address");
          d->driver_after = g_strdup ("vfio-pci");
          any_addr = TRUE;
        }
      else
        {
          d->binding = g_strdup ("ids");
          d->driver_after = g_strdup (stub ? "pci-stub" : "vfio-pci");
          any_ids = TRUE;
        }
    }
  self->binding = g_strdup (any_ids && any_addr ? "mixed" : any_addr ? "address" : "ids");
}

static void
compute_kernel_args (PtPlan        *self,
                     PtTopology    *topology,
                     PtPlanOptions *options)
{
  g_autoptr(GPtrArray) vfio_ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) stub_ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) addrs = g_ptr_array_new_with_free_func (g_free);
  const char *cpu = pt_topology_get_cpu_vendor (topology);
  const char *iommu_vendor = pt_topology_get_iommu_vendor (topology);

  for (guint i = 0; i < self->devices->len; i++)
    {
      PlanDevice *d = g_ptr_array_index (self->devices, i);
      if (g_str_equal (d->binding, "address"))
        g_ptr_array_add (addrs, g_strdup_printf ("%s@%s", d->address, d->ids));
      else if (g_str_equal (d->driver_after, "pci-stub"))
        add_unique (stub_ids, d->ids);
      else
        add_unique (vfio_ids, d->ids);
    }

  /* The Intel IOMMU is off unless asked for; the AMD one is on when the
   * firmware enables it (amd_iommu=on is not a documented value). */
  if (cpu != NULL && (g_ascii_strcasecmp (cpu, "intel") == 0 || g_ascii_strcasecmp (cpu, "GenuineIntel") == 0) &&
      !(pt_topology_get_iommu_enabled (topology) && g_strcmp0 (iommu_vendor, "intel") == 0))
    g_ptr_array_add (self->kernel_args, g_strdup ("intel_iommu=on"));
  if (options->iommu_pt)
    g_ptr_array_add (self->kernel_args, g_strdup ("iommu=pt"));
  if (self->setup->initramfs == PT_INITRAMFS_DRACUT)
    g_ptr_array_add (self->kernel_args, g_strdup ("rd.driver.pre=vfio_pci"));
  if (vfio_ids->len > 0)
    {
      g_autofree char *j = join_array (vfio_ids, ",");
      g_ptr_array_add (self->kernel_args, g_strdup_printf ("vfio-pci.ids=%s", j));
    }
  if (stub_ids->len > 0)
    {
      g_autofree char *j = join_array (stub_ids, ",");
      g_ptr_array_add (self->kernel_args, g_strdup_printf ("pci-stub.ids=%s", j));
    }
  if (addrs->len > 0)
    {
      g_autofree char *j = join_array (addrs, ",");
      g_ptr_array_add (self->kernel_args, g_strdup_printf ("passthrough.vfio=%s", j));
    }
  if (options->framebuffer_off)
    {
      g_ptr_array_add (self->kernel_args, g_strdup ("video=efifb:off"));
      g_ptr_array_add (self->kernel_args, g_strdup ("initcall_blacklist=sysfb_init"));
    }
  if (options->acs_override)
    g_ptr_array_add (self->kernel_args, g_strdup_printf ("pcie_acs_override=%s", options->acs_override));
  if (options->unsafe_interrupts)
    g_ptr_array_add (self->kernel_args, g_strdup ("vfio_iommu_type1.allow_unsafe_interrupts=1"));
}

/* A device already on vfio-pci — the trial boot being confirmed, or apply
 * run again after the restart — no longer shows the driver that would take
 * it, yet that driver's softdep is what keeps the binding working.  The
 * kernel's modules.alias says which modules match the device, as modprobe
 * would read it. */
static void
add_native_modules (GPtrArray  *softdeps,
                    PtPaths    *paths,
                    const char *release,
                    PtDevice   *dev)
{
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *modalias = NULL;
  g_auto(GStrv) lines = NULL;
  guint32 class_code = pt_device_get_class_code (dev);

  if (release == NULL)
    return;
  path = pt_paths_build (paths, "lib", "modules", release, "modules.alias", NULL);
  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return;
  modalias = g_strdup_printf ("pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X",
                              pt_device_get_vendor (dev), pt_device_get_device (dev),
                              pt_device_get_subsystem_vendor (dev), pt_device_get_subsystem_device (dev),
                              (class_code >> 16) & 0xff, (class_code >> 8) & 0xff, class_code & 0xff);
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) f = NULL;

      if (!g_str_has_prefix (lines[i], "alias pci:"))
        continue;
      f = g_strsplit (lines[i], " ", 3);
      if (g_strv_length (f) != 3 || g_str_equal (f[2], "vfio_pci") || g_str_equal (f[2], "pci_stub"))
        continue;
      if (fnmatch (f[1], modalias, 0) == 0)
        add_unique (softdeps, f[2]);
    }
}

static void
compute_modules (PtPlan     *self,
                 PtPaths    *paths,
                 PtTopology *topology)
{
  g_autofree char *release = NULL;

  g_ptr_array_add (self->modules, g_strdup ("vfio_pci"));
  g_ptr_array_add (self->modules, g_strdup ("vfio"));
  g_ptr_array_add (self->modules, g_strdup ("vfio_iommu_type1"));
  release = g_strdup (pt_topology_get_kernel_release (topology));
  if (release == NULL)
    {
      g_autofree char *p = pt_paths_build (paths, "proc", "sys", "kernel", "osrelease", NULL);
      pt_paths_read_line (paths, p, &release);
    }
  /* vfio_virqfd was folded into vfio in 6.2. */
  if (kernel_before_6_2 (release))
    g_ptr_array_add (self->modules, g_strdup ("vfio_virqfd"));

  for (guint i = 0; i < self->devices->len; i++)
    {
      PlanDevice *d = g_ptr_array_index (self->devices, i);
      PtDevice *dev = pt_topology_lookup (topology, d->address);
      guint16 vendor = pt_device_get_vendor (dev);

      if (d->driver_now != NULL && !g_str_equal (d->driver_now, "vfio-pci") &&
          !g_str_equal (d->driver_now, "pci-stub") && !pt_device_get_driver_builtin (dev))
        {
          g_autofree char *m = driver_module (d->driver_now);
          add_unique (self->softdeps, m);
        }
      else
        add_native_modules (self->softdeps, paths, release, dev);
      switch (pt_device_get_kind (dev))
        {
        case PT_DEVICE_KIND_GPU:
          if (vendor == 0x1002)
            add_unique (self->softdeps, "amdgpu"), add_unique (self->softdeps, "radeon");
          else if (vendor == 0x10de)
            add_unique (self->softdeps, "nouveau"), add_unique (self->softdeps, "nvidia");
          else if (vendor == 0x8086)
            add_unique (self->softdeps, "i915"), add_unique (self->softdeps, "xe");
          break;
        case PT_DEVICE_KIND_AUDIO:
          add_unique (self->softdeps, "snd_hda_intel");
          break;
        case PT_DEVICE_KIND_USB:
          add_unique (self->softdeps, "xhci_pci");
          break;
        default:
          break;
        }
    }
}

static void
check_system (PtPlan     *self,
              PtPaths    *paths,
              const char *running,
              PtState    *state)
{
  g_auto(GStrv) typos = pt_scan_cmdline_typos (running);
  g_autofree char *dir = pt_paths_build (paths, "etc", "modprobe.d", NULL);
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  /* vfio-pci.ids= written by hand on the command line: the kernel takes
   * the last one, so ours would silently replace it (or it ours). */
  {
    g_autoptr(GPtrArray) tokens = pt_cmdline_tokenize (running);
    for (guint i = 0; i < tokens->len; i++)
      {
        PtCmdlineToken *t = g_ptr_array_index (tokens, i);
        if (!g_str_equal (t->key, "vfio_pci.ids") && !g_str_equal (t->key, "pci_stub.ids"))
          continue;
        if (strv_has (self->kernel_args, t->text) ||
            (state->applied && state->kernel_args && g_strv_contains ((const char *const *) state->kernel_args, t->text)))
          continue;
        pt_plan_add_issue (self->warnings, "handwritten-vfio-cmdline", NULL,
                   g_strdup_printf (_("The running command line already has “%s”, written by hand. The kernel uses only the last such parameter, so remove that one from your bootloader configuration and let Passthrough set the IDs."),
                                    t->text));
      }
  }

  for (guint i = 0; typos && typos[i] != NULL; i++)
    pt_plan_add_issue (self->warnings, "cmdline-typo", NULL,
               g_strdup_printf (_("The running command line has “%s”, which looks like a misspelt passthrough parameter: the kernel ignores it. Remove it from your bootloader configuration."),
                                typos[i]));

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = NULL;
      g_autofree char *text = NULL;
      g_autoptr(GArray) lines = NULL;
      g_auto(GStrv) found = NULL;

      if (!g_str_has_suffix (name, ".conf") || g_str_equal (name, "passthrough.conf"))
        continue;
      path = g_build_filename (dir, name, NULL);
      if (!g_file_get_contents (path, &text, NULL, NULL))
        continue;
      lines = g_array_new (FALSE, FALSE, sizeof (guint));
      found = pt_scan_modprobe_vfio (text, lines);
      if (found != NULL && found[0] != NULL)
        pt_plan_add_issue (self->warnings, "handwritten-vfio", NULL,
                   g_strdup_printf (_("/etc/modprobe.d/%s line %u already configures vfio-pci by hand (“%s”). It binds at every boot whatever the command line says, so it defeats the way back; comment it out once Passthrough's setup works."),
                                    name, lines->len ? g_array_index (lines, guint, 0) : 0, found[0]));
    }
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
  else switch (setup->bootloader)
    {
    case PT_BOOTLOADER_GRUB:
    case PT_BOOTLOADER_GRUB_BLS:
      {
        g_autofree char *editor = g_strdup_printf ("grub-default:%s", setup->grub_variable);
        if (!pt_plan_target_edit (self, ctx, "/etc/default/grub", editor, self->kernel_args, NULL, FALSE, FALSE, error))
          return FALSE;
        if (setup->bootloader == PT_BOOTLOADER_GRUB_BLS &&
            !plan_edit_commands (self, ctx, "grubby", running, error))
          return FALSE;
      }
      break;
    case PT_BOOTLOADER_SYSTEMD_BOOT:
      for (guint i = 0; i < setup->entries->len; i++)
        if (!pt_plan_target_edit (self, ctx, g_ptr_array_index (setup->entries, i), "entry",
                          self->kernel_args, NULL, FALSE, FALSE, error))
          return FALSE;
      /* kernel-install rewrites entries from etc/kernel/cmdline (vmlab Step 7). */
      if (setup->kernel_install_managed || setup->kernel_cmdline_exists)
        {
          g_autofree char *seed = kernel_cmdline_seed (ctx, setup->default_entry, error);
          if (seed == NULL)
            return FALSE;
          if (!pt_plan_target_edit (self, ctx, "/etc/kernel/cmdline", "kernel-cmdline", self->kernel_args,
                            seed, TRUE, FALSE, error))
            return FALSE;
        }
      break;
    case PT_BOOTLOADER_KERNEL_CMDLINE:
      if (!pt_plan_target_edit (self, ctx, "/etc/kernel/cmdline", "kernel-cmdline", self->kernel_args,
                        running, TRUE, FALSE, error))
        return FALSE;
      break;
    case PT_BOOTLOADER_LIMINE:
      if (setup->default_limine &&
          !pt_plan_target_edit (self, ctx, setup->default_limine, "default-limine", self->kernel_args, NULL, FALSE, FALSE, error))
        return FALSE;
      if (setup->limine_conf &&
          !pt_plan_target_edit (self, ctx, setup->limine_conf, "limine", self->kernel_args, NULL, FALSE, FALSE, error))
        return FALSE;
      break;
    case PT_BOOTLOADER_REFIND:
      if (!pt_plan_target_edit (self, ctx, setup->refind_conf, "refind", self->kernel_args, NULL, FALSE, FALSE, error))
        return FALSE;
      break;
    case PT_BOOTLOADER_KERNELSTUB:
      if (!plan_edit_commands (self, ctx, "kernelstub", running, error))
        return FALSE;
      break;
    case PT_BOOTLOADER_RPM_OSTREE:
      if (!plan_edit_commands (self, ctx, "rpm-ostree", running, error))
        return FALSE;
      break;
    case PT_BOOTLOADER_NONE:
      cmdline_editable = FALSE;
      break;
    }
  /* A trial leaves the default entries alone: they are the way back. */
  if (!self->trial && !pt_plan_way_back_files (self, ctx, error))
    return FALSE;

  /* Our modprobe file: softdeps (harmless alone: which devices vfio-pci
   * takes comes from the command line), ids only when there is no command
   * line to carry them. */
  {
    g_autoptr(GPtrArray) ids = g_ptr_array_new_null_terminated (0, g_free, TRUE);
    PtModprobeConf conf = { 0 };

    if (!cmdline_editable)
      for (guint i = 0; i < self->devices->len; i++)
        add_unique (ids, ((PlanDevice *) g_ptr_array_index (self->devices, i))->ids);
    conf.softdep_drivers = (const char *const *) self->softdeps->pdata;
    conf.vfio_ids = cmdline_editable ? NULL : (const char *const *) ids->pdata;
    conf.disable_vga = options->disable_vga;
    if (!pt_plan_target_whole (self, ctx, "/etc/modprobe.d/passthrough.conf", pt_render_modprobe_conf (&conf), TRUE, error))
      return FALSE;
  }

  /* The initramfs: vfio modules in it, ahead of the GPU drivers. */
  switch (setup->initramfs)
    {
    case PT_INITRAMFS_MKINITCPIO:
      if (setup->mkinitcpio_dropins)
        {
          char *text = pt_render_mkinitcpio_dropin ((const char *const *) self->modules->pdata);
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
      if (!pt_plan_target_whole (self, ctx, "/etc/dracut.conf.d/passthrough.conf",
                         pt_render_dracut_conf ((const char *const *) self->modules->pdata), TRUE, error))
        return FALSE;
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
  g_autofree char *args = join_array (self->kernel_args, " ");

  if (setup->ambiguous)
    {
      g_autofree char *names = join_array (setup->candidates, ", ");
      pt_plan_add_issue (self->blockers, "bootloader-ambiguous", NULL,
                 g_strdup_printf (_("Several bootloaders are configured here (%s) and nothing shows which one started this system. Choose one with --bootloader NAME."),
                                  names));
    }
  else if (setup->forced_missing)
    pt_plan_add_issue (self->blockers, "bootloader-not-found", NULL,
               g_strdup_printf (_("The bootloader “%s” you chose has no configuration under %s."),
                                pt_bootloader_to_string (setup->bootloader), pt_paths_get_root (paths)));
  else if (setup->bootloader == PT_BOOTLOADER_NONE && setup->initramfs == PT_INITRAMFS_NONE)
    pt_plan_add_issue (self->blockers, "no-boot-setup", NULL,
               g_strdup_printf (_("No bootloader or initramfs configuration Passthrough knows was found under %s (it looks for GRUB, systemd-boot, kernelstub, rpm-ostree, /etc/kernel/cmdline, Limine, rEFInd; mkinitcpio, dracut, initramfs-tools, booster). Add “%s” to your kernel command line by hand and put vfio_pci, vfio and vfio_iommu_type1 into your initramfs."),
                                pt_paths_get_root (paths), args));
  else if (setup->bootloader == PT_BOOTLOADER_NONE)
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
  if (!add_devices (self, topology, addresses, error))
    return NULL;
  state = pt_state_load (paths, error);
  if (state == NULL)
    return NULL;
  ctx.paths = paths;
  ctx.state = state;

  running = pt_engine_running_cmdline (paths, topology);
  self->setup = pt_boot_setup_detect (paths, running, options->bootloader);

  check_devices (self, paths, topology, options);
  choose_binding (self, topology, options);
  compute_kernel_args (self, topology, options);
  compute_modules (self, paths, topology);
  check_setup (self, paths);
  check_system (self, paths, running, state);
  check_early_scripts (self, paths);
  check_unfinished (self, paths);
  self->trial = options->trial;
  {
    g_autoptr(GVariant) v = g_variant_ref_sink (pt_plan_options_to_variant (options));
    self->options_text = g_variant_print (v, TRUE);
  }
  if (self->trial)
    pt_plan_check_trial (self, paths);

  if (!plan_files (self, &ctx, topology, options, running, error))
    return NULL;
  plan_regeneration (self);
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
    add_unique (self->selection, state->selection[i]);
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
  plan_regeneration (self);
  /* A trial not booted yet: its one-shot choice must not outlive it. */
  if (state->trial && g_strcmp0 (state->bootloader, "systemd-boot") == 0)
    add_command (self, FALSE, "bootctl", "set-oneshot", "", NULL);
  else if (state->trial && g_strcmp0 (state->bootloader, "grub-bls") == 0)
    {
      const char *dir = pt_plan_bls_grub_dir (paths);
      g_autofree char *env = g_build_filename (dir, "grubenv", NULL);
      add_command (self, FALSE, strstr (dir, "grub2") ? "grub2-editenv" : "grub-editenv", env, "unset", "next_entry", NULL);
    }
  else if (state->trial && g_strcmp0 (state->bootloader, "grub") == 0)
    {
      g_autofree char *dir = g_path_get_dirname (pt_plan_grub_cfg_path (self->setup));
      g_autofree char *env = g_build_filename (dir, "grubenv", NULL);
      add_command (self, FALSE, strstr (dir, "grub2") ? "grub2-editenv" : "grub-editenv", env, "unset", "next_entry", NULL);
    }
  return g_steal_pointer (&self);
}

/* ---- output ----------------------------------------------------------- */

static void
add_issues (JsonBuilder *b,
            const char  *name,
            GPtrArray   *issues)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_array (b);
  for (guint i = 0; i < issues->len; i++)
    {
      PtIssue *issue = g_ptr_array_index (issues, i);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "code");
      json_builder_add_string_value (b, issue->code);
      json_builder_set_member_name (b, "message");
      json_builder_add_string_value (b, issue->message);
      json_builder_set_member_name (b, "devices");
      json_builder_begin_array (b);
      for (guint j = 0; issue->devices[j] != NULL; j++)
        json_builder_add_string_value (b, issue->devices[j]);
      json_builder_end_array (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}

static void
add_string_list (JsonBuilder *b,
                 const char  *name,
                 GPtrArray   *list)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_array (b);
  for (guint i = 0; i < list->len; i++)
    json_builder_add_string_value (b, g_ptr_array_index (list, i));
  json_builder_end_array (b);
}

static void
add_device_objects (JsonBuilder *b,
                    PtPlan      *self,
                    gboolean     full)
{
  json_builder_begin_array (b);
  for (guint i = 0; i < self->devices->len; i++)
    {
      PlanDevice *d = g_ptr_array_index (self->devices, i);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "address");
      json_builder_add_string_value (b, d->address);
      json_builder_set_member_name (b, "ids");
      json_builder_add_string_value (b, d->ids);
      json_builder_set_member_name (b, "binding");
      json_builder_add_string_value (b, d->binding);
      json_builder_set_member_name (b, "driver_after");
      json_builder_add_string_value (b, d->driver_after);
      if (full)
        {
          json_builder_set_member_name (b, "reason");
          json_builder_add_string_value (b, d->reason);
          json_builder_set_member_name (b, "driver_now");
          if (d->driver_now)
            json_builder_add_string_value (b, d->driver_now);
          else
            json_builder_add_null_value (b);
        }
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}

static JsonNode *
plan_to_node (PtPlan *self)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "format");
  json_builder_add_int_value (b, 1);
  json_builder_set_member_name (b, "revert");
  json_builder_add_boolean_value (b, self->revert);
  json_builder_set_member_name (b, "trial");
  json_builder_add_boolean_value (b, self->trial);
  json_builder_set_member_name (b, "devices");
  json_builder_begin_array (b);
  for (guint i = 0; i < self->devices->len; i++)
    json_builder_add_string_value (b, ((PlanDevice *) g_ptr_array_index (self->devices, i))->address);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "device_details");
  add_device_objects (b, self, TRUE);
  json_builder_set_member_name (b, "binding");
  json_builder_add_string_value (b, self->binding);
  json_builder_set_member_name (b, "bootloader");
  json_builder_add_string_value (b, pt_bootloader_to_string (self->setup->bootloader));
  json_builder_set_member_name (b, "bootloader_evidence");
  if (self->setup->evidence)
    json_builder_add_string_value (b, self->setup->evidence);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "initramfs");
  json_builder_add_string_value (b, pt_initramfs_to_string (self->setup->initramfs));
  add_string_list (b, "kernel_args", self->kernel_args);
  json_builder_set_member_name (b, "way_back");
  pt_way_back_to_builder (b, self->way_back_path, self->way_back_title);
  json_builder_set_member_name (b, "changes");
  json_builder_begin_array (b);
  for (guint i = 0; i < self->changes->len; i++)
    {
      PtChange *c = g_ptr_array_index (self->changes, i);
      if (g_str_equal (c->action, "none"))
        continue;
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "path");
      json_builder_add_string_value (b, c->path);
      json_builder_set_member_name (b, "action");
      json_builder_add_string_value (b, c->action);
      json_builder_set_member_name (b, "diff");
      json_builder_add_string_value (b, c->diff);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "commands");
  json_builder_begin_array (b);
  for (guint i = 0; i < self->commands->len; i++)
    {
      PtCommand *cmd = g_ptr_array_index (self->commands, i);
      json_builder_begin_array (b);
      for (guint j = 0; cmd->argv[j] != NULL; j++)
        json_builder_add_string_value (b, cmd->argv[j]);
      json_builder_end_array (b);
    }
  json_builder_end_array (b);
  add_issues (b, "warnings", self->warnings);
  add_issues (b, "blockers", self->blockers);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

char *
pt_plan_to_json (PtPlan   *self,
                 gboolean  pretty)
{
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = plan_to_node (self);

  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, pretty);
  return json_generator_to_data (gen, NULL);
}

char *
pt_plan_dup_digest (PtPlan *self)
{
  g_autofree char *json = pt_plan_to_json (self, FALSE);
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, json, -1);
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
  return (GStrv) self->cmd_ours->pdata;
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

JsonNode *
pt_plan_dup_summary (PtPlan *self)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  add_string_list (b, "selection", self->selection);
  json_builder_set_member_name (b, "devices");
  add_device_objects (b, self, FALSE);
  add_string_list (b, "kernel_args", self->kernel_args);
  json_builder_set_member_name (b, "bootloader");
  json_builder_add_string_value (b, pt_bootloader_to_string (self->setup->bootloader));
  json_builder_set_member_name (b, "initramfs");
  json_builder_add_string_value (b, pt_initramfs_to_string (self->setup->initramfs));
  json_builder_set_member_name (b, "trial");
  json_builder_add_boolean_value (b, self->trial);
  json_builder_set_member_name (b, "options");
  json_builder_add_string_value (b, self->options_text ? self->options_text : "@a{sv} {}");
  json_builder_set_member_name (b, "way_back");
  pt_way_back_to_builder (b, self->way_back_path, self->way_back_title);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}
