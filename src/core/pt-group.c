/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "pt-device-private.h"
#include "pt-group.h"

struct _PtGroup
{
  GObject     parent_instance;
  int         id;
  GListStore *devices;
};

G_DEFINE_FINAL_TYPE (PtGroup, pt_group, G_TYPE_OBJECT)

enum { PROP_0, PROP_ID, PROP_N_DEVICES, N_PROPS };
static GParamSpec *properties[N_PROPS];

static void
pt_group_finalize (GObject *object)
{
  PtGroup *self = PT_GROUP (object);

  g_object_unref (self->devices);
  G_OBJECT_CLASS (pt_group_parent_class)->finalize (object);
}

static void
pt_group_get_property (GObject    *object,
                       guint       prop_id,
                       GValue     *value,
                       GParamSpec *pspec)
{
  PtGroup *self = PT_GROUP (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_int (value, self->id);
      break;
    case PROP_N_DEVICES:
      g_value_set_uint (value, pt_group_get_n_devices (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pt_group_class_init (PtGroupClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = pt_group_finalize;
  object_class->get_property = pt_group_get_property;
  properties[PROP_ID] = g_param_spec_int ("id", NULL, NULL, -1, G_MAXINT, -1,
                                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_DEVICES] = g_param_spec_uint ("n-devices", NULL, NULL, 0, G_MAXUINT, 0,
                                                  G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
pt_group_init (PtGroup *self)
{
  self->devices = g_list_store_new (PT_TYPE_DEVICE);
}

PtGroup *
pt_group_new (int id)
{
  PtGroup *self = g_object_new (PT_TYPE_GROUP, NULL);

  self->id = id;
  return self;
}

int
pt_group_get_id (PtGroup *self)
{
  g_return_val_if_fail (PT_IS_GROUP (self), -1);
  return self->id;
}

GListModel *
pt_group_get_devices (PtGroup *self)
{
  g_return_val_if_fail (PT_IS_GROUP (self), NULL);
  return G_LIST_MODEL (self->devices);
}

guint
pt_group_get_n_devices (PtGroup *self)
{
  return g_list_model_get_n_items (G_LIST_MODEL (self->devices));
}

guint
pt_group_get_n_endpoints (PtGroup *self)
{
  guint n = 0, total = pt_group_get_n_devices (self);

  for (guint i = 0; i < total; i++)
    {
      g_autoptr(PtDevice) dev = g_list_model_get_item (G_LIST_MODEL (self->devices), i);
      if (pt_device_is_endpoint (dev))
        n++;
    }
  return n;
}

void
pt_group_add_device (PtGroup  *self,
                     PtDevice *device)
{
  g_list_store_append (self->devices, device);
}
