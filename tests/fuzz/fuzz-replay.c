/* fuzz-replay.c: main() for a fuzz harness built as a plain program.
 *
 * meson links it with fuzz-edit.c and fuzz-snapshot.c so that CI feeds every
 * file of the directories (recursively) or files named on the command line
 * to LLVMFuzzerTestOneInput once, in name order; valgrind and the sanitizer
 * build watch those runs.  A file named SOURCES says where the files beside
 * it came from and is no input.  A path that does not exist is passed over
 * (tests/corpus/ is optional), but at least one input must be replayed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>

#include <glib.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static guint replayed;

static void
replay_path (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      const char *name;

      if (dir == NULL)
        return;
      while ((name = g_dir_read_name (dir)) != NULL)
        if (!g_str_equal (name, "SOURCES"))
          g_ptr_array_add (names, g_build_filename (path, name, NULL));
      g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);
      for (guint i = 0; i < names->len; i++)
        replay_path (g_ptr_array_index (names, i));
      return;
    }
  {
    g_autofree char *contents = NULL;
    gsize len = 0;

    if (!g_file_get_contents (path, &contents, &len, NULL))
      return;
    LLVMFuzzerTestOneInput ((const uint8_t *) contents, len);
    replayed++;
  }
}

int
main (int argc, char **argv)
{
  for (int i = 1; i < argc; i++)
    {
      if (!g_file_test (argv[i], G_FILE_TEST_EXISTS))
        printf ("# %s does not exist, passed over\n", argv[i]);
      replay_path (argv[i]);
    }
  printf ("1..1\n%s 1 replayed %u inputs\n", replayed > 0 ? "ok" : "not ok", replayed);
  return replayed > 0 ? 0 : 1;
}
