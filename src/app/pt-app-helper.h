/* pt-app-helper.h: what the app needs to talk to passthrough-helper — the
 * one client call (pt-helper-client.h, docs/dbus.md), the sentence for a
 * failed call, and how to tell a person to install it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "pt-helper-client.h"

G_BEGIN_DECLS

/* The sentence for a failed helper call; revert: the call was Revert. */
char     *pt_app_helper_error_sentence      (const GError *error,
                                             gboolean      revert);
/* TRUE when ERROR says nobody owns the helper's name and the bus could
 * not start it: the helper is not installed (or its files are broken). */
gboolean  pt_app_helper_error_is_missing    (const GError *error);
/* "sudo dnf install passthrough-helper", from the host's os-release
 * (/run/host/os-release inside a Flatpak); NULL for an unknown one.
 * os_release_path: NULL for the host's own. */
char     *pt_app_helper_dup_install_command (const char   *os_release_path);

G_END_DECLS
