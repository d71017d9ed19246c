/* pt-helper-bouncer.c: method → polkit action, and the check.
 *
 * A method not in the table is refused, a polkit error or an absent answer
 * is a refusal, the subject is the caller's unique bus name (never a PID,
 * which can be recycled), and polkit may ask for a password only when the
 * caller said it can wait for one (ALLOW_INTERACTIVE_AUTHORIZATION).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "pt-helper-bouncer.h"

struct _PtHelperBouncer
{
  GObject          parent_instance;
  GMutex           lock;
  PolkitAuthority *authority;     /* made on first use; NULL again after an error */
};

G_DEFINE_FINAL_TYPE (PtHelperBouncer, pt_helper_bouncer, G_TYPE_OBJECT)

typedef struct
{
  const char *method;
  const char *action;    /* NULL: read-only, anyone may call */
} PtHelperRule;

/* Keep in step with data/dbus/com.example.Passthrough.Helper1.xml; a method
 * added there and forgotten here is refused, never allowed. */
static const PtHelperRule rules[] = {
  { "GetTopology",  NULL },
  { "GetReadiness", NULL },
  { "GetStatus",    NULL },
  { "Preview",      NULL },
  { "Apply",        PT_DBUS_ACTION_CONFIGURE },
  { "Revert",       PT_DBUS_ACTION_CONFIGURE },
  { "Confirm",      PT_DBUS_ACTION_CONFIGURE },
  { "Bind",         PT_DBUS_ACTION_BIND },
  { "Unbind",       PT_DBUS_ACTION_BIND },
};

static void
pt_helper_bouncer_finalize (GObject *object)
{
  PtHelperBouncer *self = PT_HELPER_BOUNCER (object);

  g_clear_object (&self->authority);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (pt_helper_bouncer_parent_class)->finalize (object);
}

static void
pt_helper_bouncer_class_init (PtHelperBouncerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pt_helper_bouncer_finalize;
}

static void
pt_helper_bouncer_init (PtHelperBouncer *self)
{
  g_mutex_init (&self->lock);
}

PtHelperBouncer *
pt_helper_bouncer_new (void)
{
  return g_object_new (PT_TYPE_HELPER_BOUNCER, NULL);
}

gboolean
pt_helper_bouncer_lookup (const char  *method,
                          const char **out_action)
{
  for (guint i = 0; i < G_N_ELEMENTS (rules); i++)
    if (method != NULL && g_str_equal (rules[i].method, method))
      {
        *out_action = rules[i].action;
        return TRUE;
      }
  *out_action = NULL;
  return FALSE;
}

static PolkitAuthority *
dup_authority (PtHelperBouncer  *self,
               GError          **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);

  if (self->authority == NULL)
    self->authority = polkit_authority_get_sync (NULL, error);
  return self->authority ? g_object_ref (self->authority) : NULL;
}

static gboolean
deny (GError     **error,
      const char  *format,
      ...) G_GNUC_PRINTF (2, 3);

static gboolean
deny (GError     **error,
      const char  *format,
      ...)
{
  g_autofree char *message = NULL;
  va_list ap;

  va_start (ap, format);
  message = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_set_error_literal (error, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED, message);
  return FALSE;
}

gboolean
pt_helper_bouncer_check (PtHelperBouncer        *self,
                         GDBusMethodInvocation  *invocation,
                         PolkitDetails          *details,
                         GError                **error)
{
  g_autoptr(PolkitAuthority) authority = NULL;
  g_autoptr(PolkitSubject) subject = NULL;
  g_autoptr(PolkitAuthorizationResult) result = NULL;
  g_autoptr(GError) local_error = NULL;
  PolkitCheckAuthorizationFlags flags = POLKIT_CHECK_AUTHORIZATION_FLAGS_NONE;
  const char *method = g_dbus_method_invocation_get_method_name (invocation);
  const char *sender = g_dbus_method_invocation_get_sender (invocation);
  const char *action = NULL;
  GDBusMessage *message;

  g_return_val_if_fail (PT_IS_HELPER_BOUNCER (self), FALSE);

  if (!pt_helper_bouncer_lookup (method, &action))
    return deny (error, "The helper does not allow the method “%s”.", method);
  if (action == NULL)
    return TRUE;
  if (sender == NULL)
    return deny (error, "The caller of %s has no bus name, so it cannot be authorized.", method);

  message = g_dbus_method_invocation_get_message (invocation);
  if (g_dbus_message_get_flags (message) & G_DBUS_MESSAGE_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION)
    flags |= POLKIT_CHECK_AUTHORIZATION_FLAGS_ALLOW_USER_INTERACTION;

  authority = dup_authority (self, &local_error);
  if (authority == NULL)
    return deny (error, "%s was refused because polkit could not be asked: %s",
                 method, local_error->message);

  subject = polkit_system_bus_name_new (sender);
  result = polkit_authority_check_authorization_sync (authority, subject, action, details,
                                                      flags, NULL, &local_error);
  if (result == NULL)
    {
      /* The next call gets a fresh connection to polkitd. */
      g_mutex_lock (&self->lock);
      g_clear_object (&self->authority);
      g_mutex_unlock (&self->lock);
      return deny (error, "%s was refused because polkit could not decide: %s",
                   method, local_error ? local_error->message : "no answer");
    }
  if (polkit_authorization_result_get_is_authorized (result))
    return TRUE;
  if (polkit_authorization_result_get_is_challenge (result))
    return deny (error, "%s needs an administrator's password, and the caller did not allow "
                 "asking for one (or no authentication agent could ask). Nothing was changed.",
                 method);
  return deny (error, "Authentication for %s was refused or cancelled. Nothing was changed.", method);
}
