/* pt-app-repair.h: status `needs-repair` in the app: why, in the core's
 * sentences, and the stored setup that "Repair…" reviews and applies again
 * (as `passthroughctl repair`; docs/machine-knowledge.md).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Each `repair` reason's message, one a line; NULL when there is none. */
char     *pt_app_repair_describe (JsonObject  *status);
/* The stored selection and options of STATUS's `setup`, with repair's
 * one-off `regenerate` and without the trial; FALSE (and nothing set) when
 * the status has no setup (a helper from before `setup`). */
gboolean  pt_app_repair_setup    (JsonObject  *status,
                                  GStrv       *selection,
                                  GVariant   **options);

G_END_DECLS
