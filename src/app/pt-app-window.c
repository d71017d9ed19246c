/* pt-app-window.c
 *
 * The sidebar (the search, PtAppDeviceTree, the status panel, readiness) on
 * the left; the chosen device, readiness or a status page on the right;
 * loading machines, the dialogs and what the application's actions do.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "pt-app-device-page.h"
#include "pt-app-device-tree.h"
#include "pt-app-export-dialog.h"
#include "pt-app-helper.h"
#include "pt-app-helper-page.h"
#include "pt-app-machine.h"
#include "pt-app-readiness-page.h"
#include "pt-app-review-dialog.h"
#include "pt-app-selection.h"
#include "pt-app-slots-view.h"
#include "pt-app-traps-view.h"
#include "pt-app-status-panel.h"
#include "pt-app-window.h"
#include "pt-describe.h"

#include <json-glib/json-glib.h>

struct _PtAppWindow
{
  AdwApplicationWindow  parent_instance;

  AdwToastOverlay      *toast_overlay;
  AdwLeaflet           *leaflet;
  AdwWindowTitle       *sidebar_title;
  AdwWindowTitle       *content_title;
  GtkSearchEntry       *search_entry;
  PtAppDeviceTree      *device_tree;
  GtkButton            *readiness_button;
  GtkLabel             *readiness_summary;
  GtkWidget            *welcome_vm_box;
  GtkLabel             *welcome_vm_label;
  GtkImage             *readiness_icon;
  GtkWidget            *inspect_box;
  PtAppStatusPanel     *status_panel;
  GtkLabel             *inspect_label;
  GtkButton            *review_button;
  GtkButton            *sidebar_review_button;
  GtkStack             *content_stack;
  PtAppDevicePage      *device_page;    /* made when a device is first opened */
  PtAppReadinessPage   *readiness_page;
  AdwStatusPage        *no_iommu_page;
  GtkListBox           *demo_list;
  AdwStatusPage        *error_page;
  PtAppHelperPage      *helper_page;
  GCancellable         *load_cancellable;  /* reading a machine, or asking the helper for it */
  char                 *loading_root;      /* what is being read: a root (NULL: this machine) */
  char                 *loading_snapshot;  /* or a snapshot */

  PtAppMachine         *machine;
  PtAppSelection       *selection;
};

G_DEFINE_FINAL_TYPE (PtAppWindow, pt_app_window, ADW_TYPE_APPLICATION_WINDOW)

/* pt_app_window_search() filters at once; the entry's own debounced
 * signal for the same text then has nothing to do. */
static void
on_search_changed (PtAppWindow *self)
{
  pt_app_device_tree_set_query (self->device_tree, gtk_editable_get_text (GTK_EDITABLE (self->search_entry)));
}

static void
on_tree_keynav_leave (PtAppWindow     *self,
                      GtkDirectionType direction)
{
  if (direction == GTK_DIR_TAB_BACKWARD)
    {
      gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
      return;
    }
  /* Folded, the list's own "Review changes" is the next stop. */
  if (gtk_widget_get_visible (GTK_WIDGET (self->sidebar_review_button)) &&
      gtk_widget_get_sensitive (GTK_WIDGET (self->sidebar_review_button)) &&
      gtk_widget_grab_focus (GTK_WIDGET (self->sidebar_review_button)))
    return;
  if (gtk_widget_get_visible (GTK_WIDGET (self->status_panel)) &&
      gtk_widget_child_focus (GTK_WIDGET (self->status_panel), GTK_DIR_TAB_FORWARD))
    return;
  gtk_widget_grab_focus (GTK_WIDGET (self->readiness_button));
}

/* ---- content ---------------------------------------------------------- */

static void
set_content (PtAppWindow *self,
             const char  *page,
             const char  *title)
{
  /* A status page's 128 px icon is set when its page first shows: GTK
   * loads the icons of pages that are not shown too, and these took a
   * share of the first frame. */
  if (g_str_equal (page, "no-iommu"))
    adw_status_page_set_icon_name (self->no_iommu_page, "dialog-warning-symbolic");
  else if (g_str_equal (page, "error"))
    adw_status_page_set_icon_name (self->error_page, "dialog-error-symbolic");
  gtk_stack_set_visible_child_name (self->content_stack, page);
  adw_window_title_set_title (self->content_title, title != NULL ? title : "");
}

/* The device page is built when the first device is opened, not with the
 * window: its template was a third of the window's, and the first frame
 * shows no device (tests/bench/bench-app.sh). */
static PtAppDevicePage *
ensure_device_page (PtAppWindow *self)
{
  if (self->device_page == NULL)
    {
      self->device_page = g_object_new (PT_APP_TYPE_DEVICE_PAGE, NULL);
      gtk_stack_add_named (self->content_stack, GTK_WIDGET (self->device_page), "device");
      if (self->machine != NULL)
        pt_app_device_page_set_inspect_reason (self->device_page, pt_app_machine_get_inspect_reason (self->machine));
    }
  return self->device_page;
}

static void
show_device_page (PtAppWindow *self,
                  PtDevice    *dev)
{
  g_autofree char *name = pt_device_dup_display_name (dev);

  pt_app_device_page_set_device (ensure_device_page (self), pt_app_machine_get_topology (self->machine), dev, self->selection);
  set_content (self, "device", pt_device_get_address (dev));
  adw_window_title_set_subtitle (self->content_title, name);
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_FORWARD);
}

static void
on_tree_device_activated (PtAppWindow *self,
                          PtDevice    *dev)
{
  show_device_page (self, dev);
}

static void
update_review_button (PtAppWindow *self)
{
  guint n = pt_app_selection_get_n_items (self->selection);

  GtkWidget *buttons[] = { GTK_WIDGET (self->review_button), GTK_WIDGET (self->sidebar_review_button) };

  for (guint i = 0; i < G_N_ELEMENTS (buttons); i++)
    {
      gtk_widget_set_sensitive (buttons[i], n > 0);
      gtk_widget_set_tooltip_text (buttons[i], n > 0 ? _("See every change before it is made")
                                                     : _("Choose a device to pass through first"));
    }
  /* The list's own: only folded (the header's is off screen then), and only
   * with something to review, so it does not crowd a narrow list. */
  gtk_widget_set_visible (GTK_WIDGET (self->sidebar_review_button),
                          n > 0 && adw_leaflet_get_folded (self->leaflet));
}

static void
on_back_clicked (PtAppWindow *self)
{
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

static void
on_review_clicked (PtAppWindow *self)
{
  pt_app_window_review (self, FALSE);
}

static void
on_readiness_clicked (PtAppWindow *self)
{
  pt_app_window_show_readiness (self);
}

/* ---- demo machines ---------------------------------------------------- */

static char *
demo_title (const char *basename)
{
  g_autofree char *stem = g_strndup (basename, strlen (basename) - strlen (".json"));
  char *title = g_strdelimit (g_strdup (stem), "-_", ' ');

  title[0] = g_ascii_toupper (title[0]);
  return title;
}

static void
on_demo_activated (PtAppWindow   *self,
                   GtkListBoxRow *row)
{
  const char *path = g_object_get_data (G_OBJECT (row), "pt-demo-path");

  if (path != NULL)
    pt_app_window_open_snapshot (self, path);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(const char **) a, *(const char **) b);
}

static void
fill_demo_list (GtkListBox *list)
{
  g_autofree char *dir_path = pt_app_application_dup_demo_dir ();
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  GtkWidget *child;
  const char *name;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list))) != NULL)
    gtk_list_box_remove (list, child);

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".json"))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);

  for (guint i = 0; i < names->len; i++)
    {
      const char *base = g_ptr_array_index (names, i);
      g_autofree char *path = g_build_filename (dir_path, base, NULL);
      g_autoptr(PtTopology) topo = pt_topology_new_from_snapshot (path, NULL);
      g_autofree char *title = NULL;
      GtkWidget *row;

      if (topo == NULL)
        continue;   /* a broken demo file is the packager's problem, not the person's */
      /* the machine's name from its data, else the file's */
      title = pt_describe_machine (topo);
      if (title == NULL)
        title = demo_title (base);
      row = adw_action_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      {
        guint n_groups = g_list_model_get_n_items (pt_topology_get_groups (topo));
        guint n_dev = pt_topology_get_n_devices (topo);
        g_autofree char *groups_text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u IOMMU group", "%u IOMMU groups", n_groups), n_groups);
        g_autofree char *sub = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u device in %s", "%u devices in %s", n_dev),
                                                n_dev, groups_text);
        adw_action_row_set_subtitle (ADW_ACTION_ROW (row), sub);
      }
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name ("go-next-symbolic"));
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      g_object_set_data_full (G_OBJECT (row), "pt-demo-path", g_steal_pointer (&path), g_free);
      gtk_list_box_append (list, row);
    }
  gtk_widget_set_visible (GTK_WIDGET (list), names->len > 0);
}

static void
show_no_iommu (PtAppWindow *self)
{
  PtTopology *topo = pt_app_machine_get_topology (self->machine);

  if (pt_app_machine_get_snapshot (self->machine) != NULL)
    {
      adw_status_page_set_title (self->no_iommu_page, _("This snapshot has no IOMMU groups"));
      adw_status_page_set_description (self->no_iommu_page,
                                       _("The machine it was taken on had its IOMMU off, so none of its devices could be passed through. "
                                         "Turn on VT-d (Intel) or AMD-Vi / IOMMU (AMD) in its firmware setup; on an Intel CPU also add "
                                         "intel_iommu=on to its kernel command line. Or look at one of the demo machines."));
    }
  else
    {
      g_autofree char *desc = NULL;
      const char *vendor = pt_topology_get_cpu_vendor (topo);
      gboolean intel = g_strcmp0 (vendor, "intel") == 0 || g_strcmp0 (vendor, "GenuineIntel") == 0;
      gboolean amd = g_strcmp0 (vendor, "amd") == 0 || g_strcmp0 (vendor, "AuthenticAMD") == 0;
      const char *extra = intel
        ? _("This is an Intel CPU: turn on VT-d in the firmware setup, and add intel_iommu=on to the kernel command line (Passthrough does that for you when you apply).")
        : amd
        ? _("This is an AMD CPU: turn on the IOMMU (AMD-Vi, sometimes “SVM” and “IOMMU” separately) in the firmware setup; the kernel uses it as soon as the firmware enables it.")
        : _("Turn on VT-d (Intel) or the IOMMU / AMD-Vi (AMD) in the firmware setup; on an Intel CPU also add intel_iommu=on to the kernel command line.");
      g_autofree char *vm = pt_app_machine_get_source (self->machine) == PT_APP_MACHINE_SOURCE_SYSFS
        ? pt_app_traps_machine_advice (pt_app_machine_get_paths (self->machine), topo) : NULL;
      desc = vm != NULL   /* a guest: the host or a vIOMMU, not firmware menus (pt-traps.c) */
        ? g_strdup_printf (_("%s Meanwhile, look around one of the demo machines."), vm)
        : g_strdup_printf (_("No device on this machine is in an IOMMU group, so none can be passed through yet. %s "
                             "Then restart. Meanwhile, look around one of the demo machines."), extra);
      adw_status_page_set_title (self->no_iommu_page, vm != NULL ? _("This is a virtual machine without an IOMMU")
                                                                 : _("The IOMMU is off"));
      {
        /* the description is markup; the vIOMMU advice has libvirt's <iommu …/> */
        g_autofree char *escaped = g_markup_escape_text (desc, -1);
        adw_status_page_set_description (self->no_iommu_page, escaped);
      }
    }
  fill_demo_list (self->demo_list);
  set_content (self, "no-iommu", _("No IOMMU"));
  adw_window_title_set_subtitle (self->content_title, NULL);
}

/* ---- what is configured, after the restart ---------------------------- */

static void
refresh_status (PtAppWindow *self)
{
  pt_app_status_panel_refresh (self->status_panel, self->machine != NULL && pt_app_machine_is_host (self->machine));
}

static void
on_status_undo (PtAppWindow *self)
{
  pt_app_window_revert (self);
}

/* The trial fell back: the same devices, reviewed again (with the trial on,
 * as always by default). */
static void
on_status_try_again (PtAppWindow *self,
                     GStrv        addresses)
{
  PtTopology *topo;

  if (self->machine == NULL)
    return;
  topo = pt_app_machine_get_topology (self->machine);
  pt_app_selection_clear (self->selection);
  for (guint i = 0; addresses != NULL && addresses[i] != NULL; i++)
    {
      PtDevice *dev = pt_topology_lookup (topo, addresses[i]);
      if (dev != NULL && pt_device_is_endpoint (dev))
        pt_app_selection_set_device (self->selection, topo, dev, TRUE);
    }
  pt_app_window_review (self, FALSE);
}

/* ---- loading ---------------------------------------------------------- */

static void
set_machine (PtAppWindow  *self,
             PtAppMachine *machine)
{
  PtTopology *topo = pt_app_machine_get_topology (machine);
  g_autofree char *window_title = NULL;
  g_autofree char *summary = NULL;
  const char *reason;
  int ready;

  g_set_object (&self->machine, machine);
  pt_app_selection_clear (self->selection);

  window_title = g_strdup_printf (_("Passthrough — %s"), pt_app_machine_get_title (machine));
  gtk_window_set_title (GTK_WINDOW (self), window_title);
  adw_window_title_set_subtitle (self->sidebar_title, pt_app_machine_get_title (machine));

  reason = pt_app_machine_get_inspect_reason (machine);
  gtk_widget_set_visible (self->inspect_box, reason != NULL);
  gtk_label_set_label (self->inspect_label, reason != NULL ? reason : "");
  if (self->device_page != NULL)
    pt_app_device_page_set_inspect_reason (self->device_page, reason);

  summary = pt_app_readiness_page_set_machine (self->readiness_page, machine, &ready);
  gtk_label_set_label (self->readiness_summary, summary);
  {
    /* The button's text is two labels in a box: say them as its name. */
    g_autofree char *name = g_strdup_printf (_("Readiness: %s"), summary);
    gtk_accessible_update_property (GTK_ACCESSIBLE (self->readiness_button), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
  }
  gtk_image_set_from_icon_name (self->readiness_icon,
                                ready > 0 ? "emblem-ok-symbolic" : ready == 0 ? "dialog-warning-symbolic"
                                                                              : "dialog-question-symbolic");

  pt_app_device_tree_set_machine (self->device_tree, machine, self->selection);
  refresh_status (self);

  if (!pt_app_machine_has_iommu_groups (machine))
    show_no_iommu (self);
  else
    {
      /* A guest with a vIOMMU: say so before the steps (the no-IOMMU page
       * says it for a guest without one). */
      g_autofree char *vm = pt_app_machine_get_source (machine) == PT_APP_MACHINE_SOURCE_SYSFS
        ? pt_app_traps_machine_advice (pt_app_machine_get_paths (machine), topo) : NULL;

      gtk_label_set_label (self->welcome_vm_label, vm != NULL ? vm : "");
      gtk_widget_set_visible (self->welcome_vm_box, vm != NULL);
      set_content (self, "welcome", NULL);
      adw_window_title_set_subtitle (self->content_title, NULL);
    }

  if (pt_app_application_timings_enabled ())
    g_print ("passthrough-timing: loaded %s, %u devices\n", pt_app_machine_get_title (machine),
             pt_topology_get_n_devices (topo));
}

/* Errors a person has to read go into a dialog, whole: a toast cuts a
 * long sentence off. */
static void
show_error_dialog (PtAppWindow *self,
                   const char  *heading,
                   const char  *body)
{
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), heading, body);

  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "close");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "close");
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
show_load_error (PtAppWindow *self,
                 const char  *heading,
                 const char  *body)
{
  if (self->machine == NULL)
    {
      g_autofree char *sentence = g_strdup_printf ("%s. %s", heading, body);
      adw_status_page_set_description (self->error_page, sentence);
      set_content (self, "error", _("Nothing to show"));
    }
  else
    show_error_dialog (self, heading, body);
  g_message ("%s: %s", heading, body);
}

void
pt_app_window_toast (PtAppWindow *self,
                     const char  *message)
{
  AdwToast *toast = adw_toast_new (message);

  adw_toast_set_timeout (toast, 10);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

/* ---- this machine, through the helper (a sandbox) ---------------------- */

static void
on_helper_machine_loaded (GObject      *source,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtAppMachine) machine = pt_app_machine_load_from_helper_finish (result, &error);
  PtAppWindow *self;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = PT_APP_WINDOW (user_data);
  g_clear_object (&self->load_cancellable);
  if (machine != NULL)
    set_machine (self, machine);
  else if (pt_app_helper_error_is_missing (error))
    {
      g_clear_object (&self->machine);
      fill_demo_list (pt_app_helper_page_get_demo_list (self->helper_page));
      pt_app_helper_page_show_missing (self->helper_page);
      set_content (self, "helper", _("No System Helper"));
      adw_window_title_set_subtitle (self->content_title, NULL);
      gtk_window_set_title (GTK_WINDOW (self), _("Passthrough — the system helper is missing"));
      g_message ("passthrough-helper is not on the system bus: %s", error->message);
    }
  else
    {
      show_load_error (self, _("The system helper could not read the devices of this machine"), error->message);
    }
}

static void
open_host_through_helper (PtAppWindow *self)
{
  g_cancellable_cancel (self->load_cancellable);
  g_set_object (&self->load_cancellable, g_cancellable_new ());
  pt_app_helper_page_show_loading (self->helper_page);
  set_content (self, "helper", _("This Machine"));
  adw_window_title_set_subtitle (self->content_title, _("through the system helper"));
  pt_app_machine_load_from_helper_async (self->load_cancellable, on_helper_machine_loaded, self);
}

static void
on_machine_loaded (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtAppMachine) machine = pt_app_machine_load_finish (result, &error);
  g_autofree char *root = NULL;
  g_autofree char *snapshot = NULL;
  PtAppWindow *self;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = PT_APP_WINDOW (user_data);
  g_clear_object (&self->load_cancellable);
  root = g_steal_pointer (&self->loading_root);
  snapshot = g_steal_pointer (&self->loading_snapshot);
  if (machine == NULL)
    {
      g_autofree char *heading = NULL;
      if (snapshot != NULL)
        {
          g_autofree char *base = g_path_get_basename (snapshot);
          heading = g_strdup_printf (_("Could not open the snapshot %s"), base);
        }
      else
        heading = g_strdup_printf (_("Could not read the devices of %s"), root != NULL ? root : _("this machine"));
      pt_app_device_tree_show_loaded (self->device_tree);
      show_load_error (self, heading, error->message);
      return;
    }
  pt_app_timing_mark ("machine-read");
  set_machine (self, machine);
  if (snapshot != NULL)
    {
      GSettings *settings = pt_app_application_get_settings (PT_APP_APPLICATION (gtk_window_get_application (GTK_WINDOW (self))));
      if (settings != NULL)
        g_settings_set_string (settings, "last-snapshot", snapshot);
    }
}

/* The sidebar shows a spinner until the machine is read (in a thread: a
 * thousand devices take a while); what the window showed stays usable
 * meanwhile. */
static void
load_machine (PtAppWindow *self,
              const char  *root,
              const char  *snapshot)
{
  g_cancellable_cancel (self->load_cancellable);
  g_set_object (&self->load_cancellable, g_cancellable_new ());
  g_free (self->loading_root);
  self->loading_root = g_strdup (root);
  g_free (self->loading_snapshot);
  self->loading_snapshot = g_strdup (snapshot);
  pt_app_device_tree_show_loading (self->device_tree);
  pt_app_machine_load_async (root, snapshot, self->load_cancellable, on_machine_loaded, self);
}

void
pt_app_window_open_root (PtAppWindow *self,
                         const char  *root)
{
  if (root == NULL && pt_app_machine_source_for_host () == PT_APP_MACHINE_SOURCE_HELPER)
    {
      open_host_through_helper (self);
      return;
    }
  load_machine (self, root, NULL);
}

void
pt_app_window_open_snapshot (PtAppWindow *self,
                             const char  *path)
{
  load_machine (self, NULL, path);
}

static void
on_open_response (GtkNativeDialog *dialog,
                  int              response,
                  gpointer         user_data)
{
  PtAppWindow *self = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = g_file_get_path (file);
      if (path != NULL)
        pt_app_window_open_snapshot (self, path);
      else
        pt_app_window_toast (self, _("Passthrough can only open snapshots stored as local files."));
    }
  g_object_unref (dialog);
  g_object_unref (self);
}

static GtkFileFilter *
json_filter (void)
{
  GtkFileFilter *filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _("Passthrough snapshots (JSON)"));
  gtk_file_filter_add_mime_type (filter, "application/json");
  gtk_file_filter_add_pattern (filter, "*.json");
  return filter;
}

void
pt_app_window_choose_snapshot (PtAppWindow *self)
{
  GtkFileChooserNative *chooser = gtk_file_chooser_native_new (_("Open a Snapshot"), GTK_WINDOW (self),
                                                               GTK_FILE_CHOOSER_ACTION_OPEN,
                                                               _("_Open"), _("_Cancel"));
  g_autoptr(GtkFileFilter) filter = json_filter ();

  GSettings *settings = pt_app_application_get_settings (PT_APP_APPLICATION (gtk_window_get_application (GTK_WINDOW (self))));

  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  /* Start where the last snapshot came from. */
  if (settings != NULL)
    {
      g_autofree char *last = g_settings_get_string (settings, "last-snapshot");
      if (*last != '\0')
        {
          g_autoptr(GFile) file = g_file_new_for_path (last);
          g_autoptr(GFile) folder = g_file_get_parent (file);
          if (folder != NULL && g_file_query_exists (folder, NULL))
            gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (chooser), folder, NULL);
        }
    }
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (on_open_response), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

void
pt_app_window_save_snapshot (PtAppWindow *self,
                             const char  *path)
{
  g_autofree char *json = pt_topology_to_json (pt_app_machine_get_topology (self->machine), TRUE);
  g_autoptr(GError) error = NULL;
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *with_newline = g_strconcat (json, "\n", NULL);

  if (!g_file_set_contents_full (path, with_newline, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644, &error))
    {
      g_autofree char *heading = g_strdup_printf (_("Could not save the snapshot as %s"), base);
      show_error_dialog (self, heading, error->message);
      return;
    }
  {
    g_autofree char *sentence = g_strdup_printf (_("Saved the snapshot as %s. Anyone can open it in Passthrough or with “passthroughctl --snapshot”."), base);
    pt_app_window_toast (self, sentence);
  }
}

static void
on_save_response (GtkNativeDialog *dialog,
                  int              response,
                  gpointer         user_data)
{
  PtAppWindow *self = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = g_file_get_path (file);
      if (path != NULL)
        pt_app_window_save_snapshot (self, path);
    }
  g_object_unref (dialog);
  g_object_unref (self);
}

void
pt_app_window_choose_save_snapshot (PtAppWindow *self)
{
  GtkFileChooserNative *chooser;
  g_autoptr(GtkFileFilter) filter = json_filter ();
  g_autofree char *host = g_strdup (g_get_host_name ());
  g_autofree char *name = g_strdup_printf ("%s-passthrough.json", host);

  if (self->machine == NULL)
    return;
  chooser = gtk_file_chooser_native_new (_("Save a Snapshot"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (on_save_response), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

void
pt_app_window_show_demo (PtAppWindow *self,
                         const char  *name)
{
  g_autofree char *dir = pt_app_application_dup_demo_dir ();
  g_autofree char *file = NULL;
  g_autofree char *path = NULL;

  if (name == NULL || *name == '\0')
    {
      if (self->machine != NULL)
        show_no_iommu (self);
      return;
    }
  /* A name, never a path: "threadripper-x399" or "threadripper-x399.json". */
  if (strchr (name, '/') != NULL)
    {
      pt_app_window_toast (self, _("A demo machine is named by its file name, without a folder."));
      return;
    }
  file = g_str_has_suffix (name, ".json") ? g_strdup (name) : g_strconcat (name, ".json", NULL);
  path = g_build_filename (dir, file, NULL);
  pt_app_window_open_snapshot (self, path);
}

/* ---- review, revert, export ------------------------------------------- */

void
pt_app_window_review (PtAppWindow *self,
                      gboolean     apply)
{
  PtAppReviewDialog *dialog = pt_app_window_review_with (self, NULL, NULL);

  if (dialog != NULL && apply)
    pt_app_review_dialog_apply_when_ready (dialog);
}

PtAppReviewDialog *
pt_app_window_review_with (PtAppWindow       *self,
                           const char *const *addresses,
                           GVariant          *options)
{
  g_auto(GStrv) chosen = NULL;
  PtAppReviewDialog *dialog;

  if (self->machine == NULL)
    return NULL;
  if (addresses == NULL && pt_app_selection_get_n_items (self->selection) == 0)
    {
      pt_app_window_toast (self, _("Choose a device to pass through first: open it and turn on “Pass through to virtual machines”."));
      return NULL;
    }
  if (addresses == NULL)
    chosen = pt_app_selection_dup_addresses (self->selection);
  if (addresses == NULL)
    addresses = (const char *const *) chosen;
  dialog = options != NULL
    ? pt_app_review_dialog_new_with_options (GTK_WINDOW (self), self->machine, addresses, options)
    : pt_app_review_dialog_new (GTK_WINDOW (self), self->machine, addresses, FALSE);
  g_signal_connect_object (dialog, "destroy", G_CALLBACK (refresh_status), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
  return dialog;
}

PtAppMachine *
pt_app_window_get_machine (PtAppWindow *self)
{
  return self->machine;
}

/* "needs-repair": the stored setup reviewed again (pt-app-repair.c) */
static void
on_status_repair (PtAppWindow *self,
                  GStrv        selection,
                  GVariant    *options)
{
  PtAppReviewDialog *dialog = pt_app_window_review_with (self, (const char *const *) selection, options);

  if (dialog != NULL)
    pt_app_review_dialog_set_heading (dialog, _("Repair the setup"));
}

static void
slots_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *param)
{
  PtAppWindow *self = PT_APP_WINDOW (widget);
  PtDevice *current = self->device_page != NULL ? pt_app_device_page_get_device (self->device_page) : NULL;

  if (self->machine != NULL)
    pt_app_slots_view_present (GTK_WINDOW (self), pt_app_machine_get_topology (self->machine), current);
}

void
pt_app_window_revert (PtAppWindow *self)
{
  PtAppReviewDialog *dialog;

  if (self->machine == NULL)
    return;
  dialog = pt_app_review_dialog_new (GTK_WINDOW (self), self->machine, NULL, TRUE);
  g_signal_connect_object (dialog, "destroy", G_CALLBACK (refresh_status), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

void
pt_app_window_export_vm (PtAppWindow *self)
{
  g_auto(GStrv) addresses = NULL;
  PtDevice *current = self->device_page != NULL ? pt_app_device_page_get_device (self->device_page) : NULL;
  GtkWindow *dialog;

  if (self->machine == NULL)
    return;
  if (pt_app_selection_get_n_items (self->selection) > 0)
    addresses = pt_app_selection_dup_addresses (self->selection);
  else if (current != NULL && pt_device_is_endpoint (current))
    {
      /* Nothing chosen yet: export the device on screen with its slot. */
      GStrv slot = pt_device_get_slot_functions (current);
      g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
      g_strv_builder_add (b, pt_device_get_address (current));
      if (slot != NULL)
        g_strv_builder_addv (b, (const char **) slot);
      addresses = g_strv_builder_end (b);
    }
  else
    {
      pt_app_window_toast (self, _("Choose a device first: the export describes the devices you pass through."));
      return;
    }
  dialog = GTK_WINDOW (pt_app_export_dialog_new (GTK_WINDOW (self), pt_app_machine_get_topology (self->machine),
                                                 (const char *const *) addresses));
  gtk_window_present (dialog);
}

/* ---- navigation ------------------------------------------------------- */

void
pt_app_window_search (PtAppWindow *self,
                      const char  *text)
{
  /* Setting the text deletes the old one first, and the entry reports an
   * empty text at once: that would rebuild the whole tree in between. */
  g_signal_handlers_block_by_func (self->search_entry, on_search_changed, self);
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), text);
  g_signal_handlers_unblock_by_func (self->search_entry, on_search_changed, self);
  /* Act now rather than after the entry's 150 ms debounce. */
  on_search_changed (self);
}

void
pt_app_window_show_device (PtAppWindow *self,
                           const char  *address)
{
  g_autofree char *normal = pt_address_normalize (address);
  PtDevice *dev;

  if (self->machine == NULL)
    return;
  dev = normal != NULL ? pt_topology_lookup (pt_app_machine_get_topology (self->machine), normal) : NULL;
  if (dev == NULL)
    {
      g_autofree char *sentence = g_strdup_printf (_("There is no device %s on %s."), address,
                                                   pt_app_machine_get_title (self->machine));
      pt_app_window_toast (self, sentence);
      return;
    }
  if (!pt_app_device_tree_select_device (self->device_tree, normal))
    show_device_page (self, dev);
}

void
pt_app_window_choose_device (PtAppWindow *self,
                             const char  *address,
                             gboolean     chosen)
{
  g_autofree char *normal = pt_address_normalize (address);
  PtDevice *dev;

  if (self->machine == NULL)
    return;
  dev = normal != NULL ? pt_topology_lookup (pt_app_machine_get_topology (self->machine), normal) : NULL;
  if (dev == NULL || !pt_device_is_endpoint (dev))
    {
      g_autofree char *sentence = g_strdup_printf (_("%s is not a device that can be chosen on %s."), address,
                                                   pt_app_machine_get_title (self->machine));
      pt_app_window_toast (self, sentence);
      return;
    }
  pt_app_selection_set_device (self->selection, pt_app_machine_get_topology (self->machine), dev, chosen);
}

void
pt_app_window_show_readiness (PtAppWindow *self)
{
  if (self->machine == NULL)
    return;
  pt_app_device_tree_unselect (self->device_tree);
  set_content (self, "readiness", _("Readiness"));
  adw_window_title_set_subtitle (self->content_title, pt_app_machine_get_title (self->machine));
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_FORWARD);
}

void
pt_app_window_set_filter (PtAppWindow *self,
                          const char  *filter)
{
  pt_app_device_tree_set_filter (self->device_tree, filter);
}

static void
focus_search_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *param)
{
  PtAppWindow *self = PT_APP_WINDOW (widget);

  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

/* ---- life cycle ------------------------------------------------------- */

static gboolean bench_next_search (gpointer user_data);

static void
on_first_after_paint (GdkFrameClock *clock,
                      gpointer       user_data)
{
  gulong *id = user_data;

  g_print ("passthrough-timing: first-frame %" G_GINT64_FORMAT " us (monotonic), cpu %.1f ms\n", g_get_monotonic_time (),
           pt_app_process_cpu_ms ());
  if (g_getenv ("PASSTHROUGH_APP_BENCH_SEARCHES") != NULL)
    {
      GList *windows = gtk_window_list_toplevels ();
      for (GList *l = windows; l != NULL; l = l->next)
        if (PT_APP_IS_WINDOW (l->data))
          g_timeout_add (100, bench_next_search, l->data);
      g_list_free (windows);
    }
  g_signal_handler_disconnect (clock, *id);
}


/* PASSTHROUGH_APP_BENCH_SEARCHES="a;b;c": after the first frame, type each
 * query in turn (one per frame), print the timings, then quit; used by
 * tests/bench/bench-app.sh. */
static gboolean
bench_next_search (gpointer user_data)
{
  PtAppWindow *self = user_data;
  const char *env = g_getenv ("PASSTHROUGH_APP_BENCH_SEARCHES");
  g_auto(GStrv) queries = g_strsplit (env != NULL ? env : "", ";", -1);
  guint step = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (self), "pt-bench-step"));

  if (queries[step] == NULL || env == NULL)
    {
      g_application_quit (G_APPLICATION (gtk_window_get_application (GTK_WINDOW (self))));
      return G_SOURCE_REMOVE;
    }
  pt_app_window_search (self, queries[step]);
  g_object_set_data (G_OBJECT (self), "pt-bench-step", GUINT_TO_POINTER (step + 1));
  /* 300 ms apart, so each search has its frame painted before the next. */
  g_timeout_add (300, bench_next_search, self);
  return G_SOURCE_REMOVE;
}

static void
free_handler_id (gpointer  data,
                 GClosure *closure)
{
  g_free (data);
}

void
pt_app_report_first_frame (GtkWidget *widget)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);
  gulong *id = g_new0 (gulong, 1);

  if (clock == NULL)
    return;
  *id = g_signal_connect_data (clock, "after-paint", G_CALLBACK (on_first_after_paint), id,
                               free_handler_id, 0);
}

static void
save_window_state (PtAppWindow *self)
{
  GSettings *settings = pt_app_application_get_settings (PT_APP_APPLICATION (gtk_window_get_application (GTK_WINDOW (self))));
  int width, height;

  if (settings == NULL)
    return;
  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  g_settings_set (settings, "window-size", "(ii)", width, height);
  g_settings_set_boolean (settings, "window-maximized", gtk_window_is_maximized (GTK_WINDOW (self)));
}

static gboolean
pt_app_window_close_request (GtkWindow *window)
{
  save_window_state (PT_APP_WINDOW (window));
  return GTK_WINDOW_CLASS (pt_app_window_parent_class)->close_request (window);
}

static void
pt_app_window_dispose (GObject *object)
{
  PtAppWindow *self = PT_APP_WINDOW (object);

  g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  g_clear_pointer (&self->loading_root, g_free);
  g_clear_pointer (&self->loading_snapshot, g_free);
  g_clear_object (&self->machine);
  g_clear_object (&self->selection);
  gtk_widget_dispose_template (GTK_WIDGET (object), PT_APP_TYPE_WINDOW);
  G_OBJECT_CLASS (pt_app_window_parent_class)->dispose (object);
}

static void
pt_app_window_class_init (PtAppWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = pt_app_window_dispose;
  GTK_WINDOW_CLASS (klass)->close_request = pt_app_window_close_request;

  g_type_ensure (PT_APP_TYPE_DEVICE_TREE);
  g_type_ensure (PT_APP_TYPE_READINESS_PAGE);
  g_type_ensure (PT_APP_TYPE_HELPER_PAGE);
  g_type_ensure (PT_APP_TYPE_STATUS_PANEL);

  gtk_widget_class_set_template_from_resource (widget_class, "/com/example/Passthrough/ui/pt-app-window.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, PtAppWindow, name)
  BIND (toast_overlay);
  BIND (leaflet);
  BIND (sidebar_title);
  BIND (content_title);
  BIND (search_entry);
  BIND (device_tree);
  BIND (readiness_button);
  BIND (readiness_summary);
  BIND (welcome_vm_box);
  BIND (welcome_vm_label);
  BIND (readiness_icon);
  BIND (inspect_box);
  BIND (status_panel);
  BIND (inspect_label);
  BIND (review_button);
  BIND (sidebar_review_button);
  BIND (content_stack);
  BIND (readiness_page);
  BIND (no_iommu_page);
  BIND (demo_list);
  BIND (error_page);
  BIND (helper_page);
#undef BIND
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_tree_device_activated);
  gtk_widget_class_bind_template_callback (widget_class, on_tree_keynav_leave);
  gtk_widget_class_bind_template_callback (widget_class, on_back_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_readiness_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_review_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_demo_activated);
  gtk_widget_class_bind_template_callback (widget_class, on_status_undo);
  gtk_widget_class_bind_template_callback (widget_class, on_status_try_again);
  gtk_widget_class_bind_template_callback (widget_class, on_status_repair);

  gtk_widget_class_install_action (widget_class, "win.focus-search", NULL, focus_search_action);
  gtk_widget_class_install_action (widget_class, "win.slots", NULL, slots_action);
}

static void
pt_app_window_init (PtAppWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->selection = pt_app_selection_new ();
  g_signal_connect_swapped (self->selection, "changed", G_CALLBACK (update_review_button), self);
  g_signal_connect_swapped (self->leaflet, "notify::folded", G_CALLBACK (update_review_button), self);
  update_review_button (self);
  gtk_search_entry_set_key_capture_widget (self->search_entry, GTK_WIDGET (self));
  g_signal_connect_swapped (pt_app_helper_page_get_demo_list (self->helper_page), "row-activated",
                            G_CALLBACK (on_demo_activated), self);

  if (pt_app_application_timings_enabled ())
    g_signal_connect (self, "realize", G_CALLBACK (pt_app_report_first_frame), NULL);
}

PtAppWindow *
pt_app_window_new (PtAppApplication *app)
{
  PtAppWindow *self = g_object_new (PT_APP_TYPE_WINDOW, "application", app, NULL);
  GSettings *settings = pt_app_application_get_settings (app);

  if (settings != NULL)
    {
      int width, height;
      g_settings_get (settings, "window-size", "(ii)", &width, &height);
      gtk_window_set_default_size (GTK_WINDOW (self), width, height);
      if (g_settings_get_boolean (settings, "window-maximized"))
        gtk_window_maximize (GTK_WINDOW (self));
    }
  return self;
}
