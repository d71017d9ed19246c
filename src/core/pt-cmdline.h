/* pt-cmdline.h: the kernel command line, tokenized the way the kernel does.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  char *text;     /* the token as written: vfio-pci.ids="a,b" */
  char *key;      /* normalized: '-' → '_', quotes dropped: vfio_pci.ids */
  char *value;    /* unquoted value, NULL for a bare flag */
  gsize start;    /* byte offsets into the tokenized string */
  gsize end;
} PtCmdlineToken;

void        pt_cmdline_token_free   (PtCmdlineToken *token);
GPtrArray  *pt_cmdline_tokenize     (const char     *cmdline);
char       *pt_cmdline_normalize_key (const char    *key);
const PtCmdlineToken *
            pt_cmdline_find         (GPtrArray      *tokens,
                                     const char     *key);
gboolean    pt_cmdline_is_known_key (const char     *normalized_key);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtCmdlineToken, pt_cmdline_token_free)

G_END_DECLS
