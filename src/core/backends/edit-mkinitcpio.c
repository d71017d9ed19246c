/* edit-mkinitcpio.c: MODULES in /etc/mkinitcpio.conf.
 *
 * mkinitcpio sources the file with bash.  Today's syntax is an array,
 * MODULES=(…), which may span lines and hold comments; before 2017 (and in
 * many copied configs since) it was a string, MODULES="…".  Both are read;
 * the last live assignment wins and MODULES+=(…) extends it.  vfio modules
 * must load before a GPU driver listed there, or that driver claims the
 * card first, so additions go in front of the first GPU driver.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "pt-edit.h"
#include "pt-edit-private.h"
#include "pt-error.h"

#define MODULES_VAR "MODULES"

static gboolean
is_space_tab (char c)
{
  return c == ' ' || c == '\t';
}

/* Removes the element at [s, e) of @buf (which holds "( … )") with the
 * blanks that separated it, so that an insert and a removal cancel out. */
static void
array_erase_element (GString *buf,
                     gsize    s,
                     gsize    e)
{
  gsize p = s, q = e;
  const char *b = buf->str;

  while (p > 0 && is_space_tab (b[p - 1]))
    p--;
  if (p > 0 && b[p - 1] != '\n' && b[p - 1] != '\r' && b[p - 1] != '(')
    {
      /* another element before it on this line */
      g_string_erase (buf, p, e - p);
      return;
    }
  while (q < buf->len && is_space_tab (b[q]))
    q++;
  if (p > 0 && b[p - 1] == '(' && q < buf->len && b[q] == '#')
    {
      /* "(word # comment": the comment moves up to the '(' again, as it
       * was before an insert into "(# comment" */
      g_string_erase (buf, s, q - s);
      return;
    }
  if (q < buf->len && b[q] != '\n' && b[q] != '\r' && b[q] != ')' && b[q] != '#')
    {
      /* first on its line, another element follows */
      g_string_erase (buf, s, q - s);
      return;
    }
  if (p > 0 && b[p - 1] == '\n' && q < buf->len && (b[q] == '\n' || b[q] == '\r'))
    {
      /* alone on its line: the line goes */
      if (b[q] == '\r')
        q++;
      if (q < buf->len && b[q] == '\n')
        q++;
      g_string_erase (buf, p, q - p);
      return;
    }
  g_string_erase (buf, s, e - s);
}

static gboolean
module_in (const char        *module,
           const char *const *list)
{
  for (gsize i = 0; list != NULL && list[i] != NULL; i++)
    if (pt_words_equivalent (PT_WORDS_MODULES, module, list[i]))
      return TRUE;
  return FALSE;
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

static char *
apply_replacements (const char *text,
                    GArray     *reps)
{
  GString *out = g_string_new (text);

  for (guint i = reps->len; i > 0; i--)
    {
      Replacement *r = &g_array_index (reps, Replacement, i - 1);
      g_string_erase (out, r->start, r->end - r->start);
      g_string_insert (out, r->start, r->text);
    }
  return g_string_free (out, FALSE);
}

static void
whole_line_range (const char    *text,
                  PtShellAssign *a,
                  gsize          line_next,
                  gsize          line_end,
                  gsize         *s,
                  gsize         *e)
{
  *s = a->line_start;
  *e = line_next;
  if (line_next == line_end)
    {
      *e = line_end;
      *s -= pt_newline_before (text, *s);
    }
}

/* The line that ends an array assignment (where ')' is). */
static void
array_line_end (const char *text,
                gsize       close,
                gsize      *end,
                gsize      *next)
{
  gsize i = close;

  while (text[i] != '\0' && text[i] != '\n')
    i++;
  *next = text[i] == '\n' ? i + 1 : i;
  *end = (i > close && text[i - 1] == '\r') ? i - 1 : i;
}

GStrv
pt_read_mkinitcpio_modules (const char *text,
                            GError    **error)
{
  g_autoptr(GPtrArray) assigns = pt_shell_find_assigns (text ? text : "", MODULES_VAR, TRUE, error);
  g_autofree char *all = NULL;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) words = NULL;

  if (assigns == NULL)
    return NULL;
  all = pt_shell_accumulate (assigns, assigns->len, MODULES_VAR);
  words = g_strsplit_set (all, PT_MODULE_BLANKS, -1);
  for (guint i = 0; words[i]; i++)
    if (*words[i])
      g_strv_builder_add (builder, words[i]);
  return g_strv_builder_end (builder);
}

char *
pt_edit_mkinitcpio_modules (const char        *text,
                            const char *const *add,
                            const char *const *remove,
                            GError           **error)
{
  g_autoptr(GPtrArray) assigns = NULL;
  g_autoptr(GArray) reps = g_array_new (FALSE, FALSE, sizeof (Replacement));
  g_autofree char *removed = NULL;
  g_autofree char *present = NULL;
  g_autoptr(GPtrArray) missing = NULL;
  g_autofree char *joined = NULL;

  g_array_set_clear_func (reps, replacement_clear);
  if (text == NULL)
    text = "";
  if (!pt_edit_check_modules (add, error))
    return NULL;

  /* 1. removal, from every live assignment */
  assigns = pt_shell_find_assigns (text, MODULES_VAR, TRUE, error);
  if (assigns == NULL)
    return NULL;
  for (guint i = 0; i < assigns->len && remove != NULL && remove[0] != NULL; i++)
    {
      PtShellAssign *a = g_ptr_array_index (assigns, i);
      Replacement r = { 0, 0, NULL };
      gboolean changed = FALSE;
      gboolean empty;

      if (a->array)
        {
          GString *buf = g_string_new_len (text + a->open_paren, a->value_end - a->open_paren);
          for (guint k = a->elements->len; k > 0; k--)
            {
              PtArrayElement *el = g_ptr_array_index (a->elements, k - 1);
              if (!module_in (el->word, remove))
                continue;
              array_erase_element (buf, el->start - a->open_paren, el->end - a->open_paren);
              changed = TRUE;
            }
          empty = TRUE;
          for (guint k = 0; k < a->elements->len; k++)
            if (!module_in (((PtArrayElement *) g_ptr_array_index (a->elements, k))->word, remove))
              empty = FALSE;
          r.start = a->open_paren;
          r.end = a->value_end;
          r.text = g_string_free (buf, FALSE);
          if (changed && empty && a->marked)
            {
              gsize end, next;
              g_free (r.text);
              array_line_end (text, a->close_paren, &end, &next);
              whole_line_range (text, a, next, end, &r.start, &r.end);
              r.text = g_strdup ("");
            }
        }
      else
        {
          g_autofree char *flat = NULL;
          pt_word_value_remove (a->value, PT_WORDS_MODULES, remove, &changed);
          flat = pt_word_value_flatten (a->value);
          empty = flat[strspn (flat, " \t")] == '\0';
          if (changed && empty && a->marked)
            {
              whole_line_range (text, a, a->line_next, a->line_end, &r.start, &r.end);
              r.text = g_strdup ("");
            }
          else
            {
              r.start = a->value_start;
              r.end = a->value_end;
              r.text = pt_word_value_render (a->value);
            }
        }
      if (changed)
        g_array_append_val (reps, r);
      else
        g_free (r.text);
    }
  removed = apply_replacements (text, reps);
  g_clear_pointer (&assigns, g_ptr_array_unref);
  if (add == NULL || add[0] == NULL)
    return g_steal_pointer (&removed);

  /* 2. additions, to the last assignment */
  assigns = pt_shell_find_assigns (removed, MODULES_VAR, TRUE, error);
  if (assigns == NULL)
    return NULL;
  present = pt_shell_accumulate (assigns, assigns->len, MODULES_VAR);
  missing = pt_words_missing (present, PT_WORDS_MODULES, add);
  if (missing->len == 0)
    return g_steal_pointer (&removed);
  g_ptr_array_add (missing, NULL);
  joined = g_strjoinv (" ", (char **) missing->pdata);

  if (assigns->len == 0)
    {
      GString *out = g_string_new (removed);
      g_autofree char *line = g_strdup_printf (MODULES_VAR "=(%s)  " PT_EDIT_MARKER, joined);
      pt_append_line (out, line);
      return g_string_free (out, FALSE);
    }
  else
    {
      PtShellAssign *last = g_ptr_array_index (assigns, assigns->len - 1);
      GString *out = g_string_new (removed);

      if (last->array)
        {
          PtArrayElement *gpu = NULL;
          for (guint k = 0; k < last->elements->len && gpu == NULL; k++)
            {
              PtArrayElement *el = g_ptr_array_index (last->elements, k);
              if (pt_module_is_gpu_driver (el->word))
                gpu = el;
            }
          if (gpu != NULL)
            {
              /* After the element before it on the same line, so that the
               * blanks between the two stay as they were (and removal,
               * which takes the blanks before a word, undoes it exactly);
               * or, first on its line, right in front of it. */
              gsize p = gpu->start;
              while (p > 0 && is_space_tab (removed[p - 1]))
                p--;
              if (p > 0 && removed[p - 1] != '\n' && removed[p - 1] != '\r' && removed[p - 1] != '(')
                {
                  g_autofree char *ins = g_strconcat (" ", joined, NULL);
                  g_string_insert (out, p, ins);
                }
              else
                {
                  g_autofree char *ins = g_strconcat (joined, " ", NULL);
                  g_string_insert (out, gpu->start, ins);
                }
            }
          else if (last->elements->len > 0)
            {
              PtArrayElement *el = g_ptr_array_index (last->elements, last->elements->len - 1);
              g_autofree char *ins = g_strconcat (" ", joined, NULL);
              g_string_insert (out, el->end, ins);
            }
          else
            {
              /* "(# a comment": bash reads '#' as a comment only at a
               * word's start, so ours must not run into it */
              g_autofree char *ins = g_strconcat (joined, removed[last->open_paren + 1] == '#' ? " " : "", NULL);
              g_string_insert (out, last->open_paren + 1, ins);
            }
        }
      else
        {
          g_autofree char *rendered = NULL;
          g_free (last->value->prefix);
          last->value->prefix = last->append
            ? pt_shell_accumulate (assigns, assigns->len - 1, MODULES_VAR) : g_strdup ("");
          pt_word_value_insert (last->value, PT_WORDS_MODULES,
                                (const char *const *) missing->pdata, TRUE);
          rendered = pt_word_value_render (last->value);
          g_string_erase (out, last->value_start, last->value_end - last->value_start);
          g_string_insert (out, last->value_start, rendered);
        }
      return g_string_free (out, FALSE);
    }
}
