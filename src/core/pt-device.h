/* pt-device.h: one PCI function as the topology and the app see it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum
{
  PT_DEVICE_KIND_GPU,
  PT_DEVICE_KIND_AUDIO,
  PT_DEVICE_KIND_USB,
  PT_DEVICE_KIND_NETWORK,
  PT_DEVICE_KIND_STORAGE,
  PT_DEVICE_KIND_BRIDGE,
  PT_DEVICE_KIND_OTHER,
} PtDeviceKind;

#define PT_TYPE_DEVICE_KIND (pt_device_kind_get_type ())
GType         pt_device_kind_get_type     (void);
const char   *pt_device_kind_to_string    (PtDeviceKind kind);
gboolean      pt_device_kind_from_string  (const char   *str,
                                           PtDeviceKind *out_kind);
PtDeviceKind  pt_device_kind_for_class    (guint32      class_code);

#define PT_TYPE_DEVICE (pt_device_get_type ())
G_DECLARE_FINAL_TYPE (PtDevice, pt_device, PT, DEVICE, GObject)

const char   *pt_device_get_address          (PtDevice *self);
guint16       pt_device_get_vendor           (PtDevice *self);
guint16       pt_device_get_device           (PtDevice *self);
guint16       pt_device_get_subsystem_vendor (PtDevice *self);
guint16       pt_device_get_subsystem_device (PtDevice *self);
guint32       pt_device_get_class_code       (PtDevice *self);
guint8        pt_device_get_revision         (PtDevice *self);
PtDeviceKind  pt_device_get_kind             (PtDevice *self);
const char   *pt_device_get_vendor_name      (PtDevice *self);
const char   *pt_device_get_device_name      (PtDevice *self);
const char   *pt_device_get_subsystem_name   (PtDevice *self);
const char   *pt_device_get_class_name       (PtDevice *self);
const char   *pt_device_get_driver           (PtDevice *self);
gboolean      pt_device_get_boot_vga         (PtDevice *self);
const char   *pt_device_get_reset_method     (PtDevice *self);
const char   *pt_device_get_parent           (PtDevice *self);
const char   *pt_device_get_physfn           (PtDevice *self);
GStrv         pt_device_get_virtfns          (PtDevice *self);
int           pt_device_get_group_id         (PtDevice *self);
GStrv         pt_device_get_shares_group_with (PtDevice *self);
GStrv         pt_device_get_same_ids_as      (PtDevice *self);
GStrv         pt_device_get_slot_functions   (PtDevice *self);
GStrv         pt_device_get_holds            (PtDevice *self);
gboolean      pt_device_get_default_route    (PtDevice *self);
gboolean      pt_device_get_driver_builtin   (PtDevice *self);

char         *pt_device_dup_ids              (PtDevice *self);
char         *pt_device_dup_slot             (PtDevice *self);
char         *pt_device_dup_display_name     (PtDevice *self);
gboolean      pt_device_is_endpoint          (PtDevice *self);
gboolean      pt_device_is_virtual_function  (PtDevice *self);

gboolean      pt_address_is_valid            (const char *address);
char         *pt_address_normalize           (const char *address);

G_END_DECLS
