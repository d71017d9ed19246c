/* scan.c: finding what a person already wrote by hand.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "pt-cmdline.h"
#include "pt-edit.h"
#include "pt-edit-private.h"

static gboolean
is_space_tab (char c)
{
  return c == ' ' || c == '\t';
}

/* "options vfio-pci …" / "options vfio_pci …" (modprobe treats '-' and '_'
 * alike).  @out_lines, when given, is a GArray of guint. */
GStrv
pt_scan_modprobe_vfio (const char *text,
                       GArray     *out_lines)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr(GArray) lines = NULL;

  if (text == NULL)
    text = "";
  lines = pt_split_lines (text);
  for (guint l = 0; l < lines->len; l++)
    {
      PtLine *line = &g_array_index (lines, PtLine, l);
      gsize i = line->start, s;
      g_autofree char *module = NULL;

      while (i < line->end && is_space_tab (text[i]))
        i++;
      if (line->end - i < 8 || strncmp (text + i, "options", 7) != 0 || !is_space_tab (text[i + 7]))
        continue;
      i += 7;
      while (i < line->end && is_space_tab (text[i]))
        i++;
      s = i;
      while (i < line->end && !is_space_tab (text[i]))
        i++;
      module = g_strndup (text + s, i - s);
      if (!pt_words_equivalent (PT_WORDS_MODULES, module, "vfio_pci"))
        continue;
      {
        g_autofree char *shown = g_strndup (text + line->start, line->end - line->start);
        guint n = l + 1;
        g_strv_builder_add (builder, shown);
        if (out_lines != NULL)
          g_array_append_val (out_lines, n);
      }
    }
  return g_strv_builder_end (builder);
}

/* Optimal string alignment distance (adjacent swaps count as one edit),
 * enough to catch "vifo" for "vfio" and "ipcie" for "pcie". */
static guint
edit_distance (const char *a,
               const char *b)
{
  gsize la = strlen (a), lb = strlen (b);
  g_autofree guint *d = NULL;

  if (la > 64 || lb > 64)
    return G_MAXUINT;
  d = g_new0 (guint, (la + 1) * (lb + 1));
#define D(i, j) d[(i) * (lb + 1) + (j)]
  for (gsize i = 0; i <= la; i++)
    D (i, 0) = i;
  for (gsize j = 0; j <= lb; j++)
    D (0, j) = j;
  for (gsize i = 1; i <= la; i++)
    for (gsize j = 1; j <= lb; j++)
      {
        guint cost = a[i - 1] == b[j - 1] ? 0 : 1;
        guint v = MIN (MIN (D (i - 1, j) + 1, D (i, j - 1) + 1), D (i - 1, j - 1) + cost);
        if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
          v = MIN (v, D (i - 2, j - 2) + 1);
        D (i, j) = v;
      }
  {
    guint r = D (la, lb);
#undef D
    return r;
  }
}

/* The names a typo is measured against: the parameters passthrough uses. */
static const char *const typo_targets[] = {
  "intel_iommu", "amd_iommu", "iommu", "iommu.passthrough", "vfio_pci.ids",
  "vfio_pci.disable_vga", "vfio_pci.disable_idle_d3", "vfio_iommu_type1.allow_unsafe_interrupts",
  "pci_stub.ids", "rd.driver.pre", "pcie_acs_override", "initcall_blacklist",
  "passthrough.vfio", "modprobe.blacklist", "module_blacklist", NULL
};

/* Real parameters close to a target that must not be reported. */
static const char *const not_typos[] = {
  "amd_iommu_dump", "intel_iommu", "iommu.strict", "rd.driver.post", "rd.driver.blacklist",
  "pci", "pcie_aspm", "pcie_ports", "pcie_pme", "nomodeset", "quiet", "splash", NULL
};

GStrv
pt_scan_cmdline_typos (const char *cmdline)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr(GPtrArray) toks = pt_cmdline_tokenize (cmdline ? cmdline : "");

  for (guint i = 0; i < toks->len; i++)
    {
      PtCmdlineToken *t = g_ptr_array_index (toks, i);
      g_autofree char *key = g_ascii_strdown (t->key, -1);

      if (pt_cmdline_is_known_key (t->key) || g_strv_contains (not_typos, key))
        continue;
      for (guint k = 0; typo_targets[k]; k++)
        {
          gsize n = strlen (typo_targets[k]);
          guint limit = n >= 10 ? 2 : 1;
          guint dist;

          if (n < 5)
            continue;
          /* cheap bound first: the distance is at least the length gap */
          {
            gsize kl = strlen (key);
            if ((kl > n ? kl - n : n - kl) > limit)
              continue;
          }
          dist = edit_distance (key, typo_targets[k]);
          /* also a wrong case: VFIO_PCI.IDS is not vfio_pci.ids */
          if (dist <= limit)
            {
              g_strv_builder_add (builder, t->text);
              break;
            }
        }
    }
  return g_strv_builder_end (builder);
}
