/* systemd-boot.c: systemd-boot with Type #1 entries in loader/entries on
 * the EFI system partition (a row of the boot-path table, pt-boot-path.h).
 * Where kernel-install writes the entries it rewrites them from
 * /etc/kernel/cmdline, so that file gets our arguments too.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "pt-boot-path.h"
#include "pt-bootsetup.h"
#include "pt-edit.h"
#include "pt-plan-build.h"

static char *
edit_entry (const char *text, const char *argument, const char *const *add,
            const char *const *remove, GError **error)
{
  return pt_edit_entry_options (text, add, remove, error);
}

const PtBootEditor pt_boot_editor_entry = { "entry", FALSE, edit_entry, FALSE, FALSE };

static const PtBootEditor *const editors[] = {
  &pt_boot_editor_entry, &pt_boot_editor_kernel_cmdline, NULL,
};

static const PtBootWrite writes[] = {
  { "/boot/loader/entries/", ".conf" },
  { "/efi/loader/entries/", ".conf" },
  { "/boot/efi/loader/entries/", ".conf" },
  { "/etc/kernel/cmdline" },
  { NULL },
};

static char *
read_machine_id (PtPaths *paths)
{
  g_autofree char *text = pt_boot_setup_read (paths, "/etc/machine-id");

  if (text == NULL)
    return NULL;
  g_strstrip (text);
  return text[0] != '\0' ? g_steal_pointer (&text) : NULL;
}

static PtBootEvidence
detect (PtBootSetup *setup,
        PtPaths     *paths,
        const char  *running)
{
  static const char *const esps[] = { "/boot/efi", "/efi", "/boot" };
  g_autofree char *loader_conf = NULL;
  g_autofree char *entries_dir = NULL;
  g_autofree char *machine_id = NULL;
  g_autoptr(GPtrArray) names = NULL;
  g_autofree char *default_pattern = NULL;
  PtBootEvidence e = { 0 };

  /* systemd-boot started this system.  When its ESP is not where it can
   * be read (not mounted: a "nofail" mount that timed out, an automount),
   * whatever other configuration lies around (Debian keeps
   * /etc/default/grub after a switch) does not boot it: unreadable. */
  if (pt_boot_setup_exists (paths, PT_EFIVAR_LOADER_INFO))
    {
      e.strong = PT_BOOT_RANK_LOADER_INFO;
      e.why = g_strdup (_("the LoaderInfo EFI variable: systemd-boot started this system"));
    }
  for (guint i = 0; i < G_N_ELEMENTS (esps); i++)
    {
      g_autofree char *conf = g_build_filename (esps[i], "loader", "loader.conf", NULL);
      if (pt_boot_setup_exists (paths, conf))
        {
          setup->esp = g_strdup (esps[i]);
          loader_conf = pt_boot_setup_read (paths, conf);
          break;
        }
    }
  if (setup->esp == NULL)
    {
      e.unreadable = e.strong > 0;
      return e;
    }
  e.candidate = TRUE;

  if (loader_conf != NULL)
    {
      g_auto(GStrv) lines = g_strsplit (loader_conf, "\n", -1);
      for (guint i = 0; lines[i] != NULL; i++)
        {
          char *line = g_strstrip (lines[i]);
          if (g_str_has_prefix (line, "default") && g_ascii_isspace (line[7]))
            {
              g_free (default_pattern);
              default_pattern = g_strdup (g_strstrip (line + 8));
            }
        }
    }

  machine_id = read_machine_id (paths);
  entries_dir = g_build_filename (setup->esp, "loader", "entries", NULL);
  names = pt_boot_setup_list_conf (paths, entries_dir);
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      char *path;

      /* A fallback entry boots the fallback initramfs: a way back, left alone. */
      if (strstr (name, "fallback") != NULL)
        continue;
      /* Our own trial entries are not the person's entries. */
      if (g_str_has_prefix (name, "passthrough-"))
        continue;
      if (machine_id != NULL && g_str_has_prefix (name, machine_id))
        setup->kernel_install_managed = TRUE;
      path = g_build_filename (entries_dir, name, NULL);
      g_ptr_array_add (setup->entries, path);
      if (setup->default_entry == NULL && default_pattern != NULL &&
          (g_pattern_match_simple (default_pattern, name) ||
           (!g_str_has_suffix (default_pattern, ".conf") &&
            g_str_has_prefix (name, default_pattern) && g_str_equal (name + strlen (default_pattern), ".conf"))))
        setup->default_entry = g_strdup (path);
    }
  if (setup->default_entry == NULL && setup->entries->len > 0)
    setup->default_entry = g_strdup (g_ptr_array_index (setup->entries, setup->entries->len - 1));

  /* Hooks that run kernel-install add on every initramfs update rewrite
   * the entries from /etc/kernel/cmdline (docs/boot-setup.md, "kernel-install
   * rewrites entries"). */
  if (pt_boot_setup_exists (paths, "/etc/kernel/postinst.d/zz-systemd-boot") ||
      pt_boot_setup_exists (paths, "/etc/initramfs/post-update.d/systemd-boot") ||
      pt_boot_setup_exists (paths, "/etc/kernel/install.conf"))
    setup->kernel_install_managed = TRUE;
  return e;
}


static gboolean
plan_cmdline (PtPlan      *self,
              Ctx         *ctx,
              const char  *running,
              GError     **error)
{
  PtBootSetup *setup = self->setup;

  for (guint i = 0; i < setup->entries->len; i++)
    if (!pt_plan_target_edit (self, ctx, g_ptr_array_index (setup->entries, i), "entry",
                              self->kernel_args, NULL, FALSE, FALSE, error))
      return FALSE;
  /* kernel-install rewrites entries from etc/kernel/cmdline (docs/boot-setup.md). */
  if (setup->kernel_install_managed || setup->kernel_cmdline_exists)
    {
      g_autofree char *seed = pt_plan_kernel_cmdline_seed (ctx, setup->default_entry, error);
      if (seed == NULL)
        return FALSE;
      if (!pt_plan_target_edit (self, ctx, "/etc/kernel/cmdline", "kernel-cmdline", self->kernel_args,
                                seed, TRUE, FALSE, error))
        return FALSE;
    }
  return TRUE;
}

/* A trial not booted yet: its one-shot choice must not outlive it. */
static void
disarm_trial (PtPlan  *self,
              PtPaths *paths)
{
  pt_plan_add_command (self, FALSE, "bootctl", "set-oneshot", "", NULL);
}

const PtBootPath pt_boot_path_systemd_boot = {
  .name = "systemd-boot",
  .title = "systemd-boot",
  .status_reads = "the running command line (/proc/cmdline)",
  .detect = detect,
  .editors = editors,
  .writes = writes,
  .plan_cmdline = plan_cmdline,
  .plan_trial = pt_plan_trial_systemd_boot,
  .disarm_trial = disarm_trial,
  .plan_way_back = pt_plan_way_back_systemd_boot,
};
