/* pt-app-slots-view.c
 *
 * A list, not a picture of the board: sysfs says which port a slot hangs
 * off, its group and its link, never where it sits.  A port's physical
 * name (PCIE3, "CPU SLOT1") is what the board's manual prints, so it comes
 * first where the firmware gives one.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "pt-app-slots-view.h"
#include "pt-describe.h"
#include "pt-slots.h"

/* "PCIE3 (0000:00:1c.0)", or the port alone */
static char *
slot_label (PtSlot *slot)
{
  if (slot->slot_name != NULL)
    return g_strdup_printf ("%s (%s)", slot->slot_name, slot->port);
  return g_strdup_printf (_("Port %s"), slot->port);
}

static const char *
attached_words (const char *attached)
{
  if (g_strcmp0 (attached, "cpu") == 0)
    return _("wired to the processor");
  if (g_strcmp0 (attached, "chipset") == 0)
    return _("behind the chipset");
  return _("behind a PCIe switch");
}

static char *
link_words (PtSlot *slot)
{
  g_autoptr(GString) out = g_string_new (NULL);

  if (slot->width > 0)
    g_string_append_printf (out, "x%d", slot->width);
  if (slot->speed != NULL)
    g_string_append_printf (out, "%s%s", out->len > 0 ? ", " : "", slot->speed);
  if (out->len == 0)
    g_string_append (out, _("link unknown"));
  if (slot->current_width > 0 &&
      (slot->current_width != slot->width || g_strcmp0 (slot->current_speed, slot->speed) != 0))
    g_string_append_printf (out, _(" (now x%d, %s)"), slot->current_width,
                            slot->current_speed != NULL ? slot->current_speed : _("speed unknown"));
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static char *
devices_words (PtTopology *topology,
               GPtrArray  *devices)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

  if (devices->len == 0)
    return g_strdup (_("Free: nothing sits there now."));
  for (guint i = 0; i < devices->len; i++)
    {
      const char *address = g_ptr_array_index (devices, i);
      PtDevice *dev = pt_topology_lookup (topology, address);
      g_autofree char *name = dev != NULL ? pt_device_dup_display_name (dev) : NULL;

      g_ptr_array_add (names, name != NULL ? g_strdup_printf ("%s (%s)", name, address) : g_strdup (address));
    }
  {
    g_autofree char *joined = pt_describe_join (names);
    return g_strdup_printf (_("Now: %s."), joined);
  }
}

static GtkWidget *
slot_row (PtTopology *topology,
          PtSlot     *slot,
          gboolean    holds_card)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *icon = gtk_image_new_from_icon_name (slot->isolated ? "emblem-ok-symbolic" : "dialog-warning-symbolic");
  g_autofree char *title = slot_label (slot);
  g_autofree char *link = link_words (slot);
  g_autofree char *group = slot->group >= 0 ? g_strdup_printf (_("IOMMU group %d"), slot->group)
                                            : g_strdup (_("a new IOMMU group"));
  g_autofree char *now = devices_words (topology, slot->devices);
  g_autofree char *subtitle = g_strdup_printf ("%s · %s · %s\n%s\n%s", attached_words (slot->attached), link, group,
                                               now, slot->why);

  /* names and sentences are text, never markup ("&" in a vendor's name) */
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
  gtk_widget_add_css_class (icon, slot->isolated ? "success" : "warning");
  gtk_widget_set_valign (icon, GTK_ALIGN_START);
  gtk_widget_set_margin_top (icon, 14);
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  slot->isolated ? _("A group of its own") : _("A shared group"), -1);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
  if (holds_card)
    {
      GtkWidget *mark = gtk_label_new (_("This card"));

      gtk_widget_add_css_class (mark, "accent");
      gtk_widget_add_css_class (mark, "heading");
      gtk_widget_set_valign (mark, GTK_ALIGN_START);
      gtk_widget_set_margin_top (mark, 14);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), mark);
    }
  return row;
}

/* Where CARD sits and which free slots would give it a group of its own. */
static char *
summarize (PtTopology *topology,
           GPtrArray  *slots,
           PtDevice   *card)
{
  const char *address = pt_device_get_address (card);
  const char *port = pt_slots_find_port (slots, address);
  g_autofree char *ref = pt_describe_device_ref (topology, address);
  g_autoptr(GPtrArray) better = g_ptr_array_new_with_free_func (g_free);
  PtSlot *here = NULL;

  for (guint i = 0; i < slots->len; i++)
    {
      PtSlot *slot = g_ptr_array_index (slots, i);
      if (g_strcmp0 (slot->port, port) == 0)
        here = slot;
      else if (slot->isolated && slot->devices->len == 0)
        g_ptr_array_add (better, slot_label (slot));
    }
  if (here == NULL)
    return g_strdup_printf (_("%s is built into the board or the processor, not in a slot."), ref);
  {
    g_autofree char *where = slot_label (here);
    g_autofree char *joined = better->len > 0 ? pt_describe_join (better) : NULL;

    if (here->isolated)
      return g_strdup_printf (_("%s sits in %s, where it has an IOMMU group of its own."), ref, where);
    if (joined != NULL)
      return g_strdup_printf (_("%s sits in %s, whose IOMMU group it shares. In a free slot marked as a group of its own it "
                                "would get one: %s."), ref, where, joined);
    return g_strdup_printf (_("%s sits in %s, whose IOMMU group it shares, and no free slot of this machine would give it "
                              "a group of its own. The device page lists what else can be done."), ref, where);
  }
}

GtkWidget *
pt_app_slots_view_new_list (PtTopology *topology,
                            PtDevice   *card)
{
  g_autoptr(GPtrArray) slots = pt_slots_list (topology);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 18);
  GtkWidget *intro = gtk_label_new (_("Every slot a card can sit in, by the port it hangs off. The kernel does not know where "
                                      "a slot is on the board: match the names here with the ones printed on the board or in "
                                      "its manual."));
  GtkWidget *group = adw_preferences_group_new ();
  const char *port = card != NULL ? pt_slots_find_port (slots, pt_device_get_address (card)) : NULL;

  gtk_label_set_wrap (GTK_LABEL (intro), TRUE);
  gtk_label_set_xalign (GTK_LABEL (intro), 0);
  gtk_widget_add_css_class (intro, "dim-label");
  gtk_box_append (GTK_BOX (box), intro);
  if (card != NULL && pt_device_is_endpoint (card))
    {
      g_autofree char *text = summarize (topology, slots, card);
      GtkWidget *summary = gtk_label_new (text);

      gtk_label_set_wrap (GTK_LABEL (summary), TRUE);
      gtk_label_set_xalign (GTK_LABEL (summary), 0);
      gtk_box_append (GTK_BOX (box), summary);
    }
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), _("Slots"));
  if (slots->len == 0)
    adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (group),
                                           _("This machine shows no root or downstream port a card could sit behind."));
  for (guint i = 0; i < slots->len; i++)
    {
      PtSlot *slot = g_ptr_array_index (slots, i);
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (group),
                                 slot_row (topology, slot, port != NULL && g_str_equal (slot->port, port)));
    }
  gtk_box_append (GTK_BOX (box), group);
  return box;
}

GtkWindow *
pt_app_slots_view_present (GtkWindow  *parent,
                           PtTopology *topology,
                           PtDevice   *card)
{
  GtkWidget *window = adw_window_new ();
  GtkWidget *content = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *title = adw_window_title_new (_("Slots"), NULL);
  GtkWidget *scroller = gtk_scrolled_window_new ();
  GtkWidget *clamp = adw_clamp_new ();
  GtkWidget *list = pt_app_slots_view_new_list (topology, card);
  GtkEventController *keys = gtk_shortcut_controller_new ();

  if (card != NULL && pt_device_is_endpoint (card))
    {
      g_autofree char *ref = pt_describe_device_ref (topology, pt_device_get_address (card));
      adw_window_title_set_subtitle (ADW_WINDOW_TITLE (title), ref);
    }
  gtk_window_set_title (GTK_WINDOW (window), _("Slots"));
  gtk_window_set_transient_for (GTK_WINDOW (window), parent);
  gtk_window_set_modal (GTK_WINDOW (window), TRUE);
  gtk_window_set_default_size (GTK_WINDOW (window), 640, 720);
  adw_header_bar_set_title_widget (ADW_HEADER_BAR (header), title);
  gtk_box_append (GTK_BOX (content), header);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_widget_set_vexpand (scroller, TRUE);
  adw_clamp_set_maximum_size (ADW_CLAMP (clamp), 720);
  gtk_widget_set_margin_top (list, 18);
  gtk_widget_set_margin_bottom (list, 18);
  gtk_widget_set_margin_start (list, 12);
  gtk_widget_set_margin_end (list, 12);
  adw_clamp_set_child (ADW_CLAMP (clamp), list);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), clamp);
  gtk_box_append (GTK_BOX (content), scroller);
  adw_window_set_content (ADW_WINDOW (window), content);
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (keys),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Escape, 0),
                                                          gtk_named_action_new ("window.close")));
  gtk_widget_add_controller (window, keys);
  gtk_window_present (GTK_WINDOW (window));
  return GTK_WINDOW (window);
}

GtkWidget *
pt_app_slots_view_button_new (void)
{
  GtkWidget *button = gtk_button_new_with_label (_("Show Slots…"));

  gtk_widget_set_halign (button, GTK_ALIGN_START);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "win.slots");
  return button;
}
