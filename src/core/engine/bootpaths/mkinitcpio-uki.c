/* mkinitcpio-uki.c: unified kernel images built by mkinitcpio (a row of
 * the boot-path table, pt-boot-path.h; docs/boot-paths.md).
 *
 * A preset file in /etc/mkinitcpio.d/ whose PRESETS name one with
 * NAME_uki= (NAME_efi_image= before v36) builds a UKI: the command line is
 * inside the image.  mkinitcpio (v41) assembles it, lines starting with '#'
 * skipped, from
 *   - the file or folder the preset names (NAME_cmdline=, else ALL_cmdline=,
 *     a --cmdline in NAME_options= last of all wins): a file alone, a folder
 *     in place of /etc/cmdline.d;
 *   - else /etc/kernel/cmdline (or /usr/lib/kernel/cmdline) and the sorted
 *     *.conf of /etc/cmdline.d joined;
 *   - with no source at all, /proc/cmdline: the running command line.
 * Our arguments go where they are read: into the file a preset names, as a
 * drop-in passthrough.conf beside the other sources, or, where there is no
 * source, into a new /etc/kernel/cmdline that carries the whole running
 * command line plus ours (an image without root= does not boot).  On such a
 * machine this boot path owns /etc/kernel/cmdline, not kernel-cmdline.c.
 * Revert deletes the drop-in; a file we created stays without our arguments
 * (deleting it would make mkinitcpio embed /proc/cmdline, which has them).
 * "mkinitcpio -P" rebuilds the images.
 *
 * No trial: a one-shot entry cannot give an image another command line
 * with Secure Boot (the stub ignores it), and a second image is not built.
 * The way back: without Secure Boot, systemd-boot's menu edits the command
 * line; with it, or when the firmware starts the image directly, the plan
 * says way-back-unavailable and what the fallback image is for.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "pt-boot-path.h"
#include "pt-bootsetup.h"
#include "pt-edit.h"
#include "pt-error.h"
#include "pt-plan-build.h"

#define NAME "mkinitcpio-uki"
#define PRESET_DIR "/etc/mkinitcpio.d"
#define KERNEL_CMDLINE "/etc/kernel/cmdline"
#define USR_KERNEL_CMDLINE "/usr/lib/kernel/cmdline"
#define CMDLINE_D "/etc/cmdline.d"
#define DROPIN "passthrough.conf"

typedef struct
{
  char *preset;    /* /etc/mkinitcpio.d/linux.preset */
  char *name;      /* "default" */
  char *image;     /* the UKI it builds */
  char *cmdline;   /* the file or folder it names, NULL: the default sources */
} UkiPreset;

typedef struct
{
  GPtrArray *presets;   /* UkiPreset */
  char      *booted;    /* the image the firmware's current boot entry starts */
} Uki;

static void
uki_preset_free (UkiPreset *p)
{
  g_free (p->preset);
  g_free (p->name);
  g_free (p->image);
  g_free (p->cmdline);
  g_free (p);
}

static void
uki_free (Uki *uki)
{
  g_ptr_array_unref (uki->presets);
  g_free (uki->booted);
  g_free (uki);
}

/* A single word of a shell value ("/efi/EFI/Linux/arch-linux.efi"), NULL
 * when unset or empty. */
static char *
shell_word (const char *text,
            const char *name)
{
  g_autofree char *words = pt_read_shell_words (text, name);

  if (words == NULL)
    return NULL;
  g_strstrip (words);
  return words[0] != '\0' ? g_steal_pointer (&words) : NULL;
}

/* The --cmdline a NAME_options value passes, NULL: none. */
static char *
options_cmdline (const char *options)
{
  g_auto(GStrv) words = NULL;
  char *found = NULL;

  if (options == NULL)
    return NULL;
  words = g_strsplit_set (options, " \t\n", -1);
  for (guint i = 0; words[i] != NULL; i++)
    {
      if (g_str_equal (words[i], "--cmdline") && words[i + 1] != NULL)
        {
          g_free (found);
          found = g_strdup (words[i + 1]);
        }
      else if (g_str_has_prefix (words[i], "--cmdline="))
        {
          g_free (found);
          found = g_strdup (words[i] + strlen ("--cmdline="));
        }
    }
  return found;
}

static void
read_preset (PtPaths    *paths,
             const char *preset,
             GPtrArray  *out)
{
  g_autofree char *text = pt_boot_setup_read (paths, preset);
  g_autofree char *names = text ? pt_read_shell_array (text, "PRESETS") : NULL;
  g_autofree char *all_cmdline = text ? shell_word (text, "ALL_cmdline") : NULL;
  g_auto(GStrv) list = names ? g_strsplit_set (names, " \t\n", -1) : NULL;

  for (guint i = 0; list != NULL && list[i] != NULL; i++)
    {
      g_autofree char *uki_var = NULL, *old_var = NULL, *cmdline_var = NULL, *options_var = NULL;
      g_autofree char *image = NULL, *cmdline = NULL, *options = NULL, *from_options = NULL;
      UkiPreset *p;

      if (list[i][0] == '\0')
        continue;
      uki_var = g_strconcat (list[i], "_uki", NULL);
      old_var = g_strconcat (list[i], "_efi_image", NULL);
      cmdline_var = g_strconcat (list[i], "_cmdline", NULL);
      options_var = g_strconcat (list[i], "_options", NULL);
      image = shell_word (text, uki_var);
      if (image == NULL)
        image = shell_word (text, old_var);
      if (image == NULL)
        continue;
      cmdline = shell_word (text, cmdline_var);
      options = pt_read_shell_array (text, options_var);
      from_options = options_cmdline (options);
      p = g_new0 (UkiPreset, 1);
      p->preset = g_strdup (preset);
      p->name = g_strdup (list[i]);
      p->image = g_steal_pointer (&image);
      p->cmdline = from_options ? g_steal_pointer (&from_options) :
                   cmdline ? g_steal_pointer (&cmdline) : g_strdup (all_cmdline);
      g_ptr_array_add (out, p);
    }
}

/* Whether the firmware's loader path ("\EFI\Linux\arch-linux.efi") is
 * @image on the ESP ("/efi/EFI/Linux/arch-linux.efi"): FAT ignores case. */
static gboolean
loader_is_image (const char *loader,
                 const char *image)
{
  g_autofree char *slashes = g_strdelimit (g_strdup (loader), "\\", '/');
  gsize n = strlen (slashes), m = strlen (image);

  return m >= n && g_ascii_strcasecmp (image + m - n, slashes) == 0 &&
         (m == n || image[m - n - 1] != '/');
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

static Uki *
read_uki (PtPaths *paths)
{
  g_autofree char *dir = pt_paths_build (paths, PRESET_DIR + 1, NULL);
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *loader = NULL;
  Uki *uki = g_new0 (Uki, 1);
  const char *name;

  uki->presets = g_ptr_array_new_with_free_func ((GDestroyNotify) uki_preset_free);
  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    if (g_str_has_suffix (name, ".preset") && name[0] != '.')
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *preset = g_build_filename (PRESET_DIR, g_ptr_array_index (names, i), NULL);
      read_preset (paths, preset, uki->presets);
    }
  loader = pt_boot_setup_boot_current_loader (paths);
  for (guint i = 0; loader != NULL && i < uki->presets->len && uki->booted == NULL; i++)
    {
      UkiPreset *p = g_ptr_array_index (uki->presets, i);
      if (loader_is_image (loader, p->image))
        uki->booted = g_strdup (p->image);
    }
  return uki;
}

static PtBootEvidence
detect (PtBootSetup *setup,
        PtPaths     *paths,
        const char  *running)
{
  PtBootEvidence e = { 0 };
  Uki *uki = read_uki (paths);
  UkiPreset *first;

  if (uki->presets->len == 0)
    {
      uki_free (uki);
      return e;
    }
  first = g_ptr_array_index (uki->presets, 0);
  e.candidate = TRUE;
  if (uki->booted != NULL)
    {
      e.strong = PT_BOOT_RANK_UKI;
      e.why = g_strdup_printf (_("the firmware's current boot entry (BootCurrent) starts %s, a unified kernel image mkinitcpio builds"),
                               uki->booted);
    }
  else if (pt_boot_setup_exists (paths, PT_EFIVAR_LOADER_INFO) && setup->esp != NULL && setup->entries->len == 0)
    {
      e.strong = PT_BOOT_RANK_UKI;
      e.why = g_strdup_printf (_("systemd-boot started this system (LoaderInfo) and has no boot entries of its own, only unified kernel images: %s is the one mkinitcpio builds (%s)"),
                               first->image, first->preset);
    }
  pt_boot_setup_set_data (setup, NAME, uki, (GDestroyNotify) uki_free);
  return e;
}

/* Which image, when the evidence did not say. */
static void
settle (PtBootSetup *setup)
{
  Uki *uki = pt_boot_setup_get_data (setup, NAME);
  UkiPreset *first;
  char *more;

  if (uki == NULL || uki->presets->len == 0)
    return;
  first = g_ptr_array_index (uki->presets, 0);
  if (setup->evidence != NULL && strstr (setup->evidence, first->image) != NULL)
    return;
  more = g_strdup_printf (_("%s%smkinitcpio builds the unified kernel image %s (%s)"),
                          setup->evidence ? setup->evidence : "", setup->evidence ? "; " : "",
                          first->image, first->preset);
  g_free (setup->evidence);
  setup->evidence = more;
}

/* The command line a set of sources gives, as mkinitcpio joins it (lines
 * starting with '#' skipped), less our own drop-in; FALSE: no source. */
static gboolean
read_sources (PtPaths    *paths,
              const char *const *files,
              const char *folder,
              GString    *joined)
{
  g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func (g_free);
  gboolean any = FALSE;

  for (guint i = 0; files != NULL && files[i] != NULL; i++)
    if (pt_boot_setup_exists (paths, files[i]))
      {
        g_ptr_array_add (all, g_strdup (files[i]));
        break;   /* /etc/kernel/cmdline, else /usr/lib/kernel/cmdline */
      }
  if (folder != NULL)
    {
      g_autoptr(GPtrArray) names = pt_boot_setup_list_conf (paths, folder);
      for (guint i = 0; i < names->len; i++)
        if (!g_str_equal (g_ptr_array_index (names, i), DROPIN))
          g_ptr_array_add (all, g_build_filename (folder, g_ptr_array_index (names, i), NULL));
    }
  for (guint i = 0; i < all->len; i++)
    {
      g_autofree char *text = pt_boot_setup_read (paths, g_ptr_array_index (all, i));
      g_auto(GStrv) lines = text ? g_strsplit (text, "\n", -1) : NULL;
      any = TRUE;
      for (guint l = 0; lines != NULL && lines[l] != NULL; l++)
        if (lines[l][0] != '#' && lines[l][0] != '\0')
          g_string_append_printf (joined, "%s%s", joined->len > 0 ? " " : "", lines[l]);
    }
  g_string_append_c (joined, '\n');
  return any;
}

/* A file or folder a preset names that Passthrough edits (links followed):
 * under /etc, in a folder meant for command lines or with "cmdline" in its
 * name.  A preset naming anything else (/etc/fstab) gets a refusal that
 * says so, never an edit. */
static gboolean
override_editable (const char *real)
{
  g_autofree char *base = g_path_get_basename (real);

  return g_str_has_prefix (real, "/etc/kernel/") || g_str_has_prefix (real, CMDLINE_D) ||
         g_str_has_prefix (real, PRESET_DIR "/") ||
         (g_str_has_prefix (real, "/etc/") && strstr (base, "cmdline") != NULL);
}

/* Our arguments beside sources that exist: a drop-in of ours in @folder
 * with what they lack; without any source, a new @create (or the drop-in)
 * that carries the whole running command line plus ours. */
static gboolean
plan_sources (PtPlan      *self,
              Ctx         *ctx,
              const char  *running,
              const char *const *files,
              const char  *folder,
              GError     **error)
{
  g_autoptr(GString) joined = g_string_new (NULL);
  g_autofree char *dropin = g_build_filename (folder, DROPIN, NULL);
  g_autoptr(GPtrArray) already = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) wanted = NULL;
  g_autofree char *words = NULL;

  if (!read_sources (ctx->paths, files, folder, joined))
    {
      g_autofree char *seed = pt_plan_running_without_loader (running);
      const char *create = files != NULL ? files[0] : dropin;
      return pt_plan_target_edit (self, ctx, create, "kernel-cmdline", self->kernel_args, seed, TRUE, FALSE, error);
    }
  wanted = pt_plan_args_missing (self, joined->str, already, error);
  if (wanted == NULL)
    return FALSE;
  if (already->len > 0)
    pt_plan_note_already (self, files != NULL && pt_boot_setup_exists (ctx->paths, files[0]) ? files[0] : folder,
                          already);
  if (wanted->len == 0)
    return TRUE;   /* all there by hand: no file of ours */
  words = g_strjoinv (" ", (char **) pt_strv_peek (wanted));
  return pt_plan_target_whole (self, ctx, dropin,
                               g_strdup_printf ("# Passthrough's arguments for the unified kernel images mkinitcpio builds; "
                                                "“passthroughctl revert” removes this file.\n%s\n", words),
                               FALSE, error);
}

static gboolean
plan_cmdline (PtPlan      *self,
              Ctx         *ctx,
              const char  *running,
              GError     **error)
{
  Uki *uki = pt_boot_setup_get_data (self->setup, NAME);
  g_autoptr(GHashTable) done = g_hash_table_new (g_str_hash, g_str_equal);

  if (uki == NULL)
    {
      /* Chosen with the option "bootloader" but not found here: the
       * blocker bootloader-not-found says so; there is nothing to edit. */
      return TRUE;
    }
  for (guint i = 0; i < uki->presets->len; i++)
    {
      UkiPreset *p = g_ptr_array_index (uki->presets, i);
      const char *key = p->cmdline ? p->cmdline : "";

      if (g_hash_table_contains (done, key))
        continue;
      g_hash_table_add (done, (gpointer) key);
      if (p->cmdline != NULL)
        {
          g_autofree char *real = pt_boot_setup_resolve_path (ctx->paths, p->cmdline);
          if (real == NULL || !override_editable (real))
            {
              g_autofree char *args = pt_plan_join_array (self->kernel_args, " ");
              g_set_error (error, PT_ERROR, PT_ERROR_BLOCKED,
                           _("The preset %s takes the command line of its image “%s” from %s, which is not a file Passthrough edits (it edits command line files under /etc/kernel, /etc/cmdline.d or /etc/mkinitcpio.d, or with “cmdline” in their name under /etc). Add “%s” there by hand or name such a file in the preset; nothing was changed."),
                           p->preset, p->name, p->cmdline, args);
              return FALSE;
            }
        }
      if (p->cmdline == NULL)
        {
          static const char *const files[] = { KERNEL_CMDLINE, USR_KERNEL_CMDLINE, NULL };
          /* /usr/lib/kernel/cmdline is the package's: a new file goes to /etc. */
          if (!plan_sources (self, ctx, running, files, CMDLINE_D, error))
            return FALSE;
        }
      else if (pt_boot_setup_is_dir (ctx->paths, p->cmdline))
        {
          if (!plan_sources (self, ctx, running, NULL, p->cmdline, error))
            return FALSE;
        }
      else if (pt_boot_setup_exists (ctx->paths, p->cmdline))
        {
          if (!pt_plan_target_edit (self, ctx, p->cmdline, "kernel-cmdline", self->kernel_args, NULL, FALSE, FALSE, error))
            return FALSE;
        }
      else
        {
          g_set_error (error, PT_ERROR, PT_ERROR_NOT_FOUND,
                       _("The preset %s names %s as the command line of its image “%s”, but there is no such file or folder: mkinitcpio would fail. Fix the preset and try again; nothing was changed."),
                       p->preset, p->cmdline, p->name);
          return FALSE;
        }
    }
  return TRUE;
}

static const PtBootWrite writes[] = {
  { KERNEL_CMDLINE },
  { CMDLINE_D "/" DROPIN },
  { NULL },
};

/* A command line file (or a drop-in in a folder) a preset names: only
 * under /etc, and only what a preset of this root names. */
static gboolean
may_write_detected (PtPaths    *paths,
                    const char *system_path)
{
  Uki *uki;
  gboolean found = FALSE;

  if (!g_str_has_prefix (system_path, "/etc/"))
    return FALSE;
  uki = read_uki (paths);
  for (guint i = 0; i < uki->presets->len && !found; i++)
    {
      UkiPreset *p = g_ptr_array_index (uki->presets, i);
      g_autofree char *real = NULL;
      g_autofree char *dropin = NULL;

      if (p->cmdline == NULL || (real = pt_boot_setup_resolve_path (paths, p->cmdline)) == NULL ||
          !override_editable (real))
        continue;
      dropin = g_build_filename (real, DROPIN, NULL);
      found = g_str_equal (system_path, real) || (pt_boot_setup_is_dir (paths, real) && g_str_equal (system_path, dropin));
    }
  uki_free (uki);
  return found;
}

/* Rebuilding the images puts the command line in; the initramfs's own
 * regeneration may have asked for it already. */
static void
regenerate (PtPlan  *self,
            PtPaths *paths)
{
  static const char *const argv[] = { "mkinitcpio", "-P", NULL };

  if (!pt_plan_has_command (self, argv))
    pt_plan_add_command (self, FALSE, "mkinitcpio", "-P", NULL);
}

/* No entry of ours: the images are the entries.  What is left as a way
 * back depends on Secure Boot and on who starts the image. */
static void
check_trial (PtPlan  *self,
             PtPaths *paths)
{
  pt_plan_trial_inside_image (self, "mkinitcpio", "mkinitcpio -P");
}

static gboolean
plan_way_back (PtPlan      *self,
               Ctx         *ctx,
               GError     **error)
{
  Uki *uki = pt_boot_setup_get_data (self->setup, NAME);
  const char *fallback = NULL;
  const char *image = NULL;
  g_autofree char *role = NULL;
  g_autofree char *why = NULL;

  if (uki == NULL)
    return TRUE;
  for (guint i = 0; i < uki->presets->len; i++)
    {
      UkiPreset *p = g_ptr_array_index (uki->presets, i);
      if (g_str_equal (p->name, "fallback"))
        fallback = p->image;
      else if (image == NULL)
        image = p->image;
    }
  if (image == NULL)
    image = fallback;
  role = fallback != NULL ?
         g_strdup_printf (_("The fallback image %s carries the same command line: it is the way back from a broken initramfs, not from these arguments."), fallback) :
         g_strdup (_("There is no fallback image either."));
  if (pt_boot_setup_secure_boot (ctx->paths))
    why = g_strdup_printf (_("Secure Boot is on, so the stub in %s ignores a command line edited at the boot menu."), image);
  else if (self->setup->esp == NULL)
    why = g_strdup_printf (_("The firmware starts %s itself, with no boot menu where its command line could be edited."), image);
  else
    return TRUE;   /* systemd-boot's menu edits the command line: the way back */
  pt_plan_add_issue (self->warnings, "way-back-unavailable", NULL,
                     g_strdup_printf (_("No way back without the Passthrough arguments can be offered at boot: %s %s If the host does not come back, start a rescue system and run “passthroughctl --root /mnt revert” on the mounted root, then rebuild the images with “mkinitcpio -P”."),
                                      why, role));
  return TRUE;
}

static const PtBootEditor *const editors[] = { &pt_boot_editor_kernel_cmdline, NULL };

const PtBootPath pt_boot_path_mkinitcpio_uki = {
  .name = NAME,
  .title = "mkinitcpio UKI",
  .status_reads = "the running command line (/proc/cmdline), which the stub takes from the image",
  .detect = detect,
  .settle = settle,
  .editors = editors,
  .writes = writes,
  .may_write_detected = may_write_detected,
  .plan_cmdline = plan_cmdline,
  .regenerate = regenerate,
  .check_trial = check_trial,
  .no_trial = N_("a unified kernel image built by mkinitcpio (its command line is inside the image: a one-shot entry cannot give it another one)"),
  .plan_way_back = plan_way_back,
};
