/* pt-app-window.c
 *
 * The sidebar is a GtkListView over
 *   GtkTreeListModel (groups → devices)
 *     root:     GtkFilterListModel (groups, "has a matching device")
 *     children: GListStore (a group's matching devices, made when the tree is)
 * so a search finds devices inside collapsed groups, and matching groups are
 * shown expanded while a search or a filter is on.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "pt-app-device-page.h"
#include "pt-app-device-row.h"
#include "pt-app-export-dialog.h"
#include "pt-app-group-row.h"
#include "pt-app-helper.h"
#include "pt-app-helper-page.h"
#include "pt-app-machine.h"
#include "pt-app-readiness-page.h"
#include "pt-app-review-dialog.h"
#include "pt-app-selection.h"
#include "pt-app-status-panel.h"
#include "pt-app-window.h"
#include "pt-describe.h"

#include <json-glib/json-glib.h>
#include <sys/resource.h>

/* Trees at most this large start expanded (a desktop has 30 to 150 PCI
 * functions, and a person wants to see them, not 40 closed groups); larger
 * ones start collapsed so the first frame does not build a row for every
 * device. */
#define EXPAND_ALL_LIMIT 256

typedef enum
{
  FILTER_ALL,
  FILTER_GPUS,
  FILTER_PASSABLE,
} DeviceFilter;

struct _PtAppWindow
{
  AdwApplicationWindow  parent_instance;

  AdwToastOverlay      *toast_overlay;
  AdwLeaflet           *leaflet;
  AdwWindowTitle       *sidebar_title;
  AdwWindowTitle       *content_title;
  GtkSearchEntry       *search_entry;
  GtkStack             *sidebar_stack;
  GtkListView          *list_view;
  GtkButton            *readiness_button;
  GtkLabel             *readiness_summary;
  GtkImage             *readiness_icon;
  GtkWidget            *inspect_box;
  PtAppStatusPanel     *status_panel;
  GtkLabel             *inspect_label;
  GtkButton            *review_button;
  GtkStack             *content_stack;
  PtAppDevicePage      *device_page;
  PtAppReadinessPage   *readiness_page;
  AdwStatusPage        *no_iommu_page;
  GtkListBox           *demo_list;
  AdwStatusPage        *error_page;
  PtAppHelperPage      *helper_page;
  GCancellable         *load_cancellable;  /* asking the helper for this machine */

  PtAppMachine         *machine;
  PtAppSelection       *selection;
  GListStore           *groups;
  GtkCustomFilter      *group_filter;
  GtkFilterListModel   *group_model;
  GtkTreeListModel     *tree_model;
  GtkSingleSelection   *list_selection;
  GHashTable           *haystacks;      /* PtDevice* → lower-case searchable text */
  GPtrArray            *spare_rows;     /* group and device rows of list items GTK let go */

  char                 *query;          /* lower-case, NULL when empty */
  DeviceFilter          filter;
  gint64                search_started; /* for PASSTHROUGH_APP_TIMINGS */
  gboolean              tree_pending;   /* set_machine() left the tree for after the first frame */
  gboolean              first_frame_seen;
};

G_DEFINE_FINAL_TYPE (PtAppWindow, pt_app_window, ADW_TYPE_APPLICATION_WINDOW)

/* CPU time of the process so far, for PASSTHROUGH_APP_TIMINGS: steadier
 * than wall time on a machine that does other things too. */
static double
process_cpu_ms (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000.0 +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1000.0;
}

/* ---- matching --------------------------------------------------------- */

static const char *
haystack_for (PtAppWindow *self,
              PtDevice    *dev)
{
  char *text = g_hash_table_lookup (self->haystacks, dev);

  if (text == NULL)
    {
      g_autofree char *ids = pt_device_dup_ids (dev);
      g_autofree char *name = pt_device_dup_display_name (dev);
      g_autofree char *raw = NULL;

      raw = g_strdup_printf ("%s\n%s\n%s\n%s\n%s\n%s\n%s\niommu group %d\n",
                             pt_device_get_address (dev), name,
                             pt_device_get_vendor_name (dev) ? pt_device_get_vendor_name (dev) : "",
                             pt_device_get_subsystem_name (dev) ? pt_device_get_subsystem_name (dev) : "",
                             ids,
                             pt_device_get_driver (dev) ? pt_device_get_driver (dev) : "",
                             pt_device_get_class_name (dev) ? pt_device_get_class_name (dev) : "",
                             pt_device_get_group_id (dev));
      text = g_utf8_casefold (raw, -1);
      g_hash_table_insert (self->haystacks, dev, text);
    }
  return text;
}

static gboolean
device_passes_filter (PtAppWindow *self,
                      PtDevice    *dev)
{
  switch (self->filter)
    {
    case FILTER_GPUS:
      return pt_device_get_kind (dev) == PT_DEVICE_KIND_GPU;
    case FILTER_PASSABLE:
      {
        GStrv shares = pt_device_get_shares_group_with (dev);
        GStrv holds = pt_device_get_holds (dev);
        return pt_device_is_endpoint (dev) && pt_device_get_group_id (dev) >= 0 &&
               (shares == NULL || shares[0] == NULL) && (holds == NULL || holds[0] == NULL);
      }
    case FILTER_ALL:
    default:
      return TRUE;
    }
}

static gboolean
query_is_group_number (const char *query,
                       int         group_id)
{
  guint64 n;

  return group_id >= 0 && g_ascii_string_to_unsigned (query, 10, 0, G_MAXINT, &n, NULL) && (int) n == group_id;
}

static gboolean
device_matches (gpointer item,
                gpointer user_data)
{
  PtAppWindow *self = user_data;
  PtDevice *dev = item;

  if (!device_passes_filter (self, dev))
    return FALSE;
  if (self->query == NULL)
    return TRUE;
  if (query_is_group_number (self->query, pt_device_get_group_id (dev)))
    return TRUE;
  return strstr (haystack_for (self, dev), self->query) != NULL;
}

static gboolean
group_matches (gpointer item,
               gpointer user_data)
{
  PtGroup *group = item;
  GListModel *devices = pt_group_get_devices (group);
  guint n = g_list_model_get_n_items (devices);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(PtDevice) dev = g_list_model_get_item (devices, i);
      if (device_matches (dev, user_data))
        return TRUE;
    }
  return FALSE;
}

static gboolean
is_filtering (PtAppWindow *self)
{
  return self->query != NULL || self->filter != FILTER_ALL;
}

/* The tree is built anew for every search (refilter()), so a group's
 * matching devices can be a plain list: a filter model per group cost a
 * bitset, a signal and a second pass of the filter each. */
static GListModel *
create_child_model (gpointer item,
                    gpointer user_data)
{
  PtAppWindow *self = user_data;
  GListModel *devices;
  GListStore *shown;
  g_autoptr(GPtrArray) matching = NULL;
  guint n;

  if (!PT_IS_GROUP (item))
    return NULL;
  devices = pt_group_get_devices (item);
  n = g_list_model_get_n_items (devices);
  matching = g_ptr_array_new_full (n, g_object_unref);
  for (guint i = 0; i < n; i++)
    {
      PtDevice *dev = g_list_model_get_item (devices, i);
      if (device_matches (dev, self))
        g_ptr_array_add (matching, dev);
      else
        g_object_unref (dev);
    }
  shown = g_list_store_new (PT_TYPE_DEVICE);
  g_list_store_splice (shown, 0, 0, matching->pdata, matching->len);
  return G_LIST_MODEL (shown);
}

/* Expanding groups one by one costs a model change and a list update
 * each (seconds for a thousand devices); a new tree model that expands as
 * it is built costs one. */
static void
rebuild_tree (PtAppWindow *self,
              gboolean     expanded)
{
  g_autoptr(GtkTreeListModel) tree = gtk_tree_list_model_new (g_object_ref (G_LIST_MODEL (self->group_model)),
                                                              FALSE, expanded, create_child_model, self, NULL);

  g_set_object (&self->tree_model, tree);
  gtk_single_selection_set_model (self->list_selection, G_LIST_MODEL (tree));
}

static gboolean
print_frame_time (GtkWidget     *widget,
                  GdkFrameClock *clock,
                  gpointer       user_data)
{
  PtAppWindow *self = PT_APP_WINDOW (widget);

  g_print ("passthrough-timing: search-to-frame %.2f ms\n",
           (g_get_monotonic_time () - self->search_started) / 1000.0);
  return G_SOURCE_REMOVE;
}

static void
refilter (PtAppWindow *self)
{
  gint64 start = g_get_monotonic_time ();
  double start_cpu = process_cpu_ms ();
  gint64 detached, filtered;
  guint n_groups;
  gboolean expand;

  if (self->group_filter == NULL)
    return;
  self->tree_pending = FALSE;
  expand = is_filtering (self) ||
           pt_topology_get_n_devices (pt_app_machine_get_topology (self->machine)) <= EXPAND_ALL_LIMIT;
  /* Detach the list first: swapping models under it would let it recycle
   * rows, but GTK 4.8 then leaves stale rows (old names, old extents) in
   * the accessibility tree, which misleads screen readers and tests. Then
   * fresh filters and models rather than "changed" on the old ones, which
   * the old tree would follow group by group. */
  gtk_single_selection_set_model (self->list_selection, NULL);
  g_clear_object (&self->tree_model);
  {
    g_autoptr(GtkCustomFilter) group_filter = gtk_custom_filter_new (group_matches, self, NULL);

    detached = g_get_monotonic_time ();
    g_set_object (&self->group_filter, group_filter);
    g_clear_object (&self->group_model);
    self->group_model = gtk_filter_list_model_new (g_object_ref (G_LIST_MODEL (self->groups)),
                                                   g_object_ref (GTK_FILTER (group_filter)));
    filtered = g_get_monotonic_time ();
    rebuild_tree (self, expand);
  }

  n_groups = g_list_model_get_n_items (G_LIST_MODEL (self->group_model));
  gtk_stack_set_visible_child_name (self->sidebar_stack, n_groups > 0 ? "list" : "empty");

  if (pt_app_application_timings_enabled ())
    {
      g_print ("passthrough-timing: search “%s” %.2f ms (filter %.2f ms, list rows %.2f ms), %u rows shown of %u devices, cpu %.2f ms\n",
               self->query ? self->query : "",
               (g_get_monotonic_time () - start) / 1000.0,
               (filtered - detached) / 1000.0,
               ((detached - start) + (g_get_monotonic_time () - filtered)) / 1000.0,
               g_list_model_get_n_items (G_LIST_MODEL (self->tree_model)),
               pt_topology_get_n_devices (pt_app_machine_get_topology (self->machine)),
               process_cpu_ms () - start_cpu);
      self->search_started = start;
      gtk_widget_add_tick_callback (GTK_WIDGET (self), print_frame_time, NULL, NULL);
    }
}

static void
on_search_changed (PtAppWindow *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  g_autofree char *stripped = g_strstrip (g_strdup (text));

  g_autofree char *query = *stripped != '\0' ? g_utf8_casefold (stripped, -1) : NULL;

  /* pt_app_window_search() filters at once; the entry's own debounced
   * signal for the same text then has nothing to do. */
  if (g_strcmp0 (query, self->query) == 0)
    return;
  g_free (self->query);
  self->query = g_steal_pointer (&query);
  refilter (self);
}

/* ---- list rows -------------------------------------------------------- */

/* GTK 4.8's list view keeps no list item for another item: every search
 * that changes the rows tears ~200 of them down and sets up as many new
 * ones. Building a group or device row from its template, and destroying
 * it, was most of that cost, so a list item borrows its row from
 * spare_rows while bound and gives it back when unbound. */
static void
setup_row (GtkSignalListItemFactory *factory,
           GtkListItem              *item,
           gpointer                  user_data)
{
  GtkWidget *expander = gtk_tree_expander_new ();

  gtk_tree_expander_set_indent_for_icon (GTK_TREE_EXPANDER (expander), TRUE);
  /* The row, not the expander inside it, takes the focus: GTK 4.8's list
   * view moves between rows with the arrows only from a focused row; from a
   * focused expander the arrows leave the list. Enter on a group row opens
   * or closes it (on_list_activate). */
  gtk_widget_set_focusable (expander, FALSE);
  gtk_list_item_set_child (item, expander);
}

static GtkWidget *
row_of_type (PtAppWindow *self,
             GType        type)
{
  for (guint i = self->spare_rows->len; i > 0; i--)
    if (G_TYPE_CHECK_INSTANCE_TYPE (g_ptr_array_index (self->spare_rows, i - 1), type))
      return g_ptr_array_steal_index_fast (self->spare_rows, i - 1);
  return g_object_ref_sink (g_object_new (type, "hexpand", TRUE, NULL));
}

static void
bind_row (GtkSignalListItemFactory *factory,
          GtkListItem              *item,
          gpointer                  user_data)
{
  PtAppWindow *self = user_data;
  GtkTreeExpander *expander = GTK_TREE_EXPANDER (gtk_list_item_get_child (item));
  GtkTreeListRow *row = gtk_list_item_get_item (item);
  g_autoptr(GObject) obj = gtk_tree_list_row_get_item (row);
  g_autoptr(GtkWidget) child = NULL;

  gtk_tree_expander_set_list_row (expander, row);
  if (PT_IS_GROUP (obj))
    {
      child = row_of_type (self, PT_APP_TYPE_GROUP_ROW);
      pt_app_group_row_set_group (PT_APP_GROUP_ROW (child), PT_GROUP (obj));
    }
  else if (PT_IS_DEVICE (obj))
    {
      child = row_of_type (self, PT_APP_TYPE_DEVICE_ROW);
      pt_app_device_row_set_device (PT_APP_DEVICE_ROW (child), pt_app_machine_get_topology (self->machine),
                                    PT_DEVICE (obj), self->selection);
    }
  gtk_tree_expander_set_child (expander, child);
  /* The expander is what takes the keyboard focus: a screen reader must
   * hear the row's name there, not nothing. */
  if (child != NULL)
    gtk_accessible_update_relation (GTK_ACCESSIBLE (expander), GTK_ACCESSIBLE_RELATION_LABELLED_BY, child, NULL, -1);
}

static void
unbind_row (GtkSignalListItemFactory *factory,
            GtkListItem              *item,
            gpointer                  user_data)
{
  PtAppWindow *self = user_data;
  GtkTreeExpander *expander = GTK_TREE_EXPANDER (gtk_list_item_get_child (item));
  GtkWidget *child = gtk_tree_expander_get_child (expander);

  /* A list view holds at most ~200 items, rows of both kinds. */
  if (child != NULL && self->spare_rows != NULL && self->spare_rows->len < 512)
    g_ptr_array_add (self->spare_rows, g_object_ref (child));
  gtk_tree_expander_set_child (expander, NULL);
  gtk_tree_expander_set_list_row (expander, NULL);
}

/* GTK 4.8's list view moves Tab from row to row, so a thousand devices
 * would be a thousand key presses between the search and the page (4.12
 * has GtkListTabBehavior for this). Here Tab leaves the list as a whole:
 * arrows move inside it, Tab goes on to the sidebar's buttons and the page,
 * Shift+Tab back to the search. */
/* The row widget of the list item at POSITION, when it exists. */
static GtkWidget *
list_item_widget_at (PtAppWindow *self,
                     guint        position)
{
  for (GtkWidget *c = gtk_widget_get_first_child (GTK_WIDGET (self->list_view)); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *expander = gtk_widget_get_first_child (c);
      GtkTreeListRow *row;

      if (expander == NULL || !GTK_IS_TREE_EXPANDER (expander) || !gtk_widget_get_child_visible (c))
        continue;
      row = gtk_tree_expander_get_list_row (GTK_TREE_EXPANDER (expander));
      if (row != NULL && gtk_tree_list_row_get_position (row) == position)
        return c;
    }
  return NULL;
}

/* Where the focused row is in the tree, or GTK_INVALID_LIST_POSITION. */
static guint
focused_list_position (PtAppWindow *self)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));

  if (focus == NULL || gtk_widget_get_parent (focus) != GTK_WIDGET (self->list_view))
    return GTK_INVALID_LIST_POSITION;
  focus = gtk_widget_get_first_child (focus);
  if (focus == NULL || !GTK_IS_TREE_EXPANDER (focus) || gtk_tree_expander_get_list_row (GTK_TREE_EXPANDER (focus)) == NULL)
    return GTK_INVALID_LIST_POSITION;
  return gtk_tree_list_row_get_position (gtk_tree_expander_get_list_row (GTK_TREE_EXPANDER (focus)));
}

static gboolean
focus_list_position (gpointer user_data)
{
  PtAppWindow *self = user_data;
  guint position = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (self), "pt-focus-position"));
  GtkWidget *item = list_item_widget_at (self, position);

  if (item != NULL)
    gtk_widget_grab_focus (item);
  return G_SOURCE_REMOVE;
}

/* GTK 4.8's list view loses track of its focused row when its model is
 * replaced (every search does that, see refilter()), and then ignores the
 * arrows, which move the focus out of the list instead. So the window
 * moves it: one row up or down, scrolled into view. */
static gboolean
move_list_focus (PtAppWindow *self,
                 int          delta)
{
  guint position = focused_list_position (self);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->tree_model));
  guint target;

  if (position == GTK_INVALID_LIST_POSITION)
    return FALSE;
  if ((delta < 0 && position == 0) || (delta > 0 && position + 1 >= n))
    return TRUE;   /* at an end: stay in the list */
  target = delta < 0 ? position - 1 : position + 1;
  gtk_widget_activate_action (GTK_WIDGET (self->list_view), "list.scroll-to-item", "u", target);
  g_object_set_data (G_OBJECT (self), "pt-focus-position", GUINT_TO_POINTER (target));
  if (list_item_widget_at (self, target) != NULL)
    focus_list_position (self);
  else
    g_idle_add_full (G_PRIORITY_LOW, focus_list_position, g_object_ref (self), g_object_unref);
  return TRUE;
}

static gboolean
on_list_key_pressed (GtkEventControllerKey *controller,
                     guint                  keyval,
                     guint                  keycode,
                     GdkModifierType        state,
                     PtAppWindow           *self)
{
  if ((state & (GDK_CONTROL_MASK | GDK_ALT_MASK)) != 0)
    return FALSE;
  if (keyval == GDK_KEY_ISO_Left_Tab || (keyval == GDK_KEY_Tab && (state & GDK_SHIFT_MASK) != 0))
    return gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
  if (keyval == GDK_KEY_Down || keyval == GDK_KEY_KP_Down)
    return move_list_focus (self, 1);
  if (keyval == GDK_KEY_Up || keyval == GDK_KEY_KP_Up)
    return move_list_focus (self, -1);
  if (keyval == GDK_KEY_Tab || keyval == GDK_KEY_KP_Tab)
    {
      if (gtk_widget_get_visible (GTK_WIDGET (self->status_panel)) &&
          gtk_widget_child_focus (GTK_WIDGET (self->status_panel), GTK_DIR_TAB_FORWARD))
        return TRUE;
      return gtk_widget_grab_focus (GTK_WIDGET (self->readiness_button));
    }
  return FALSE;
}

/* ---- content ---------------------------------------------------------- */

static void
set_content (PtAppWindow *self,
             const char  *page,
             const char  *title)
{
  gtk_stack_set_visible_child_name (self->content_stack, page);
  adw_window_title_set_title (self->content_title, title != NULL ? title : "");
}

static void
show_device_page (PtAppWindow *self,
                  PtDevice    *dev)
{
  g_autofree char *name = pt_device_dup_display_name (dev);

  pt_app_device_page_set_device (self->device_page, pt_app_machine_get_topology (self->machine), dev, self->selection);
  set_content (self, "device", pt_device_get_address (dev));
  adw_window_title_set_subtitle (self->content_title, name);
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_FORWARD);
}

static void
on_list_selected (PtAppWindow *self)
{
  GtkTreeListRow *row = gtk_single_selection_get_selected_item (self->list_selection);
  g_autoptr(GObject) obj = NULL;

  if (row == NULL)
    return;
  obj = gtk_tree_list_row_get_item (row);
  if (PT_IS_DEVICE (obj))
    show_device_page (self, PT_DEVICE (obj));
}

static void
on_list_activate (PtAppWindow *self,
                  guint        position)
{
  g_autoptr(GtkTreeListRow) row = g_list_model_get_item (G_LIST_MODEL (self->tree_model), position);
  g_autoptr(GObject) obj = NULL;

  if (row == NULL)
    return;
  obj = gtk_tree_list_row_get_item (row);
  if (PT_IS_DEVICE (obj))
    show_device_page (self, PT_DEVICE (obj));
  else if (gtk_tree_list_row_is_expandable (row))
    gtk_tree_list_row_set_expanded (row, !gtk_tree_list_row_get_expanded (row));
}

static void
update_review_button (PtAppWindow *self)
{
  guint n = pt_app_selection_get_n_items (self->selection);

  gtk_widget_set_sensitive (GTK_WIDGET (self->review_button), n > 0);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->review_button),
                               n > 0 ? _("See every change before it is made")
                                     : _("Choose a device to pass through first"));
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
      g_autofree char *title = demo_title (base);
      g_autoptr(PtTopology) topo = pt_topology_new_from_snapshot (path, NULL);
      GtkWidget *row;

      if (topo == NULL)
        continue;   /* a broken demo file is the packager's problem, not the person's */
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
      desc = g_strdup_printf (_("No device on this machine is in an IOMMU group, so none can be passed through yet. %s "
                                "Then restart. Meanwhile, look around one of the demo machines."), extra);
      adw_status_page_set_title (self->no_iommu_page, _("The IOMMU is off"));
      adw_status_page_set_description (self->no_iommu_page, desc);
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

static gboolean
fill_haystacks (gpointer user_data)
{
  PtAppWindow *self = user_data;
  GListModel *all;

  if (self->machine == NULL || self->haystacks == NULL)
    return G_SOURCE_REMOVE;
  all = pt_topology_get_devices (pt_app_machine_get_topology (self->machine));
  for (guint i = 0; i < g_list_model_get_n_items (all); i++)
    {
      g_autoptr(PtDevice) d = g_list_model_get_item (all, i);
      haystack_for (self, d);
    }
  return G_SOURCE_REMOVE;
}

static void
print_tree_frame_time (GdkFrameClock *clock,
                       gpointer       user_data)
{
  g_print ("passthrough-timing: tree-frame %" G_GINT64_FORMAT " us (monotonic), cpu %.1f ms\n", g_get_monotonic_time (),
           process_cpu_ms ());
  g_signal_handlers_disconnect_by_func (clock, print_tree_frame_time, user_data);
}

static gboolean
build_pending_tree (gpointer user_data)
{
  PtAppWindow *self = user_data;

  if (self->tree_pending)
    {
      refilter (self);
      if (pt_app_application_timings_enabled () && gtk_widget_get_frame_clock (GTK_WIDGET (self)) != NULL)
        g_signal_connect (gtk_widget_get_frame_clock (GTK_WIDGET (self)), "after-paint",
                          G_CALLBACK (print_tree_frame_time), NULL);
    }
  g_object_unref (self);
  return G_SOURCE_REMOVE;
}

static gboolean
on_first_tick (GtkWidget     *widget,
               GdkFrameClock *clock,
               gpointer       user_data)
{
  /* The tick comes before the frame is laid out and painted; an idle
   * comes after it. */
  g_idle_add (build_pending_tree, g_object_ref (widget));
  return G_SOURCE_REMOVE;
}

/* Building the rows of a large tree (GTK 4.8's list view makes ~200 of
 * them, whatever fits on screen) and laying them out costs as much again
 * as the window itself: the window shows first, with a spinner where the
 * tree goes, and the tree comes in the frame after. A search, a filter or
 * show-device before then builds it at once (refilter()). */
static void
show_tree_after_first_frame (PtAppWindow *self)
{
  if (gtk_stack_get_child_by_name (self->sidebar_stack, "loading") == NULL)
    {
      GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
      GtkWidget *spinner = gtk_spinner_new ();
      GtkWidget *label = gtk_label_new (_("Listing the devices…"));

      gtk_widget_set_valign (box, GTK_ALIGN_CENTER);
      gtk_widget_set_size_request (spinner, 32, 32);
      gtk_spinner_set_spinning (GTK_SPINNER (spinner), TRUE);
      gtk_widget_add_css_class (label, "dim-label");
      gtk_box_append (GTK_BOX (box), spinner);
      gtk_box_append (GTK_BOX (box), label);
      gtk_stack_add_named (self->sidebar_stack, box, "loading");
    }
  gtk_stack_set_visible_child_name (self->sidebar_stack, "loading");
  if (!self->tree_pending)
    gtk_widget_add_tick_callback (GTK_WIDGET (self), on_first_tick, NULL, NULL);
  self->tree_pending = TRUE;
}

static void
set_machine (PtAppWindow  *self,
             PtAppMachine *machine)
{
  PtTopology *topo = pt_app_machine_get_topology (machine);
  GListModel *groups = pt_topology_get_groups (topo);
  GListModel *ungrouped = pt_topology_get_ungrouped (topo);
  g_autofree char *window_title = NULL;
  g_autofree char *summary = NULL;
  const char *reason;
  int ready;

  g_set_object (&self->machine, machine);
  pt_app_selection_clear (self->selection);
  g_hash_table_remove_all (self->haystacks);

  /* A new store filled in one splice: the models over the old one (still
   * on screen until refilter() swaps them) never see the change. */
  {
    g_autoptr(GListStore) store = g_list_store_new (PT_TYPE_GROUP);
    g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);

    for (guint i = 0; i < g_list_model_get_n_items (groups); i++)
      g_ptr_array_add (items, g_list_model_get_item (groups, i));
    if (g_list_model_get_n_items (ungrouped) > 0)
      {
        /* Devices outside any group still belong in the tree: a machine
         * with the IOMMU off is all of them. */
        PtGroup *none = pt_group_new (-1);
        for (guint i = 0; i < g_list_model_get_n_items (ungrouped); i++)
          {
            g_autoptr(PtDevice) d = g_list_model_get_item (ungrouped, i);
            pt_group_add_device (none, d);
          }
        g_ptr_array_add (items, none);
      }
    g_list_store_splice (store, 0, 0, items->pdata, items->len);
    g_set_object (&self->groups, store);
  }


  window_title = g_strdup_printf (_("Passthrough — %s"), pt_app_machine_get_title (machine));
  gtk_window_set_title (GTK_WINDOW (self), window_title);
  adw_window_title_set_subtitle (self->sidebar_title, pt_app_machine_get_title (machine));

  reason = pt_app_machine_get_inspect_reason (machine);
  gtk_widget_set_visible (self->inspect_box, reason != NULL);
  gtk_label_set_label (self->inspect_label, reason != NULL ? reason : "");
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

  if (!gtk_widget_get_mapped (GTK_WIDGET (self)) && pt_topology_get_n_devices (topo) > EXPAND_ALL_LIMIT)
    show_tree_after_first_frame (self);
  else
    refilter (self);
  /* The search text of every device, once the window has painted, rather
   * than on the first search. */
  g_idle_add_full (G_PRIORITY_LOW, fill_haystacks, g_object_ref (self), g_object_unref);
  gtk_single_selection_set_selected (self->list_selection, GTK_INVALID_LIST_POSITION);
  refresh_status (self);

  if (!pt_app_machine_has_iommu_groups (machine))
    show_no_iommu (self);
  else
    {
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
      g_dbus_error_strip_remote_error (error);
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

void
pt_app_window_open_root (PtAppWindow *self,
                         const char  *root)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtAppMachine) machine = NULL;

  if (root == NULL && pt_app_machine_source_for_host () == PT_APP_MACHINE_SOURCE_HELPER)
    {
      open_host_through_helper (self);
      return;
    }
  machine = pt_app_machine_load (root, NULL, &error);
  if (machine == NULL)
    {
      g_autofree char *heading = g_strdup_printf (_("Could not read the devices of %s"),
                                                  root != NULL ? root : _("this machine"));
      show_load_error (self, heading, error->message);
      return;
    }
  set_machine (self, machine);
}

void
pt_app_window_open_snapshot (PtAppWindow *self,
                             const char  *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtAppMachine) machine = pt_app_machine_load (NULL, path, &error);
  GSettings *settings = pt_app_application_get_settings (PT_APP_APPLICATION (gtk_window_get_application (GTK_WINDOW (self))));

  if (machine == NULL)
    {
      g_autofree char *base = g_path_get_basename (path);
      g_autofree char *heading = g_strdup_printf (_("Could not open the snapshot %s"), base);
      show_load_error (self, heading, error->message);
      return;
    }
  set_machine (self, machine);
  if (settings != NULL)
    g_settings_set_string (settings, "last-snapshot", path);
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
  g_auto(GStrv) addresses = NULL;
  PtAppReviewDialog *dialog;

  if (self->machine == NULL)
    return;
  if (pt_app_selection_get_n_items (self->selection) == 0)
    {
      pt_app_window_toast (self, _("Choose a device to pass through first: open it and turn on “Pass through to virtual machines”."));
      return;
    }
  addresses = pt_app_selection_dup_addresses (self->selection);
  dialog = pt_app_review_dialog_new (GTK_WINDOW (self), self->machine, (const char *const *) addresses, FALSE);
  g_signal_connect_object (dialog, "destroy", G_CALLBACK (refresh_status), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
  if (apply)
    pt_app_review_dialog_apply_when_ready (dialog);
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
  PtDevice *current = pt_app_device_page_get_device (self->device_page);
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

static gboolean
select_device_row (PtAppWindow *self,
                   const char  *address)
{
  guint n;

  if (self->tree_pending)
    refilter (self);
  n = g_list_model_get_n_items (G_LIST_MODEL (self->tree_model));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GtkTreeListRow) row = g_list_model_get_item (G_LIST_MODEL (self->tree_model), i);
      g_autoptr(GObject) obj = gtk_tree_list_row_get_item (row);

      if (PT_IS_GROUP (obj))
        {
          GListModel *devs = pt_group_get_devices (PT_GROUP (obj));
          gboolean here = FALSE;
          for (guint j = 0; j < g_list_model_get_n_items (devs) && !here; j++)
            {
              g_autoptr(PtDevice) d = g_list_model_get_item (devs, j);
              here = g_str_equal (pt_device_get_address (d), address);
            }
          if (here)
            {
              gtk_tree_list_row_set_expanded (row, TRUE);
              n = g_list_model_get_n_items (G_LIST_MODEL (self->tree_model));
            }
        }
      else if (PT_IS_DEVICE (obj) && g_str_equal (pt_device_get_address (PT_DEVICE (obj)), address))
        {
          gtk_single_selection_set_selected (self->list_selection, i);
          gtk_widget_activate_action (GTK_WIDGET (self->list_view), "list.scroll-to-item", "u", i);
          return TRUE;
        }
    }
  return FALSE;
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
  if (!select_device_row (self, normal))
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
  gtk_single_selection_set_selected (self->list_selection, GTK_INVALID_LIST_POSITION);
  set_content (self, "readiness", _("Readiness"));
  adw_window_title_set_subtitle (self->content_title, pt_app_machine_get_title (self->machine));
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_FORWARD);
}

void
pt_app_window_set_filter (PtAppWindow *self,
                          const char  *filter)
{
  DeviceFilter f = FILTER_ALL;

  if (g_strcmp0 (filter, "gpus") == 0)
    f = FILTER_GPUS;
  else if (g_strcmp0 (filter, "passable") == 0)
    f = FILTER_PASSABLE;
  if (f == self->filter)
    return;
  self->filter = f;
  if (self->machine != NULL)
    refilter (self);
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
           process_cpu_ms ());
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
  /* 100 ms apart, so each search gets its own frame. */
  g_timeout_add (100, bench_next_search, self);
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

  if (self->list_view != NULL)
    gtk_list_view_set_model (self->list_view, NULL);
  g_clear_object (&self->list_selection);
  g_clear_pointer (&self->spare_rows, g_ptr_array_unref);
  g_clear_object (&self->tree_model);
  g_clear_object (&self->group_model);
  g_clear_object (&self->group_filter);
  g_clear_object (&self->groups);
  g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  g_clear_object (&self->machine);
  g_clear_object (&self->selection);
  g_clear_pointer (&self->haystacks, g_hash_table_unref);
  g_clear_pointer (&self->query, g_free);
  gtk_widget_dispose_template (GTK_WIDGET (object), PT_APP_TYPE_WINDOW);
  G_OBJECT_CLASS (pt_app_window_parent_class)->dispose (object);
}

static void
pt_app_window_class_init (PtAppWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = pt_app_window_dispose;
  GTK_WINDOW_CLASS (klass)->close_request = pt_app_window_close_request;

  g_type_ensure (PT_APP_TYPE_DEVICE_PAGE);
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
  BIND (sidebar_stack);
  BIND (list_view);
  BIND (readiness_button);
  BIND (readiness_summary);
  BIND (readiness_icon);
  BIND (inspect_box);
  BIND (status_panel);
  BIND (inspect_label);
  BIND (review_button);
  BIND (content_stack);
  BIND (device_page);
  BIND (readiness_page);
  BIND (no_iommu_page);
  BIND (demo_list);
  BIND (error_page);
  BIND (helper_page);
#undef BIND
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_list_activate);
  gtk_widget_class_bind_template_callback (widget_class, on_back_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_readiness_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_review_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_demo_activated);
  gtk_widget_class_bind_template_callback (widget_class, on_status_undo);
  gtk_widget_class_bind_template_callback (widget_class, on_status_try_again);

  gtk_widget_class_install_action (widget_class, "win.focus-search", NULL, focus_search_action);
}

static void
pt_app_window_init (PtAppWindow *self)
{
  GtkListItemFactory *factory;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->selection = pt_app_selection_new ();
  self->haystacks = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_free);
  self->spare_rows = g_ptr_array_new_with_free_func (g_object_unref);
  self->groups = g_list_store_new (PT_TYPE_GROUP);
  self->group_filter = gtk_custom_filter_new (group_matches, self, NULL);
  self->group_model = gtk_filter_list_model_new (g_object_ref (G_LIST_MODEL (self->groups)),
                                                 g_object_ref (GTK_FILTER (self->group_filter)));
  self->tree_model = gtk_tree_list_model_new (g_object_ref (G_LIST_MODEL (self->group_model)),
                                              FALSE, FALSE, create_child_model, self, NULL);
  self->list_selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->tree_model)));
  gtk_single_selection_set_autoselect (self->list_selection, FALSE);
  gtk_single_selection_set_can_unselect (self->list_selection, TRUE);
  g_signal_connect_swapped (self->list_selection, "notify::selected", G_CALLBACK (on_list_selected), self);

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (setup_row), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_row), self);
  gtk_list_view_set_factory (self->list_view, factory);
  g_object_unref (factory);
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->list_selection));

  g_signal_connect_swapped (self->selection, "changed", G_CALLBACK (update_review_button), self);
  update_review_button (self);
  gtk_search_entry_set_key_capture_widget (self->search_entry, GTK_WIDGET (self));
  g_signal_connect_swapped (pt_app_helper_page_get_demo_list (self->helper_page), "row-activated",
                            G_CALLBACK (on_demo_activated), self);
  {
    GtkEventController *keys = gtk_event_controller_key_new ();
    gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
    g_signal_connect (keys, "key-pressed", G_CALLBACK (on_list_key_pressed), self);
    gtk_widget_add_controller (GTK_WIDGET (self->list_view), keys);
  }

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
