/* pt-app-plan-options.h: the options of a plan in the review — the safe
 * first boot, how devices are bound, and the kernel options of the allow-list
 * in docs/plan-options.md — as the a{sv} the helper's Preview and Apply take.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define PT_APP_TYPE_PLAN_OPTIONS (pt_app_plan_options_get_type ())
G_DECLARE_FINAL_TYPE (PtAppPlanOptions, pt_app_plan_options, PT_APP, PLAN_OPTIONS, AdwBin)

PtAppPlanOptions *pt_app_plan_options_new                   (void);
/* Only the keys that differ from the engine's defaults, so that a plan
 * with no option chosen is asked for exactly as "passthroughctl plan". */
GVariant         *pt_app_plan_options_to_variant            (PtAppPlanOptions *self);
gboolean          pt_app_plan_options_get_trial             (PtAppPlanOptions *self);
/* The plan said a trial cannot work here: the switch goes off, stays off,
 * and REASON says why. */
void              pt_app_plan_options_set_trial_unavailable (PtAppPlanOptions *self,
                                                             const char       *reason);

/* A fix of the plan (docs/fixes-and-guards.md) sets one option: KEY as the
 * helper takes it, VALUE a boolean or string.  Emits "changed" when that
 * changes anything; FALSE for a key or value this page has no control for. */
gboolean          pt_app_plan_options_set                   (PtAppPlanOptions *self,
                                                             const char       *key,
                                                             GVariant         *value);

/* An option this page has no control for (a stored setup's iommu-only or
 * bootloader, repair's one-off regenerate): sent with every plan as it
 * is.  Emits "changed". */
void              pt_app_plan_options_set_fixed             (PtAppPlanOptions *self,
                                                             const char       *key,
                                                             GVariant         *value);

/* The options set by pt_app_plan_options_set_fixed(), as an a{sv}; NULL
 * when there are none. */
GVariant         *pt_app_plan_options_dup_fixed             (PtAppPlanOptions *self);

G_END_DECLS
