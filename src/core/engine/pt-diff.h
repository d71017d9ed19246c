/* pt-diff.h: unified diffs of the files a plan changes, so a person reads
 * exactly what will change before anything does.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A unified diff ("--- a/PATH", "+++ b/PATH", hunks with @context lines);
 * @before or @after NULL means the file is created or deleted.  Returns ""
 * when the texts are equal. */
char *pt_unified_diff (const char *path,
                       const char *before,
                       const char *after,
                       guint       context);

G_END_DECLS
