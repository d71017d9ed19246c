/* kernel-cmdline.c: /etc/kernel/cmdline as the boot path (a row of the
 * boot-path table, pt-boot-path.h): Proxmox's proxmox-boot-tool, and
 * kernel-install or a UKI generator that reads it where no other boot path
 * is found.  Where a UKI generator's preset is found, that boot path
 * (mkinitcpio-uki, dracut-uki) owns the file instead.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "pt-boot-path.h"
#include "pt-bootsetup.h"
#include "pt-edit.h"
#include "pt-plan-build.h"

static const PtBootWrite writes[] = {
  { "/etc/kernel/cmdline" },
  { NULL },
};

static char *
edit_kernel_cmdline (const char *text, const char *argument, const char *const *add,
                     const char *const *remove, GError **error)
{
  return pt_edit_kernel_cmdline_file (text, add, remove, error);
}

const PtBootEditor pt_boot_editor_kernel_cmdline = { "kernel-cmdline", FALSE, edit_kernel_cmdline, FALSE, FALSE };
static const PtBootEditor *const editors[] = { &pt_boot_editor_kernel_cmdline, NULL };

static PtBootEvidence
detect (PtBootSetup *setup,
        PtPaths     *paths,
        const char  *running)
{
  PtBootEvidence e = { 0 };

  if (setup->proxmox)
    {
      e.strong = PT_BOOT_RANK_PROXMOX;
      e.why = g_strdup (_("/etc/kernel/proxmox-boot-uuids: proxmox-boot-tool manages the boot entries"));
    }
  else if (setup->kernel_cmdline_exists)
    {
      e.weak = TRUE;
      e.why = g_strdup (_("/etc/kernel/cmdline: kernel-install or a unified kernel image reads it"));
    }
  return e;
}

/* A file that is not there yet starts from the running command line: it
 * replaces it whole, so it must carry root= and the rest. */
static gboolean
plan_cmdline (PtPlan      *self,
              Ctx         *ctx,
              const char  *running,
              GError     **error)
{
  return pt_plan_target_edit (self, ctx, "/etc/kernel/cmdline", "kernel-cmdline", self->kernel_args,
                              running, TRUE, FALSE, error);
}

static void
regenerate (PtPlan  *self,
            PtPaths *paths)
{
  if (self->setup->proxmox)
    pt_plan_add_command (self, FALSE, "proxmox-boot-tool", "refresh", NULL);
}

const PtBootPath pt_boot_path_kernel_cmdline = {
  .name = "kernel-cmdline",
  .title = "/etc/kernel/cmdline",
  .status_reads = "the running command line (/proc/cmdline)",
  .detect = detect,
  .created_when_absent = TRUE,
  .editors = editors,
  .writes = writes,
  .plan_cmdline = plan_cmdline,
  .regenerate = regenerate,
  .no_trial = N_("a command line in /etc/kernel/cmdline"),
};
