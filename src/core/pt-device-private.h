/* pt-device-private.h: the fields the topology loaders and the analysis fill.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "pt-device.h"

G_BEGIN_DECLS

struct _PtDevice
{
  GObject       parent_instance;

  char         *address;            /* 0000:01:00.0, a GRefString */
  guint16       vendor;
  guint16       device;
  guint16       subsystem_vendor;
  guint16       subsystem_device;
  guint32       class_code;         /* 0x030000 */
  guint8        revision;
  PtDeviceKind  kind;

  char         *vendor_name;
  char         *device_name;
  char         *subsystem_name;
  char         *class_name;

  char         *driver;             /* NULL: no driver bound */
  gboolean      boot_vga;
  char         *reset_method;       /* "flr bus", NULL when the kernel does not say */
  char         *parent;             /* upstream bridge, NULL at a root bus */
  char         *physfn;             /* SR-IOV: the PF of a VF */
  GPtrArray    *virtfns;            /* SR-IOV: the VFs of a PF (char *) */
  int           group_id;           /* -1: not in any IOMMU group */

  /* analysis */
  GPtrArray    *shares_group_with;  /* char * */
  GPtrArray    *same_ids_as;        /* char * */
  GPtrArray    *slot_functions;     /* char *, the other functions of the slot */
  GPtrArray    *holds;              /* char *: "root", "boot", "swap", … */
  gboolean      default_route;
  gboolean      driver_builtin;

  char         *sysfs_dir;          /* real device directory; NULL from a snapshot */

  /* PCIe facts for the slot advisor (pt-slots.c); all optional in a snapshot */
  int           secondary_bus;      /* a bridge's secondary bus, -1 unknown */
  int           port_type;          /* PCIe capability's port type, -1 unknown */
  int           acs;                /* bridges: 1 ACS capability, 0 none, -1 unknown */
  int           link_width;         /* current_link_width, 0 unknown */
  int           max_link_width;
  char         *link_speed;         /* "16.0 GT/s", NULL unknown */
  char         *max_link_speed;
  char         *slot_name;          /* bridges: the physical slot behind them (sys/bus/pci/slots) */
};

PtDevice *pt_device_new          (const char *address);
void      pt_device_add_unique   (GPtrArray   *array,
                                  const char  *value);
void      pt_device_update_kind  (PtDevice    *self);

G_END_DECLS
