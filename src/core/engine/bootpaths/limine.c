/* limine.c: Limine (a row of the boot-path table, pt-boot-path.h): the
 * cmdline of every entry of limine.conf (or limine.cfg before 8.x), and
 * /etc/default/limine where limine-entry-tool writes the entries from it.
 * The files detection looks for are the files it may write: one list.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "pt-boot-path.h"
#include "pt-bootsetup.h"
#include "pt-edit.h"
#include "pt-plan-build.h"

#define DEFAULT_LIMINE "/etc/default/limine"

/* Where Limine reads its configuration, in the order it looks; limine.conf
 * (8.x) wins over limine.cfg (before 8.x) in the same places. */
static const PtBootWrite writes[] = {
  { "/boot/limine.conf" }, { "/boot/limine/limine.conf" }, { "/boot/efi/limine.conf" },
  { "/efi/limine.conf" }, { "/boot/EFI/BOOT/limine.conf" }, { "/boot/efi/EFI/BOOT/limine.conf" },
  { "/efi/EFI/BOOT/limine.conf" },
  { "/boot/limine.cfg" }, { "/boot/limine/limine.cfg" }, { "/boot/efi/limine.cfg" },
  { "/efi/limine.cfg" }, { "/boot/EFI/BOOT/limine.cfg" }, { "/boot/efi/EFI/BOOT/limine.cfg" },
  { "/efi/EFI/BOOT/limine.cfg" },
  { DEFAULT_LIMINE },
  { NULL },
};

static char *
edit_limine (const char *text, const char *argument, const char *const *add,
             const char *const *remove, GError **error)
{
  return pt_edit_limine_conf (text, add, remove, error);
}

static char *
edit_default_limine (const char *text, const char *argument, const char *const *add,
                     const char *const *remove, GError **error)
{
  return pt_edit_default_limine (text, add, remove, error);
}

/* limine.conf holds one command line per entry: not merged. */
static const PtBootEditor editor_limine = { "limine", FALSE, edit_limine, FALSE, TRUE };
static const PtBootEditor editor_default_limine = { "default-limine", FALSE, edit_default_limine, FALSE, FALSE };
static const PtBootEditor *const editors[] = { &editor_limine, &editor_default_limine, NULL };

static PtBootEvidence
detect (PtBootSetup *setup,
        PtPaths     *paths,
        const char  *running)
{
  PtBootEvidence e = { 0 };

  for (guint i = 0; writes[i].path != NULL && setup->limine_conf == NULL; i++)
    if (!g_str_equal (writes[i].path, DEFAULT_LIMINE) && pt_boot_setup_exists (paths, writes[i].path))
      setup->limine_conf = g_strdup (writes[i].path);
  if (pt_boot_setup_exists (paths, DEFAULT_LIMINE))
    setup->default_limine = g_strdup (DEFAULT_LIMINE);
  e.candidate = setup->limine_conf != NULL || setup->default_limine != NULL;
  return e;
}

static gboolean
plan_cmdline (PtPlan      *self,
              Ctx         *ctx,
              const char  *running,
              GError     **error)
{
  if (self->setup->default_limine &&
      !pt_plan_target_edit (self, ctx, self->setup->default_limine, "default-limine", self->kernel_args,
                            NULL, FALSE, FALSE, error))
    return FALSE;
  if (self->setup->limine_conf &&
      !pt_plan_target_edit (self, ctx, self->setup->limine_conf, "limine", self->kernel_args,
                            NULL, FALSE, FALSE, error))
    return FALSE;
  return TRUE;
}

const PtBootPath pt_boot_path_limine = {
  .name = "limine",
  .title = "Limine",
  .status_reads = "the running command line (/proc/cmdline)",
  .detect = detect,
  .editors = editors,
  .writes = writes,
  .plan_cmdline = plan_cmdline,
  .no_trial = N_("Limine"),
};
