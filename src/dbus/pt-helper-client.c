/* pt-helper-client.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "pt-error.h"
#include "pt-helper-client.h"

/* The helper's errors turn into PT_ERROR codes only once the domain is
 * registered in this process, and a message reads better without the
 * "GDBus.Error:name: " that GDBus puts in front. */
static GError *
tidy_error (GError *error)
{
  if (error != NULL)
    g_dbus_error_strip_remote_error (error);
  return error;
}

static PtDBusHelper1 *
new_proxy_sync (GDBusConnection  *connection,
                GDBusProxyFlags   flags,
                GCancellable     *cancellable,
                GError          **error)
{
  g_autoptr(GDBusConnection) bus = NULL;
  GError *local_error = NULL;
  PtDBusHelper1 *proxy;

  (void) pt_error_quark ();
  if (connection == NULL)
    {
      bus = g_bus_get_sync (G_BUS_TYPE_SYSTEM, cancellable, &local_error);
      if (bus == NULL)
        {
          g_propagate_error (error, tidy_error (local_error));
          return NULL;
        }
      connection = bus;
    }
  proxy = pt_dbus_helper1_proxy_new_sync (connection, flags | G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES,
                                          PT_DBUS_HELPER_BUS_NAME, PT_DBUS_HELPER_OBJECT_PATH,
                                          cancellable, &local_error);
  if (proxy == NULL)
    g_propagate_error (error, tidy_error (local_error));
  return proxy;
}

PtDBusHelper1 *
pt_helper_client_new_sync (GDBusConnection  *connection,
                           GCancellable     *cancellable,
                           GError          **error)
{
  return new_proxy_sync (connection, G_DBUS_PROXY_FLAGS_NONE, cancellable, error);
}

GVariant *
pt_helper_client_call_sync (PtDBusHelper1  *proxy,
                            const char     *method,
                            GVariant       *parameters,
                            GCancellable   *cancellable,
                            GError        **error)
{
  GError *local_error = NULL;
  GVariant *reply;

  g_return_val_if_fail (PT_DBUS_IS_HELPER1 (proxy), NULL);
  (void) pt_error_quark ();
  reply = g_dbus_proxy_call_sync (G_DBUS_PROXY (proxy), method, parameters,
                                  G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION, G_MAXINT,
                                  cancellable, &local_error);
  if (reply == NULL)
    g_propagate_error (error, tidy_error (local_error));
  return reply;
}

void
pt_helper_client_call (PtDBusHelper1       *proxy,
                       const char          *method,
                       GVariant            *parameters,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_return_if_fail (PT_DBUS_IS_HELPER1 (proxy));
  (void) pt_error_quark ();
  g_dbus_proxy_call (G_DBUS_PROXY (proxy), method, parameters,
                     G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION, G_MAXINT,
                     cancellable, callback, user_data);
}

GVariant *
pt_helper_client_call_finish (PtDBusHelper1  *proxy,
                              GAsyncResult   *result,
                              GError        **error)
{
  GError *local_error = NULL;
  GVariant *reply = g_dbus_proxy_call_finish (G_DBUS_PROXY (proxy), result, &local_error);

  if (reply == NULL)
    g_propagate_error (error, tidy_error (local_error));
  return reply;
}

/* ---- one call on a connection ------------------------------------------ */

typedef struct
{
  char     *method;
  GVariant *parameters;
} CallOn;

static void
call_on_free (CallOn *data)
{
  g_free (data->method);
  g_clear_pointer (&data->parameters, g_variant_unref);
  g_free (data);
}

static void
on_call_on_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  GVariant *reply = pt_helper_client_call_finish (PT_DBUS_HELPER1 (source), result, &error);

  if (reply == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, reply, (GDestroyNotify) g_variant_unref);
}

static void
on_call_on_proxy (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CallOn *data = g_task_get_task_data (task);
  /* Taken before the task is handed on: C leaves the order in which a
   * call's arguments are evaluated open. */
  GCancellable *cancellable = g_task_get_cancellable (task);
  GError *error = NULL;
  g_autoptr(PtDBusHelper1) proxy = pt_dbus_helper1_proxy_new_finish (result, &error);

  if (proxy == NULL)
    {
      g_task_return_error (task, tidy_error (error));
      return;
    }
  pt_helper_client_call (proxy, data->method, data->parameters, cancellable,
                         on_call_on_done, g_steal_pointer (&task));
}

void
pt_helper_client_call_on (GDBusConnection     *connection,
                          gboolean             start_helper,
                          const char          *method,
                          GVariant            *parameters,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  GTask *task;
  CallOn *data;

  g_return_if_fail (G_IS_DBUS_CONNECTION (connection));
  (void) pt_error_quark ();
  task = g_task_new (NULL, cancellable, callback, user_data);
  data = g_new0 (CallOn, 1);
  g_task_set_source_tag (task, pt_helper_client_call_on);
  data->method = g_strdup (method);
  data->parameters = parameters != NULL ? g_variant_ref_sink (parameters) : NULL;
  g_task_set_task_data (task, data, (GDestroyNotify) call_on_free);
  /* Without DO_NOT_AUTO_START, making the proxy asks the bus to start the
   * helper; with it, a call finds no owner of the name and fails. */
  pt_dbus_helper1_proxy_new (connection,
                             G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES | G_DBUS_PROXY_FLAGS_DO_NOT_CONNECT_SIGNALS |
                             (start_helper ? 0 : G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START),
                             PT_DBUS_HELPER_BUS_NAME, PT_DBUS_HELPER_OBJECT_PATH,
                             cancellable, on_call_on_proxy, task);
}

GVariant *
pt_helper_client_call_on_finish (GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
