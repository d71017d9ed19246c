/* pt-fix.h: what a person can do about a warning, a blocker or a failed
 * check, as data ("fixes" in plan --json and check --json), so the app,
 * the CLI and the helper say the same thing.  The shape and the order are
 * in docs/fixes-and-guards.md.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "pt-topology.h"

G_BEGIN_DECLS

typedef struct
{
  char     *kind;          /* move-slot, select, acs-override, firmware, option, other */
  GStrv     devices;       /* select: the devices to add; else the ones the fix names */
  GStrv     ports;         /* move-slot: ports that would isolate the card (none known yet) */
  char     *option_key;    /* a plan option key (pt-plan-options.c), NULL: none */
  GVariant *option_value;  /* boolean or string */
  char     *text;
} PtFix;

void        pt_fix_free             (PtFix       *fix);
GPtrArray  *pt_fix_list_new         (void);
/* Appends a fix of @kind (takes @text) and returns it for its devices or option. */
PtFix      *pt_fix_list_add         (GPtrArray   *fixes,
                                     const char  *kind,
                                     char        *text);
void        pt_fix_set_devices      (PtFix       *fix,
                                     GPtrArray   *addresses);
void        pt_fix_set_option       (PtFix       *fix,
                                     const char  *key,
                                     GVariant    *value);
/* An array of fix objects; NULL writes []. */
void        pt_fix_list_to_builder  (JsonBuilder *b,
                                     GPtrArray   *fixes);

/* What to do when @card's IOMMU group holds devices that are not taken
 * along: @missing are endpoints the selection lacks, @unusable devices the
 * host keeps that cannot go (an ISA bridge, a controller with a driver);
 * either may be NULL.  Another slot and the firmware first, then selecting
 * the rest (never when a guard protects one of them, or it would take the
 * host's last GPU), then the ACS override with its risks (unless
 * @acs_override_on). */
GPtrArray  *pt_fix_for_shared_group (PtTopology  *topology,
                                     PtDevice    *card,
                                     GPtrArray   *missing,
                                     GPtrArray   *unusable,
                                     gboolean     acs_override_on);
/* The same for a device page, before anything is selected: @card and its
 * slot's functions are the selection. */
GPtrArray  *pt_fix_for_device_group (PtTopology  *topology,
                                     PtDevice    *card);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtFix, pt_fix_free)

G_END_DECLS
