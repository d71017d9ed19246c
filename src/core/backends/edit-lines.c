/* edit-lines.c: module lists that are not shell: one module per line
 * (/etc/initramfs-tools/modules, /etc/modules) and booster's
 * modules_force_load: comma list in /etc/booster.yaml.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "pt-edit.h"
#include "pt-edit-private.h"
#include "pt-error.h"

static gboolean
is_space_tab (char c)
{
  return c == ' ' || c == '\t';
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

/* ---- one module per line ----------------------------------------------------- */

/* The module a line loads ("vfio_pci ids=…" loads vfio_pci), or NULL.
 * The name ends at a module list's blanks (PT_MODULE_BLANKS): a '\r' left
 * in the line ("vfio\r\r\n" after a file that ended in a lone CR) is
 * not part of it, as it is not where the '\r' ends the line. */
static char *
line_module (const char   *text,
             const PtLine *line)
{
  gsize i = line->start, s;

  while (i < line->end && is_space_tab (text[i]))
    i++;
  if (i >= line->end || text[i] == '#')
    return NULL;
  s = i;
  while (i < line->end && strchr (PT_MODULE_BLANKS, text[i]) == NULL)
    i++;
  return g_strndup (text + s, i - s);
}

char *
pt_edit_module_lines (const char        *text,
                      const char *const *add,
                      const char *const *remove,
                      GError           **error)
{
  g_autoptr(GArray) lines = NULL;
  g_autoptr(GString) out = NULL;
  g_autoptr(GString) present = g_string_new (NULL);
  g_autoptr(GPtrArray) missing = NULL;
  const char *nl;
  gsize insert_at;

  if (text == NULL)
    text = "";
  if (!pt_edit_check_modules (add, error))
    return NULL;
  nl = pt_text_newline (text);
  lines = pt_split_lines (text);
  out = g_string_new (NULL);
  insert_at = 0;
  for (guint l = 0; l < lines->len; l++)
    {
      PtLine *line = &g_array_index (lines, PtLine, l);
      g_autofree char *module = line_module (text, line);

      if (module != NULL && module_in (module, remove))
        {
          if (line->next == line->end)
            {
              /* last line without a line ending: take the one before */
              g_string_truncate (out, out->len - pt_newline_before (out->str, out->len));
            }
          continue;
        }
      g_string_append_len (out, text + line->start, line->next - line->start);
      if (module != NULL)
        {
          g_string_append_printf (present, " %s", module);
        }
      /* new lines go after the last line that is not blank */
      if (line->start + strspn (text + line->start, " \t") < line->end)
        insert_at = out->len;
    }

  missing = pt_words_missing (present->str, PT_WORDS_MODULES, add);
  if (missing->len == 0)
    return g_string_free (g_steal_pointer (&out), FALSE);

  insert_at = MIN (insert_at, out->len);
  {
    g_autoptr(GString) ins = g_string_new (NULL);
    gboolean no_final_newline = insert_at == out->len && out->len > 0
                                && out->str[out->len - 1] != '\n';

    for (guint i = 0; i < missing->len; i++)
      {
        if (no_final_newline)
          g_string_append_printf (ins, "%s%s", nl, (const char *) g_ptr_array_index (missing, i));
        else
          g_string_append_printf (ins, "%s%s", (const char *) g_ptr_array_index (missing, i), nl);
      }
    g_string_insert (out, insert_at, ins->str);
  }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* ---- booster.yaml --------------------------------------------------------------- */

#define BOOSTER_KEY "modules_force_load:"

/* The value of a top-level "modules_force_load:" line: from after the
 * colon to a " #" comment or the end. */
static gboolean
booster_value (const char   *text,
               const PtLine *line,
               gsize        *vstart,
               gsize        *vend)
{
  gsize n = strlen (BOOSTER_KEY);
  gsize i;

  if (line->end - line->start < n || strncmp (text + line->start, BOOSTER_KEY, n) != 0)
    return FALSE;
  *vstart = line->start + n;
  for (i = *vstart; i < line->end; i++)
    if (text[i] == '#' && i > *vstart && is_space_tab (text[i - 1]))
      break;
  while (i > *vstart && is_space_tab (text[i - 1]))
    i--;
  *vend = i;
  return TRUE;
}

typedef struct
{
  gsize start, end;
} Item;

/* Comma-separated items of [s, e), blanks around them not included. */
static GArray *
booster_items (const char *text,
               gsize       s,
               gsize       e)
{
  GArray *items = g_array_new (FALSE, FALSE, sizeof (Item));
  gsize i = s;

  while (i < e)
    {
      Item it;
      while (i < e && (is_space_tab (text[i]) || text[i] == ','))
        i++;
      if (i >= e)
        break;
      it.start = i;
      while (i < e && text[i] != ',')
        i++;
      it.end = i;
      while (it.end > it.start && is_space_tab (text[it.end - 1]))
        it.end--;
      g_array_append_val (items, it);
    }
  return items;
}

static char *
booster_edit_value (const char        *text,
                    gsize              s,
                    gsize              e,
                    const char *const *remove,
                    gboolean          *changed)
{
  g_autoptr(GString) buf = g_string_new_len (text + s, e - s);
  g_autoptr(GArray) items = booster_items (buf->str, 0, buf->len);

  *changed = FALSE;
  for (guint k = items->len; k > 0; k--)
    {
      Item *it = &g_array_index (items, Item, k - 1);
      g_autofree char *word = g_strndup (buf->str + it->start, it->end - it->start);
      gsize p, q;

      if (!module_in (word, remove))
        continue;
      *changed = TRUE;
      p = it->start;
      while (p > 0 && is_space_tab (buf->str[p - 1]))
        p--;
      if (p > 0 && buf->str[p - 1] == ',')
        {
          /* ", item": take the comma before */
          p--;
          while (p > 0 && is_space_tab (buf->str[p - 1]))
            p--;
          g_string_erase (buf, p, it->end - p);
          continue;
        }
      q = it->end;
      while (q < buf->len && is_space_tab (buf->str[q]))
        q++;
      if (q < buf->len && buf->str[q] == ',')
        {
          /* first item: take the comma after, and blanks after it */
          q++;
          while (q < buf->len && is_space_tab (buf->str[q]))
            q++;
          g_string_erase (buf, it->start, q - it->start);
          continue;
        }
      /* the only item: take the blanks after the colon too */
      g_string_erase (buf, p, it->end - p);
    }
  return g_string_free (g_steal_pointer (&buf), FALSE);
}

/* Whether what follows the value at @ve is our marker alone (blanks, then
 * exactly PT_EDIT_MARKER, as on the line we append), the rule of the
 * shell editors' rest_ok(): a longer comment that merely ends with those
 * words is the person's, and their line stays when it is emptied. */
static gboolean
booster_marked (const char *text,
                gsize       ve,
                gsize       end)
{
  gsize j = ve;

  while (j < end && is_space_tab (text[j]))
    j++;
  return end - j == strlen (PT_EDIT_MARKER) && strncmp (text + j, PT_EDIT_MARKER, end - j) == 0;
}

char *
pt_edit_booster_modules (const char        *text,
                         const char *const *add,
                         const char *const *remove,
                         GError           **error)
{
  g_autoptr(GArray) lines = NULL;
  g_autoptr(GString) out = NULL;
  g_autoptr(GString) present = g_string_new (NULL);
  g_autoptr(GPtrArray) missing = NULL;
  gssize last_value_end = -1;
  gboolean last_value_empty = TRUE;

  if (text == NULL)
    text = "";
  if (!pt_edit_check_modules (add, error))
    return NULL;
  lines = pt_split_lines (text);
  out = g_string_new (NULL);
  for (guint l = 0; l < lines->len; l++)
    {
      PtLine *line = &g_array_index (lines, PtLine, l);
      gsize vs, ve;
      gboolean changed;
      g_autofree char *value = NULL;
      g_autoptr(GArray) items = NULL;

      if (!booster_value (text, line, &vs, &ve))
        {
          g_string_append_len (out, text + line->start, line->next - line->start);
          continue;
        }
      value = booster_edit_value (text, vs, ve, remove, &changed);
      if (changed && value[strspn (value, " \t")] == '\0' && booster_marked (text, ve, line->end))
        {
          /* our own line, now empty */
          if (line->next == line->end)
            {
              g_string_truncate (out, out->len - pt_newline_before (out->str, out->len));
            }
          continue;
        }
      g_string_append_len (out, text + line->start, vs - line->start);
      g_string_append (out, value);
      last_value_end = out->len;
      items = booster_items (value, 0, strlen (value));
      /* only a blank value takes " a,b": after anything else (a stray
       * ",") ours follow a comma, as after an item, so that a removal,
       * which takes the comma before an item, leaves the value as it was */
      last_value_empty = value[strspn (value, " \t")] == '\0';
      for (guint k = 0; k < items->len; k++)
        {
          Item *it = &g_array_index (items, Item, k);
          g_string_append_c (present, ' ');
          g_string_append_len (present, value + it->start, it->end - it->start);
        }
      g_string_append_len (out, text + ve, line->next - ve);
    }

  missing = pt_words_missing (present->str, PT_WORDS_MODULES, add);
  if (missing->len == 0)
    return g_string_free (g_steal_pointer (&out), FALSE);
  g_ptr_array_add (missing, NULL);
  {
    g_autofree char *joined = g_strjoinv (",", (char **) missing->pdata);
    if (last_value_end < 0)
      {
        g_autofree char *line = g_strdup_printf (BOOSTER_KEY " %s  " PT_EDIT_MARKER, joined);
        pt_append_line (out, line);
      }
    else
      {
        g_autofree char *ins = g_strconcat (last_value_empty ? " " : ",", joined, NULL);
        g_string_insert (out, last_value_end, ins);
      }
  }
  return g_string_free (g_steal_pointer (&out), FALSE);
}
