/* rpm-ostree.c: Fedora Atomic and other rpm-ostree systems (a row of the
 * boot-path table, pt-boot-path.h): "rpm-ostree kargs" owns the command
 * line of the next deployment; Passthrough writes none of its files.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "pt-boot-path.h"
#include "pt-bootsetup.h"
#include "pt-plan-build.h"

static const PtBootWrite writes[] = { { NULL } };
static const PtBootEditor *const editors[] = { NULL };

static PtBootEvidence
detect (PtBootSetup *setup,
        PtPaths     *paths,
        const char  *running)
{
  PtBootEvidence e = { 0 };

  if (setup->ostree)
    {
      e.strong = PT_BOOT_RANK_OSTREE;
      e.why = g_strdup (_("/run/ostree-booted: an rpm-ostree system"));
    }
  return e;
}

static gboolean
plan_cmdline (PtPlan      *self,
              Ctx         *ctx,
              const char  *running,
              GError     **error)
{
  return pt_plan_edit_commands (self, ctx, "rpm-ostree", running, error);
}

static void
tokens (PtPlan    *self,
        GPtrArray *list,
        gboolean   remove)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_null_terminated (0, g_free, TRUE);

  g_ptr_array_add (argv, g_strdup ("rpm-ostree"));
  g_ptr_array_add (argv, g_strdup ("kargs"));
  for (guint i = 0; i < list->len; i++)
    g_ptr_array_add (argv, g_strdup_printf (remove ? "--delete-if-present=%s" : "--append-if-missing=%s",
                                            (char *) g_ptr_array_index (list, i)));
  pt_plan_add_command_strv (self, TRUE, pt_strv_peek (argv));
}

const PtBootPath pt_boot_path_rpm_ostree = {
  .name = "rpm-ostree",
  .title = "rpm-ostree",
  .status_reads = "the running command line (/proc/cmdline)",
  .detect = detect,
  .editors = editors,
  .writes = writes,
  .plan_cmdline = plan_cmdline,
  .cmd_kind = "rpm-ostree",
  .cmd_tokens = tokens,
  .no_trial = N_("rpm-ostree"),
};
