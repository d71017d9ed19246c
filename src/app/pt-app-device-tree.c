/* pt-app-device-tree.c
 *
 * The sidebar is a GtkListView over
 *   PtAppRowSlots (the list view's rows, kept from one search to the next)
 *     GtkTreeListModel (groups → devices)
 *       root:     GtkFilterListModel (groups, "has a matching device")
 *       children: GListStore (a group's matching devices, made when the tree is)
 * so a search finds devices inside collapsed groups, and matching groups are
 * shown expanded while a search or a filter is on.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "pt-app-application.h"
#include "pt-app-device-tree.h"
#include "pt-app-row-slots.h"
#include "pt-app-tree-row.h"
#include "pt-describe.h"
#include "pt-guard.h"

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

struct _PtAppDeviceTree
{
  GtkWidget             parent_instance;

  GtkStack             *stack;
  GtkListView          *list_view;
  GtkWidget            *loading_box;    /* the spinner and its sentence */
  guint                 loading_timeout_id;

  PtAppMachine         *machine;
  PtAppSelection       *selection;
  GListStore           *groups;
  GtkCustomFilter      *group_filter;
  GtkFilterListModel   *group_model;
  GtkTreeListModel     *tree_model;
  PtAppRowSlots        *slots;
  GtkSingleSelection   *list_selection;
  GHashTable           *haystacks;      /* PtDevice* → lower-case searchable text */

  char                 *query;          /* lower-case, NULL when empty */
  DeviceFilter          filter;
  gint64                search_started; /* for PASSTHROUGH_APP_TIMINGS */
  gboolean              tree_pending;   /* set_machine() left the tree for after the first frame */
  guint                 tree_tick_id;   /* on_tick_build_tree() */
  gboolean              tree_tick_seen; /* it let one frame go out already */
};

enum
{
  DEVICE_ACTIVATED,
  KEYNAV_LEAVE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (PtAppDeviceTree, pt_app_device_tree, GTK_TYPE_WIDGET)

/* ---- matching --------------------------------------------------------- */

static const char *
haystack_for (PtAppDeviceTree *self,
              PtDevice        *dev)
{
  char *text = g_hash_table_lookup (self->haystacks, dev);

  if (text == NULL)
    {
      g_autofree char *ids = pt_device_dup_ids (dev);
      g_autofree char *name = pt_device_dup_display_name (dev);
      g_autofree char *raw = NULL;

      raw = g_strdup_printf ("%s\n%s\n%s\n%s\n%s\n%s\n%s\n%s\niommu group %d\n",
                             pt_device_get_address (dev), name,
                             pt_device_get_vendor_name (dev) ? pt_device_get_vendor_name (dev) : "",
                             pt_device_get_subsystem_name (dev) ? pt_device_get_subsystem_name (dev) : "",
                             ids,
                             pt_device_get_driver (dev) ? pt_device_get_driver (dev) : "",
                             pt_device_get_class_name (dev) ? pt_device_get_class_name (dev) : "",
                             pt_describe_kind_words (dev),
                             pt_device_get_group_id (dev));
      text = g_utf8_casefold (raw, -1);
      g_hash_table_insert (self->haystacks, dev, text);
    }
  return text;
}

static gboolean
device_passes_filter (PtAppDeviceTree *self,
                      PtDevice        *dev)
{
  switch (self->filter)
    {
    case FILTER_GPUS:
      return pt_device_get_kind (dev) == PT_DEVICE_KIND_GPU;
    case FILTER_PASSABLE:
      return pt_guard_device_can_go (pt_app_machine_get_topology (self->machine), dev);
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
  PtAppDeviceTree *self = user_data;
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
is_filtering (PtAppDeviceTree *self)
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
  PtAppDeviceTree *self = user_data;
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
 * it is built costs one. The list view keeps its rows (PtAppRowSlots):
 * they show the new tree's rows at their positions. */
static void
rebuild_tree (PtAppDeviceTree *self,
              gboolean         expanded)
{
  g_autoptr(GtkTreeListModel) tree = gtk_tree_list_model_new (g_object_ref (G_LIST_MODEL (self->group_model)),
                                                              FALSE, expanded, create_child_model, self, NULL);

  gtk_single_selection_set_selected (self->list_selection, GTK_INVALID_LIST_POSITION);
  g_set_object (&self->tree_model, tree);
  pt_app_row_slots_set_source (self->slots, G_LIST_MODEL (tree));
  if (g_list_model_get_n_items (G_LIST_MODEL (tree)) > 0)
    gtk_widget_activate_action (GTK_WIDGET (self->list_view), "list.scroll-to-item", "u", 0);
}

/* After the frame that shows the search's rows is painted: the time a
 * person waits, layout and drawing of the rows included. */
static void
print_frame_time (GdkFrameClock *clock,
                  gpointer       user_data)
{
  PtAppDeviceTree *self = user_data;

  g_signal_handlers_disconnect_by_func (clock, print_frame_time, user_data);
  g_print ("passthrough-timing: search-to-paint %.2f ms\n",
           (g_get_monotonic_time () - self->search_started) / 1000.0);
}

static gboolean
reveal_spinner (gpointer user_data)
{
  PtAppDeviceTree *self = user_data;

  self->loading_timeout_id = 0;
  gtk_widget_set_visible (self->loading_box, TRUE);
  return G_SOURCE_REMOVE;
}

/* The "loading" page shows its spinner only when the wait is long enough
 * to notice: a large tree comes a frame after the window, and most
 * machines are read in a tenth of a second; a spinner that flashes for
 * that long is noise. */
static void
show_page (PtAppDeviceTree *self,
           const char      *name)
{
  gboolean loading = g_str_equal (name, "loading");

  if (loading && self->loading_timeout_id == 0 && !gtk_widget_get_visible (self->loading_box))
    self->loading_timeout_id = g_timeout_add (400, reveal_spinner, self);
  else if (!loading)
    {
      g_clear_handle_id (&self->loading_timeout_id, g_source_remove);
      gtk_widget_set_visible (self->loading_box, FALSE);
    }
  gtk_stack_set_visible_child_name (self->stack, name);
}

static void
refilter (PtAppDeviceTree *self)
{
  gint64 start = g_get_monotonic_time ();
  double start_cpu = pt_app_process_cpu_ms ();
  gint64 filter_start, filtered;
  guint n_groups;
  gboolean expand;

  if (self->group_filter == NULL || self->machine == NULL)
    return;
  self->tree_pending = FALSE;
  expand = is_filtering (self) ||
           pt_topology_get_n_devices (pt_app_machine_get_topology (self->machine)) <= EXPAND_ALL_LIMIT;
  /* Fresh filters and models rather than "changed" on the old ones, which
   * the old tree would follow group by group. */
  {
    g_autoptr(GtkCustomFilter) group_filter = gtk_custom_filter_new (group_matches, self, NULL);

    filter_start = g_get_monotonic_time ();
    g_set_object (&self->group_filter, group_filter);
    g_clear_object (&self->group_model);
    self->group_model = gtk_filter_list_model_new (g_object_ref (G_LIST_MODEL (self->groups)),
                                                   g_object_ref (GTK_FILTER (group_filter)));
    filtered = g_get_monotonic_time ();
    rebuild_tree (self, expand);
  }

  n_groups = g_list_model_get_n_items (G_LIST_MODEL (self->group_model));
  show_page (self, n_groups > 0 ? "list" : "empty");

  if (pt_app_application_timings_enabled ())
    {
      g_print ("passthrough-timing: search “%s” %.2f ms (filter %.2f ms, list rows %.2f ms), %u rows shown of %u devices, cpu %.2f ms\n",
               self->query ? self->query : "",
               (g_get_monotonic_time () - start) / 1000.0,
               (filtered - filter_start) / 1000.0,
               ((filter_start - start) + (g_get_monotonic_time () - filtered)) / 1000.0,
               g_list_model_get_n_items (G_LIST_MODEL (self->tree_model)),
               pt_topology_get_n_devices (pt_app_machine_get_topology (self->machine)),
               pt_app_process_cpu_ms () - start_cpu);
      self->search_started = start;
      if (gtk_widget_get_frame_clock (GTK_WIDGET (self)) != NULL)
        {
          GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (self));
          g_signal_handlers_disconnect_by_func (clock, print_frame_time, self);
          g_signal_connect_object (clock, "after-paint", G_CALLBACK (print_frame_time), self, 0);
        }
    }
}

/* ---- list rows -------------------------------------------------------- */

/* A list item's child is one PtAppTreeRow for its whole life: it shows
 * whatever the tree holds at the item's position (PtAppRowSlots), a group
 * or a device. */
static void
setup_row (GtkSignalListItemFactory *factory,
           GtkListItem              *item,
           gpointer                  user_data)
{
  GtkWidget *row = pt_app_tree_row_new ();

  /* The list item takes the focus, not the row inside it: GTK 4.8's list
   * view moves between rows with the arrows only from a focused list
   * item. Enter on a group row opens or closes it (on_list_activate). */
  gtk_widget_set_focusable (row, FALSE);
  gtk_list_item_set_child (item, row);
  g_object_set_data (G_OBJECT (item), "pt-device-tree", user_data);
}

/* Shows the tree's row at the position of ITEM's slot. */
static void
show_slot_item (PtAppDeviceTree *self,
                GtkListItem     *item)
{
  PtAppRowSlot *slot = gtk_list_item_get_item (item);
  g_autoptr(GtkTreeListRow) row = slot != NULL ? pt_app_row_slot_dup_item (slot) : NULL;

  pt_app_tree_row_show (PT_APP_TREE_ROW (gtk_list_item_get_child (item)), row,
                        self->machine != NULL ? pt_app_machine_get_topology (self->machine) : NULL, self->selection);
}

static void
on_slot_item_changed (PtAppRowSlot *slot,
                      GtkListItem  *item)
{
  show_slot_item (g_object_get_data (G_OBJECT (item), "pt-device-tree"), item);
}

static void
bind_row (GtkSignalListItemFactory *factory,
          GtkListItem              *item,
          gpointer                  user_data)
{
  g_signal_connect_object (gtk_list_item_get_item (item), "item-changed", G_CALLBACK (on_slot_item_changed), item, 0);
  show_slot_item (user_data, item);
}

static void
unbind_row (GtkSignalListItemFactory *factory,
            GtkListItem              *item,
            gpointer                  user_data)
{
  g_signal_handlers_disconnect_by_func (gtk_list_item_get_item (item), on_slot_item_changed, item);
  pt_app_tree_row_show (PT_APP_TREE_ROW (gtk_list_item_get_child (item)), NULL, NULL, NULL);
}

/* ---- keyboard --------------------------------------------------------- */

/* GTK 4.8's list view moves Tab from row to row, so a thousand devices
 * would be a thousand key presses between the search and the page (4.12
 * has GtkListTabBehavior for this). Here Tab leaves the list as a whole:
 * arrows move inside it, and "keynav-leave" lets the window say where Tab
 * (the sidebar's buttons, the page) and Shift+Tab (the search) go. */

/* The tree's row a list item widget of the list view shows, or NULL. */
static GtkTreeListRow *
list_row_of (GtkWidget *list_item_widget)
{
  GtkWidget *child = gtk_widget_get_first_child (list_item_widget);

  return child != NULL && PT_APP_IS_TREE_ROW (child) ? pt_app_tree_row_get_list_row (PT_APP_TREE_ROW (child)) : NULL;
}

/* The list item widget at POSITION, when it exists. */
static GtkWidget *
list_item_widget_at (PtAppDeviceTree *self,
                     guint            position)
{
  for (GtkWidget *c = gtk_widget_get_first_child (GTK_WIDGET (self->list_view)); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkTreeListRow *row = gtk_widget_get_child_visible (c) ? list_row_of (c) : NULL;

      if (row != NULL && gtk_tree_list_row_get_position (row) == position)
        return c;
    }
  return NULL;
}

/* The tree's row of the focused list item, or NULL. */
static GtkTreeListRow *
focused_list_row (PtAppDeviceTree *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;

  if (focus == NULL || gtk_widget_get_parent (focus) != GTK_WIDGET (self->list_view))
    return NULL;
  return list_row_of (focus);
}

/* Where the focused row is in the tree, or GTK_INVALID_LIST_POSITION. */
static guint
focused_list_position (PtAppDeviceTree *self)
{
  GtkTreeListRow *row = focused_list_row (self);

  return row != NULL ? gtk_tree_list_row_get_position (row) : GTK_INVALID_LIST_POSITION;
}

/* Right (or +) opens the focused group, Left (or -) closes it. */
static gboolean
expand_focused_group (PtAppDeviceTree *self,
                      gboolean         expand)
{
  GtkTreeListRow *row = focused_list_row (self);

  if (row == NULL || !gtk_tree_list_row_is_expandable (row))
    return FALSE;
  gtk_tree_list_row_set_expanded (row, expand);
  return TRUE;
}

static gboolean
focus_list_position (gpointer user_data)
{
  PtAppDeviceTree *self = user_data;
  guint position = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (self), "pt-focus-position"));
  GtkWidget *item = list_item_widget_at (self, position);

  if (item != NULL)
    gtk_widget_grab_focus (item);
  return G_SOURCE_REMOVE;
}

/* GTK 4.8's list view loses track of its focused row when the rows under
 * it change (a search shows a new tree in them, see PtAppRowSlots), and
 * then ignores the arrows, which move the focus out of the list instead.
 * So the tree moves it: one row up or down, scrolled into view. */
static gboolean
move_list_focus (PtAppDeviceTree *self,
                 int              delta)
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
                     PtAppDeviceTree       *self)
{
  if ((state & (GDK_CONTROL_MASK | GDK_ALT_MASK)) != 0)
    return FALSE;
  if (keyval == GDK_KEY_ISO_Left_Tab || (keyval == GDK_KEY_Tab && (state & GDK_SHIFT_MASK) != 0))
    {
      g_signal_emit (self, signals[KEYNAV_LEAVE], 0, GTK_DIR_TAB_BACKWARD);
      return TRUE;
    }
  if (keyval == GDK_KEY_Down || keyval == GDK_KEY_KP_Down)
    return move_list_focus (self, 1);
  if (keyval == GDK_KEY_Up || keyval == GDK_KEY_KP_Up)
    return move_list_focus (self, -1);
  if (keyval == GDK_KEY_Right || keyval == GDK_KEY_KP_Right || keyval == GDK_KEY_plus || keyval == GDK_KEY_KP_Add)
    return expand_focused_group (self, gtk_widget_get_direction (GTK_WIDGET (self)) != GTK_TEXT_DIR_RTL ||
                                         keyval == GDK_KEY_plus || keyval == GDK_KEY_KP_Add);
  if (keyval == GDK_KEY_Left || keyval == GDK_KEY_KP_Left || keyval == GDK_KEY_minus || keyval == GDK_KEY_KP_Subtract)
    return expand_focused_group (self, gtk_widget_get_direction (GTK_WIDGET (self)) == GTK_TEXT_DIR_RTL &&
                                         keyval != GDK_KEY_minus && keyval != GDK_KEY_KP_Subtract);
  if (keyval == GDK_KEY_Tab || keyval == GDK_KEY_KP_Tab)
    {
      g_signal_emit (self, signals[KEYNAV_LEAVE], 0, GTK_DIR_TAB_FORWARD);
      return TRUE;
    }
  return FALSE;
}

/* ---- clicks ------------------------------------------------------------ */

/* A click on a group row opens or closes the group. */
static void
on_list_pressed (GtkGestureClick *gesture,
                 int              n_press,
                 double           x,
                 double           y,
                 PtAppDeviceTree *self)
{
  GtkWidget *picked = gtk_widget_pick (GTK_WIDGET (self->list_view), x, y, GTK_PICK_DEFAULT);
  GtkWidget *row = picked != NULL ? gtk_widget_get_ancestor (picked, PT_APP_TYPE_TREE_ROW) : NULL;

  if (row != NULL && pt_app_tree_row_toggle (PT_APP_TREE_ROW (row)))
    gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
}

/* ---- selection ------------------------------------------------------ */

static void
on_list_selected (PtAppDeviceTree *self)
{
  guint position = gtk_single_selection_get_selected (self->list_selection);
  g_autoptr(GtkTreeListRow) row = NULL;
  g_autoptr(GObject) obj = NULL;

  if (position == GTK_INVALID_LIST_POSITION || self->tree_model == NULL)
    return;
  row = g_list_model_get_item (G_LIST_MODEL (self->tree_model), position);
  if (row == NULL)
    return;
  obj = gtk_tree_list_row_get_item (row);
  if (PT_IS_DEVICE (obj))
    g_signal_emit (self, signals[DEVICE_ACTIVATED], 0, obj);
}

static void
on_list_activate (PtAppDeviceTree *self,
                  guint            position)
{
  g_autoptr(GtkTreeListRow) row = g_list_model_get_item (G_LIST_MODEL (self->tree_model), position);
  g_autoptr(GObject) obj = NULL;

  if (row == NULL)
    return;
  obj = gtk_tree_list_row_get_item (row);
  if (PT_IS_DEVICE (obj))
    g_signal_emit (self, signals[DEVICE_ACTIVATED], 0, obj);
  else if (gtk_tree_list_row_is_expandable (row))
    gtk_tree_list_row_set_expanded (row, !gtk_tree_list_row_get_expanded (row));
}

/* ---- loading ---------------------------------------------------------- */

static gboolean
fill_haystacks (gpointer user_data)
{
  PtAppDeviceTree *self = user_data;
  GListModel *all;

  if (self->machine == NULL || self->haystacks == NULL)
    return G_SOURCE_REMOVE;
  all = pt_topology_get_devices (pt_app_machine_get_topology (self->machine));
  for (guint i = 0; i < g_list_model_get_n_items (all); i++)
    {
      g_autoptr(PtDevice) d = g_list_model_get_item (all, i);
      haystack_for (self, d);
    }
  pt_app_tree_row_warm_up (GTK_WIDGET (self));
  return G_SOURCE_REMOVE;
}

static void
print_tree_frame_time (GdkFrameClock *clock,
                       gpointer       user_data)
{
  g_print ("passthrough-timing: tree-frame %" G_GINT64_FORMAT " us (monotonic), cpu %.1f ms\n", g_get_monotonic_time (),
           pt_app_process_cpu_ms ());
  g_signal_handlers_disconnect_by_func (clock, print_tree_frame_time, user_data);
}

/* PASSTHROUGH_APP_TIMINGS: when the frame that shows a large tree's rows
 * is painted. */
static void
report_tree_frame (PtAppDeviceTree *self)
{
  if (pt_app_application_timings_enabled () && gtk_widget_get_frame_clock (GTK_WIDGET (self)) != NULL)
    g_signal_connect (gtk_widget_get_frame_clock (GTK_WIDGET (self)), "after-paint",
                      G_CALLBACK (print_tree_frame_time), NULL);
}

/* Tick callbacks run before a frame is laid out and painted: the first
 * one lets its frame (the window) go out as it is, the second builds the
 * tree, which its frame then shows. (An idle after the first frame was not
 * enough: while a spinner turns, frames at GDK's redraw priority can keep
 * a default idle from ever running.) */
static gboolean
on_tick_build_tree (GtkWidget     *widget,
                    GdkFrameClock *clock,
                    gpointer       user_data)
{
  PtAppDeviceTree *self = PT_APP_DEVICE_TREE (widget);

  if (!self->tree_pending)
    {
      self->tree_tick_id = 0;
      return G_SOURCE_REMOVE;
    }
  if (!self->tree_tick_seen)
    {
      self->tree_tick_seen = TRUE;
      return G_SOURCE_CONTINUE;
    }
  self->tree_tick_id = 0;
  refilter (self);
  report_tree_frame (self);
  return G_SOURCE_REMOVE;
}

/* Building the rows of a large tree (GTK 4.8's list view makes ~200 of
 * them, whatever fits on screen) and laying them out costs as much again
 * as the window itself: the window shows first (or, when it is already on
 * screen, the rest of what the new machine changes), and the tree comes in
 * the frame after. A search, a filter
 * or show-device before then builds it at once (refilter()). */
static void
show_tree_after_first_frame (PtAppDeviceTree *self)
{
  show_page (self, "loading");
  self->tree_pending = TRUE;
  if (self->tree_tick_id == 0)
    {
      self->tree_tick_seen = FALSE;
      self->tree_tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), on_tick_build_tree, NULL, NULL);
    }
}

/* While the window reads a machine: the spinner, over the tree of the one
 * before (still there for select_device() and the rest). */
void
pt_app_device_tree_show_loading (PtAppDeviceTree *self)
{
  show_page (self, "loading");
}

/* The machine could not be read: the tree as it was. */
void
pt_app_device_tree_show_loaded (PtAppDeviceTree *self)
{
  if (self->tree_pending)
    return;
  show_page (self, self->machine == NULL || g_list_model_get_n_items (G_LIST_MODEL (self->group_model)) > 0
                    ? "list" : "empty");
}

/* 0: a group with a GPU that is not the boot GPU; 1: the boot GPU's; 2: the rest. */
static int
gpu_rank (PtGroup *group)
{
  GListModel *devices = pt_group_get_devices (group);
  int rank = 2;

  for (guint i = 0; i < g_list_model_get_n_items (devices); i++)
    {
      g_autoptr(PtDevice) dev = g_list_model_get_item (devices, i);
      const char *verdict = pt_describe_verdict (dev);

      if (verdict == NULL)
        continue;
      if (!pt_device_get_boot_vga (dev))
        return 0;
      rank = 1;
    }
  return rank;
}

static int
compare_gpu_first (gconstpointer a,
                   gconstpointer b)
{
  return gpu_rank (*(PtGroup **) a) - gpu_rank (*(PtGroup **) b);
}

void
pt_app_device_tree_set_machine (PtAppDeviceTree *self,
                                PtAppMachine    *machine,
                                PtAppSelection  *selection)
{
  PtTopology *topo = pt_app_machine_get_topology (machine);
  GListModel *groups = pt_topology_get_groups (topo);
  GListModel *ungrouped = pt_topology_get_ungrouped (topo);

  g_set_object (&self->machine, machine);
  g_set_object (&self->selection, selection);
  g_hash_table_remove_all (self->haystacks);

  /* A new store filled in one splice: the models over the old one (still
   * on screen until refilter() swaps them) never see the change. */
  {
    g_autoptr(GListStore) store = g_list_store_new (PT_TYPE_GROUP);
    g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);

    for (guint i = 0; i < g_list_model_get_n_items (groups); i++)
      g_ptr_array_add (items, g_list_model_get_item (groups, i));
    /* The cards people come for first: groups with a GPU that can go,
     * then the host's screen, then the rest, each in passthroughctl's
     * order (a stable sort). */
    g_ptr_array_sort (items, compare_gpu_first);
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

  if (pt_topology_get_n_devices (topo) > EXPAND_ALL_LIMIT)
    show_tree_after_first_frame (self);
  else
    refilter (self);
  /* The search text of every device, and the fonts of the rows, once the
   * window has painted, rather than on the first search. */
  g_idle_add_full (G_PRIORITY_LOW, fill_haystacks, g_object_ref (self), g_object_unref);
  pt_app_device_tree_unselect (self);
}

/* TEXT as typed; FALSE when it searches for the same as before. */
gboolean
pt_app_device_tree_set_query (PtAppDeviceTree *self,
                              const char      *text)
{
  g_autofree char *stripped = g_strstrip (g_strdup (text != NULL ? text : ""));
  g_autofree char *query = *stripped != '\0' ? g_utf8_casefold (stripped, -1) : NULL;

  if (g_strcmp0 (query, self->query) == 0)
    return FALSE;
  g_free (self->query);
  self->query = g_steal_pointer (&query);
  refilter (self);
  return TRUE;
}

/* FILTER: "all", "gpus" or "passable" (the app.filter action's states). */
void
pt_app_device_tree_set_filter (PtAppDeviceTree *self,
                               const char      *filter)
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

void
pt_app_device_tree_unselect (PtAppDeviceTree *self)
{
  gtk_single_selection_set_selected (self->list_selection, GTK_INVALID_LIST_POSITION);
}

/* Opens the group of the device at ADDRESS (normalized) and selects its
 * row; FALSE when the tree does not show it (a filter hides it). */
gboolean
pt_app_device_tree_select_device (PtAppDeviceTree *self,
                                  const char      *address)
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

/* ---- life cycle ------------------------------------------------------- */

static void
pt_app_device_tree_dispose (GObject *object)
{
  PtAppDeviceTree *self = PT_APP_DEVICE_TREE (object);

  if (self->list_view != NULL)
    gtk_list_view_set_model (self->list_view, NULL);
  g_clear_handle_id (&self->loading_timeout_id, g_source_remove);
  g_clear_object (&self->list_selection);
  g_clear_object (&self->slots);
  g_clear_object (&self->tree_model);
  g_clear_object (&self->group_model);
  g_clear_object (&self->group_filter);
  g_clear_object (&self->groups);
  g_clear_object (&self->machine);
  g_clear_object (&self->selection);
  g_clear_pointer (&self->haystacks, g_hash_table_unref);
  g_clear_pointer (&self->query, g_free);
  gtk_widget_dispose_template (GTK_WIDGET (object), PT_APP_TYPE_DEVICE_TREE);
  G_OBJECT_CLASS (pt_app_device_tree_parent_class)->dispose (object);
}

static void
pt_app_device_tree_class_init (PtAppDeviceTreeClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = pt_app_device_tree_dispose;

  /* A device row was selected or activated (Enter, a click). */
  signals[DEVICE_ACTIVATED] = g_signal_new ("device-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                            0, NULL, NULL, NULL, G_TYPE_NONE, 1, PT_TYPE_DEVICE);
  /* Tab (GTK_DIR_TAB_FORWARD) or Shift+Tab (GTK_DIR_TAB_BACKWARD) in the
   * list: the window moves the focus on, out of the tree. */
  signals[KEYNAV_LEAVE] = g_signal_new ("keynav-leave", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                        0, NULL, NULL, NULL, G_TYPE_NONE, 1, GTK_TYPE_DIRECTION_TYPE);

  gtk_widget_class_set_template_from_resource (widget_class, "/com/example/Passthrough/ui/pt-app-device-tree.ui");
  gtk_widget_class_bind_template_child (widget_class, PtAppDeviceTree, stack);
  gtk_widget_class_bind_template_child (widget_class, PtAppDeviceTree, list_view);
  gtk_widget_class_bind_template_child (widget_class, PtAppDeviceTree, loading_box);
  gtk_widget_class_bind_template_callback (widget_class, on_list_activate);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GENERIC);
}

static void
pt_app_device_tree_init (PtAppDeviceTree *self)
{
  GtkListItemFactory *factory;
  GtkEventController *keys;
  GtkGesture *click;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->haystacks = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_free);
  self->groups = g_list_store_new (PT_TYPE_GROUP);
  self->group_filter = gtk_custom_filter_new (group_matches, self, NULL);
  self->group_model = gtk_filter_list_model_new (g_object_ref (G_LIST_MODEL (self->groups)),
                                                 g_object_ref (GTK_FILTER (self->group_filter)));
  self->tree_model = gtk_tree_list_model_new (g_object_ref (G_LIST_MODEL (self->group_model)),
                                              FALSE, FALSE, create_child_model, self, NULL);
  self->slots = pt_app_row_slots_new ();
  pt_app_row_slots_set_source (self->slots, G_LIST_MODEL (self->tree_model));
  self->list_selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->slots)));
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

  click = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_PRIMARY);
  gtk_event_controller_set_propagation_phase (GTK_EVENT_CONTROLLER (click), GTK_PHASE_CAPTURE);
  g_signal_connect (click, "pressed", G_CALLBACK (on_list_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self->list_view), GTK_EVENT_CONTROLLER (click));

  keys = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect (keys, "key-pressed", G_CALLBACK (on_list_key_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self->list_view), keys);
}
