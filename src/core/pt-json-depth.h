/* pt-json-depth.h: how deeply a JSON text nests, found before parsing it.
 *
 * json-glib parses arrays and objects by recursion, so a file of a few
 * hundred kilobytes of '[' runs it out of stack.  Whoever reads JSON that
 * came from elsewhere (a snapshot someone sent) asks this scanner first and
 * refuses text deeper than its format can be.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  PT_JSON_DEPTH_OK,        /* *depth is the deepest nesting */
  PT_JSON_DEPTH_NOT_PLAIN, /* a comment or a single-quoted string: see pt-json-depth.c */
} PtJsonDepthResult;

PtJsonDepthResult pt_json_depth_scan (const char *data,
                                      gssize      length,
                                      guint      *depth);

G_END_DECLS
