#!/usr/bin/python3
# Crash consistency through the helper: for every fault-injection step of the
# engine's transaction (PASSTHROUGH_FAULT, src/core/engine/pt-transaction.c)
# the helper _exit(99)s in the middle of an Apply; every file is then wholly
# as before or wholly as after, and the next start of the helper (recovery
# behind its name: start_helper() waits until GetStatus no longer says
# "applying") returns the root to before.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import json
import os
import shutil

import helpertest
from helpertest import CONFIGURE, CallError
import helperfixture

SELECTION = ['0000:01:00.0']
STATE_DIR = 'var/lib/passthrough'


def without_state(files):
    return {p: c for p, c in files.items() if not p.startswith(STATE_DIR + '/')}


class CrashConsistency(helpertest.HelperTestCase):

    def setUp(self):
        super().setUp()
        self.allow(CONFIGURE)

    def reference_after(self):
        '''The files after a complete Apply, made on a copy of the root.'''
        plan = json.loads(self.call('Preview', 'asa{sv}', (SELECTION, {}))[0])
        pristine = os.path.join(self.tmp, 'pristine')
        shutil.copytree(self.root, pristine, symlinks=True)
        self.call('Apply', 'asa{sv}', (SELECTION, {}))
        after = without_state(helperfixture.tree_files(self.root))
        self.stop_helper()
        shutil.rmtree(self.root)
        shutil.copytree(pristine, self.root, symlinks=True)
        return plan, after

    def test_every_fault_step(self):
        plan, after = self.reference_after()
        before = without_state(helperfixture.tree_files(self.root))
        changed = [p for p in set(before) | set(after) if before.get(p) != after.get(p)]
        self.assertTrue(changed, 'the plan changes files')
        steps = ['after-journal']
        steps += [f'after-write-{n}' for n in range(1, len(plan['changes']) + 1)]
        steps += ['before-commands', 'after-commands', 'after-state']
        for step in steps:
            with self.subTest(step):
                pristine_digest = self.digest()
                self.start_helper(PASSTHROUGH_FAULT=step)
                with self.assertRaises(CallError) as cm:
                    self.call('Apply', 'asa{sv}', (SELECTION, {}))
                self.assertEqual(cm.exception.name, 'org.freedesktop.DBus.Error.NoReply', cm.exception)
                self.assertEqual(self.helper.wait(10), 99, f'{step}: the helper died at the fault')
                self.helper = None
                self.helper_output.close()
                now = without_state(helperfixture.tree_files(self.root))
                for path in set(before) | set(after) | set(now):
                    self.assertIn(now.get(path), (before.get(path), after.get(path)),
                                  f'{step}: {path} is neither before nor after')
                # the next start recovers, then serves changes
                self.start_helper()
                recovered = without_state(helperfixture.tree_files(self.root))
                self.assertEqual(sorted(recovered), sorted(before), f'{step}: set of files')
                for path in before:
                    self.assertEqual(recovered[path], before[path], f'{step}: {path} not recovered')
                status = json.loads(self.call('GetStatus')[0])
                self.assertEqual(status['state'], 'not-applied', step)
                self.stop_helper()
                self.assertNotEqual(pristine_digest, None)


if __name__ == '__main__':
    helpertest.main()
