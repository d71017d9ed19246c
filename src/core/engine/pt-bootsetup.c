/* pt-bootsetup.c: detecting the boot setup of a root; the order is
 * documented in pt-bootsetup.h.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "pt-bootsetup.h"
#include "pt-edit.h"

static const char *const bootloader_names[] = {
  [PT_BOOTLOADER_NONE] = "none",
  [PT_BOOTLOADER_GRUB] = "grub",
  [PT_BOOTLOADER_GRUB_BLS] = "grub-bls",
  [PT_BOOTLOADER_SYSTEMD_BOOT] = "systemd-boot",
  [PT_BOOTLOADER_KERNELSTUB] = "kernelstub",
  [PT_BOOTLOADER_RPM_OSTREE] = "rpm-ostree",
  [PT_BOOTLOADER_KERNEL_CMDLINE] = "kernel-cmdline",
  [PT_BOOTLOADER_LIMINE] = "limine",
  [PT_BOOTLOADER_REFIND] = "refind",
};

static const char *const initramfs_names[] = {
  [PT_INITRAMFS_NONE] = "none",
  [PT_INITRAMFS_MKINITCPIO] = "mkinitcpio",
  [PT_INITRAMFS_DRACUT] = "dracut",
  [PT_INITRAMFS_INITRAMFS_TOOLS] = "initramfs-tools",
  [PT_INITRAMFS_BOOSTER] = "booster",
};

/* systemd's vendor GUID for the boot loader interface variables */
#define LOADER_INFO_VAR "LoaderInfo-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f"

const char *
pt_bootloader_to_string (PtBootloader bootloader)
{
  return bootloader_names[bootloader];
}

const char *
pt_initramfs_to_string (PtInitramfs initramfs)
{
  return initramfs_names[initramfs];
}

static PtBootloader
bootloader_from_string (const char *name)
{
  for (guint i = 1; i < G_N_ELEMENTS (bootloader_names); i++)
    if (g_str_equal (bootloader_names[i], name))
      return (PtBootloader) i;
  return PT_BOOTLOADER_NONE;
}

gboolean
pt_bootloader_name_is_valid (const char *name)
{
  return name != NULL && bootloader_from_string (name) != PT_BOOTLOADER_NONE;
}

char *
pt_bootloader_dup_valid_names (void)
{
  GString *s = g_string_new (NULL);

  for (guint i = 1; i < G_N_ELEMENTS (bootloader_names); i++)
    {
      if (s->len > 0)
        g_string_append (s, ", ");
      g_string_append (s, bootloader_names[i]);
    }
  return g_string_free (s, FALSE);
}

void
pt_boot_setup_free (PtBootSetup *setup)
{
  if (setup == NULL)
    return;
  g_ptr_array_unref (setup->candidates);
  g_free (setup->evidence);
  g_free (setup->grub_variable);
  g_strfreev (setup->grub_mkconfig_argv);
  g_ptr_array_unref (setup->bls_entries);
  g_free (setup->esp);
  g_ptr_array_unref (setup->entries);
  g_free (setup->default_entry);
  g_free (setup->limine_conf);
  g_free (setup->default_limine);
  g_free (setup->refind_conf);
  g_free (setup);
}

static gboolean
exists (PtPaths    *paths,
        const char *system_path)
{
  g_autofree char *p = pt_paths_build (paths, system_path + 1, NULL);
  return g_file_test (p, G_FILE_TEST_EXISTS);
}

static gboolean
is_dir (PtPaths    *paths,
        const char *system_path)
{
  g_autofree char *p = pt_paths_build (paths, system_path + 1, NULL);
  return g_file_test (p, G_FILE_TEST_IS_DIR);
}

static char *
read_text (PtPaths    *paths,
           const char *system_path)
{
  g_autofree char *p = pt_paths_build (paths, system_path + 1, NULL);
  char *text = NULL;

  if (!g_file_get_contents (p, &text, NULL, NULL))
    return NULL;
  return text;
}

/* Sorted *.conf names of a loader/entries directory. */
static GPtrArray *
list_entries (PtPaths    *paths,
              const char *entries_dir)
{
  g_autofree char *p = pt_paths_build (paths, entries_dir + 1, NULL);
  g_autoptr(GDir) dir = g_dir_open (p, 0, NULL);
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".conf") && name[0] != '.')
      g_ptr_array_add (names, g_strdup (name));
  return names;
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

static void
detect_grub (PtBootSetup *setup,
             PtPaths     *paths)
{
  g_autofree char *text = read_text (paths, "/etc/default/grub");
  g_autofree char *bls = NULL;
  g_autofree char *linux_default = NULL;

  if (text == NULL)
    return;
  setup->grub_present = TRUE;

  /* Where a distribution only sets GRUB_CMDLINE_LINUX (Fedora), that is the
   * variable it uses; elsewhere _DEFAULT keeps the recovery entry clean. */
  linux_default = pt_read_grub_default (text, "GRUB_CMDLINE_LINUX_DEFAULT");
  if (linux_default == NULL && strstr (text, "GRUB_CMDLINE_LINUX=") != NULL)
    setup->grub_variable = g_strdup ("GRUB_CMDLINE_LINUX");
  else
    setup->grub_variable = g_strdup ("GRUB_CMDLINE_LINUX_DEFAULT");

  bls = pt_read_grub_default (text, "GRUB_ENABLE_BLSCFG");
  if (bls != NULL && g_str_equal (bls, "true") && is_dir (paths, "/boot/loader/entries"))
    {
      g_autoptr(GPtrArray) names = list_entries (paths, "/boot/loader/entries");
      g_ptr_array_sort (names, compare_strings);
      for (guint i = 0; i < names->len; i++)
        g_ptr_array_add (setup->bls_entries,
                         g_build_filename ("/boot/loader/entries", g_ptr_array_index (names, i), NULL));
      g_ptr_array_add (setup->candidates, g_strdup ("grub-bls"));
    }
  else
    g_ptr_array_add (setup->candidates, g_strdup ("grub"));

  /* Regenerating grub.cfg: Debian's wrapper when it is there, else the
   * upstream tool under the name the distribution gives it. */
  if (exists (paths, "/usr/sbin/update-grub") || exists (paths, "/etc/debian_version"))
    setup->grub_mkconfig_argv = g_strsplit ("update-grub", " ", -1);
  else if (exists (paths, "/boot/grub2") || exists (paths, "/usr/sbin/grub2-mkconfig"))
    setup->grub_mkconfig_argv = g_strsplit ("grub2-mkconfig -o /boot/grub2/grub.cfg", " ", -1);
  else
    setup->grub_mkconfig_argv = g_strsplit ("grub-mkconfig -o /boot/grub/grub.cfg", " ", -1);
}

static char *
read_machine_id (PtPaths *paths)
{
  g_autofree char *text = read_text (paths, "/etc/machine-id");

  if (text == NULL)
    return NULL;
  g_strstrip (text);
  return text[0] != '\0' ? g_steal_pointer (&text) : NULL;
}

static void
detect_systemd_boot (PtBootSetup *setup,
                     PtPaths     *paths)
{
  static const char *const esps[] = { "/boot/efi", "/efi", "/boot" };
  g_autofree char *loader_conf = NULL;
  g_autofree char *entries_dir = NULL;
  g_autofree char *machine_id = NULL;
  g_autoptr(GPtrArray) names = NULL;
  g_autofree char *default_pattern = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (esps); i++)
    {
      g_autofree char *conf = g_build_filename (esps[i], "loader", "loader.conf", NULL);
      if (exists (paths, conf))
        {
          setup->esp = g_strdup (esps[i]);
          loader_conf = read_text (paths, conf);
          break;
        }
    }
  if (setup->esp == NULL)
    return;
  g_ptr_array_add (setup->candidates, g_strdup ("systemd-boot"));

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
  names = list_entries (paths, entries_dir);
  g_ptr_array_sort (names, compare_strings);
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

  /* The trap of vmlab Step 7: hooks that run kernel-install add on every
   * initramfs update rewrite the entries from /etc/kernel/cmdline. */
  if (exists (paths, "/etc/kernel/postinst.d/zz-systemd-boot") ||
      exists (paths, "/etc/initramfs/post-update.d/systemd-boot") ||
      exists (paths, "/etc/kernel/install.conf"))
    setup->kernel_install_managed = TRUE;
}

static void
detect_limine_refind (PtBootSetup *setup,
                      PtPaths     *paths)
{
  static const char *const limine[] = {
    "/boot/limine.conf", "/boot/limine/limine.conf", "/boot/efi/limine.conf",
    "/efi/limine.conf", "/boot/EFI/BOOT/limine.conf", "/boot/efi/EFI/BOOT/limine.conf",
    "/efi/EFI/BOOT/limine.conf",
  };

  for (guint i = 0; i < G_N_ELEMENTS (limine); i++)
    if (exists (paths, limine[i]))
      {
        setup->limine_conf = g_strdup (limine[i]);
        break;
      }
  if (exists (paths, "/etc/default/limine"))
    setup->default_limine = g_strdup ("/etc/default/limine");
  if (setup->limine_conf != NULL || setup->default_limine != NULL)
    g_ptr_array_add (setup->candidates, g_strdup ("limine"));

  if (exists (paths, "/boot/refind_linux.conf"))
    {
      setup->refind_conf = g_strdup ("/boot/refind_linux.conf");
      g_ptr_array_add (setup->candidates, g_strdup ("refind"));
    }
}

static void
detect_initramfs (PtBootSetup *setup,
                  PtPaths     *paths)
{
  gboolean dracut = is_dir (paths, "/etc/dracut.conf.d") || exists (paths, "/etc/dracut.conf");
  gboolean initramfs_tools = is_dir (paths, "/etc/initramfs-tools");

  /* Debian's dracut replaces initramfs-tools, and apt keeps the removed
   * package's configuration: /etc/initramfs-tools stays without
   * update-initramfs.  There the generator that is installed is in charge. */
  if (initramfs_tools && dracut &&
      !exists (paths, "/usr/sbin/update-initramfs") && !exists (paths, "/sbin/update-initramfs") &&
      (exists (paths, "/usr/bin/dracut") || exists (paths, "/bin/dracut") || exists (paths, "/usr/sbin/dracut")))
    initramfs_tools = FALSE;

  /* One generator is in charge; when several configurations linger, the
   * one a distribution ships by default for its family wins. */
  if (exists (paths, "/etc/mkinitcpio.conf"))
    {
      setup->initramfs = PT_INITRAMFS_MKINITCPIO;
      setup->mkinitcpio_dropins = is_dir (paths, "/etc/mkinitcpio.conf.d");
    }
  else if (exists (paths, "/etc/booster.yaml"))
    setup->initramfs = PT_INITRAMFS_BOOSTER;
  else if (initramfs_tools)
    setup->initramfs = PT_INITRAMFS_INITRAMFS_TOOLS;
  else if (dracut)
    setup->initramfs = PT_INITRAMFS_DRACUT;
}

static gboolean
has_candidate (PtBootSetup *setup,
               const char  *name)
{
  for (guint i = 0; i < setup->candidates->len; i++)
    if (g_str_equal (g_ptr_array_index (setup->candidates, i), name))
      return TRUE;
  return FALSE;
}

static PtBootloader
grub_kind (PtBootSetup *setup)
{
  return has_candidate (setup, "grub-bls") ? PT_BOOTLOADER_GRUB_BLS : PT_BOOTLOADER_GRUB;
}

PtBootSetup *
pt_boot_setup_detect (PtPaths    *paths,
                      const char *running_cmdline,
                      const char *chosen_bootloader)
{
  PtBootSetup *setup = g_new0 (PtBootSetup, 1);
  g_autofree char *efivar = NULL;
  gboolean ostree, kernelstub, proxmox;

  setup->candidates = g_ptr_array_new_with_free_func (g_free);
  setup->bls_entries = g_ptr_array_new_with_free_func (g_free);
  setup->entries = g_ptr_array_new_with_free_func (g_free);

  detect_grub (setup, paths);
  detect_systemd_boot (setup, paths);
  detect_limine_refind (setup, paths);
  detect_initramfs (setup, paths);

  setup->kernel_cmdline_exists = exists (paths, "/etc/kernel/cmdline");
  ostree = exists (paths, "/run/ostree-booted");
  kernelstub = exists (paths, "/etc/kernelstub/configuration");
  proxmox = exists (paths, "/etc/kernel/proxmox-boot-uuids") && setup->kernel_cmdline_exists;
  setup->ostree = ostree;
  setup->proxmox = proxmox;
  efivar = g_build_filename ("/sys/firmware/efi/efivars", LOADER_INFO_VAR, NULL);

  if (chosen_bootloader != NULL)
    {
      PtBootloader want = bootloader_from_string (chosen_bootloader);
      gboolean found = FALSE;

      switch (want)
        {
        case PT_BOOTLOADER_RPM_OSTREE: found = ostree; break;
        case PT_BOOTLOADER_KERNELSTUB: found = kernelstub; break;
        case PT_BOOTLOADER_KERNEL_CMDLINE: found = TRUE; break;   /* created when absent */
        default: found = has_candidate (setup, chosen_bootloader); break;
        }
      setup->bootloader = want;
      setup->forced_missing = !found;
      setup->evidence = g_strdup_printf (_("chosen with the option “bootloader”"));
    }
  else if (ostree)
    {
      setup->bootloader = PT_BOOTLOADER_RPM_OSTREE;
      setup->evidence = g_strdup (_("/run/ostree-booted: an rpm-ostree system"));
    }
  else if (kernelstub)
    {
      setup->bootloader = PT_BOOTLOADER_KERNELSTUB;
      setup->evidence = g_strdup (_("/etc/kernelstub/configuration: kernelstub manages the boot entries"));
    }
  else if (exists (paths, efivar) && has_candidate (setup, "systemd-boot"))
    {
      setup->bootloader = PT_BOOTLOADER_SYSTEMD_BOOT;
      setup->evidence = g_strdup (_("the LoaderInfo EFI variable: systemd-boot started this system"));
    }
  else if (exists (paths, efivar))
    {
      /* systemd-boot started this system, but its ESP is not where it can
       * be read (not mounted: a "nofail" mount that timed out, an
       * automount).  Whatever other configuration lies around (Debian
       * keeps /etc/default/grub after a switch) does not boot it. */
      setup->bootloader = PT_BOOTLOADER_NONE;
      setup->esp_missing = TRUE;
      setup->evidence = g_strdup (_("the LoaderInfo EFI variable: systemd-boot started this system"));
    }
  else if (running_cmdline != NULL && strstr (running_cmdline, "BOOT_IMAGE=") != NULL &&
           setup->grub_present)
    {
      setup->bootloader = grub_kind (setup);
      setup->evidence = g_strdup (_("BOOT_IMAGE= on the running command line: GRUB started this system"));
    }
  else if (proxmox)
    {
      setup->bootloader = PT_BOOTLOADER_KERNEL_CMDLINE;
      setup->evidence = g_strdup (_("/etc/kernel/proxmox-boot-uuids: proxmox-boot-tool manages the boot entries"));
    }
  else if (setup->candidates->len == 1)
    {
      const char *only = g_ptr_array_index (setup->candidates, 0);
      setup->bootloader = bootloader_from_string (only);
      setup->evidence = g_strdup_printf (_("the only bootloader configuration found (%s)"), only);
    }
  else if (setup->candidates->len > 1)
    {
      setup->ambiguous = TRUE;
      setup->bootloader = PT_BOOTLOADER_NONE;
    }
  else if (setup->kernel_cmdline_exists)
    {
      setup->bootloader = PT_BOOTLOADER_KERNEL_CMDLINE;
      setup->evidence = g_strdup (_("/etc/kernel/cmdline: kernel-install or a unified kernel image reads it"));
    }

  return setup;
}
