/* pt-app-slots-view.h: the slots a card can sit in, as a list (the kernel
 * does not know where they are on the board), from the same call as
 * `passthroughctl slots --json` (pt_slots_list; docs/machine-knowledge.md).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "pt-topology.h"

G_BEGIN_DECLS

/* The list of TOPOLOGY's slots in a window of its own over PARENT; CARD
 * (may be NULL) is marked in its slot, and the slots that would give it a
 * group of its own are named first. */
GtkWindow *pt_app_slots_view_present    (GtkWindow  *parent,
                                         PtTopology *topology,
                                         PtDevice   *card);
/* The rows alone, for the window above: one AdwActionRow per slot. */
GtkWidget *pt_app_slots_view_new_list   (PtTopology *topology,
                                         PtDevice   *card);
/* "Show Slots…" on a device page (the window's win.slots action). */
GtkWidget *pt_app_slots_view_button_new (void);

G_END_DECLS
