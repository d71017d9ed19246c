/* pt-app-device-row.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "pt-app-device-row.h"
#include "pt-describe.h"

struct _PtAppDeviceRow
{
  GtkWidget       parent_instance;
  GtkImage       *kind_icon;
  GtkInscription       *address;
  GtkInscription       *name;
  GtkInscription       *details;
  GtkWidget      *chosen_icon;

  PtDevice       *device;
  PtAppSelection *selection;
  gulong          changed_id;
};

G_DEFINE_FINAL_TYPE (PtAppDeviceRow, pt_app_device_row, GTK_TYPE_WIDGET)

/* More than the widest sidebar shows on the details line. */
#define DETAILS_SHOWN_CHARS 160

const char *
pt_app_kind_icon_name (PtDeviceKind kind)
{
  switch (kind)
    {
    case PT_DEVICE_KIND_GPU: return "pt-kind-gpu-symbolic";
    case PT_DEVICE_KIND_AUDIO: return "pt-kind-audio-symbolic";
    case PT_DEVICE_KIND_USB: return "pt-kind-usb-symbolic";
    case PT_DEVICE_KIND_NETWORK: return "pt-kind-network-symbolic";
    case PT_DEVICE_KIND_STORAGE: return "pt-kind-storage-symbolic";
    case PT_DEVICE_KIND_BRIDGE: return "pt-kind-bridge-symbolic";
    case PT_DEVICE_KIND_OTHER:
    default: return "pt-kind-other-symbolic";
    }
}

static void
update_chosen (PtAppDeviceRow *self)
{
  gboolean chosen = self->device != NULL && self->selection != NULL &&
                    pt_app_selection_contains (self->selection, pt_device_get_address (self->device));

  gtk_widget_set_visible (self->chosen_icon, chosen);
}

static void
clear_device (PtAppDeviceRow *self)
{
  if (self->selection != NULL)
    g_clear_signal_handler (&self->changed_id, self->selection);
  g_clear_object (&self->selection);
  g_clear_object (&self->device);
}

void
pt_app_device_row_set_device (PtAppDeviceRow *self,
                              PtTopology     *topology,
                              PtDevice       *device,
                              PtAppSelection *selection)
{
  g_autofree char *name = pt_device_dup_display_name (device);
  g_autofree char *ids = pt_device_dup_ids (device);
  g_autoptr(GPtrArray) badges = pt_describe_badges (topology, device);
  g_autoptr(GString) details = g_string_new (NULL);
  g_autoptr(GString) accessible = g_string_new (NULL);
  const char *driver = pt_device_get_driver (device);

  clear_device (self);
  self->device = g_object_ref (device);
  self->selection = g_object_ref (selection);
  self->changed_id = g_signal_connect_swapped (selection, "changed", G_CALLBACK (update_chosen), self);

  gtk_image_set_from_icon_name (self->kind_icon, pt_app_kind_icon_name (pt_device_get_kind (device)));
  gtk_inscription_set_text (self->address, pt_device_get_address (device));
  gtk_inscription_set_text (self->name, name);

  g_string_append (details, ids);
  g_string_append (details, " · ");
  if (driver != NULL)
    g_string_append (details, driver);
  else
    g_string_append (details, _("no driver"));
  for (guint i = 0; i < badges->len; i++)
    g_string_append_printf (details, " · %s", (const char *) g_ptr_array_index (badges, i));
  /* One line shows some 100 characters, but Pango shapes the whole text to
   * measure even an ellipsized label: with a hundred equal cards "same IDs
   * as …" is kilobytes long, and 200 rows of it made every search slow.
   * The tooltip (laid out only when shown) and screen readers keep it all. */
  if (g_utf8_strlen (details->str, DETAILS_SHOWN_CHARS + 1) > DETAILS_SHOWN_CHARS)
    {
      g_autofree char *shown = g_utf8_substring (details->str, 0, DETAILS_SHOWN_CHARS);
      g_autofree char *line = g_strconcat (shown, "…", NULL);
      gtk_inscription_set_text (self->details, line);
    }
  else
    gtk_inscription_set_text (self->details, details->str);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->details), details->str);

  /* The contract with tests and screen readers: full address first, then
   * the name, then what the row says besides. */
  g_string_append_printf (accessible, "%s %s, %s", pt_device_get_address (device), name, details->str);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, accessible->str, -1);
  update_chosen (self);
}

static void
pt_app_device_row_dispose (GObject *object)
{
  PtAppDeviceRow *self = PT_APP_DEVICE_ROW (object);

  clear_device (self);
  gtk_widget_dispose_template (GTK_WIDGET (object), PT_APP_TYPE_DEVICE_ROW);
  G_OBJECT_CLASS (pt_app_device_row_parent_class)->dispose (object);
}

static void
pt_app_device_row_class_init (PtAppDeviceRowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = pt_app_device_row_dispose;
  gtk_widget_class_set_template_from_resource (widget_class, "/com/example/Passthrough/ui/pt-app-device-row.ui");
  gtk_widget_class_bind_template_child (widget_class, PtAppDeviceRow, kind_icon);
  gtk_widget_class_bind_template_child (widget_class, PtAppDeviceRow, address);
  gtk_widget_class_bind_template_child (widget_class, PtAppDeviceRow, name);
  gtk_widget_class_bind_template_child (widget_class, PtAppDeviceRow, details);
  gtk_widget_class_bind_template_child (widget_class, PtAppDeviceRow, chosen_icon);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_GRID_LAYOUT);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
  gtk_widget_class_set_css_name (widget_class, "ptdevicerow");
}

static void
pt_app_device_row_init (PtAppDeviceRow *self)
{
  GtkLayoutManager *layout = gtk_widget_get_layout_manager (GTK_WIDGET (self));

  gtk_grid_layout_set_column_spacing (GTK_GRID_LAYOUT (layout), 8);
  gtk_grid_layout_set_row_spacing (GTK_GRID_LAYOUT (layout), 2);

  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
pt_app_device_row_new (void)
{
  return g_object_new (PT_APP_TYPE_DEVICE_ROW, NULL);
}
