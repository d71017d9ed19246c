/* pt-slots.h: the slot advisor: which root or downstream port a card can sit
 * behind, and whether a card there gets an IOMMU group of its own
 * (docs/machine-knowledge.md has the contract).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "pt-device.h"
#include "pt-paths.h"
#include "pt-topology.h"

G_BEGIN_DECLS

typedef struct
{
  char       *port;           /* the root or downstream port */
  char       *slot_name;      /* sys/bus/pci/slots name, NULL when the firmware gives none */
  const char *attached;       /* "cpu", "chipset", "switch" */
  int         group;          /* the group a card there is in or would join; -1: a new one */
  gboolean    isolated;
  char       *why;            /* a sentence */
  int         acs;            /* the port's ACS capability: 1, 0, -1 unknown */
  int         width;          /* the port's max_link_width, 0 unknown */
  char       *speed;          /* the port's max_link_speed */
  int         current_width;  /* the link now (to what sits there), 0 unknown */
  char       *current_speed;
  GPtrArray  *devices;        /* char *: endpoints behind the port */
  GPtrArray  *shares_with;    /* char *: endpoints elsewhere in the card's group */
  GPtrArray  *bridges_without_acs; /* char *: from the port up, where known */
} PtSlot;

void       pt_slot_free              (PtSlot      *slot);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtSlot, pt_slot_free)

/* Every slot of @topology, by port address (element type PtSlot). */
GPtrArray *pt_slots_list             (PtTopology  *topology);
/* The ports whose slot would give a card a group of its own and are free
 * (nothing sits there) or hold @address already: what a move-slot fix names. */
GPtrArray *pt_slots_isolating_ports  (PtTopology  *topology,
                                      const char  *address);
/* The slot @address sits in (a port among pt_slots_list), or NULL. */
const char *pt_slots_find_port       (GPtrArray   *slots,
                                      const char  *address);
JsonNode  *pt_slots_to_json_node     (GPtrArray   *slots);

/* pt-pcie.c: the facts above from sysfs, into the device's optional fields */
void       pt_pcie_read_sysfs        (PtDevice    *dev);
void       pt_pcie_read_slot_names   (PtPaths     *paths,
                                      PtTopology  *topology);

G_END_DECLS
