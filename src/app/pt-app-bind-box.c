/* pt-app-bind-box.c
 *
 * The app does not judge whether a device may be bound: the helper checks
 * the boot GPU, a connected display, a mounted disk and the default route
 * itself (the same guards as "passthroughctl bind"), and its refusal is
 * the sentence shown here. The topology on screen is the one read at start,
 * so what the box says after a Bind comes from the helper's answer, not
 * from the device's driver field.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "pt-app-bind-box.h"
#include "pt-app-review-dialog.h"
#include "pt-describe.h"

struct _PtAppBindBox
{
  AdwBin        parent_instance;

  GtkLabel     *description;
  GtkButton    *bind_button;
  GtkButton    *unbind_button;
  GtkLabel     *result_label;

  PtTopology   *topology;
  PtDevice     *device;
  char         *inspect_reason;
  GCancellable *cancellable;
  gboolean      running;
};

G_DEFINE_FINAL_TYPE (PtAppBindBox, pt_app_bind_box, ADW_TYPE_BIN)

static void
update_buttons (PtAppBindBox *self)
{
  gboolean can = self->device != NULL && self->inspect_reason == NULL && !self->running;

  gtk_widget_set_sensitive (GTK_WIDGET (self->bind_button), can);
  gtk_widget_set_sensitive (GTK_WIDGET (self->unbind_button), can);
}

static void
say (PtAppBindBox *self,
     const char   *css,
     const char   *text)
{
  gtk_widget_remove_css_class (GTK_WIDGET (self->result_label), "error");
  gtk_widget_remove_css_class (GTK_WIDGET (self->result_label), "success");
  if (css != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->result_label), css);
  gtk_label_set_label (self->result_label, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->result_label), text != NULL && *text != '\0');
}

/* "GPU 0000:01:00.0 and Audio device 0000:01:00.1": the device with its slot. */
static char *
slot_phrase (PtAppBindBox *self)
{
  GStrv slot = pt_device_get_slot_functions (self->device);
  g_autoptr(GPtrArray) refs = g_ptr_array_new_with_free_func (g_free);

  g_ptr_array_add (refs, pt_describe_device_ref (self->topology, pt_device_get_address (self->device)));
  for (guint i = 0; slot != NULL && slot[i] != NULL; i++)
    g_ptr_array_add (refs, pt_describe_device_ref (self->topology, slot[i]));
  return pt_describe_join (refs);
}

typedef struct
{
  PtAppBindBox *self;
  gboolean      bind;
  char         *address;
} Call;

static void
call_free (Call *call)
{
  g_object_unref (call->self);
  g_free (call->address);
  g_free (call);
}

static void
on_call_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Call *call = user_data;
  PtAppBindBox *self = call->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = pt_helper_client_call_on_finish (result, &error);

  self->running = FALSE;
  update_buttons (self);
  /* The page moved on to another device meanwhile: say nothing there. */
  if (self->device == NULL || g_strcmp0 (pt_device_get_address (self->device), call->address) != 0)
    {
      call_free (call);
      return;
    }
  if (reply == NULL)
    {
      g_autofree char *sentence = pt_app_helper_error_sentence (error, FALSE);
      say (self, "error", sentence);
    }
  else
    {
      g_autofree char *what = slot_phrase (self);
      g_autofree char *text = call->bind
        ? g_strdup_printf (_("Done: %s are on vfio-pci now, ready for a virtual machine, until you give them back or restart."), what)
        : g_strdup_printf (_("Done: %s are back with their own drivers."), what);
      say (self, "success", text);
    }
  call_free (call);
}

static void
call_helper (PtAppBindBox *self,
             gboolean      bind)
{
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GError) error = NULL;
  Call *call;

  if (self->device == NULL || self->inspect_reason != NULL || self->running)
    return;
  bus = g_bus_get_sync (G_BUS_TYPE_SYSTEM, NULL, &error);
  if (bus == NULL)
    {
      g_autofree char *sentence = pt_app_helper_error_sentence (error, FALSE);
      say (self, "error", sentence);
      return;
    }
  self->running = TRUE;
  update_buttons (self);
  say (self, NULL, bind ? _("Handing the device to vfio-pci…") : _("Giving the device back…"));
  call = g_new0 (Call, 1);
  call->self = g_object_ref (self);
  call->bind = bind;
  call->address = g_strdup (pt_device_get_address (self->device));
  /* A password prompt first: no timeout (pt-helper-client.h). */
  pt_helper_client_call_on (bus, TRUE, bind ? "Bind" : "Unbind", g_variant_new ("(s)", call->address), NULL,
                            on_call_done, call);
}

static void
on_bind_clicked (PtAppBindBox *self)
{
  call_helper (self, TRUE);
}

static void
on_unbind_clicked (PtAppBindBox *self)
{
  call_helper (self, FALSE);
}

void
pt_app_bind_box_set_device (PtAppBindBox *self,
                            PtTopology   *topology,
                            PtDevice     *device)
{
  const char *driver = pt_device_get_driver (device);

  g_set_object (&self->topology, topology);
  g_set_object (&self->device, device);
  say (self, NULL, NULL);
  /* Bridges are not passed through, so they are not bound either. */
  gtk_widget_set_visible (GTK_WIDGET (self), pt_device_is_endpoint (device));
  if (self->inspect_reason != NULL)
    {
      g_autofree char *text = g_strdup_printf (_("Binding is off here. %s"), self->inspect_reason);
      gtk_label_set_label (self->description, text);
    }
  /* What pressing the button does, in one sentence. */
  else if (g_strcmp0 (driver, "vfio-pci") == 0)
    gtk_label_set_label (self->description, _("On vfio-pci now: giving it back hands the slot to its own drivers again."));
  else
    gtk_label_set_label (self->description, _("For a virtual machine that starts now: the device and its slot leave the host "
                                              "for vfio-pci until the next restart, and nothing is written for the next boot."));
  update_buttons (self);
}

void
pt_app_bind_box_set_inspect_reason (PtAppBindBox *self,
                                    const char   *reason)
{
  g_free (self->inspect_reason);
  self->inspect_reason = g_strdup (reason);
  if (self->device != NULL)
    pt_app_bind_box_set_device (self, self->topology, self->device);
}

static void
pt_app_bind_box_dispose (GObject *object)
{
  PtAppBindBox *self = PT_APP_BIND_BOX (object);

  g_clear_object (&self->topology);
  g_clear_object (&self->device);
  g_clear_pointer (&self->inspect_reason, g_free);
  G_OBJECT_CLASS (pt_app_bind_box_parent_class)->dispose (object);
}

static void
pt_app_bind_box_class_init (PtAppBindBoxClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = pt_app_bind_box_dispose;
}

static void
pt_app_bind_box_init (PtAppBindBox *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 8);
  GtkWidget *title = gtk_label_new (_("Right now, until the next restart"));
  /* One above the other: side by side they would hold the page (and a
   * narrow window) wider than 400 px. */
  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_VERTICAL, 8);

  /* A row of the device page's "Advanced" expander: its own margins. */
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_widget_set_margin_top (box, 12);
  gtk_widget_set_margin_bottom (box, 12);
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_wrap (GTK_LABEL (title), TRUE);
  gtk_widget_add_css_class (title, "heading");
  gtk_box_append (GTK_BOX (box), title);
  self->description = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->description, 0);
  gtk_label_set_wrap (self->description, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->description), "dim-label");
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->description));

  self->bind_button = GTK_BUTTON (gtk_button_new_with_label (_("Hand to vfio-pci now")));
  self->unbind_button = GTK_BUTTON (gtk_button_new_with_label (_("Give back to the host")));
  g_signal_connect_swapped (self->bind_button, "clicked", G_CALLBACK (on_bind_clicked), self);
  g_signal_connect_swapped (self->unbind_button, "clicked", G_CALLBACK (on_unbind_clicked), self);
  gtk_box_append (GTK_BOX (buttons), GTK_WIDGET (self->bind_button));
  gtk_box_append (GTK_BOX (buttons), GTK_WIDGET (self->unbind_button));
  gtk_widget_set_margin_top (buttons, 4);
  gtk_widget_set_halign (buttons, GTK_ALIGN_START);
  gtk_box_append (GTK_BOX (box), buttons);

  self->result_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->result_label, TRUE);
  gtk_label_set_xalign (self->result_label, 0);
  gtk_widget_set_visible (GTK_WIDGET (self->result_label), FALSE);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->result_label));
  adw_bin_set_child (ADW_BIN (self), box);
}
