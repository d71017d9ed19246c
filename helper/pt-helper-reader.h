/* pt-helper-reader.h: what the caller of Preview could read itself.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <sys/types.h>

#include "pt-paths.h"

G_BEGIN_DECLS

typedef struct _PtHelperReader PtHelperReader;

PtHelperReader *pt_helper_reader_new            (PtPaths          *paths,
                                                 uid_t             uid,
                                                 const gid_t      *groups,
                                                 int               n_groups);
PtHelperReader *pt_helper_reader_new_for_sender (PtPaths          *paths,
                                                 GDBusConnection  *connection,
                                                 const char       *sender);
gboolean        pt_helper_reader_can_read       (const char       *system_path,
                                                 gpointer          reader);
void            pt_helper_reader_free           (PtHelperReader   *reader);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtHelperReader, pt_helper_reader_free)

G_END_DECLS
