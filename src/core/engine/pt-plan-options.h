/* pt-plan-options.h: the options of a plan — the CLI's flags and the
 * helper's a{sv} keys, one allow-list (docs/plan-options.md).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct
{
  char     *binding;            /* "auto" (default), "ids", "address" */
  gboolean  iommu_pt;           /* default TRUE */
  char     *acs_override;       /* NULL, "downstream", "multifunction", "downstream,multifunction" */
  gboolean  unsafe_interrupts;
  gboolean  disable_vga;
  gboolean  framebuffer_off;
  gboolean  usb_pci_stub;
  gboolean  trial;
  gboolean  allow_last_gpu;
  gboolean  regenerate;         /* repair: regenerate the initramfs and boot menu even where no file changes */
  gboolean  iommu_only;
  gboolean  disable_idle_d3;    /* options vfio-pci disable_idle_d3=1 (the d3cold trap's fix) */         /* the IOMMU on (and iommu=pt), nothing bound: no selection */
  char     *bootloader;         /* NULL: detect */
  char     *plan_digest;        /* helper only: sha256 of the plan JSON the person reviewed */
} PtPlanOptions;

PtPlanOptions *pt_plan_options_new          (void);
void           pt_plan_options_free         (PtPlanOptions *options);
/* Validates and takes every key of an a{sv}; an unknown key, a wrong type
 * or a value outside its grammar is PT_ERROR_INVALID_ARGS naming the key. */
gboolean       pt_plan_options_set_variant  (PtPlanOptions *options,
                                             GVariant      *asv,
                                             GError       **error);
GVariant      *pt_plan_options_to_variant   (PtPlanOptions *options);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtPlanOptions, pt_plan_options_free)

G_END_DECLS
