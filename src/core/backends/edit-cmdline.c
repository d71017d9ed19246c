/* edit-cmdline.c: kernel command lines that are plain text in their file:
 * a bare command line, /etc/kernel/cmdline, BLS / systemd-boot entries,
 * grubenv, limine.conf and refind_linux.conf.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "pt-cmdline.h"
#include "pt-edit.h"
#include "pt-edit-private.h"
#include "pt-error.h"

static gboolean
quotes_balanced (const char *s,
                 gsize       len)
{
  gsize n = 0;

  for (gsize i = 0; i < len; i++)
    if (s[i] == '"')
      n++;
  return n % 2 == 0;
}

/* Edits the command line in [start, end) of @text.  @present_extra holds
 * words that count as present although they live elsewhere (other lines of
 * the same entry).  Returns the new region, or NULL + error. */
static char *
edit_region (const char        *text,
             gsize              start,
             gsize              end,
             guint              line_no,
             gboolean           do_add,
             const char *const *add,
             const char *const *remove,
             gboolean          *changed,
             GError           **error)
{
  PtWordValue *value;
  g_autofree char *flat = NULL;
  g_autoptr(GPtrArray) missing = NULL;
  gboolean removed = FALSE;
  char *out;

  if (!quotes_balanced (text + start, end - start))
    {
      if (line_no > 0)
        g_set_error (error, PT_ERROR, PT_ERROR_PARSE,
                     "Line %u has a quote that is never closed, so Passthrough will not edit it; "
                     "please fix that line by hand.", line_no);
      else
        g_set_error (error, PT_ERROR, PT_ERROR_PARSE,
                     "The command line has a quote that is never closed, so Passthrough will not edit it.");
      return NULL;
    }
  for (gsize i = start; i < end; i++)
    if (text[i] == '\0' || text[i] == '\n')
      {
        g_set_error (error, PT_ERROR, PT_ERROR_PARSE,
                     "The command line spans more than one line, so Passthrough will not edit it.");
        return NULL;
      }

  value = pt_word_value_new (FALSE);
  pt_word_value_append (value, 0, text + start, end - start);
  pt_word_value_remove (value, PT_WORDS_CMDLINE, remove, &removed);
  if (do_add)
    {
      flat = pt_word_value_flatten (value);
      missing = pt_words_missing (flat, PT_WORDS_CMDLINE, add);
      if (missing->len > 0)
        {
          g_ptr_array_add (missing, NULL);
          pt_word_value_insert (value, PT_WORDS_CMDLINE, (const char *const *) missing->pdata, FALSE);
          removed = TRUE;
        }
    }
  if (value->segments->len == 0)
    out = g_strdup ("");
  else
    out = pt_word_value_render (value);
  pt_word_value_free (value);
  if (changed)
    *changed = removed;
  return out;
}

/* ---- a bare command line --------------------------------------------------- */

char *
pt_edit_cmdline (const char        *cmdline,
                 const char *const *add,
                 const char *const *remove,
                 GError           **error)
{
  const char *text = cmdline ? cmdline : "";

  if (!pt_edit_check_tokens (add, error))
    return NULL;
  return edit_region (text, 0, strlen (text), 0, TRUE, add, remove, NULL, error);
}

/* ---- /etc/kernel/cmdline ------------------------------------------------------ */

/* kernel-install and proxmox-boot-tool read the words of the file; we keep
 * ours on the first line that is not a comment and remove them from every
 * line. */
char *
pt_edit_kernel_cmdline_file (const char        *text,
                             const char *const *add,
                             const char *const *remove,
                             GError           **error)
{
  g_autoptr(GArray) lines = NULL;
  g_autoptr(GString) out = NULL;
  g_autoptr(GPtrArray) missing_here = NULL;
  gint first = -1;

  if (text == NULL)
    text = "";
  if (!pt_edit_check_tokens (add, error))
    return NULL;
  lines = pt_split_lines (text);
  out = g_string_new (NULL);
  /* Every line that is not a comment gives words (a licence header and a
   * blank line above the command line are common): ours go on the first
   * line with words, and only those no line has yet. */
  {
    GString *all = g_string_new (NULL);
    for (guint l = 0; l < lines->len; l++)
      {
        PtLine *line = &g_array_index (lines, PtLine, l);
        gboolean blank = TRUE;
        if (pt_line_is_comment (text, line))
          continue;
        for (gsize i = line->start; i < line->end && blank; i++)
          blank = g_ascii_isspace (text[i]);
        if (!blank && first < 0)
          first = l;
        g_string_append_c (all, ' ');
        g_string_append_len (all, text + line->start, line->end - line->start);
      }
    missing_here = pt_words_missing (all->str, PT_WORDS_CMDLINE, add);
    g_ptr_array_add (missing_here, NULL);
    g_string_free (all, TRUE);
  }

  for (guint l = 0; l < lines->len; l++)
    {
      PtLine *line = &g_array_index (lines, PtLine, l);
      g_autofree char *region = NULL;

      if (pt_line_is_comment (text, line))
        {
          g_string_append_len (out, text + line->start, line->next - line->start);
          continue;
        }
      region = edit_region (text, line->start, line->end, l + 1, (gint) l == first,
                            (const char *const *) missing_here->pdata, remove, NULL, error);
      if (region == NULL)
        return NULL;
      g_string_append (out, region);
      g_string_append_len (out, text + line->end, line->next - line->end);
    }

  if (first < 0)
    {
      /* no command line yet (an empty file, or comments only) */
      g_autoptr(GPtrArray) missing = pt_words_missing ("", PT_WORDS_CMDLINE, add);
      if (missing->len > 0)
        {
          g_autofree char *joined = NULL;
          g_ptr_array_add (missing, NULL);
          joined = g_strjoinv (" ", (char **) missing->pdata);
          if (out->len == 0)
            g_string_append (out, joined);
          else
            pt_append_line (out, joined);
        }
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* ---- BLS and systemd-boot entries ------------------------------------------ */

/* The value of an "options" line, or FALSE when @line is not one. */
static gboolean
options_value (const char   *text,
               const PtLine *line,
               gsize        *vstart)
{
  gsize i = line->start;

  while (i < line->end && (text[i] == ' ' || text[i] == '\t'))
    i++;
  if (line->end - i < 7 || strncmp (text + i, "options", 7) != 0)
    return FALSE;
  i += 7;
  if (i < line->end && text[i] != ' ' && text[i] != '\t')
    return FALSE;
  while (i < line->end && (text[i] == ' ' || text[i] == '\t'))
    i++;
  *vstart = i;
  return TRUE;
}

static gboolean
words_use_kernelopts (const char *s)
{
  g_autoptr(GPtrArray) toks = pt_cmdline_tokenize (s);

  for (guint i = 0; i < toks->len; i++)
    {
      PtCmdlineToken *t = g_ptr_array_index (toks, i);
      if (g_str_has_prefix (t->text, "$kernelopts") || g_str_has_prefix (t->text, "${kernelopts}"))
        return TRUE;
    }
  return FALSE;
}

char *
pt_read_entry_options (const char *text)
{
  g_autoptr(GArray) lines = NULL;
  GString *out = NULL;

  if (text == NULL)
    return NULL;
  lines = pt_split_lines (text);
  for (guint l = 0; l < lines->len; l++)
    {
      PtLine *line = &g_array_index (lines, PtLine, l);
      gsize v, e;

      if (!options_value (text, line, &v))
        continue;
      e = line->end;
      while (e > v && (text[e - 1] == ' ' || text[e - 1] == '\t'))
        e--;
      if (out == NULL)
        out = g_string_new (NULL);
      else if (e > v && out->len > 0)
        g_string_append_c (out, ' ');
      g_string_append_len (out, text + v, e - v);
    }
  return out ? g_string_free (out, FALSE) : NULL;
}

gboolean
pt_entry_uses_kernelopts (const char *text)
{
  g_autofree char *options = pt_read_entry_options (text);

  return options != NULL && words_use_kernelopts (options);
}

char *
pt_edit_entry_options (const char        *text,
                       const char *const *add,
                       const char *const *remove,
                       GError           **error)
{
  g_autoptr(GArray) lines = NULL;
  g_autoptr(GString) out = NULL;
  g_autofree char *all = NULL;
  g_autoptr(GPtrArray) missing = NULL;
  gint last = -1;

  if (text == NULL)
    text = "";
  if (!pt_edit_check_tokens (add, error))
    return NULL;
  if (pt_entry_uses_kernelopts (text))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_PARSE,
                   "This boot entry takes its kernel arguments from “$kernelopts” in grubenv; "
                   "those must be edited there instead.");
      return NULL;
    }
  lines = pt_split_lines (text);
  for (guint l = 0; l < lines->len; l++)
    {
      gsize v;
      if (options_value (text, &g_array_index (lines, PtLine, l), &v))
        last = l;
    }

  /* Removal on every options line first, so what counts as present for
   * the additions is what remains. */
  out = g_string_new (NULL);
  for (guint l = 0; l < lines->len; l++)
    {
      PtLine *line = &g_array_index (lines, PtLine, l);
      g_autofree char *region = NULL;
      gboolean changed = FALSE;
      gsize v;

      if (!options_value (text, line, &v))
        {
          g_string_append_len (out, text + line->start, line->next - line->start);
          continue;
        }
      region = edit_region (text, v, line->end, l + 1, FALSE, NULL, remove, &changed, error);
      if (region == NULL)
        return NULL;
      if (changed && region[strspn (region, " \t")] == '\0')
        {
          /* an options line we emptied (ours, from an add): drop it */
          if (line->next == line->end)
            {
              /* last line without a line ending: take the one before */
              g_string_truncate (out, out->len - pt_newline_before (out->str, out->len));
            }
          if ((gint) l == last)
            last = -2;   /* recompute below */
          continue;
        }
      g_string_append_len (out, text + line->start, v - line->start);
      g_string_append (out, region);
      g_string_append_len (out, text + line->end, line->next - line->end);
    }

  if (add == NULL || add[0] == NULL)
    return g_string_free (g_steal_pointer (&out), FALSE);

  /* Then the additions, on the last options line (BLS joins all of them). */
  {
    g_autofree char *after_remove = g_string_free (g_steal_pointer (&out), FALSE);
    g_autoptr(GArray) lines2 = pt_split_lines (after_remove);
    GString *result;

    all = pt_read_entry_options (after_remove);
    missing = pt_words_missing (all ? all : "", PT_WORDS_CMDLINE, add);
    if (missing->len == 0)
      return g_steal_pointer (&after_remove);
    g_ptr_array_add (missing, NULL);

    last = -1;
    for (guint l = 0; l < lines2->len; l++)
      {
        gsize v;
        if (options_value (after_remove, &g_array_index (lines2, PtLine, l), &v))
          last = l;
      }
    result = g_string_new (NULL);
    if (last < 0)
      {
        g_autofree char *joined = g_strjoinv (" ", (char **) missing->pdata);
        g_autofree char *line = g_strconcat ("options ", joined, NULL);
        g_string_append (result, after_remove);
        pt_append_line (result, line);
        return g_string_free (result, FALSE);
      }
    for (guint l = 0; l < lines2->len; l++)
      {
        PtLine *line = &g_array_index (lines2, PtLine, l);
        gsize v;
        g_autofree char *region = NULL;

        if ((gint) l != last || !options_value (after_remove, line, &v))
          {
            g_string_append_len (result, after_remove + line->start, line->next - line->start);
            continue;
          }
        region = edit_region (after_remove, v, line->end, l + 1, TRUE,
                              (const char *const *) missing->pdata, NULL, NULL, error);
        if (region == NULL)
          {
            g_string_free (result, TRUE);
            return NULL;
          }
        /* "options" alone on its line: one blank after the keyword */
        g_string_append_len (result, after_remove + line->start, v - line->start);
        if (v == line->end && (v == line->start || (after_remove[v - 1] != ' ' && after_remove[v - 1] != '\t')))
          g_string_append_c (result, ' ');
        g_string_append (result, region);
        g_string_append_len (result, after_remove + line->end, line->next - line->end);
      }
    return g_string_free (result, FALSE);
  }
}

/* ---- grubenv ---------------------------------------------------------------- */

#define GRUBENV_SIZE 1024
#define GRUBENV_HEADER "# GRUB Environment Block\n"

char *
pt_edit_grubenv_kernelopts (const char        *text,
                            const char *const *add,
                            const char *const *remove,
                            GError           **error)
{
  gsize len, pad_start;
  g_autoptr(GString) body = NULL;
  g_autoptr(GArray) lines = NULL;
  gboolean found = FALSE;
  g_autoptr(GString) out = NULL;

  if (text == NULL)
    text = "";
  if (!pt_edit_check_tokens (add, error))
    return NULL;
  len = strlen (text);
  if (!g_str_has_prefix (text, GRUBENV_HEADER))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_PARSE,
                   "This grubenv does not start with “# GRUB Environment Block”, so Passthrough will not edit it.");
      return NULL;
    }
  /* the '#' padding after the last line */
  pad_start = len;
  while (pad_start > 0 && text[pad_start - 1] == '#')
    pad_start--;
  if (pad_start == 0 || text[pad_start - 1] != '\n')
    {
      g_set_error (error, PT_ERROR, PT_ERROR_PARSE,
                   "This grubenv does not end in “#” padding after its last line, so Passthrough will not edit it.");
      return NULL;
    }

  body = g_string_new_len (text, pad_start);
  lines = pt_split_lines (body->str);
  out = g_string_new (NULL);
  for (guint l = 0; l < lines->len; l++)
    {
      PtLine *line = &g_array_index (lines, PtLine, l);
      g_autofree char *region = NULL;
      gboolean changed = FALSE;
      gsize v = line->start + strlen ("kernelopts=");

      if (line->end - line->start < strlen ("kernelopts=")
          || strncmp (body->str + line->start, "kernelopts=", strlen ("kernelopts=")) != 0)
        {
          g_string_append_len (out, body->str + line->start, line->next - line->start);
          continue;
        }
      if (memchr (body->str + v, '\\', line->end - v) != NULL)
        {
          g_set_error (error, PT_ERROR, PT_ERROR_PARSE,
                       "Line %u of grubenv uses escapes in kernelopts, so Passthrough will not edit it.", l + 1);
          return NULL;
        }
      region = edit_region (body->str, v, line->end, l + 1, TRUE, add, remove, &changed, error);
      if (region == NULL)
        return NULL;
      found = TRUE;
      /* kernelopts= we emptied is the one an add created: drop it */
      if (changed && *region == '\0')
        continue;
      g_string_append_len (out, body->str + line->start, v - line->start);
      g_string_append (out, region);
      g_string_append_len (out, body->str + line->end, line->next - line->end);
    }
  if (!found)
    {
      g_autoptr(GPtrArray) missing = pt_words_missing ("", PT_WORDS_CMDLINE, add);
      if (missing->len > 0)
        {
          g_autofree char *joined = NULL;
          g_ptr_array_add (missing, NULL);
          joined = g_strjoinv (" ", (char **) missing->pdata);
          g_string_append_printf (out, "kernelopts=%s\n", joined);
        }
    }
  if (out->len > GRUBENV_SIZE)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_FAILED,
                   "The new grubenv would be larger than %d bytes, which GRUB cannot read.", GRUBENV_SIZE);
      return NULL;
    }
  while (out->len < GRUBENV_SIZE)
    g_string_append_c (out, '#');
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* ---- limine.conf -------------------------------------------------------------- */

/* "cmdline:" / "kernel_cmdline:" (Limine 8+) and legacy "CMDLINE=" /
 * "KERNEL_CMDLINE=", any case, indented or not.  Each is one entry's
 * command line, so each gets the additions. */
static gboolean
limine_value (const char   *text,
              const PtLine *line,
              gsize        *vstart)
{
  static const char *const keys[] = { "kernel_cmdline", "cmdline", NULL };
  gsize i = line->start;

  while (i < line->end && (text[i] == ' ' || text[i] == '\t'))
    i++;
  for (guint k = 0; keys[k]; k++)
    {
      gsize n = strlen (keys[k]);
      gsize j = i + n;
      if (line->end - i < n + 1 || g_ascii_strncasecmp (text + i, keys[k], n) != 0)
        continue;
      while (j < line->end && (text[j] == ' ' || text[j] == '\t'))
        j++;
      if (j >= line->end || (text[j] != ':' && text[j] != '='))
        continue;
      j++;
      while (j < line->end && (text[j] == ' ' || text[j] == '\t'))
        j++;
      *vstart = j;
      return TRUE;
    }
  return FALSE;
}

char *
pt_edit_limine_conf (const char        *text,
                     const char *const *add,
                     const char *const *remove,
                     GError           **error)
{
  g_autoptr(GArray) lines = NULL;
  g_autoptr(GString) out = NULL;
  gboolean any = FALSE;

  if (text == NULL)
    text = "";
  if (!pt_edit_check_tokens (add, error))
    return NULL;
  lines = pt_split_lines (text);
  out = g_string_new (NULL);
  for (guint l = 0; l < lines->len; l++)
    {
      PtLine *line = &g_array_index (lines, PtLine, l);
      g_autofree char *region = NULL;
      gsize v;

      if (pt_line_is_comment (text, line) || !limine_value (text, line, &v))
        {
          g_string_append_len (out, text + line->start, line->next - line->start);
          continue;
        }
      any = TRUE;
      region = edit_region (text, v, line->end, l + 1, TRUE, add, remove, NULL, error);
      if (region == NULL)
        return NULL;
      g_string_append_len (out, text + line->start, v - line->start);
      g_string_append (out, region);
      g_string_append_len (out, text + line->end, line->next - line->end);
    }
  if (!any && add != NULL && add[0] != NULL)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_PARSE,
                   "This limine.conf has no “cmdline:” line, so Passthrough does not know which entry boots Linux.");
      return NULL;
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* ---- refind_linux.conf ---------------------------------------------------------- */

/* Each line: "label" "options".  Fields are blank-separated, quoted with
 * double quotes. */
static gboolean
refind_options (const char   *text,
                const PtLine *line,
                guint         line_no,
                gsize        *vstart,
                gsize        *vend,
                GError      **error)
{
  gsize i = line->start;

  while (i < line->end && (text[i] == ' ' || text[i] == '\t'))
    i++;
  if (i >= line->end || text[i] == '#')
    return FALSE;
  /* the label */
  if (text[i] == '"')
    {
      const char *q = memchr (text + i + 1, '"', line->end - i - 1);
      if (q == NULL)
        {
          g_set_error (error, PT_ERROR, PT_ERROR_PARSE,
                       "Line %u has a quote that is never closed, so Passthrough will not edit it; "
                       "please fix that line by hand.", line_no);
          return FALSE;
        }
      i = (gsize) (q - text) + 1;
    }
  else
    while (i < line->end && text[i] != ' ' && text[i] != '\t')
      i++;
  while (i < line->end && (text[i] == ' ' || text[i] == '\t'))
    i++;
  if (i >= line->end || text[i] == '#')
    return FALSE;   /* a label without options */
  if (text[i] != '"')
    {
      g_set_error (error, PT_ERROR, PT_ERROR_PARSE,
                   "Line %u has options that are not in double quotes, so Passthrough will not edit it; "
                   "please quote them by hand.", line_no);
      return FALSE;
    }
  {
    const char *q = memchr (text + i + 1, '"', line->end - i - 1);
    if (q == NULL)
      {
        g_set_error (error, PT_ERROR, PT_ERROR_PARSE,
                     "Line %u has a quote that is never closed, so Passthrough will not edit it; "
                     "please fix that line by hand.", line_no);
        return FALSE;
      }
    *vstart = i + 1;
    *vend = (gsize) (q - text);
  }
  return TRUE;
}

char *
pt_edit_refind_linux_conf (const char        *text,
                           const char *const *add,
                           const char *const *remove,
                           GError           **error)
{
  g_autoptr(GArray) lines = NULL;
  g_autoptr(GString) out = NULL;
  gboolean any = FALSE;

  if (text == NULL)
    text = "";
  if (!pt_edit_check_tokens (add, error))
    return NULL;
  lines = pt_split_lines (text);
  out = g_string_new (NULL);
  for (guint l = 0; l < lines->len; l++)
    {
      PtLine *line = &g_array_index (lines, PtLine, l);
      g_autofree char *region = NULL;
      gsize v = 0, e = 0;
      GError *local = NULL;

      if (!refind_options (text, line, l + 1, &v, &e, &local))
        {
          if (local != NULL)
            {
              g_propagate_error (error, local);
              return NULL;
            }
          g_string_append_len (out, text + line->start, line->next - line->start);
          continue;
        }
      any = TRUE;
      region = edit_region (text, v, e, l + 1, TRUE, add, remove, NULL, error);
      if (region == NULL)
        return NULL;
      g_string_append_len (out, text + line->start, v - line->start);
      g_string_append (out, region);
      g_string_append_len (out, text + e, line->next - e);
    }
  if (!any && add != NULL && add[0] != NULL)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_PARSE,
                   "This refind_linux.conf has no line with options, so Passthrough does not know where to add them.");
      return NULL;
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}
