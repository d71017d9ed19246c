/* pt-app-traps-view.h: a device page's traps (pt-traps.c: boot-framebuffer,
 * reset-bug, d3cold, in-use, virtual-machine, rebar), each with its
 * sentence and fixes; an option fix opens the review with that option set.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "pt-app-selection.h"
#include "pt-paths.h"
#include "pt-topology.h"

G_BEGIN_DECLS

#define PT_APP_TYPE_TRAPS_VIEW (pt_app_traps_view_get_type ())
G_DECLARE_FINAL_TYPE (PtAppTrapsView, pt_app_traps_view, PT_APP, TRAPS_VIEW, GtkBox)

/* The traps of DEVICE and of the machine (a virtual machine), read from the
 * machine of the window the view is in (only the reset families from a
 * snapshot); hidden when there are none. */
void  pt_app_traps_view_set_device     (PtAppTrapsView *self,
                                        PtTopology     *topology,
                                        PtDevice       *device,
                                        PtAppSelection *selection);
/* The virtual-machine trap's sentence and advice for the no-IOMMU page, or
 * NULL when this is no virtual machine (PATHS NULL: not known). */
char *pt_app_traps_machine_advice      (PtPaths        *paths,
                                        PtTopology     *topology);

G_END_DECLS
