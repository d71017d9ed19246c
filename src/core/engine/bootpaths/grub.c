/* grub.c: GRUB, as two rows of the boot-path table (pt-boot-path.h):
 * "grub" (grub-mkconfig writes the entries from /etc/default/grub) and
 * "grub-bls" (GRUB_ENABLE_BLSCFG=true: BLS entries that grubby edits).
 * They share /etc/default/grub, the grub.cfg GRUB reads and its custom.cfg
 * (pt_boot_setup_read_grub() in pt-bootsetup.c), so they share this file.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "pt-boot-path.h"
#include "pt-bootsetup.h"
#include "pt-edit.h"
#include "pt-plan-build.h"

static char *
edit_grub_default (const char *text, const char *argument, const char *const *add,
                   const char *const *remove, GError **error)
{
  return pt_edit_grub_default (text, argument, add, remove, error);
}

static char *
edit_custom_blocks (const char *text, const char *argument, const char *const *add,
                    const char *const *remove, GError **error)
{
  return pt_engine_edit_custom_blocks (text, add, remove);
}

/* "grub-default:GRUB_CMDLINE_LINUX_DEFAULT" or ":GRUB_CMDLINE_LINUX". */
const PtBootEditor pt_boot_editor_grub_default = { "grub-default:", TRUE, edit_grub_default, FALSE, FALSE };
/* Our trial and way-back blocks in custom.cfg; quiet (no regeneration). */
const PtBootEditor pt_boot_editor_custom_blocks = { "custom-blocks", FALSE, edit_custom_blocks, TRUE, FALSE };
/* The same editor under the name states before the way back stored. */
const PtBootEditor pt_boot_editor_trial_block = { "trial-block", FALSE, edit_custom_blocks, TRUE, FALSE };

static const PtBootEditor *const grub_editors[] = {
  &pt_boot_editor_grub_default, &pt_boot_editor_custom_blocks, &pt_boot_editor_trial_block, NULL,
};

static const PtBootWrite grub_writes[] = {
  { "/etc/default/grub" },
  { "/boot/grub/custom.cfg" },
  { "/boot/grub2/custom.cfg" },
  { NULL },
};

static const PtBootWrite grub_bls_writes[] = {
  { "/etc/default/grub" },
  { "/boot/grub/custom.cfg" },
  { "/boot/grub2/custom.cfg" },
  { "/boot/loader/entries/", ".conf" },   /* the trial's BLS entry */
  { NULL },
};

/* GRUB's custom.cfg beside the grub.cfg GRUB reads, as detection finds it
 * (pt_boot_setup_detect_grub_cfg() in pt-bootsetup.c): on RHEL/CentOS 7
 * and 8 UEFI that is on the EFI system partition, /boot/efi/EFI/<id>/.
 * Only that one file is admitted, never a pattern: a folder another GRUB
 * configuration lies in stays closed.  @system_path comes with its links
 * followed; so does the folder here, but not the file: a custom.cfg that
 * is a link to elsewhere leads out of the list. */
static gboolean
may_write_detected_custom_cfg (PtPaths    *paths,
                               const char *system_path)
{
  g_autoptr(PtBootSetup) setup = NULL;
  g_autofree char *custom = NULL;
  g_autofree char *real_dir = NULL;

  if (!g_str_has_suffix (system_path, "/custom.cfg"))
    return FALSE;
  setup = pt_boot_setup_new ();
  pt_boot_setup_detect_grub_cfg (setup, paths);
  if (setup->grub_dir == NULL)
    return FALSE;
  real_dir = pt_boot_setup_resolve_path (paths, setup->grub_dir);
  if (real_dir == NULL)
    return FALSE;
  custom = g_build_filename (real_dir, "custom.cfg", NULL);
  return g_str_equal (system_path, custom);
}

static PtBootEvidence
detect (PtBootSetup *setup,
        PtPaths     *paths,
        const char  *running,
        gboolean     bls)
{
  PtBootEvidence e = { 0 };

  pt_boot_setup_read_grub (setup, paths);
  if (!setup->grub_present || setup->grub_bls != bls)
    return e;
  e.candidate = TRUE;
  if (running != NULL && strstr (running, "BOOT_IMAGE=") != NULL)
    {
      e.strong = PT_BOOT_RANK_BOOT_IMAGE;
      e.why = g_strdup (_("BOOT_IMAGE= on the running command line: GRUB started this system"));
    }
  return e;
}

static PtBootEvidence
detect_grub (PtBootSetup *setup, PtPaths *paths, const char *running)
{
  return detect (setup, paths, running, FALSE);
}

static PtBootEvidence
detect_grub_bls (PtBootSetup *setup, PtPaths *paths, const char *running)
{
  return detect (setup, paths, running, TRUE);
}

/* Which grub.cfg, and why, is part of the answer for GRUB. */
static void
settle (PtBootSetup *setup)
{
  char *both;

  if (setup->grub_cfg_evidence == NULL)
    return;
  both = setup->evidence == NULL ? g_strdup (setup->grub_cfg_evidence) :
         g_strdup_printf ("%s; %s", setup->evidence, setup->grub_cfg_evidence);
  g_free (setup->evidence);
  setup->evidence = both;
}

/* GRUB without BLS: the arguments reach the boot menu only through the
 * grub.cfg GRUB reads being regenerated (GRUB with BLS gets them from
 * grubby; only its way back and trial need the file, and say so). */
static void
check_grub (PtPlan  *self,
            PtPaths *paths)
{
  if (self->setup->grub_cfg_ambiguous)
    pt_plan_add_issue (self->blockers, "grub-cfg-ambiguous", NULL,
                       g_strdup_printf (_("Passthrough cannot tell which grub.cfg GRUB reads, so it would not know which one to regenerate: %s."),
                                        self->setup->grub_cfg_evidence));
}

static gboolean
edit_default_grub (PtPlan  *self,
                   Ctx     *ctx,
                   GError **error)
{
  g_autofree char *editor = g_strdup_printf ("grub-default:%s", self->setup->grub_variable);
  return pt_plan_target_edit (self, ctx, "/etc/default/grub", editor, self->kernel_args, NULL, FALSE, FALSE, error);
}

static gboolean
plan_grub (PtPlan *self, Ctx *ctx, const char *running, GError **error)
{
  return edit_default_grub (self, ctx, error);
}

static gboolean
plan_grub_bls (PtPlan *self, Ctx *ctx, const char *running, GError **error)
{
  return edit_default_grub (self, ctx, error) &&
         pt_plan_edit_commands (self, ctx, "grubby", running, error);
}

/* Before GRUB's configuration on the ESP was detected, an apply on such a
 * machine (CentOS 7 UEFI, RHEL 8, Fedora up to 33) regenerated
 * /boot/grub2/grub.cfg, which that GRUB never reads: a revert of such a state
 * (format 1 does not say which file was written) regenerates that file too,
 * so no grub.cfg is left with our arguments. */
static void
regenerate_grub (PtPlan  *self,
                 PtPaths *paths)
{
  const char *legacy = "/boot/grub2/grub.cfg";
  g_autofree char *host = NULL;

  if (self->setup->grub_mkconfig_argv == NULL)
    return;
  pt_plan_add_command_strv (self, FALSE, self->setup->grub_mkconfig_argv);
  if (!self->revert || self->setup->grub_cfg == NULL || g_str_equal (self->setup->grub_cfg, legacy))
    return;
  host = pt_paths_build (paths, legacy + 1, NULL);
  if (g_file_test (host, G_FILE_TEST_IS_REGULAR))
    pt_plan_add_command (self, FALSE, "grub2-mkconfig", "-o", legacy, NULL);
}

/* grubby edits every BLS entry; what the newest one carries is there. */
static char *
present_grubby (PtPlan     *self,
                Ctx        *ctx,
                const char *running)
{
  g_autofree char *text = NULL;
  char *options;

  if (self->setup->bls_entries->len == 0)
    return g_strdup (running);
  text = pt_engine_read_file (ctx->paths, g_ptr_array_index (self->setup->bls_entries, 0), NULL, NULL);
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
  return options != NULL ? options : g_strdup (running);
}

static void
tokens_grubby (PtPlan    *self,
               GPtrArray *tokens,
               gboolean   remove)
{
  g_autofree char *joined = pt_plan_join_array (tokens, " ");
  g_autofree char *arg = g_strdup_printf (remove ? "--remove-args=%s" : "--args=%s", joined);

  pt_plan_add_command (self, TRUE, "grubby", "--update-kernel=ALL", arg, NULL);
}

/* A trial not booted yet: its one-shot choice must not outlive it. */
static void
disarm_grub (PtPlan  *self,
             PtPaths *paths)
{
  g_autofree char *dir = g_path_get_dirname (pt_plan_grub_cfg_path (self->setup));
  g_autofree char *env = g_build_filename (dir, "grubenv", NULL);
  /* The ESP's folder (EFI/centos) does not say which GRUB it is: detection does. */
  g_autofree char *editenv = g_strconcat (self->setup->grub_tool ? self->setup->grub_tool
                                          : strstr (dir, "grub2") ? "grub2" : "grub", "-editenv", NULL);

  pt_plan_add_command (self, FALSE, editenv, env, "unset", "next_entry", NULL);
}

static void
disarm_grub_bls (PtPlan  *self,
                 PtPaths *paths)
{
  const char *dir = pt_plan_bls_grub_dir (paths);
  g_autofree char *env = g_build_filename (dir, "grubenv", NULL);

  pt_plan_add_command (self, FALSE, strstr (dir, "grub2") ? "grub2-editenv" : "grub-editenv", env, "unset", "next_entry", NULL);
}

const PtBootPath pt_boot_path_grub = {
  .name = "grub",
  .title = "GRUB",
  .status_reads = "the running command line (/proc/cmdline)",
  .detect = detect_grub,
  .settle = settle,
  .editors = grub_editors,
  .writes = grub_writes,
  .may_write_detected = may_write_detected_custom_cfg,
  .plan_cmdline = plan_grub,
  .check = check_grub,
  .regenerate = regenerate_grub,
  .check_trial = pt_plan_check_trial_grub,
  .plan_trial = pt_plan_trial_grub,
  .disarm_trial = disarm_grub,
  .plan_way_back = pt_plan_way_back_grub,
};

const PtBootPath pt_boot_path_grub_bls = {
  .name = "grub-bls",
  .title = "GRUB with BLS",
  .status_reads = "the running command line (/proc/cmdline)",
  .detect = detect_grub_bls,
  .settle = settle,
  .editors = grub_editors,
  .writes = grub_bls_writes,
  .may_write_detected = may_write_detected_custom_cfg,
  .plan_cmdline = plan_grub_bls,
  .cmd_kind = "grubby",
  .cmd_present = present_grubby,
  .cmd_tokens = tokens_grubby,
  .check_trial = pt_plan_check_trial_grub,
  .plan_trial = pt_plan_trial_grub_bls,
  .disarm_trial = disarm_grub_bls,
  .plan_way_back = pt_plan_way_back_grub_bls,
};
