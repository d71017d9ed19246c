/* pt-app-review-dialog.c
 *
 * Where the plan comes from: on this machine, the helper's Preview (it can
 * read root-only files, and Apply compares its own plan with the digest of
 * exactly this JSON); when the helper is not there, or for another root or a
 * snapshot, the same engine runs here, in this process, and writes nothing.
 * The app never writes a system file itself.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "pt-app-tree-row.h"
#include "pt-app-helper.h"
#include "pt-app-plan-options.h"
#include "pt-app-review-dialog.h"
#include "pt-describe.h"
#include "pt-error.h"
#include "pt-plan.h"
#include "pt-plan-options.h"

struct _PtAppReviewDialog
{
  AdwWindow        parent_instance;

  AdwToastOverlay *toast_overlay;
  AdwWindowTitle  *title;
  GtkButton       *cancel_button;
  GtkButton       *apply_button;
  GtkStack        *stack;
  GtkLabel        *source_label;
  GtkLabel        *summary_label;
  GtkLabel        *inspect_label;
  GtkBox          *blockers_box;
  PtAppPlanOptions *options;
  GtkLabel        *updating_label;
  GtkBox          *warnings_box;
  GtkLabel        *devices_label;
  GtkLabel        *binding_label;
  GtkBox          *device_details_box;
  GtkBox          *changes_box;
  GtkBox          *commands_box;
  GtkWidget       *commands_group;
  GtkLabel        *nothing_label;
  AdwStatusPage   *error_page;
  GtkProgressBar  *progress_bar;
  GtkLabel        *progress_label;
  GtkLabel        *progress_log;
  AdwStatusPage   *done_page;
  GtkButton       *restart_button;
  GtkLabel        *restart_label;

  PtAppMachine    *machine;
  GStrv            addresses;
  gboolean         revert;
  gboolean         apply_when_ready;
  gboolean         plan_ready;
  gboolean         plan_applicable;
  char            *plan_json;
  char            *plan_digest;
  GVariant        *requested_options; /* what the Preview under way was asked with */
  GVariant        *plan_options;      /* what the plan on screen was computed with */
  GDBusConnection *system_bus;
  GDBusConnection *session_bus;       /* the desktop's, for its session manager */
  gboolean         can_restart;       /* the session manager answered CanShutdown with true */
  GCancellable    *session_cancellable; /* the question to it: new options do not cancel it */
  guint            progress_id;
  GCancellable    *cancellable;
};

G_DEFINE_FINAL_TYPE (PtAppReviewDialog, pt_app_review_dialog, ADW_TYPE_WINDOW)

/* ---- showing the plan ------------------------------------------------- */

static void
clear_box (GtkBox *box)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (box))) != NULL)
    gtk_box_remove (box, child);
}

static GtkWidget *
sentence_row (const char *icon_name,
              const char *css,
              const char *text)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *icon = gtk_image_new_from_icon_name (icon_name);
  GtkWidget *label = gtk_label_new (text);

  /* The icon says what the sentence is to a screen reader too. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  g_strcmp0 (css, "error") == 0 ? _("Blocker")
                                  : g_strcmp0 (css, "warning") == 0 ? _("Warning") : _("Note"), -1);

  gtk_widget_set_valign (icon, GTK_ALIGN_START);
  if (css != NULL)
    gtk_widget_add_css_class (icon, css);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_box_append (GTK_BOX (box), icon);
  gtk_box_append (GTK_BOX (box), label);
  return box;
}

static const char *
member_string (JsonObject *obj,
               const char *name)
{
  JsonNode *node = obj != NULL ? json_object_get_member (obj, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static JsonArray *
member_array (JsonObject *obj,
              const char *name)
{
  JsonNode *node = obj != NULL ? json_object_get_member (obj, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return NULL;
  return json_node_get_array (node);
}

static void
on_fix_option (GtkButton         *button,
               PtAppReviewDialog *self)
{
  const char *key = g_object_get_data (G_OBJECT (button), "pt-option-key");
  GVariant *value = g_object_get_data (G_OBJECT (button), "pt-option-value");

  /* "changed" asks for the plan again with the option */
  pt_app_plan_options_set (self->options, key, value);
}

static void
on_fix_switch (GtkSwitch         *sw,
               GParamSpec        *pspec,
               PtAppReviewDialog *self)
{
  const char *key = g_object_get_data (G_OBJECT (sw), "pt-option-key");
  g_autoptr(GVariant) value = g_variant_ref_sink (g_variant_new_boolean (gtk_switch_get_active (sw)));

  pt_app_plan_options_set (self->options, key, value);
}

/* An option as the helper takes it, from a fix's {"key", "value"}; NULL
 * when it is not one. */
static GVariant *
fix_option_value (JsonObject *option)
{
  JsonNode *value = option != NULL ? json_object_get_member (option, "value") : NULL;

  if (value == NULL || !JSON_NODE_HOLDS_VALUE (value))
    return NULL;
  if (json_node_get_value_type (value) == G_TYPE_BOOLEAN)
    return g_variant_ref_sink (g_variant_new_boolean (json_node_get_boolean (value)));
  if (json_node_get_value_type (value) == G_TYPE_STRING)
    return g_variant_ref_sink (g_variant_new_string (json_node_get_string (value)));
  return NULL;
}

/* An issue's fixes, best first, under its sentence; a fix that is a plan
 * option gets a button that sets it (docs/fixes-and-guards.md). */
static void
append_fixes (PtAppReviewDialog *self,
              GtkBox            *box,
              JsonArray         *fixes)
{
  guint n = fixes != NULL ? json_array_get_length (fixes) : 0;

  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (fixes, i);
      JsonObject *fix = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      JsonNode *option = fix != NULL ? json_object_get_member (fix, "option") : NULL;
      JsonObject *opt = option != NULL && JSON_NODE_HOLDS_OBJECT (option) ? json_node_get_object (option) : NULL;
      const char *text = member_string (fix, "text");
      const char *key = member_string (opt, "key");
      g_autoptr(GVariant) value = fix_option_value (opt);
      g_autofree char *numbered = NULL;
      GtkWidget *row, *label;

      if (text == NULL)
        continue;
      numbered = g_strdup_printf ("%u. %s", i + 1, text);
      row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
      gtk_widget_set_margin_start (row, 36);
      label = gtk_label_new (numbered);
      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_widget_set_hexpand (label, TRUE);
      gtk_box_append (GTK_BOX (row), label);
      if (key != NULL && value != NULL && !self->revert && g_str_equal (key, "allow-last-gpu") &&
          g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN))
        {
          /* A headless host's answer to the last-GPU blocker: a switch in
           * the blocker, the same as the option's own (docs/machine-knowledge.md). */
          GtkWidget *sw = gtk_switch_new ();

          gtk_widget_set_valign (sw, GTK_ALIGN_START);
          gtk_accessible_update_property (GTK_ACCESSIBLE (sw), GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
          g_object_set_data_full (G_OBJECT (sw), "pt-option-key", g_strdup (key), g_free);
          g_signal_connect (sw, "notify::active", G_CALLBACK (on_fix_switch), self);
          gtk_box_append (GTK_BOX (row), sw);
        }
      else if (key != NULL && value != NULL && !self->revert)
        {
          GtkWidget *use = gtk_button_new_with_label (_("Use This Option"));
          g_autofree char *name = g_strdup_printf (_("Use this option: %s"), text);

          gtk_widget_set_valign (use, GTK_ALIGN_START);
          gtk_accessible_update_property (GTK_ACCESSIBLE (use), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
          g_object_set_data_full (G_OBJECT (use), "pt-option-key", g_strdup (key), g_free);
          g_object_set_data_full (G_OBJECT (use), "pt-option-value", g_variant_ref (value),
                                  (GDestroyNotify) g_variant_unref);
          g_signal_connect (use, "clicked", G_CALLBACK (on_fix_option), self);
          gtk_box_append (GTK_BOX (row), use);
        }
      gtk_box_append (box, row);
    }
}

static guint
fill_issues (PtAppReviewDialog *self,
             GtkBox            *box,
             JsonArray         *issues,
             const char        *icon_name,
             const char        *css)
{
  guint n = issues != NULL ? json_array_get_length (issues) : 0;

  clear_box (box);
  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (issues, i);
      JsonObject *obj = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      const char *message = member_string (obj, "message");
      if (message != NULL)
        {
          gtk_box_append (box, sentence_row (icon_name, css, message));
          append_fixes (self, box, member_array (obj, "fixes"));
        }
    }
  gtk_widget_set_visible (GTK_WIDGET (box), n > 0);
  return n;
}

static GtkWidget *
monospace_label (const char *text)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_widget_add_css_class (label, "monospace");
  return label;
}

static void
add_change (PtAppReviewDialog *self,
            JsonObject        *change)
{
  const char *path = member_string (change, "path");
  const char *action = member_string (change, "action");
  const char *diff = member_string (change, "diff");
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *heading = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  GtkWidget *path_label = gtk_label_new (path != NULL ? path : "?");
  GtkWidget *action_label;
  const char *what;

  if (g_strcmp0 (action, "create") == 0)
    what = _("new file");
  else if (g_strcmp0 (action, "delete") == 0)
    what = _("removed");
  else
    what = _("changed");
  action_label = gtk_label_new (what);
  gtk_widget_add_css_class (path_label, "heading");
  gtk_widget_add_css_class (path_label, "monospace");
  gtk_label_set_xalign (GTK_LABEL (path_label), 0);
  gtk_label_set_selectable (GTK_LABEL (path_label), TRUE);
  gtk_label_set_wrap (GTK_LABEL (path_label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (path_label), PANGO_WRAP_CHAR);
  gtk_widget_add_css_class (action_label, "dim-label");
  gtk_box_append (GTK_BOX (heading), path_label);
  gtk_box_append (GTK_BOX (heading), action_label);
  gtk_box_append (GTK_BOX (box), heading);

  if (diff != NULL && *diff != '\0')
    {
      GtkWidget *frame = gtk_frame_new (NULL);
      GtkWidget *scroller = gtk_scrolled_window_new ();
      GtkWidget *label = monospace_label (diff);

      gtk_widget_set_margin_start (label, 10);
      gtk_widget_set_margin_end (label, 10);
      gtk_widget_set_margin_top (label, 8);
      gtk_widget_set_margin_bottom (label, 8);
      gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_AUTOMATIC, GTK_POLICY_NEVER);
      gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), label);
      gtk_frame_set_child (GTK_FRAME (frame), scroller);
      gtk_widget_add_css_class (frame, "view");
      gtk_box_append (GTK_BOX (box), frame);
    }
  gtk_box_append (self->changes_box, box);
}

static char *
argv_to_text (JsonArray *argv)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < json_array_get_length (argv); i++)
    {
      JsonNode *node = json_array_get_element (argv, i);
      const char *word;
      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
        continue;
      word = json_node_get_string (node);
      if (out->len > 0)
        g_string_append_c (out, ' ');
      if (*word == '\0' || strpbrk (word, " \t\n'\"$`\\*?;&|<>()") != NULL)
        {
          g_autofree char *quoted = g_shell_quote (word);
          g_string_append (out, quoted);
        }
      else
        g_string_append (out, word);
    }
  return g_string_free (out, FALSE);
}

/* Why the plan binds the way it does, in the words of the device page. */
static char *
describe_binding (PtAppReviewDialog *self,
                  const char        *binding,
                  JsonArray         *devices)
{
  PtTopology *topo = pt_app_machine_get_topology (self->machine);
  g_autoptr(GPtrArray) clashing = g_ptr_array_new ();

  for (guint i = 0; devices != NULL && i < json_array_get_length (devices); i++)
    {
      const char *addr = json_array_get_string_element (devices, i);
      PtDevice *dev = addr != NULL ? pt_topology_lookup (topo, addr) : NULL;
      GStrv same = dev != NULL ? pt_device_get_same_ids_as (dev) : NULL;
      if (same != NULL && same[0] != NULL)
        g_ptr_array_add (clashing, (gpointer) addr);
    }

  if (g_strcmp0 (binding, "ids") == 0)
    return g_strdup (_("Binding by vendor:device ID (vfio-pci.ids=): no other device on this machine has the same IDs, "
                       "so the IDs name exactly these devices."));
  if (g_strcmp0 (binding, "address") == 0 || g_strcmp0 (binding, "mixed") == 0)
    {
      const char *head = g_strcmp0 (binding, "mixed") == 0
        ? _("Binding by ID where the IDs are unique, and by PCI address (passthrough.vfio=) where they are not")
        : _("Binding by PCI address (passthrough.vfio=)");
      if (clashing->len > 0)
        {
          g_autofree char *joined = pt_describe_join (clashing);
          return g_strdup_printf (_("%s: %s have the same IDs as other devices, so binding by ID would take those too."),
                                  head, joined);
        }
      return g_strdup_printf (_("%s, as you asked."), head);
    }
  return g_strdup (binding != NULL ? binding : "");
}

static void
show_error (PtAppReviewDialog *self,
            const char        *title,
            const char        *sentence)
{
  adw_status_page_set_title (self->error_page, title);
  adw_status_page_set_description (self->error_page, sentence);
  gtk_stack_set_visible_child_name (self->stack, "error");
  gtk_widget_set_sensitive (GTK_WIDGET (self->apply_button), FALSE);
  gtk_button_set_label (self->cancel_button, _("_Close"));
}

static void start_apply (PtAppReviewDialog *self);
static void load_plan (PtAppReviewDialog *self);

static const char *
trial_unavailable_reason (JsonArray *blockers)
{
  for (guint i = 0; blockers != NULL && i < json_array_get_length (blockers); i++)
    {
      JsonNode *node = json_array_get_element (blockers, i);
      JsonObject *obj = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      if (g_strcmp0 (member_string (obj, "code"), "trial-unavailable") == 0)
        return member_string (obj, "message");
    }
  return NULL;
}

/* The GPU the host keeps for its screen: the boot GPU if the plan leaves
 * it, else another GPU the plan leaves; NULL when it leaves none. */
static char *
host_gpu_ref (PtTopology *topology,
              JsonArray  *devices)
{
  g_autoptr(GPtrArray) gpus = pt_topology_dup_gpus (topology);   /* boot GPU first */

  for (guint i = 0; i < gpus->len; i++)
    {
      const char *addr = pt_device_get_address (g_ptr_array_index (gpus, i));
      gboolean taken = FALSE;

      for (guint j = 0; devices != NULL && j < json_array_get_length (devices); j++)
        taken |= g_strcmp0 (json_array_get_string_element (devices, j), addr) == 0;
      if (!taken)
        return pt_describe_device_ref (topology, addr);
    }
  return NULL;
}

/* The options without a control in the review (a repair's stored
 * iommu-only and bootloader, its one-off regenerate), each said in a
 * sentence of the summary after @out's: a person sees what the plan was
 * asked for even where no switch shows it. */
static void
append_fixed_options (PtAppReviewDialog *self,
                      GString           *out)
{
  g_autoptr(GVariant) fixed = pt_app_plan_options_dup_fixed (self->options);
  GVariantIter iter;
  const char *key;
  GVariant *value;

  if (fixed == NULL)
    return;
  g_variant_iter_init (&iter, fixed);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
    {
      g_autoptr(GVariant) owned = value;
      gboolean on = g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN) && g_variant_get_boolean (value);
      g_autofree char *sentence = NULL;

      if (g_str_equal (key, "iommu-only"))
        sentence = on ? g_strdup (_("Only the IOMMU is turned on: no device is bound to vfio-pci at boot.")) : NULL;
      else if (g_str_equal (key, "regenerate"))
        sentence = on ? g_strdup (_("The initramfs and the boot menu are built again, even where every file is right.")) : NULL;
      else if (g_str_equal (key, "bootloader") && g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
        sentence = g_strdup_printf (_("The boot configuration is written for %s, as the setup chose."),
                                    g_variant_get_string (value, NULL));
      else
        {
          g_autofree char *shown = g_variant_print (value, FALSE);
          sentence = g_strdup_printf (_("The option “%s” is %s."), key, shown);
        }
      if (sentence != NULL)
        g_string_append_printf (out, "%s%s", out->len > 0 ? " " : "", sentence);
    }
}

/* The review's first text: what happens, in plain sentences, before the
 * details (devices, options, diffs, commands). */
static char *
summarize (PtAppReviewDialog *self,
           JsonObject        *plan,
           guint              n_blockers)
{
  PtTopology *topo = pt_app_machine_get_topology (self->machine);
  JsonArray *devices = member_array (plan, "devices");
  JsonNode *trial = json_object_get_member (plan, "trial");
  JsonNode *way_back = json_object_get_member (plan, "way_back");
  g_autoptr(GPtrArray) refs = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *joined = NULL;
  g_autofree char *host = NULL;
  GString *out = g_string_new (NULL);

  for (guint i = 0; devices != NULL && i < json_array_get_length (devices); i++)
    if (json_array_get_string_element (devices, i) != NULL)
      g_ptr_array_add (refs, pt_describe_device_ref (topo, json_array_get_string_element (devices, i)));
  joined = pt_describe_join (refs);
  if (n_blockers > 0)
    g_string_append_printf (out, g_dngettext (GETTEXT_PACKAGE,
                                              "This cannot be set up yet: %u problem below stands in the way, with what you can do about it.",
                                              "This cannot be set up yet: %u problems below stand in the way, each with what you can do about it.",
                                              n_blockers), n_blockers);
  else if (self->revert)
    g_string_append (out, _("Everything Passthrough set up is taken back: the files return to what they were."));
  if (self->revert)
    return g_string_free (out, FALSE);
  if (refs->len == 0)
    {
      append_fixed_options (self, out);
      return g_string_free (out, FALSE);
    }
  if (out->len > 0)
    g_string_append_c (out, ' ');
  g_string_append_printf (out, n_blockers > 0 ? _("Then %s would go to vfio-pci, for virtual machines.")
                                              : _("%s go to vfio-pci, for virtual machines."), joined);

  host = host_gpu_ref (topo, devices);
  g_string_append_c (out, ' ');
  if (host != NULL)
    g_string_append_printf (out, _("The host keeps its screen on %s."), host);
  else
    g_string_append (out, _("The host keeps no GPU: its screen goes dark."));
  append_fixed_options (self, out);
  g_string_append_c (out, ' ');
  g_string_append (out, _("It takes a restart."));
  if (trial != NULL && JSON_NODE_HOLDS_VALUE (trial) && json_node_get_boolean (trial))
    g_string_append_printf (out, " %s", _("The first start is a trial: if the machine does not come up right, "
                                          "restart and the start after it is the old setup."));
  g_string_append_printf (out, " %s", _("To undo it later: “Undo Everything Passthrough Did…” in the main menu."));
  if (way_back != NULL && JSON_NODE_HOLDS_OBJECT (way_back))
    g_string_append_printf (out, " %s", _("If the screen stays dark, choose the entry “without passthrough” in the boot menu."));
  return g_string_free (out, FALSE);
}

static void
show_plan (PtAppReviewDialog *self,
           const char        *json,
           const char        *source_sentence,
           gboolean           applicable)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *plan;
  JsonArray *devices, *changes, *commands;
  guint n_blockers, n_changes, n_commands;

  if (!json_parser_load_from_data (parser, json, -1, &error) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_autofree char *sentence = g_strdup_printf (_("The plan could not be read: %s"),
                                                   error != NULL ? error->message : _("it is not a JSON object"));
      show_error (self, _("No Plan"), sentence);
      return;
    }
  plan = json_node_get_object (json_parser_get_root (parser));

  /* The plan says whether a one-shot trial can work on this machine; when
   * it cannot, the switch says why and the plan is asked for without it. */
  if (!self->revert && pt_app_plan_options_get_trial (self->options))
    {
      const char *why = trial_unavailable_reason (member_array (plan, "blockers"));
      if (why != NULL)
        {
          pt_app_plan_options_set_trial_unavailable (self->options, why);
          load_plan (self);
          return;
        }
    }
  g_clear_pointer (&self->plan_options, g_variant_unref);
  if (self->requested_options != NULL)
    self->plan_options = g_variant_ref (self->requested_options);
  gtk_widget_set_visible (GTK_WIDGET (self->updating_label), FALSE);

  g_free (self->plan_json);
  self->plan_json = g_strdup (json);
  g_free (self->plan_digest);
  self->plan_digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, json, -1);

  gtk_label_set_label (self->source_label, source_sentence);

  n_blockers = fill_issues (self, self->blockers_box, member_array (plan, "blockers"), "dialog-error-symbolic", "error");
  fill_issues (self, self->warnings_box, member_array (plan, "warnings"), "dialog-warning-symbolic", "warning");
  {
    /* what a snapshot cannot tell (plan --json "not_known"): said as notes
     * after the warnings, never as a warning (docs/fixes-and-guards.md) */
    JsonArray *notes = member_array (plan, "not_known");
    for (guint i = 0; notes != NULL && i < json_array_get_length (notes); i++)
      {
        JsonNode *node = json_array_get_element (notes, i);
        const char *message = JSON_NODE_HOLDS_OBJECT (node) ? member_string (json_node_get_object (node), "message") : NULL;
        if (message != NULL)
          {
            gtk_box_append (self->warnings_box, sentence_row ("dialog-information-symbolic", NULL, message));
            gtk_widget_set_visible (GTK_WIDGET (self->warnings_box), TRUE);
          }
      }
  }
  {
    g_autofree char *summary = summarize (self, plan, n_blockers);
    gtk_label_set_label (self->summary_label, summary);
    gtk_widget_set_visible (GTK_WIDGET (self->summary_label), *summary != '\0');
  }

  devices = member_array (plan, "devices");
  clear_box (self->device_details_box);
  if (devices != NULL && json_array_get_length (devices) > 0)
    {
      PtTopology *topo = pt_app_machine_get_topology (self->machine);
      g_autoptr(GPtrArray) refs = g_ptr_array_new_with_free_func (g_free);
      g_autofree char *joined = NULL;
      g_autofree char *text = NULL;
      g_autofree char *why = NULL;
      JsonArray *details = member_array (plan, "device_details");

      for (guint i = 0; i < json_array_get_length (devices); i++)
        {
          const char *addr = json_array_get_string_element (devices, i);
          if (addr != NULL)
            g_ptr_array_add (refs, pt_describe_device_ref (topo, addr));
        }
      joined = pt_describe_join (refs);
      text = self->revert ? g_strdup_printf (_("Gives back to the host: %s."), joined)
                          : g_strdup_printf (_("Binds to vfio-pci at the next start: %s."), joined);
      gtk_label_set_label (self->devices_label, text);
      why = describe_binding (self, member_string (plan, "binding"), devices);
      gtk_label_set_label (self->binding_label, why);
      gtk_widget_set_visible (GTK_WIDGET (self->binding_label), !self->revert && *why != '\0');

      /* One line per device: its driver now and after, and why it is in
       * the plan (chosen, or taken along with its slot). */
      /* (A revert lists the devices it gives back; their "after" is the
       * host's own driver, which the plan does not name.) */
      for (guint i = 0; !self->revert && details != NULL && i < json_array_get_length (details); i++)
        {
          JsonNode *node = json_array_get_element (details, i);
          JsonObject *d = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
          const char *addr = member_string (d, "address");
          const char *now = member_string (d, "driver_now");
          const char *after = member_string (d, "driver_after");
          const char *reason = member_string (d, "reason");
          const char *binding = member_string (d, "binding");
          g_autofree char *line = NULL;

          if (addr == NULL)
            continue;
          line = g_strdup_printf (_("%s: %s now, %s after the restart; bound by %s; %s"), addr,
                                  now != NULL ? now : _("no driver"), after != NULL ? after : _("no driver"),
                                  g_strcmp0 (binding, "address") == 0 ? _("address") : _("ID"),
                                  g_strcmp0 (reason, "selected") == 0 ? _("you chose it") : (reason != NULL ? reason : ""));
          {
            PtDevice *dev = pt_topology_lookup (topo, addr);
            gtk_box_append (self->device_details_box,
                            sentence_row (pt_app_kind_icon_name (dev != NULL ? pt_device_get_kind (dev) : PT_DEVICE_KIND_OTHER),
                                          NULL, line));
          }
        }
    }
  else
    {
      gtk_label_set_label (self->devices_label, self->revert ? _("No device is bound by Passthrough.") : _("No device."));
      gtk_widget_set_visible (GTK_WIDGET (self->binding_label), FALSE);
    }

  clear_box (self->changes_box);
  changes = member_array (plan, "changes");
  n_changes = changes != NULL ? json_array_get_length (changes) : 0;
  for (guint i = 0; i < n_changes; i++)
    {
      JsonNode *node = json_array_get_element (changes, i);
      if (JSON_NODE_HOLDS_OBJECT (node))
        add_change (self, json_node_get_object (node));
    }
  gtk_widget_set_visible (GTK_WIDGET (self->nothing_label), n_changes == 0);

  clear_box (self->commands_box);
  commands = member_array (plan, "commands");
  n_commands = commands != NULL ? json_array_get_length (commands) : 0;
  for (guint i = 0; i < n_commands; i++)
    {
      JsonNode *node = json_array_get_element (commands, i);
      if (JSON_NODE_HOLDS_ARRAY (node))
        {
          g_autofree char *text = argv_to_text (json_node_get_array (node));
          gtk_box_append (self->commands_box, monospace_label (text));
        }
    }
  gtk_widget_set_visible (self->commands_group, n_commands > 0);

  self->plan_ready = TRUE;
  /* A plan without file changes can still have work to do: a trial that
   * fell back is armed again by its one-shot command alone. */
  self->plan_applicable = applicable && n_blockers == 0 && (n_changes > 0 || n_commands > 0);
  gtk_widget_set_sensitive (GTK_WIDGET (self->apply_button), self->plan_applicable);
  if (applicable && n_blockers > 0)
    gtk_widget_set_tooltip_text (GTK_WIDGET (self->apply_button), _("Resolve the problems listed at the top first."));
  else if (applicable && n_changes == 0 && n_commands == 0)
    gtk_widget_set_tooltip_text (GTK_WIDGET (self->apply_button), _("There is nothing to change."));
  gtk_stack_set_visible_child_name (self->stack, "plan");

  if (self->apply_when_ready && self->plan_applicable)
    start_apply (self);
}

static void
plan_locally (PtAppReviewDialog *self,
              const char        *why_local)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtPlan) plan = NULL;
  g_autoptr(PtPlanOptions) options = pt_plan_options_new ();
  g_autofree char *json = NULL;

  if (self->requested_options != NULL && !pt_plan_options_set_variant (options, self->requested_options, &error))
    {
      show_error (self, _("No Plan"), error->message);
      return;
    }
  if (self->revert)
    plan = pt_plan_new_for_revert (pt_app_machine_get_paths (self->machine),
                                   pt_app_machine_get_topology (self->machine), &error);
  else
    plan = pt_plan_new_for_selection (pt_app_machine_get_paths (self->machine),
                                      pt_app_machine_get_topology (self->machine),
                                      (const char *const *) self->addresses, options, &error);
  if (plan == NULL)
    {
      show_error (self, _("No Plan"), error->message);
      return;
    }
  json = pt_plan_to_json (plan, FALSE);
  show_plan (self, json, why_local, FALSE);
}

static void
on_preview_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(PtAppReviewDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = pt_helper_client_call_on_finish (result, &error);
  const char *json;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (reply == NULL)
    {
      if (error->domain == PT_ERROR)
        {
          show_error (self, _("No Plan"), error->message);
          return;
        }
      plan_locally (self, _("The Passthrough helper is not installed, so this plan was computed here from the files "
                            "your user can read, and it cannot be applied from the app."));
      return;
    }
  g_variant_get (reply, "(&s)", &json);
  show_plan (self, json, _("The helper computed this plan; Set Up carries out exactly this plan, or nothing."), TRUE);
}

/* A sandboxed app cannot read the journal the engine would preview a
 * revert from: it shows what GetStatus says is configured, and the helper
 * recomputes and carries out the revert from its journal. */
static void
on_revert_status_done (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(PtAppReviewDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = pt_helper_client_call_on_finish (result, &error);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) plan = NULL;
  g_autofree char *plan_json = NULL;
  JsonObject *status;
  JsonArray *devices;
  const char *json;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (reply == NULL)
    {
      g_autofree char *sentence = pt_app_helper_error_sentence (error, TRUE);
      show_error (self, _("Nothing to Undo"), sentence);
      return;
    }
  g_variant_get (reply, "(&s)", &json);
  if (!json_parser_load_from_data (parser, json, -1, NULL) || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      show_error (self, _("Nothing to Undo"), _("The helper sent a status this app cannot read. Nothing was undone."));
      return;
    }
  status = json_node_get_object (json_parser_get_root (parser));
  if (g_strcmp0 (member_string (status, "state"), "not-applied") == 0)
    {
      show_error (self, _("Nothing to Undo"), _("Passthrough has not changed this machine, so there is nothing to undo."));
      return;
    }
  /* The devices part of a plan, so show_plan() lists them the usual way. */
  devices = member_array (status, "devices");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "devices");
  json_builder_begin_array (b);
  for (guint i = 0; devices != NULL && i < json_array_get_length (devices); i++)
    {
      JsonNode *node = json_array_get_element (devices, i);
      const char *address = member_string (JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL, "address");
      if (address != NULL)
        json_builder_add_string_value (b, address);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  plan = json_builder_get_root (b);
  json_generator_set_root (gen, plan);
  plan_json = json_generator_to_data (gen, NULL);
  show_plan (self, plan_json, _("Undoes everything Passthrough changed on this machine, through the system helper."), TRUE);
  /* Under "Files": why there are none to show. */
  gtk_label_set_label (self->nothing_label,
                       _("From inside the sandbox the files cannot be shown: the helper puts back each file it changed "
                         "from its journal, as it was before, and rebuilds the boot files."));
  gtk_label_set_wrap (self->nothing_label, TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->nothing_label), TRUE);
  self->plan_applicable = TRUE;
  gtk_widget_set_sensitive (GTK_WIDGET (self->apply_button), TRUE);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->apply_button), NULL);
  if (self->apply_when_ready)
    start_apply (self);
}

static void
load_plan (PtAppReviewDialog *self)
{
  const char *reason = pt_app_machine_get_inspect_reason (self->machine);
  g_autoptr(GError) error = NULL;

  g_clear_pointer (&self->requested_options, g_variant_unref);
  if (!self->revert)
    self->requested_options = g_variant_ref_sink (pt_app_plan_options_to_variant (self->options));
  if (reason != NULL)
    {
      plan_locally (self, _("Computed here; this window only inspects."));
      return;
    }
  if (self->system_bus == NULL)
    self->system_bus = g_bus_get_sync (G_BUS_TYPE_SYSTEM, NULL, &error);
  if (self->system_bus == NULL)
    {
      plan_locally (self, _("There is no system bus to reach the helper, so this plan was computed here, "
                            "and it cannot be applied from the app."));
      return;
    }
  if (self->revert && pt_app_machine_get_source (self->machine) == PT_APP_MACHINE_SOURCE_HELPER)
    {
      pt_helper_client_call_on (self->system_bus, TRUE, "GetStatus", NULL,
                                self->cancellable, on_revert_status_done, g_object_ref (self));
      return;
    }
  if (self->revert)
    {
      /* The helper has no preview of a revert: the engine shows what it
       * will undo, and the helper recomputes the same from its journal. */
      {
        g_autoptr(PtPlan) plan = pt_plan_new_for_revert (pt_app_machine_get_paths (self->machine),
                                                         pt_app_machine_get_topology (self->machine), &error);
        g_autofree char *json = NULL;
        if (plan == NULL)
          {
            show_error (self, _("Nothing to Undo"), error->message);
            return;
          }
        json = pt_plan_to_json (plan, FALSE);
        show_plan (self, json, _("Undoes everything Passthrough changed on this machine, from its journal."), TRUE);
      }
      return;
    }
  pt_helper_client_call_on (self->system_bus, TRUE, "Preview",
                            g_variant_new ("(^as@a{sv})", self->addresses, self->requested_options),
                            self->cancellable, on_preview_done, g_object_ref (self));
}

/* ---- applying --------------------------------------------------------- */

static void
on_progress (GDBusConnection *bus,
             const char      *sender,
             const char      *path,
             const char      *interface,
             const char      *signal,
             GVariant        *params,
             gpointer         user_data)
{
  PtAppReviewDialog *self = user_data;
  const char *transaction, *step, *message;
  double fraction;
  g_autofree char *log = NULL;

  if (!g_variant_is_of_type (params, G_VARIANT_TYPE ("(sssd)")) &&
      !g_variant_is_of_type (params, G_VARIANT_TYPE ("(ssds)")))
    return;
  if (g_variant_is_of_type (params, G_VARIANT_TYPE ("(ssds)")))
    g_variant_get (params, "(&s&sd&s)", &transaction, &step, &fraction, &message);
  else
    g_variant_get (params, "(&s&s&sd)", &transaction, &step, &message, &fraction);
  gtk_progress_bar_set_fraction (self->progress_bar, CLAMP (fraction, 0.0, 1.0));
  gtk_label_set_label (self->progress_label, message);
  log = g_strconcat (gtk_label_get_label (self->progress_log), message, "\n", NULL);
  gtk_label_set_label (self->progress_log, log);
}

static gboolean
plan_is_trial (PtAppReviewDialog *self)
{
  gboolean trial = FALSE;

  if (self->plan_options != NULL)
    g_variant_lookup (self->plan_options, "trial", "b", &trial);
  return trial;
}

/* ---- restarting through the desktop's session manager -------------------
 *
 * The restart goes through org.gnome.SessionManager on the session bus: it
 * asks the other programs of the session to save their work (and GNOME
 * shows its own "Restart" confirmation) before it restarts. The app never
 * asks logind for a bare reboot, which would end the session unasked.
 * Without a session manager that says it may restart (CanShutdown), the
 * review's button is "Set Up" and no restart is offered: the person
 * restarts the way they always do. docs/guided-app.md has the contract. */

#define SESSION_MANAGER_NAME      "org.gnome.SessionManager"
#define SESSION_MANAGER_PATH      "/org/gnome/SessionManager"
#define SESSION_MANAGER_INTERFACE "org.gnome.SessionManager"

static void
set_main_label (PtAppReviewDialog *self)
{
  if (self->revert)
    return;
  gtk_button_set_label (self->apply_button, self->can_restart ? _("_Set Up and Restart…") : _("_Set Up"));
}

static void
on_can_shutdown_done (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(PtAppReviewDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  gboolean can = FALSE;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  /* No session manager (a bare X session, a window manager alone, SSH with
   * X forwarding) is the ordinary case here, not an error to show. */
  if (reply != NULL && g_variant_is_of_type (reply, G_VARIANT_TYPE ("(b)")))
    g_variant_get (reply, "(b)", &can);
  else if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("no session manager to restart with: %s", error->message);
  self->can_restart = can;
  set_main_label (self);
}

static void
on_session_bus (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(PtAppReviewDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  GDBusConnection *bus = g_bus_get_finish (result, &error);

  if (bus == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_debug ("no session bus, so no restart from the app: %s", error->message);
      return;
    }
  g_clear_object (&self->session_bus);
  self->session_bus = bus;
  /* Never start a session manager just to ask it: NO_AUTO_START. */
  g_dbus_connection_call (bus, SESSION_MANAGER_NAME, SESSION_MANAGER_PATH, SESSION_MANAGER_INTERFACE,
                          "CanShutdown", NULL, G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NO_AUTO_START,
                          5000, self->session_cancellable, on_can_shutdown_done, g_object_ref (self));
}

static void
on_reboot_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(PtAppReviewDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);

  gtk_widget_set_sensitive (GTK_WIDGET (self->restart_button), TRUE);
  if (reply == NULL)
    {
      g_autofree char *remote = g_dbus_error_get_remote_error (error);
      g_autofree char *sentence = NULL;

      if (remote != NULL)
        g_dbus_error_strip_remote_error (error);
      sentence = g_strdup_printf (_("The session manager did not restart the machine (%s). "
                                    "The setup is in place: restart from the system menu when you are ready."),
                                  error->message);
      gtk_label_set_label (self->restart_label, sentence);
      gtk_widget_set_visible (GTK_WIDGET (self->restart_label), TRUE);
    }
}

static void
on_restart_clicked (PtAppReviewDialog *self)
{
  if (self->session_bus == NULL || !self->can_restart)
    return;
  gtk_widget_set_visible (GTK_WIDGET (self->restart_label), FALSE);
  /* Pressed again while the session manager is still asking: once is enough. */
  gtk_widget_set_sensitive (GTK_WIDGET (self->restart_button), FALSE);
  /* No timeout: the session manager answers once the other programs did. */
  g_dbus_connection_call (self->session_bus, SESSION_MANAGER_NAME, SESSION_MANAGER_PATH, SESSION_MANAGER_INTERFACE,
                          "Reboot", NULL, NULL, G_DBUS_CALL_FLAGS_NO_AUTO_START, G_MAXINT, NULL,
                          on_reboot_done, g_object_ref (self));
}

/* The result page of a successful Set Up or Undo: both take a restart. */
static void
show_done (PtAppReviewDialog *self,
           const char        *title,
           const char        *description)
{
  adw_status_page_set_title (self->done_page, title);
  adw_status_page_set_description (self->done_page, description);
  gtk_widget_set_visible (GTK_WIDGET (self->restart_button), self->can_restart && self->session_bus != NULL);
  gtk_stack_set_visible_child_name (self->stack, "done");
  if (gtk_widget_get_visible (GTK_WIDGET (self->restart_button)))
    gtk_widget_grab_focus (GTK_WIDGET (self->restart_button));
}

static void
on_apply_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(PtAppReviewDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = pt_helper_client_call_on_finish (result, &error);

  if (self->progress_id != 0)
    {
      g_dbus_connection_signal_unsubscribe (self->system_bus, self->progress_id);
      self->progress_id = 0;
    }
  gtk_widget_set_sensitive (GTK_WIDGET (self->cancel_button), TRUE);
  gtk_button_set_label (self->cancel_button, _("_Close"));
  gtk_widget_set_visible (GTK_WIDGET (self->apply_button), FALSE);

  if (reply == NULL)
    {
      g_autofree char *sentence = pt_app_helper_error_sentence (error, self->revert);
      show_error (self, self->revert ? _("Not Undone") : _("Not Applied"), sentence);
      return;
    }
  if (!self->revert && plan_is_trial (self))
    {
      show_done (self, _("Restart to try the new setup"),
                 _("The next start uses the new setup once. If the screen stays dark or the machine does not start, "
                   "just restart again: it will come back as it is now."));
      return;
    }
  show_done (self, _("Restart to finish"),
             self->revert
             ? _("Everything Passthrough changed is undone. After the next restart the devices are back with the host.")
             : _("The changes are written. After the next restart the chosen devices are on vfio-pci, "
                 "ready for a virtual machine; this window’s sidebar then shows whether they are. "
                 "Any boot entry without the new options still starts the machine as before."));
}

static void
start_apply (PtAppReviewDialog *self)
{
  GVariantBuilder options;

  if (!self->plan_applicable || self->system_bus == NULL)
    return;
  self->apply_when_ready = FALSE;
  gtk_widget_set_sensitive (GTK_WIDGET (self->apply_button), FALSE);
  /* Once files change a transaction cannot be cancelled (docs/safety.md, rule 4). */
  gtk_widget_set_sensitive (GTK_WIDGET (self->cancel_button), FALSE);
  gtk_progress_bar_set_fraction (self->progress_bar, 0);
  gtk_label_set_label (self->progress_label, _("Waiting for authentication…"));
  gtk_label_set_label (self->progress_log, "");
  gtk_stack_set_visible_child_name (self->stack, "progress");

  self->progress_id = g_dbus_connection_signal_subscribe (self->system_bus, PT_DBUS_HELPER_BUS_NAME,
                                                          PT_DBUS_HELPER_INTERFACE, "Progress",
                                                          PT_DBUS_HELPER_OBJECT_PATH, NULL,
                                                          G_DBUS_SIGNAL_FLAGS_NONE, on_progress, self, NULL);
  g_variant_builder_init (&options, G_VARIANT_TYPE ("a{sv}"));
  if (self->revert)
    pt_helper_client_call_on (self->system_bus, TRUE, "Revert", g_variant_new ("(a{sv})", &options),
                              NULL, on_apply_done, g_object_ref (self));
  else
    {
      /* Exactly the options the reviewed plan was computed with: the
       * helper recomputes the plan from them and compares the digest. */
      if (self->plan_options != NULL)
        {
          GVariantIter iter;
          const char *key;
          GVariant *value;
          g_variant_iter_init (&iter, self->plan_options);
          while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
            {
              g_variant_builder_add (&options, "{sv}", key, value);
              g_variant_unref (value);
            }
        }
      g_variant_builder_add (&options, "{sv}", "plan-digest", g_variant_new_string (self->plan_digest));
      pt_helper_client_call_on (self->system_bus, TRUE, "Apply",
                                g_variant_new ("(^asa{sv})", self->addresses, &options),
                                NULL, on_apply_done, g_object_ref (self));
    }
}

static void
on_options_changed (PtAppReviewDialog *self)
{
  /* A new plan for the new options; the old one can no longer be applied. */
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->plan_ready = FALSE;
  self->plan_applicable = FALSE;
  gtk_widget_set_sensitive (GTK_WIDGET (self->apply_button), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->updating_label), TRUE);
  load_plan (self);
}

static void
on_apply_clicked (PtAppReviewDialog *self)
{
  start_apply (self);
}

static void
on_cancel_clicked (PtAppReviewDialog *self)
{
  gtk_window_close (GTK_WINDOW (self));
}

/* Each of OPTIONS as a fix's button sets it, an option without a control
 * as it is; before the first plan, so that only the plan of these options
 * is asked for. */
static void
set_options (PtAppReviewDialog *self,
             GVariant          *options)
{
  GVariantIter iter;
  const char *key;
  GVariant *value;

  g_signal_handlers_block_by_func (self->options, on_options_changed, self);
  g_variant_iter_init (&iter, options);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
    {
      if (!g_str_equal (key, "plan-digest") && !pt_app_plan_options_set (self->options, key, value))
        pt_app_plan_options_set_fixed (self->options, key, value);
      g_variant_unref (value);
    }
  g_signal_handlers_unblock_by_func (self->options, on_options_changed, self);
}

void
pt_app_review_dialog_apply_when_ready (PtAppReviewDialog *self)
{
  if (self->plan_ready)
    start_apply (self);
  else
    self->apply_when_ready = TRUE;
}

/* ---- life cycle ------------------------------------------------------- */

static gboolean
pt_app_review_dialog_close_request (GtkWindow *window)
{
  PtAppReviewDialog *self = PT_APP_REVIEW_DIALOG (window);

  /* A running transaction goes on in the helper; the window stays until
   * it reports, so the person sees how it ended. */
  if (self->progress_id != 0)
    return TRUE;
  g_cancellable_cancel (self->cancellable);
  g_cancellable_cancel (self->session_cancellable);
  return GTK_WINDOW_CLASS (pt_app_review_dialog_parent_class)->close_request (window);
}

static void
pt_app_review_dialog_dispose (GObject *object)
{
  PtAppReviewDialog *self = PT_APP_REVIEW_DIALOG (object);

  if (self->progress_id != 0 && self->system_bus != NULL)
    g_dbus_connection_signal_unsubscribe (self->system_bus, self->progress_id);
  self->progress_id = 0;
  g_clear_object (&self->system_bus);
  g_clear_object (&self->session_bus);
  g_cancellable_cancel (self->session_cancellable);
  g_clear_object (&self->session_cancellable);
  g_clear_object (&self->machine);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->addresses, g_strfreev);
  g_clear_pointer (&self->plan_json, g_free);
  g_clear_pointer (&self->plan_digest, g_free);
  g_clear_pointer (&self->requested_options, g_variant_unref);
  g_clear_pointer (&self->plan_options, g_variant_unref);
  gtk_widget_dispose_template (GTK_WIDGET (object), PT_APP_TYPE_REVIEW_DIALOG);
  G_OBJECT_CLASS (pt_app_review_dialog_parent_class)->dispose (object);
}

static void
pt_app_review_dialog_class_init (PtAppReviewDialogClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = pt_app_review_dialog_dispose;
  GTK_WINDOW_CLASS (klass)->close_request = pt_app_review_dialog_close_request;
  g_type_ensure (PT_APP_TYPE_PLAN_OPTIONS);
  gtk_widget_class_set_template_from_resource (widget_class, "/com/example/Passthrough/ui/pt-app-review-dialog.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, PtAppReviewDialog, name)
  BIND (toast_overlay);
  BIND (title);
  BIND (cancel_button);
  BIND (apply_button);
  BIND (stack);
  BIND (source_label);
  BIND (summary_label);
  BIND (inspect_label);
  BIND (blockers_box);
  BIND (options);
  BIND (updating_label);
  BIND (warnings_box);
  BIND (devices_label);
  BIND (binding_label);
  BIND (device_details_box);
  BIND (changes_box);
  BIND (commands_box);
  BIND (commands_group);
  BIND (nothing_label);
  BIND (error_page);
  BIND (progress_bar);
  BIND (progress_label);
  BIND (progress_log);
  BIND (done_page);
  BIND (restart_button);
  BIND (restart_label);
#undef BIND
  gtk_widget_class_bind_template_callback (widget_class, on_apply_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_cancel_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_restart_clicked);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
pt_app_review_dialog_init (PtAppReviewDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  self->session_cancellable = g_cancellable_new ();
  g_signal_connect_swapped (self->options, "changed", G_CALLBACK (on_options_changed), self);
}

static PtAppReviewDialog *
create (GtkWindow         *parent,
        PtAppMachine      *machine,
        const char *const *addresses,
        gboolean           revert)
{
  PtAppReviewDialog *self = g_object_new (PT_APP_TYPE_REVIEW_DIALOG,
                                          "transient-for", parent,
                                          "modal", TRUE,
                                          NULL);
  const char *reason = pt_app_machine_get_inspect_reason (machine);

  self->machine = g_object_ref (machine);
  self->addresses = g_strdupv ((char **) addresses);
  if (self->addresses == NULL)
    self->addresses = g_new0 (char *, 1);
  self->revert = revert;

  if (revert)
    {
      gtk_window_set_title (GTK_WINDOW (self), _("Undo everything"));
      adw_window_title_set_title (self->title, _("Undo everything"));
      gtk_button_set_label (self->apply_button, _("_Undo"));
      gtk_widget_remove_css_class (GTK_WIDGET (self->apply_button), "suggested-action");
      gtk_widget_add_css_class (GTK_WIDGET (self->apply_button), "destructive-action");
      /* Revert takes no options: it undoes what the journal says. */
      gtk_widget_set_visible (GTK_WIDGET (self->options), FALSE);
    }
  adw_window_title_set_subtitle (self->title, pt_app_machine_get_title (machine));
  gtk_widget_set_visible (GTK_WIDGET (self->inspect_label), reason != NULL);
  gtk_label_set_label (self->inspect_label, reason != NULL ? reason : "");
  gtk_widget_set_sensitive (GTK_WIDGET (self->apply_button), FALSE);
  /* Whether the desktop can restart for us decides the main button's words
   * (a review with fixed options, a repair, restarts the same way). */
  g_bus_get (G_BUS_TYPE_SESSION, self->session_cancellable, on_session_bus, g_object_ref (self));
  return self;
}

PtAppReviewDialog *
pt_app_review_dialog_new (GtkWindow         *parent,
                          PtAppMachine      *machine,
                          const char *const *addresses,
                          gboolean           revert)
{
  PtAppReviewDialog *self = create (parent, machine, addresses, revert);

  load_plan (self);
  return self;
}

PtAppReviewDialog *
pt_app_review_dialog_new_with_options (GtkWindow         *parent,
                                       PtAppMachine      *machine,
                                       const char *const *addresses,
                                       GVariant          *options)
{
  PtAppReviewDialog *self = create (parent, machine, addresses, FALSE);

  set_options (self, options);
  load_plan (self);
  return self;
}

/* The heading of a review with a purpose of its own (the status panel's
 * Repair): the window's title and the header's. */
void
pt_app_review_dialog_set_heading (PtAppReviewDialog *self,
                                  const char        *heading)
{
  g_return_if_fail (PT_APP_IS_REVIEW_DIALOG (self));

  gtk_window_set_title (GTK_WINDOW (self), heading);
  adw_window_title_set_title (self->title, heading);
}
