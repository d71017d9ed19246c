/* pt-safe-file.h: files below the root reached without following links,
 * written atomically, and the free space a transaction needs
 * (docs/faults.md).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "pt-paths.h"

G_BEGIN_DECLS

int       pt_safe_open_dir        (PtPaths     *paths,
                                   const char  *system_dir,
                                   int          create_mode,
                                   GError     **error);
gboolean  pt_safe_check_path      (PtPaths     *paths,
                                   const char  *system_path,
                                   GError     **error);
gboolean  pt_safe_write           (PtPaths     *paths,
                                   const char  *system_path,
                                   const char  *content,
                                   int          new_mode,
                                   int          dir_mode,
                                   gboolean     sync_dir,
                                   GError     **error);
char     *pt_safe_read            (PtPaths     *paths,
                                   const char  *system_path,
                                   gboolean    *out_exists,
                                   GError     **error);
gboolean  pt_safe_sync_dir        (PtPaths     *paths,
                                   const char  *system_dir,
                                   GError     **error);
void      pt_safe_empty_dir       (PtPaths     *paths,
                                   const char  *system_dir,
                                   GHashTable  *keep,
                                   gboolean     remove_dir);
int       pt_safe_mode_of         (PtPaths     *paths,
                                   const char  *system_path,
                                   int          fallback);
char     *pt_safe_mount_point     (PtPaths     *paths,
                                   const char  *system_path);

typedef struct _PtSpaceNeed PtSpaceNeed;

PtSpaceNeed *pt_space_need_new    (void);
void         pt_space_need_free   (PtSpaceNeed *need);
void         pt_space_need_add    (PtSpaceNeed *need,
                                   PtPaths     *paths,
                                   const char  *system_path,
                                   gsize        bytes);
gboolean     pt_space_need_check  (PtSpaceNeed *need,
                                   PtPaths     *paths,
                                   GError     **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtSpaceNeed, pt_space_need_free)

G_END_DECLS
