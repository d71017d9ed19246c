/* pt-error.h: the one error domain of the core, mapped 1:1 onto D-Bus names.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define PT_ERROR (pt_error_quark ())

/* Each code is also a D-Bus error, com.example.Passthrough.Error.<Name>,
 * and its CLI exit code follows docs/json.md: usage errors are 2, the rest 1. */
typedef enum
{
  PT_ERROR_FAILED,
  PT_ERROR_INVALID_ARGS,
  PT_ERROR_UNKNOWN_DEVICE,
  PT_ERROR_BLOCKED,
  PT_ERROR_BUSY,
  PT_ERROR_PLAN_CHANGED,
  PT_ERROR_REGENERATION_FAILED,
  PT_ERROR_NOT_FOUND,        /* a root, a file or a snapshot that is not there */
  PT_ERROR_PARSE,            /* a file or snapshot we cannot understand */
} PtError;

GQuark pt_error_quark (void);

G_END_DECLS
