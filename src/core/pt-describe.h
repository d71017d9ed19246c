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
/* A machine's name from its data ("Threadripper 1900X on an X399 board",
 * "XPS 15 9500 with Core i7-10750H"); NULL when the topology knows neither
 * its processor nor its board (an older snapshot). */
char       *pt_describe_machine        (PtTopology *topology);
/* The processor's model without brand marks, vendor and clock
 * ("Core i7-9700K", "Threadripper 1900X"); NULL for NULL. */
char       *pt_describe_cpu_model      (const char *model_name);

G_END_DECLS
