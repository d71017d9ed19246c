/* pt-group.h: one IOMMU group and the devices in it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "pt-device.h"

G_BEGIN_DECLS

#define PT_TYPE_GROUP (pt_group_get_type ())
G_DECLARE_FINAL_TYPE (PtGroup, pt_group, PT, GROUP, GObject)

PtGroup    *pt_group_new                (int       id);
int         pt_group_get_id             (PtGroup  *self);
GListModel *pt_group_get_devices        (PtGroup  *self);
guint       pt_group_get_n_devices      (PtGroup  *self);
guint       pt_group_get_n_endpoints    (PtGroup  *self);
void        pt_group_add_device         (PtGroup  *self,
                                         PtDevice *device);

G_END_DECLS
