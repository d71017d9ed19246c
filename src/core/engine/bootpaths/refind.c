/* refind.c: rEFInd's refind_linux.conf (a row of the boot-path table,
 * pt-boot-path.h): the options of every line.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "pt-boot-path.h"
#include "pt-bootsetup.h"
#include "pt-edit.h"
#include "pt-plan-build.h"

#define REFIND_LINUX_CONF "/boot/refind_linux.conf"

static const PtBootWrite writes[] = {
  { REFIND_LINUX_CONF },
  { NULL },
};

static char *
edit_refind (const char *text, const char *argument, const char *const *add,
             const char *const *remove, GError **error)
{
  return pt_edit_refind_linux_conf (text, add, remove, error);
}

/* One command line per line (entry): not merged. */
static const PtBootEditor editor_refind = { "refind", FALSE, edit_refind, FALSE, TRUE };
static const PtBootEditor *const editors[] = { &editor_refind, NULL };

static PtBootEvidence
detect (PtBootSetup *setup,
        PtPaths     *paths,
        const char  *running)
{
  PtBootEvidence e = { 0 };

  if (pt_boot_setup_exists (paths, REFIND_LINUX_CONF))
    {
      setup->refind_conf = g_strdup (REFIND_LINUX_CONF);
      e.candidate = TRUE;
    }
  return e;
}

static gboolean
plan_cmdline (PtPlan      *self,
              Ctx         *ctx,
              const char  *running,
              GError     **error)
{
  if (self->setup->refind_conf == NULL)
    return TRUE;   /* chosen but not found: bootloader-not-found says so */
  return pt_plan_target_edit (self, ctx, self->setup->refind_conf, "refind", self->kernel_args,
                              NULL, FALSE, FALSE, error);
}

const PtBootPath pt_boot_path_refind = {
  .name = "refind",
  .title = "rEFInd",
  .status_reads = "the running command line (/proc/cmdline)",
  .detect = detect,
  .editors = editors,
  .writes = writes,
  .plan_cmdline = plan_cmdline,
  .no_trial = N_("rEFInd"),
};
