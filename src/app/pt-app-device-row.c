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

/* What a row shows of a device. It depends on the device and its topology
 * only, so it is made once per device, kept on the device, and every later
 * bind of a row to it (each search binds ~200 rows) only sets it. */
typedef struct
{
  char *name;
  char *details;      /* whole: the tooltip and screen readers have it all */
  char *line;         /* what the details line shows */
  char *accessible;
} RowText;

G_DEFINE_QUARK (pt-app-device-row-text, row_text)

static void
row_text_free (gpointer data)
{
  RowText *text = data;

  g_free (text->name);
  g_free (text->details);
  g_free (text->line);
  g_free (text->accessible);
  g_free (text);
}

static const RowText *
row_text_for (PtTopology *topology,
              PtDevice   *device)
{
  RowText *text = g_object_get_qdata (G_OBJECT (device), row_text_quark ());

  if (text == NULL)
    {
      g_autofree char *ids = pt_device_dup_ids (device);
      g_autoptr(GPtrArray) badges = pt_describe_badges (topology, device);
      GString *details = g_string_new (ids);
      const char *driver = pt_device_get_driver (device);

      text = g_new0 (RowText, 1);
      text->name = pt_device_dup_display_name (device);
      g_string_append (details, " · ");
      g_string_append (details, driver != NULL ? driver : _("no driver"));
      for (guint i = 0; i < badges->len; i++)
        g_string_append_printf (details, " · %s", (const char *) g_ptr_array_index (badges, i));
      text->details = g_string_free (details, FALSE);
      /* One line shows some 100 characters, but Pango shapes the whole
       * text when it draws even an ellipsized one: with a hundred equal
       * cards "same IDs as …" is kilobytes long. */
      if (g_utf8_strlen (text->details, DETAILS_SHOWN_CHARS + 1) > DETAILS_SHOWN_CHARS)
        {
          g_autofree char *shown = g_utf8_substring (text->details, 0, DETAILS_SHOWN_CHARS);
          text->line = g_strconcat (shown, "…", NULL);
        }
      else
        text->line = g_strdup (text->details);
      /* The contract with tests and screen readers: full address first,
       * then the name, then what the row says besides. */
      text->accessible = g_strdup_printf ("%s %s, %s", pt_device_get_address (device), text->name, text->details);
      g_object_set_qdata_full (G_OBJECT (device), row_text_quark (), text, row_text_free);
    }
  return text;
}

/* The details' tooltip is made when it is shown: setting one at every bind
 * cost a sixth of the bind. */
static gboolean
on_details_query_tooltip (GtkWidget      *widget,
                          int             x,
                          int             y,
                          gboolean        keyboard,
                          GtkTooltip     *tooltip,
                          PtAppDeviceRow *self)
{
  RowText *text = self->device != NULL ? g_object_get_qdata (G_OBJECT (self->device), row_text_quark ()) : NULL;

  if (text == NULL)
    return FALSE;
  gtk_tooltip_set_text (tooltip, text->details);
  return TRUE;
}

void
pt_app_device_row_set_device (PtAppDeviceRow *self,
                              PtTopology     *topology,
                              PtDevice       *device,
                              PtAppSelection *selection)
{
  const RowText *text = row_text_for (topology, device);

  clear_device (self);
  self->device = g_object_ref (device);
  self->selection = g_object_ref (selection);
  self->changed_id = g_signal_connect_swapped (selection, "changed", G_CALLBACK (update_chosen), self);

  gtk_image_set_from_icon_name (self->kind_icon, pt_app_kind_icon_name (pt_device_get_kind (device)));
  gtk_inscription_set_text (self->address, pt_device_get_address (device));
  gtk_inscription_set_text (self->name, text->name);
  gtk_inscription_set_text (self->details, text->line);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, text->accessible, -1);
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
  gtk_widget_set_has_tooltip (GTK_WIDGET (self->details), TRUE);
  g_signal_connect (self->details, "query-tooltip", G_CALLBACK (on_details_query_tooltip), self);
}

GtkWidget *
pt_app_device_row_new (void)
{
  return g_object_new (PT_APP_TYPE_DEVICE_ROW, NULL);
}
