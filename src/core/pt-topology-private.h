/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pt-device-private.h"
#include "pt-topology.h"

G_BEGIN_DECLS

struct _PtTopology
{
  GObject      parent_instance;

  GListStore  *groups;        /* PtGroup, by id */
  GListStore  *ungrouped;     /* PtDevice, by address */
  GListStore  *devices;       /* PtDevice, every device, by address */
  GHashTable  *by_address;    /* char * → PtDevice (borrowed) */

  char        *cpu_vendor;    /* "intel", "amd", NULL */
  char        *cmdline;
  char        *kernel_release;
  char        *cpu_model;     /* cpuinfo's "model name"; NULL: unknown */
  char        *board_vendor;  /* DMI (sys/class/dmi/id), NULL: unknown */
  char        *board_name;
  char        *product_name;
  gboolean     iommu_enabled;
  char        *iommu_vendor;  /* "intel", "amd", NULL */
  char        *source;        /* "/", a root directory or a snapshot file */
  gboolean     from_snapshot; /* read from JSON: what only the running kernel shows is not known */
};

PtTopology *pt_topology_new_empty      (const char *source);
void        pt_topology_take_device    (PtTopology *self,
                                        PtDevice   *device);
void        pt_topology_finish         (PtTopology *self);

/* pt-analysis.c */
void        pt_analysis_relations      (PtTopology *self);
void        pt_analysis_host_usage     (PtTopology *self,
                                        PtPaths    *paths);
char       *pt_analysis_pci_ancestor   (const char *real_path);

G_END_DECLS
