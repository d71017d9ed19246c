/* pt-app-application.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define PT_APP_TYPE_APPLICATION (pt_app_application_get_type ())
G_DECLARE_FINAL_TYPE (PtAppApplication, pt_app_application, PT_APP, APPLICATION, AdwApplication)

PtAppApplication *pt_app_application_new            (void);
GSettings        *pt_app_application_get_settings   (PtAppApplication *self);
char             *pt_app_application_dup_demo_dir   (void);
gboolean          pt_app_application_timings_enabled (void);
double            pt_app_process_cpu_ms              (void);
void              pt_app_timing_mark                 (const char       *what);

G_END_DECLS
