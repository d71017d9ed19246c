/* pt-plan-build.h: what pt-plan.c and pt-plan-trial.c share while they
 * build a plan; nothing outside the engine's plan files includes it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "pt-plan-private.h"
#include "pt-strv.h"

G_BEGIN_DECLS

typedef struct
{
  char *address;
  char *ids;
  char *binding;       /* ids, address */
  char *reason;
  char *driver_now;
  char *driver_after;  /* vfio-pci, pci-stub */
} PlanDevice;

struct _PtPlan
{
  GObject      parent_instance;

  gboolean     revert;
  GPtrArray   *selection;     /* char* */
  GPtrArray   *devices;       /* PlanDevice */
  char        *binding;
  PtBootSetup *setup;
  GPtrArray   *kernel_args;   /* char* */
  GPtrArray   *modules;       /* char*: initramfs modules */
  GPtrArray   *softdeps;      /* char* */
  GPtrArray   *changes;       /* PtChange, unchanged targets included */
  GPtrArray   *commands;      /* PtCommand */
  GPtrArray   *warnings;      /* PtIssue */
  GPtrArray   *blockers;      /* PtIssue */
  GPtrArray   *not_known;     /* PtIssue: checks a snapshot cannot answer (neither warning nor blocker) */
  char        *cmd_kind;
  GPtrArray   *cmd_ours;      /* char* */
  GPtrArray   *cmd_already;   /* char*: of the arguments the command would add, what the tool's configuration has by the person's hand */
  gboolean     trial;
  char        *options_text;  /* the options as an a{sv} text, for confirm */
  GStrv        trial_argv;    /* the command that arms the one-shot entry (the boot path's), NULL: none */
  char        *way_back_path; /* the "without passthrough" entry's file, NULL: none */
  char        *way_back_title;
  JsonNode    *group_mates;   /* pt-repair.c: {address: [group mates]} for the state */
  gboolean     regenerate;    /* option regenerate (repair): run the regeneration commands even without a file change */
};

struct _PtPlanCtx
{
  PtPaths  *paths;
  PtState  *state;
};
typedef PtPlanCtx Ctx;

/* pt-plan.c */
PtIssue *pt_plan_add_issue (GPtrArray *list, const char *code, GPtrArray *devices, char *message);
gboolean pt_plan_compute_base (Ctx *ctx, const char *path, const char *current, char **out_base, GError **error);
gboolean pt_plan_target_edit (PtPlan *self, Ctx *ctx, const char *path, const char *editor, GPtrArray *add, const char *seed, gboolean keep, gboolean initramfs, GError **error);
gboolean pt_plan_target_whole (PtPlan *self, Ctx *ctx, const char *path, char *content, gboolean initramfs, GError **error);

/* pt-plan.c: commands, for the boot paths (bootpaths/) */
void pt_plan_add_command (PtPlan *self, gboolean edit, const char *first, ...) G_GNUC_NULL_TERMINATED;
void pt_plan_add_command_strv (PtPlan *self, gboolean edit, GStrv argv);
gboolean pt_plan_has_command (PtPlan *self, const char *const *argv);
gboolean pt_plan_edit_commands (PtPlan *self, Ctx *ctx, const char *kind, const char *running, GError **error);
char *pt_plan_kernel_cmdline_seed (Ctx *ctx, const char *entry, GError **error);
/* For a UKI generator's command line: what of ours its sources lack, and
 * the running command line as the seed of a new source. */
GPtrArray *pt_plan_args_missing (PtPlan *self, const char *present, GPtrArray *already, GError **error);
char *pt_plan_running_without_loader (const char *running);
/* A change that writes nothing and says what a person's file carries. */
void pt_plan_note_already (PtPlan *self, const char *path, GPtrArray *items);
/* The last change added (a trial or way-back entry marks itself quiet). */
PtChange *pt_plan_last_change (PtPlan *self);

/* pt-plan.c: small helpers */
gboolean pt_plan_strv_has (GPtrArray *array, const char *s);
void pt_plan_add_unique (GPtrArray *array, const char *s);
char *pt_plan_join_array (GPtrArray *array, const char *sep);

/* pt-plan-devices.c */
gboolean pt_plan_add_devices (PtPlan *self, PtTopology *topology, const char *const *addresses, GError **error);
void pt_plan_check_devices (PtPlan *self, PtPaths *paths, PtTopology *topology, PtPlanOptions *options);
/* pt-repair.c */
void pt_plan_record_group_mates (PtPlan *self, PtTopology *topology);
/* pt-plan-traps.c */
void pt_plan_add_traps (PtPlan *self, PtPaths *paths, PtTopology *topology, PtPlanOptions *options);
void pt_plan_choose_binding (PtPlan *self, PtTopology *topology, PtPlanOptions *options);
void pt_plan_compute_kernel_args (PtPlan *self, PtTopology *topology, PtPlanOptions *options);
void pt_plan_compute_modules (PtPlan *self, PtPaths *paths, PtTopology *topology);
void pt_plan_check_system (PtPlan *self, PtPaths *paths, const char *running, PtState *state);

/* pt-plan-fixes.c */
void pt_plan_add_fixes (PtPlan *self, PtPaths *paths, PtTopology *topology, PtPlanOptions *options);

/* pt-plan-trial.c: the trial of every boot path (through the table), and
 * the bodies of GRUB's, GRUB with BLS's and systemd-boot's */
const char * pt_plan_grub_cfg_path (PtBootSetup *setup);
void pt_plan_check_trial_grub (PtPlan *self, PtPaths *paths);
void pt_plan_trial_inside_image (PtPlan *self, const char *tool, const char *rebuild);
gboolean pt_plan_trial_grub (PtPlan *self, Ctx *ctx, GError **error);
gboolean pt_plan_trial_grub_bls (PtPlan *self, Ctx *ctx, GError **error);
gboolean pt_plan_trial_systemd_boot (PtPlan *self, Ctx *ctx, GError **error);
const char * pt_plan_bls_grub_dir (PtPaths *paths);
void pt_plan_check_trial (PtPlan *self, PtPaths *paths);
gboolean pt_plan_trial_files (PtPlan *self, Ctx *ctx, GError **error);
char *pt_plan_grub_quote (const char *text);
char *pt_plan_grub_default_entry_body (PtPlan *self, Ctx *ctx, const char *const *add, const char *const *remove, gboolean stable_paths, char **out_title, GError **error);
char *pt_plan_entry_copy (const char *text, const char *header, const char *title_suffix);
char *pt_plan_sdboot_default_entry (PtPlan *self, Ctx *ctx, const char *const *add, const char *const *remove, GError **error);
char *pt_plan_bls_default_entry (PtPlan *self, Ctx *ctx, const char **out_entry, GError **error);

/* pt-plan-way-back.c: the way back of every boot path (through the table),
 * and the bodies of GRUB's, GRUB with BLS's and systemd-boot's */
gboolean pt_plan_way_back_files (PtPlan *self, Ctx *ctx, GError **error);
gboolean pt_plan_way_back_grub (PtPlan *self, Ctx *ctx, GError **error);
gboolean pt_plan_way_back_grub_bls (PtPlan *self, Ctx *ctx, GError **error);
gboolean pt_plan_way_back_systemd_boot (PtPlan *self, Ctx *ctx, GError **error);
/* The warning way-back-unavailable, @why a sentence. */
void pt_plan_way_back_unavailable (PtPlan *self, const char *why);

G_END_DECLS
