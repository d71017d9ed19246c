/* pt-select-ids.h: selecting devices by vendor:device IDs (docs/select-ids.md).
 *
 * A fleet's hosts differ in PCI addresses, not in cards: "10de:1b80" names
 * the same card on each of them.  This is the one rule turning such IDs into
 * the addresses a plan selects; the CLI's plan/apply --select-ids, the
 * helper's "select-ids" option and the Ansible module all go through it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "pt-topology.h"

G_BEGIN_DECLS

/* "10de:1b80" (four hex digits, a colon, four hex digits; either case) into
 * its two numbers.  FALSE for anything else. */
gboolean  pt_select_ids_parse    (const char         *text,
                                  guint16            *vendor,
                                  guint16            *device);

/* Every endpoint of @topology (bridges never) whose vendor:device is one of
 * @ids, in the topology's order, each address once.  The other functions of
 * each device's slot are not listed: the plan brings them along, as it does
 * for an address selected by hand (pt_plan_add_devices).
 * PT_ERROR_INVALID_ARGS for an ID that is not vendor:device;
 * PT_ERROR_UNKNOWN_DEVICE for an ID no endpoint of this machine has (none,
 * or only bridges). */
GStrv     pt_select_ids_resolve  (PtTopology         *topology,
                                  const char *const  *ids,
                                  GError            **error);

/* @addresses followed by those of @ids the list does not hold yet; both may
 * be NULL or empty.  The same errors as pt_select_ids_resolve(). */
GStrv     pt_select_ids_merge    (PtTopology         *topology,
                                  const char *const  *addresses,
                                  const char *const  *ids,
                                  GError            **error);

G_END_DECLS
