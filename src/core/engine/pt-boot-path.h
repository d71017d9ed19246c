/* pt-boot-path.h: the boot-path registry.  One PtBootPath per way a
 * kernel command line reaches the kernel (GRUB, systemd-boot, a unified
 * kernel image, …), one file per boot path in src/core/engine/bootpaths/,
 * one table listing them (pt-boot-paths.c).  Detection, the plan, the trial,
 * the way back, the transaction's allow-list and the state's editors all go
 * through the table: nothing outside a boot path's own file asks which boot
 * path it is.  docs/boot-paths.md says how to add one.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "pt-paths.h"

G_BEGIN_DECLS

/* systemd-boot sets it while booting (systemd's boot loader interface). */
#define PT_EFIVAR_LOADER_INFO "/sys/firmware/efi/efivars/LoaderInfo-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f"

typedef struct _PtBootSetup PtBootSetup;
typedef struct _PtPlan PtPlan;
typedef struct _PtPlanCtx PtPlanCtx;

/* What a boot path's detection found.  The boot path that started this
 * system is decided from these, in this order (pt_boot_setup_detect()):
 *   1. the option "bootloader", when the person chose;
 *   2. the highest @strong rank (a record of the running system: a file
 *      only that boot path leaves, an EFI variable, BOOT_IMAGE=);
 *   3. exactly one @candidate (its configuration files are there);
 *      several are ambiguous: the plan asks for the option "bootloader";
 *   4. a @weak one (a file others read too, /etc/kernel/cmdline alone). */
typedef struct
{
  guint     strong;        /* 0, or a rank of PT_BOOT_RANK_* */
  gboolean  candidate;
  gboolean  weak;
  gboolean  unreadable;    /* strong, but its files cannot be read (an ESP
                              not mounted): nothing is chosen, the plan blocks */
  char     *why;           /* a sentence: the evidence for @strong or @weak */
} PtBootEvidence;

/* The ranks of strong evidence, the highest wins. */
enum
{
  PT_BOOT_RANK_PROXMOX = 60,        /* etc/kernel/proxmox-boot-uuids */
  PT_BOOT_RANK_BOOT_IMAGE = 70,     /* BOOT_IMAGE= on the running command line */
  PT_BOOT_RANK_LOADER_INFO = 80,    /* the LoaderInfo EFI variable */
  PT_BOOT_RANK_UKI = 85,            /* BootCurrent starts a UKI a generator builds, or
                                       systemd-boot started and has only UKIs to boot */
  PT_BOOT_RANK_KERNELSTUB = 90,     /* etc/kernelstub/configuration */
  PT_BOOT_RANK_OSTREE = 100,        /* run/ostree-booted */
};

/* A file a boot path may write: an exact system path, or (@suffix set) any
 * file named *@suffix directly in the folder @path ("/boot/loader/entries/",
 * ending in '/'), not hidden, not below. */
typedef struct
{
  const char *path;
  const char *suffix;
} PtBootWrite;

/* A pure text editor as the state file names it.  @name is stored in
 * state.json ("editor") and frozen: a state written by an older release
 * names the same editor.  With @prefix the stored name is @name followed
 * by an argument ("grub-default:GRUB_CMDLINE_LINUX"). */
typedef char *(*PtBootEditFunc) (const char        *text,
                                 const char        *argument,
                                 const char *const *add,
                                 const char *const *remove,
                                 GError           **error);
typedef struct
{
  const char     *name;
  gboolean        prefix;
  PtBootEditFunc  edit;
  gboolean        initramfs;   /* a change to it needs the initramfs rebuilt */
  gboolean        per_entry;   /* one command line per entry: a hand-written
                                  vfio-pci.ids= is not merged into ours */
} PtBootEditor;

typedef struct
{
  /* Frozen: state.json's "bootloader", plan --json's "bootloader", the
   * option "bootloader". */
  const char *name;
  /* For sentences: "GRUB", "Limine". */
  const char *title;
  /* What status reads to tell our arguments are live (for the docs and
   * plan --json): every path today is read from the running command line. */
  const char *status_reads;

  /* Detection: fills @setup's fields of this boot path and says what it
   * found.  Runs in table order (a UKI path reads systemd-boot's entries). */
  PtBootEvidence (*detect) (PtBootSetup *setup,
                            PtPaths     *paths,
                            const char  *running);
  /* Chosen with the option "bootloader" but nothing found: TRUE when the
   * plan creates the file it needs (etc/kernel/cmdline). */
  gboolean created_when_absent;
  /* Once chosen: more evidence for its sentence (which grub.cfg). */
  void (*settle) (PtBootSetup *setup);

  /* The editors of the files it edits (NULL ends); one boot path may use
   * another's (systemd-boot edits etc/kernel/cmdline too). */
  const PtBootEditor *const *editors;
  /* The files it may write ({ NULL } ends): the transaction's allow-list
   * is built from these (pt_boot_paths_may_write()). */
  const PtBootWrite  *writes;
  /* A file only detection can name (GRUB's custom.cfg beside the grub.cfg
   * it reads): TRUE for exactly that file.  @system_path has its links
   * followed.  NULL: none. */
  gboolean (*may_write_detected) (PtPaths    *paths,
                                  const char *system_path);

  /* The plan: our @self->kernel_args into its files or through its tool. */
  gboolean (*plan_cmdline) (PtPlan      *self,
                            PtPlanCtx   *ctx,
                            const char  *running,
                            GError     **error);
  /* A tool whose commands edit the entries (state.json "cmd_kind", frozen),
   * what its configuration already has, and the command that adds or
   * removes @tokens.  NULL: none. */
  const char *cmd_kind;
  char *(*cmd_present) (PtPlan     *self,
                        PtPlanCtx  *ctx,
                        const char *running);
  void  (*cmd_tokens)  (PtPlan     *self,
                        GPtrArray  *tokens,
                        gboolean    remove);
  /* Blockers and warnings of its own on every plan (GRUB: which grub.cfg
   * it reads is not known).  NULL: none. */
  void (*check) (PtPlan  *self,
                 PtPaths *paths);
  /* Regeneration after its files changed (after the initramfs's). */
  void (*regenerate) (PtPlan  *self,
                      PtPaths *paths);

  /* The trial: blockers that keep it from working here (@check_trial), its
   * one-shot entry (@plan_trial), disarming one not booted yet on revert
   * (@disarm_trial).  @plan_trial NULL: "no trial on this path" (@no_trial
   * names what owns the entries; a @check_trial then adds the blocker
   * trial-unavailable itself, where the generic sentence does not fit). */
  void     (*check_trial)  (PtPlan    *self,
                            PtPaths   *paths);
  gboolean (*plan_trial)   (PtPlan    *self,
                            PtPlanCtx *ctx,
                            GError   **error);
  void     (*disarm_trial) (PtPlan    *self,
                            PtPaths   *paths);
  const char *no_trial;

  /* The way back (a boot entry without our arguments), or a warning
   * way-back-unavailable that says what is left.  NULL: its tool owns the
   * entries, editing the command line at the boot menu is the way back. */
  gboolean (*plan_way_back) (PtPlan    *self,
                             PtPlanCtx *ctx,
                             GError   **error);
} PtBootPath;

/* The table (pt-boot-paths.c), NULL-terminated, in detection order. */
extern const PtBootPath *const pt_boot_paths[];

const PtBootPath *pt_boot_path_find        (const char *name);
const PtBootPath *pt_boot_path_for_cmd_kind (const char *cmd_kind);
/* "none" for NULL. */
const char       *pt_boot_path_name        (const PtBootPath *path);
char             *pt_boot_path_dup_names   (void);

/* Every editor a state may name: the boot paths' and the initramfs
 * generators' (pt_boot_path_initramfs_editors).  NULL: unknown. */
const PtBootEditor *pt_boot_editor_find    (const char  *stored_name,
                                            const char **out_argument);

/* The files of the initramfs generators and our modprobe file, written
 * whichever boot path it is ({ NULL } ends), and their editors (NULL ends). */
extern const PtBootWrite pt_boot_initramfs_writes[];
extern const PtBootEditor *const pt_boot_initramfs_editors[];

/* Editors more than one boot path uses (their own files define them). */
extern const PtBootEditor pt_boot_editor_kernel_cmdline;   /* kernel-cmdline.c */
extern const PtBootEditor pt_boot_editor_custom_blocks;    /* grub.c */
extern const PtBootEditor pt_boot_editor_trial_block;      /* grub.c: before a868f44 */
extern const PtBootEditor pt_boot_editor_entry;            /* systemd-boot.c */
extern const PtBootEditor pt_boot_editor_grub_default;     /* grub.c */

/* Whether @system_path (links followed) is a file Passthrough may write:
 * one of some boot path's writes, a file its detection names, or an
 * initramfs file.  The transaction's allow-list. */
gboolean          pt_boot_paths_may_write  (PtPaths    *paths,
                                            const char *system_path);
gboolean          pt_boot_write_matches    (const PtBootWrite *write,
                                            const char        *system_path);

G_END_DECLS
