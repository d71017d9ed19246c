#!/usr/bin/python3
# test_helper_valgrind.py: the long-lived helper under valgrind's memcheck,
# serving the calls a desktop session makes over hours (GetStatus, Preview,
# Apply, Revert, Bind, Unbind, and refusals), a few dozen rounds of each.
# A block definitely lost on any of those paths grows with every call, so
# the helper must exit with valgrind's verdict clean: --error-exitcode with
# --errors-for-leak-kinds=definite (helpertest.start_helper()).
#
# PASSTHROUGH_VALGRIND_ROUNDS=N for another number of rounds (default 10).
#
# SPDX-License-Identifier: GPL-3.0-or-later

import json
import os
import shutil
import subprocess
import unittest

from gi.repository import GLib

import helpertest
from helpertest import BIND, CONFIGURE, ERROR

GPU = '0000:01:00.0'
ROUNDS = int(os.environ.get('PASSTHROUGH_VALGRIND_ROUNDS', '10'))


class LongLivedHelper(helpertest.HelperTestCase):
    helper_env = {'PASSTHROUGH_IDLE_TIMEOUT': '600'}

    @classmethod
    def setUpClass(cls):
        if shutil.which('valgrind') is None:
            raise unittest.SkipTest('valgrind is not installed')
        if os.environ.get('PASSTHROUGH_SANITIZER_BUILD'):
            raise unittest.SkipTest('a sanitizer build: valgrind cannot run it, the sanitizers watch it')
        os.environ['PASSTHROUGH_HELPER_VALGRIND'] = '1'
        super().setUpClass()

    def wait_for_name(self, timeout=120):
        # valgrind starts the helper 20-50 times slower
        super().wait_for_name(timeout)

    def test_many_calls_lose_no_memory(self):
        # the helper really runs under memcheck (the exit status below
        # would mean nothing otherwise)
        self.assertIn('memcheck', os.readlink(f'/proc/{self.helper.pid}/exe'))
        self.allow(CONFIGURE, BIND)
        selection = ([GPU], {})
        trial = ([GPU], {'trial': GLib.Variant('b', True), 'binding': GLib.Variant('s', 'address'),
                         'disable-vga': GLib.Variant('b', True)})
        state_file = os.path.join(self.root, 'var/lib/passthrough/state.json')
        for _ in range(ROUNDS):
            self.call('GetStatus')
            self.call('GetTopology')
            self.call('GetReadiness')
            plan = self.call('Preview', 'asa{sv}', selection)[0]
            self.assertTrue(json.loads(plan)['changes'])
            status = json.loads(self.call('Apply', 'asa{sv}', selection, timeout=600000)[0])
            self.assertEqual(status['state'], 'applied')
            with self.assertRaises(helpertest.CallError) as cm:
                self.call('Apply', 'asa{sv}', ([GPU], {'plan-digest': GLib.Variant('s', '0' * 64)}))
            self.assertEqual(cm.exception.name, ERROR + 'PlanChanged')
            with self.assertRaises(helpertest.CallError) as cm:
                self.call('Preview', 'asa{sv}', (['0000:7f:00.0'], {}))
            self.assertEqual(cm.exception.name, ERROR + 'UnknownDevice')
            status = json.loads(self.call('Revert', 'a{sv}', ({},), timeout=600000)[0])
            self.assertEqual(status['state'], 'not-applied')
            self.call('Bind', 's', (GPU,))
            self.call('Unbind', 's', (GPU,))
            # a trial, the status it gives, and its confirmation
            status = json.loads(self.call('Apply', 'asa{sv}', trial, timeout=600000)[0])
            self.assertEqual(status['state'], 'trial-armed')
            self.call('GetStatus')
            status = json.loads(self.call('Confirm', 'a{sv}', ({},), timeout=600000)[0])
            self.assertEqual(status['state'], 'applied')
            self.call('Revert', 'a{sv}', ({},), timeout=600000)
            # a damaged state file: every reader of it refuses
            with open(state_file) as f:
                saved = f.read()
            with open(state_file, 'w') as f:
                f.write('{"format": 1, "applied": [')
            for method, signature, args in (('GetStatus', None, ()),
                                            ('Preview', 'asa{sv}', selection),
                                            ('Apply', 'asa{sv}', selection),
                                            ('Revert', 'a{sv}', ({},))):
                with self.assertRaises(helpertest.CallError):
                    self.call(method, signature, args)
            with open(state_file, 'w') as f:
                f.write(saved)
        # SIGTERM: the helper exits, valgrind prints its leak summary and
        # turns a definite leak into exit status 77.
        self.helper.terminate()
        try:
            code = self.helper.wait(300)
        except subprocess.TimeoutExpired:
            self.helper.kill()
            self.helper.wait()
            self.fail('the helper under valgrind did not exit within 300 s of SIGTERM')
        self.helper_output.close()
        self.helper = None
        self.assertEqual(code, 0, 'valgrind found definitely lost blocks or errors:\n' +
                         self.read_helper_log())


if __name__ == '__main__':
    helpertest.main()
