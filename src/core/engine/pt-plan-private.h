/* pt-plan-private.h: what the transaction needs from a plan beyond its JSON,
 * and the state file both read (var/lib/passthrough/state.json).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "pt-bootsetup.h"
#include "pt-plan.h"

G_BEGIN_DECLS

#define PT_STATE_FORMAT 1
#define PT_STATE_DIR "/var/lib/passthrough"

/* One file the plan changes.  @editor names how our part of it is taken
 * out again later ("grub-default:VAR", "entry", "kernel-cmdline", "limine",
 * "default-limine", "refind", "mkinitcpio", "module-lines", "booster",
 * "custom-blocks", "whole"); @ours lists our tokens, modules or (for "whole") nothing. */
typedef struct
{
  char     *path;          /* system path, "/etc/default/grub" */
  char     *action;        /* create, modify, delete */
  char     *before;        /* current text, NULL when absent */
  char     *after;         /* NULL: delete */
  char     *diff;
  char     *editor;
  GStrv     ours;
  GStrv     already;       /* of what the plan wanted here, what the file carried by itself (a hand-made setup) */
  char     *base;          /* the text without Passthrough: the backup revert restores */
  gboolean  keep;          /* revert keeps the file without our part (etc/kernel/cmdline we created) */
  gboolean  initramfs;     /* a change the initramfs must be regenerated for */
  gboolean  record;        /* carries Passthrough content after the plan: kept in the state */
  gboolean  quiet;         /* needs no regeneration (a trial entry) */
  gboolean  whole_already; /* one of our whole files, already there byte for byte without a state record */
  char     *source;        /* the file its new text is copied from (grub.cfg, the default entry), or NULL:
                            * a file we create takes its read permissions, and Preview withholds its
                            * lines from a caller who cannot read it (docs/faults.md) */
  char     *source_text;   /* its text when the plan was made */
} PtChange;

/* Our blocks in GRUB's custom.cfg (editor "custom-blocks", formerly
 * "trial-block"), each between its BEGIN and END line: the trial entry,
 * and the "without passthrough" way back (pt-plan-way-back.c). */
#define PT_TRIAL_BEGIN "### BEGIN Passthrough trial (removed at confirm or revert) ###"
#define PT_TRIAL_END "### END Passthrough trial ###"
#define PT_WAY_BACK_BEGIN "### BEGIN Passthrough way back (removed at revert) ###"
#define PT_WAY_BACK_END "### END Passthrough way back ###"

typedef struct
{
  GStrv     argv;
  gboolean  edit;          /* its effect is the edit (grubby, kernelstub, rpm-ostree kargs) */
} PtCommand;

typedef struct
{
  char     *code;
  char     *message;
  GStrv     devices;
  GPtrArray *fixes;        /* PtFix, best first (pt-plan-fixes.c); NULL: none */
} PtIssue;

/* A file as the state file remembers it. */
typedef struct
{
  char     *path;
  char     *backup;        /* name in var/lib/passthrough/backups, NULL: absent before */
  char     *after_sha256;
  char     *editor;
  GStrv     ours;
  gboolean  keep;
} PtStateFile;

typedef struct
{
  gboolean   applied;
  char      *time;
  GPtrArray *files;            /* PtStateFile */
  GStrv      selection;
  JsonNode  *devices;          /* array of {address, ids, binding, driver_after} */
  GStrv      kernel_args;
  char      *bootloader;
  char      *initramfs;
  gboolean   trial;            /* applied as a one-shot trial, not confirmed */
  char      *trial_boot_id;    /* the boot that armed it */
  char      *options;          /* the plan options (a{sv} text), for confirm */
  char      *cmd_kind;         /* grubby, kernelstub, rpm-ostree or NULL */
  GStrv      cmd_ours;         /* tokens those commands added */
  char      *way_back_path;    /* the "without passthrough" entry's file */
  char      *way_back_title;
  JsonNode  *history;          /* array */
  /* optional, since issue 21 (docs/machine-knowledge.md): health after updates */
  char      *boot_id;          /* the boot the setup was applied in */
  JsonNode  *group_mates;      /* {address: [the other devices of its group at apply]} or NULL */
} PtState;

void        pt_change_free          (PtChange   *change);
void        pt_plan_note_source     (PtPlan     *self,
                                     PtPaths    *paths,
                                     const char *system_path);
void        pt_command_free         (PtCommand  *command);
void        pt_issue_free           (PtIssue    *issue);
void        pt_state_free           (PtState    *state);
PtState    *pt_state_load           (PtPaths    *paths,
                                     GError    **error);
char       *pt_state_to_json        (PtState    *state);
/* The running boot's random id (proc/sys/kernel/random/boot_id). */
char       *pt_state_read_boot_id   (PtPaths    *paths);
char       *pt_state_read_backup    (PtPaths    *paths,
                                     PtStateFile *file,
                                     GError    **error);
char       *pt_sha256_text          (const char *text);
void        pt_way_back_to_builder  (JsonBuilder *b,
                                     const char  *path,
                                     const char  *title);
/* GRUB's custom.cfg: our blocks appended whole, removed from BEGIN to END. */
char       *pt_engine_edit_custom_blocks (const char        *text,
                                          const char *const *add,
                                          const char *const *remove);
char       *pt_engine_read_file     (PtPaths    *paths,
                                     const char *system_path,
                                     gboolean   *out_exists,
                                     GError    **error);
char       *pt_engine_apply_editor  (const char        *editor,
                                     const char        *text,
                                     const char *const *add,
                                     const char *const *remove,
                                     GError           **error);
char       *pt_engine_running_cmdline (PtPaths   *paths,
                                       PtTopology *topology);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtState, pt_state_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtChange, pt_change_free)

/* Accessors for the transaction. */
GPtrArray  *pt_plan_get_changes     (PtPlan *self);   /* PtChange */
GPtrArray  *pt_plan_get_commands    (PtPlan *self);   /* PtCommand */
gboolean    pt_plan_is_revert       (PtPlan *self);
/* {selection, devices, kernel_args, bootloader, initramfs} for the state
 * file; the transaction adds files, backups and commands. */
JsonNode   *pt_plan_dup_summary     (PtPlan *self);
GPtrArray  *pt_plan_get_warnings    (PtPlan *self);   /* PtIssue */
JsonNode   *pt_plan_dup_group_mates (PtPlan *self);   /* pt-repair.c; NULL: none */
GPtrArray  *pt_plan_get_blockers    (PtPlan *self);   /* PtIssue */
const char *pt_plan_get_cmd_kind    (PtPlan *self);
GStrv       pt_plan_get_cmd_ours    (PtPlan *self);

G_END_DECLS
