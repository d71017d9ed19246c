/* test-helper-client.c: the one client call of src/dbus/pt-helper-client.c
 * against a stand-in helper on a private bus (GTestDBus): it asks for
 * interactive authorization, the helper's errors come back as PT_ERROR codes
 * with plain messages, a reply's JSON arrives, and a helper that is not
 * running is started for a call only when the caller says so.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gio/gio.h>

#include "pt-error.h"
#include "pt-helper-client.h"

typedef struct
{
  GTestDBus        *bus;
  GDBusConnection  *service;    /* the stand-in helper's connection */
  GDBusConnection  *client;
  PtDBusHelper1    *skeleton;
  GMainContext     *service_context;
  GMainLoop        *service_loop;
  GThread          *service_thread;
} Fixture;

static gboolean
asked_interactively (GDBusMethodInvocation *invocation)
{
  GDBusMessage *message = g_dbus_method_invocation_get_message (invocation);

  return (g_dbus_message_get_flags (message) & G_DBUS_MESSAGE_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION) != 0;
}

static gboolean
on_get_status (PtDBusHelper1         *skeleton,
               GDBusMethodInvocation *invocation,
               gpointer               user_data)
{
  pt_dbus_helper1_complete_get_status (skeleton, invocation,
                                       asked_interactively (invocation) ? "{\"state\":\"applied\"}"
                                                                        : "{\"state\":\"not asked\"}");
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
on_apply (PtDBusHelper1         *skeleton,
          GDBusMethodInvocation *invocation,
          const char *const     *addresses,
          GVariant              *options,
          gpointer               user_data)
{
  g_dbus_method_invocation_return_error (invocation, PT_ERROR, PT_ERROR_BUSY,
                                         "Another change is running (%s).", addresses[0]);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
on_bind (PtDBusHelper1         *skeleton,
         GDBusMethodInvocation *invocation,
         const char            *address,
         gpointer               user_data)
{
  g_dbus_method_invocation_return_dbus_error (invocation, "org.freedesktop.DBus.Error.AccessDenied",
                                              "Not authorized. Nothing was changed.");
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
request_name (GDBusConnection *connection)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_sync (connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                                           "org.freedesktop.DBus", "RequestName",
                                                           g_variant_new ("(su)", PT_DBUS_HELPER_BUS_NAME, 4u),
                                                           G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1,
                                                           NULL, &error);
  guint32 result = 0;

  g_assert_no_error (error);
  g_variant_get (reply, "(u)", &result);
  g_assert_cmpuint (result, ==, 1);   /* DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER */
}

static GDBusConnection *
connect_to (GTestDBus *bus)
{
  g_autoptr(GError) error = NULL;
  GDBusConnection *connection = g_dbus_connection_new_for_address_sync (
      g_test_dbus_get_bus_address (bus),
      G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
      NULL, NULL, &error);

  g_assert_no_error (error);
  return connection;
}

/* The stand-in helper serves from a thread of its own, as the real one
 * is a process of its own: the client's blocking calls wait in this one. */
static gpointer
serve (gpointer user_data)
{
  Fixture *f = user_data;

  g_main_context_push_thread_default (f->service_context);
  g_main_loop_run (f->service_loop);
  g_main_context_pop_thread_default (f->service_context);
  return NULL;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (f->bus);
  f->client = connect_to (f->bus);

  f->service_context = g_main_context_new ();
  f->service_loop = g_main_loop_new (f->service_context, FALSE);
  g_main_context_push_thread_default (f->service_context);
  f->service = connect_to (f->bus);
  f->skeleton = pt_dbus_helper1_skeleton_new ();
  g_signal_connect (f->skeleton, "handle-get-status", G_CALLBACK (on_get_status), NULL);
  g_signal_connect (f->skeleton, "handle-apply", G_CALLBACK (on_apply), NULL);
  g_signal_connect (f->skeleton, "handle-bind", G_CALLBACK (on_bind), NULL);
  g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (f->skeleton), f->service,
                                    PT_DBUS_HELPER_OBJECT_PATH, &error);
  g_assert_no_error (error);
  g_main_context_pop_thread_default (f->service_context);
  request_name (f->service);
  f->service_thread = g_thread_new ("stand-in helper", serve, f);
}

static gboolean
quit_loop (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  if (g_dbus_interface_skeleton_get_connection (G_DBUS_INTERFACE_SKELETON (f->skeleton)) != NULL)
    g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (f->skeleton));
  /* From inside the loop: a quit sent before the thread reached
   * g_main_loop_run() would be lost, and the join would wait forever. */
  g_main_context_invoke (f->service_context, quit_loop, f->service_loop);
  g_thread_join (f->service_thread);
  g_clear_pointer (&f->service_loop, g_main_loop_unref);
  g_clear_object (&f->skeleton);
  g_dbus_connection_close_sync (f->service, NULL, NULL);
  g_dbus_connection_close_sync (f->client, NULL, NULL);
  g_clear_object (&f->service);
  g_clear_object (&f->client);
  g_clear_pointer (&f->service_context, g_main_context_unref);
  g_test_dbus_down (f->bus);
  g_clear_object (&f->bus);
}

static void
test_sync_call (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtDBusHelper1) proxy = pt_helper_client_new_sync (f->client, NULL, &error);
  g_autoptr(GVariant) reply = NULL;
  const char *json = NULL;

  g_assert_no_error (error);
  reply = pt_helper_client_call_sync (proxy, "GetStatus", NULL, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(&s)", &json);
  /* "applied" only when the call allowed interactive authorization */
  g_assert_cmpstr (json, ==, "{\"state\":\"applied\"}");
}

static void
test_errors_in_the_domain (Fixture       *f,
                           gconstpointer  data)
{
  static const char *const addresses[] = { "0000:01:00.0", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(PtDBusHelper1) proxy = pt_helper_client_new_sync (f->client, NULL, &error);
  g_autoptr(GVariant) reply = NULL;

  g_assert_no_error (error);
  reply = pt_helper_client_call_sync (proxy, "Apply", g_variant_new ("(^as@a{sv})", addresses,
                                                                     g_variant_new ("a{sv}", NULL)),
                                      NULL, &error);
  g_assert_null (reply);
  g_assert_error (error, PT_ERROR, PT_ERROR_BUSY);
  g_assert_cmpstr (error->message, ==, "Another change is running (0000:01:00.0).");
  g_clear_error (&error);

  reply = pt_helper_client_call_sync (proxy, "Bind", g_variant_new ("(s)", "0000:01:00.0"), NULL, &error);
  g_assert_null (reply);
  g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED);
  g_assert_cmpstr (error->message, ==, "Not authorized. Nothing was changed.");
}

static void
on_async_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  GAsyncResult **out = user_data;

  g_assert_null (source);
  *out = g_object_ref (result);
}

static GVariant *
call_on (Fixture     *f,
         gboolean     start_helper,
         const char  *method,
         GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  pt_helper_client_call_on (f->client, start_helper, method, NULL, NULL, on_async_done, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return pt_helper_client_call_on_finish (result, error);
}

static void
test_call_on_a_connection (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = call_on (f, TRUE, "GetStatus", &error);
  g_autoptr(GVariant) running = NULL;
  const char *json = NULL;

  g_assert_no_error (error);
  g_variant_get (reply, "(&s)", &json);
  g_assert_cmpstr (json, ==, "{\"state\":\"applied\"}");

  /* A running helper answers whether or not it may be started. */
  running = call_on (f, FALSE, "GetStatus", &error);
  g_assert_no_error (error);
}

static void
test_not_started_unless_asked (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;

  /* The stand-in leaves the bus; nothing can activate it. */
  g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (f->skeleton));
  g_dbus_connection_close_sync (f->service, NULL, NULL);

  reply = call_on (f, FALSE, "GetStatus", &error);
  g_assert_null (reply);
  g_assert_nonnull (error);
  g_clear_error (&error);

  /* Asked to start it, the bus says it knows no such service. */
  reply = call_on (f, TRUE, "GetStatus", &error);
  g_assert_null (reply);
  g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/helper-client/sync-call", Fixture, NULL, fixture_set_up, test_sync_call, fixture_tear_down);
  g_test_add ("/helper-client/errors-in-the-domain", Fixture, NULL, fixture_set_up, test_errors_in_the_domain,
              fixture_tear_down);
  g_test_add ("/helper-client/call-on-a-connection", Fixture, NULL, fixture_set_up, test_call_on_a_connection,
              fixture_tear_down);
  g_test_add ("/helper-client/not-started-unless-asked", Fixture, NULL, fixture_set_up,
              test_not_started_unless_asked, fixture_tear_down);
  return g_test_run ();
}
