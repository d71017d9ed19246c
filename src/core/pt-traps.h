/* pt-traps.h: what passthrough users lose days to beyond the configuration
 * itself, found before the restart: each a code, a sentence and the fixes
 * (docs/machine-knowledge.md has the codes and the JSON).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "pt-paths.h"
#include "pt-fix.h"
#include "pt-topology.h"

G_BEGIN_DECLS

typedef enum
{
  PT_TRAP_INFO,
  PT_TRAP_WARNING,
  PT_TRAP_BLOCKER,
} PtTrapSeverity;


typedef struct
{
  const char     *code;       /* "boot-framebuffer", "reset-bug", "d3cold", "in-use", "virtual-machine", "rebar" */
  PtTrapSeverity  severity;
  GStrv           devices;    /* the devices it is about; empty for the machine */
  char           *message;
  GPtrArray      *fixes;      /* PtFix (pt-fix.h), best first */
} PtTrap;

void        pt_trap_free            (PtTrap      *trap);

/* The traps of @addresses (NULL: every display device) on the machine
 * under @paths.  With @topology from a snapshot (@paths NULL) only what the
 * snapshot shows: the reset families. */
GPtrArray  *pt_traps_find           (PtPaths            *paths,
                                     PtTopology         *topology,
                                     const char *const  *addresses);
/* The processes that hold @address's DRM or NVIDIA device nodes, as
 * "NAME (pid N)", from proc/PID/fd under @paths. */
GPtrArray  *pt_traps_holders        (PtPaths            *paths,
                                     PtTopology         *topology,
                                     const char         *address);
/* The family name when @vendor:@device is a card without a working reset
 * (AMD Polaris, Vega, Navi 1x), else NULL. */
const char *pt_traps_reset_family   (guint16             vendor,
                                     guint16             device);
JsonNode   *pt_traps_to_json_node   (GPtrArray          *traps);
const char *pt_trap_severity_to_string (PtTrapSeverity   severity);

G_END_DECLS
