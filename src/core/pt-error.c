/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <gio/gio.h>

#include "pt-error.h"

static const GDBusErrorEntry pt_error_entries[] = {
  { PT_ERROR_FAILED, "com.example.Passthrough.Error.Failed" },
  { PT_ERROR_INVALID_ARGS, "com.example.Passthrough.Error.InvalidArgs" },
  { PT_ERROR_UNKNOWN_DEVICE, "com.example.Passthrough.Error.UnknownDevice" },
  { PT_ERROR_BLOCKED, "com.example.Passthrough.Error.Blocked" },
  { PT_ERROR_BUSY, "com.example.Passthrough.Error.Busy" },
  { PT_ERROR_PLAN_CHANGED, "com.example.Passthrough.Error.PlanChanged" },
  { PT_ERROR_REGENERATION_FAILED, "com.example.Passthrough.Error.RegenerationFailed" },
  { PT_ERROR_NOT_FOUND, "com.example.Passthrough.Error.NotFound" },
  { PT_ERROR_PARSE, "com.example.Passthrough.Error.Parse" },
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
