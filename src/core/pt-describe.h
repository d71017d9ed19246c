/* pt-describe.h: the sentences and badges the CLI and the app show for a
 * device, so both say the same thing in the same words.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "pt-topology.h"

G_BEGIN_DECLS

char       *pt_describe_noun           (PtDevice   *device);
char       *pt_describe_device_ref     (PtTopology *topology,
                                        const char *address);
GPtrArray  *pt_describe_badges         (PtTopology *topology,
                                        PtDevice   *device);
char       *pt_describe_group          (PtTopology *topology,
                                        PtDevice   *device);
char       *pt_describe_same_ids       (PtTopology *topology,
                                        PtDevice   *device);
char       *pt_describe_holds          (PtDevice   *device);
char       *pt_describe_join           (GPtrArray  *items);
char       *pt_describe_group_count    (PtGroup    *group);
/* A GPU's one-line verdict: "the host's screen", "shares its group",
 * "ready"; NULL for anything else (or a GPU in no group). */
const char *pt_describe_verdict        (PtDevice   *device);
/* Words people search for a device's kind by ("gpu graphics video …"),
 * "" when none. */
const char *pt_describe_kind_words     (PtDevice   *device);

G_END_DECLS
