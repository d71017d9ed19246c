# helpertest.py: what the helper's integration tests share.
#
# A private system bus (dbus-daemon started by python-dbusmock, whose address
# goes into DBUS_SYSTEM_BUS_ADDRESS), dbusmock's polkitd template, a fixture
# root made fresh for each test, and the real built helper started against
# it with PASSTHROUGH_ROOT and PASSTHROUGH_COMMAND_WRAPPER.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

import dbus
import dbusmock
from gi.repository import Gio, GLib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import helperfixture  # noqa: E402

BUS_NAME = 'com.example.Passthrough.Helper'
OBJECT_PATH = '/com/example/Passthrough/Helper'
INTERFACE = 'com.example.Passthrough.Helper1'
ERROR = 'com.example.Passthrough.Error.'
ACCESS_DENIED = 'org.freedesktop.DBus.Error.AccessDenied'
CONFIGURE = 'com.example.Passthrough.configure'
BIND = 'com.example.Passthrough.bind'

SOURCE_ROOT = os.environ.get('PASSTHROUGH_SOURCE_ROOT',
                             os.path.join(os.path.dirname(__file__), '..', '..'))
BUILD_ROOT = os.environ.get('PASSTHROUGH_BUILD_ROOT', os.path.join(SOURCE_ROOT, '_build'))
HELPER = os.path.join(BUILD_ROOT, 'helper', 'passthrough-helper')
PASSTHROUGHCTL = os.environ.get('PASSTHROUGHCTL', os.path.join(BUILD_ROOT, 'src', 'cli', 'passthroughctl'))
WRAPPER = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'record-command.sh')


class CallError(Exception):
    def __init__(self, name, message):
        super().__init__(f'{name}: {message}')
        self.name = name
        self.message = message


class HelperTestCase(dbusmock.DBusTestCase):
    '''One private system bus per class; a fresh polkitd mock, fixture root
    and helper for every test.'''

    helper_env = {}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not os.access(HELPER, os.X_OK):
            raise unittest.SkipTest(f'{HELPER} is not built')
        cls.start_system_bus()
        cls.bus_address = os.environ['DBUS_SYSTEM_BUS_ADDRESS']

    def setUp(self):
        self.polkitd, self.polkitd_obj = self.spawn_server_template(
            'polkitd', {}, stdout=subprocess.DEVNULL)
        self.addCleanup(self.stop_process, self.polkitd)
        self.tmp = tempfile.mkdtemp(prefix='pt-helper-test.')
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        self.root = os.path.join(self.tmp, 'root')
        helperfixture.make_root(self.root)
        self.command_log = os.path.join(self.tmp, 'commands.log')
        self.helper = None
        self.helper_log = os.path.join(self.tmp, 'helper.log')
        self.conn = self.connect()
        self.start_helper()

    def tearDown(self):
        self.stop_helper()
        if self.conn is not None:
            self.conn.close_sync(None)

    # -- processes --------------------------------------------------------

    @staticmethod
    def stop_process(proc):
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def env_for_helper(self, **extra):
        env = dict(os.environ)
        env.update({
            'PASSTHROUGH_ROOT': self.root,
            'PASSTHROUGH_COMMAND_WRAPPER': WRAPPER,
            'PASSTHROUGH_TEST_LOG': self.command_log,
            'PASSTHROUGH_IDLE_TIMEOUT': '60',
            'DBUS_SYSTEM_BUS_ADDRESS': self.bus_address,
        })
        env.update(self.helper_env)
        env.update(extra)
        return env

    def start_helper(self, wait_recovery=True, **extra):
        '''Starts the helper and waits for its name; a helper that found an
        unfinished transaction recovers behind its name (docs/faults.md), and
        unless wait_recovery is False this waits until GetStatus no longer
        says "applying".'''
        self.helper_output = open(self.helper_log, 'ab')
        argv = [HELPER]
        if os.environ.get('PASSTHROUGH_HELPER_VALGRIND'):
            # PASSTHROUGH_HELPER_VALGRIND=1: the helper under valgrind, whose
            # verdict is the exit status stop_helper() checks.
            argv = ['valgrind', '--error-exitcode=77', '--leak-check=full',
                    '--errors-for-leak-kinds=definite', '--quiet',
                    '--suppressions=' + os.path.join(SOURCE_ROOT, 'tests', 'valgrind.supp')] + argv
        self.helper = subprocess.Popen(argv, env=self.env_for_helper(**extra),
                                       stdout=self.helper_output, stderr=subprocess.STDOUT)
        self.wait_for_name()
        if wait_recovery:
            self.wait_recovered()

    def wait_recovered(self, timeout=120):
        deadline = time.monotonic() + timeout
        while True:
            try:
                status = json.loads(self.call('GetStatus', timeout=30000)[0])
            except CallError:
                return   # the test's root may not give a status; its own checks say
            if status.get('state') != 'applying':
                return
            if time.monotonic() > deadline:
                self.fail(f'the helper\'s start-up recovery did not end: {self.read_helper_log()}')
            time.sleep(0.05)

    def wait_for_name(self, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.helper is not None and self.helper.poll() is not None:
                self.fail(f'helper exited with {self.helper.returncode}: {self.read_helper_log()}')
            reply = self.conn.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus',
                                        'org.freedesktop.DBus', 'NameHasOwner',
                                        GLib.Variant('(s)', (BUS_NAME,)), None,
                                        Gio.DBusCallFlags.NONE, -1, None)
            if reply.unpack()[0]:
                return
            time.sleep(0.02)
        self.fail('helper did not own its name')

    def stop_helper(self):
        '''SIGTERM, as systemd stops it: the helper exits 0 once idle.'''
        if self.helper is not None:
            running = self.helper.poll() is None
            self.stop_process(self.helper)
            code = self.helper.returncode
            self.helper = None
            self.helper_output.close()
            if running:
                self.assertEqual(code, 0, f'helper exit status after SIGTERM: {self.read_helper_log()}')

    def read_helper_log(self):
        with open(self.helper_log, errors='replace') as f:
            return f.read()

    # -- bus --------------------------------------------------------------

    def connect(self):
        return Gio.DBusConnection.new_for_address_sync(
            self.bus_address,
            Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
            Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)

    def allow(self, *actions):
        self.polkitd_obj.SetAllowed(dbus.Array(actions, signature='s'))

    def call(self, method, signature=None, args=(), interactive=False, conn=None, timeout=60000):
        '''Calls a helper method; returns its unpacked reply or raises
        CallError with the D-Bus error name.'''
        params = GLib.Variant(f'({signature})', tuple(args)) if signature is not None else None
        flags = Gio.DBusCallFlags.ALLOW_INTERACTIVE_AUTHORIZATION if interactive else Gio.DBusCallFlags.NONE
        try:
            reply = (conn or self.conn).call_sync(BUS_NAME, OBJECT_PATH, INTERFACE, method, params,
                                                  None, flags, timeout, None)
        except GLib.Error as e:
            name = Gio.DBusError.get_remote_error(e)
            Gio.DBusError.strip_remote_error(e)
            raise CallError(name, e.message) from None
        return reply.unpack()

    def assertCallError(self, name, method, signature=None, args=()):
        with self.assertRaises(CallError) as cm:
            self.call(method, signature, args)
        self.assertEqual(cm.exception.name, name, cm.exception.message)
        return cm.exception

    # -- the root ---------------------------------------------------------

    def digest(self):
        return helperfixture.tree_digest(self.root)

    def commands(self):
        if not os.path.exists(self.command_log):
            return []
        with open(self.command_log) as f:
            return [line.rstrip('\n').rstrip('\t').split('\t') for line in f if line.strip()]

    def read(self, rel):
        with open(os.path.join(self.root, rel)) as f:
            return f.read()


def main():
    unittest.main(testRunner=unittest.TextTestRunner(stream=sys.stdout, verbosity=2))
