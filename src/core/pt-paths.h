/* pt-paths.h: every file the core reads or writes is named through one PtPaths.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define PT_TYPE_PATHS (pt_paths_get_type ())
G_DECLARE_FINAL_TYPE (PtPaths, pt_paths, PT, PATHS, GObject)

PtPaths     *pt_paths_new             (const char *root);
PtPaths     *pt_paths_new_from_env    (void);
const char  *pt_paths_get_root        (PtPaths    *self);
gboolean     pt_paths_is_host         (PtPaths    *self);
char        *pt_paths_build           (PtPaths    *self,
                                       const char *first_element,
                                       ...) G_GNUC_NULL_TERMINATED;
char        *pt_paths_resolve_link    (PtPaths    *self,
                                       const char *link_path);
char        *pt_paths_to_system       (PtPaths    *self,
                                       const char *path);
gboolean     pt_paths_read_line       (PtPaths    *self,
                                       const char *path,
                                       char      **out_line);
gboolean     pt_paths_read_file       (PtPaths    *self,
                                       const char *path,
                                       char      **out_contents,
                                       gsize      *out_length,
                                       GError    **error);
gboolean     pt_paths_exists          (PtPaths    *self,
                                       const char *path);

G_END_DECLS
