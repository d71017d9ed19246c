/* pt-cli-helper.c: passthroughctl on this machine, through the root helper.
 *
 * Without --root, apply, revert, confirm, bind and unbind are not done by
 * passthroughctl itself but by passthrough-helper on the system bus, which
 * polkit lets act, through the one client call of src/dbus/pt-helper-client.h
 * (docs/dbus.md: no timeout, interactive authorization).  The helper's
 * Progress lines are printed while a call runs.  In a
 * terminal without a desktop session (SSH) a polkit text agent is registered
 * for this process, so the password is asked right here.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <unistd.h>

#define POLKIT_AGENT_I_KNOW_API_IS_SUBJECT_TO_CHANGE
#include <polkit/polkit.h>
#include <polkitagent/polkitagent.h>

#include "pt-cli.h"
#include "pt-error.h"
#include "pt-helper-client.h"

typedef struct
{
  PtCliContext *ctx;
  GMainLoop    *loop;
  GVariant     *reply;
  GError       *error;
} HelperCall;

/* Only where no desktop agent can be: no graphical session, or a remote
 * login.  A desktop agent, when there is one, asks in its own dialog. */
static gboolean
wants_text_agent (void)
{
  const char *force = g_getenv ("PASSTHROUGH_TEXT_AGENT");

  if (force != NULL)
    return g_str_equal (force, "1");
  if (!isatty (STDIN_FILENO))
    return FALSE;
  if (g_getenv ("SSH_CONNECTION") != NULL || g_getenv ("SSH_TTY") != NULL)
    return TRUE;
  return g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL;
}

/* Returns the registration handle, or NULL when no agent was registered
 * (then polkit asks through the session's agent, or refuses). */
static gpointer
register_text_agent (void)
{
  g_autoptr(PolkitAgentListener) listener = NULL;
  g_autoptr(PolkitSubject) subject = NULL;
  g_autoptr(GError) error = NULL;
  gpointer handle;

  if (!wants_text_agent ())
    return NULL;
  listener = polkit_agent_text_listener_new (NULL, &error);
  if (listener == NULL)
    {
      g_debug ("No text authentication agent: %s", error->message);
      return NULL;
    }
  subject = polkit_unix_process_new_for_owner (getpid (), 0, getuid ());
  handle = polkit_agent_listener_register (listener, POLKIT_AGENT_REGISTER_FLAGS_RUN_IN_THREAD,
                                           subject, NULL, NULL, &error);
  if (handle == NULL)
    g_debug ("Could not register a text authentication agent: %s", error->message);
  return handle;
}

static void
on_progress (PtDBusHelper1 *proxy,
             const char    *transaction,
             const char    *step,
             double         fraction,
             const char    *message,
             gpointer       user_data)
{
  HelperCall *call = user_data;

  if (message == NULL || *message == '\0')
    return;
  /* With --json, stdout is for the JSON alone. */
  if (call->ctx->json)
    g_printerr ("%s\n", message);
  else
    g_print ("  %s\n", message);
}

static void
on_call_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  HelperCall *call = user_data;

  call->reply = pt_helper_client_call_finish (PT_DBUS_HELPER1 (source), result, &call->error);
  g_main_loop_quit (call->loop);
}

static int
report_error (GError     *error,
              const char *what)
{
  if (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED))
    {
      g_printerr ("passthroughctl: %s\n",
                  _("Not authorized: the administrator password was refused or not given, "
                    "so nothing was changed."));
      g_printerr ("  %s\n", error->message);
      return 1;
    }
  if (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SPAWN_EXEC_FAILED) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SPAWN_CHILD_EXITED))
    {
      g_printerr ("passthroughctl: ");
      g_printerr (_("Passthrough’s root helper could not be reached to %s (%s). Is Passthrough "
                    "installed on this machine? To change a mounted system instead, use --root DIR.\n"),
                  what, error->message);
      return 1;
    }
  if (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_NO_REPLY) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CLOSED))
    {
      g_printerr ("passthroughctl: ");
      g_printerr (_("Passthrough’s root helper stopped before it answered (%s). Its next start "
                    "rolls back anything it left half done; run “passthroughctl status” to see "
                    "where things are.\n"), error->message);
      return 1;
    }
  return pt_cli_error (error);
}

/* Calls @method with @parameters (floating, consumed) and waits for it,
 * printing progress.  Returns the reply or NULL with *exit_code set. */
static GVariant *
call_helper (PtCliContext *ctx,
             const char   *method,
             GVariant     *parameters,
             const char   *what,
             int          *exit_code)
{
  g_autoptr(PtDBusHelper1) proxy = NULL;
  g_autoptr(GMainContext) main_context = g_main_context_new ();
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GError) error = NULL;
  HelperCall call = { ctx, NULL, NULL, NULL };
  gpointer agent = NULL;
  gulong progress_id;

  g_variant_ref_sink (parameters);

  g_main_context_push_thread_default (main_context);
  loop = g_main_loop_new (main_context, FALSE);
  call.loop = loop;

  proxy = pt_helper_client_new_sync (NULL, NULL, &error);
  if (proxy == NULL)
    {
      g_variant_unref (parameters);
      g_main_context_pop_thread_default (main_context);
      if (error->domain == G_DBUS_ERROR)
        *exit_code = report_error (error, what);
      else
        {
          /* No system bus at all (a container, a chroot): not the helper's fault. */
          g_printerr ("passthroughctl: ");
          g_printerr (_("The system bus cannot be reached (%s), so Passthrough’s root helper could not be reached to %s. "
                        "To change a mounted system instead, use --root DIR.\n"),
                      error->message, what);
          *exit_code = 1;
        }
      return NULL;
    }
  progress_id = g_signal_connect (proxy, "progress", G_CALLBACK (on_progress), &call);
  agent = register_text_agent ();

  pt_helper_client_call (proxy, method, parameters, NULL, on_call_done, &call);
  g_main_loop_run (loop);

  /* Progress signals sent before the reply are already queued: show them. */
  while (g_main_context_iteration (main_context, FALSE))
    ;
  g_signal_handler_disconnect (proxy, progress_id);
  if (agent != NULL)
    polkit_agent_listener_unregister (agent);
  /* The proxy's signal subscriptions are ended by its last unref, and GDBus
   * frees what each held from an idle in this context: let that run before
   * the context goes (LeakSanitizer saw two lost blocks a call otherwise). */
  g_clear_object (&proxy);
  while (g_main_context_iteration (main_context, FALSE))
    ;
  g_variant_unref (parameters);
  g_main_context_pop_thread_default (main_context);

  if (call.reply == NULL)
    {
      *exit_code = report_error (call.error, what);
      g_clear_error (&call.error);
      return NULL;
    }
  *exit_code = 0;
  return call.reply;
}

/* The helper answers Apply, Revert and Confirm with the status JSON. */
static int
print_status (PtCliContext *ctx,
              const char   *json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *root;
  JsonArray *devices;
  const char *state;

  if (ctx->json)
    {
      g_print ("%s\n", json);
      return 0;
    }
  if (!json_parser_load_from_data (parser, json, -1, &error) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_printerr ("passthroughctl: %s\n", _("The helper answered with something that is not a status."));
      return 1;
    }
  root = json_node_get_object (json_parser_get_root (parser));
  state = json_object_get_string_member_with_default (root, "state", "");
  if (g_str_equal (state, "not-applied"))
    g_print ("%s\n", _("Passthrough has no configuration on this machine."));
  else if (g_str_equal (state, "trial-armed"))
    g_print ("%s\n", _("A trial configuration is set up for the next boot only."));
  else
    g_print (_("Configuration: %s\n"), state);
  devices = json_object_has_member (root, "devices") &&
            JSON_NODE_HOLDS_ARRAY (json_object_get_member (root, "devices"))
            ? json_object_get_array_member (root, "devices") : NULL;
  for (guint i = 0; devices != NULL && i < json_array_get_length (devices); i++)
    {
      JsonObject *d = json_array_get_object_element (devices, i);
      const char *driver;

      if (d == NULL)
        continue;
      driver = json_object_get_string_member_with_default (d, "driver_now", NULL);
      g_print (_("  %s  for virtual machines; driver now: %s\n"),
               json_object_get_string_member_with_default (d, "address", "?"),
               driver ? driver : _("none"));
    }
  if (json_object_get_boolean_member_with_default (root, "pending_reboot", FALSE))
    g_print ("%s\n", _("Restart the computer to finish."));
  pt_cli_print_way_back (root);
  return 0;
}

int
pt_cli_helper_apply (PtCliContext       *ctx,
                     const char *const  *addresses,
                     GVariant           *options)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) owned_options = NULL;
  const char *json = NULL;
  int rc;

  owned_options = options ? g_variant_ref_sink (options) : g_variant_ref_sink (g_variant_new ("a{sv}", NULL));
  reply = call_helper (ctx, "Apply", g_variant_new ("(^as@a{sv})", addresses, owned_options),
                       _("apply the changes"), &rc);
  if (reply == NULL)
    return rc;
  g_variant_get (reply, "(&s)", &json);
  return print_status (ctx, json);
}

static int
call_without_arguments (PtCliContext *ctx,
                        const char   *method,
                        const char   *what)
{
  g_autoptr(GVariant) reply = NULL;
  const char *json = NULL;
  int rc;

  reply = call_helper (ctx, method, g_variant_new_parsed ("(@a{sv} {},)"), what, &rc);
  if (reply == NULL)
    return rc;
  g_variant_get (reply, "(&s)", &json);
  return print_status (ctx, json);
}

int
pt_cli_helper_revert (PtCliContext *ctx)
{
  return call_without_arguments (ctx, "Revert", _("undo the changes"));
}

int
pt_cli_helper_confirm (PtCliContext *ctx)
{
  return call_without_arguments (ctx, "Confirm", _("confirm the trial"));
}

int
pt_cli_helper_bind (PtCliContext *ctx,
                    const char   *address,
                    gboolean      bind)
{
  g_autoptr(GVariant) reply = NULL;
  int rc;

  reply = call_helper (ctx, bind ? "Bind" : "Unbind", g_variant_new ("(s)", address),
                       bind ? _("bind the device") : _("give the device back"), &rc);
  if (reply == NULL)
    return rc;
  if (ctx->json)
    g_print ("{\"address\":\"%s\",\"bound\":%s}\n", address, bind ? "true" : "false");
  else if (bind)
    g_print (_("%s and the other functions of its slot are now on vfio-pci, ready for a virtual machine.\n"),
             address);
  else
    g_print (_("%s and the other functions of its slot are back with their own drivers.\n"), address);
  return 0;
}
