/* test-json-depth.c: the nesting scanner that runs before json-glib
 * (src/core/pt-json-depth.c), and the snapshot reader's refusal of deep text.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "pt-error.h"
#include "pt-json-depth.h"
#include "pt-topology.h"

static guint
depth_of (const char *text)
{
  guint depth = G_MAXUINT;

  g_assert_cmpint (pt_json_depth_scan (text, -1, &depth), ==, PT_JSON_DEPTH_OK);
  return depth;
}

static void
test_depths (void)
{
  g_assert_cmpuint (depth_of (""), ==, 0);
  g_assert_cmpuint (depth_of ("42"), ==, 0);
  g_assert_cmpuint (depth_of ("\"[[[\""), ==, 0);
  g_assert_cmpuint (depth_of ("[]"), ==, 1);
  g_assert_cmpuint (depth_of ("{\"a\": [1, {\"b\": []}]}"), ==, 4);
  /* the deepest point counts, not the sum of siblings */
  g_assert_cmpuint (depth_of ("[[1], [2], [[3]]]"), ==, 3);
  /* brackets inside strings do not count, escaped quotes do not end them */
  g_assert_cmpuint (depth_of ("[\"[[[{{{\"]"), ==, 1);
  g_assert_cmpuint (depth_of ("[\"a\\\"[[[\", \"\\\\\", [\"]]]\"]]"), ==, 2);
  g_assert_cmpuint (depth_of ("{\"k\\\\\": {\"x\\\"}\": {}}}"), ==, 3);
  /* closing brackets without openers never make the count go below zero */
  g_assert_cmpuint (depth_of ("]]]][[["), ==, 3);
  /* an unfinished string runs to the end */
  g_assert_cmpuint (depth_of ("[\"[[[[[["), ==, 1);
}

static void
test_length_and_nul (void)
{
  static const char text[] = "[[1]]\0[[[[[[";
  guint depth = 0;

  /* an explicit length is honoured, and bytes after a NUL still count */
  g_assert_cmpint (pt_json_depth_scan (text, 3, &depth), ==, PT_JSON_DEPTH_OK);
  g_assert_cmpuint (depth, ==, 2);
  g_assert_cmpint (pt_json_depth_scan (text, sizeof text - 1, &depth), ==, PT_JSON_DEPTH_OK);
  g_assert_cmpuint (depth, ==, 6);
  /* a backslash as the last byte of a string */
  g_assert_cmpint (pt_json_depth_scan ("[\"\\", -1, &depth), ==, PT_JSON_DEPTH_OK);
  g_assert_cmpuint (depth, ==, 1);
}

static void
test_not_plain (void)
{
  /* json-glib reads these as comments or strings; where they end is not
   * something to guess (see pt-json-depth.c) */
  static const char *const texts[] = {
    "/* ] */ [1]",
    "[1] // ]",
    "['a]']",
    "/*/ [[[",
  };
  guint depth;

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    g_assert_cmpint (pt_json_depth_scan (texts[i], -1, &depth), ==, PT_JSON_DEPTH_NOT_PLAIN);
  /* inside a double-quoted string they are text */
  g_assert_cmpuint (depth_of ("[\"/* it's */\"]"), ==, 1);
}

static char *
nested (guint levels)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < levels; i++)
    g_string_append_c (s, '[');
  for (guint i = 0; i < levels; i++)
    g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

static void
test_snapshot_refuses_deep_json (void)
{
  g_autofree char *deep = nested (100000);
  g_autofree char *limit = nested (PT_SNAPSHOT_MAX_DEPTH);
  g_autofree char *over = nested (PT_SNAPSHOT_MAX_DEPTH + 1);
  g_autofree char *dir = g_dir_make_tmp ("pt-json-depth-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "deep.json", NULL);
  g_autofree char *expected = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PtTopology) t = NULL;

  g_assert_cmpuint (depth_of (deep), ==, 100000);

  t = pt_topology_new_from_json (deep, -1, &error);
  g_assert_null (t);
  g_assert_error (error, PT_ERROR, PT_ERROR_PARSE);
  g_assert_nonnull (strstr (error->message, "nested 100000 levels deep"));
  g_clear_error (&error);

  /* at the limit json-glib reads it (and the reader refuses it as no
   * snapshot); one level more is refused before parsing */
  t = pt_topology_new_from_json (limit, -1, &error);
  g_assert_null (t);
  g_assert_null (strstr (error->message, "levels deep"));
  g_clear_error (&error);
  t = pt_topology_new_from_json (over, -1, &error);
  g_assert_null (t);
  g_assert_nonnull (strstr (error->message, "levels deep"));
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (path, deep, -1, NULL));
  t = pt_topology_new_from_snapshot (path, &error);
  g_assert_null (t);
  g_assert_error (error, PT_ERROR, PT_ERROR_PARSE);
  expected = g_strdup_printf ("%s is not a Passthrough snapshot: its JSON is nested 100000 levels "
                              "deep, more than the %d a snapshot can have.",
                              path, PT_SNAPSHOT_MAX_DEPTH);
  g_assert_cmpstr (error->message, ==, expected);
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (path, "/* a note */ {\"format\": 1, \"groups\": []}", -1, NULL));
  t = pt_topology_new_from_snapshot (path, &error);
  g_assert_null (t);
  g_assert_error (error, PT_ERROR, PT_ERROR_PARSE);
  g_assert_nonnull (strstr (error->message, "comment"));

  g_unlink (path);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/json-depth/depths", test_depths);
  g_test_add_func ("/json-depth/length-and-nul", test_length_and_nul);
  g_test_add_func ("/json-depth/not-plain", test_not_plain);
  g_test_add_func ("/json-depth/snapshot-refuses-deep-json", test_snapshot_refuses_deep_json);
  return g_test_run ();
}
