/* pt-app-review-dialog.h: every change before it is made — devices,
 * binding, each file's diff, commands, warnings, blockers — then Apply (or
 * Revert) through the helper with progress, and "Restart to finish".
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "pt-app-helper.h"   /* the helper's bus name and error sentences */
#include "pt-app-machine.h"

G_BEGIN_DECLS

#define PT_APP_TYPE_REVIEW_DIALOG (pt_app_review_dialog_get_type ())
G_DECLARE_FINAL_TYPE (PtAppReviewDialog, pt_app_review_dialog, PT_APP, REVIEW_DIALOG, AdwWindow)

PtAppReviewDialog *pt_app_review_dialog_new              (GtkWindow         *parent,
                                                          PtAppMachine      *machine,
                                                          const char *const *addresses,
                                                          gboolean           revert);
void               pt_app_review_dialog_apply_when_ready (PtAppReviewDialog *self);

/* The review with OPTIONS (a{sv}) set first, as a fix's button sets each,
 * an option without a control as it is: a trap's option fix, or the stored
 * setup that "Repair…" applies again. */
PtAppReviewDialog *pt_app_review_dialog_new_with_options (GtkWindow         *parent,
                                                          PtAppMachine      *machine,
                                                          const char *const *addresses,
                                                          GVariant          *options);
void               pt_app_review_dialog_set_heading      (PtAppReviewDialog *self,
                                                          const char        *heading);

G_END_DECLS
