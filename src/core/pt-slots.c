/* pt-slots.c: the slot advisor.
 *
 * The kernel does not know where slots sit on the board, but it knows the
 * ports they hang off.  A slot is a root port or a switch's downstream port
 * that leads to no further port (a port that leads to a switch is where the
 * switch sits, not a slot).  Whether a card there gets a group of its own is
 * read from the groups the kernel made, which already reflect ACS along the
 * path: a card joins the group of its functions if something sits there, and
 * for an empty slot the port's own group when the port has no ACS (the kernel
 * aliases a device to the first bridge above it that does not isolate it).
 * Bridges in a group are harmless for vfio; what matters are the other
 * endpoints, which would have to go to the guest too.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include <stdlib.h>
#include <string.h>

#include "pt-slots.h"
#include "pt-topology-private.h"

#define PCI_EXP_TYPE_ROOT_PORT  0x4
#define PCI_EXP_TYPE_UPSTREAM   0x5
#define PCI_EXP_TYPE_DOWNSTREAM 0x6

void
pt_slot_free (PtSlot *slot)
{
  if (slot == NULL)
    return;
  g_free (slot->port);
  g_free (slot->slot_name);
  g_free (slot->why);
  g_free (slot->speed);
  g_free (slot->current_speed);
  g_ptr_array_unref (slot->devices);
  g_ptr_array_unref (slot->shares_with);
  g_ptr_array_unref (slot->bridges_without_acs);
  g_free (slot);
}

static gboolean
is_bridge (PtDevice *dev)
{
  return (dev->class_code >> 8) == 0x0604;
}

static PtDevice *
parent_of (PtTopology *topology,
           PtDevice   *dev)
{
  return dev->parent != NULL ? pt_topology_lookup (topology, dev->parent) : NULL;
}

static gboolean
is_behind (PtTopology *topology,
           PtDevice   *dev,
           PtDevice   *port)
{
  int guard = 64;

  for (PtDevice *p = parent_of (topology, dev); p != NULL && guard-- > 0; p = parent_of (topology, p))
    if (p == port)
      return TRUE;
  return FALSE;
}

/* The device number of an address "0000:00:1c.4": 0x1c. */
static guint
device_number (const char *address)
{
  const char *dot = strrchr (address, '.');
  return dot != NULL && dot - address >= 2 ? (guint) strtoul (dot - 2, NULL, 16) : 0;
}

/* Where a port is wired.  A root port is the CPU's, except Intel's PCH root
 * ports (device numbers 0x1a–0x1d on the root bus since the 5 Series).  A
 * downstream port of a switch whose upstream port is AMD's, Intel's or
 * ASMedia's sits in the chipset (AMD's Promontory and its successors are
 * such switches); any other switch is a switch (PLX/Broadcom, on the board
 * or on a card). */
static const char *
attachment (PtTopology *topology,
            PtDevice   *port)
{
  PtDevice *up = parent_of (topology, port);

  if (up == NULL)
    return port->vendor == 0x8086 && device_number (port->address) >= 0x1a &&
           device_number (port->address) <= 0x1d ? "chipset" : "cpu";
  if (up->vendor == 0x1022 || up->vendor == 0x8086 || up->vendor == 0x1b21)
    return "chipset";
  return "switch";
}

/* AMD's "internal GPP bridges" lead to functions of the processor itself
 * (its USB, audio, crypto and dummy functions, all vendor 0x1022; AMD's GPUs
 * are 0x1002): no card can sit there. */
static gboolean
leads_to_own_functions (PtTopology *topology,
                        PtDevice   *port)
{
  GListModel *devices = G_LIST_MODEL (topology->devices);
  gboolean any = FALSE;

  if (port->vendor != 0x1022)
    return FALSE;
  for (guint i = 0; i < g_list_model_get_n_items (devices); i++)
    {
      g_autoptr(PtDevice) dev = g_list_model_get_item (devices, i);
      if (!is_behind (topology, dev, port))
        continue;
      if (dev->vendor != 0x1022)
        return FALSE;
      any = TRUE;
    }
  return any;
}

static gboolean
is_port_candidate (PtTopology *topology,
                   PtDevice   *dev,
                   GPtrArray  *bridges)
{
  if (!is_bridge (dev))
    return FALSE;
  if (dev->port_type >= 0 && dev->port_type != PCI_EXP_TYPE_ROOT_PORT &&
      dev->port_type != PCI_EXP_TYPE_DOWNSTREAM)
    return FALSE;
  /* Without the port type (config space past byte 64 is root's): a bridge on
   * the root bus is a root port; below a bridge it is a downstream port
   * unless further bridges hang below it (then it is an upstream port, or a
   * port a switch sits behind). */
  for (guint i = 0; i < bridges->len; i++)
    {
      PtDevice *other = g_ptr_array_index (bridges, i);
      if (other != dev && is_behind (topology, other, dev))
        return FALSE;
    }
  return !leads_to_own_functions (topology, dev);
}

static char *
describe (PtTopology *topology,
          const char *address)
{
  PtDevice *dev = pt_topology_lookup (topology, address);
  const char *what = dev != NULL ? (dev->device_name ? dev->device_name : dev->class_name) : NULL;
  return what != NULL ? g_strdup_printf ("%s (%s)", address, what) : g_strdup (address);
}

static char *
join_described (PtTopology *topology,
                GPtrArray  *addresses,
                guint       max)
{
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; i < addresses->len && i < max; i++)
    {
      g_autofree char *d = describe (topology, g_ptr_array_index (addresses, i));
      if (i > 0)
        g_string_append (out, ", ");
      g_string_append (out, d);
    }
  if (addresses->len > max)
    g_string_append_printf (out, _(" and %u more"), addresses->len - max);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static PtSlot *
make_slot (PtTopology *topology,
           PtDevice   *port)
{
  g_autoptr(PtSlot) slot = g_new0 (PtSlot, 1);
  g_autoptr(GHashTable) groups = g_hash_table_new (NULL, NULL);
  GListModel *devices = G_LIST_MODEL (topology->devices);
  PtDevice *first = NULL;
  int guard = 64;

  slot->port = g_strdup (port->address);
  slot->slot_name = g_strdup (port->slot_name);
  slot->attached = attachment (topology, port);
  slot->acs = port->acs;
  slot->width = port->max_link_width;
  slot->speed = g_strdup (port->max_link_speed);
  slot->current_width = port->link_width;
  slot->current_speed = g_strdup (port->link_speed);
  slot->devices = g_ptr_array_new_null_terminated (0, g_free, TRUE);
  slot->shares_with = g_ptr_array_new_null_terminated (0, g_free, TRUE);
  slot->bridges_without_acs = g_ptr_array_new_null_terminated (0, g_free, TRUE);
  slot->group = -1;

  for (guint i = 0; i < g_list_model_get_n_items (devices); i++)
    {
      g_autoptr(PtDevice) dev = g_list_model_get_item (devices, i);
      if (is_bridge (dev) || !is_behind (topology, dev, port))
        continue;
      g_ptr_array_add (slot->devices, g_strdup (dev->address));
      if (first == NULL)
        first = dev;
      if (dev->group_id >= 0)
        g_hash_table_add (groups, GINT_TO_POINTER (dev->group_id));
    }

  /* Which group(s) a card there is in, or would join. */
  if (first != NULL)
    slot->group = first->group_id;
  else if (port->acs != 1 && port->group_id >= 0)
    {
      slot->group = port->group_id;
      g_hash_table_add (groups, GINT_TO_POINTER (port->group_id));
    }

  for (guint i = 0; i < g_list_model_get_n_items (devices); i++)
    {
      g_autoptr(PtDevice) dev = g_list_model_get_item (devices, i);
      if (is_bridge (dev) || dev->group_id < 0 ||
          !g_hash_table_contains (groups, GINT_TO_POINTER (dev->group_id)) ||
          is_behind (topology, dev, port))
        continue;
      g_ptr_array_add (slot->shares_with, g_strdup (dev->address));
    }

  /* A switch's upstream port needs no ACS (PCIe 3.0, 6.12.1.1: root and
   * downstream ports say what they forward), so it is never named. */
  for (PtDevice *p = port; p != NULL && guard-- > 0; p = parent_of (topology, p))
    if (p->acs == 0 && p->port_type != PCI_EXP_TYPE_UPSTREAM)
      g_ptr_array_add (slot->bridges_without_acs, g_strdup (p->address));

  slot->isolated = slot->shares_with->len == 0 &&
                   (first == NULL || g_hash_table_size (groups) > 0);
  if (first != NULL && g_hash_table_size (groups) == 0)
    slot->why = g_strdup (_("What sits here is in no IOMMU group: the IOMMU is off, so no slot isolates anything."));
  else if (first == NULL && slot->group < 0 && port->acs != 1)
    {
      slot->isolated = FALSE;
      slot->why = g_strdup (_("The port is in no IOMMU group: the IOMMU is off, so no slot isolates anything."));
    }
  else if (slot->isolated && first == NULL && port->acs == 1)
    slot->why = g_strdup (_("The port has ACS: a card here gets an IOMMU group of its own."));
  else if (slot->isolated)
    slot->why = g_strdup_printf (_("A card here gets an IOMMU group of its own: group %d holds nothing but what sits behind this port."),
                                 slot->group);
  else
    {
      g_autofree char *mates = join_described (topology, slot->shares_with, 6);
      g_autoptr(GString) why = g_string_new (NULL);

      g_string_append_printf (why, _("A card here shares group %d with %s."), slot->group, mates);
      if (slot->bridges_without_acs->len > 0)
        {
          g_autofree char *list = g_strjoinv (", ", (char **) slot->bridges_without_acs->pdata);
          g_string_append_c (why, ' ');
          g_string_append_printf (why, _("No ACS on %s, so what sits behind it is not kept apart."), list);
        }
      else if (port->acs < 0)
        g_string_append (why, _(" The ports above it do not keep them apart (whether they have ACS can be read as root only)."));
      slot->why = g_string_free (g_steal_pointer (&why), FALSE);
    }
  return g_steal_pointer (&slot);
}

GPtrArray *
pt_slots_list (PtTopology *topology)
{
  GListModel *devices = G_LIST_MODEL (topology->devices);
  g_autoptr(GPtrArray) bridges = g_ptr_array_new ();
  GPtrArray *slots = g_ptr_array_new_with_free_func ((GDestroyNotify) pt_slot_free);

  g_return_val_if_fail (PT_IS_TOPOLOGY (topology), NULL);

  for (guint i = 0; i < g_list_model_get_n_items (devices); i++)
    {
      g_autoptr(PtDevice) dev = g_list_model_get_item (devices, i);
      if (is_bridge (dev))
        g_ptr_array_add (bridges, dev);   /* borrowed: the topology holds it */
    }
  for (guint i = 0; i < bridges->len; i++)
    {
      PtDevice *dev = g_ptr_array_index (bridges, i);
      if (is_port_candidate (topology, dev, bridges))
        g_ptr_array_add (slots, make_slot (topology, dev));
    }
  return slots;
}

const char *
pt_slots_find_port (GPtrArray  *slots,
                    const char *address)
{
  for (guint i = 0; i < slots->len; i++)
    {
      PtSlot *slot = g_ptr_array_index (slots, i);
      if (g_ptr_array_find_with_equal_func (slot->devices, address, g_str_equal, NULL))
        return slot->port;
    }
  return NULL;
}

GPtrArray *
pt_slots_isolating_ports (PtTopology *topology,
                          const char *address)
{
  g_autoptr(GPtrArray) slots = pt_slots_list (topology);
  GPtrArray *ports = g_ptr_array_new_null_terminated (0, g_free, TRUE);

  for (guint i = 0; i < slots->len; i++)
    {
      PtSlot *slot = g_ptr_array_index (slots, i);
      if (slot->isolated &&
          (slot->devices->len == 0 ||
           g_ptr_array_find_with_equal_func (slot->devices, address, g_str_equal, NULL)))
        g_ptr_array_add (ports, g_strdup (slot->port));
    }
  return ports;
}

static void
add_strv_member (JsonBuilder *b,
                 const char  *name,
                 GPtrArray   *values)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_array (b);
  for (guint i = 0; i < values->len; i++)
    json_builder_add_string_value (b, g_ptr_array_index (values, i));
  json_builder_end_array (b);
}

static void
add_tristate (JsonBuilder *b,
              const char  *name,
              int          value)
{
  json_builder_set_member_name (b, name);
  if (value < 0)
    json_builder_add_null_value (b);
  else
    json_builder_add_boolean_value (b, value > 0);
}

static void
add_width_speed (JsonBuilder *b,
                 const char  *width_name,
                 int          width,
                 const char  *speed_name,
                 const char  *speed)
{
  json_builder_set_member_name (b, width_name);
  if (width > 0)
    json_builder_add_int_value (b, width);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, speed_name);
  if (speed != NULL)
    json_builder_add_string_value (b, speed);
  else
    json_builder_add_null_value (b);
}

JsonNode *
pt_slots_to_json_node (GPtrArray *slots)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "slots");
  json_builder_begin_array (b);
  for (guint i = 0; i < slots->len; i++)
    {
      PtSlot *slot = g_ptr_array_index (slots, i);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "port");
      json_builder_add_string_value (b, slot->port);
      json_builder_set_member_name (b, "slot");
      if (slot->slot_name != NULL)
        json_builder_add_string_value (b, slot->slot_name);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "attached");
      json_builder_add_string_value (b, slot->attached);
      json_builder_set_member_name (b, "group");
      if (slot->group >= 0)
        json_builder_add_int_value (b, slot->group);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "isolated");
      json_builder_add_boolean_value (b, slot->isolated);
      json_builder_set_member_name (b, "why");
      json_builder_add_string_value (b, slot->why);
      add_tristate (b, "acs", slot->acs);
      json_builder_set_member_name (b, "link");
      json_builder_begin_object (b);
      add_width_speed (b, "width", slot->width, "speed", slot->speed);
      add_width_speed (b, "current_width", slot->current_width, "current_speed", slot->current_speed);
      json_builder_end_object (b);
      add_strv_member (b, "devices", slot->devices);
      add_strv_member (b, "shares_with", slot->shares_with);
      add_strv_member (b, "bridges_without_acs", slot->bridges_without_acs);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}
