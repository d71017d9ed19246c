'''A polkitd for the helper's tests that also records what it was asked.

Like dbusmock's own polkitd template it answers CheckAuthorization from an
allow-list (SetAllowed); in addition it keeps every question — the subject,
the action, the details and the flags — for GetChecks(), so a test can see
that the helper names the caller by its bus name, puts the validated devices
into the details, and asks for interaction only when the caller allowed it.
'''
# SPDX-License-Identifier: GPL-3.0-or-later

import dbus

from dbusmock import MOCK_IFACE

BUS_NAME = 'org.freedesktop.PolicyKit1'
MAIN_OBJ = '/org/freedesktop/PolicyKit1/Authority'
MAIN_IFACE = 'org.freedesktop.PolicyKit1.Authority'
SYSTEM_BUS = True


def load(mock, _parameters):
    mock.AddProperties(MAIN_IFACE, dbus.Dictionary({
        'BackendName': 'recording',
        'BackendVersion': '1',
        'BackendFeatures': dbus.UInt32(1, variant_level=1),
    }, signature='sv'))
    mock.allowed = []
    mock.checks = []
    mock.agents = []


@dbus.service.method(MAIN_IFACE, in_signature='(sa{sv})sa{ss}us', out_signature='(bba{ss})')
def CheckAuthorization(self, subject, action_id, details, flags, _cancellation_id):
    kind, props = subject
    self.checks.append((str(kind), {str(k): str(v) for k, v in props.items()},
                        str(action_id), {str(k): str(v) for k, v in details.items()}, int(flags)))
    return (action_id in self.allowed, False, dbus.Dictionary({}, signature='ss'))


@dbus.service.method(MAIN_IFACE, in_signature='(sa{sv})ss')
def RegisterAuthenticationAgent(self, subject, _locale, object_path):
    kind, props = subject
    self.agents.append((str(kind), {str(k): str(v) for k, v in props.items()}, str(object_path)))


@dbus.service.method(MAIN_IFACE, in_signature='(sa{sv})s')
def UnregisterAuthenticationAgent(self, _subject, _object_path):
    pass


@dbus.service.method(MOCK_IFACE, out_signature='a(sa{ss}s)')
def GetAgents(self):
    return dbus.Array(self.agents, signature='(sa{ss}s)')


@dbus.service.method(MOCK_IFACE, in_signature='as')
def SetAllowed(self, actions):
    self.allowed = [str(a) for a in actions]


@dbus.service.method(MOCK_IFACE, out_signature='a(sa{ss}sa{ss}u)')
def GetChecks(self):
    return dbus.Array(self.checks, signature='(sa{ss}sa{ss}u)')
