/* pt-cmdline.c: kernel command line tokens.
 *
 * The kernel splits on spaces outside double quotes, and treats '-' and '_'
 * as the same in parameter names (so vfio-pci.ids and vfio_pci.ids are one
 * parameter).  Values keep their case and dashes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "pt-cmdline.h"

void
pt_cmdline_token_free (PtCmdlineToken *token)
{
  if (token == NULL)
    return;
  g_free (token->text);
  g_free (token->key);
  g_free (token->value);
  g_free (token);
}

char *
pt_cmdline_normalize_key (const char *key)
{
  GString *out = g_string_new (NULL);

  for (const char *p = key; *p; p++)
    {
      if (*p == '"')
        continue;
      g_string_append_c (out, *p == '-' ? '_' : *p);
    }
  return g_string_free (out, FALSE);
}

static char *
unquote (const char *s,
         gsize       len)
{
  GString *out = g_string_sized_new (len);

  for (gsize i = 0; i < len; i++)
    if (s[i] != '"')
      g_string_append_c (out, s[i]);
  return g_string_free (out, FALSE);
}

/**
 * pt_cmdline_tokenize:
 * Returns: (transfer full) (element-type PtCmdlineToken): every token.
 */
GPtrArray *
pt_cmdline_tokenize (const char *cmdline)
{
  GPtrArray *tokens = g_ptr_array_new_with_free_func ((GDestroyNotify) pt_cmdline_token_free);
  const char *p = cmdline ? cmdline : "";
  gsize len = strlen (p);
  gsize i = 0;

  while (i < len)
    {
      gboolean in_quotes = FALSE;
      gsize start, eq = 0;
      PtCmdlineToken *tok;

      while (i < len && g_ascii_isspace (p[i]))
        i++;
      if (i >= len)
        break;
      start = i;
      while (i < len && (in_quotes || !g_ascii_isspace (p[i])))
        {
          if (p[i] == '"')
            in_quotes = !in_quotes;
          else if (p[i] == '=' && eq == 0 && !in_quotes)
            eq = i;
          i++;
        }

      tok = g_new0 (PtCmdlineToken, 1);
      tok->start = start;
      tok->end = i;
      tok->text = g_strndup (p + start, i - start);
      if (eq != 0)
        {
          g_autofree char *raw_key = g_strndup (p + start, eq - start);
          tok->key = pt_cmdline_normalize_key (raw_key);
          tok->value = unquote (p + eq + 1, i - eq - 1);
        }
      else
        tok->key = pt_cmdline_normalize_key (tok->text);
      g_ptr_array_add (tokens, tok);
    }
  return tokens;
}

/* Returns: (transfer none) (nullable): the last token with @key (the kernel
 * lets a later parameter override an earlier one). */
const PtCmdlineToken *
pt_cmdline_find (GPtrArray  *tokens,
                 const char *key)
{
  g_autofree char *norm = pt_cmdline_normalize_key (key);

  for (guint i = tokens->len; i > 0; i--)
    {
      PtCmdlineToken *tok = g_ptr_array_index (tokens, i - 1);
      if (g_str_equal (tok->key, norm))
        return tok;
    }
  return NULL;
}

/* The parameters that matter to passthrough; anything that looks like them
 * but is not one of them is a typo the kernel silently ignores. */
static const char * const known_keys[] = {
  "intel_iommu", "amd_iommu", "iommu", "iommu.passthrough", "iommu.strict",
  "vfio_pci.ids", "vfio_pci.disable_vga", "vfio_pci.disable_idle_d3",
  "vfio_pci.nointxmask", "vfio_pci.disable_denylist", "vfio_iommu_type1.allow_unsafe_interrupts",
  "pci_stub.ids", "rd.driver.pre", "rd.driver.blacklist", "module_blacklist",
  "pcie_acs_override", "video", "initcall_blacklist", "passthrough.vfio",
  "amd_iommu_intr", "intremap", "modprobe.blacklist",
  NULL
};

gboolean
pt_cmdline_is_known_key (const char *normalized_key)
{
  return g_strv_contains (known_keys, normalized_key);
}
