/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <gio/gio.h>

#include "pt-dbus-names.h"
#include "pt-error.h"

static const GDBusErrorEntry pt_error_entries[] = {
  { PT_ERROR_FAILED, PT_DBUS_ERROR_NAME ("Failed") },
  { PT_ERROR_INVALID_ARGS, PT_DBUS_ERROR_NAME ("InvalidArgs") },
  { PT_ERROR_UNKNOWN_DEVICE, PT_DBUS_ERROR_NAME ("UnknownDevice") },
  { PT_ERROR_BLOCKED, PT_DBUS_ERROR_NAME ("Blocked") },
  { PT_ERROR_BUSY, PT_DBUS_ERROR_NAME ("Busy") },
  { PT_ERROR_PLAN_CHANGED, PT_DBUS_ERROR_NAME ("PlanChanged") },
  { PT_ERROR_REGENERATION_FAILED, PT_DBUS_ERROR_NAME ("RegenerationFailed") },
  { PT_ERROR_NOT_FOUND, PT_DBUS_ERROR_NAME ("NotFound") },
  { PT_ERROR_PARSE, PT_DBUS_ERROR_NAME ("Parse") },
};

GQuark
pt_error_quark (void)
{
  static gsize quark = 0;

  g_dbus_error_register_error_domain ("pt-error-quark", &quark,
                                      pt_error_entries,
                                      G_N_ELEMENTS (pt_error_entries));
  return (GQuark) quark;
}
