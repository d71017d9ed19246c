/* pt-bootsetup.h: which bootloader and initramfs generator a root uses
 * (docs/boot-setup.md).
 *
 * When several bootloaders are installed, the one that really boots is
 * decided in this fixed order (the first rule that applies wins):
 *   1. the option "bootloader", when the person chose;
 *   2. run/ostree-booted: rpm-ostree owns the command line;
 *   3. etc/kernelstub/configuration: kernelstub owns the systemd-boot entries;
 *   4. the LoaderInfo EFI variable (systemd-boot set it while booting);
 *      when no ESP with loader/loader.conf is mounted then, nothing is
 *      chosen: the plan asks for the ESP to be mounted rather than edit
 *      another bootloader's files that do not boot this system;
 *   5. BOOT_IMAGE= on the running command line (GRUB put it there);
 *   6. etc/kernel/proxmox-boot-uuids with etc/kernel/cmdline (Proxmox's
 *      proxmox-boot-tool);
 *   7. the file evidence, when exactly one of GRUB (with or without BLS),
 *      systemd-boot, Limine and rEFInd is found; etc/kernel/cmdline alone
 *      (a UKI or kernel-install system) comes last.
 * Two or more candidates left by rule 7 are ambiguous: the plan says so and
 * asks for the option "bootloader".
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "pt-paths.h"

G_BEGIN_DECLS

typedef enum
{
  PT_BOOTLOADER_NONE,
  PT_BOOTLOADER_GRUB,
  PT_BOOTLOADER_GRUB_BLS,
  PT_BOOTLOADER_SYSTEMD_BOOT,
  PT_BOOTLOADER_KERNELSTUB,
  PT_BOOTLOADER_RPM_OSTREE,
  PT_BOOTLOADER_KERNEL_CMDLINE,
  PT_BOOTLOADER_LIMINE,
  PT_BOOTLOADER_REFIND,
} PtBootloader;

typedef enum
{
  PT_INITRAMFS_NONE,
  PT_INITRAMFS_MKINITCPIO,
  PT_INITRAMFS_DRACUT,
  PT_INITRAMFS_INITRAMFS_TOOLS,
  PT_INITRAMFS_BOOSTER,
} PtInitramfs;

typedef struct
{
  PtBootloader  bootloader;
  GPtrArray    *candidates;          /* names found by file evidence */
  gboolean      ambiguous;
  gboolean      forced_missing;      /* the chosen "bootloader" was not found */
  gboolean      esp_missing;         /* systemd-boot started this system (LoaderInfo),
                                        but no ESP with loader/loader.conf is mounted */
  char         *evidence;            /* a sentence: why this bootloader */

  /* GRUB (also GRUB with BLS: /etc/default/grub for future kernels) */
  gboolean      grub_present;
  char         *grub_variable;       /* GRUB_CMDLINE_LINUX_DEFAULT or GRUB_CMDLINE_LINUX */
  GStrv         grub_mkconfig_argv;  /* update-grub / grub-mkconfig -o grub_cfg; NULL when ambiguous */
  GPtrArray    *bls_entries;         /* system paths of BLS entries (GRUB with BLS) */
  /* The grub.cfg the installed GRUB reads (see pt_boot_setup_detect_grub_cfg
   * below) and its directory, ${config_directory} at boot: the stock
   * 41_custom sources custom.cfg from there and 00_header loads grubenv
   * from there.  NULL when grub_cfg_ambiguous. */
  char         *grub_cfg;
  char         *grub_dir;
  char         *grub_tool;           /* "grub2" or "grub": grub2-mkconfig, grub2-reboot, grub2-editenv */
  char         *grub_cfg_evidence;   /* a sentence: why that grub.cfg */
  gboolean      grub_cfg_ambiguous;  /* several on the ESP, nothing shows which one */

  /* systemd-boot */
  char         *esp;                 /* "/boot", "/efi" or "/boot/efi" */
  GPtrArray    *entries;             /* system paths of non-fallback entries */
  char         *default_entry;       /* system path of the default entry */
  gboolean      kernel_install_managed;
  gboolean      kernel_cmdline_exists;
  gboolean      proxmox;

  /* Limine, rEFInd */
  char         *limine_conf;         /* system path or NULL */
  char         *default_limine;      /* "/etc/default/limine" or NULL */
  char         *refind_conf;

  PtInitramfs   initramfs;
  gboolean      mkinitcpio_dropins;  /* etc/mkinitcpio.conf.d exists */
  gboolean      ostree;
} PtBootSetup;

PtBootSetup *pt_boot_setup_detect            (PtPaths     *paths,
                                              const char  *running_cmdline,
                                              const char  *chosen_bootloader);
/* Which grub.cfg GRUB reads, alone (the transaction's allow-list asks):
 *   - a grub.cfg in EFI/<id>/ on the EFI system partition (/boot/efi, /efi,
 *     /boot) that has menu entries, blscfg or grub-mkconfig's "### BEGIN"
 *     sections is the full configuration GRUB reads there (RHEL/CentOS 7
 *     and 8, Fedora up to 33);
 *   - one that only hands over with configfile/source (Fedora 34+, RHEL 9,
 *     Debian, Ubuntu, openSUSE) names the file GRUB reads: its path after
 *     the "($dev)" device, on /boot or on the root file system, whichever
 *     has it;
 *   - without one, /boot/grub2/grub.cfg or /boot/grub/grub.cfg (BIOS, or
 *     a GRUB image whose prefix points there).
 * Several EFI/<id>/grub.cfg that lead to different files are told apart by
 * the firmware's current boot entry (the BootCurrent and Boot#### EFI
 * variables name \EFI\<id>\…), then by /etc/os-release's ID, then by which
 * of them leads to a file that exists here; otherwise grub_cfg_ambiguous.
 * Sets grub_tool, grub_cfg, grub_dir, grub_cfg_evidence, grub_cfg_ambiguous
 * and grub_mkconfig_argv of @setup. */
void         pt_boot_setup_detect_grub_cfg   (PtBootSetup *setup,
                                              PtPaths     *paths);
/* @system_path with every symbolic link in it followed inside the root (an
 * absolute target is taken relative to the root, as after chroot); NULL
 * after 32 links. */
char        *pt_boot_setup_resolve_path      (PtPaths     *paths,
                                              const char  *system_path);
void         pt_boot_setup_free              (PtBootSetup *setup);

const char  *pt_bootloader_to_string         (PtBootloader bootloader);
const char  *pt_initramfs_to_string          (PtInitramfs  initramfs);
gboolean     pt_bootloader_name_is_valid     (const char  *name);
char        *pt_bootloader_dup_valid_names   (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtBootSetup, pt_boot_setup_free)

G_END_DECLS
