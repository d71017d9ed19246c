/* pt-json-writer.c: see pt-json-writer.h for why this exists.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "pt-json-writer.h"

/* GString's own appends check for overlapping input on every call; these
 * grow the string the same way but copy straight in. */
static inline void
put (GString    *out,
     const char *bytes,
     gsize       n)
{
  if (out->len + n + 1 > out->allocated_len)
    g_string_append_len (out, bytes, n);
  else
    {
      memcpy (out->str + out->len, bytes, n);
      out->len += n;
      out->str[out->len] = '\0';
    }
}

static inline void
put_c (GString *out,
       char     c)
{
  g_string_append_c (out, c);
}

void
pt_json_writer_init (PtJsonWriter *w,
                     gboolean      pretty)
{
  memset (w, 0, sizeof *w);
  w->out = g_string_sized_new (4096);
  w->pretty = pretty;
}

char *
pt_json_writer_finish (PtJsonWriter *w)
{
  g_assert (w->depth == 0);
  return g_string_free (g_steal_pointer (&w->out), FALSE);
}

static void
newline (PtJsonWriter *w)
{
  static const char spaces[] = "\n"
    "                                                                ";

  if (!w->pretty)
    return;
  /* one append: a line break and two spaces a level */
  put (w->out, spaces, 1 + MIN (2 * w->depth, (int) sizeof spaces - 2));
}

/* Before a value or a key: the comma and the line break, unless the value
 * follows its key. */
static void
before_item (PtJsonWriter *w)
{
  if (w->after_key)
    {
      w->after_key = FALSE;
      return;
    }
  if (w->depth == 0)
    return;
  if (w->has_items[w->depth])
    g_string_append_c (w->out, ',');
  w->has_items[w->depth] = TRUE;
  newline (w);
}

static void
open (PtJsonWriter *w,
      char          c)
{
  before_item (w);
  g_string_append_c (w->out, c);
  g_assert (w->depth + 1 < PT_JSON_MAX_DEPTH);
  w->depth++;
  w->has_items[w->depth] = FALSE;
}

static void
close (PtJsonWriter *w,
       char          c)
{
  gboolean had_items = w->has_items[w->depth];

  w->depth--;
  if (had_items)
    newline (w);
  g_string_append_c (w->out, c);
}

void pt_json_begin_object (PtJsonWriter *w) { open (w, '{'); }
void pt_json_end_object (PtJsonWriter *w) { close (w, '}'); }
void pt_json_begin_array (PtJsonWriter *w) { open (w, '['); }
void pt_json_end_array (PtJsonWriter *w) { close (w, ']'); }

static void
append_escaped (GString    *out,
                const char *value)
{
  g_autofree char *valid = NULL;
  const unsigned char *scan;

  /* sysfs and /proc/cmdline are bytes; JSON is UTF-8.  Plain ASCII, by far
   * the common case, needs no validation. */
  for (scan = (const unsigned char *) value; *scan && *scan < 0x80; scan++)
    ;
  if (*scan != '\0' && !g_utf8_validate (value, -1, NULL))
    value = valid = g_utf8_make_valid (value, -1);

  g_string_append_c (out, '"');
  for (const unsigned char *p = (const unsigned char *) value; *p; )
    {
      const unsigned char *run = p;

      /* copy runs of plain characters in one go */
      while (*p >= 0x20 && *p != '"' && *p != '\\' && *p != 0x7f)
        p++;
      if (p > run)
        put (out, (const char *) run, p - run);
      if (*p == '\0')
        break;
      switch (*p)
        {
        case '"': put (out, "\\\"", 2); break;
        case '\\': put (out, "\\\\", 2); break;
        case '\n': put (out, "\\n", 2); break;
        case '\t': put (out, "\\t", 2); break;
        case '\r': put (out, "\\r", 2); break;
        default: g_string_append_printf (out, "\\u%04x", *p); break;
        }
      p++;
    }
  g_string_append_c (out, '"');
}

void
pt_json_key (PtJsonWriter *w,
             const char   *name)
{
  before_item (w);
  /* keys are our own ASCII literals: nothing to escape */
  put_c (w->out, '"');
  put (w->out, name, strlen (name));
  put_c (w->out, '"');
  if (w->pretty)
    put (w->out, " : ", 3);
  else
    g_string_append_c (w->out, ':');
  w->after_key = TRUE;
}

void
pt_json_string (PtJsonWriter *w,
                const char   *value)
{
  if (value == NULL)
    {
      pt_json_null (w);
      return;
    }
  before_item (w);
  append_escaped (w->out, value);
}

void
pt_json_int (PtJsonWriter *w,
             gint64        value)
{
  before_item (w);
  g_string_append_printf (w->out, "%" G_GINT64_FORMAT, value);
}

void
pt_json_bool (PtJsonWriter *w,
              gboolean      value)
{
  before_item (w);
  if (value)
    put (w->out, "true", 4);
  else
    put (w->out, "false", 5);
}

void
pt_json_null (PtJsonWriter *w)
{
  before_item (w);
  put (w->out, "null", 4);
}
