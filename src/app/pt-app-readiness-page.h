/* pt-app-readiness-page.h: the `check` results, each with what to do.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "pt-app-machine.h"

G_BEGIN_DECLS

#define PT_APP_TYPE_READINESS_PAGE (pt_app_readiness_page_get_type ())
G_DECLARE_FINAL_TYPE (PtAppReadinessPage, pt_app_readiness_page, PT_APP, READINESS_PAGE, GtkWidget)

/* Returns a short summary for the sidebar ("5 of 6 checks pass");
 * out_ready: 1 ready, 0 not ready, -1 not checked (a snapshot). */
char *pt_app_readiness_page_set_machine (PtAppReadinessPage *self,
                                         PtAppMachine       *machine,
                                         int                *out_ready);

G_END_DECLS
