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
  char        *cmd_kind;
  GPtrArray   *cmd_ours;      /* char* */
  GPtrArray   *cmd_already;   /* char*: of the arguments the command would add, what the tool's configuration has by the person's hand */
  gboolean     trial;
  char        *options_text;  /* the options as an a{sv} text, for confirm */
  char        *trial_command; /* the one-shot command's program, NULL: none */
  char        *trial_entry;   /* what it boots once */
  char        *way_back_path; /* the "without passthrough" entry's file, NULL: none */
  char        *way_back_title;
};

typedef struct
{
  PtPaths  *paths;
  PtState  *state;
} Ctx;

/* pt-plan.c */
PtIssue *pt_plan_add_issue (GPtrArray *list, const char *code, GPtrArray *devices, char *message);
gboolean pt_plan_compute_base (Ctx *ctx, const char *path, const char *current, char **out_base, GError **error);
gboolean pt_plan_target_edit (PtPlan *self, Ctx *ctx, const char *path, const char *editor, GPtrArray *add, const char *seed, gboolean keep, gboolean initramfs, GError **error);
gboolean pt_plan_target_whole (PtPlan *self, Ctx *ctx, const char *path, char *content, gboolean initramfs, GError **error);

/* pt-plan.c: small helpers */
gboolean pt_plan_strv_has (GPtrArray *array, const char *s);
void pt_plan_add_unique (GPtrArray *array, const char *s);
char *pt_plan_join_array (GPtrArray *array, const char *sep);

/* pt-plan-devices.c */
gboolean pt_plan_add_devices (PtPlan *self, PtTopology *topology, const char *const *addresses, GError **error);
void pt_plan_check_devices (PtPlan *self, PtPaths *paths, PtTopology *topology, PtPlanOptions *options);
void pt_plan_choose_binding (PtPlan *self, PtTopology *topology, PtPlanOptions *options);
void pt_plan_compute_kernel_args (PtPlan *self, PtTopology *topology, PtPlanOptions *options);
void pt_plan_compute_modules (PtPlan *self, PtPaths *paths, PtTopology *topology);
void pt_plan_check_system (PtPlan *self, PtPaths *paths, const char *running, PtState *state);

/* pt-plan-fixes.c */
void pt_plan_add_fixes (PtPlan *self, PtPaths *paths, PtTopology *topology, PtPlanOptions *options);

/* pt-plan-trial.c */
const char * pt_plan_grub_cfg_path (PtBootSetup *setup);
const char * pt_plan_bls_grub_dir (PtPaths *paths);
void pt_plan_check_trial (PtPlan *self, PtPaths *paths);
gboolean pt_plan_trial_files (PtPlan *self, Ctx *ctx, GError **error);
char *pt_plan_grub_quote (const char *text);
char *pt_plan_grub_default_entry_body (PtPlan *self, Ctx *ctx, const char *const *add, const char *const *remove, gboolean stable_paths, char **out_title, GError **error);
char *pt_plan_entry_copy (const char *text, const char *header, const char *title_suffix);
char *pt_plan_sdboot_default_entry (PtPlan *self, Ctx *ctx, const char *const *add, const char *const *remove, GError **error);
char *pt_plan_bls_default_entry (PtPlan *self, Ctx *ctx, const char **out_entry, GError **error);

/* pt-plan-way-back.c */
gboolean pt_plan_way_back_files (PtPlan *self, Ctx *ctx, GError **error);

G_END_DECLS
