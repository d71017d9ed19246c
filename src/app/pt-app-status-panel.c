/* pt-app-status-panel.c
 *
 * The words are for a person who just restarted into something new and is
 * afraid of it: what happened, whether it worked, and the one button that
 * goes on from here. The state lives in the helper's state file, by boot
 * id, so it survives the restart; this panel only shows it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "pt-app-repair.h"
#include "pt-app-review-dialog.h"
#include "pt-app-status-panel.h"
#include "pt-describe.h"

struct _PtAppStatusPanel
{
  GtkBox        parent_instance;

  GtkImage     *icon;
  GtkLabel     *label;
  GtkLabel     *details;
  GtkWidget    *buttons;
  GtkButton    *keep_button;
  GtkButton    *undo_button;
  GtkButton    *retry_button;
  GtkButton    *repair_button;
  GtkLabel     *error_label;

  GCancellable *cancellable;
  GStrv         configured;     /* the addresses of the last status */
  gboolean      confirming;
  gboolean      asked;          /* the Keep/Undo dialog was shown in this run */
  GStrv         repair_selection; /* needs-repair: the stored setup (pt-app-repair.c) */
  GVariant     *repair_options;
  guint         again_id;       /* "applying": ask again soon */
};

G_DEFINE_FINAL_TYPE (PtAppStatusPanel, pt_app_status_panel, GTK_TYPE_BOX)

static gboolean ask_again (gpointer user_data);

enum { UNDO, TRY_AGAIN, REPAIR, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
set_look (PtAppStatusPanel *self,
          const char       *icon_name,
          const char       *css,
          const char       *text)
{
  gtk_widget_set_visible (GTK_WIDGET (self), text != NULL);
  if (text == NULL)
    return;
  gtk_image_set_from_icon_name (self->icon, icon_name);
  gtk_widget_remove_css_class (GTK_WIDGET (self->icon), "warning");
  gtk_widget_remove_css_class (GTK_WIDGET (self->icon), "success");
  if (css != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->icon), css);
  gtk_label_set_label (self->label, text);
}

static void
show_buttons (PtAppStatusPanel *self,
              gboolean          keep,
              gboolean          undo,
              gboolean          retry)
{
  gtk_widget_set_visible (GTK_WIDGET (self->keep_button), keep);
  gtk_widget_set_visible (GTK_WIDGET (self->undo_button), undo);
  gtk_widget_set_visible (GTK_WIDGET (self->retry_button), retry);
  gtk_widget_set_visible (GTK_WIDGET (self->repair_button), FALSE);
  gtk_widget_set_visible (self->buttons, keep || undo || retry);
}

static void
hide (PtAppStatusPanel *self)
{
  set_look (self, NULL, NULL, NULL);
  show_buttons (self, FALSE, FALSE, FALSE);
}

/* One line per chosen device after the trial start: the question is only
 * "did it get the device", and if not, which driver has it. */
static char *
describe_trial_devices (JsonArray *devices,
                        guint     *n_wrong)
{
  GString *out = g_string_new (NULL);

  *n_wrong = 0;
  for (guint i = 0; devices != NULL && i < json_array_get_length (devices); i++)
    {
      JsonObject *d = json_array_get_object_element (devices, i);
      const char *addr = d != NULL ? json_object_get_string_member_with_default (d, "address", "?") : "?";
      const char *now = d != NULL ? json_object_get_string_member_with_default (d, "driver_now", NULL) : NULL;
      gboolean ok = d != NULL && json_object_get_boolean_member_with_default (d, "ok", FALSE);
      g_autofree char *line = NULL;

      if (ok)
        line = g_strdup_printf (_("✓ %s is on vfio-pci."), addr);
      else
        {
          const char *reason = d != NULL ? json_object_get_string_member_with_default (d, "reason", NULL) : NULL;
          line = g_strdup_printf (_("✗ %s is on %s, not vfio-pci."), addr, now != NULL ? now : _("no driver"));
          if (reason != NULL)
            {
              char *with_reason = g_strdup_printf ("%s %s", line, reason);
              g_free (line);
              line = with_reason;
            }
          (*n_wrong)++;
        }
      if (out->len > 0)
        g_string_append_c (out, '\n');
      g_string_append (out, line);
    }
  return g_string_free (out, FALSE);
}

static const char *
describe_host_display (JsonObject *status)
{
  JsonNode *node = json_object_get_member (status, "host_display");

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return _("Whether the host still has a screen could not be told here.");
  if (json_node_get_boolean (node))
    return _("✓ The host still has its screen.");
  return _("✗ No screen is connected to a GPU the host kept.");
}

static void on_keep_clicked (PtAppStatusPanel *self);
static void on_undo_clicked (PtAppStatusPanel *self);

static void
on_decision (AdwMessageDialog *dialog,
             const char       *response,
             PtAppStatusPanel *self)
{
  if (g_str_equal (response, "keep"))
    on_keep_clicked (self);
  else if (g_str_equal (response, "undo"))
    on_undo_clicked (self);
  /* "later" (Escape, closing the window): the sidebar keeps both buttons */
}

/* After the trial start, the decision in a dialog of its own, as GNOME
 * Settings asks "Keep Changes?" after a display change: keeping is the
 * suggested answer; undoing is not destructive (it restores what was),
 * so it is not styled as such.  Asked once a run; the sidebar keeps the
 * same buttons for later. */
static void
ask_keep_or_undo (PtAppStatusPanel *self,
                  const char       *summary,
                  const char       *details)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  g_autofree char *body = g_strdup_printf ("%s\n\n%s", summary, details);
  GtkWidget *dialog;

  if (self->asked || !GTK_IS_WINDOW (root))
    return;
  self->asked = TRUE;
  dialog = adw_message_dialog_new (GTK_WINDOW (root), _("Keep This Setup?"), body);
  gtk_window_set_title (GTK_WINDOW (dialog), _("Keep This Setup?"));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "undo", _("Undo"),
                                    "keep", _("Keep this setup"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "keep", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "keep");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "later");
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_decision), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

void
pt_app_status_panel_show_json (PtAppStatusPanel *self,
                               const char       *json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GPtrArray) wrong = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) reasons = g_string_new (NULL);
  g_autoptr(GStrvBuilder) configured = g_strv_builder_new ();
  JsonObject *status;
  JsonArray *devices;
  const char *state;
  guint n = 0;

  gtk_widget_set_visible (GTK_WIDGET (self->details), FALSE);
  if (!json_parser_load_from_data (parser, json, -1, NULL) || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      hide (self);
      return;
    }
  status = json_node_get_object (json_parser_get_root (parser));
  state = json_object_get_string_member_with_default (status, "state", "not-applied");
  devices = json_object_has_member (status, "devices") ? json_object_get_array_member (status, "devices") : NULL;
  for (guint i = 0; devices != NULL && i < json_array_get_length (devices); i++)
    {
      JsonObject *d = json_array_get_object_element (devices, i);
      n++;
      if (d == NULL)
        continue;
      g_strv_builder_add (configured, json_object_get_string_member_with_default (d, "address", ""));
      if (!json_object_get_boolean_member_with_default (d, "ok", TRUE))
        {
          const char *now = json_object_get_string_member_with_default (d, "driver_now", NULL);
          const char *reason = json_object_get_string_member_with_default (d, "reason", NULL);
          if (reason != NULL)
            g_string_append_printf (reasons, "%s%s", reasons->len > 0 ? "\n" : "", reason);
          g_ptr_array_add (wrong, g_strdup_printf (_("%s is on %s"),
                                                   json_object_get_string_member_with_default (d, "address", "?"),
                                                   now != NULL ? now : _("no driver")));
        }
    }
  g_strfreev (self->configured);
  self->configured = g_strv_builder_end (configured);

  if (g_str_equal (state, "applying"))
    {
      /* A change runs right now (docs/faults.md): no button until it ends. */
      set_look (self, "content-loading-symbolic", NULL,
                _("A change is being made right now. Its result shows here when it has finished."));
      show_buttons (self, FALSE, FALSE, FALSE);
      /* Nothing tells us when another process's change (or the helper's
       * start-up recovery) ends: ask again until the state moves on. */
      if (self->again_id == 0)
        self->again_id = g_timeout_add_seconds (2, ask_again, self);
    }
  else if (g_str_equal (state, "needs-repair"))
    {
      /* each reason in the core's words, and the stored setup applied again */
      g_autofree char *why = pt_app_repair_describe (status);

      g_clear_pointer (&self->repair_selection, g_strfreev);
      g_clear_pointer (&self->repair_options, g_variant_unref);
      set_look (self, "dialog-warning-symbolic", "warning",
                _("The setup needs repair: the running system no longer carries what was applied."));
      gtk_label_set_label (self->details, why != NULL ? why : "");
      gtk_widget_set_visible (GTK_WIDGET (self->details), why != NULL);
      show_buttons (self, FALSE, FALSE, FALSE);
      if (pt_app_repair_setup (status, &self->repair_selection, &self->repair_options))
        {
          gtk_widget_set_visible (GTK_WIDGET (self->repair_button), TRUE);
          gtk_widget_set_visible (self->buttons, TRUE);
        }
    }
  else if (g_str_equal (state, "not-applied") || n == 0)
    hide (self);
  else if (g_str_equal (state, "trial-armed"))
    {
      set_look (self, "system-reboot-symbolic", "warning",
                _("Restart to try the new setup. If the screen stays dark or the machine does not start, "
                  "just restart again: it will come back as it is now."));
      show_buttons (self, FALSE, TRUE, FALSE);
    }
  else if (g_str_equal (state, "trial-booted"))
    {
      guint n_wrong;
      g_autofree char *lines = describe_trial_devices (devices, &n_wrong);
      g_autofree char *details = g_strdup_printf ("%s\n%s", lines, describe_host_display (status));

      set_look (self, n_wrong == 0 ? "emblem-ok-symbolic" : "dialog-warning-symbolic",
                n_wrong == 0 ? "success" : "warning",
                n_wrong == 0
                ? _("This is the trial start of the new setup. If everything works, keep it; "
                    "if not, undo it, or just restart: the next start is the old setup again.")
                : _("This is the trial start, and not every device went to vfio-pci. Undo it, or just restart: "
                    "the next start is the old setup again."));
      gtk_label_set_label (self->details, details);
      gtk_widget_set_visible (GTK_WIDGET (self->details), TRUE);
      show_buttons (self, TRUE, TRUE, FALSE);
      ask_keep_or_undo (self, gtk_label_get_label (self->label), details);
    }
  else if (g_str_equal (state, "trial-fell-back"))
    {
      set_look (self, "dialog-warning-symbolic", "warning",
                _("The trial start of the new setup did not finish, so the machine came back as it was, "
                  "as promised. Nothing of the new setup is in use now. Undo it, or try it again "
                  "(for example with the host's monitor on another GPU)."));
      show_buttons (self, FALSE, TRUE, TRUE);
    }
  else if (json_object_get_boolean_member_with_default (status, "pending_reboot", FALSE))
    {
      g_autofree char *text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                            "Restart to finish: %u device goes to vfio-pci at the next start.",
                                                            "Restart to finish: %u devices go to vfio-pci at the next start.", n), n);
      set_look (self, "system-reboot-symbolic", "warning", text);
      show_buttons (self, FALSE, FALSE, FALSE);
    }
  else if (wrong->len == 0)
    {
      g_autofree char *text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                            "%u device is on vfio-pci, as configured.",
                                                            "%u devices are on vfio-pci, as configured.", n), n);
      set_look (self, "emblem-ok-symbolic", "success", text);
      show_buttons (self, FALSE, FALSE, FALSE);
    }
  else
    {
      g_autofree char *joined = pt_describe_join (wrong);
      /* The helper's status says why for each device; an older one does not. */
      g_autofree char *text = reasons->len > 0
        ? g_strdup_printf (_("Not as configured: %s, not vfio-pci."), joined)
        : g_strdup_printf (_("Not as configured: %s, not vfio-pci. Check that this boot entry has "
                             "the new kernel options (“passthroughctl status” says more)."), joined);
      set_look (self, "dialog-warning-symbolic", "warning", text);
      if (reasons->len > 0)
        {
          gtk_label_set_label (self->details, reasons->str);
          gtk_widget_set_visible (GTK_WIDGET (self->details), TRUE);
        }
      show_buttons (self, FALSE, FALSE, FALSE);
    }
}

static void
on_status_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = pt_helper_client_call_on_finish (result, &error);
  const char *json;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  /* No helper (not installed): nothing to say. */
  if (reply == NULL)
    {
      hide (PT_APP_STATUS_PANEL (user_data));
      return;
    }
  g_variant_get (reply, "(&s)", &json);
  pt_app_status_panel_show_json (PT_APP_STATUS_PANEL (user_data), json);
}

/* Forgets the question under way and the one planned. */
static void
stop_asking (PtAppStatusPanel *self)
{
  g_clear_handle_id (&self->again_id, g_source_remove);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
}

/* GetStatus needs no authorization; no auto-start: a machine without the
 * helper simply has no status.  What shows stays until the answer. */
static void
ask_status (PtAppStatusPanel *self)
{
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SYSTEM, NULL, NULL);

  stop_asking (self);
  if (bus == NULL)
    return;
  self->cancellable = g_cancellable_new ();
  pt_helper_client_call_on (bus, FALSE, "GetStatus", NULL, self->cancellable, on_status_done, self);
}

static gboolean
ask_again (gpointer user_data)
{
  PtAppStatusPanel *self = PT_APP_STATUS_PANEL (user_data);

  self->again_id = 0;
  ask_status (self);
  return G_SOURCE_REMOVE;
}

void
pt_app_status_panel_refresh (PtAppStatusPanel *self,
                             gboolean          this_machine)
{
  gtk_label_set_label (self->error_label, "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);
  hide (self);
  if (this_machine)
    ask_status (self);
  else
    stop_asking (self);
}

/* ---- Keep this setup -------------------------------------------------- */

static void
set_busy (PtAppStatusPanel *self,
          gboolean          busy)
{
  self->confirming = busy;
  gtk_widget_set_sensitive (self->buttons, !busy);
}

static void
on_confirm_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(PtAppStatusPanel) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = pt_helper_client_call_on_finish (result, &error);
  const char *json;

  set_busy (self, FALSE);
  if (reply == NULL)
    {
      g_autofree char *sentence = pt_app_helper_error_sentence (error, FALSE);
      gtk_widget_add_css_class (GTK_WIDGET (self->error_label), "error");
      gtk_label_set_label (self->error_label, sentence);
      gtk_widget_set_visible (GTK_WIDGET (self->error_label), TRUE);
      return;
    }
  g_variant_get (reply, "(&s)", &json);
  pt_app_status_panel_show_json (self, json);
  gtk_label_set_label (self->error_label, _("Kept: the new setup is now the normal start of this machine."));
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), TRUE);
}

static void
on_keep_clicked (PtAppStatusPanel *self)
{
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SYSTEM, NULL, NULL);

  if (self->confirming || bus == NULL)
    return;
  set_busy (self, TRUE);
  gtk_widget_remove_css_class (GTK_WIDGET (self->error_label), "error");
  gtk_label_set_label (self->error_label, _("Making this setup the normal start…"));
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), TRUE);
  /* Like Apply: a password prompt, then maybe a regeneration: no timeout. */
  pt_helper_client_call_on (bus, TRUE, "Confirm", g_variant_new ("(a{sv})", NULL), NULL,
                            on_confirm_done, g_object_ref (self));
}

static void
on_undo_clicked (PtAppStatusPanel *self)
{
  g_signal_emit (self, signals[UNDO], 0);
}

static void
on_repair_clicked (PtAppStatusPanel *self)
{
  if (self->repair_selection != NULL && self->repair_options != NULL)
    g_signal_emit (self, signals[REPAIR], 0, self->repair_selection, self->repair_options);
}

static void
on_retry_clicked (PtAppStatusPanel *self)
{
  g_signal_emit (self, signals[TRY_AGAIN], 0, self->configured);
}

/* ---- life cycle ------------------------------------------------------- */

static void
pt_app_status_panel_dispose (GObject *object)
{
  PtAppStatusPanel *self = PT_APP_STATUS_PANEL (object);

  stop_asking (self);
  g_clear_pointer (&self->configured, g_strfreev);
  g_clear_pointer (&self->repair_selection, g_strfreev);
  g_clear_pointer (&self->repair_options, g_variant_unref);
  G_OBJECT_CLASS (pt_app_status_panel_parent_class)->dispose (object);
}

static void
pt_app_status_panel_class_init (PtAppStatusPanelClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = pt_app_status_panel_dispose;
  /* "Undo": the same review as the menu's Undo everything. */
  signals[UNDO] = g_signal_new ("undo", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* "Try again": review the configured devices again, with the trial. */
  signals[TRY_AGAIN] = g_signal_new ("try-again", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                     0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRV);
  /* "Repair…": review the stored selection with the stored options (a{sv},
   * with regenerate), as `passthroughctl repair` applies them. */
  signals[REPAIR] = g_signal_new ("repair", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRV, G_TYPE_VARIANT);
}

static GtkButton *
add_button (PtAppStatusPanel *self,
            const char       *label,
            const char       *css,
            GCallback         callback)
{
  /* No mnemonic: on GTK 4.8 it doubles the accessible name ("_Undo Undo"),
   * and the sidebar has no menu bar for Alt keys to compete with anyway. */
  GtkWidget *button = gtk_button_new_with_label (label);

  if (css != NULL)
    gtk_widget_add_css_class (button, css);
  g_signal_connect_swapped (button, "clicked", callback, self);
  gtk_box_append (GTK_BOX (self->buttons), button);
  return GTK_BUTTON (button);
}

static GtkLabel *
wrapped_label (void)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_width_chars (GTK_LABEL (label), 20);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 40);
  gtk_widget_set_hexpand (label, TRUE);
  return GTK_LABEL (label);
}

static void
pt_app_status_panel_init (PtAppStatusPanel *self)
{
  GtkWidget *top = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);

  gtk_orientable_set_orientation (GTK_ORIENTABLE (self), GTK_ORIENTATION_VERTICAL);
  gtk_box_set_spacing (GTK_BOX (self), 8);
  self->icon = GTK_IMAGE (gtk_image_new ());
  gtk_widget_set_valign (GTK_WIDGET (self->icon), GTK_ALIGN_START);
  self->label = wrapped_label ();
  gtk_box_append (GTK_BOX (top), GTK_WIDGET (self->icon));
  gtk_box_append (GTK_BOX (top), GTK_WIDGET (self->label));
  gtk_box_append (GTK_BOX (self), top);

  self->details = wrapped_label ();
  gtk_widget_set_margin_start (GTK_WIDGET (self->details), 24);
  gtk_box_append (GTK_BOX (self), GTK_WIDGET (self->details));

  self->buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  gtk_widget_set_margin_start (self->buttons, 24);
  self->keep_button = add_button (self, _("Keep this setup"), "suggested-action", G_CALLBACK (on_keep_clicked));
  self->undo_button = add_button (self, _("Undo"), NULL, G_CALLBACK (on_undo_clicked));
  self->retry_button = add_button (self, _("Try again"), NULL, G_CALLBACK (on_retry_clicked));
  self->repair_button = add_button (self, _("Repair…"), "suggested-action", G_CALLBACK (on_repair_clicked));
  gtk_box_append (GTK_BOX (self), self->buttons);

  self->error_label = wrapped_label ();
  gtk_widget_set_margin_start (GTK_WIDGET (self->error_label), 24);
  gtk_box_append (GTK_BOX (self), GTK_WIDGET (self->error_label));
  hide (self);
}
