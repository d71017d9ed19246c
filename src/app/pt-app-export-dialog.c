/* pt-app-export-dialog.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "pt-app-export-dialog.h"
#include "pt-app-vm-export.h"
#include "pt-describe.h"

struct _PtAppExportDialog
{
  AdwWindow        parent_instance;
  AdwToastOverlay *toast_overlay;
  GtkLabel        *devices_label;
  GtkLabel        *libvirt_text;
  GtkLabel        *qemu_text;
  GtkLabel        *proxmox_text;
};

G_DEFINE_FINAL_TYPE (PtAppExportDialog, pt_app_export_dialog, ADW_TYPE_WINDOW)

static void
copy_text (PtAppExportDialog *self,
           GtkLabel          *label,
           const char        *what)
{
  g_autofree char *msg = g_strdup_printf (_("Copied the %s."), what);

  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), gtk_label_get_label (label));
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (msg));
}

static void
on_copy_libvirt (PtAppExportDialog *self)
{
  copy_text (self, self->libvirt_text, _("libvirt XML"));
}

static void
on_copy_qemu (PtAppExportDialog *self)
{
  copy_text (self, self->qemu_text, _("QEMU arguments"));
}

static void
on_copy_proxmox (PtAppExportDialog *self)
{
  copy_text (self, self->proxmox_text, _("Proxmox lines"));
}

static void
pt_app_export_dialog_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), PT_APP_TYPE_EXPORT_DIALOG);
  G_OBJECT_CLASS (pt_app_export_dialog_parent_class)->dispose (object);
}

static void
pt_app_export_dialog_class_init (PtAppExportDialogClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = pt_app_export_dialog_dispose;
  gtk_widget_class_set_template_from_resource (widget_class, "/com/example/Passthrough/ui/pt-app-export-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, PtAppExportDialog, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, PtAppExportDialog, devices_label);
  gtk_widget_class_bind_template_child (widget_class, PtAppExportDialog, libvirt_text);
  gtk_widget_class_bind_template_child (widget_class, PtAppExportDialog, qemu_text);
  gtk_widget_class_bind_template_child (widget_class, PtAppExportDialog, proxmox_text);
  gtk_widget_class_bind_template_callback (widget_class, on_copy_libvirt);
  gtk_widget_class_bind_template_callback (widget_class, on_copy_qemu);
  gtk_widget_class_bind_template_callback (widget_class, on_copy_proxmox);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
pt_app_export_dialog_init (PtAppExportDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

PtAppExportDialog *
pt_app_export_dialog_new (GtkWindow         *parent,
                          PtTopology        *topology,
                          const char *const *addresses)
{
  PtAppExportDialog *self = g_object_new (PT_APP_TYPE_EXPORT_DIALOG,
                                          "transient-for", parent,
                                          "modal", TRUE,
                                          NULL);
  g_autofree char *libvirt = pt_app_vm_export_libvirt (topology, addresses);
  g_autofree char *qemu = pt_app_vm_export_qemu (topology, addresses);
  g_autofree char *proxmox = pt_app_vm_export_proxmox (topology, addresses);
  g_autoptr(GPtrArray) refs = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *joined = NULL;
  g_autofree char *sentence = NULL;

  for (guint i = 0; addresses[i] != NULL; i++)
    g_ptr_array_add (refs, pt_describe_device_ref (topology, addresses[i]));
  joined = pt_describe_join (refs);
  sentence = g_strdup_printf (_("For %s. The devices must be on vfio-pci on the host (after Apply and a restart) before the virtual machine starts."),
                              joined);
  gtk_label_set_label (self->devices_label, sentence);
  gtk_label_set_label (self->libvirt_text, g_strchomp (libvirt));
  gtk_label_set_label (self->qemu_text, g_strchomp (qemu));
  gtk_label_set_label (self->proxmox_text, g_strchomp (proxmox));
  return self;
}
