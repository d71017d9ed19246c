/* pt-app-plan-options.c
 *
 * Every change of a row emits "changed"; the review answers with a new
 * Preview, so what the person sees is always the plan of these options,
 * and Apply sends them together with that plan's digest.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "pt-app-plan-options.h"

/* The boolean options, in the order they are shown: key, default, title,
 * subtitle (docs/plan-options.md: the helper's option keys). */
typedef struct
{
  const char *key;
  gboolean    on_by_default;
  const char *title;
  const char *subtitle;
} BoolOption;

/* Each subtitle is the control's consequence, in one sentence. */
static const BoolOption bool_options[] = {
  { "iommu-pt", TRUE, N_("IOMMU pass-through mode for the host (iommu=pt)"),
    N_("The host's own devices skip the IOMMU's translation and stay as fast as before; turn it off only when a guide for your hardware says so.") },
  { "disable-vga", FALSE, N_("Keep the GPU out of VGA arbitration (disable_vga=1)"),
    N_("For guests that boot with UEFI: a guest that needs legacy VGA then shows nothing on that GPU.") },
  { "framebuffer-off", FALSE, N_("Turn off the firmware framebuffer (video=efifb:off)"),
    N_("The host has no screen on the GPU the firmware draws on once the kernel starts, so use it only when that GPU is the one passed through.") },
  { "allow-last-gpu", FALSE, N_("Allow the host's last GPU (headless host)"),
    N_("The only GPU the host has goes to virtual machines, so the host keeps no screen and you reach it over the network only.") },
  { "unsafe-interrupts", FALSE, N_("Allow unsafe interrupts"),
    N_("For machines without interrupt remapping only: a guest could then send the host interrupts it did not expect.") },
  { "disable-idle-d3", FALSE, N_("Keep idle devices out of D3cold (disable_idle_d3=1)"),
    N_("For cards that do not wake up from the deepest power state: vfio-pci then leaves them powered while no virtual machine uses them.") },
  { "usb-pci-stub", FALSE, N_("Hold USB controllers with pci-stub"),
    N_("The chosen USB controllers are kept from the host's USB driver from the start of the boot, so the host cannot use what is plugged into them.") },
};

/* Values of the combo rows, in the order of their items. */
static const char *const binding_values[] = { "auto", "ids", "address" };
static const char *const acs_values[] = { NULL, "downstream", "multifunction", "downstream,multifunction" };

struct _PtAppPlanOptions
{
  AdwBin        parent_instance;

  AdwActionRow *trial_row;
  GtkSwitch    *trial_switch;
  AdwComboRow  *binding_row;
  AdwComboRow  *acs_row;
  GtkWidget    *acs_warning;
  AdwExpanderRow *advanced_row;
  GtkSwitch    *switches[G_N_ELEMENTS (bool_options)];
  gboolean      trial_unavailable;
  GVariantDict *fixed;          /* options without a control here, sent as they are */
};

G_DEFINE_FINAL_TYPE (PtAppPlanOptions, pt_app_plan_options, ADW_TYPE_BIN)

enum { CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
emit_changed (PtAppPlanOptions *self)
{
  gtk_widget_set_visible (self->acs_warning, adw_combo_row_get_selected (self->acs_row) != 0);
  g_signal_emit (self, signals[CHANGED], 0);
}

/* A row with a switch at its end; the whole row toggles it, and the switch
 * carries the row's title as its accessible name (it has no text). */
static void
add_row (GtkWidget *parent,
         GtkWidget *row)
{
  if (ADW_IS_EXPANDER_ROW (parent))
    adw_expander_row_add_row (ADW_EXPANDER_ROW (parent), row);
  else
    adw_preferences_group_add (ADW_PREFERENCES_GROUP (parent), row);
}

static GtkSwitch *
add_switch_row (GtkWidget  *group,
                const char *title,
                const char *subtitle,
                gboolean    active,
                AdwActionRow **row_out)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *sw = gtk_switch_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_switch_set_active (GTK_SWITCH (sw), active);
  gtk_widget_set_valign (sw, GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (sw), GTK_ACCESSIBLE_PROPERTY_LABEL, title, -1);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), sw);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), sw);
  /* The row labels its widget by its title too: said once is enough. */
  gtk_accessible_reset_relation (GTK_ACCESSIBLE (sw), GTK_ACCESSIBLE_RELATION_LABELLED_BY);
  add_row (group, row);
  if (row_out != NULL)
    *row_out = ADW_ACTION_ROW (row);
  return GTK_SWITCH (sw);
}

static AdwComboRow *
add_combo_row (GtkWidget         *group,
               const char        *title,
               const char        *subtitle,
               const char *const *items)
{
  GtkWidget *row = adw_combo_row_new ();
  g_autoptr(GtkStringList) model = gtk_string_list_new (items);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_combo_row_set_model (ADW_COMBO_ROW (row), G_LIST_MODEL (model));
  add_row (group, row);
  return ADW_COMBO_ROW (row);
}

GVariant *
pt_app_plan_options_to_variant (PtAppPlanOptions *self)
{
  GVariantBuilder b;
  guint binding = adw_combo_row_get_selected (self->binding_row);
  guint acs = adw_combo_row_get_selected (self->acs_row);

  g_variant_builder_init (&b, G_VARIANT_TYPE ("a{sv}"));
  if (pt_app_plan_options_get_trial (self))
    g_variant_builder_add (&b, "{sv}", "trial", g_variant_new_boolean (TRUE));
  if (binding > 0 && binding < G_N_ELEMENTS (binding_values))
    g_variant_builder_add (&b, "{sv}", "binding", g_variant_new_string (binding_values[binding]));
  if (acs > 0 && acs < G_N_ELEMENTS (acs_values))
    g_variant_builder_add (&b, "{sv}", "acs-override", g_variant_new_string (acs_values[acs]));
  for (guint i = 0; i < G_N_ELEMENTS (bool_options); i++)
    {
      gboolean on = gtk_switch_get_active (self->switches[i]);
      if (on != bool_options[i].on_by_default)
        g_variant_builder_add (&b, "{sv}", bool_options[i].key, g_variant_new_boolean (on));
    }
  if (self->fixed != NULL)
    {
      g_autoptr(GVariant) fixed = pt_app_plan_options_dup_fixed (self);
      GVariantIter iter;
      const char *key;
      GVariant *value;

      g_variant_iter_init (&iter, fixed);
      while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
        {
          g_variant_builder_add (&b, "{sv}", key, value);
          g_variant_unref (value);
        }
    }
  return g_variant_builder_end (&b);
}

GVariant *
pt_app_plan_options_dup_fixed (PtAppPlanOptions *self)
{
  GVariant *fixed;

  if (self->fixed == NULL)
    return NULL;
  /* ending a dict empties it: it is made again from what it gave */
  fixed = g_variant_ref_sink (g_variant_dict_end (self->fixed));
  g_variant_dict_unref (self->fixed);
  self->fixed = g_variant_dict_new (fixed);
  return fixed;
}

gboolean
pt_app_plan_options_get_trial (PtAppPlanOptions *self)
{
  return !self->trial_unavailable && gtk_switch_get_active (self->trial_switch);
}

void
pt_app_plan_options_set_trial_unavailable (PtAppPlanOptions *self,
                                           const char       *reason)
{
  g_autofree char *why = g_strdup (reason);
  g_autofree char *subtitle = NULL;
  char *cli_advice = strstr (why, " Apply without --trial");

  /* The engine's sentence ends with advice for the command line; here the
   * advice is this switch, off. */
  if (cli_advice != NULL)
    *cli_advice = '\0';
  subtitle = g_strdup_printf (_("Not available here: %s The changes are applied directly; any boot entry without "
                                "the Passthrough arguments still starts the machine as before."), why);
  self->trial_unavailable = TRUE;
  g_signal_handlers_block_by_func (self->trial_switch, emit_changed, self);
  gtk_switch_set_active (self->trial_switch, FALSE);
  g_signal_handlers_unblock_by_func (self->trial_switch, emit_changed, self);
  gtk_widget_set_sensitive (GTK_WIDGET (self->trial_switch), FALSE);
  adw_action_row_set_subtitle (self->trial_row, subtitle);
}

static gboolean
select_value (AdwComboRow       *row,
              const char *const *values,
              guint              n_values,
              const char        *value)
{
  for (guint i = 0; i < n_values; i++)
    if (g_strcmp0 (values[i], value) == 0)
      {
        adw_combo_row_set_selected (row, i);
        return TRUE;
      }
  return FALSE;
}

gboolean
pt_app_plan_options_set (PtAppPlanOptions *self,
                         const char       *key,
                         GVariant         *value)
{
  gboolean is_bool = g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN);
  const char *text = g_variant_is_of_type (value, G_VARIANT_TYPE_STRING) ? g_variant_get_string (value, NULL) : NULL;

  if (g_str_equal (key, "trial") && is_bool && !self->trial_unavailable)
    {
      gtk_switch_set_active (self->trial_switch, g_variant_get_boolean (value));
      return TRUE;
    }
  /* The person sees the option a fix set: everything but the trial is in
   * the Advanced area, which opens for it. */
  adw_expander_row_set_expanded (self->advanced_row, TRUE);
  if (g_str_equal (key, "binding") && text != NULL)
    return select_value (self->binding_row, binding_values, G_N_ELEMENTS (binding_values), text);
  if (g_str_equal (key, "acs-override") && text != NULL)
    return select_value (self->acs_row, acs_values, G_N_ELEMENTS (acs_values), text);
  for (guint i = 0; is_bool && i < G_N_ELEMENTS (bool_options); i++)
    if (g_str_equal (key, bool_options[i].key))
      {
        gtk_switch_set_active (self->switches[i], g_variant_get_boolean (value));
        return TRUE;
      }
  return FALSE;
}

void
pt_app_plan_options_set_fixed (PtAppPlanOptions *self,
                               const char       *key,
                               GVariant         *value)
{
  if (self->fixed == NULL)
    self->fixed = g_variant_dict_new (NULL);
  g_variant_dict_insert_value (self->fixed, key, value);
  emit_changed (self);
}

static void
pt_app_plan_options_finalize (GObject *object)
{
  PtAppPlanOptions *self = PT_APP_PLAN_OPTIONS (object);

  g_clear_pointer (&self->fixed, g_variant_dict_unref);
  G_OBJECT_CLASS (pt_app_plan_options_parent_class)->finalize (object);
}

static void
pt_app_plan_options_class_init (PtAppPlanOptionsClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pt_app_plan_options_finalize;
  /* Emitted when the person changes any option. */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
pt_app_plan_options_init (PtAppPlanOptions *self)
{
  GtkWidget *first = adw_preferences_group_new ();
  GtkWidget *advanced = adw_expander_row_new ();
  const char *binding_items[] = { _("Automatic"), _("Vendor:device ID"),
                                  _("PCI address"), NULL };
  const char *acs_items[] = { _("Off"), _("Downstream ports"), _("Multifunction devices"),
                              _("Downstream ports and multifunction devices"), NULL };
  GtkWidget *warning_label;

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (first), _("How to apply"));
  self->trial_switch = add_switch_row (first, _("Try it once first (recommended)"),
                                       _("The next start uses the new setup once. If the machine does not come up, "
                                         "the start after that is the old setup again; you keep the new one only when you say so."),
                                       TRUE, &self->trial_row);
  g_signal_connect_swapped (self->trial_switch, "notify::active", G_CALLBACK (emit_changed), self);

  /* The expert controls: folded away, so that the plan itself is in view
   * (docs/guided-app.md, "Advanced"). */
  self->advanced_row = ADW_EXPANDER_ROW (advanced);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (advanced), _("Advanced"));
  adw_expander_row_set_subtitle (self->advanced_row, _("How devices are bound, kernel options, the ACS override"));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (first), advanced);
  self->binding_row = add_combo_row (advanced, _("Bind the devices by"),
                                     _("Automatic binds by ID where no other device has the same IDs and by address where one does; "
                                       "by ID alone would take those other devices too."),
                                     binding_items);
  g_signal_connect_swapped (self->binding_row, "notify::selected", G_CALLBACK (emit_changed), self);
  for (guint i = 0; i < G_N_ELEMENTS (bool_options); i++)
    {
      self->switches[i] = add_switch_row (advanced, _(bool_options[i].title), _(bool_options[i].subtitle),
                                          bool_options[i].on_by_default, NULL);
      g_signal_connect_swapped (self->switches[i], "notify::active", G_CALLBACK (emit_changed), self);
    }
  self->acs_row = add_combo_row (advanced, _("ACS override (pcie_acs_override=)"),
                                 _("Splits groups the hardware does not split, so their isolation becomes a claim; "
                                   "stock kernels ignore it."), acs_items);
  g_signal_connect_swapped (self->acs_row, "notify::selected", G_CALLBACK (emit_changed), self);

  /* Said where the choice is made, not only in the plan's warnings. */
  self->acs_warning = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  warning_label = gtk_label_new (_("Security: the ACS override makes the kernel treat devices as isolated when the hardware "
                                   "does not isolate them, so a virtual machine may reach the memory of the other devices "
                                   "in its group. It works only with a kernel patched for it."));
  gtk_label_set_wrap (GTK_LABEL (warning_label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (warning_label), 0);
  gtk_widget_set_hexpand (warning_label, TRUE);
  {
    GtkWidget *icon = gtk_image_new_from_icon_name ("dialog-warning-symbolic");
    gtk_widget_add_css_class (icon, "warning");
    gtk_widget_set_valign (icon, GTK_ALIGN_START);
    gtk_box_append (GTK_BOX (self->acs_warning), icon);
  }
  gtk_box_append (GTK_BOX (self->acs_warning), warning_label);
  gtk_widget_set_visible (self->acs_warning, FALSE);
  gtk_widget_set_margin_start (self->acs_warning, 12);
  gtk_widget_set_margin_end (self->acs_warning, 12);
  gtk_widget_set_margin_top (self->acs_warning, 8);
  gtk_widget_set_margin_bottom (self->acs_warning, 8);
  adw_expander_row_add_row (self->advanced_row, self->acs_warning);
  /* The list row around the warning is no stop for Tab: there is nothing
   * to do on it, and GTK 4.8 would call it by its type's name. */
  {
    GtkWidget *row = gtk_widget_get_parent (self->acs_warning);
    if (GTK_IS_LIST_BOX_ROW (row))
      {
        gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
        gtk_widget_set_focusable (row, FALSE);
      }
  }

  adw_bin_set_child (ADW_BIN (self), first);
}

PtAppPlanOptions *
pt_app_plan_options_new (void)
{
  return g_object_new (PT_APP_TYPE_PLAN_OPTIONS, NULL);
}
