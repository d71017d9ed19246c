/* passthrough-notifier: started at login (/etc/xdg/autostart), tells the
 * person when a trial waits for confirmation, when it fell back, or when a
 * configured device did not bind, with a desktop notification whose
 * default action opens the app; otherwise exits at once with 0.
 *
 * The status comes from the core with the real root (it needs no root);
 * where the state directory is not readable (var/lib/passthrough is 0700),
 * from the helper's GetStatus on the system bus.  The notification goes
 * straight to org.freedesktop.Notifications on the session bus.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gio/gdesktopappinfo.h>
#include <glib/gi18n.h>
#include <locale.h>

#include "pt-error.h"
#include "pt-helper-client.h"
#include "pt-notice.h"
#include "pt-status.h"

#define NOTIFICATIONS_NAME "org.freedesktop.Notifications"
#define NOTIFICATIONS_PATH "/org/freedesktop/Notifications"

typedef struct
{
  GMainLoop *loop;
  guint32    id;
} Waiting;

static char *
status_from_helper (GError **error)
{
  g_autoptr(PtDBusHelper1) helper = pt_helper_client_new_sync (NULL, NULL, error);
  g_autoptr(GVariant) reply = NULL;
  char *json = NULL;

  if (helper == NULL)
    return NULL;
  reply = pt_helper_client_call_sync (helper, "GetStatus", NULL, NULL, error);
  if (reply == NULL)
    return NULL;
  /* The generated proxy checks the reply against the interface: (s). */
  g_variant_get (reply, "(s)", &json);
  return json;
}

static char *
read_status (PtPaths     *paths,
             PtTopology  *topology,
             GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GError) helper_error = NULL;
  char *json = pt_status_to_json (paths, topology, FALSE, &local_error);

  if (json != NULL)
    return json;
  /* The state file is root's: the helper reads it for us. */
  json = status_from_helper (&helper_error);
  if (json == NULL)
    g_set_error (error, PT_ERROR, PT_ERROR_FAILED,
                 _("Cannot read the Passthrough status (%s), and the helper did not answer (%s)."),
                 local_error->message, helper_error->message);
  return json;
}

static gboolean
server_has_actions (GDBusConnection *session)
{
  g_autoptr(GVariant) reply = g_dbus_connection_call_sync (session, NOTIFICATIONS_NAME, NOTIFICATIONS_PATH,
                                                           NOTIFICATIONS_NAME, "GetCapabilities", NULL,
                                                           G_VARIANT_TYPE ("(as)"), G_DBUS_CALL_FLAGS_NONE,
                                                           10 * 1000, NULL, NULL);
  g_autofree const char **caps = NULL;

  if (reply == NULL)
    return FALSE;
  g_variant_get (reply, "(^a&s)", &caps);
  return caps != NULL && g_strv_contains (caps, "actions");
}

static void
open_app (void)
{
  g_autofree char *desktop_id = g_strconcat (APP_ID, ".desktop", NULL);
  g_autoptr(GDesktopAppInfo) info = g_desktop_app_info_new (desktop_id);
  g_autoptr(GError) error = NULL;

  if (info != NULL && g_app_info_launch (G_APP_INFO (info), NULL, NULL, &error))
    return;
  if (error != NULL)
    g_printerr (_("Cannot open Passthrough: %s\n"), error->message);
  else
    g_printerr (_("Cannot open Passthrough: %s is not installed.\n"), desktop_id);
}

static void
on_notification_signal (GDBusConnection *connection,
                        const char      *sender,
                        const char      *path,
                        const char      *iface,
                        const char      *signal,
                        GVariant        *parameters,
                        gpointer         user_data)
{
  Waiting *w = user_data;
  guint32 id = 0;

  if (g_str_equal (signal, "ActionInvoked") && g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(us)")))
    {
      const char *action = NULL;
      g_variant_get (parameters, "(u&s)", &id, &action);
      if (id != w->id)
        return;
      if (g_str_equal (action, "default") || g_str_equal (action, "open"))
        open_app ();
      g_main_loop_quit (w->loop);
    }
  else if (g_str_equal (signal, "NotificationClosed") && g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(uu)")))
    {
      g_variant_get (parameters, "(uu)", &id, NULL);
      if (id == w->id)
        g_main_loop_quit (w->loop);
    }
}

/* Sends the notice; with a server that shows actions, waits until the
 * person opens the app from it or it is closed. */
static gboolean
notify (PtNotice  *notice,
        GError   **error)
{
  g_autoptr(GDBusConnection) session = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, error);
  g_autoptr(GVariant) reply = NULL;
  GVariantBuilder actions, hints;
  gboolean with_actions;
  Waiting w = { 0 };
  guint sub;

  if (session == NULL)
    return FALSE;
  with_actions = server_has_actions (session);
  g_variant_builder_init (&actions, G_VARIANT_TYPE ("as"));
  if (with_actions)
    {
      g_variant_builder_add (&actions, "s", "default");
      g_variant_builder_add (&actions, "s", _("Open Passthrough"));
    }
  g_variant_builder_init (&hints, G_VARIANT_TYPE ("a{sv}"));
  g_variant_builder_add (&hints, "{sv}", "desktop-entry", g_variant_new_string (APP_ID));
  g_variant_builder_add (&hints, "{sv}", "x-passthrough-code", g_variant_new_string (notice->code));
  g_variant_builder_add (&hints, "{sv}", "urgency",
                         g_variant_new_byte (g_str_equal (notice->code, "trial-booted") ? 1 : 2));

  /* Subscribed before Notify, so that no answer can come first. */
  w.loop = g_main_loop_new (NULL, FALSE);
  sub = g_dbus_connection_signal_subscribe (session, NULL, NOTIFICATIONS_NAME, NULL, NOTIFICATIONS_PATH, NULL,
                                            G_DBUS_SIGNAL_FLAGS_NONE, on_notification_signal, &w, NULL);
  reply = g_dbus_connection_call_sync (session, NOTIFICATIONS_NAME, NOTIFICATIONS_PATH, NOTIFICATIONS_NAME, "Notify",
                                       g_variant_new ("(susssasa{sv}i)", _("Passthrough"), (guint32) 0, APP_ID,
                                                      notice->summary, notice->body, &actions, &hints,
                                                      (gint32) 0 /* stays until dismissed */),
                                       G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, 30 * 1000, NULL, error);
  if (reply != NULL)
    {
      g_variant_get (reply, "(u)", &w.id);
      if (with_actions)
        g_main_loop_run (w.loop);
    }
  g_dbus_connection_signal_unsubscribe (session, sub);
  g_main_loop_unref (w.loop);
  return reply != NULL;
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *root = NULL;
  g_autofree char *snapshot = NULL;
  const GOptionEntry entries[] = {
    { "root", 0, 0, G_OPTION_ARG_FILENAME, &root, N_("Read the system in DIR instead of /"), N_("DIR") },
    { "snapshot", 0, 0, G_OPTION_ARG_FILENAME, &snapshot, N_("Take the devices from a snapshot FILE"), N_("FILE") },
    { NULL }
  };
  g_autoptr(GOptionContext) options = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PtPaths) paths = NULL;
  g_autoptr(PtTopology) topology = NULL;
  g_autoptr(PtNotice) notice = NULL;
  g_autofree char *json = NULL;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  options = g_option_context_new (NULL);
  g_option_context_set_summary (options, _("Tells you at login when a passthrough trial waits for you, fell back, or a device did not bind."));
  g_option_context_add_main_entries (options, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (options, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (argc > 1)
    {
      g_printerr (_("passthrough-notifier takes no arguments, only --root DIR and --snapshot FILE.\n"));
      return 2;
    }

  paths = pt_paths_new (root ? root : "/");
  /* The devices only name and check what was configured: a machine whose
   * sysfs cannot be read still gets its state told. */
  topology = snapshot ? pt_topology_new_from_snapshot (snapshot, NULL) : pt_topology_new_from_sysfs (paths, NULL);
  json = read_status (paths, topology, &error);
  if (json == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  notice = pt_notice_from_status (json, topology, &error);
  if (notice == NULL && error != NULL)
    {
      g_printerr (_("The Passthrough status cannot be read: %s\n"), error->message);
      return 1;
    }
  if (notice == NULL)
    return 0;
  if (!notify (notice, &error))
    {
      g_printerr (_("Cannot show the notification (%s): %s %s\n"), error->message, notice->summary, notice->body);
      return 1;
    }
  return 0;
}
