/* pt-readiness.h: is this machine ready for passthrough, and what to do if not.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "pt-paths.h"
#include "pt-topology.h"

G_BEGIN_DECLS

typedef struct
{
  char     *code;      /* stable: "cpu-virtualization", "iommu", … */
  gboolean  ok;
  char     *message;   /* what we found, as a sentence */
  char     *fix;       /* what to do about it; NULL when ok */
  char     *fix_kind;  /* the kind of "fixes" (pt-fix.h): "firmware" or "other"; NULL when ok */
} PtCheck;

void        pt_check_free          (PtCheck    *check);
GPtrArray  *pt_readiness_run       (PtPaths    *paths,
                                    PtTopology *topology);
gboolean    pt_readiness_all_ok    (GPtrArray  *checks);
char       *pt_readiness_to_json   (GPtrArray  *checks,
                                    gboolean    pretty);
GPtrArray  *pt_readiness_new_from_json (const char *data,
                                        GError    **error);

G_END_DECLS
