/* pt-app-tree-row.c
 *
 * One row of the sidebar tree, a group or a device, as a single widget
 * that lays out and draws its parts itself: the arrow or the indent, the
 * kind icon, the texts, the "chosen" and "shared" marks.
 *
 * Why not a template of images and labels inside a GtkTreeExpander: GTK
 * 4.8's list view holds ~200 rows, and a search shows another tree in all
 * of them. With an expander and five child widgets a row, every search
 * restyled and measured about a thousand widgets, the expander rebuilt its
 * indent and arrow widgets whenever a row went from a group to a device,
 * and every text was shaped whether it was on screen or not: 20 to 60 ms a
 * search (tests/bench/bench-app.sh). Here a row is one widget with one
 * style, its height comes from the font's metrics (measured once per
 * font), and a text is shaped only when its row is drawn.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "pt-app-tree-row.h"
#include "pt-describe.h"

/* Sizes, as the rows of images and labels had them. */
#define ICON_SIZE      16
#define INDENT         16   /* a level of the tree, and the arrow's place */
#define ICON_GAP       10   /* kind icon → texts */
#define TEXT_GAP        8   /* address → name, title → count */
#define END_MARGIN      6
#define DEVICE_PAD_Y    4
#define LINE_GAP        2
#define GROUP_HEIGHT   32
#define DIM_ALPHA   0.55f   /* libadwaita's .dim-label */

/* More than the sidebar shows on the details line (some 60 characters of
 * the caption font at its 380 px). */
#define DETAILS_SHOWN_CHARS 96

typedef enum
{
  TEXT_FIRST,     /* a group's title, a device's address */
  TEXT_SECOND,    /* a group's device count, a device's name */
  TEXT_DETAILS,   /* a device's IDs, driver and badges */
  N_TEXTS
} RowTextSlot;

struct _PtAppTreeRow
{
  GtkWidget       parent_instance;

  GtkTreeListRow *list_row;
  gulong          expanded_id;
  GObject        *item;          /* PtGroup or PtDevice */
  PtAppSelection *selection;
  gulong          selection_id;

  gboolean        is_group;
  gboolean        shared;        /* a group whose devices must go together */
  gboolean        chosen;        /* a device chosen to pass through */
  guint           depth;
  const char     *icon_name;     /* a device's kind */
  const char     *texts[N_TEXTS];  /* owned by the item's cached texts */
  PangoLayout    *layouts[N_TEXTS];
  GObject        *layout_items[N_TEXTS];  /* whose text each layout holds */
  PangoFontDescription *base_font;        /* the widget's font the layouts were made for */
};

G_DEFINE_FINAL_TYPE (PtAppTreeRow, pt_app_tree_row, GTK_TYPE_WIDGET)

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

/* A group is "shared" when one of its endpoints would have to take a device
 * of another slot along: the case the warning icon points at. */
static gboolean
group_is_shared (PtGroup *group)
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

/* ---- what a row says ---------------------------------------------------- */

/* It depends on the group or device and its topology only, so it is made
 * once, kept on the object, and every later showing of it only points at
 * it. */
typedef struct
{
  char     *first;
  char     *second;
  char     *details;      /* whole: the tooltip and screen readers have it all */
  char     *line;         /* what the details line shows */
  char     *accessible;
  gboolean  shared;
} RowTexts;

G_DEFINE_QUARK (pt-app-tree-row-texts, row_texts)

static void
row_texts_free (gpointer data)
{
  RowTexts *texts = data;

  g_free (texts->first);
  g_free (texts->second);
  g_free (texts->details);
  g_free (texts->line);
  g_free (texts->accessible);
  g_free (texts);
}

static const RowTexts *
texts_for_group (PtGroup *group)
{
  RowTexts *texts = g_object_get_qdata (G_OBJECT (group), row_texts_quark ());

  if (texts == NULL)
    {
      int id = pt_group_get_id (group);

      texts = g_new0 (RowTexts, 1);
      texts->first = id >= 0 ? g_strdup_printf (_("IOMMU group %d"), id) : g_strdup (_("Not in any IOMMU group"));
      /* the devices that go to a VM together, bridges apart: the count the
       * rows' "shares group with N devices outside its slot" is taken from */
      texts->second = pt_describe_group_count (group);
      texts->shared = group_is_shared (group);
      /* GTK 4.8 list items have no name: the row carries it. */
      texts->accessible = g_strdup_printf (texts->shared ? _("%s · %s · shared: its devices go to a VM together")
                                                         : "%s · %s", texts->first, texts->second);
      g_object_set_qdata_full (G_OBJECT (group), row_texts_quark (), texts, row_texts_free);
    }
  return texts;
}

static const RowTexts *
texts_for_device (PtTopology *topology,
                  PtDevice   *device)
{
  RowTexts *texts = g_object_get_qdata (G_OBJECT (device), row_texts_quark ());

  if (texts == NULL)
    {
      g_autofree char *ids = pt_device_dup_ids (device);
      g_autoptr(GPtrArray) badges = pt_describe_badges (topology, device);
      const char *verdict = pt_describe_verdict (device);
      GString *details = g_string_new (NULL);
      const char *driver = pt_device_get_driver (device);

      /* A GPU's verdict first: what a person choosing a card reads. */
      if (verdict != NULL)
        g_string_append_printf (details, "%s · ", verdict);
      g_string_append (details, ids);
      texts = g_new0 (RowTexts, 1);
      texts->first = g_strdup (pt_device_get_address (device));
      texts->second = pt_device_dup_display_name (device);
      g_string_append (details, " · ");
      g_string_append (details, driver != NULL ? driver : _("no driver"));
      for (guint i = 0; i < badges->len; i++)
        g_string_append_printf (details, " · %s", (const char *) g_ptr_array_index (badges, i));
      texts->details = g_string_free (details, FALSE);
      /* With a hundred equal cards "same IDs as …" is kilobytes long. */
      /* (g_utf8_strlen()'s limit counts bytes, not characters: the "·"
       * between the parts made it let kilobytes through.) */
      if (g_utf8_strlen (texts->details, -1) > DETAILS_SHOWN_CHARS)
        {
          g_autofree char *shown = g_utf8_substring (texts->details, 0, DETAILS_SHOWN_CHARS);
          texts->line = g_strconcat (shown, "…", NULL);
        }
      else
        texts->line = g_strdup (texts->details);
      /* The contract with tests and screen readers: full address first,
       * then the name, then what the row says besides. */
      texts->accessible = g_strdup_printf ("%s %s, %s", texts->first, texts->second, texts->details);
      g_object_set_qdata_full (G_OBJECT (device), row_texts_quark (), texts, row_texts_free);
    }
  return texts;
}

/* ---- fonts -------------------------------------------------------------- */

/* The height of a line of each kind of text, for a font: asked of Pango
 * once per font, not at every measure of every row. */
typedef struct
{
  int plain;
  int bold;
  int mono;
  int small;
} LineHeights;

static int
line_height (PangoContext               *context,
             const PangoFontDescription *base,
             void                      (*adjust) (PangoFontDescription *))
{
  g_autoptr(PangoFontDescription) desc = pango_font_description_copy (base);
  PangoFontMetrics *metrics;
  int height;

  if (adjust != NULL)
    adjust (desc);
  metrics = pango_context_get_metrics (context, desc, NULL);
  height = PANGO_PIXELS_CEIL (pango_font_metrics_get_ascent (metrics) + pango_font_metrics_get_descent (metrics));
  pango_font_metrics_unref (metrics);
  return height;
}

static void make_bold (PangoFontDescription *d) { pango_font_description_set_weight (d, PANGO_WEIGHT_BOLD); }
static void make_mono (PangoFontDescription *d) { pango_font_description_set_family (d, "Monospace"); }

static void
make_small (PangoFontDescription *d)
{
  int size = pango_font_description_get_size (d);

  if (pango_font_description_get_size_is_absolute (d))
    pango_font_description_set_absolute_size (d, size * PANGO_SCALE_SMALL);
  else
    pango_font_description_set_size (d, (int) (size * PANGO_SCALE_SMALL));
}

/* The font of a style, from BASE (the widget's font). */
static PangoFontDescription *
font_for (const PangoFontDescription *base,
          gboolean                    is_group,
          RowTextSlot                 slot)
{
  PangoFontDescription *desc = pango_font_description_copy (base);

  if (slot == TEXT_FIRST && is_group)
    make_bold (desc);
  else if (slot == TEXT_FIRST)
    make_mono (desc);
  else if (slot == TEXT_DETAILS)
    make_small (desc);
  return desc;
}

static const LineHeights *
line_heights (PtAppTreeRow *self)
{
  static GHashTable *cache;   /* font description → LineHeights; main thread only */
  PangoContext *context = gtk_widget_get_pango_context (GTK_WIDGET (self));
  const PangoFontDescription *base = pango_context_get_font_description (context);
  LineHeights *heights;

  if (cache == NULL)
    cache = g_hash_table_new_full ((GHashFunc) pango_font_description_hash, (GEqualFunc) pango_font_description_equal,
                                   (GDestroyNotify) pango_font_description_free, g_free);
  heights = g_hash_table_lookup (cache, base);
  if (heights == NULL)
    {
      heights = g_new0 (LineHeights, 1);
      heights->plain = line_height (context, base, NULL);
      heights->bold = line_height (context, base, make_bold);
      heights->mono = line_height (context, base, make_mono);
      heights->small = line_height (context, base, make_small);
      g_hash_table_insert (cache, pango_font_description_copy (base), heights);
    }
  return heights;
}

/* Shapes and draws, in WIDGET's fonts, the characters rows show, in each
 * of the four styles a row draws. The first search after the window
 * opened spent most of its drawing in HarfBuzz's first use of these fonts
 * and in FreeType loading and hinting each glyph for cairo's cache
 * (callgrind); the tree does this once the window is idle. Drawn into a
 * small image: cairo's glyph cache is shared by every surface. */
void
pt_app_tree_row_warm_up (GtkWidget *widget)
{
  static const char sample[] = "0123456789 abcdef ABCDEF :.·…,[]()/-+_ "
                               "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_A8, 1, 1);
  cairo_t *cr = cairo_create (surface);

  for (guint i = 0; i < N_TEXTS + 1; i++)
    {
      g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (widget, sample);
      const PangoFontDescription *base = pango_context_get_font_description (pango_layout_get_context (layout));
      /* The group's bold title is the fourth style. */
      g_autoptr(PangoFontDescription) desc = i < N_TEXTS ? font_for (base, FALSE, (RowTextSlot) i)
                                                         : font_for (base, TRUE, TEXT_FIRST);

      pango_layout_set_font_description (layout, desc);
      pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
      pango_layout_set_width (layout, 200 * PANGO_SCALE);
      pango_cairo_show_layout (cr, layout);
    }
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
}

/* ---- geometry ----------------------------------------------------------- */

static int
indent_of (PtAppTreeRow *self)
{
  /* A device sits under its group's arrow: one level, plus the arrow's
   * place, as GtkTreeExpander's indent-for-icon had it. */
  return self->depth * INDENT + (self->is_group ? 0 : INDENT);
}

static int
row_height (PtAppTreeRow *self)
{
  const LineHeights *h = line_heights (self);

  if (self->is_group)
    return MAX (GROUP_HEIGHT, h->bold + 2 * DEVICE_PAD_Y);
  return DEVICE_PAD_Y + MAX (h->mono, h->plain) + LINE_GAP + h->small + DEVICE_PAD_Y;
}

static void
pt_app_tree_row_measure (GtkWidget      *widget,
                         GtkOrientation  orientation,
                         int             for_size,
                         int            *minimum,
                         int            *natural,
                         int            *minimum_baseline,
                         int            *natural_baseline)
{
  PtAppTreeRow *self = PT_APP_TREE_ROW (widget);

  if (orientation == GTK_ORIENTATION_VERTICAL)
    *minimum = *natural = row_height (self);
  else
    {
      /* The texts ellipsize: any width will do, and a sidebar is ~360 px. */
      *minimum = indent_of (self) + 2 * INDENT + END_MARGIN;
      *natural = indent_of (self) + 300;
    }
}

/* ---- drawing ------------------------------------------------------------ */

static void
drop_layouts (PtAppTreeRow *self)
{
  for (guint i = 0; i < N_TEXTS; i++)
    {
      g_clear_object (&self->layouts[i]);
      g_clear_object (&self->layout_items[i]);
    }
}

static PangoLayout *
layout_for (PtAppTreeRow *self,
            RowTextSlot   slot)
{
  const PangoFontDescription *base = pango_context_get_font_description (gtk_widget_get_pango_context (GTK_WIDGET (self)));

  /* The widget's font changed (a new style): new layouts in it. */
  if (self->base_font == NULL || !pango_font_description_equal (self->base_font, base))
    {
      drop_layouts (self);
      g_clear_pointer (&self->base_font, pango_font_description_free);
      self->base_font = pango_font_description_copy (base);
    }
  if (self->layouts[slot] == NULL)
    {
      g_autoptr(PangoFontDescription) desc = font_for (base, self->is_group, slot);

      self->layouts[slot] = gtk_widget_create_pango_layout (GTK_WIDGET (self), NULL);
      pango_layout_set_font_description (self->layouts[slot], desc);
      pango_layout_set_ellipsize (self->layouts[slot], slot == TEXT_FIRST ? PANGO_ELLIPSIZE_NONE : PANGO_ELLIPSIZE_END);
      pango_layout_set_single_paragraph_mode (self->layouts[slot], TRUE);
    }
  /* Setting a text makes Pango shape it again: only another item's. (An
   * item's texts never change, see texts_for_device().) */
  if (self->layout_items[slot] != self->item)
    {
      pango_layout_set_text (self->layouts[slot], self->texts[slot] != NULL ? self->texts[slot] : "", -1);
      g_set_object (&self->layout_items[slot], self->item);
    }
  return self->layouts[slot];
}

/* X of a part of width W that starts at X in a left-to-right row. */
static int
flip_x (PtAppTreeRow *self,
        int           x,
        int           w)
{
  if (gtk_widget_get_direction (GTK_WIDGET (self)) == GTK_TEXT_DIR_RTL)
    return gtk_widget_get_width (GTK_WIDGET (self)) - x - w;
  return x;
}

static void
draw_icon (PtAppTreeRow  *self,
           GtkSnapshot   *snapshot,
           const char    *name,
           int            x,
           int            y,
           const GdkRGBA *color)
{
  GtkWidget *widget = GTK_WIDGET (self);
  g_autoptr(GtkIconPaintable) icon = NULL;
  GdkRGBA colors[4];

  icon = gtk_icon_theme_lookup_icon (gtk_icon_theme_get_for_display (gtk_widget_get_display (widget)), name, NULL,
                                     ICON_SIZE, gtk_widget_get_scale_factor (widget), gtk_widget_get_direction (widget),
                                     0);
  colors[0] = *color;   /* foreground; error, warning, success as GTK's defaults */
  colors[1] = (GdkRGBA) { 0.75, 0.11, 0.16, 1 };
  colors[2] = (GdkRGBA) { 0.80, 0.54, 0.00, 1 };
  colors[3] = (GdkRGBA) { 0.15, 0.64, 0.41, 1 };
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (flip_x (self, x, ICON_SIZE), y));
  gtk_symbolic_paintable_snapshot_symbolic (GTK_SYMBOLIC_PAINTABLE (icon), snapshot, ICON_SIZE, ICON_SIZE, colors, 4);
  gtk_snapshot_restore (snapshot);
}

/* Draws SLOT's text at X, Y, ellipsized to WIDTH (-1: as wide as it is);
 * returns the width it took. */
static int
draw_text (PtAppTreeRow  *self,
           GtkSnapshot   *snapshot,
           RowTextSlot    slot,
           int            x,
           int            y,
           int            width,
           const GdkRGBA *color)
{
  PangoLayout *layout = layout_for (self, slot);
  int w, h;

  pango_layout_set_width (layout, width >= 0 ? MAX (width, 0) * PANGO_SCALE : -1);
  pango_layout_get_pixel_size (layout, &w, &h);
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (flip_x (self, x, w), y));
  gtk_snapshot_append_layout (snapshot, layout, color);
  gtk_snapshot_restore (snapshot);
  return w;
}

static GdkRGBA
style_color (GtkStyleContext *context,
             const char      *name,
             const GdkRGBA   *fallback)
{
  GdkRGBA color;

  return gtk_style_context_lookup_color (context, name, &color) ? color : *fallback;
}

static void
pt_app_tree_row_snapshot (GtkWidget   *widget,
                          GtkSnapshot *snapshot)
{
  PtAppTreeRow *self = PT_APP_TREE_ROW (widget);
  GtkStyleContext *context = gtk_widget_get_style_context (widget);
  const LineHeights *h = line_heights (self);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  int x = indent_of (self);
  int end = width - END_MARGIN;
  GdkRGBA fg, dim;

  if (self->item == NULL)
    return;
  gtk_style_context_get_color (context, &fg);
  dim = fg;
  dim.alpha *= DIM_ALPHA;

  gtk_snapshot_push_clip (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  if (self->is_group)
    {
      int text_y = (height - h->bold) / 2;
      gboolean expanded = self->list_row != NULL && gtk_tree_list_row_get_expanded (self->list_row);
      const char *arrow = expanded ? "pan-down-symbolic"
                        : gtk_widget_get_direction (widget) == GTK_TEXT_DIR_RTL ? "pan-start-symbolic" : "pan-end-symbolic";
      int w;

      draw_icon (self, snapshot, arrow, x, (height - ICON_SIZE) / 2, &fg);
      x += INDENT + 4;
      if (self->shared)
        {
          GdkRGBA warning = style_color (context, "warning_color", &(GdkRGBA) { 0.80, 0.54, 0.00, 1 });
          end -= ICON_SIZE;
          draw_icon (self, snapshot, "dialog-warning-symbolic", end, (height - ICON_SIZE) / 2, &warning);
          end -= TEXT_GAP;
        }
      w = draw_text (self, snapshot, TEXT_FIRST, x, text_y, -1, &fg);
      x += w + TEXT_GAP;
      if (x < end)
        draw_text (self, snapshot, TEXT_SECOND, x, (height - h->plain) / 2, end - x, &dim);
    }
  else
    {
      int line = MAX (h->mono, h->plain);
      int text_x;
      int w;

      draw_icon (self, snapshot, self->icon_name, x, (height - ICON_SIZE) / 2, &fg);
      text_x = x + ICON_SIZE + ICON_GAP;
      if (self->chosen)
        {
          GdkRGBA accent = style_color (context, "accent_color", &(GdkRGBA) { 0.11, 0.44, 0.85, 1 });
          end -= ICON_SIZE;
          draw_icon (self, snapshot, "emblem-ok-symbolic", end, (height - ICON_SIZE) / 2, &accent);
          end -= TEXT_GAP;
        }
      w = draw_text (self, snapshot, TEXT_FIRST, text_x, DEVICE_PAD_Y + (line - h->mono) / 2, -1, &fg);
      if (text_x + w + TEXT_GAP < end)
        draw_text (self, snapshot, TEXT_SECOND, text_x + w + TEXT_GAP, DEVICE_PAD_Y + (line - h->plain) / 2,
                   end - (text_x + w + TEXT_GAP), &fg);
      if (text_x < end)
        draw_text (self, snapshot, TEXT_DETAILS, text_x, DEVICE_PAD_Y + line + LINE_GAP, end - text_x, &dim);
    }
  gtk_snapshot_pop (snapshot);
}

/* ---- what it shows ------------------------------------------------------ */

/* The row's name for a screen reader: its texts, and the chosen mark the
 * row draws (a check at its end), said in words. */
static void
update_accessible_name (PtAppTreeRow *self)
{
  RowTexts *texts = self->item != NULL ? g_object_get_qdata (self->item, row_texts_quark ()) : NULL;
  g_autofree char *name = NULL;

  if (texts == NULL)
    return;
  name = self->chosen ? g_strdup_printf (_("%s · chosen to pass through"), texts->accessible)
                      : g_strdup (texts->accessible);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
}

static void
update_chosen (PtAppTreeRow *self)
{
  gboolean chosen = !self->is_group && self->item != NULL && self->selection != NULL &&
                    pt_app_selection_contains (self->selection, pt_device_get_address (PT_DEVICE (self->item)));

  if (chosen != self->chosen)
    {
      self->chosen = chosen;
      update_accessible_name (self);
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
}

static void
update_expanded (PtAppTreeRow *self)
{
  if (self->is_group && self->list_row != NULL)
    gtk_accessible_update_state (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_STATE_EXPANDED,
                                 gtk_tree_list_row_get_expanded (self->list_row), -1);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
clear_item (PtAppTreeRow *self)
{
  if (self->selection != NULL)
    g_clear_signal_handler (&self->selection_id, self->selection);
  if (self->list_row != NULL)
    g_clear_signal_handler (&self->expanded_id, self->list_row);
  g_clear_object (&self->selection);
  g_clear_object (&self->list_row);
  g_clear_object (&self->item);
  memset (self->texts, 0, sizeof self->texts);
}

/* Shows ROW of the tree (NULL: nothing), whose item is a PtGroup or a
 * PtDevice of TOPOLOGY; a device row marks the devices of SELECTION. */
void
pt_app_tree_row_show (PtAppTreeRow   *self,
                      GtkTreeListRow *row,
                      PtTopology     *topology,
                      PtAppSelection *selection)
{
  g_autoptr(GObject) item = row != NULL ? gtk_tree_list_row_get_item (row) : NULL;
  gboolean was_group = self->is_group;
  guint old_depth = self->depth;
  const RowTexts *texts;

  clear_item (self);
  if (item == NULL || !(PT_IS_GROUP (item) || PT_IS_DEVICE (item)))
    {
      gtk_widget_queue_draw (GTK_WIDGET (self));
      return;
    }
  self->list_row = g_object_ref (row);
  self->item = g_steal_pointer (&item);
  self->is_group = PT_IS_GROUP (self->item);
  self->depth = gtk_tree_list_row_get_depth (row);
  if (self->is_group)
    {
      texts = texts_for_group (PT_GROUP (self->item));
      self->shared = texts->shared;
      self->chosen = FALSE;
      self->expanded_id = g_signal_connect_swapped (row, "notify::expanded", G_CALLBACK (update_expanded), self);
      gtk_accessible_update_state (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_STATE_EXPANDED,
                                   gtk_tree_list_row_get_expanded (row), -1);
    }
  else
    {
      texts = texts_for_device (topology, PT_DEVICE (self->item));
      self->shared = FALSE;
      self->icon_name = pt_app_kind_icon_name (pt_device_get_kind (PT_DEVICE (self->item)));
      self->selection = g_object_ref (selection);
      self->selection_id = g_signal_connect_swapped (selection, "changed", G_CALLBACK (update_chosen), self);
      self->chosen = pt_app_selection_contains (selection, pt_device_get_address (PT_DEVICE (self->item)));
      gtk_accessible_reset_state (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_STATE_EXPANDED);
    }
  self->texts[TEXT_FIRST] = texts->first;
  self->texts[TEXT_SECOND] = texts->second;
  self->texts[TEXT_DETAILS] = self->is_group ? NULL : texts->line;
  update_accessible_name (self);

  /* A row that turns from a group into a device (or goes deeper) has
   * another height and other fonts; otherwise only new texts to draw. */
  if (was_group != self->is_group)
    drop_layouts (self);
  if (was_group != self->is_group || old_depth != self->depth)
    gtk_widget_queue_resize (GTK_WIDGET (self));
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

GtkTreeListRow *
pt_app_tree_row_get_list_row (PtAppTreeRow *self)
{
  g_return_val_if_fail (PT_APP_IS_TREE_ROW (self), NULL);
  return self->list_row;
}

/* ---- clicks and tooltips ------------------------------------------------ */

/* A click on a group opens or closes it (Enter does the same, see the
 * tree's on_list_activate()); FALSE for a device, whose click goes on to
 * the list, which selects it. The tree asks (one gesture on the list for
 * all the rows: a gesture a row made every new row cost more). */
gboolean
pt_app_tree_row_toggle (PtAppTreeRow *self)
{
  g_return_val_if_fail (PT_APP_IS_TREE_ROW (self), FALSE);
  if (!self->is_group || self->list_row == NULL || !gtk_tree_list_row_is_expandable (self->list_row))
    return FALSE;
  gtk_tree_list_row_set_expanded (self->list_row, !gtk_tree_list_row_get_expanded (self->list_row));
  return TRUE;
}

static gboolean
on_query_tooltip (GtkWidget    *widget,
                  int           x,
                  int           y,
                  gboolean      keyboard,
                  GtkTooltip   *tooltip,
                  PtAppTreeRow *self)
{
  RowTexts *texts = self->item != NULL ? g_object_get_qdata (self->item, row_texts_quark ()) : NULL;

  if (texts == NULL)
    return FALSE;
  if (self->is_group)
    {
      if (!self->shared)
        return FALSE;
      gtk_tooltip_set_text (tooltip, _("Devices of different slots share this group: "
                                       "they can only go to a virtual machine together."));
    }
  else if (self->chosen)
    {
      g_autofree char *text = g_strdup_printf ("%s\n%s", texts->details, _("Chosen to pass through"));
      gtk_tooltip_set_text (tooltip, text);
    }
  else
    gtk_tooltip_set_text (tooltip, texts->details);
  return TRUE;
}

/* ---- life cycle --------------------------------------------------------- */

static void
pt_app_tree_row_dispose (GObject *object)
{
  PtAppTreeRow *self = PT_APP_TREE_ROW (object);

  clear_item (self);
  drop_layouts (self);
  g_clear_pointer (&self->base_font, pango_font_description_free);
  G_OBJECT_CLASS (pt_app_tree_row_parent_class)->dispose (object);
}

static void
pt_app_tree_row_class_init (PtAppTreeRowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = pt_app_tree_row_dispose;
  widget_class->measure = pt_app_tree_row_measure;
  widget_class->snapshot = pt_app_tree_row_snapshot;
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
  gtk_widget_class_set_css_name (widget_class, "pttreerow");
}

static void
pt_app_tree_row_init (PtAppTreeRow *self)
{
  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
  g_signal_connect (self, "query-tooltip", G_CALLBACK (on_query_tooltip), self);
}

GtkWidget *
pt_app_tree_row_new (void)
{
  return g_object_new (PT_APP_TYPE_TREE_ROW, NULL);
}
