/* pt-dbus-names.h: every D-Bus name of passthrough-helper, spelled once
 * (docs/dbus.md).  The interface's XML, data/dbus/com.example.Passthrough.Helper1.xml,
 * and the files that install the service carry the same names;
 * tests/helper/check-service-files.py checks that they agree.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#define PT_DBUS_HELPER_BUS_NAME     "com.example.Passthrough.Helper"
#define PT_DBUS_HELPER_OBJECT_PATH  "/com/example/Passthrough/Helper"
#define PT_DBUS_HELPER_INTERFACE    "com.example.Passthrough.Helper1"

/* PT_ERROR's codes on the bus (src/core/pt-error.c): prefix + name. */
#define PT_DBUS_ERROR_PREFIX        "com.example.Passthrough.Error."
#define PT_DBUS_ERROR_NAME(name)    PT_DBUS_ERROR_PREFIX name

/* The polkit actions of data/polkit/com.example.Passthrough.policy.in. */
#define PT_DBUS_ACTION_CONFIGURE    "com.example.Passthrough.configure"
#define PT_DBUS_ACTION_BIND         "com.example.Passthrough.bind"
