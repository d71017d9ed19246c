/* pt-diff.c: a small line diff (longest common subsequence over the part
 * between the common head and tail, which is all a plan ever changes).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "pt-diff.h"

typedef struct
{
  char   op;       /* ' ', '-', '+' */
  guint  a;        /* line index in before (for ' ' and '-') */
  guint  b;        /* line index in after (for ' ' and '+') */
} Edit;

/* Splits keeping a note of whether the last line ended with a newline. */
static GPtrArray *
split_lines (const char *text,
             gboolean   *missing_newline)
{
  GPtrArray *lines = g_ptr_array_new_with_free_func (g_free);
  const char *p = text;

  *missing_newline = FALSE;
  if (text == NULL)
    return lines;
  while (*p != '\0')
    {
      const char *nl = strchr (p, '\n');
      if (nl == NULL)
        {
          g_ptr_array_add (lines, g_strdup (p));
          *missing_newline = TRUE;
          break;
        }
      g_ptr_array_add (lines, g_strndup (p, nl - p));
      p = nl + 1;
    }
  return lines;
}

#define LINE(arr, i) ((const char *) g_ptr_array_index ((arr), (i)))

static GArray *
compute_edits (GPtrArray *a,
               GPtrArray *b)
{
  GArray *edits = g_array_new (FALSE, FALSE, sizeof (Edit));
  guint head = 0, tail = 0, n, m;
  guint32 *table;

  while (head < a->len && head < b->len && g_str_equal (LINE (a, head), LINE (b, head)))
    head++;
  while (tail < a->len - head && tail < b->len - head &&
         g_str_equal (LINE (a, a->len - 1 - tail), LINE (b, b->len - 1 - tail)))
    tail++;
  n = a->len - head - tail;
  m = b->len - head - tail;

  for (guint i = 0; i < head; i++)
    g_array_append_val (edits, ((Edit) { ' ', i, i }));

  /* LCS lengths of the suffixes of the middle parts. */
  table = g_new0 (guint32, (gsize) (n + 1) * (m + 1));
#define T(i, j) table[(gsize) (i) * (m + 1) + (j)]
  for (guint i = n; i-- > 0;)
    for (guint j = m; j-- > 0;)
      T (i, j) = g_str_equal (LINE (a, head + i), LINE (b, head + j)) ?
                 T (i + 1, j + 1) + 1 : MAX (T (i + 1, j), T (i, j + 1));
  {
    guint i = 0, j = 0;
    while (i < n || j < m)
      {
        if (i < n && j < m && g_str_equal (LINE (a, head + i), LINE (b, head + j)))
          {
            g_array_append_val (edits, ((Edit) { ' ', head + i, head + j }));
            i++, j++;
          }
        else if (i < n && (j >= m || T (i + 1, j) >= T (i, j + 1)))
          {
            g_array_append_val (edits, ((Edit) { '-', head + i, head + j }));
            i++;
          }
        else
          {
            g_array_append_val (edits, ((Edit) { '+', head + i, head + j }));
            j++;
          }
      }
  }
#undef T
  g_free (table);

  for (guint k = 0; k < tail; k++)
    g_array_append_val (edits, ((Edit) { ' ', a->len - tail + k, b->len - tail + k }));
  return edits;
}

char *
pt_unified_diff (const char *path,
                 const char *before,
                 const char *after,
                 guint       context)
{
  gboolean a_nonl, b_nonl;
  g_autoptr(GPtrArray) a = split_lines (before, &a_nonl);
  g_autoptr(GPtrArray) b = split_lines (after, &b_nonl);
  g_autoptr(GArray) edits = NULL;
  GString *out;
  guint k = 0;

  if (g_strcmp0 (before, after) == 0)
    return g_strdup ("");

  edits = compute_edits (a, b);
  out = g_string_new (NULL);
  g_string_append_printf (out, "--- %s%s\n", before ? "a" : "", before ? path : "/dev/null");
  g_string_append_printf (out, "+++ %s%s\n", after ? "b" : "", after ? path : "/dev/null");

  while (k < edits->len)
    {
      guint start, end, a_start, b_start, a_count = 0, b_count = 0;
      Edit *e = &g_array_index (edits, Edit, k);

      if (e->op == ' ')
        {
          k++;
          continue;
        }
      /* A hunk: back up @context lines, then run until @context*2 unchanged
       * lines in a row (or the end). */
      start = k >= context ? k - context : 0;
      end = k;
      {
        guint same = 0;
        for (guint j = k; j < edits->len; j++)
          {
            if (g_array_index (edits, Edit, j).op == ' ')
              {
                if (++same > 2 * context)
                  break;
              }
            else
              {
                same = 0;
                end = j;
              }
          }
      }
      end = MIN (end + context + 1, edits->len);

      a_start = g_array_index (edits, Edit, start).a;
      b_start = g_array_index (edits, Edit, start).b;
      for (guint j = start; j < end; j++)
        {
          char op = g_array_index (edits, Edit, j).op;
          if (op != '+') a_count++;
          if (op != '-') b_count++;
        }
      g_string_append_printf (out, "@@ -%u,%u +%u,%u @@\n",
                              a_count ? a_start + 1 : a_start, a_count,
                              b_count ? b_start + 1 : b_start, b_count);
      for (guint j = start; j < end; j++)
        {
          Edit *x = &g_array_index (edits, Edit, j);
          const char *line = x->op == '+' ? LINE (b, x->b) : LINE (a, x->a);
          g_string_append_c (out, x->op);
          g_string_append (out, line);
          g_string_append_c (out, '\n');
          if ((x->op != '+' && x->a == a->len - 1 && a_nonl) ||
              (x->op == '+' && x->b == b->len - 1 && b_nonl))
            g_string_append (out, "\\ No newline at end of file\n");
        }
      k = end;
    }
  return g_string_free (out, FALSE);
}
