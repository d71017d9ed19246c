/* edit-shell.c: assignments in files a root shell sources.
 *
 * /etc/default/grub, /etc/default/limine and /etc/mkinitcpio.conf are read
 * by "source" in a root shell, so we read them the way the shell would and
 * refuse anything whose meaning we would have to guess: command
 * substitution, backslashes, quotes left open, a command after the
 * assignment.  Commented-out lines are not assignments.  The last live
 * assignment wins; NAME+= appends; "$NAME" refers to the value before.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "pt-cmdline.h"
#include "pt-edit.h"
#include "pt-edit-private.h"
#include "pt-error.h"

static void
array_element_free (PtArrayElement *el)
{
  g_free (el->word);
  g_free (el);
}

void
pt_shell_assign_free (PtShellAssign *assign)
{
  if (assign == NULL)
    return;
  pt_word_value_free (assign->value);
  if (assign->elements)
    g_ptr_array_unref (assign->elements);
  g_free (assign);
}

static gboolean
is_space_tab (char c)
{
  return c == ' ' || c == '\t';
}

static gboolean
parse_fail (GError   **error,
            guint      line_no,
            const char *what)
{
  g_set_error (error, PT_ERROR, PT_ERROR_PARSE,
               "Line %u %s, so Passthrough will not edit this file; "
               "please simplify that line by hand.", line_no, what);
  return FALSE;
}

/* '$' is fine when a variable name follows ($NAME, ${NAME}); "$(" and
 * "$((" run commands, and the rest we do not try to understand. */
static gboolean
dollar_ok (const char *p,
           const char *end)
{
  if (p + 1 >= end)
    return FALSE;
  if (p[1] == '{')
    {
      for (const char *q = p + 2; q < end; q++)
        {
          if (*q == '}')
            return q > p + 2;
          if (!(g_ascii_isalnum (*q) || *q == '_' || *q == '[' || *q == ']' || *q == '@' || *q == '*'))
            return FALSE;
        }
      return FALSE;
    }
  return g_ascii_isalpha (p[1]) || p[1] == '_';
}

/* Parses the shell word at @start (up to @line_end) into segments. */
static gboolean
parse_word (const char   *text,
            gsize         start,
            gsize         line_end,
            guint         line_no,
            PtWordValue **out_value,
            gsize        *out_end,
            GError      **error)
{
  g_autoptr(GString) unquoted = g_string_new (NULL);
  PtWordValue *value = pt_word_value_new (TRUE);
  gsize i = start;

  while (i < line_end)
    {
      char c = text[i];

      if (c == '"' || c == '\'')
        {
          gsize j = i + 1;
          if (unquoted->len > 0)
            {
              pt_word_value_append (value, 0, unquoted->str, unquoted->len);
              g_string_truncate (unquoted, 0);
            }
          while (j < line_end && text[j] != c)
            {
              if (c == '"' && (text[j] == '\\' || text[j] == '`'))
                {
                  pt_word_value_free (value);
                  return parse_fail (error, line_no, "uses a backslash or backquote inside double quotes");
                }
              if (c == '"' && text[j] == '$' && !dollar_ok (text + j, text + line_end))
                {
                  pt_word_value_free (value);
                  return parse_fail (error, line_no, "uses “$” in a way that runs a command or that Passthrough cannot follow");
                }
              j++;
            }
          if (j >= line_end)
            {
              pt_word_value_free (value);
              return parse_fail (error, line_no, "has a quote that is never closed");
            }
          pt_word_value_append (value, c, text + i + 1, j - i - 1);
          i = j + 1;
          continue;
        }
      if (is_space_tab (c) || c == ';' || c == '&' || c == '|' || c == '<' || c == '>'
          || c == '\r')
        break;
      if (c == '\\' || c == '`' || c == '(' || c == ')')
        {
          pt_word_value_free (value);
          return parse_fail (error, line_no, "uses a backslash, backquote or parenthesis in the value");
        }
      if (c == '$' && !dollar_ok (text + i, text + line_end))
        {
          pt_word_value_free (value);
          return parse_fail (error, line_no, "uses “$” in a way that runs a command or that Passthrough cannot follow");
        }
      g_string_append_c (unquoted, c);
      i++;
    }
  if (unquoted->len > 0)
    pt_word_value_append (value, 0, unquoted->str, unquoted->len);
  *out_value = value;
  *out_end = i;
  return TRUE;
}

/* Parses NAME=( … ) from the '(' at @open; the array may span lines and
 * hold comments.  Sets the elements and the offset of ')'. */
static gboolean
parse_array (const char    *text,
             gsize          open,
             guint          line_no,
             PtShellAssign *assign,
             GError       **error)
{
  gsize len = strlen (text);
  gsize i = open + 1;

  assign->elements = g_ptr_array_new_with_free_func ((GDestroyNotify) array_element_free);
  while (i < len)
    {
      char c = text[i];

      if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
        {
          i++;
          continue;
        }
      if (c == '#')
        {
          while (i < len && text[i] != '\n')
            i++;
          continue;
        }
      if (c == ')')
        {
          assign->close_paren = i;
          return TRUE;
        }
      /* An element: a shell word, possibly quoted in parts. */
      {
        GString *word = g_string_new (NULL);
        PtArrayElement *el = g_new0 (PtArrayElement, 1);

        el->start = i;
        while (i < len)
          {
            c = text[i];
            if (c == '"' || c == '\'')
              {
                gsize j = i + 1;
                while (j < len && text[j] != c && text[j] != '\n')
                  {
                    if (c == '"' && (text[j] == '\\' || text[j] == '`' || text[j] == '$'))
                      break;
                    j++;
                  }
                if (j >= len || text[j] != c)
                  {
                    g_string_free (word, TRUE);
                    array_element_free (el);
                    return parse_fail (error, line_no, "starts a list whose quotes Passthrough cannot follow");
                  }
                g_string_append_len (word, text + i + 1, j - i - 1);
                i = j + 1;
                continue;
              }
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ')')
              break;
            if (c == '\\' || c == '`' || c == '$' || c == '(' || c == ';' || c == '&' || c == '|'
                || c == '<' || c == '>')
              {
                g_string_free (word, TRUE);
                array_element_free (el);
                return parse_fail (error, line_no, "starts a list with an element Passthrough cannot follow (“$”, “\\”, “(” or a command)");
              }
            g_string_append_c (word, c);
            i++;
          }
        el->end = i;
        el->word = g_string_free (word, FALSE);
        g_ptr_array_add (assign->elements, el);
      }
    }
  return parse_fail (error, line_no, "opens a list with “(” that is never closed");
}

/* Does the line at [start, end) assign @name?  Returns the offset after
 * '=' and whether it is "+=". */
static gboolean
match_assignment (const char *text,
                  gsize       start,
                  gsize       end,
                  const char *name,
                  gsize      *value_start,
                  gboolean   *append)
{
  gsize i = start;
  gsize n = strlen (name);

  while (i < end && is_space_tab (text[i]))
    i++;
  if (end - i > 7 && strncmp (text + i, "export", 6) == 0 && is_space_tab (text[i + 6]))
    {
      i += 6;
      while (i < end && is_space_tab (text[i]))
        i++;
    }
  if (end - i < n + 1 || strncmp (text + i, name, n) != 0)
    return FALSE;
  i += n;
  *append = FALSE;
  if (text[i] == '+' && i + 1 < end && text[i + 1] == '=')
    {
      *append = TRUE;
      i++;
    }
  if (text[i] != '=')
    return FALSE;
  *value_start = i + 1;
  return TRUE;
}

/* What may follow the value on its line: blanks, then nothing, a comment
 * or ';'. */
static gboolean
rest_ok (const char *text,
         gsize       i,
         gsize       end,
         gboolean   *marked)
{
  gsize j = i;

  while (j < end && is_space_tab (text[j]))
    j++;
  *marked = FALSE;
  if (j == end || text[j] == ';')
    return TRUE;
  if (text[j] == '#' && j > i)
    {
      *marked = (end - j == strlen (PT_EDIT_MARKER)
                 && strncmp (text + j, PT_EDIT_MARKER, end - j) == 0);
      return TRUE;
    }
  return FALSE;
}

GPtrArray *
pt_shell_find_assigns (const char *text,
                       const char *name,
                       gboolean    allow_arrays,
                       GError    **error)
{
  g_autoptr(GArray) lines = pt_split_lines (text);
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) pt_shell_assign_free);
  gsize skip_until = 0;

  for (guint l = 0; l < lines->len; l++)
    {
      PtLine *line = &g_array_index (lines, PtLine, l);
      PtShellAssign *assign;
      gsize vstart;
      gboolean append;

      if (line->start < skip_until)
        continue;
      if (pt_line_is_comment (text, line))
        continue;
      if (!match_assignment (text, line->start, line->end, name, &vstart, &append))
        continue;

      assign = g_new0 (PtShellAssign, 1);
      assign->line_no = l + 1;
      assign->line_start = line->start;
      assign->line_end = line->end;
      assign->line_next = line->next;
      assign->value_start = vstart;
      assign->append = append;
      g_ptr_array_add (out, assign);

      if (vstart < line->end && text[vstart] == '(')
        {
          gsize close_line_end;
          if (!allow_arrays)
            {
              parse_fail (error, l + 1, "makes a list with “(” where one value was expected");
              return NULL;
            }
          assign->array = TRUE;
          assign->open_paren = vstart;
          if (!parse_array (text, vstart, l + 1, assign, error))
            return NULL;
          assign->value_end = assign->close_paren + 1;
          /* the line that holds ')' */
          close_line_end = assign->close_paren;
          while (text[close_line_end] != '\0' && text[close_line_end] != '\n')
            close_line_end++;
          if (close_line_end > 0 && text[close_line_end - 1] == '\r' && close_line_end - 1 >= assign->value_end)
            close_line_end--;
          if (!rest_ok (text, assign->value_end, close_line_end, &assign->marked))
            {
              parse_fail (error, l + 1, "has something after the list that Passthrough cannot follow");
              return NULL;
            }
          skip_until = assign->value_end;
          continue;
        }

      if (!parse_word (text, vstart, line->end, l + 1, &assign->value, &assign->value_end, error))
        return NULL;
      if (!rest_ok (text, assign->value_end, line->end, &assign->marked))
        {
          parse_fail (error, l + 1, "has more than one value or a command after the value");
          return NULL;
        }
    }
  return g_steal_pointer (&out);
}

static char *
expand_text (const char *s,
             gsize       len,
             const char *name,
             const char *previous)
{
  GString *out = g_string_new (NULL);
  g_autofree char *plain = g_strconcat ("$", name, NULL);
  g_autofree char *braced = g_strconcat ("${", name, "}", NULL);
  gsize i = 0;

  while (i < len)
    {
      gsize pl = strlen (plain), bl = strlen (braced);
      if (len - i >= bl && strncmp (s + i, braced, bl) == 0)
        {
          g_string_append (out, previous);
          i += bl;
        }
      else if (len - i >= pl && strncmp (s + i, plain, pl) == 0
               && (i + pl == len || !(g_ascii_isalnum (s[i + pl]) || s[i + pl] == '_')))
        {
          g_string_append (out, previous);
          i += pl;
        }
      else
        g_string_append_c (out, s[i++]);
    }
  return g_string_free (out, FALSE);
}

char *
pt_shell_expand (PtShellAssign *assign,
                 const char    *name,
                 const char    *previous)
{
  GString *out = g_string_new (NULL);

  if (assign->array)
    {
      for (guint i = 0; i < assign->elements->len; i++)
        {
          PtArrayElement *el = g_ptr_array_index (assign->elements, i);
          if (out->len > 0)
            g_string_append_c (out, ' ');
          g_string_append (out, el->word);
        }
      return g_string_free (out, FALSE);
    }
  for (guint i = 0; i < assign->value->segments->len; i++)
    {
      PtSegment *seg = g_ptr_array_index (assign->value->segments, i);
      if (seg->quote == '\'')
        g_string_append_len (out, seg->text->str, seg->text->len);
      else
        {
          g_autofree char *e = expand_text (seg->text->str, seg->text->len, name, previous);
          g_string_append (out, e);
        }
    }
  return g_string_free (out, FALSE);
}

/* The accumulated value after assignments [0, upto). */
char *
pt_shell_accumulate (GPtrArray  *assigns,
            guint       upto,
            const char *name)
{
  char *cur = g_strdup ("");

  for (guint i = 0; i < upto; i++)
    {
      PtShellAssign *a = g_ptr_array_index (assigns, i);
      g_autofree char *e = pt_shell_expand (a, name, cur);
      char *next = a->append ? g_strconcat (cur, a->array && *cur && *e ? " " : "", e, NULL)
                             : g_strdup (e);
      g_free (cur);
      cur = next;
    }
  return cur;
}

static gboolean
valid_variable_name (const char *name)
{
  if (name == NULL || !(g_ascii_isalpha (*name) || *name == '_'))
    return FALSE;
  for (const char *p = name; *p; p++)
    if (!(g_ascii_isalnum (*p) || *p == '_' || *p == '[' || *p == ']'))
      return FALSE;
  return TRUE;
}

typedef struct
{
  gsize start, end;
  char *text;
} Replacement;

static void
replacement_clear (gpointer p)
{
  g_free (((Replacement *) p)->text);
}

/* Applies non-overlapping replacements (in any order) to @text. */
static char *
apply_replacements (const char *text,
                    GArray     *reps)
{
  GString *out = g_string_new (text);

  for (guint i = reps->len; i > 0; i--)
    {
      /* callers add them in file order, so apply from the end */
      Replacement *r = &g_array_index (reps, Replacement, i - 1);
      g_string_erase (out, r->start, r->end - r->start);
      g_string_insert (out, r->start, r->text);
    }
  return g_string_free (out, FALSE);
}

static gboolean
all_blank (const char *s)
{
  for (; *s; s++)
    if (!g_ascii_isspace (*s))
      return FALSE;
  return TRUE;
}

/* The words @name's assignments in @text put on the command line, with
 * @companion's (see shell_edit) in the order the boot joins them. */
static char *
command_line_of (const char *text,
                 GPtrArray  *assigns,
                 const char *name,
                 const char *companion)
{
  char *present = pt_shell_accumulate (assigns, assigns->len, name);
  g_autoptr(GPtrArray) other = NULL;

  if (companion == NULL)
    return present;
  other = pt_shell_find_assigns (text, companion, FALSE, NULL);
  if (other != NULL && other->len > 0)
    {
      g_autofree char *words = pt_shell_accumulate (other, other->len, companion);
      char *both = g_str_equal (companion, "GRUB_CMDLINE_LINUX") ?
                   g_strconcat (words, " ", present, NULL) : g_strconcat (present, " ", words, NULL);
      g_free (present);
      present = both;
    }
  return present;
}

static gboolean
words_take_effect (const char        *result,
                   const char        *name,
                   const char        *companion,
                   PtWordKind         kind,
                   const char *const *add,
                   GError           **error)
{
  g_autoptr(GPtrArray) assigns = pt_shell_find_assigns (result, name, FALSE, error);
  g_autofree char *line = NULL;
  g_autoptr(GPtrArray) hidden = NULL;

  if (assigns == NULL)
    return FALSE;
  line = command_line_of (result, assigns, name, companion);
  hidden = pt_words_missing (line, kind, add);
  if (hidden->len == 0)
    return TRUE;
  g_set_error (error, PT_ERROR, PT_ERROR_PARSE,
               "“%s” would not reach the kernel through %s: the command line %s%s%s makes holds an "
               "unmatched quote, or a later value of the same parameter, which would hide it. "
               "Correct that line first.",
               (const char *) g_ptr_array_index (hidden, 0), name, name,
               companion ? " with " : "", companion ? companion : "");
  return FALSE;
}

/* The editor behind every single-value shell assignment.  @companion, when
 * set, is another variable that ends up on the same command line (GRUB puts
 * GRUB_CMDLINE_LINUX before GRUB_CMDLINE_LINUX_DEFAULT on the default
 * entry): what it already carries is not added a second time. */
static char *
shell_edit (const char        *text,
            const char        *name,
            const char        *companion,
            PtWordKind         kind,
            gboolean           before_gpu,
            const char *const *add,
            const char *const *remove,
            GError           **error)
{
  g_autoptr(GPtrArray) assigns = NULL;
  g_autoptr(GArray) reps = g_array_new (FALSE, FALSE, sizeof (Replacement));
  g_autofree char *removed = NULL;
  g_autofree char *present = NULL;
  g_autoptr(GPtrArray) missing = NULL;
  g_autofree char *result = NULL;

  g_array_set_clear_func (reps, replacement_clear);
  if (text == NULL)
    text = "";

  /* 1. remove from every live assignment */
  assigns = pt_shell_find_assigns (text, name, FALSE, error);
  if (assigns == NULL)
    return NULL;
  for (guint i = 0; i < assigns->len; i++)
    {
      PtShellAssign *a = g_ptr_array_index (assigns, i);
      gboolean changed = FALSE;
      Replacement r;
      g_autofree char *flat = NULL;

      pt_word_value_remove (a->value, kind, remove, &changed);
      if (!changed)
        continue;
      flat = pt_word_value_flatten (a->value);
      if (a->marked && all_blank (flat))
        {
          /* our own line, now empty: take it away again */
          gsize s = a->line_start, e = a->line_next;
          if (a->line_next == a->line_end)
            {
              /* last line without a line ending: take the one before */
              e = a->line_end;
              s -= pt_newline_before (text, s);
            }
          r.start = s;
          r.end = e;
          r.text = g_strdup ("");
        }
      else
        {
          r.start = a->value_start;
          r.end = a->value_end;
          r.text = pt_word_value_render (a->value);
        }
      g_array_append_val (reps, r);
    }
  removed = apply_replacements (text, reps);
  g_clear_pointer (&assigns, g_ptr_array_unref);

  if (add == NULL || add[0] == NULL)
    return g_steal_pointer (&removed);

  /* 2. add to the last one, unless already there */
  assigns = pt_shell_find_assigns (removed, name, FALSE, error);
  if (assigns == NULL)
    return NULL;
  present = command_line_of (removed, assigns, name, companion);
  missing = pt_words_missing (present, kind, add);
  if (missing->len == 0)
    return g_steal_pointer (&removed);
  g_ptr_array_add (missing, NULL);

  if (assigns->len == 0)
    {
      GString *out = g_string_new (removed);
      g_autofree char *joined = g_strjoinv (" ", (char **) missing->pdata);
      g_autofree char *line = g_strdup_printf ("%s=\"%s\"  " PT_EDIT_MARKER, name, joined);
      pt_append_line (out, line);
      result = g_string_free (out, FALSE);
    }
  else
    {
      PtShellAssign *last = g_ptr_array_index (assigns, assigns->len - 1);
      g_autofree char *rendered = NULL;
      GString *out = g_string_new (removed);

      g_free (last->value->prefix);
      last->value->prefix = last->append ? pt_shell_accumulate (assigns, assigns->len - 1, name) : g_strdup ("");
      pt_word_value_insert (last->value, kind, (const char *const *) missing->pdata, before_gpu);
      rendered = pt_word_value_render (last->value);
      g_string_erase (out, last->value_start, last->value_end - last->value_start);
      g_string_insert (out, last->value_start, rendered);
      result = g_string_free (out, FALSE);
    }

  /* 3. read the result as the boot will: an unmatched quote in what is
   * there, or a later value of the same parameter in the companion (only
   * the last vfio-pci.ids counts), would hide what we added.  Say so
   * rather than add it again at every apply. */
  if (!words_take_effect (result, name, companion, kind, add, error))
    return NULL;
  return g_steal_pointer (&result);
}

static char *
shell_read (const char *text,
            const char *name)
{
  g_autoptr(GPtrArray) assigns = pt_shell_find_assigns (text ? text : "", name, FALSE, NULL);

  if (assigns == NULL || assigns->len == 0)
    return NULL;
  return pt_shell_accumulate (assigns, assigns->len, name);
}

char *
pt_read_shell_words (const char *text,
                     const char *name)
{
  if (!valid_variable_name (name))
    return NULL;
  return shell_read (text, name);
}

char *
pt_read_shell_array (const char *text,
                     const char *name)
{
  g_autoptr(GPtrArray) assigns = NULL;

  if (!valid_variable_name (name))
    return NULL;
  assigns = pt_shell_find_assigns (text ? text : "", name, TRUE, NULL);
  if (assigns == NULL || assigns->len == 0)
    return NULL;
  return pt_shell_accumulate (assigns, assigns->len, name);
}

/* ---- /etc/default/grub ---------------------------------------------------- */

char *
pt_edit_grub_default (const char        *text,
                      const char        *variable,
                      const char *const *add,
                      const char *const *remove,
                      GError           **error)
{
  const char *name = variable ? variable : "GRUB_CMDLINE_LINUX_DEFAULT";

  if (!valid_variable_name (name))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_ARGS,
                   "“%s” is not a shell variable name.", name);
      return NULL;
    }
  if (!pt_edit_check_tokens (add, error))
    return NULL;
  return shell_edit (text, name,
                     g_str_equal (name, "GRUB_CMDLINE_LINUX_DEFAULT") ? "GRUB_CMDLINE_LINUX" :
                     g_str_equal (name, "GRUB_CMDLINE_LINUX") ? "GRUB_CMDLINE_LINUX_DEFAULT" : NULL,
                     PT_WORDS_CMDLINE, FALSE, add, remove, error);
}

char *
pt_read_grub_default (const char *text,
                      const char *variable)
{
  const char *name = variable ? variable : "GRUB_CMDLINE_LINUX_DEFAULT";

  if (!valid_variable_name (name))
    return NULL;
  return shell_read (text, name);
}

/* ---- /etc/default/limine ---------------------------------------------------- */

/* limine-entry-tool (Arch, CachyOS) builds each entry's cmdline from
 * KERNEL_CMDLINE[default], set with = or extended with +=. */
#define LIMINE_DEFAULT_VAR "KERNEL_CMDLINE[default]"

char *
pt_edit_default_limine (const char        *text,
                        const char *const *add,
                        const char *const *remove,
                        GError           **error)
{
  if (!pt_edit_check_tokens (add, error))
    return NULL;
  return shell_edit (text, LIMINE_DEFAULT_VAR, NULL, PT_WORDS_CMDLINE, FALSE, add, remove, error);
}

char *
pt_read_default_limine (const char *text)
{
  return shell_read (text, LIMINE_DEFAULT_VAR);
}

