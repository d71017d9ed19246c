/* pt-app-device-page.c
 *
 * The sentences come from pt-describe, the same the CLI prints, so the app
 * and `passthroughctl list` never disagree about a device.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "pt-app-bind-box.h"
#include "pt-app-device-page.h"
#include "pt-app-slots-view.h"
#include "pt-app-traps-view.h"
#include "pt-app-tree-row.h"
#include "pt-describe.h"
#include "pt-fix.h"

struct _PtAppDevicePage
{
  GtkWidget       parent_instance;
  GtkWidget      *scroller;
  GtkImage       *kind_icon;
  GtkLabel       *title;
  GtkLabel       *subtitle;
  GtkSwitch      *passthrough_switch;
  AdwActionRow   *passthrough_row;
  GtkLabel       *slot_label;
  PtAppBindBox   *bind_box;
  PtAppTrapsView *traps_view;
  GtkWidget      *advanced_group;
  GtkImage       *group_icon;
  GtkLabel       *group_label;
  GtkWidget      *same_ids_box;
  GtkLabel       *same_ids_label;
  GtkBox         *notes_box;
  GtkBox         *fixes_box;
  AdwActionRow   *driver_now_row;
  AdwActionRow   *driver_after_row;
  AdwActionRow   *reset_row;
  AdwActionRow   *address_row;
  AdwActionRow   *ids_row;
  AdwActionRow   *subsystem_row;
  AdwActionRow   *class_row;
  AdwActionRow   *revision_row;
  AdwActionRow   *slot_row;
  AdwActionRow   *group_row;
  AdwActionRow   *parent_row;

  PtTopology     *topology;
  PtDevice       *device;
  PtAppSelection *selection;
  gulong          changed_id;
  gboolean        updating;
};

G_DEFINE_FINAL_TYPE (PtAppDevicePage, pt_app_device_page, GTK_TYPE_WIDGET)

static char *
describe_reset (const char *methods)
{
  g_auto(GStrv) words = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *joined = NULL;

  if (methods == NULL || *methods == '\0')
    return g_strdup (_("Unknown: the kernel names no reset method, so the device may not reset cleanly between virtual machine starts."));
  words = g_strsplit_set (methods, " \n", -1);
  for (guint i = 0; words[i] != NULL; i++)
    {
      const char *w = words[i];
      if (*w == '\0')
        continue;
      if (g_str_equal (w, "flr"))
        g_ptr_array_add (names, g_strdup (_("function level reset (FLR)")));
      else if (g_str_equal (w, "bus"))
        g_ptr_array_add (names, g_strdup (_("secondary bus reset")));
      else if (g_str_equal (w, "pm"))
        g_ptr_array_add (names, g_strdup (_("power management reset")));
      else if (g_str_equal (w, "device_specific"))
        g_ptr_array_add (names, g_strdup (_("a device-specific reset")));
      else
        g_ptr_array_add (names, g_strdup (w));
    }
  joined = pt_describe_join (names);
  return g_strdup_printf (_("Resets with %s."), joined);
}

static void
add_note (PtAppDevicePage *self,
          const char      *icon_name,
          const char      *text)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *icon = gtk_image_new_from_icon_name (icon_name);
  GtkWidget *label = gtk_label_new (text);

  gtk_widget_set_valign (icon, GTK_ALIGN_START);
  if (g_str_has_prefix (icon_name, "dialog-warning"))
    gtk_widget_add_css_class (icon, "warning");
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  g_str_has_prefix (icon_name, "dialog-warning") ? _("Warning") : _("Note"), -1);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_selectable (GTK_LABEL (label), FALSE);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_box_append (GTK_BOX (box), icon);
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (self->notes_box, box);
}

static void
clear_box (GtkBox *box)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (box))) != NULL)
    gtk_box_remove (box, child);
}

static void
clear_notes (PtAppDevicePage *self)
{
  clear_box (self->notes_box);
  clear_box (self->fixes_box);
}

/* A shared group's fixes, best first, the same the plan gives
 * (src/core/pt-fix.c): never "pass them all through" where the group
 * holds what the host needs. */
static void
show_group_fixes (PtAppDevicePage *self,
                  PtTopology      *topology,
                  PtDevice        *device)
{
  g_autoptr(GPtrArray) fixes = pt_fix_for_device_group (topology, device);
  GtkWidget *heading = gtk_label_new (_("What you can do, best first:"));

  gtk_label_set_xalign (GTK_LABEL (heading), 0);
  gtk_widget_add_css_class (heading, "heading");
  gtk_box_append (self->fixes_box, heading);
  for (guint i = 0; i < fixes->len; i++)
    {
      PtFix *fix = g_ptr_array_index (fixes, i);
      g_autofree char *text = g_strdup_printf ("%u. %s", i + 1, fix->text);
      GtkWidget *label = gtk_label_new (text);

      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      if (g_str_equal (fix->kind, "acs-override") || g_str_equal (fix->kind, "other"))
        gtk_widget_add_css_class (label, "dim-label");
      gtk_box_append (self->fixes_box, label);
    }
  gtk_box_append (self->fixes_box, pt_app_slots_view_button_new ());
}

static void
set_subtitle (AdwActionRow *row,
              const char   *text)
{
  adw_action_row_set_subtitle (row, text != NULL ? text : "");
}

static void
update_choice (PtAppDevicePage *self)
{
  gboolean chosen;
  const char *driver;

  if (self->device == NULL)
    return;
  chosen = pt_app_selection_contains (self->selection, pt_device_get_address (self->device));
  self->updating = TRUE;
  gtk_switch_set_active (self->passthrough_switch, chosen);
  self->updating = FALSE;

  driver = pt_device_get_driver (self->device);
  if (chosen)
    set_subtitle (self->driver_after_row, _("vfio-pci, once the change is applied and the machine restarted"));
  else
    set_subtitle (self->driver_after_row, driver != NULL ? driver : _("none"));
}

static void
on_switch_active (PtAppDevicePage *self)
{
  if (self->updating || self->device == NULL)
    return;
  pt_app_selection_set_device (self->selection, self->topology, self->device,
                               gtk_switch_get_active (self->passthrough_switch));
}

static void
clear_device (PtAppDevicePage *self)
{
  if (self->selection != NULL)
    g_clear_signal_handler (&self->changed_id, self->selection);
  g_clear_object (&self->selection);
  g_clear_object (&self->device);
  g_clear_object (&self->topology);
}

PtDevice *
pt_app_device_page_get_device (PtAppDevicePage *self)
{
  return self->device;
}

void
pt_app_device_page_set_device (PtAppDevicePage *self,
                               PtTopology      *topology,
                               PtDevice        *device,
                               PtAppSelection  *selection)
{
  g_autofree char *name = pt_device_dup_display_name (device);
  g_autofree char *noun = pt_describe_noun (device);
  g_autofree char *ids = pt_device_dup_ids (device);
  g_autofree char *slot = pt_device_dup_slot (device);
  g_autofree char *group_sentence = pt_describe_group (topology, device);
  g_autofree char *same_ids = pt_describe_same_ids (topology, device);
  g_autofree char *holds = pt_describe_holds (device);
  g_autofree char *reset = describe_reset (pt_device_get_reset_method (device));
  g_autofree char *subtitle = NULL;
  g_autofree char *subsystem = NULL;
  g_autofree char *class_text = NULL;
  g_autofree char *revision = NULL;
  g_autofree char *group_text = NULL;
  GStrv shares = pt_device_get_shares_group_with (device);
  GStrv slot_functions = pt_device_get_slot_functions (device);
  const char *vendor_name = pt_device_get_vendor_name (device);
  const char *driver = pt_device_get_driver (device);
  gboolean endpoint = pt_device_is_endpoint (device);
  gboolean shared = shares != NULL && shares[0] != NULL;

  clear_device (self);
  self->topology = g_object_ref (topology);
  self->device = g_object_ref (device);
  self->selection = g_object_ref (selection);
  self->changed_id = g_signal_connect_swapped (selection, "changed", G_CALLBACK (update_choice), self);

  gtk_image_set_from_icon_name (self->kind_icon, pt_app_kind_icon_name (pt_device_get_kind (device)));
  gtk_label_set_label (self->title, name);
  subtitle = g_strdup_printf ("%s · %s · %s", vendor_name != NULL ? vendor_name : _("Unknown vendor"),
                              noun, pt_device_get_address (device));
  gtk_label_set_label (self->subtitle, subtitle);

  /* The switch: whole slots only. */
  gtk_widget_set_sensitive (GTK_WIDGET (self->passthrough_switch), endpoint);
  if (!endpoint)
    gtk_label_set_label (self->slot_label, _("Bridges stay with the host; choose the devices behind them instead."));
  else if (slot_functions != NULL && slot_functions[0] != NULL)
    {
      g_autoptr(GPtrArray) refs = g_ptr_array_new_with_free_func (g_free);
      g_autofree char *joined = NULL;
      g_autofree char *text = NULL;
      for (guint i = 0; slot_functions[i] != NULL; i++)
        g_ptr_array_add (refs, pt_describe_device_ref (topology, slot_functions[i]));
      joined = pt_describe_join (refs);
      text = g_strdup_printf (_("Takes %s along: the functions of one slot go to a virtual machine together."), joined);
      gtk_label_set_label (self->slot_label, text);
    }
  else
    gtk_label_set_label (self->slot_label, _("This device is alone in its slot."));

  gtk_label_set_label (self->group_label, group_sentence);
  gtk_image_set_from_icon_name (self->group_icon,
                                (shared || pt_device_get_group_id (device) < 0) ? "dialog-warning-symbolic"
                                                                                : "emblem-ok-symbolic");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->group_icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  (shared || pt_device_get_group_id (device) < 0) ? _("Warning") : _("Fine"), -1);
  if (shared)
    gtk_widget_add_css_class (GTK_WIDGET (self->group_icon), "warning");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->group_icon), "warning");

  clear_notes (self);
  if (shared && endpoint)
    show_group_fixes (self, topology, device);
  gtk_widget_set_visible (GTK_WIDGET (self->fixes_box), shared && endpoint);

  gtk_widget_set_visible (self->same_ids_box, same_ids != NULL);
  gtk_label_set_label (self->same_ids_label, same_ids != NULL ? same_ids : "");

  if (pt_device_get_boot_vga (device))
    add_note (self, "dialog-warning-symbolic",
              _("This is the boot GPU: the firmware shows its screen on it. Passed through, it leaves the host "
                "without its screen from the next restart; connect the host's monitor to another GPU and "
                "choose that one as the primary display in the firmware setup first."));
  if (holds != NULL)
    {
      g_autofree char *text = g_strdup_printf (_("This device %s: the host needs it, so it cannot be passed through."), holds);
      add_note (self, "dialog-warning-symbolic", text);
    }
  if (pt_device_get_default_route (device))
    add_note (self, "dialog-warning-symbolic",
              _("This network card carries the default route: passing it through takes the host off the "
                "network unless another connection takes over."));
  if (pt_device_get_physfn (device) != NULL)
    {
      g_autofree char *text = g_strdup_printf (_("This is a virtual function of %s. It exists only once its driver "
                                                 "creates it, so it can be bound at runtime but not at boot."),
                                               pt_device_get_physfn (device));
      add_note (self, "dialog-information-symbolic", text);
    }
  if (pt_device_get_driver_builtin (device))
    {
      g_autofree char *text = g_strdup_printf (_("The driver %s is built into the kernel, so vfio-pci cannot get "
                                                 "ahead of it by module order: Passthrough binds this device early, by address."),
                                               driver);
      add_note (self, "dialog-information-symbolic", text);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->notes_box),
                          gtk_widget_get_first_child (GTK_WIDGET (self->notes_box)) != NULL);

  set_subtitle (self->driver_now_row, driver != NULL ? driver : _("none"));
  set_subtitle (self->reset_row, reset);

  set_subtitle (self->address_row, pt_device_get_address (device));
  {
    g_autofree char *text = g_strdup_printf ("%s · %s %s", ids, vendor_name != NULL ? vendor_name : "", name);
    set_subtitle (self->ids_row, text);
  }
  if (pt_device_get_subsystem_vendor (device) != 0 || pt_device_get_subsystem_device (device) != 0)
    subsystem = g_strdup_printf ("%04x:%04x%s%s", pt_device_get_subsystem_vendor (device),
                                 pt_device_get_subsystem_device (device),
                                 pt_device_get_subsystem_name (device) ? " · " : "",
                                 pt_device_get_subsystem_name (device) ? pt_device_get_subsystem_name (device) : "");
  set_subtitle (self->subsystem_row, subsystem != NULL ? subsystem : _("none"));
  class_text = g_strdup_printf ("%s (%06x)", pt_device_get_class_name (device) ? pt_device_get_class_name (device) : noun,
                                pt_device_get_class_code (device));
  set_subtitle (self->class_row, class_text);
  revision = g_strdup_printf ("%02x", pt_device_get_revision (device));
  set_subtitle (self->revision_row, revision);
  set_subtitle (self->slot_row, slot);
  if (pt_device_get_group_id (device) >= 0)
    group_text = g_strdup_printf ("%d", pt_device_get_group_id (device));
  set_subtitle (self->group_row, group_text != NULL ? group_text : _("none"));
  set_subtitle (self->parent_row, pt_device_get_parent (device) ? pt_device_get_parent (device) : _("none (on the root bus)"));

  pt_app_bind_box_set_device (self->bind_box, topology, device);
  pt_app_traps_view_set_device (self->traps_view, topology, device, selection);
  /* Bridges have no expert controls: the runtime bind is for endpoints. */
  gtk_widget_set_visible (self->advanced_group, endpoint);
  update_choice (self);
  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (self->scroller)), 0);
}

static void
pt_app_device_page_dispose (GObject *object)
{
  PtAppDevicePage *self = PT_APP_DEVICE_PAGE (object);

  clear_device (self);
  gtk_widget_dispose_template (GTK_WIDGET (object), PT_APP_TYPE_DEVICE_PAGE);
  G_OBJECT_CLASS (pt_app_device_page_parent_class)->dispose (object);
}

static void
pt_app_device_page_class_init (PtAppDevicePageClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = pt_app_device_page_dispose;
  g_type_ensure (PT_APP_TYPE_BIND_BOX);
  g_type_ensure (PT_APP_TYPE_TRAPS_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class, "/com/example/Passthrough/ui/pt-app-device-page.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, PtAppDevicePage, name)
  BIND (scroller);
  BIND (kind_icon);
  BIND (title);
  BIND (subtitle);
  BIND (passthrough_switch);
  BIND (passthrough_row);
  BIND (slot_label);
  BIND (bind_box);
  BIND (traps_view);
  BIND (advanced_group);
  BIND (group_icon);
  BIND (group_label);
  BIND (same_ids_box);
  BIND (same_ids_label);
  BIND (notes_box);
  BIND (fixes_box);
  BIND (driver_now_row);
  BIND (driver_after_row);
  BIND (reset_row);
  BIND (address_row);
  BIND (ids_row);
  BIND (subsystem_row);
  BIND (class_row);
  BIND (revision_row);
  BIND (slot_row);
  BIND (group_row);
  BIND (parent_row);
#undef BIND
  gtk_widget_class_bind_template_callback (widget_class, on_switch_active);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
pt_app_device_page_init (PtAppDevicePage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  /* The Advanced area's list row around the bind box is no stop for Tab:
   * its buttons are (GTK 4.8 would call the row by its type's name). */
  {
    GtkWidget *row = gtk_widget_get_parent (GTK_WIDGET (self->bind_box));
    if (GTK_IS_LIST_BOX_ROW (row))
      {
        gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
        gtk_widget_set_focusable (row, FALSE);
      }
  }
  /* AdwActionRow labels its activatable widget by its title; with our own
   * label on top, GTK 4.8 would say the name twice. */
  gtk_accessible_reset_relation (GTK_ACCESSIBLE (self->passthrough_switch), GTK_ACCESSIBLE_RELATION_LABELLED_BY);
}

void
pt_app_device_page_set_inspect_reason (PtAppDevicePage *self,
                                       const char      *reason)
{
  pt_app_bind_box_set_inspect_reason (self->bind_box, reason);
}
