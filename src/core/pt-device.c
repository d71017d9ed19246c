/* pt-device.c: one PCI function.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "pt-device-private.h"

G_DEFINE_FINAL_TYPE (PtDevice, pt_device, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ADDRESS,
  PROP_DISPLAY_NAME,
  PROP_DRIVER,
  PROP_KIND,
  PROP_GROUP_ID,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char * const kind_names[] = {
  [PT_DEVICE_KIND_GPU] = "gpu",
  [PT_DEVICE_KIND_AUDIO] = "audio",
  [PT_DEVICE_KIND_USB] = "usb",
  [PT_DEVICE_KIND_NETWORK] = "network",
  [PT_DEVICE_KIND_STORAGE] = "storage",
  [PT_DEVICE_KIND_BRIDGE] = "bridge",
  [PT_DEVICE_KIND_OTHER] = "other",
};

GType
pt_device_kind_get_type (void)
{
  static gsize type_id = 0;

  if (g_once_init_enter (&type_id))
    {
      static const GEnumValue values[] = {
        { PT_DEVICE_KIND_GPU, "PT_DEVICE_KIND_GPU", "gpu" },
        { PT_DEVICE_KIND_AUDIO, "PT_DEVICE_KIND_AUDIO", "audio" },
        { PT_DEVICE_KIND_USB, "PT_DEVICE_KIND_USB", "usb" },
        { PT_DEVICE_KIND_NETWORK, "PT_DEVICE_KIND_NETWORK", "network" },
        { PT_DEVICE_KIND_STORAGE, "PT_DEVICE_KIND_STORAGE", "storage" },
        { PT_DEVICE_KIND_BRIDGE, "PT_DEVICE_KIND_BRIDGE", "bridge" },
        { PT_DEVICE_KIND_OTHER, "PT_DEVICE_KIND_OTHER", "other" },
        { 0, NULL, NULL }
      };
      GType t = g_enum_register_static ("PtDeviceKind", values);
      g_once_init_leave (&type_id, t);
    }
  return type_id;
}

const char *
pt_device_kind_to_string (PtDeviceKind kind)
{
  if ((guint) kind >= G_N_ELEMENTS (kind_names))
    return "other";
  return kind_names[kind];
}

gboolean
pt_device_kind_from_string (const char   *str,
                            PtDeviceKind *out_kind)
{
  for (guint i = 0; i < G_N_ELEMENTS (kind_names); i++)
    if (g_strcmp0 (str, kind_names[i]) == 0)
      {
        *out_kind = i;
        return TRUE;
      }
  return FALSE;
}

/* docs/json.md, `kind`: GPU = 0300 (VGA), 0302 (3D controller, a laptop's dGPU) or
 * 0380 (display controller, many iGPUs). */
PtDeviceKind
pt_device_kind_for_class (guint32 class_code)
{
  guint base = (class_code >> 16) & 0xff;
  guint sub = (class_code >> 8) & 0xff;

  switch (base)
    {
    case 0x03:
      return PT_DEVICE_KIND_GPU;
    case 0x04:
      return (sub == 0x01 || sub == 0x03) ? PT_DEVICE_KIND_AUDIO : PT_DEVICE_KIND_OTHER;
    case 0x0c:
      return sub == 0x03 ? PT_DEVICE_KIND_USB : PT_DEVICE_KIND_OTHER;
    case 0x02:
      return PT_DEVICE_KIND_NETWORK;
    case 0x01:
      return PT_DEVICE_KIND_STORAGE;
    case 0x06:
      return PT_DEVICE_KIND_BRIDGE;
    default:
      return PT_DEVICE_KIND_OTHER;
    }
}

static void
pt_device_finalize (GObject *object)
{
  PtDevice *self = PT_DEVICE (object);

  g_clear_pointer (&self->address, g_ref_string_release);
  g_free (self->vendor_name);
  g_free (self->device_name);
  g_free (self->subsystem_name);
  g_free (self->class_name);
  g_free (self->driver);
  g_free (self->reset_method);
  g_free (self->parent);
  g_free (self->physfn);
  g_free (self->sysfs_dir);
  g_free (self->link_speed);
  g_free (self->max_link_speed);
  g_free (self->slot_name);
  g_ptr_array_unref (self->virtfns);
  g_ptr_array_unref (self->shares_group_with);
  g_ptr_array_unref (self->same_ids_as);
  g_ptr_array_unref (self->slot_functions);
  g_ptr_array_unref (self->holds);

  G_OBJECT_CLASS (pt_device_parent_class)->finalize (object);
}

static void
pt_device_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  PtDevice *self = PT_DEVICE (object);

  switch (prop_id)
    {
    case PROP_ADDRESS:
      g_value_set_string (value, self->address);
      break;
    case PROP_DISPLAY_NAME:
      g_value_take_string (value, pt_device_dup_display_name (self));
      break;
    case PROP_DRIVER:
      g_value_set_string (value, self->driver);
      break;
    case PROP_KIND:
      g_value_set_enum (value, self->kind);
      break;
    case PROP_GROUP_ID:
      g_value_set_int (value, self->group_id);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pt_device_class_init (PtDeviceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = pt_device_finalize;
  object_class->get_property = pt_device_get_property;

  properties[PROP_ADDRESS] =
    g_param_spec_string ("address", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_DISPLAY_NAME] =
    g_param_spec_string ("display-name", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_DRIVER] =
    g_param_spec_string ("driver", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_KIND] =
    g_param_spec_enum ("kind", NULL, NULL, PT_TYPE_DEVICE_KIND, PT_DEVICE_KIND_OTHER,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_GROUP_ID] =
    g_param_spec_int ("group-id", NULL, NULL, -1, G_MAXINT, -1,
                      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
pt_device_init (PtDevice *self)
{
  self->group_id = -1;
  self->secondary_bus = -1;
  self->port_type = -1;
  self->acs = -1;
  self->virtfns = g_ptr_array_new_null_terminated (0, g_free, TRUE);
  /* Relations hold the other devices' addresses by reference (GRefString):
   * a 1,024-device machine with many equal cards has 100,000s of them. */
  self->shares_group_with = g_ptr_array_new_null_terminated (0, (GDestroyNotify) g_ref_string_release, TRUE);
  self->same_ids_as = g_ptr_array_new_null_terminated (0, (GDestroyNotify) g_ref_string_release, TRUE);
  self->slot_functions = g_ptr_array_new_null_terminated (0, (GDestroyNotify) g_ref_string_release, TRUE);
  self->holds = g_ptr_array_new_null_terminated (0, g_free, TRUE);
}

PtDevice *
pt_device_new (const char *address)
{
  PtDevice *self = g_object_new (PT_TYPE_DEVICE, NULL);

  self->address = g_ref_string_new (address);
  return self;
}

void
pt_device_add_unique (GPtrArray  *array,
                      const char *value)
{
  for (guint i = 0; i < array->len; i++)
    if (g_str_equal (g_ptr_array_index (array, i), value))
      return;
  g_ptr_array_add (array, g_strdup (value));
}

void
pt_device_update_kind (PtDevice *self)
{
  self->kind = pt_device_kind_for_class (self->class_code);
}

#define GETTER(type, name, field) \
  type pt_device_get_##name (PtDevice *self) \
  { \
    g_return_val_if_fail (PT_IS_DEVICE (self), 0); \
    return self->field; \
  }

GETTER (const char *, address, address)
GETTER (guint16, vendor, vendor)
GETTER (guint16, device, device)
GETTER (guint16, subsystem_vendor, subsystem_vendor)
GETTER (guint16, subsystem_device, subsystem_device)
GETTER (guint32, class_code, class_code)
GETTER (guint8, revision, revision)
GETTER (PtDeviceKind, kind, kind)
GETTER (const char *, vendor_name, vendor_name)
GETTER (const char *, device_name, device_name)
GETTER (const char *, subsystem_name, subsystem_name)
GETTER (const char *, class_name, class_name)
GETTER (const char *, driver, driver)
GETTER (gboolean, boot_vga, boot_vga)
GETTER (const char *, reset_method, reset_method)
GETTER (const char *, parent, parent)
GETTER (const char *, physfn, physfn)
GETTER (int, group_id, group_id)
GETTER (gboolean, default_route, default_route)
GETTER (gboolean, driver_builtin, driver_builtin)

#define STRV_GETTER(name) \
  GStrv pt_device_get_##name (PtDevice *self) \
  { \
    g_return_val_if_fail (PT_IS_DEVICE (self), NULL); \
    static char *empty[] = { NULL }; \
    return self->name->pdata ? (GStrv) self->name->pdata : empty; \
  }

STRV_GETTER (virtfns)
STRV_GETTER (shares_group_with)
STRV_GETTER (same_ids_as)
STRV_GETTER (slot_functions)
STRV_GETTER (holds)

char *
pt_device_dup_ids (PtDevice *self)
{
  static const char x[] = "0123456789abcdef";
  char *ids = g_malloc (10);

  /* "vvvv:dddd"; called for every device in every analysis, so no printf */
  for (int i = 0; i < 4; i++)
    {
      ids[3 - i] = x[(self->vendor >> (4 * i)) & 0xf];
      ids[8 - i] = x[(self->device >> (4 * i)) & 0xf];
    }
  ids[4] = ':';
  ids[9] = '\0';
  return ids;
}

/* "0000:01:00" for "0000:01:00.1": the functions of one slot go together. */
char *
pt_device_dup_slot (PtDevice *self)
{
  const char *dot = strrchr (self->address, '.');

  if (dot == NULL)
    return g_strdup (self->address);
  return g_strndup (self->address, dot - self->address);
}

char *
pt_device_dup_display_name (PtDevice *self)
{
  if (self->device_name != NULL)
    return g_strdup (self->device_name);
  if (self->class_name != NULL)
    return g_strdup (self->class_name);
  return g_strdup_printf ("Device %04x:%04x", self->vendor, self->device);
}

/* Bridges stay with the host when a group goes to a VM; everything else in a
 * group is an endpoint that must go along. */
gboolean
pt_device_is_endpoint (PtDevice *self)
{
  return ((self->class_code >> 16) & 0xff) != 0x06;
}

gboolean
pt_device_is_virtual_function (PtDevice *self)
{
  return self->physfn != NULL;
}

/* DDDD:BB:SS.F with lower-case hex; the only address form that travels
 * anywhere (D-Bus, the command line, JSON). */
gboolean
pt_address_is_valid (const char *address)
{
  static const char pattern[] = "hhhh:hh:hh.f";

  if (address == NULL || strlen (address) != sizeof pattern - 1)
    return FALSE;
  for (gsize i = 0; i < sizeof pattern - 1; i++)
    {
      char c = address[i];
      switch (pattern[i])
        {
        case 'h':
          if (!g_ascii_isdigit (c) && !(c >= 'a' && c <= 'f'))
            return FALSE;
          break;
        case 'f':
          if (c < '0' || c > '7')
            return FALSE;
          break;
        default:
          if (c != pattern[i])
            return FALSE;
        }
    }
  /* slot (device number) is 5 bits */
  return g_ascii_xdigit_value (address[8]) <= 1;
}

/* Accepts what people type ("01:00.0", "0000:01:00.0", upper case) and
 * returns the full form, or NULL. */
char *
pt_address_normalize (const char *address)
{
  g_autofree char *lower = NULL;
  char *full;

  if (address == NULL)
    return NULL;
  lower = g_ascii_strdown (address, -1);
  if (strlen (lower) == 7)
    full = g_strconcat ("0000:", lower, NULL);
  else
    full = g_strdup (lower);
  if (!pt_address_is_valid (full))
    {
      g_free (full);
      return NULL;
    }
  return full;
}
