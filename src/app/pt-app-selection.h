/* pt-app-selection.h: the devices a person chose to pass through.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "pt-topology.h"

G_BEGIN_DECLS

#define PT_APP_TYPE_SELECTION (pt_app_selection_get_type ())
G_DECLARE_FINAL_TYPE (PtAppSelection, pt_app_selection, PT_APP, SELECTION, GObject)

PtAppSelection *pt_app_selection_new          (void);
gboolean        pt_app_selection_contains     (PtAppSelection *self,
                                               const char     *address);
void            pt_app_selection_set_device   (PtAppSelection *self,
                                               PtTopology     *topology,
                                               PtDevice       *device,
                                               gboolean        chosen);
void            pt_app_selection_clear        (PtAppSelection *self);
guint           pt_app_selection_get_n_items  (PtAppSelection *self);
GStrv           pt_app_selection_dup_addresses (PtAppSelection *self);

G_END_DECLS
