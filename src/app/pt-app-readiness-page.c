/* pt-app-readiness-page.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "pt-app-readiness-page.h"
#include "pt-readiness.h"

struct _PtAppReadinessPage
{
  GtkWidget   parent_instance;
  GtkWidget  *scroller;
  GtkLabel   *summary;
  GtkListBox *checks_list;
};

G_DEFINE_FINAL_TYPE (PtAppReadinessPage, pt_app_readiness_page, GTK_TYPE_WIDGET)

static void
clear_list (GtkListBox *list)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list))) != NULL)
    gtk_list_box_remove (list, child);
}

char *
pt_app_readiness_page_set_machine (PtAppReadinessPage *self,
                                   PtAppMachine       *machine,
                                   int                *out_ready)
{
  g_autoptr(GPtrArray) checks = NULL;
  guint n_ok = 0;
  g_autofree char *summary = NULL;

  clear_list (self->checks_list);

  /* Readiness is about a machine: a snapshot has no cpuinfo or modules
   * (the same rule as `passthroughctl check`). */
  if (pt_app_machine_get_snapshot (machine) != NULL)
    {
      gtk_label_set_label (self->summary,
                           _("Readiness is checked on a machine, not on a snapshot: a snapshot holds the IOMMU groups "
                             "but not the firmware settings, the boot loader or the initramfs. Run Passthrough "
                             "on that machine, or “passthroughctl check” there."));
      gtk_widget_set_visible (GTK_WIDGET (self->checks_list), FALSE);
      *out_ready = -1;
      return g_strdup (_("not checked for a snapshot"));
    }

  /* A sandboxed app reads neither cpuinfo nor the modules: the helper ran
   * the checks (GetReadiness). */
  if (pt_app_machine_get_source (machine) == PT_APP_MACHINE_SOURCE_HELPER)
    {
      if (pt_app_machine_get_readiness (machine) == NULL)
        {
          g_autofree char *text = g_strdup_printf (_("The system helper could not check this machine: %s "
                                                     "“passthroughctl check”, run outside the sandbox, checks it too."),
                                                   pt_app_machine_get_readiness_error (machine));
          gtk_label_set_label (self->summary, text);
          gtk_widget_set_visible (GTK_WIDGET (self->checks_list), FALSE);
          *out_ready = -1;
          return g_strdup (_("not checked"));
        }
      checks = g_ptr_array_ref (pt_app_machine_get_readiness (machine));
    }
  else
    checks = pt_readiness_run (pt_app_machine_get_paths (machine), pt_app_machine_get_topology (machine));
  for (guint i = 0; i < checks->len; i++)
    {
      PtCheck *check = g_ptr_array_index (checks, i);
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *icon = gtk_image_new_from_icon_name (check->ok ? "emblem-ok-symbolic" : "dialog-warning-symbolic");

      gtk_widget_add_css_class (icon, check->ok ? "success" : "warning");
      gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      check->ok ? _("Passed") : _("Needs attention"), -1);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), check->message);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      if (check->fix != NULL)
        adw_action_row_set_subtitle (ADW_ACTION_ROW (row), check->fix);
      adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 0);
      adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
      gtk_list_box_append (self->checks_list, row);
      n_ok += check->ok;
    }
  gtk_widget_set_visible (GTK_WIDGET (self->checks_list), TRUE);
  summary = g_strdup_printf (_("%u of %u checks pass"), n_ok, checks->len);
  *out_ready = pt_readiness_all_ok (checks) ? 1 : 0;
  if (pt_readiness_all_ok (checks))
    gtk_label_set_label (self->summary, _("This machine is ready for passthrough."));
  else
    gtk_label_set_label (self->summary, _("Not ready yet: each item marked with a warning says what to do."));
  return g_steal_pointer (&summary);
}

static void
pt_app_readiness_page_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), PT_APP_TYPE_READINESS_PAGE);
  G_OBJECT_CLASS (pt_app_readiness_page_parent_class)->dispose (object);
}

static void
pt_app_readiness_page_class_init (PtAppReadinessPageClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = pt_app_readiness_page_dispose;
  gtk_widget_class_set_template_from_resource (widget_class, "/com/example/Passthrough/ui/pt-app-readiness-page.ui");
  gtk_widget_class_bind_template_child (widget_class, PtAppReadinessPage, scroller);
  gtk_widget_class_bind_template_child (widget_class, PtAppReadinessPage, summary);
  gtk_widget_class_bind_template_child (widget_class, PtAppReadinessPage, checks_list);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
pt_app_readiness_page_init (PtAppReadinessPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
