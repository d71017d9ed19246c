/* pt-json-depth.c: the nesting depth of a JSON text, in one pass, no parse.
 *
 * Each '[' or '{' outside a string goes one level down, each ']' or '}' one
 * up; the answer is the deepest level reached (0 for a bare value).  Strings
 * are skipped: a double-quoted string ends at the first '"' that no
 * backslash escapes, which every JSON reader agrees on.
 *
 * json-glib also reads things JSON does not have: C comments and, in the
 * versions of Debian 12, single-quoted strings.  Where one of those ends is
 * where versions could disagree with this scanner, and a ']' that json-glib
 * skips but the scanner counts would let deeper nesting through unseen.  No
 * JSON we read has them (list --json never writes them), so a '/' or a '\''
 * outside a string makes the text PT_JSON_DEPTH_NOT_PLAIN and the caller
 * refuses it without parsing.
 *
 * Bytes after a NUL are scanned too: counting more than json-glib will read
 * can only refuse, never let through.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "pt-json-depth.h"

PtJsonDepthResult
pt_json_depth_scan (const char *data,
                    gssize      length,
                    guint      *depth)
{
  gsize n = length < 0 ? strlen (data) : (gsize) length;
  guint level = 0;
  guint deepest = 0;
  gboolean in_string = FALSE;

  for (gsize i = 0; i < n; i++)
    {
      char c = data[i];

      if (in_string)
        {
          if (c == '\\')
            i++;            /* the escaped byte cannot end the string */
          else if (c == '"')
            in_string = FALSE;
          continue;
        }
      switch (c)
        {
        case '"':
          in_string = TRUE;
          break;
        case '[':
        case '{':
          if (level < G_MAXUINT)
            level++;
          if (level > deepest)
            deepest = level;
          break;
        case ']':
        case '}':
          if (level > 0)
            level--;
          break;
        case '/':
        case '\'':
          *depth = deepest;
          return PT_JSON_DEPTH_NOT_PLAIN;
        default:
          break;
        }
    }
  *depth = deepest;
  return PT_JSON_DEPTH_OK;
}
