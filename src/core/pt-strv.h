/* pt-strv.h: string vectors kept in a GPtrArray made with
 * g_ptr_array_new_null_terminated ().
 *
 * With GLib 2.74 (the oldest we build against) such an array has no
 * storage until its first element: pdata is NULL, and g_ptr_array_steal ()
 * of it returns NULL, not an empty vector.  Code that hands ->pdata to a
 * function expecting a vector (an editor, g_strjoinv, g_strdupv) crashed on
 * exactly the case real files make common: nothing left to add.  Every such
 * hand-over goes through these two, which always give a vector.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The array's elements as a NULL-terminated vector, owned by the array;
 * an empty vector (never NULL) when it has none. */
static inline char **
pt_strv_peek (GPtrArray *array)
{
  static char *empty[] = { NULL };

  return array->pdata != NULL ? (char **) array->pdata : empty;
}

/* The same, taken out of the array (which is left empty): free it with
 * g_strfreev (); never NULL. */
static inline char **
pt_strv_steal (GPtrArray *array)
{
  char **v = (char **) g_ptr_array_steal (array, NULL);

  return v != NULL ? v : g_new0 (char *, 1);
}

G_END_DECLS
