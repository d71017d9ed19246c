/* pt-app-helper-page.h: the window's page while this machine is asked of
 * the system helper, and when the helper is not installed — what to
 * install, for the host's distribution, and the demo machines meanwhile.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define PT_APP_TYPE_HELPER_PAGE (pt_app_helper_page_get_type ())
G_DECLARE_FINAL_TYPE (PtAppHelperPage, pt_app_helper_page, PT_APP, HELPER_PAGE, GtkWidget)

void        pt_app_helper_page_show_loading  (PtAppHelperPage *self);
void        pt_app_helper_page_show_missing  (PtAppHelperPage *self);
GtkListBox *pt_app_helper_page_get_demo_list (PtAppHelperPage *self);

G_END_DECLS
