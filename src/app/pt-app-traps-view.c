/* pt-app-traps-view.c
 *
 * The same traps as `passthroughctl check` and the plan's warnings
 * (docs/machine-knowledge.md), read when a device page opens: the CLI and
 * the app never disagree about a card.  An option fix does what the
 * review's fix buttons do (pt_app_plan_options_set), in a review opened for
 * the selection with this device in it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "pt-app-traps-view.h"
#include "pt-app-window.h"
#include "pt-traps.h"

struct _PtAppTrapsView
{
  GtkBox          parent_instance;
  PtTopology     *topology;
  PtDevice       *device;
  PtAppSelection *selection;
};

G_DEFINE_FINAL_TYPE (PtAppTrapsView, pt_app_traps_view, GTK_TYPE_BOX)

static void
clear (PtAppTrapsView *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_box_remove (GTK_BOX (self), child);
  g_clear_object (&self->topology);
  g_clear_object (&self->device);
  g_clear_object (&self->selection);
}

static GtkWidget *
wrapped (const char *text)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_set_hexpand (label, TRUE);
  return label;
}

static void
add_sentence (PtAppTrapsView *self,
              PtTrap         *trap)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  const char *icon_name = trap->severity == PT_TRAP_BLOCKER ? "dialog-error-symbolic"
                        : trap->severity == PT_TRAP_WARNING ? "dialog-warning-symbolic"
                        : "dialog-information-symbolic";
  GtkWidget *icon = gtk_image_new_from_icon_name (icon_name);

  gtk_widget_set_valign (icon, GTK_ALIGN_START);
  if (trap->severity == PT_TRAP_BLOCKER)
    gtk_widget_add_css_class (icon, "error");
  else if (trap->severity == PT_TRAP_WARNING)
    gtk_widget_add_css_class (icon, "warning");
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  trap->severity == PT_TRAP_BLOCKER ? _("Blocker")
                                  : trap->severity == PT_TRAP_WARNING ? _("Warning") : _("Note"), -1);
  gtk_box_append (GTK_BOX (box), icon);
  gtk_box_append (GTK_BOX (box), wrapped (trap->message));
  gtk_widget_set_name (box, trap->code);
  gtk_box_append (GTK_BOX (self), box);
}

/* The option fix: this device chosen (with its slot, as the switch does)
 * and the review opened with the option set. */
static void
on_use_option (GtkButton      *button,
               PtAppTrapsView *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  const char *key = g_object_get_data (G_OBJECT (button), "pt-option-key");
  GVariant *value = g_object_get_data (G_OBJECT (button), "pt-option-value");
  GVariantDict options;
  g_autoptr(GVariant) asv = NULL;

  if (!PT_APP_IS_WINDOW (root) || self->device == NULL)
    return;
  if (!pt_app_selection_contains (self->selection, pt_device_get_address (self->device)))
    pt_app_selection_set_device (self->selection, self->topology, self->device, TRUE);
  g_variant_dict_init (&options, NULL);
  g_variant_dict_insert_value (&options, key, value);
  asv = g_variant_ref_sink (g_variant_dict_end (&options));
  pt_app_window_review_with (PT_APP_WINDOW (root), NULL, asv);
}

static void
add_fixes (PtAppTrapsView *self,
           PtTrap         *trap,
           gboolean        may_change)
{
  for (guint i = 0; trap->fixes != NULL && i < trap->fixes->len; i++)
    {
      PtFix *fix = g_ptr_array_index (trap->fixes, i);
      g_autofree char *numbered = g_strdup_printf ("%u. %s", i + 1, fix->text);
      GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);

      gtk_widget_set_margin_start (row, 36);
      gtk_box_append (GTK_BOX (row), wrapped (numbered));
      if (fix->option_key != NULL && fix->option_value != NULL && may_change)
        {
          GtkWidget *use = gtk_button_new_with_label (_("Use This Option"));
          g_autofree char *name = g_strdup_printf (_("Use this option: %s"), fix->text);

          gtk_widget_set_valign (use, GTK_ALIGN_START);
          gtk_accessible_update_property (GTK_ACCESSIBLE (use), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
          g_object_set_data_full (G_OBJECT (use), "pt-option-key", g_strdup (fix->option_key), g_free);
          g_object_set_data_full (G_OBJECT (use), "pt-option-value", g_variant_ref (fix->option_value),
                                  (GDestroyNotify) g_variant_unref);
          g_signal_connect (use, "clicked", G_CALLBACK (on_use_option), self);
          gtk_box_append (GTK_BOX (row), use);
        }
      gtk_box_append (GTK_BOX (self), row);
    }
}

static gboolean
about_device (PtTrap     *trap,
              const char *address)
{
  return trap->devices == NULL || trap->devices[0] == NULL ||
         g_strv_contains ((const char *const *) trap->devices, address);
}

/* What the window's machine lets us read: this machine or another root
 * from its files; a snapshot, or a sandbox that asks the helper, only what
 * the topology shows. */
static PtPaths *
readable_paths (PtAppTrapsView *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  PtAppMachine *machine = PT_APP_IS_WINDOW (root) ? pt_app_window_get_machine (PT_APP_WINDOW (root)) : NULL;

  if (machine == NULL || pt_app_machine_get_snapshot (machine) != NULL ||
      pt_app_machine_get_source (machine) == PT_APP_MACHINE_SOURCE_HELPER)
    return NULL;
  return pt_app_machine_get_paths (machine);
}

void
pt_app_traps_view_set_device (PtAppTrapsView *self,
                              PtTopology     *topology,
                              PtDevice       *device,
                              PtAppSelection *selection)
{
  const char *address = pt_device_get_address (device);
  const char *addresses[] = { address, NULL };
  g_autoptr(GPtrArray) traps = NULL;
  GtkRoot *root;
  PtAppMachine *machine;
  gboolean may_change;
  guint shown = 0;

  clear (self);
  self->topology = g_object_ref (topology);
  self->device = g_object_ref (device);
  self->selection = g_object_ref (selection);
  root = gtk_widget_get_root (GTK_WIDGET (self));
  machine = PT_APP_IS_WINDOW (root) ? pt_app_window_get_machine (PT_APP_WINDOW (root)) : NULL;
  /* the review of a machine only inspected still shows the plan: the
   * option may be tried there too */
  may_change = machine != NULL && pt_device_is_endpoint (device);
  if (pt_device_is_endpoint (device))
    traps = pt_traps_find (readable_paths (self), topology, addresses);
  for (guint i = 0; traps != NULL && i < traps->len; i++)
    {
      PtTrap *trap = g_ptr_array_index (traps, i);
      if (!about_device (trap, address))
        continue;
      if (shown++ == 0)
        {
          GtkWidget *heading = gtk_label_new (_("Known traps"));
          gtk_label_set_xalign (GTK_LABEL (heading), 0);
          gtk_widget_add_css_class (heading, "heading");
          gtk_box_append (GTK_BOX (self), heading);
        }
      add_sentence (self, trap);
      add_fixes (self, trap, may_change);
    }
  gtk_widget_set_visible (GTK_WIDGET (self), shown > 0);
}

char *
pt_app_traps_machine_advice (PtPaths    *paths,
                             PtTopology *topology)
{
  g_autoptr(GPtrArray) traps = NULL;
  const char *none[] = { NULL };

  if (paths == NULL)
    return NULL;
  traps = pt_traps_find (paths, topology, none);
  for (guint i = 0; i < traps->len; i++)
    {
      PtTrap *trap = g_ptr_array_index (traps, i);
      GString *out;

      if (!g_str_equal (trap->code, "virtual-machine"))
        continue;
      out = g_string_new (trap->message);
      for (guint j = 0; trap->fixes != NULL && j < trap->fixes->len; j++)
        g_string_append_printf (out, " %s", ((PtFix *) g_ptr_array_index (trap->fixes, j))->text);
      return g_string_free (out, FALSE);
    }
  return NULL;
}

static void
pt_app_traps_view_dispose (GObject *object)
{
  PtAppTrapsView *self = PT_APP_TRAPS_VIEW (object);

  g_clear_object (&self->topology);
  g_clear_object (&self->device);
  g_clear_object (&self->selection);
  G_OBJECT_CLASS (pt_app_traps_view_parent_class)->dispose (object);
}

static void
pt_app_traps_view_class_init (PtAppTrapsViewClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = pt_app_traps_view_dispose;
}

static void
pt_app_traps_view_init (PtAppTrapsView *self)
{
  gtk_orientable_set_orientation (GTK_ORIENTABLE (self), GTK_ORIENTATION_VERTICAL);
  gtk_box_set_spacing (GTK_BOX (self), 12);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Known traps"), -1);
  gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
}
