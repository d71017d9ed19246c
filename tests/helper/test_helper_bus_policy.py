#!/usr/bin/python3
# The installed bus policy (data/dbus/com.example.Passthrough.Helper.conf)
# on a dbus-daemon configured like a system bus (default: deny method calls
# and names), with the helper running as root and a caller as "nobody": the
# caller may call the helper's interface, Introspectable and Peer, may not
# own the helper's name and may not reach anything else of it.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import shutil
import subprocess
import tempfile
import time
import unittest

import helpertest
from helpertest import SOURCE_ROOT, HELPER, WRAPPER
import helperfixture

POLICY = os.path.join(SOURCE_ROOT, 'data', 'dbus', 'com.example.Passthrough.Helper.conf')
NOBODY = 65534

CALLER = r'''
import sys
from gi.repository import Gio, GLib
conn = Gio.DBusConnection.new_for_address_sync(sys.argv[1],
    Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)
def call(dest, path, iface, method, sig, args):
    try:
        conn.call_sync(dest, path, iface, method, GLib.Variant(sig, args) if sig else None, None, 0, 10000, None)
        return 'ok'
    except GLib.Error as e:
        return (Gio.DBusError.get_remote_error(e) or 'local') + ' ' + e.message.replace('\n', ' ')
H = ('com.example.Passthrough.Helper', '/com/example/Passthrough/Helper')
print(call('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus', 'RequestName', '(su)', (H[0], 4)))
print(call(*H, 'com.example.Passthrough.Helper1', 'GetTopology', None, None))
print(call(*H, 'org.freedesktop.DBus.Introspectable', 'Introspect', None, None))
print(call(*H, 'org.freedesktop.DBus.Peer', 'Ping', None, None))
print(call(*H, 'org.freedesktop.DBus.Properties', 'GetAll', '(s)', ('com.example.Passthrough.Helper1',)))
print(call(*H, 'com.example.Passthrough.Helper1', 'Bind', '(s)', ('0000:01:00.0',)))
print(call(*H, 'org.freedesktop.DBus.Properties', 'Get', '(ss)', ('com.example.Passthrough.Helper1', 'Version')))
'''


class BusPolicy(unittest.TestCase):

    def setUp(self):
        if os.geteuid() != 0:
            self.skipTest('needs root, to run the caller as nobody')
        self.tmp = tempfile.mkdtemp(prefix='pt-bus-policy.')
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        os.chmod(self.tmp, 0o755)
        self.root = os.path.join(self.tmp, 'root')
        helperfixture.make_root(self.root)
        socket = os.path.join(self.tmp, 'bus')
        conf = os.path.join(self.tmp, 'bus.conf')
        with open(conf, 'w') as f:
            f.write(helperfixture.system_bus_config(socket, POLICY))
        self.daemon = subprocess.Popen(['dbus-daemon', '--nofork', '--config-file', conf, '--print-address'],
                                       stdout=subprocess.PIPE, text=True)
        self.addCleanup(self.stop, self.daemon)
        self.address = self.daemon.stdout.readline().strip()
        env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=self.address)
        self.polkitd = subprocess.Popen(['/usr/bin/python3', '-m', 'dbusmock', '--system', '--template', 'polkitd'],
                                        env=env, stdout=subprocess.DEVNULL)
        self.addCleanup(self.stop, self.polkitd)
        self.wait_for('org.freedesktop.PolicyKit1', env)
        env.update(PASSTHROUGH_ROOT=self.root, PASSTHROUGH_COMMAND_WRAPPER=WRAPPER,
                   PASSTHROUGH_TEST_LOG=os.path.join(self.tmp, 'commands.log'))
        self.helper = subprocess.Popen([HELPER], env=env)
        self.addCleanup(self.stop, self.helper)
        self.wait_for(helpertest.BUS_NAME, env)

    @staticmethod
    def stop(proc):
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def wait_for(self, name, env):
        for _ in range(500):
            r = subprocess.run(['gdbus', 'call', '--address', self.address, '--dest', 'org.freedesktop.DBus',
                                '--object-path', '/org/freedesktop/DBus', '--method',
                                'org.freedesktop.DBus.NameHasOwner', name], capture_output=True, text=True)
            if '(true,)' in r.stdout:
                return
            time.sleep(0.02)
        self.fail(f'{name} did not appear on the bus')

    def test_nobody(self):
        before = helperfixture.tree_digest(self.root)
        r = subprocess.run(['/usr/bin/python3', '-c', CALLER, self.address], user=NOBODY, group=NOBODY,
                           capture_output=True, text=True, timeout=60, cwd='/')
        self.assertEqual(r.returncode, 0, r.stderr)
        own, topology, introspect, ping, props, bind, version = r.stdout.splitlines()
        self.assertTrue(own.startswith('org.freedesktop.DBus.Error.AccessDenied'), own)
        self.assertEqual(topology, 'ok')
        self.assertEqual(introspect, 'ok')
        self.assertEqual(ping, 'ok')
        # refused by the bus itself: the policy does not open Properties
        self.assertTrue(props.startswith('org.freedesktop.DBus.Error.AccessDenied'), props)
        self.assertIn('rejected send message', props.lower())
        # reaches the helper, whose polkit (refusing everything) says no
        self.assertTrue(bind.startswith('org.freedesktop.DBus.Error.AccessDenied'), bind)
        self.assertIn('Nothing was changed', bind)
        # the one property anyone may read (docs/dbus.md)
        self.assertEqual(version, 'ok')
        self.assertEqual(helperfixture.tree_digest(self.root), before)


if __name__ == '__main__':
    helpertest.main()
