/* pt-guard.h: what the host must not lose.  One list, read by the plan
 * (which device a fix may tell the person to select) and the app (a
 * device's verdict); docs/fixes-and-guards.md has the table.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "pt-topology.h"

G_BEGIN_DECLS

typedef enum
{
  PT_GUARD_NONE          = 0,
  PT_GUARD_BOOT_GPU      = 1 << 0,   /* boot_vga: the host's screen at boot */
  PT_GUARD_HOST_STORAGE  = 1 << 1,   /* holds /, /boot, the ESP, swap, a mounted file system, a pool */
  PT_GUARD_DEFAULT_ROUTE = 1 << 2,   /* the NIC of a default route */
  PT_GUARD_KEYBOARD      = 1 << 3,   /* a USB controller with every keyboard: a warning */
} PtGuard;

/* The guards whose device the plan refuses to take (blockers); the rest
 * (the keyboard) only warn. */
#define PT_GUARD_BLOCKERS (PT_GUARD_BOOT_GPU | PT_GUARD_HOST_STORAGE | PT_GUARD_DEFAULT_ROUTE)

/* The `holds` value of a USB controller that every keyboard of the host
 * hangs off (src/core/pt-analysis.c); not host storage. */
#define PT_HOLDS_KEYBOARD "keyboard"

PtGuard     pt_guard_for_device     (PtDevice   *device);
/* "the GPU the firmware boots on", "holds your root filesystem", … joined;
 * NULL when no guard protects the device. */
char       *pt_guard_describe       (PtDevice   *device);
/* The devices of @addresses a guard protects, as sentences naming each
 * ("0000:02:00.0 (NVIDIA …) is the GPU the firmware boots on"); empty when none. */
GPtrArray  *pt_guard_explain        (PtTopology *topology,
                                     GPtrArray  *addresses);

G_END_DECLS

G_BEGIN_DECLS
/* A group member that is no endpoint yet keeps the group from going to a
 * virtual machine: an ISA bridge, or a bridge-like function with a host
 * driver other than pcieport. */
gboolean    pt_guard_blocks_group   (PtDevice   *member);
/* Whether a plan could take @device with no blocker (the list's "Only what
 * can be passed through"): an endpoint in an IOMMU group whose other
 * endpoints are all functions of its own slot, no function of that slot
 * guarded by a blocker, and no member of the group that keeps the group
 * from a virtual machine.  The keyboard's controller can go: its guard
 * only warns. */
gboolean    pt_guard_device_can_go  (PtTopology *topology,
                                     PtDevice   *device);
G_END_DECLS
