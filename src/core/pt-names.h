/* pt-names.h: vendor, device and class names from libpci (pci.ids, hwdb).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

char *pt_names_vendor    (guint16 vendor);
char *pt_names_device    (guint16 vendor,
                          guint16 device);
char *pt_names_subsystem (guint16 vendor,
                          guint16 device,
                          guint16 subsystem_vendor,
                          guint16 subsystem_device);
char *pt_names_class     (guint32 class_code);

G_END_DECLS
