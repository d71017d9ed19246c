/* pt-app-status-panel.h: the sidebar's account of what is configured,
 * from the helper's GetStatus — restart to finish, on vfio-pci or not, and
 * the safe first boot: armed, booted (keep or undo), fell back (undo or
 * try again).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define PT_APP_TYPE_STATUS_PANEL (pt_app_status_panel_get_type ())
G_DECLARE_FINAL_TYPE (PtAppStatusPanel, pt_app_status_panel, PT_APP, STATUS_PANEL, GtkBox)

/* Asks the helper again; on a machine that is not this one (another root,
 * a snapshot) there is nothing to ask, and the panel hides. */
void pt_app_status_panel_refresh    (PtAppStatusPanel *self,
                                     gboolean          this_machine);
/* Shows a status JSON as GetStatus returns it (also what Apply, Revert and
 * Confirm return). */
void pt_app_status_panel_show_json  (PtAppStatusPanel *self,
                                     const char       *json);

G_END_DECLS
