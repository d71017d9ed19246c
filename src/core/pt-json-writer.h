/* pt-json-writer.h: a streaming JSON writer for the large outputs.
 *
 * JSON is read with json-glib everywhere.  A snapshot of a 1,024-device
 * machine written through a json-glib tree cost more than reading the whole
 * of sysfs (measured with tests/bench/bench-list.sh: about half of all
 * instructions, and 9 MB of peak memory, went to building and freeing the
 * tree), so the topology is written straight into a string instead.  The
 * output is plain JSON that json-glib reads back (tests/unit/test-topology.c).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define PT_JSON_MAX_DEPTH 32

typedef struct
{
  GString  *out;
  gboolean  pretty;
  int       depth;
  gboolean  after_key;
  gboolean  has_items[PT_JSON_MAX_DEPTH];
} PtJsonWriter;

void   pt_json_writer_init   (PtJsonWriter *w,
                              gboolean      pretty);
char  *pt_json_writer_finish (PtJsonWriter *w);

void   pt_json_begin_object  (PtJsonWriter *w);
void   pt_json_end_object    (PtJsonWriter *w);
void   pt_json_begin_array   (PtJsonWriter *w);
void   pt_json_end_array     (PtJsonWriter *w);
/* @name is a literal of ours (plain ASCII, no quotes or backslashes). */
void   pt_json_key           (PtJsonWriter *w,
                              const char   *name);
void   pt_json_string        (PtJsonWriter *w,
                              const char   *value);
void   pt_json_int           (PtJsonWriter *w,
                              gint64        value);
void   pt_json_bool          (PtJsonWriter *w,
                              gboolean      value);
void   pt_json_null          (PtJsonWriter *w);

G_END_DECLS
