/* pt-helper.c: the root helper's D-Bus service.
 *
 * Every call goes through on_authorize_method() first, in a worker thread
 * (the skeleton handles invocations in threads, so a password prompt or an
 * initramfs rebuild never blocks the bus): the arguments are validated
 * (pt-helper-validate.c), then the bouncer asks polkit (pt-helper-bouncer.c).
 * Only then does a handle_*() run, which rescans the machine itself and does
 * the work with the core.  One transaction at a time; it runs to its end even
 * when its caller goes away.  The service exits when idle.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib-unix.h>
#include <signal.h>
#include <string.h>

#include "pt-dbus-helper1.h"
#include "pt-dbus-names.h"
#include "pt-error.h"
#include "pt-helper.h"
#include "pt-helper-bind.h"
#include "pt-helper-reader.h"
#include "pt-helper-bouncer.h"
#include "pt-helper-select-ids.h"
#include "pt-helper-validate.h"
#include "pt-readiness.h"
#include "pt-plan.h"
#include "pt-status.h"
#include "pt-transaction.h"

struct _PtHelper
{
  GObject           parent_instance;

  PtPaths          *paths;
  PtHelperBouncer  *bouncer;
  PtDBusHelper1    *skeleton;
  GMainLoop        *loop;
  guint             owner_id;
  guint             idle_source;
  guint             idle_timeout;      /* seconds */
  guint             sigterm_source;
  guint             sigint_source;
  gboolean          stop_requested;    /* SIGTERM/SIGINT: exit once nothing runs */
  int               exit_status;

  /* Calls between their authorization and their reply, and when the last
   * one ended: the helper only exits when both say it is idle. */
  GMutex            state_lock;
  guint             in_flight;
  gint64            last_activity;

  /* Held for the whole of Apply, Revert, Confirm, Bind and Unbind. */
  GMutex            transaction_lock;
  gboolean          transaction_running;   /* under state_lock, for the early Busy */
  char             *recovery_error;        /* set when start-up recovery failed */

  /* The start-up recovery runs in its own thread once the name is owned
   * (pt_helper_run): until it ends, transactions and Preview are Busy and
   * GetStatus says "applying".  Under state_lock. */
  gboolean          recovering;
  GThread          *recovery_thread;
};

G_DEFINE_FINAL_TYPE (PtHelper, pt_helper, G_TYPE_OBJECT)

/* What on_authorize_method() checked, for the handler that runs next. */
typedef struct
{
  GStrv           addresses;   /* Preview, Apply: the selection; Bind, Unbind: the slot */
  PtPlanOptions  *options;
} PtHelperCall;

#define CALL_KEY "pt-helper-call"

static void
pt_helper_call_free (PtHelperCall *call)
{
  g_strfreev (call->addresses);
  g_clear_pointer (&call->options, pt_helper_options_free);
  g_free (call);
}

/* ---- bookkeeping ------------------------------------------------------- */

static void
call_enter (PtHelper *self)
{
  g_mutex_lock (&self->state_lock);
  self->in_flight++;
  self->last_activity = g_get_monotonic_time ();
  g_mutex_unlock (&self->state_lock);
}

static void
call_leave (PtHelper *self)
{
  g_mutex_lock (&self->state_lock);
  g_assert (self->in_flight > 0);
  self->in_flight--;
  self->last_activity = g_get_monotonic_time ();
  g_mutex_unlock (&self->state_lock);
}

/* The D-Bus errors callers see are docs/dbus.md's: AccessDenied from the
 * bouncer, com.example.Passthrough.Error.* for the rest.  Anything else (an
 * I/O error deep in the core) becomes Failed with its sentence. */
static void
return_error (PtHelper              *self,
              GDBusMethodInvocation *invocation,
              const GError          *error)
{
  if (error->domain == G_DBUS_ERROR ||
      (error->domain == PT_ERROR && error->code != PT_ERROR_NOT_FOUND && error->code != PT_ERROR_PARSE))
    g_dbus_method_invocation_return_gerror (invocation, error);
  else
    g_dbus_method_invocation_return_error_literal (invocation, PT_ERROR, PT_ERROR_FAILED, error->message);
  call_leave (self);
}

static void
return_string (PtHelper              *self,
               GDBusMethodInvocation *invocation,
               const char            *value)
{
  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(s)", value));
  call_leave (self);
}

static void
return_nothing (PtHelper              *self,
                GDBusMethodInvocation *invocation)
{
  g_dbus_method_invocation_return_value (invocation, NULL);
  call_leave (self);
}

static gboolean
is_transaction (const char *method)
{
  static const char *const methods[] = { "Apply", "Revert", "Confirm", "Bind", "Unbind", NULL };
  return g_strv_contains (methods, method);
}

static gboolean
begin_transaction (PtHelper  *self,
                   GError   **error)
{
  if (!g_mutex_trylock (&self->transaction_lock))
    {
      g_set_error_literal (error, PT_ERROR, PT_ERROR_BUSY,
                           "Another change is being made right now; try again when it has finished.");
      return FALSE;
    }
  /* A roll-back that could not finish at start (a full disk) is tried
   * again first: once there is space, the Revert it asked for completes
   * it (docs/faults.md). */
  if (self->recovery_error != NULL)
    {
      g_autoptr(GError) again = NULL;
      if (pt_transaction_recover (self->paths, &again))
        g_clear_pointer (&self->recovery_error, g_free);
      else
        {
          g_free (self->recovery_error);
          self->recovery_error = g_strdup (again->message);
        }
    }
  if (self->recovery_error != NULL)
    {
      g_mutex_unlock (&self->transaction_lock);
      g_set_error (error, PT_ERROR, PT_ERROR_FAILED,
                   "The helper could not roll back an unfinished transaction yet (%s); "
                   "nothing more is changed until that is done.", self->recovery_error);
      return FALSE;
    }
  g_mutex_lock (&self->state_lock);
  self->transaction_running = TRUE;
  g_mutex_unlock (&self->state_lock);
  return TRUE;
}

static void
end_transaction (PtHelper *self)
{
  g_mutex_lock (&self->state_lock);
  self->transaction_running = FALSE;
  g_mutex_unlock (&self->state_lock);
  g_mutex_unlock (&self->transaction_lock);
}

typedef struct
{
  PtHelper   *self;
  const char *transaction;
} ProgressContext;

/* Regeneration output is whatever the tools print: make it valid UTF-8
 * before it becomes a D-Bus string. */
static void
on_progress (const char *step,
             double      fraction,
             const char *message,
             gpointer    user_data)
{
  ProgressContext *ctx = user_data;
  g_autofree char *valid_step = g_utf8_make_valid (step ? step : "", -1);
  g_autofree char *valid_message = g_utf8_make_valid (message ? message : "", -1);

  pt_dbus_helper1_emit_progress (ctx->self->skeleton, ctx->transaction, valid_step,
                                 CLAMP (fraction, 0.0, 1.0), valid_message);
}

/* ---- the door: validation, then polkit --------------------------------- */

static PtHelperCall *
prepare_call (PtHelper    *self,
              const char  *method,
              GVariant    *parameters,
              PolkitDetails *details,
              GError     **error)
{
  g_autoptr(PtTopology) topology = NULL;
  PtHelperCall *call = g_new0 (PtHelperCall, 1);
  g_autoptr(GVariant) first = NULL;
  g_autoptr(GVariant) second = NULL;

  if (g_variant_n_children (parameters) > 0)
    first = g_variant_get_child_value (parameters, 0);
  if (g_variant_n_children (parameters) > 1)
    second = g_variant_get_child_value (parameters, 1);

  if (g_str_equal (method, "Preview") || g_str_equal (method, "Apply"))
    {
      g_autoptr(GVariant) rest = NULL;
      g_auto(GStrv) ids = NULL;

      /* "select-ids" is the selection, not a plan option: it becomes
       * addresses here, on this scan (docs/select-ids.md). */
      if (!pt_helper_take_select_ids (second, &rest, &ids, error))
        goto fail;
      call->options = pt_helper_check_options (rest, error);
      if (call->options == NULL)
        goto fail;
      topology = pt_topology_new_from_sysfs (self->paths, error);
      if (topology == NULL)
        goto fail;
      /* --iommu-only binds nothing: its selection is empty (the plan refuses any other) */
      if (call->options->iommu_only && first != NULL && ids == NULL &&
          g_variant_is_of_type (first, G_VARIANT_TYPE_STRING_ARRAY) && g_variant_n_children (first) == 0)
        call->addresses = g_new0 (char *, 1);
      else
        call->addresses = pt_helper_check_selection (first, (const char *const *) ids, topology, error);
      if (call->addresses == NULL)
        goto fail;
    }
  else if (g_str_equal (method, "Revert") || g_str_equal (method, "Confirm"))
    {
      if (!pt_helper_check_no_options (first, method, error))
        goto fail;
    }
  else if (g_str_equal (method, "Bind") || g_str_equal (method, "Unbind"))
    {
      const char *address = g_variant_get_string (first, NULL);

      topology = pt_topology_new_from_sysfs (self->paths, error);
      if (topology == NULL || !pt_helper_check_address (address, topology, error))
        goto fail;
      call->addresses = pt_helper_bind_dup_devices (topology, address);
      /* Refuse before anyone is asked for a password; checked again once
       * the transaction holds the lock. */
      if (g_str_equal (method, "Bind") &&
          !pt_helper_bind_check (self->paths, topology, (const char *const *) call->addresses, error))
        goto fail;
    }

  if (details != NULL && call->addresses != NULL)
    {
      g_autofree char *devices = g_strjoinv (",", call->addresses);
      g_autofree char *ids = pt_helper_describe_ids (topology, (const char *const *) call->addresses);
      polkit_details_insert (details, "devices", devices);
      polkit_details_insert (details, "ids", ids);
    }
  return call;

fail:
  pt_helper_call_free (call);
  return NULL;
}

static gboolean
on_authorize_method (GDBusInterfaceSkeleton *skeleton,
                     GDBusMethodInvocation  *invocation,
                     gpointer                user_data)
{
  PtHelper *self = PT_HELPER (user_data);
  const char *method = g_dbus_method_invocation_get_method_name (invocation);
  GVariant *parameters = g_dbus_method_invocation_get_parameters (invocation);
  g_autoptr(PolkitDetails) details = polkit_details_new ();
  g_autoptr(GError) error = NULL;
  const char *action = NULL;
  gboolean busy, recovering;
  PtHelperCall *call;

  call_enter (self);

  if (!pt_helper_bouncer_lookup (method, &action))
    {
      g_set_error (&error, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED,
                   "The helper does not allow the method “%s”.", method);
      return_error (self, invocation, error);
      return FALSE;
    }

  call = prepare_call (self, method, parameters, details, &error);
  if (call == NULL)
    {
      return_error (self, invocation, error);
      return FALSE;
    }

  /* A plan or a change over files the start-up recovery is still putting
   * back would be built on text that is about to change. */
  g_mutex_lock (&self->state_lock);
  recovering = self->recovering;
  g_mutex_unlock (&self->state_lock);
  if (recovering && (is_transaction (method) || g_str_equal (method, "Preview")))
    {
      pt_helper_call_free (call);
      g_set_error_literal (&error, PT_ERROR, PT_ERROR_BUSY,
                           "The helper is still undoing a change that was cut off before it finished; "
                           "try again when it has finished (the status says “applying” until then).");
      return_error (self, invocation, error);
      return FALSE;
    }

  /* Spare the caller a password prompt that could only end in Busy. */
  g_mutex_lock (&self->state_lock);
  busy = self->transaction_running;
  g_mutex_unlock (&self->state_lock);
  if (busy && is_transaction (method))
    {
      pt_helper_call_free (call);
      g_set_error_literal (&error, PT_ERROR, PT_ERROR_BUSY,
                           "Another change is being made right now; try again when it has finished.");
      return_error (self, invocation, error);
      return FALSE;
    }

  if (!pt_helper_bouncer_check (self->bouncer, invocation, details, &error))
    {
      g_message ("%s from %s refused: %s", method,
                 g_dbus_method_invocation_get_sender (invocation), error->message);
      pt_helper_call_free (call);
      return_error (self, invocation, error);
      return FALSE;
    }

  g_object_set_data_full (G_OBJECT (invocation), CALL_KEY, call,
                          (GDestroyNotify) pt_helper_call_free);
  return TRUE;
}

G_GNUC_UNUSED static PtHelperCall *
get_call (GDBusMethodInvocation *invocation)
{
  return g_object_get_data (G_OBJECT (invocation), CALL_KEY);
}

/* ---- read-only methods ------------------------------------------------- */

static gboolean
handle_get_topology (PtDBusHelper1         *skeleton,
                     GDBusMethodInvocation *invocation,
                     PtHelper              *self)
{
  g_autoptr(PtTopology) topology = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;

  topology = pt_topology_new_from_sysfs (self->paths, &error);
  if (topology == NULL)
    {
      return_error (self, invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  json = pt_topology_to_json (topology, FALSE);
  return_string (self, invocation, json);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_get_readiness (PtDBusHelper1         *skeleton,
                      GDBusMethodInvocation *invocation,
                      PtHelper              *self)
{
  g_autoptr(PtTopology) topology = NULL;
  g_autoptr(GPtrArray) checks = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;

  topology = pt_topology_new_from_sysfs (self->paths, &error);
  if (topology == NULL)
    {
      return_error (self, invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  checks = pt_readiness_run (self->paths, topology);
  json = pt_readiness_to_json (checks, FALSE);
  return_string (self, invocation, json);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}


/* The status from @topology, or from a fresh scan without one.  After Apply
 * the scan its plan was made from serves: files in /etc and /boot changed,
 * not the devices and drivers the status reads. */
static char *
dup_status (PtHelper    *self,
            PtTopology  *topology,
            GError     **error)
{
  g_autoptr(PtTopology) scanned = NULL;

  if (topology == NULL)
    topology = scanned = pt_topology_new_from_sysfs (self->paths, error);
  if (topology == NULL)
    return NULL;
  return pt_status_to_json (self->paths, topology, FALSE, error);
}

static gboolean
handle_get_status (PtDBusHelper1         *skeleton,
                   GDBusMethodInvocation *invocation,
                   PtHelper              *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *json = dup_status (self, NULL, &error);

  if (json == NULL)
    return_error (self, invocation, error);
  else
    return_string (self, invocation, json);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* The plan for the call's selection, from a fresh scan: the machine may have
 * changed while the caller typed a password.  The scan goes to
 * @out_topology when the caller wants it. */
static PtPlan *
build_plan (PtHelper      *self,
            PtHelperCall  *call,
            PtTopology   **out_topology,
            GError       **error)
{
  g_autoptr(PtTopology) topology = pt_topology_new_from_sysfs (self->paths, error);
  PtPlan *plan;

  if (topology == NULL)
    return NULL;
  for (guint i = 0; call->addresses[i] != NULL; i++)
    if (!pt_helper_check_address (call->addresses[i], topology, error))
      return NULL;
  plan = pt_plan_new_for_selection (self->paths, topology,
                                    (const char *const *) call->addresses,
                                    call->options, error);
  if (plan != NULL && out_topology != NULL)
    *out_topology = g_steal_pointer (&topology);
  return plan;
}

static gboolean
handle_preview (PtDBusHelper1         *skeleton,
                GDBusMethodInvocation *invocation,
                const char *const     *addresses,
                GVariant              *options,
                PtHelper              *self)
{
  g_autoptr(PtPlan) plan = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;
  g_autoptr(PtHelperReader) reader = NULL;

  plan = build_plan (self, get_call (invocation), NULL, &error);
  if (plan == NULL)
    {
      return_error (self, invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  /* Lines of files the caller could not read itself stay out. */
  reader = pt_helper_reader_new_for_sender (self->paths, g_dbus_method_invocation_get_connection (invocation),
                                            g_dbus_method_invocation_get_sender (invocation));
  json = pt_plan_to_json_for_reader (plan, FALSE, pt_helper_reader_can_read, reader);
  return_string (self, invocation, json);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
run_apply (PtHelper               *self,
           GDBusMethodInvocation  *invocation,
           PtHelperCall           *call,
           const char             *transaction,
           PtTopology            **out_topology,
           GError                **error)
{
  ProgressContext ctx = { self, transaction };
  g_autoptr(PtPlan) plan = build_plan (self, call, out_topology, error);

  if (plan == NULL)
    return FALSE;
  if (call->options->plan_digest != NULL)
    {
      g_autofree char *digest = pt_plan_dup_digest (plan);
      g_autofree char *seen = NULL;
      /* What this caller's Preview showed (lines it cannot read withheld)
       * is the same plan as the whole one. */
      if (!g_str_equal (digest, call->options->plan_digest))
        {
          g_autoptr(PtHelperReader) reader =
            pt_helper_reader_new_for_sender (self->paths, g_dbus_method_invocation_get_connection (invocation),
                                             g_dbus_method_invocation_get_sender (invocation));
          seen = pt_plan_dup_digest_for_reader (plan, pt_helper_reader_can_read, reader);
        }
      if (!g_str_equal (digest, call->options->plan_digest) &&
          g_strcmp0 (seen, call->options->plan_digest) != 0)
        {
          g_set_error_literal (error, PT_ERROR, PT_ERROR_PLAN_CHANGED,
                               "The changes differ from the ones you reviewed (the machine or its "
                               "configuration changed since); review them again before applying.");
          return FALSE;
        }
    }
  on_progress ("plan", 0.0, "Applying the reviewed plan.", &ctx);
  return pt_transaction_apply (self->paths, plan, TRUE, on_progress, &ctx, error);
}

static gboolean
handle_transaction (PtHelper              *self,
                    GDBusMethodInvocation *invocation)
{
  const char *method = g_dbus_method_invocation_get_method_name (invocation);
  PtHelperCall *call = get_call (invocation);
  g_autofree char *transaction = g_uuid_string_random ();
  ProgressContext ctx = { self, transaction };
  g_autoptr(GError) error = NULL;
  g_autofree char *status = NULL;
  g_autoptr(PtTopology) topology = NULL;
  gboolean ok;

  if (!begin_transaction (self, &error))
    {
      return_error (self, invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  g_message ("%s by %s: transaction %s", method,
             g_dbus_method_invocation_get_sender (invocation), transaction);

  if (g_str_equal (method, "Apply"))
    ok = run_apply (self, invocation, call, transaction, &topology, &error);
  else if (g_str_equal (method, "Revert"))
    ok = pt_transaction_revert (self->paths, TRUE, on_progress, &ctx, &error);
  else
    ok = pt_transaction_confirm (self->paths, TRUE, on_progress, &ctx, &error);
  if (ok)
    status = dup_status (self, topology, &error);
  end_transaction (self);

  if (status == NULL)
    {
      g_message ("%s %s failed: %s", method, transaction, error->message);
      return_error (self, invocation, error);
    }
  else
    return_string (self, invocation, status);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}


static gboolean
handle_apply (PtDBusHelper1         *skeleton,
              GDBusMethodInvocation *invocation,
              const char *const     *addresses,
              GVariant              *options,
              PtHelper              *self)
{
  return handle_transaction (self, invocation);
}

static gboolean
handle_revert_or_confirm (PtDBusHelper1         *skeleton,
                          GDBusMethodInvocation *invocation,
                          GVariant              *options,
                          PtHelper              *self)
{
  return handle_transaction (self, invocation);
}

/* ---- runtime binding --------------------------------------------------- */

static gboolean
handle_bind_or_unbind (PtDBusHelper1         *skeleton,
                       GDBusMethodInvocation *invocation,
                       const char            *address,
                       PtHelper              *self)
{
  const char *method = g_dbus_method_invocation_get_method_name (invocation);
  gboolean bind = g_str_equal (method, "Bind");
  g_autofree char *transaction = g_uuid_string_random ();
  ProgressContext ctx = { self, transaction };
  g_autoptr(PtTopology) topology = NULL;
  g_auto(GStrv) devices = NULL;
  g_autoptr(GError) error = NULL;
  gboolean ok = FALSE;

  if (!begin_transaction (self, &error))
    {
      return_error (self, invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  g_message ("%s %s by %s", method, address, g_dbus_method_invocation_get_sender (invocation));

  topology = pt_topology_new_from_sysfs (self->paths, &error);
  if (topology != NULL && pt_helper_check_address (address, topology, &error))
    {
      devices = pt_helper_bind_dup_devices (topology, address);
      if (!bind || pt_helper_bind_check (self->paths, topology, (const char *const *) devices, &error))
        ok = pt_helper_bind_run (self->paths, topology, (const char *const *) devices, bind,
                                 on_progress, &ctx, &error);
    }
  end_transaction (self);

  if (ok)
    return_nothing (self, invocation);
  else
    return_error (self, invocation, error);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* ---- life cycle -------------------------------------------------------- */

static gboolean
check_idle (gpointer user_data)
{
  PtHelper *self = PT_HELPER (user_data);
  gboolean idle;

  g_mutex_lock (&self->state_lock);
  idle = self->in_flight == 0 && !self->transaction_running &&
         (self->stop_requested ||
          g_get_monotonic_time () - self->last_activity >= (gint64) self->idle_timeout * G_USEC_PER_SEC);
  g_mutex_unlock (&self->state_lock);

  if (!idle)
    return G_SOURCE_CONTINUE;
  g_debug ("Idle for %u seconds, exiting.", self->idle_timeout);
  self->idle_source = 0;
  g_main_loop_quit (self->loop);
  return G_SOURCE_REMOVE;
}

/* systemctl stop, shutdown: a transaction cannot be cancelled once files
 * change, so the helper leaves when the running one has finished (the
 * unit's stop timeout decides how long that may take). */
static gboolean
on_stop_signal (gpointer user_data)
{
  PtHelper *self = PT_HELPER (user_data);

  g_mutex_lock (&self->state_lock);
  self->stop_requested = TRUE;
  g_mutex_unlock (&self->state_lock);
  return G_SOURCE_CONTINUE;
}

static void
on_bus_acquired (GDBusConnection *connection,
                 const char      *name,
                 gpointer         user_data)
{
  PtHelper *self = PT_HELPER (user_data);
  g_autoptr(GError) error = NULL;

  if (!g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self->skeleton),
                                         connection, PT_DBUS_HELPER_OBJECT_PATH, &error))
    {
      g_warning ("Could not export %s: %s", PT_DBUS_HELPER_OBJECT_PATH, error->message);
      self->exit_status = 1;
      g_main_loop_quit (self->loop);
    }
}

static void
on_name_lost (GDBusConnection *connection,
              const char      *name,
              gpointer         user_data)
{
  PtHelper *self = PT_HELPER (user_data);

  /* Another helper runs, the bus went away, or we may not own the name:
   * either way this one has nothing to serve. */
  g_message ("Lost or could not own %s on the system bus, exiting.", name);
  self->exit_status = 1;
  g_main_loop_quit (self->loop);
}

static void
pt_helper_finalize (GObject *object)
{
  PtHelper *self = PT_HELPER (object);

  if (self->owner_id != 0)
    g_bus_unown_name (self->owner_id);
  g_clear_handle_id (&self->idle_source, g_source_remove);
  g_clear_handle_id (&self->sigterm_source, g_source_remove);
  g_clear_handle_id (&self->sigint_source, g_source_remove);
  if (self->skeleton != NULL)
    g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (self->skeleton));
  g_clear_object (&self->skeleton);
  g_clear_object (&self->bouncer);
  g_clear_object (&self->paths);
  g_clear_pointer (&self->loop, g_main_loop_unref);
  g_free (self->recovery_error);
  g_mutex_clear (&self->state_lock);
  g_mutex_clear (&self->transaction_lock);
  G_OBJECT_CLASS (pt_helper_parent_class)->finalize (object);
}

static void
pt_helper_class_init (PtHelperClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pt_helper_finalize;
}

static void
pt_helper_init (PtHelper *self)
{
  g_mutex_init (&self->state_lock);
  g_mutex_init (&self->transaction_lock);
  self->last_activity = g_get_monotonic_time ();
  self->idle_timeout = PT_HELPER_IDLE_TIMEOUT;
  self->loop = g_main_loop_new (NULL, FALSE);
  self->bouncer = pt_helper_bouncer_new ();
  self->skeleton = pt_dbus_helper1_skeleton_new ();
  pt_dbus_helper1_set_version (self->skeleton, PACKAGE_VERSION);

  g_dbus_interface_skeleton_set_flags (G_DBUS_INTERFACE_SKELETON (self->skeleton),
                                       G_DBUS_INTERFACE_SKELETON_FLAGS_HANDLE_METHOD_INVOCATIONS_IN_THREAD);
  g_signal_connect (self->skeleton, "g-authorize-method", G_CALLBACK (on_authorize_method), self);
  g_signal_connect (self->skeleton, "handle-get-topology", G_CALLBACK (handle_get_topology), self);
  g_signal_connect (self->skeleton, "handle-get-readiness", G_CALLBACK (handle_get_readiness), self);
  g_signal_connect (self->skeleton, "handle-get-status", G_CALLBACK (handle_get_status), self);
  g_signal_connect (self->skeleton, "handle-preview", G_CALLBACK (handle_preview), self);
  g_signal_connect (self->skeleton, "handle-apply", G_CALLBACK (handle_apply), self);
  g_signal_connect (self->skeleton, "handle-revert", G_CALLBACK (handle_revert_or_confirm), self);
  g_signal_connect (self->skeleton, "handle-confirm", G_CALLBACK (handle_revert_or_confirm), self);
  g_signal_connect (self->skeleton, "handle-bind", G_CALLBACK (handle_bind_or_unbind), self);
  g_signal_connect (self->skeleton, "handle-unbind", G_CALLBACK (handle_bind_or_unbind), self);
}

PtHelper *
pt_helper_new_from_env (void)
{
  PtHelper *self = g_object_new (PT_TYPE_HELPER, NULL);
  const char *idle = g_getenv ("PASSTHROUGH_IDLE_TIMEOUT");
  guint64 seconds;

  self->paths = pt_paths_new_from_env ();
  if (idle != NULL && g_ascii_string_to_unsigned (idle, 10, 1, 24 * 3600, &seconds, NULL))
    self->idle_timeout = (guint) seconds;
  return self;
}

/* Before any transaction: a helper that died mid-way (power loss, kill)
 * left a journal, and its files go back to how they were.  When it did,
 * this runs in a thread behind the owned name, so the call that started
 * the helper gets its answer (GetStatus: "applying"; a change: Busy)
 * instead of the bus's activation time-out while the recovery regenerates
 * (docs/faults.md); otherwise pt_helper_run() calls it before owning the
 * name. */
static gpointer
recover_at_start (gpointer user_data)
{
  PtHelper *self = PT_HELPER (user_data);
  g_autoptr(GError) error = NULL;
  gboolean ok = pt_transaction_recover (self->paths, &error);

  if (!ok)
    g_warning ("Could not roll back an unfinished transaction: %s", error->message);
  g_mutex_lock (&self->state_lock);
  if (!ok)
    self->recovery_error = g_strdup (error->message);
  self->recovering = FALSE;
  self->transaction_running = FALSE;
  /* The idle time counts from here: a caller who gave up during a long
   * recovery should still find the helper for its next call. */
  self->last_activity = g_get_monotonic_time ();
  g_mutex_unlock (&self->state_lock);
  return NULL;
}

int
pt_helper_run (PtHelper *self)
{
  g_return_val_if_fail (PT_IS_HELPER (self), 1);

  if (pt_transaction_is_unfinished (self->paths))
    {
      g_mutex_lock (&self->state_lock);
      self->recovering = TRUE;
      self->transaction_running = TRUE;   /* no idle exit while it runs */
      g_mutex_unlock (&self->state_lock);
      self->recovery_thread = g_thread_new ("recovery", recover_at_start, self);
    }
  else
    {
      /* Nothing left behind: the look is quick and runs here, before the
       * name is owned, so no call ever finds it running (a lock another
       * process holds is that process's change, which GetStatus reports). */
      recover_at_start (self);
    }

  self->owner_id = g_bus_own_name (G_BUS_TYPE_SYSTEM, PT_DBUS_HELPER_BUS_NAME,
                                   G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE,
                                   on_bus_acquired, NULL, on_name_lost,
                                   self, NULL);
  self->idle_source = g_timeout_add (250, check_idle, self);
  self->sigterm_source = g_unix_signal_add (SIGTERM, on_stop_signal, self);
  self->sigint_source = g_unix_signal_add (SIGINT, on_stop_signal, self);
  g_main_loop_run (self->loop);

  g_bus_unown_name (self->owner_id);
  self->owner_id = 0;
  /* A lost name does not cut the recovery short: its files go back first. */
  if (self->recovery_thread != NULL)
    g_thread_join (g_steal_pointer (&self->recovery_thread));
  return self->exit_status;
}
