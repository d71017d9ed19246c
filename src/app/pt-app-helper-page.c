/* pt-app-helper-page.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "pt-app-helper.h"
#include "pt-app-helper-page.h"

struct _PtAppHelperPage
{
  GtkWidget      parent_instance;
  GtkStack      *stack;
  AdwStatusPage *missing_page;
  GtkLabel      *install_label;
  GtkWidget     *install_card;
  GtkLabel      *install_command;
  GtkListBox    *demo_list;
};

G_DEFINE_FINAL_TYPE (PtAppHelperPage, pt_app_helper_page, GTK_TYPE_WIDGET)

void
pt_app_helper_page_show_loading (PtAppHelperPage *self)
{
  gtk_stack_set_visible_child_name (self->stack, "loading");
}

void
pt_app_helper_page_show_missing (PtAppHelperPage *self)
{
  g_autofree char *command = pt_app_helper_dup_install_command (NULL);

  /* Set here rather than in the .ui: GTK loads the icons of hidden pages
   * with the window (see the window's set_content()). */
  adw_status_page_set_icon_name (self->missing_page, "dialog-warning-symbolic");
  if (command != NULL)
    {
      gtk_label_set_label (self->install_label, _("Install it on this machine (not inside the sandbox) with:"));
      gtk_label_set_label (self->install_command, command);
    }
  else
    gtk_label_set_label (self->install_label,
                         _("Install the passthrough-helper package of your distribution on this machine "
                           "(not inside the sandbox)."));
  gtk_widget_set_visible (self->install_card, command != NULL);
  gtk_stack_set_visible_child_name (self->stack, "missing");
}

GtkListBox *
pt_app_helper_page_get_demo_list (PtAppHelperPage *self)
{
  return self->demo_list;
}

static void
pt_app_helper_page_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), PT_APP_TYPE_HELPER_PAGE);
  G_OBJECT_CLASS (pt_app_helper_page_parent_class)->dispose (object);
}

static void
pt_app_helper_page_class_init (PtAppHelperPageClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = pt_app_helper_page_dispose;
  gtk_widget_class_set_template_from_resource (widget_class, "/com/example/Passthrough/ui/pt-app-helper-page.ui");
  gtk_widget_class_bind_template_child (widget_class, PtAppHelperPage, stack);
  gtk_widget_class_bind_template_child (widget_class, PtAppHelperPage, missing_page);
  gtk_widget_class_bind_template_child (widget_class, PtAppHelperPage, install_label);
  gtk_widget_class_bind_template_child (widget_class, PtAppHelperPage, install_card);
  gtk_widget_class_bind_template_child (widget_class, PtAppHelperPage, install_command);
  gtk_widget_class_bind_template_child (widget_class, PtAppHelperPage, demo_list);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
pt_app_helper_page_init (PtAppHelperPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
