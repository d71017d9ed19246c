/* pt-edit.h: pure editors for every file the engine changes.
 *
 * Text in, text out.  Each editor touches only the tokens, modules or lines
 * it is told to and keeps every other byte as it was: comments, quoting,
 * tabs, CRLF line ends, trailing blank lines.  Adding a token that is already
 * there (see "equivalent" below) changes nothing, so applying twice is a
 * no-op, and removing what was added gives back the original bytes.  An
 * editor that cannot edit safely (unbalanced quotes, a value it would have to
 * guess about) returns NULL with PT_ERROR_PARSE and a sentence naming the
 * line; it never returns half-edited text.
 *
 * Kernel command line tokens are "key" or "key=value".  Two tokens are
 * equivalent when their keys are equal after pt_cmdline_normalize_key() ('-'
 * and '_' are the same in names) and their values are equal, where values of
 * rd.driver.pre / module lists compare vfio-pci and vfio_pci as the same.
 * `remove` deletes every token equivalent to one in the list; `add` appends
 * each token that has no equivalent yet, separated by one space.  A remove
 * entry written "key=*" matches that key with any value.  Removal runs
 * before addition, so one call can replace vfio-pci.ids=old by =new.
 *
 * Tokens to add must match [A-Za-z0-9._,:=@/+%-]+ (no blanks, quotes, '$',
 * '\\' or backquotes): anything else fails with PT_ERROR_INVALID_ARGS and
 * nothing is written.  Module names must match [a-z0-9_-]+.
 *
 * Where a file has no place for our tokens yet (no GRUB_CMDLINE_LINUX_DEFAULT,
 * no MODULES, no modules_force_load), add appends a line ending in
 * "# added by Passthrough"; removing the last token of such a line removes
 * the line, so revert stays byte-exact.  The exceptions, where the bytes
 * alone cannot tell what was there: an empty unquoted shell value (VAR=)
 * comes back as VAR=""; an entry's bare "options" line (no arguments at all)
 * is dropped when its last argument is removed, since that is what undoes
 * adding an options line; an /etc/kernel/cmdline that holds only comments
 * keeps an empty line; a grubenv that was not 1024 bytes comes back padded
 * to 1024.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* ---- kernel command line in its various homes ------------------------- */

/* A bare command line (no file syntax). */
char     *pt_edit_cmdline               (const char        *cmdline,
                                         const char *const *add,
                                         const char *const *remove,
                                         GError           **error);

/* /etc/default/grub: edits GRUB_CMDLINE_LINUX_DEFAULT (the last live,
 * uncommented assignment), or GRUB_CMDLINE_LINUX when @variable says so;
 * appends a new assignment when none exists.  Handles "…", '…' and unquoted
 * values and self-references like VAR="$VAR foo". */
char     *pt_edit_grub_default          (const char        *text,
                                         const char        *variable,
                                         const char *const *add,
                                         const char *const *remove,
                                         GError           **error);
/* The value the last live assignment of @variable gives (quotes removed,
 * $VAR self-references expanded); NULL when there is none. */
/* Whether @id is a vendor:device pair as the kernel's ids= take it ("10de:1b80"). */
gboolean  pt_edit_valid_id              (const char        *id);
/* Whether a blank-separated module list names @module (vfio-pci and
 * vfio_pci are one module). */
gboolean  pt_module_words_contain       (const char        *words,
                                         const char        *module);
/* The words a shell configuration (dracut.conf.d, mkinitcpio.conf) gives
 * variable @name, with += appends: NULL when it is never set. */
char     *pt_read_shell_words           (const char        *text,
                                         const char        *name);
/* The same for a bash array, NAME=(…) (mkinitcpio's PRESETS=('default'
 * 'fallback')), or a string: its words, quotes taken off. */
char     *pt_read_shell_array           (const char        *text,
                                         const char        *name);
char     *pt_read_grub_default          (const char        *text,
                                         const char        *variable);

/* A BLS or systemd-boot entry: every "options" line.  When the entry's
 * options are "$kernelopts" (older Fedora/RHEL BLS) the real arguments live
 * in grubenv: pt_edit_entry_options() then fails with PT_ERROR_PARSE and
 * pt_entry_uses_kernelopts() says so, and the engine edits grubenv. */
char     *pt_edit_entry_options         (const char        *text,
                                         const char *const *add,
                                         const char *const *remove,
                                         GError           **error);
char     *pt_read_entry_options         (const char        *text);
gboolean  pt_entry_uses_kernelopts      (const char        *text);

/* /boot/grub2/grubenv: the kernelopts= variable, keeping the file exactly
 * 1024 bytes (the '#' padding shrinks or grows). */
char     *pt_edit_grubenv_kernelopts    (const char        *text,
                                         const char *const *add,
                                         const char *const *remove,
                                         GError           **error);

/* /etc/kernel/cmdline (kernel-install, Proxmox, UKI): one line. */
char     *pt_edit_kernel_cmdline_file   (const char        *text,
                                         const char *const *add,
                                         const char *const *remove,
                                         GError           **error);

/* limine.conf (cmdline: / kernel_cmdline: lines, and legacy CMDLINE=) and
 * /etc/default/limine (KERNEL_CMDLINE[default]="…" / +=). */
char     *pt_edit_limine_conf           (const char        *text,
                                         const char *const *add,
                                         const char *const *remove,
                                         GError           **error);
char     *pt_edit_default_limine        (const char        *text,
                                         const char *const *add,
                                         const char *const *remove,
                                         GError           **error);
/* The value KERNEL_CMDLINE[default] ends with in /etc/default/limine. */
char     *pt_read_default_limine        (const char        *text);

/* refind_linux.conf: the options (second quoted field) of every line. */
char     *pt_edit_refind_linux_conf     (const char        *text,
                                         const char *const *add,
                                         const char *const *remove,
                                         GError           **error);

/* ---- initramfs configuration ------------------------------------------ */

/* /etc/mkinitcpio.conf: MODULES=(…) or the legacy MODULES="…" string.
 * Added modules go before any GPU driver (amdgpu, radeon, nouveau, nvidia*,
 * i915, xe) already listed; removal removes only the named modules. */
char     *pt_edit_mkinitcpio_modules    (const char        *text,
                                         const char *const *add,
                                         const char *const *remove,
                                         GError           **error);
/* The modules MODULES lists, in order (NULL-terminated), or NULL on error. */
GStrv     pt_read_mkinitcpio_modules    (const char        *text,
                                         GError           **error);

/* One module per line: /etc/initramfs-tools/modules, /etc/modules. */
char     *pt_edit_module_lines          (const char        *text,
                                         const char *const *add,
                                         const char *const *remove,
                                         GError           **error);

/* /etc/booster.yaml: the modules_force_load: comma list. */
char     *pt_edit_booster_modules       (const char        *text,
                                         const char *const *add,
                                         const char *const *remove,
                                         GError           **error);

/* ---- our own files, generated whole ----------------------------------- */

typedef struct
{
  const char *const *softdep_drivers;   /* host drivers vfio-pci must beat: "amdgpu", "nouveau", … */
  const char *const *vfio_ids;          /* only when there is no editable command line; else NULL */
  gboolean           disable_vga;
  gboolean           unsafe_interrupts;
  const char *const *pci_stub_ids;      /* unused on the modprobe side today; NULL */
  gboolean           disable_idle_d3;   /* the d3cold trap's fix (docs/machine-knowledge.md) */
} PtModprobeConf;

/* /etc/modprobe.d/passthrough.conf, with a header comment that says who
 * wrote it and how to undo it.  Never an "install" line.  The three
 * renderers return NULL when a module name fails [a-z0-9_-]+ or an ID fails
 * hhhh:hhhh (these files are root-owned and read by shells and modprobe). */
char     *pt_render_modprobe_conf       (const PtModprobeConf *conf);
/* /etc/dracut.conf.d/passthrough.conf: force_drivers+=" … " */
char     *pt_render_dracut_conf         (const char *const   *modules);
/* /etc/mkinitcpio.conf.d/passthrough.conf: MODULES+=(…) */
char     *pt_render_mkinitcpio_dropin   (const char *const   *modules);

/* ---- reading what a person already wrote ------------------------------ */

/* Lines of a modprobe.d file that configure vfio-pci by hand
 * ("options vfio-pci ids=…", "options vfio_pci …"), 1-based line numbers in
 * @out_lines (a GArray of guint) when not NULL.  Returns the lines' text
 * without line endings (NULL-terminated; empty when there are none). */
GStrv     pt_scan_modprobe_vfio         (const char        *text,
                                         GArray            *out_lines);
/* Tokens on a command line that look like passthrough parameters but are
 * misspelt, so the kernel ignores them ("vifo-pci.ids=…",
 * "ipcie_acs_override=…"). */
GStrv     pt_scan_cmdline_typos         (const char        *cmdline);

G_END_DECLS
