/* pt-app-bind-box.h: runtime binding on the device page (seed 002) — hand
 * a device and its slot to vfio-pci now, or give it back, through the
 * helper's Bind and Unbind, with the helper's refusals shown as sentences.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "pt-topology.h"

G_BEGIN_DECLS

#define PT_APP_TYPE_BIND_BOX (pt_app_bind_box_get_type ())
G_DECLARE_FINAL_TYPE (PtAppBindBox, pt_app_bind_box, PT_APP, BIND_BOX, AdwBin)

void pt_app_bind_box_set_device         (PtAppBindBox *self,
                                         PtTopology   *topology,
                                         PtDevice     *device);
/* REASON non-NULL: the window inspects another root or a snapshot, so the
 * buttons are off and REASON says why. */
void pt_app_bind_box_set_inspect_reason (PtAppBindBox *self,
                                         const char   *reason);

G_END_DECLS
