/* pt-app-window.h: the main window — groups and devices on the left, the
 * chosen device (or readiness, or the no-IOMMU page) on the right.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "pt-app-application.h"
#include "pt-app-machine.h"
#include "pt-app-review-dialog.h"

G_BEGIN_DECLS

#define PT_APP_TYPE_WINDOW (pt_app_window_get_type ())
G_DECLARE_FINAL_TYPE (PtAppWindow, pt_app_window, PT_APP, WINDOW, AdwApplicationWindow)

PtAppWindow *pt_app_window_new                 (PtAppApplication *app);
void         pt_app_window_open_root           (PtAppWindow *self,
                                                const char  *root);
void         pt_app_window_open_snapshot       (PtAppWindow *self,
                                                const char  *path);
void         pt_app_window_choose_snapshot     (PtAppWindow *self);
void         pt_app_window_save_snapshot       (PtAppWindow *self,
                                                const char  *path);
void         pt_app_window_choose_save_snapshot (PtAppWindow *self);
void         pt_app_window_show_demo           (PtAppWindow *self,
                                                const char  *name);
void         pt_app_window_review              (PtAppWindow *self,
                                                gboolean     apply);
/* The review of ADDRESSES (NULL: the selection) with OPTIONS (a{sv}, may be
 * NULL) set first, as a fix's button sets them; NULL when there is nothing
 * to review. */
PtAppReviewDialog *pt_app_window_review_with   (PtAppWindow       *self,
                                                const char *const *addresses,
                                                GVariant          *options);
PtAppMachine *pt_app_window_get_machine        (PtAppWindow *self);
void         pt_app_window_revert              (PtAppWindow *self);
void         pt_app_window_export_vm           (PtAppWindow *self);
void         pt_app_window_search              (PtAppWindow *self,
                                                const char  *text);
void         pt_app_window_show_device         (PtAppWindow *self,
                                                const char  *address);
void         pt_app_window_choose_device       (PtAppWindow *self,
                                                const char  *address,
                                                gboolean     chosen);
void         pt_app_window_show_readiness      (PtAppWindow *self);
void         pt_app_window_set_filter          (PtAppWindow *self,
                                                const char  *filter);
void         pt_app_window_toast               (PtAppWindow *self,
                                                const char  *message);
/* PASSTHROUGH_APP_TIMINGS: prints when WIDGET's first frame is painted. */
void         pt_app_report_first_frame         (GtkWidget   *widget);

G_END_DECLS
