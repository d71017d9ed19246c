/* test-edit-props.c: invariants over generated variations.
 *
 * Each case builds a random file in one format (blanks and tabs, CRLF or
 * LF, with or without a final line ending, comments and commented-out
 * look-alikes, every quoting style, tokens already present in an
 * equivalent spelling) and a random subset of tokens, then checks:
 *
 *  - adding succeeds and every token is then present (read back);
 *  - adding twice is the same as adding once;
 *  - when none of the tokens was there, removing them gives back the
 *    original bytes; removing always leaves none of them;
 *  - lines that are not ours are unchanged and in order;
 *  - for shell files, /bin/sh (or bash) sourcing the result sees exactly
 *    the value our reader reports.
 *
 * The generator uses g_test_rand_*: run with --seed=… (the TAP header
 * prints the seed) to replay; a failure prints the case number and input.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "edit-test-util.h"
#include "pt-cmdline.h"
#include "pt-error.h"

#define N_CASES 300
#define N_SHELL_CHECKS 60

static const char *const pool_words[] = {
  "quiet", "splash", "loglevel=3", "root=UUID=1234-abcd", "rd.luks.uuid=luks-1",
  "nomodeset", "acpi_osi=Linux", "mitigations=off", "rw", NULL
};
static const char *const cmd_tokens[] = {
  "intel_iommu=on", "iommu=pt", "vfio-pci.ids=10de:1b80,10de:10f0", "rd.driver.pre=vfio_pci",
  "video=efifb:off", "pcie_acs_override=downstream,multifunction", NULL
};
/* the same tokens as a person may have written them */
static const char *const cmd_tokens_alt[] = {
  "intel_iommu=on", "iommu=pt", "vfio_pci.ids=10de:1b80,10de:10f0", "rd.driver.pre=vfio-pci",
  "video=efifb:off", "pcie-acs-override=downstream,multifunction", NULL
};
static const char *const pool_modules[] = {
  "ext4", "btrfs", "nvme", "amdgpu", "i915", "nvidia", "nvidia_drm", "usbhid", "crc32c", NULL
};
static const char *const mod_tokens[] = { "vfio_pci", "vfio", "vfio_iommu_type1", NULL };
static const char *const mod_tokens_alt[] = { "vfio-pci", "vfio", "vfio-iommu-type1", NULL };

typedef struct
{
  GString   *text;
  GPtrArray *add;          /* borrowed strings */
  gboolean   present;      /* some token of @add is there already */
  const char *nl;
} Case;

static void
case_clear (Case *c)
{
  g_string_free (c->text, TRUE);
  g_ptr_array_unref (c->add);
}

static gboolean
coin (int percent)
{
  return g_test_rand_int_range (0, 100) < percent;
}

static const char *
pick (const char *const *list)
{
  return list[g_test_rand_int_range (0, g_strv_length ((char **) list))];
}

static void
append_blanks (GString *s,
               int      min)
{
  int n = g_test_rand_int_range (min, 4);

  for (int i = 0; i < n; i++)
    g_string_append_c (s, coin (25) ? '\t' : ' ');
}

/* A random subset (at least one) of @tokens in random order. */
static GPtrArray *
random_subset (const char *const *tokens)
{
  GPtrArray *out = g_ptr_array_new ();
  guint n = g_strv_length ((char **) tokens);

  for (guint i = 0; i < n; i++)
    if (coin (50))
      g_ptr_array_add (out, (gpointer) tokens[i]);
  if (out->len == 0)
    g_ptr_array_add (out, (gpointer) tokens[g_test_rand_int_range (0, n)]);
  for (guint i = out->len; i > 1; i--)
    {
      guint j = g_test_rand_int_range (0, i);
      gpointer t = out->pdata[i - 1];
      out->pdata[i - 1] = out->pdata[j];
      out->pdata[j] = t;
    }
  return out;
}

static const char *
alt_of (const char        *token,
        const char *const *tokens,
        const char *const *alts)
{
  for (guint i = 0; tokens[i]; i++)
    if (g_str_equal (tokens[i], token))
      return alts[i];
  return token;
}

/* Words for one value: pool words, maybe one of ours in another spelling. */
static GPtrArray *
random_words (Case              *c,
              const char *const *pool,
              const char *const *tokens,
              const char *const *alts,
              int                min)
{
  GPtrArray *words = g_ptr_array_new ();
  int n = g_test_rand_int_range (min, 5);

  for (int i = 0; i < n; i++)
    g_ptr_array_add (words, (gpointer) pick (pool));
  if (coin (20))
    {
      const char *ours = g_ptr_array_index (c->add, g_test_rand_int_range (0, c->add->len));
      g_ptr_array_insert (words, g_test_rand_int_range (0, words->len + 1),
                          (gpointer) alt_of (ours, tokens, alts));
      c->present = TRUE;
    }
  return words;
}

static void
join_words (GString   *s,
            GPtrArray *words)
{
  for (guint i = 0; i < words->len; i++)
    {
      if (i > 0)
        append_blanks (s, 1);
      g_string_append (s, g_ptr_array_index (words, i));
    }
}

static void
end_line (Case *c)
{
  g_string_append (c->text, c->nl);
}

static void
finish_file (Case *c)
{
  int blank = g_test_rand_int_range (0, 3);

  for (int i = 0; i < blank; i++)
    end_line (c);
  if (coin (20) && c->text->len > 0 && blank == 0)
    g_string_truncate (c->text, c->text->len - strlen (c->nl));   /* no final line ending */
}

static void
case_init (Case              *c,
           const char *const *tokens)
{
  c->text = g_string_new (NULL);
  c->add = random_subset (tokens);
  c->present = FALSE;
  c->nl = coin (25) ? "\r\n" : "\n";
}

/* ---- generators ------------------------------------------------------------------ */

static void
gen_grub (Case *c)
{
  const char *var = "GRUB_CMDLINE_LINUX_DEFAULT";
  int n_assign = g_test_rand_int_range (0, 3);

  case_init (c, cmd_tokens);
  if (coin (50))
    {
      g_string_append (c->text, "# If you change this file, run 'update-grub' afterwards");
      end_line (c);
    }
  g_string_append (c->text, "GRUB_DEFAULT=0");
  end_line (c);
  if (coin (40))
    {
      g_string_append (c->text, "GRUB_DISTRIBUTOR=`lsb_release -i -s 2> /dev/null || echo Debian`");
      end_line (c);
    }
  if (coin (50))
    {
      g_string_append_printf (c->text, "#%s=\"quiet iommu=pt intel_iommu=on\"", var);
      end_line (c);
    }
  for (int a = 0; a < n_assign; a++)
    {
      g_autoptr(GPtrArray) words = random_words (c, pool_words, cmd_tokens, cmd_tokens_alt, 0);
      g_autoptr(GString) value = g_string_new (NULL);
      int style = g_test_rand_int_range (0, 3);   /* 0 "…", 1 '…', 2 unquoted */
      gboolean selfref = a > 0 && coin (50);

      if (selfref)
        style = 0;
      if (style == 2 && words->len != 1)
        style = 0;
      if (selfref)
        {
          g_string_append (value, coin (50) ? "$GRUB_CMDLINE_LINUX_DEFAULT" : "${GRUB_CMDLINE_LINUX_DEFAULT}");
          if (words->len > 0)
            append_blanks (value, 1);
        }
      else if (style != 2 && coin (30))
        append_blanks (value, 1);
      join_words (value, words);
      if (style != 2 && coin (30))
        append_blanks (value, 1);

      if (coin (20))
        append_blanks (c->text, 1);
      if (coin (20))
        g_string_append (c->text, "export ");
      g_string_append_printf (c->text, "%s=", var);
      if (style == 0)
        g_string_append_printf (c->text, "\"%s\"", value->str);
      else if (style == 1)
        g_string_append_printf (c->text, "'%s'", value->str);
      else
        g_string_append (c->text, value->str);
      if (coin (20))
        g_string_append (c->text, "  # keep");
      end_line (c);
    }
  g_string_append (c->text, "GRUB_CMDLINE_LINUX=\"\"");
  end_line (c);
  finish_file (c);
}

static void
gen_entry (Case *c)
{
  int n_options = g_test_rand_int_range (1, 3);

  case_init (c, cmd_tokens);
  g_string_append (c->text, "title Arch Linux");
  end_line (c);
  if (coin (30))
    {
      g_string_append (c->text, "# options quiet iommu=pt");
      end_line (c);
    }
  g_string_append (c->text, "linux /vmlinuz-linux");
  end_line (c);
  for (int o = 0; o < n_options; o++)
    {
      g_autoptr(GPtrArray) words = random_words (c, pool_words, cmd_tokens, cmd_tokens_alt, 1);
      g_string_append (c->text, "options");
      append_blanks (c->text, 1);
      join_words (c->text, words);
      if (coin (20))
        append_blanks (c->text, 1);
      end_line (c);
    }
  if (coin (50))
    {
      g_string_append (c->text, "initrd /initramfs-linux.img");
      end_line (c);
    }
  finish_file (c);
}

static void
gen_cmdline (Case *c)
{
  g_autoptr(GPtrArray) words = NULL;

  case_init (c, cmd_tokens);
  words = random_words (c, pool_words, cmd_tokens, cmd_tokens_alt, 0);
  if (coin (20))
    append_blanks (c->text, 1);
  join_words (c->text, words);
  if (coin (20))
    append_blanks (c->text, 1);
}

static void
gen_mkinitcpio (Case *c)
{
  g_autoptr(GPtrArray) words = NULL;
  int style = g_test_rand_int_range (0, 4);   /* 0 one-line array, 1 multi-line array, 2 "…", 3 '…' */

  case_init (c, mod_tokens);
  g_string_append (c->text, "# vim:set ft=sh");
  end_line (c);
  if (coin (50))
    {
      g_string_append (c->text, "#     MODULES=(vfio_pci vfio vfio_iommu_type1)");
      end_line (c);
    }
  words = random_words (c, pool_modules, mod_tokens, mod_tokens_alt, 0);
  g_string_append (c->text, "MODULES=");
  if (style == 0 || style == 1)
    {
      g_string_append_c (c->text, '(');
      for (guint i = 0; i < words->len; i++)
        {
          const char *w = g_ptr_array_index (words, i);
          if (style == 1)
            {
              end_line (c);
              append_blanks (c->text, 0);
              if (coin (30))
                {
                  g_string_append (c->text, "# a comment (with parentheses) and 'quotes");
                  end_line (c);
                  append_blanks (c->text, 0);
                }
            }
          else if (i > 0)
            append_blanks (c->text, 1);
          if (coin (15))
            g_string_append_printf (c->text, "'%s'", w);
          else if (coin (15))
            g_string_append_printf (c->text, "\"%s\"", w);
          else
            g_string_append (c->text, w);
          if (style == 1 && coin (20))
            g_string_append (c->text, " # why");
        }
      if (style == 1)
        end_line (c);
      g_string_append_c (c->text, ')');
    }
  else
    {
      char q = style == 2 ? '"' : '\'';
      g_string_append_c (c->text, q);
      join_words (c->text, words);
      g_string_append_c (c->text, q);
    }
  end_line (c);
  g_string_append (c->text, "HOOKS=(base udev autodetect modconf block filesystems fsck)");
  end_line (c);
  finish_file (c);
}

static void
gen_module_lines (Case *c)
{
  g_autoptr(GPtrArray) words = NULL;

  case_init (c, mod_tokens);
  g_string_append (c->text, "# /etc/modules: kernel modules to load at boot time.");
  end_line (c);
  words = random_words (c, pool_modules, mod_tokens, mod_tokens_alt, 0);
  for (guint i = 0; i < words->len; i++)
    {
      append_blanks (c->text, 0);
      g_string_append (c->text, g_ptr_array_index (words, i));
      if (coin (20))
        g_string_append (c->text, " option=1");
      end_line (c);
      if (coin (20))
        {
          g_string_append (c->text, "# vfio_pci");
          end_line (c);
        }
    }
  finish_file (c);
}

static void
gen_booster (Case *c)
{
  g_autoptr(GPtrArray) words = NULL;

  case_init (c, mod_tokens);
  g_string_append (c->text, "compression: zstd");
  end_line (c);
  if (coin (70))
    {
      words = random_words (c, pool_modules, mod_tokens, mod_tokens_alt, 0);
      g_string_append (c->text, "modules_force_load:");
      for (guint i = 0; i < words->len; i++)
        {
          g_string_append (c->text, i == 0 ? " " : (coin (50) ? ", " : ","));
          g_string_append (c->text, g_ptr_array_index (words, i));
        }
      if (coin (20))
        g_string_append (c->text, " # forced");
      end_line (c);
    }
  g_string_append (c->text, "universal: false");
  end_line (c);
  finish_file (c);
}

static void
gen_default_limine (Case *c)
{
  int n_assign = g_test_rand_int_range (0, 4);

  case_init (c, cmd_tokens);
  g_string_append (c->text, "TARGET_OS_NAME=\"Arch Linux\"");
  end_line (c);
  if (coin (40))
    {
      g_string_append (c->text, "#KERNEL_CMDLINE[default]+=\"iommu=pt\"");
      end_line (c);
    }
  for (int a = 0; a < n_assign; a++)
    {
      g_autoptr(GPtrArray) words = random_words (c, pool_words, cmd_tokens, cmd_tokens_alt, 0);
      gboolean append = a > 0 && coin (70);
      char q = coin (70) ? '"' : '\'';

      g_string_append_printf (c->text, "KERNEL_CMDLINE[default]%s=%c", append ? "+" : "", q);
      /* += needs its own separator, as people write it */
      if (append && words->len > 0)
        g_string_append_c (c->text, ' ');
      join_words (c->text, words);
      if (coin (20))
        append_blanks (c->text, 1);
      g_string_append_c (c->text, q);
      end_line (c);
    }
  finish_file (c);
}

/* ---- checks -------------------------------------------------------------------- */

/* The value as read back from the file, or NULL when the format has no reader. */
static char *
read_back (EditKind    kind,
           const char *text)
{
  switch (kind)
    {
    case EDIT_GRUB_DEFAULT:
      return pt_read_grub_default (text, NULL);
    case EDIT_DEFAULT_LIMINE:
      return pt_read_default_limine (text);
    case EDIT_ENTRY:
      return pt_read_entry_options (text);
    case EDIT_CMDLINE:
      return g_strdup (text);
    case EDIT_MKINITCPIO:
      {
        g_auto(GStrv) mods = pt_read_mkinitcpio_modules (text, NULL);
        return mods ? g_strjoinv (" ", mods) : NULL;
      }
    default:
      return NULL;
    }
}

/* Lines that do not belong to us, in order. */
static char *
foreign_lines (EditKind    kind,
               const char *text)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  GString *out = g_string_new (NULL);
  const char *ours = NULL;

  switch (kind)
    {
    case EDIT_GRUB_DEFAULT: ours = "GRUB_CMDLINE_LINUX_DEFAULT="; break;
    case EDIT_DEFAULT_LIMINE: ours = "KERNEL_CMDLINE[default]"; break;
    case EDIT_ENTRY: ours = "options"; break;
    case EDIT_MKINITCPIO: ours = "MODULES="; break;
    case EDIT_BOOSTER: ours = "modules_force_load:"; break;
    default: return g_string_free (out, FALSE);
    }
  for (guint i = 0; lines[i]; i++)
    {
      const char *l = lines[i] + strspn (lines[i], " \t");
      if (g_str_has_prefix (l, "export "))
        l += 7;
      if (g_str_has_prefix (l, ours))
        continue;
      /* multi-line MODULES arrays: skip their inner lines too */
      if (kind == EDIT_MKINITCPIO && !g_str_has_prefix (l, "#") && !g_str_has_prefix (l, "HOOKS")
          && *l != '\0' && *l != '\r')
        continue;
      if (kind == EDIT_MODULE_LINES)
        continue;
      g_string_append (out, lines[i]);
      g_string_append_c (out, '\n');
    }
  /* blank lines may move around a line we appended or removed */
  return g_string_free (out, FALSE);
}

static gboolean
words_have (const char *words,
            const char *token,
            gboolean    modules)
{
  g_autoptr(GPtrArray) toks = pt_cmdline_tokenize (words);
  g_autoptr(GPtrArray) want = pt_cmdline_tokenize (token);
  PtCmdlineToken *w = g_ptr_array_index (want, 0);
  g_autofree char *wv = w->value ? g_strdelimit (g_strdup (w->value), "-", '_') : NULL;

  for (guint i = 0; i < toks->len; i++)
    {
      PtCmdlineToken *t = g_ptr_array_index (toks, i);
      g_autofree char *tv = t->value ? g_strdelimit (g_strdup (t->value), "-", '_') : NULL;

      /* modules: the key is the whole name, normalized */
      if (g_str_equal (t->key, w->key) && (modules || g_strcmp0 (tv, wv) == 0))
        return TRUE;
    }
  return FALSE;
}

/* What a real shell sees: source the file and print the variable. */
static char *
shell_value (EditKind    kind,
             const char *text)
{
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  int status = 0;
  int fd = g_file_open_tmp ("pt-edit-props-XXXXXX", &path, &error);
  const char *argv_grub[] = { "/bin/sh", "-c", ". \"$1\"; printf %s \"$GRUB_CMDLINE_LINUX_DEFAULT\"", "sh", NULL, NULL };
  const char *argv_mk[] = { "/bin/bash", "-c", ". \"$1\"; printf '%s ' \"${MODULES[@]}\"", "bash", NULL, NULL };
  const char *argv_limine[] = { "/bin/bash", "-c", ". \"$1\"; printf %s \"${KERNEL_CMDLINE[default]}\"", "bash", NULL, NULL };
  const char **argv = kind == EDIT_GRUB_DEFAULT ? argv_grub : kind == EDIT_MKINITCPIO ? argv_mk : argv_limine;

  g_assert_no_error (error);
  close (fd);
  /* the shell treats \r as part of the value: compare LF files only */
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  argv[4] = path;
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out, NULL, &status, &error);
  g_assert_no_error (error);
  g_unlink (path);
  if (!g_spawn_check_wait_status (status, NULL))
    return NULL;
  return g_steal_pointer (&out);
}

static char *
squeeze (const char *s)
{
  g_auto(GStrv) parts = g_strsplit_set (s ? s : "", " \t\r\n", -1);
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
  g_auto(GStrv) kept = NULL;

  for (guint i = 0; parts[i]; i++)
    if (*parts[i])
      g_strv_builder_add (b, parts[i]);
  kept = g_strv_builder_end (b);
  return g_strjoinv (" ", kept);
}

static void
fail_case (EditKind    kind,
           guint       n,
           const Case *c,
           const char *what,
           const char *got)
{
  g_autofree char *in = g_strescape (c->text->str, NULL);
  g_autofree char *out = got ? g_strescape (got, NULL) : g_strdup ("(null)");
  g_autofree char *add = NULL;

  g_ptr_array_add (c->add, NULL);
  add = g_strjoinv (" ", (char **) c->add->pdata);
  g_ptr_array_remove_index (c->add, c->add->len - 1);
  g_test_message ("%s case %u: %s\n  input: \"%s\"\n  add: %s\n  got: \"%s\"\n"
                  "  (replay with the --seed printed at the top of this run)",
                  edit_kind_name (kind), n, what, in, add, out);
  g_test_fail ();
}

static void
run_property (EditKind kind,
              void   (*gen) (Case *))
{
  guint shell_checks = 0;

  for (guint n = 0; n < N_CASES; n++)
    {
      Case c;
      const char *const *add;
      g_autoptr(GError) error = NULL;
      g_autofree char *added = NULL;
      g_autofree char *again = NULL;
      g_autofree char *removed = NULL;
      g_autofree char *value = NULL;
      g_autofree char *fa = NULL, *fb = NULL;
      gboolean modules = edit_kind_takes_modules (kind);

      gen (&c);
      g_ptr_array_add (c.add, NULL);
      add = (const char *const *) c.add->pdata;
      g_ptr_array_set_size (c.add, c.add->len - 1);
      /* pdata still ends in NULL: set_size shrank the length only */

      added = edit_run (kind, c.text->str, add, NULL, &error);
      if (added == NULL)
        {
          fail_case (kind, n, &c, error->message, NULL);
          case_clear (&c);
          return;
        }
      again = edit_run (kind, added, add, NULL, &error);
      if (g_strcmp0 (again, added) != 0)
        fail_case (kind, n, &c, "adding twice differs from adding once", again);
      removed = edit_run (kind, added, NULL, add, &error);
      if (removed == NULL)
        fail_case (kind, n, &c, "removal failed", NULL);
      else if (!c.present && g_strcmp0 (removed, c.text->str) != 0)
        fail_case (kind, n, &c, "removal does not restore the original", removed);

      value = read_back (kind, added);
      if (value != NULL || kind == EDIT_GRUB_DEFAULT || kind == EDIT_ENTRY || kind == EDIT_DEFAULT_LIMINE)
        for (guint i = 0; i < c.add->len; i++)
          if (!words_have (value ? value : "", g_ptr_array_index (c.add, i), modules))
            fail_case (kind, n, &c, "a token is missing after adding", added);
      if (removed != NULL)
        {
          g_autofree char *after = read_back (kind, removed);
          for (guint i = 0; after != NULL && i < c.add->len; i++)
            if (words_have (after, g_ptr_array_index (c.add, i), modules))
              fail_case (kind, n, &c, "a token is still there after removing", removed);
        }

      fa = foreign_lines (kind, c.text->str);
      fb = foreign_lines (kind, added);
      {
        g_autofree char *sa = squeeze (fa), *sb = squeeze (fb);
        if (g_strcmp0 (sa, sb) != 0)
          fail_case (kind, n, &c, "lines that are not ours changed", added);
      }

      if (kind == EDIT_MKINITCPIO && value != NULL)
        {
          /* vfio modules before any GPU driver of the list */
          g_auto(GStrv) mods = g_strsplit (value, " ", -1);
          gint first_gpu = -1, last_ours = -1;
          for (gint i = 0; mods[i]; i++)
            {
              if (first_gpu < 0 && (g_str_equal (mods[i], "amdgpu") || g_str_equal (mods[i], "i915")
                                    || g_str_has_prefix (mods[i], "nvidia")))
                first_gpu = i;
              for (guint k = 0; k < c.add->len; k++)
                if (g_str_equal (mods[i], g_ptr_array_index (c.add, k)))
                  last_ours = i;
            }
          if (!c.present && first_gpu >= 0 && last_ours > first_gpu)
            fail_case (kind, n, &c, "a vfio module comes after a GPU driver", added);
        }

      if ((kind == EDIT_GRUB_DEFAULT || kind == EDIT_MKINITCPIO || kind == EDIT_DEFAULT_LIMINE)
          && shell_checks < N_SHELL_CHECKS && strchr (added, '\r') == NULL)
        {
          g_autofree char *sh = shell_value (kind, added);
          g_autofree char *a = squeeze (sh), *b = squeeze (value);
          shell_checks++;
          if (sh == NULL || g_strcmp0 (a, b) != 0)
            fail_case (kind, n, &c, "the shell reads a different value than we do", sh);
        }
      case_clear (&c);
      if (g_test_failed ())
        return;
    }
}

static void test_grub (void) { run_property (EDIT_GRUB_DEFAULT, gen_grub); }
static void test_entry (void) { run_property (EDIT_ENTRY, gen_entry); }
static void test_cmdline (void) { run_property (EDIT_CMDLINE, gen_cmdline); }
static void test_mkinitcpio (void) { run_property (EDIT_MKINITCPIO, gen_mkinitcpio); }
static void test_module_lines (void) { run_property (EDIT_MODULE_LINES, gen_module_lines); }
static void test_booster (void) { run_property (EDIT_BOOSTER, gen_booster); }
static void test_default_limine (void) { run_property (EDIT_DEFAULT_LIMINE, gen_default_limine); }

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/edit/props/grub", test_grub);
  g_test_add_func ("/edit/props/entry", test_entry);
  g_test_add_func ("/edit/props/cmdline", test_cmdline);
  g_test_add_func ("/edit/props/mkinitcpio", test_mkinitcpio);
  g_test_add_func ("/edit/props/module-lines", test_module_lines);
  g_test_add_func ("/edit/props/booster", test_booster);
  g_test_add_func ("/edit/props/default-limine", test_default_limine);
  return g_test_run ();
}
