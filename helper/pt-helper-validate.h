/* pt-helper-validate.h: every argument of the helper's methods is checked
 * here, before polkit and before anything else (docs/safety.md, rule 1).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "pt-plan-options.h"
#include "pt-topology.h"

G_BEGIN_DECLS

/* More than a machine has functions worth passing through at once. */
#define PT_HELPER_MAX_ADDRESSES 64
/* Longer than any address, option value or digest the helper accepts. */
#define PT_HELPER_MAX_STRING    256

/* Printable ASCII only and at most PT_HELPER_MAX_STRING bytes: no NUL, no
 * newline, no control character, nothing a shell or a config parser could
 * read as a second line. @what names the argument in the error. */
gboolean        pt_helper_check_string     (const char  *value,
                                            const char  *what,
                                            GError     **error);

/* One address in the form DDDD:BB:SS.F that exists in @topology. */
gboolean        pt_helper_check_address    (const char  *address,
                                            PtTopology  *topology,
                                            GError     **error);

/* An "as" of addresses: 1..PT_HELPER_MAX_ADDRESSES, each valid, no
 * duplicates, each present in @topology. */
GStrv           pt_helper_check_addresses  (GVariant    *addresses,
                                            PtTopology  *topology,
                                            GError     **error);

/* An "a{sv}" of plan options: keys from the allow-list with their exact
 * types (pt_plan_options_set_variant), string values checked as above. */
PtPlanOptions  *pt_helper_check_options    (GVariant    *options,
                                            GError     **error);
void            pt_helper_options_free     (PtPlanOptions *options);

/* Revert and Confirm take no options yet: an empty a{sv}, so that a caller
 * that sends one learns it was not used. @method names the method. */
gboolean        pt_helper_check_no_options (GVariant    *options,
                                            const char  *method,
                                            GError     **error);

/* "vendor:device" of each address, comma-separated, for polkit details. */
char           *pt_helper_describe_ids     (PtTopology         *topology,
                                            const char *const  *addresses);

G_END_DECLS
