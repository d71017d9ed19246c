/* pt-app-group-row.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "pt-app-group-row.h"

struct _PtAppGroupRow
{
  GtkWidget  parent_instance;
  GtkInscription  *title;
  GtkInscription  *count;
  GtkWidget *shared_icon;
};

G_DEFINE_FINAL_TYPE (PtAppGroupRow, pt_app_group_row, GTK_TYPE_WIDGET)

/* A group is "shared" when one of its endpoints would have to take a device
 * of another slot along: the case the warning icon points at. */
gboolean
pt_app_group_is_shared (PtGroup *group)
{
  GListModel *devices = pt_group_get_devices (group);
  guint n = g_list_model_get_n_items (devices);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(PtDevice) dev = g_list_model_get_item (devices, i);
      GStrv shares = pt_device_get_shares_group_with (dev);
      if (pt_device_is_endpoint (dev) && shares != NULL && shares[0] != NULL)
        return TRUE;
    }
  return FALSE;
}

void
pt_app_group_row_set_group (PtAppGroupRow *self,
                            PtGroup       *group)
{
  int id = pt_group_get_id (group);
  guint n = pt_group_get_n_devices (group);
  gboolean shared = pt_app_group_is_shared (group);
  g_autofree char *title = NULL;
  g_autofree char *count = NULL;
  g_autofree char *accessible = NULL;

  if (id >= 0)
    title = g_strdup_printf (_("IOMMU group %d"), id);
  else
    title = g_strdup (_("Not in any IOMMU group"));
  count = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u device", "%u devices", n), n);

  gtk_inscription_set_text (self->title, title);
  gtk_inscription_set_text (self->count, count);
  gtk_widget_set_visible (self->shared_icon, shared);

  /* GTK 4.8 list items have no name: the row's own widget carries it. */
  accessible = g_strdup_printf (shared ? _("%s · %s · shared: its devices go to a VM together")
                                       : "%s · %s", title, count);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, accessible, -1);
  gtk_widget_set_tooltip_text (self->shared_icon,
                               shared ? _("Devices of different slots share this group: they can only go to a virtual machine together.") : NULL);
}

static void
pt_app_group_row_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), PT_APP_TYPE_GROUP_ROW);
  G_OBJECT_CLASS (pt_app_group_row_parent_class)->dispose (object);
}

static void
pt_app_group_row_class_init (PtAppGroupRowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = pt_app_group_row_dispose;
  gtk_widget_class_set_template_from_resource (widget_class, "/com/example/Passthrough/ui/pt-app-group-row.ui");
  gtk_widget_class_bind_template_child (widget_class, PtAppGroupRow, title);
  gtk_widget_class_bind_template_child (widget_class, PtAppGroupRow, count);
  gtk_widget_class_bind_template_child (widget_class, PtAppGroupRow, shared_icon);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
  gtk_widget_class_set_css_name (widget_class, "ptgrouprow");
}

static void
pt_app_group_row_init (PtAppGroupRow *self)
{
  GtkLayoutManager *layout = gtk_widget_get_layout_manager (GTK_WIDGET (self));

  gtk_box_layout_set_spacing (GTK_BOX_LAYOUT (layout), 8);

  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
pt_app_group_row_new (void)
{
  return g_object_new (PT_APP_TYPE_GROUP_ROW, NULL);
}
