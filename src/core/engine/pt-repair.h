/* pt-repair.h: health after updates: why a configured setup needs repair
 * (docs/machine-knowledge.md).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "pt-plan-private.h"

G_BEGIN_DECLS

typedef struct
{
  const char *code;      /* "kernel-args-lost", "initramfs-stale", "group-changed" */
  char       *message;
  GStrv       devices;   /* the devices it is about; empty for the setup */
} PtRepairReason;

/* The reasons the running system no longer carries @state's setup (element
 * type PtRepairReason; empty when it does, or for a trial). */
GPtrArray *pt_repair_check      (PtPaths     *paths,
                                 PtTopology  *topology,
                                 PtState     *state,
                                 const char  *running);
gboolean   pt_repair_has        (GPtrArray   *reasons,
                                 const char  *code);
/* [{reason, message, devices}] */
void       pt_repair_to_builder (JsonBuilder *b,
                                 GPtrArray   *reasons);

G_END_DECLS
