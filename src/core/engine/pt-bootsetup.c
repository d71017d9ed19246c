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
  g_free (setup->grub_cfg);
  g_free (setup->grub_dir);
  g_free (setup->grub_tool);
  g_free (setup->grub_cfg_evidence);
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

  pt_boot_setup_detect_grub_cfg (setup, paths);
}

/* ---- which grub.cfg GRUB reads (pt-bootsetup.h) ------------------------ */

#define EFI_GLOBAL_GUID "8be4df61-93ca-11d2-aa0d-00e098032b8c"
/* Marks in an expanded word: before "$NAME" of a device that "search"
 * found, before "$NAME" of a variable never set (display_word() drops them). */
#define SEARCH_DEVICE '\001'
#define UNKNOWN_VAR '\002'

typedef struct
{
  char     *esp_cfg;        /* /boot/efi/EFI/<id>/grub.cfg */
  char     *id;             /* <id> */
  gboolean  stub;           /* it only loads another file */
  char     *loaded;         /* that file as the stub writes it, "($dev)/grub2/grub.cfg" */
  char     *target;         /* the system path GRUB reads; NULL: cannot tell */
  gboolean  target_exists;
  const char *full;         /* not a stub: what shows it (untranslated) */
} GrubCandidate;

static void
grub_candidate_free (GrubCandidate *c)
{
  g_free (c->esp_cfg);
  g_free (c->id);
  g_free (c->loaded);
  g_free (c->target);
  g_free (c);
}

/* The words of a GRUB script line, quotes kept (expand_word() takes them
 * off); none for a comment or an empty line. */
static GPtrArray *
split_words (const char *line)
{
  GPtrArray *words = g_ptr_array_new_with_free_func (g_free);
  const char *p = line;

  for (;;)
    {
      GString *w;
      char quote = 0;

      while (*p == ' ' || *p == '\t')
        p++;
      if (*p == '\0' || *p == '#' || *p == ';')
        break;
      w = g_string_new (NULL);
      for (; *p != '\0'; p++)
        {
          if (quote == 0 && (*p == ' ' || *p == '\t' || *p == ';'))
            break;
          if (quote == 0 && (*p == '\'' || *p == '"'))
            quote = *p;
          else if (quote != 0 && *p == quote)
            quote = 0;
          if (quote != '\'' && *p == '\\' && p[1] != '\0')
            g_string_append_c (w, *p++);
          g_string_append_c (w, *p);
        }
      g_ptr_array_add (words, g_string_free (w, FALSE));
    }
  return words;
}

/* A word with its quotes taken off and $NAME / ${NAME} replaced from @vars
 * (outside single quotes, as GRUB does). */
static char *
expand_word (const char *word,
             GHashTable *vars)
{
  GString *out = g_string_new (NULL);
  char quote = 0;

  for (const char *p = word; *p != '\0'; p++)
    {
      if (quote == 0 && (*p == '\'' || *p == '"'))
        quote = *p;
      else if (quote != 0 && *p == quote)
        quote = 0;
      else if (quote != '\'' && *p == '\\' && p[1] != '\0')
        g_string_append_c (out, *++p);
      else if (quote != '\'' && *p == '$' && (p[1] == '{' || g_ascii_isalnum (p[1]) || p[1] == '_'))
        {
          const char *start = p[1] == '{' ? p + 2 : p + 1;
          const char *end = start;
          g_autofree char *name = NULL;
          const char *value;

          while (g_ascii_isalnum (*end) || *end == '_')
            end++;
          name = g_strndup (start, end - start);
          value = g_hash_table_lookup (vars, name);
          if (value != NULL)
            g_string_append (out, value);
          else
            g_string_append_printf (out, "%c$%s", UNKNOWN_VAR, name);
          p = (p[1] == '{' && *end == '}') ? end : end - 1;
        }
      else
        g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

/* A grub.cfg with BLS entries (blscfg), its own menu or grub-mkconfig's
 * sections is a full configuration (@out_full says which it has); one
 * without them that loads another with configfile or source (the stub of
 * Fedora 34+, RHEL 9, Debian, Ubuntu, openSUSE) only hands over:
 * @out_loaded gets that file as written, its variables expanded.  Anything
 * else counts as a full configuration: it is the file GRUB reads,
 * whatever it holds. */
static gboolean
grub_cfg_is_stub (const char  *text,
                  char       **out_loaded,
                  const char **out_full)
{
  g_autoptr(GHashTable) vars = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  g_autofree char *loaded = NULL;
  gboolean bls = FALSE, menu = FALSE, sections = FALSE;

  *out_loaded = NULL;
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = g_strchug (lines[i]);
      g_autoptr(GPtrArray) w = NULL;
      const char *cmd;

      if (g_str_has_prefix (line, "### BEGIN "))
        sections = TRUE;
      w = split_words (line);
      if (w->len == 0)
        continue;
      cmd = g_ptr_array_index (w, 0);
      if (g_str_equal (cmd, "blscfg"))
        bls = TRUE;
      else if (g_str_equal (cmd, "menuentry") || g_str_equal (cmd, "submenu"))
        menu = TRUE;
      if (g_str_equal (cmd, "set") && w->len >= 2 && strchr (g_ptr_array_index (w, 1), '=') != NULL)
        {
          const char *arg = g_ptr_array_index (w, 1);
          const char *eq = strchr (arg, '=');
          g_hash_table_replace (vars, g_strndup (arg, eq - arg), expand_word (eq + 1, vars));
        }
      else if (g_str_has_prefix (cmd, "search"))
        {
          /* "search … --set=dev UUID", "search --set dev …", "search.fs_uuid UUID root" */
          for (guint k = 1; k < w->len; k++)
            {
              const char *a = g_ptr_array_index (w, k);
              const char *name = NULL;
              if (g_str_has_prefix (a, "--set="))
                name = a + 6;
              else if ((g_str_equal (a, "--set") || g_str_equal (a, "-s")) && k + 1 < w->len &&
                       ((const char *) g_ptr_array_index (w, k + 1))[0] != '-')
                name = g_ptr_array_index (w, k + 1);
              if (name != NULL)
                g_hash_table_replace (vars, g_strdup (name), g_strdup_printf ("%c$%s", SEARCH_DEVICE, name));
            }
          if (!g_str_equal (cmd, "search") && w->len >= 3)
            g_hash_table_replace (vars, g_strdup (g_ptr_array_index (w, 2)),
                                  g_strdup_printf ("%c$%s", SEARCH_DEVICE, (char *) g_ptr_array_index (w, 2)));
        }
      else if ((g_str_equal (cmd, "configfile") || g_str_equal (cmd, "source")) && w->len >= 2 && loaded == NULL)
        loaded = expand_word (g_ptr_array_index (w, 1), vars);
    }
  *out_full = bls ? N_("it loads the BLS entries itself: blscfg") :
              menu ? N_("it has menu entries of its own") :
              sections ? N_("it has grub-mkconfig's sections") : N_("it loads no other file");
  if (loaded == NULL || bls || menu || sections)
    return FALSE;
  *out_loaded = g_steal_pointer (&loaded);
  return TRUE;
}

/* The system path of a file a stub loads: the part after the "(device)"
 * is a path on the file system that device holds, /boot where it is a
 * partition of its own (Fedora: "($dev)/grub2/grub.cfg"), else the root
 * file system (Ubuntu: "($root)/boot/grub/grub.cfg").  NULL when a
 * variable in that part was never set. */
static char *
stub_target (PtPaths    *paths,
             const char *loaded,
             gboolean   *out_exists)
{
  const char *path = loaded;
  g_autofree char *on_boot = NULL;

  *out_exists = FALSE;
  if (path[0] == '(')
    {
      const char *close = strchr (path, ')');
      if (close == NULL)
        return NULL;
      path = close + 1;
    }
  if (path[0] != '/' || strchr (path, UNKNOWN_VAR) != NULL || strchr (path, SEARCH_DEVICE) != NULL)
    return NULL;
  if (g_str_has_prefix (path, "/boot/"))
    {
      *out_exists = exists (paths, path);
      return g_strdup (path);
    }
  on_boot = g_strconcat ("/boot", path, NULL);
  if (exists (paths, on_boot) || !exists (paths, path))
    {
      *out_exists = exists (paths, on_boot);
      return g_steal_pointer (&on_boot);
    }
  *out_exists = TRUE;
  return g_strdup (path);
}

/* Every EFI/<id>/grub.cfg on a mounted EFI system partition. */
static GPtrArray *
esp_grub_cfgs (PtPaths *paths)
{
  static const char *const esps[] = { "/boot/efi", "/efi", "/boot" };
  GPtrArray *found = g_ptr_array_new_with_free_func ((GDestroyNotify) grub_candidate_free);

  for (guint i = 0; i < G_N_ELEMENTS (esps); i++)
    {
      g_autofree char *efi = g_build_filename (esps[i], "EFI", NULL);
      g_autofree char *host = pt_paths_build (paths, efi + 1, NULL);
      g_autoptr(GDir) dir = g_dir_open (host, 0, NULL);
      g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        g_ptr_array_add (names, g_strdup (name));
      g_ptr_array_sort (names, compare_strings);
      for (guint k = 0; k < names->len; k++)
        {
          g_autofree char *cfg = g_build_filename (efi, g_ptr_array_index (names, k), "grub.cfg", NULL);
          g_autofree char *host_cfg = pt_paths_build (paths, cfg + 1, NULL);
          GrubCandidate *c;

          if (!g_file_test (host_cfg, G_FILE_TEST_IS_REGULAR))
            continue;
          c = g_new0 (GrubCandidate, 1);
          c->esp_cfg = g_steal_pointer (&cfg);
          c->id = g_strdup (g_ptr_array_index (names, k));
          g_ptr_array_add (found, c);
        }
    }
  return found;
}

/* The <id> of \EFI\<id>\… in the firmware's current boot entry: the
 * BootCurrent variable names Boot####, whose load option ends in the
 * loader's path, in UTF-16. */
static char *
boot_current_efi_dir (PtPaths *paths)
{
  g_autofree char *current_path = pt_paths_build (paths, "sys/firmware/efi/efivars",
                                                  "BootCurrent-" EFI_GLOBAL_GUID, NULL);
  g_autofree char *current = NULL;
  g_autofree char *option_name = NULL;
  g_autofree char *option_path = NULL;
  g_autofree char *option = NULL;
  g_autoptr(GString) ascii = g_string_new (NULL);
  gsize len = 0;
  const char *p, *end;

  /* efivarfs: 4 bytes of attributes, then the value */
  if (!g_file_get_contents (current_path, &current, &len, NULL) || len < 6)
    return NULL;
  option_name = g_strdup_printf ("Boot%04X-" EFI_GLOBAL_GUID,
                                 (guint) ((guchar) current[4] | ((guchar) current[5] << 8)));
  option_path = pt_paths_build (paths, "sys/firmware/efi/efivars", option_name, NULL);
  if (!g_file_get_contents (option_path, &option, &len, NULL))
    return NULL;
  for (gsize i = 4; i + 1 < len; i += 2)
    {
      guint unit = (guchar) option[i] | ((guchar) option[i + 1] << 8);
      g_string_append_c (ascii, unit > 0 && unit < 0x80 ? (char) unit : ' ');
    }
  for (p = ascii->str; (p = strchr (p, '\\')) != NULL; p++)
    if (g_ascii_strncasecmp (p, "\\EFI\\", 5) == 0)
      {
        p += 5;
        end = p;
        while (*end != '\0' && *end != '\\' && *end != ' ')
          end++;
        return end > p && *end == '\\' ? g_strndup (p, end - p) : NULL;
      }
  return NULL;
}

/* The EFI/<id> directory a distribution installs GRUB to, from
 * /etc/os-release's ID (where they differ: RHEL's is "redhat"). */
static char *
os_release_efi_dir (PtPaths *paths)
{
  static const struct { const char *id, *dir; } differ[] = {
    { "rhel", "redhat" }, { "ol", "redhat" },
    { "opensuse-leap", "opensuse" }, { "opensuse-tumbleweed", "opensuse" },
  };
  g_autofree char *text = read_text (paths, "/etc/os-release");
  g_auto(GStrv) lines = NULL;

  if (text == NULL)
    text = read_text (paths, "/usr/lib/os-release");
  if (text == NULL)
    return NULL;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], "ID="))
      {
        g_autofree char *id = g_shell_unquote (lines[i] + 3, NULL);
        if (id == NULL || id[0] == '\0')
          return NULL;
        for (guint k = 0; k < G_N_ELEMENTS (differ); k++)
          if (g_str_equal (id, differ[k].id))
            return g_strdup (differ[k].dir);
        return g_steal_pointer (&id);
      }
  return NULL;
}

/* The candidates that lead to one file, when exactly one file is led to. */
static GrubCandidate *
one_target (GPtrArray *candidates)
{
  GrubCandidate *first = NULL;

  for (guint i = 0; i < candidates->len; i++)
    {
      GrubCandidate *c = g_ptr_array_index (candidates, i);
      if (c->target == NULL)
        return NULL;
      if (first == NULL)
        first = c;
      else if (!g_str_equal (first->target, c->target))
        return NULL;
    }
  return first;
}

static GPtrArray *
with_id (GPtrArray  *candidates,
         const char *id)
{
  GPtrArray *out = g_ptr_array_new ();

  for (guint i = 0; id != NULL && i < candidates->len; i++)
    if (g_ascii_strcasecmp (((GrubCandidate *) g_ptr_array_index (candidates, i))->id, id) == 0)
      g_ptr_array_add (out, g_ptr_array_index (candidates, i));
  return out;
}

static GPtrArray *
leading_here (GPtrArray *candidates)
{
  GPtrArray *out = g_ptr_array_new ();

  for (guint i = 0; i < candidates->len; i++)
    if (((GrubCandidate *) g_ptr_array_index (candidates, i))->target_exists)
      g_ptr_array_add (out, g_ptr_array_index (candidates, i));
  return out;
}

/* An expanded word as a person reads it: "($dev)/grub2/grub.cfg". */
static char *
display_word (const char *word)
{
  GString *out = g_string_new (NULL);

  for (const char *p = word; *p != '\0'; p++)
    if (*p != SEARCH_DEVICE && *p != UNKNOWN_VAR)
      g_string_append_c (out, *p);
  return g_string_free (out, FALSE);
}

static char *
describe_candidate (GrubCandidate *c)
{
  g_autofree char *loaded = c->loaded ? display_word (c->loaded) : NULL;

  if (c->target == NULL)
    return g_strdup_printf (_("the EFI system partition's %s loads %s, a file Passthrough cannot locate"),
                            c->esp_cfg, loaded);
  if (!c->stub)
    return g_strdup_printf (_("GRUB reads %s, the full configuration on the EFI system partition (%s)"),
                            c->target, _(c->full));
  if (!c->target_exists)
    return g_strdup_printf (_("GRUB reads %s, which the EFI system partition's %s loads (%s); it is not there yet"),
                            c->target, c->esp_cfg, loaded);
  return g_strdup_printf (_("GRUB reads %s, which the EFI system partition's %s loads (%s)"),
                          c->target, c->esp_cfg, loaded);
}

void
pt_boot_setup_detect_grub_cfg (PtBootSetup *setup,
                               PtPaths     *paths)
{
  g_autoptr(GPtrArray) candidates = esp_grub_cfgs (paths);
  g_autofree char *why_this_one = NULL;
  gboolean debian = exists (paths, "/usr/sbin/update-grub") || exists (paths, "/etc/debian_version");
  GrubCandidate *chosen = NULL;

  g_clear_pointer (&setup->grub_tool, g_free);
  g_clear_pointer (&setup->grub_cfg, g_free);
  g_clear_pointer (&setup->grub_dir, g_free);
  g_clear_pointer (&setup->grub_cfg_evidence, g_free);
  g_clear_pointer (&setup->grub_mkconfig_argv, g_strfreev);
  setup->grub_cfg_ambiguous = FALSE;

  /* The tools under the name the distribution gives them. */
  if (!debian && (exists (paths, "/boot/grub2") || exists (paths, "/usr/sbin/grub2-mkconfig")))
    setup->grub_tool = g_strdup ("grub2");
  else
    setup->grub_tool = g_strdup ("grub");

  for (guint i = 0; i < candidates->len; i++)
    {
      GrubCandidate *c = g_ptr_array_index (candidates, i);
      g_autofree char *text = read_text (paths, c->esp_cfg);

      c->full = N_("it cannot be read");
      c->stub = text != NULL && grub_cfg_is_stub (text, &c->loaded, &c->full);
      if (c->stub)
        c->target = stub_target (paths, c->loaded, &c->target_exists);
      else
        {
          c->target = g_strdup (c->esp_cfg);
          c->target_exists = TRUE;
        }
    }

  if (candidates->len == 0)
    {
      setup->grub_cfg = g_strdup_printf ("/boot/%s/grub.cfg", setup->grub_tool);
      setup->grub_cfg_evidence = g_strdup_printf (_("GRUB reads %s (there is no grub.cfg on an EFI system partition)"),
                                                  setup->grub_cfg);
    }
  else if ((chosen = one_target (candidates)) == NULL)
    {
      g_autofree char *efi_id = boot_current_efi_dir (paths);
      g_autofree char *os_id = os_release_efi_dir (paths);
      g_autoptr(GPtrArray) by_firmware = with_id (candidates, efi_id);
      g_autoptr(GPtrArray) by_os = with_id (candidates, os_id);
      g_autoptr(GPtrArray) here = leading_here (candidates);

      if (by_firmware->len > 0 && (chosen = one_target (by_firmware)) != NULL)
        why_this_one = g_strdup_printf (_("the firmware's current boot entry (BootCurrent) starts \\EFI\\%s\\"), efi_id);
      else if (by_os->len > 0 && (chosen = one_target (by_os)) != NULL)
        why_this_one = g_strdup_printf (_("/etc/os-release says this system is “%s”"), os_id);
      else if (here->len > 0 && (chosen = one_target (here)) != NULL)
        why_this_one = g_strdup (_("only that one leads to a file on this system"));
    }

  if (candidates->len > 0 && chosen == NULL)
    {
      g_autoptr(GPtrArray) names = g_ptr_array_new ();
      g_autofree char *joined = NULL;

      for (guint i = 0; i < candidates->len; i++)
        g_ptr_array_add (names, ((GrubCandidate *) g_ptr_array_index (candidates, i))->esp_cfg);
      g_ptr_array_add (names, NULL);
      joined = g_strjoinv (", ", (char **) names->pdata);
      setup->grub_cfg_ambiguous = TRUE;
      if (candidates->len == 1)
        setup->grub_cfg_evidence = describe_candidate (g_ptr_array_index (candidates, 0));
      else
        setup->grub_cfg_evidence = g_strdup_printf (_("the EFI system partition has several GRUB configurations (%s) that lead to different files, and neither the firmware's current boot entry (BootCurrent), /etc/os-release nor the files present show which one this system's GRUB reads"),
                                                    joined);
      return;
    }
  if (chosen != NULL)
    {
      g_autofree char *base = describe_candidate (chosen);
      setup->grub_cfg = g_strdup (chosen->target);
      setup->grub_cfg_evidence = why_this_one == NULL ? g_steal_pointer (&base) :
                                 g_strdup_printf (_("%s; of the EFI system partition's GRUB configurations, that one because %s"),
                                                  base, why_this_one);
    }
  setup->grub_dir = g_path_get_dirname (setup->grub_cfg);

  /* Regenerating it: Debian's wrapper writes /boot/grub/grub.cfg, anything
   * else is named to the upstream tool. */
  if (debian && g_str_equal (setup->grub_cfg, "/boot/grub/grub.cfg"))
    setup->grub_mkconfig_argv = g_strsplit ("update-grub", " ", -1);
  else
    {
      GStrvBuilder *b = g_strv_builder_new ();
      g_autofree char *mkconfig = g_strconcat (setup->grub_tool, "-mkconfig", NULL);
      g_strv_builder_add_many (b, mkconfig, "-o", setup->grub_cfg, NULL);
      setup->grub_mkconfig_argv = g_strv_builder_end (b);
      g_strv_builder_unref (b);
    }
}

char *
pt_boot_setup_resolve_path (PtPaths    *paths,
                            const char *system_path)
{
  g_autoptr(GPtrArray) todo = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) done = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) parts = g_strsplit (system_path, "/", -1);
  GString *result;
  guint hops = 0;

  for (gint i = (gint) g_strv_length (parts) - 1; i >= 0; i--)
    if (parts[i][0] != '\0' && !g_str_equal (parts[i], "."))
      g_ptr_array_add (todo, g_strdup (parts[i]));
  while (todo->len > 0)
    {
      g_autofree char *part = g_ptr_array_steal_index (todo, todo->len - 1);
      g_autofree char *host = NULL;
      g_autofree char *target = NULL;
      GString *sys;

      if (g_str_equal (part, ".."))
        {
          if (done->len > 0)
            g_ptr_array_remove_index (done, done->len - 1);
          continue;
        }
      g_ptr_array_add (done, g_steal_pointer (&part));
      sys = g_string_new (NULL);
      for (guint i = 0; i < done->len; i++)
        g_string_append_printf (sys, "/%s", (char *) g_ptr_array_index (done, i));
      host = pt_paths_build (paths, sys->str + 1, NULL);
      g_string_free (sys, TRUE);
      if (!g_file_test (host, G_FILE_TEST_IS_SYMLINK) || (target = g_file_read_link (host, NULL)) == NULL)
        continue;
      if (++hops > 32)
        return NULL;
      g_ptr_array_remove_index (done, done->len - 1);
      if (g_path_is_absolute (target))
        g_ptr_array_set_size (done, 0);
      {
        g_auto(GStrv) tparts = g_strsplit (target, "/", -1);
        for (gint i = (gint) g_strv_length (tparts) - 1; i >= 0; i--)
          if (tparts[i][0] != '\0' && !g_str_equal (tparts[i], "."))
            g_ptr_array_add (todo, g_strdup (tparts[i]));
      }
    }
  result = g_string_new (NULL);
  for (guint i = 0; i < done->len; i++)
    g_string_append_printf (result, "/%s", (char *) g_ptr_array_index (done, i));
  if (result->len == 0)
    g_string_append_c (result, '/');
  return g_string_free (result, FALSE);
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

  /* The trap of docs/boot-setup.md, "kernel-install rewrites entries": hooks that run kernel-install add on every
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
    /* Limine before 8.x: limine.cfg, the same places (limine.conf wins) */
    "/boot/limine.cfg", "/boot/limine/limine.cfg", "/boot/efi/limine.cfg",
    "/efi/limine.cfg", "/boot/EFI/BOOT/limine.cfg", "/boot/efi/EFI/BOOT/limine.cfg",
    "/efi/EFI/BOOT/limine.cfg",
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

  /* Which grub.cfg, and why, is part of the answer for GRUB. */
  if ((setup->bootloader == PT_BOOTLOADER_GRUB || setup->bootloader == PT_BOOTLOADER_GRUB_BLS) &&
      setup->grub_cfg_evidence != NULL)
    {
      char *both = setup->evidence == NULL ? g_strdup (setup->grub_cfg_evidence) :
                   g_strdup_printf ("%s; %s", setup->evidence, setup->grub_cfg_evidence);
      g_free (setup->evidence);
      setup->evidence = both;
    }
  return setup;
}
