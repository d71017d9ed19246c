/* pt-helper-client.h: the one way the CLI, the app and the notifier call
 * passthrough-helper (docs/dbus.md, "Calling the helper").
 *
 * Every call is g_dbus_proxy_call() on the generated PtDBusHelper1 proxy
 * with G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION and no timeout: a
 * password prompt, then an initramfs rebuild, can take minutes, and GLib
 * 2.74's generated pt_dbus_helper1_call_*() would pass no flags and give up
 * after 25 s.  Errors come back in the registered PT_ERROR domain (or
 * G_DBUS_ERROR) with the remote name stripped from the message: match them
 * with g_error_matches().
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "pt-dbus-helper1.h"
#include "pt-dbus-names.h"

G_BEGIN_DECLS

/* The helper's proxy on @connection (NULL: the system bus).  Its
 * properties are not loaded (the bus policy closes GetAll); its Progress
 * signal is connected. */
PtDBusHelper1 *pt_helper_client_new_sync      (GDBusConnection      *connection,
                                               GCancellable         *cancellable,
                                               GError              **error);

/* Calls @method with @parameters (floating references are sunk) and waits. */
GVariant      *pt_helper_client_call_sync     (PtDBusHelper1        *proxy,
                                               const char           *method,
                                               GVariant             *parameters,
                                               GCancellable         *cancellable,
                                               GError              **error);

void           pt_helper_client_call          (PtDBusHelper1        *proxy,
                                               const char           *method,
                                               GVariant             *parameters,
                                               GCancellable         *cancellable,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);
GVariant      *pt_helper_client_call_finish   (PtDBusHelper1        *proxy,
                                               GAsyncResult         *result,
                                               GError              **error);

/* For a caller that holds a connection and no proxy (the app's pages): a
 * proxy is made on @connection, without signals, then the call as above.
 * @start_helper FALSE: a helper that is not running is not started for
 * this call, which then fails.  The callback's source object is NULL. */
void           pt_helper_client_call_on       (GDBusConnection      *connection,
                                               gboolean              start_helper,
                                               const char           *method,
                                               GVariant             *parameters,
                                               GCancellable         *cancellable,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);
GVariant      *pt_helper_client_call_on_finish (GAsyncResult        *result,
                                                GError             **error);

G_END_DECLS
