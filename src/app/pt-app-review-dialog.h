/* pt-app-review-dialog.h: every change before it is made — devices,
 * binding, each file's diff, commands, warnings, blockers — then Apply (or
 * Revert) through the helper with progress, and "Restart to finish".
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "pt-app-machine.h"

G_BEGIN_DECLS

/* The root helper on the system bus (DESIGN.md, "The contracts"). */
#define PT_APP_HELPER_BUS_NAME  "com.example.Passthrough.Helper"
#define PT_APP_HELPER_PATH      "/com/example/Passthrough/Helper"
#define PT_APP_HELPER_INTERFACE "com.example.Passthrough.Helper1"

#define PT_APP_TYPE_REVIEW_DIALOG (pt_app_review_dialog_get_type ())
G_DECLARE_FINAL_TYPE (PtAppReviewDialog, pt_app_review_dialog, PT_APP, REVIEW_DIALOG, AdwWindow)

PtAppReviewDialog *pt_app_review_dialog_new              (GtkWindow         *parent,
                                                          PtAppMachine      *machine,
                                                          const char *const *addresses,
                                                          gboolean           revert);
void               pt_app_review_dialog_apply_when_ready (PtAppReviewDialog *self);

/* The sentence for a failed helper call (exported for the tests' sake of
 * consistency with the CLI; also used for Bind later). */
char              *pt_app_helper_error_sentence          (const GError      *error,
                                                          gboolean           revert);

G_END_DECLS
