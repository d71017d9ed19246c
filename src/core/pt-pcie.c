/* pt-pcie.c: the PCIe facts the slot advisor needs, read from sysfs.
 *
 * Everything here is optional: a fact that cannot be read stays unknown
 * (-1, 0 or NULL) and the advisor says so instead of guessing.
 *
 *  - link width and speed: the kernel's max_link_width, current_link_width,
 *    max_link_speed and current_link_speed attributes (PCIe devices only);
 *  - a bridge's secondary bus: byte 0x19 of the type 1 header, inside the
 *    first 64 bytes of `config` that every user may read;
 *  - the port type (root, upstream, downstream) from the PCI Express
 *    capability and ACS from the extended capability 0x000d: both lie past
 *    byte 64, which only root can read, so as a normal user they are unknown
 *    (lspci says "<access denied>" there for the same reason);
 *  - physical slot names: sys/bus/pci/slots/NAME/address holds
 *    "DOMAIN:BUS:DEV" of the slot, which is the secondary bus of the port
 *    that leads to it.
 *
 * Offsets and IDs are those of the PCI Express Base Specification (type 1
 * header, capability list at 0x34, PCI Express capability ID 0x10 with the
 * port type in bits 7:4 of its register at +2, extended capabilities from
 * 0x100 with ACS = 0x000d).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pt-slots.h"
#include "pt-topology-private.h"

#define PCI_CAP_LIST_PTR     0x34
#define PCI_CAP_ID_EXP       0x10
#define PCI_EXT_CAP_ID_ACS   0x000d

/* "16.0 GT/s PCIe" (5.x and later) and "8 GT/s" (older kernels): the words
 * before "PCIe"; "Unknown" (no link) is unknown. */
static char *
read_speed (const char *dir,
            const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *text = NULL;
  char *pcie;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return NULL;
  g_strstrip (text);
  if ((pcie = strstr (text, " PCIe")) != NULL)
    *pcie = '\0';
  if (*text == '\0' || g_ascii_strncasecmp (text, "Unknown", 7) == 0)
    return NULL;
  return g_steal_pointer (&text);
}

static int
read_width (const char *dir,
            const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *text = NULL;
  char *end = NULL;
  long v;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return 0;
  g_strstrip (text);
  v = strtol (text, &end, 10);
  /* x1 … x32; 255 or 0 is what the kernel shows without a link */
  if (end == text || *end != '\0' || v < 1 || v > 32)
    return 0;
  return (int) v;
}

static int
find_port_type (const guint8 *cfg,
                gsize         len)
{
  guint pos;
  int guard = 48;

  if (len < 0x100 || !(cfg[0x06] & 0x10))     /* status: capability list */
    return -1;
  pos = cfg[PCI_CAP_LIST_PTR] & 0xfc;
  while (pos >= 0x40 && pos + 4 <= 0x100 && guard-- > 0)
    {
      if (cfg[pos] == PCI_CAP_ID_EXP)
        return (cfg[pos + 2] >> 4) & 0xf;
      pos = cfg[pos + 1] & 0xfc;
    }
  return -1;
}

static int
find_acs (const guint8 *cfg,
          gsize         len)
{
  guint pos = 0x100;
  int guard = 480;

  if (len < 0x1000)
    return -1;
  while (pos >= 0x100 && pos + 4 <= len && guard-- > 0)
    {
      guint32 header = cfg[pos] | (cfg[pos + 1] << 8) | (cfg[pos + 2] << 16) | ((guint32) cfg[pos + 3] << 24);
      if (header == 0 || header == 0xffffffff)
        break;
      if ((header & 0xffff) == PCI_EXT_CAP_ID_ACS)
        return 1;
      pos = (header >> 20) & 0xffc;
    }
  return 0;
}

void
pt_pcie_read_sysfs (PtDevice *dev)
{
  gboolean bridge = (dev->class_code >> 8) == 0x0604;

  g_return_if_fail (dev->sysfs_dir != NULL);

  /* Virtual functions share their PF's link; reading four files for each of
   * hundreds of VFs would only repeat it. */
  if (dev->physfn != NULL)
    return;
  dev->max_link_width = read_width (dev->sysfs_dir, "max_link_width");
  if (dev->max_link_width > 0)
    {
      dev->link_width = read_width (dev->sysfs_dir, "current_link_width");
      dev->max_link_speed = read_speed (dev->sysfs_dir, "max_link_speed");
      dev->link_speed = read_speed (dev->sysfs_dir, "current_link_speed");
    }

  if (bridge)
    {
      g_autofree char *path = g_build_filename (dev->sysfs_dir, "config", NULL);
      g_autofree guint8 *cfg = NULL;
      gsize len = 0;

      if (g_file_get_contents (path, (char **) &cfg, &len, NULL) && len >= 0x1a &&
          (cfg[0x0e] & 0x7f) == 1)
        {
          dev->secondary_bus = cfg[0x19];
          dev->port_type = find_port_type (cfg, len);
          /* Without the PCI Express capability the 4 KiB extended space
           * does not exist: ACS then is as unknown as the port type. */
          dev->acs = dev->port_type >= 0 ? find_acs (cfg, len) : -1;
        }
    }
}

/* The port that leads to bus BUS of DOMAIN: the bridge whose secondary bus it is. */
static PtDevice *
port_for_bus (PtTopology *topology,
              guint       domain,
              guint       bus)
{
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (topology->devices)); i++)
    {
      g_autoptr(PtDevice) dev = g_list_model_get_item (G_LIST_MODEL (topology->devices), i);
      if (dev->secondary_bus == (int) bus &&
          strtoul (dev->address, NULL, 16) == domain)
        return dev;
    }
  return NULL;
}

void
pt_pcie_read_slot_names (PtPaths    *paths,
                         PtTopology *topology)
{
  g_autofree char *slots_dir = pt_paths_build (paths, "sys", "bus", "pci", "slots", NULL);
  g_autoptr(GDir) dir = g_dir_open (slots_dir, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (slots_dir, name, "address", NULL);
      g_autofree char *address = NULL;
      guint domain, bus;
      PtDevice *port;

      /* "0000:05:00"; hotplug drivers write "0000:05" for a slot without a
       * device number, which names the bus just as well. */
      if (!pt_paths_read_line (paths, path, &address) ||
          sscanf (address, "%x:%x", &domain, &bus) != 2 || bus > 0xff)
        continue;
      port = port_for_bus (topology, domain, bus);
      if (port != NULL && port->slot_name == NULL)
        port->slot_name = g_strdup (name);
    }
}
