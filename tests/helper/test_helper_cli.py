#!/usr/bin/python3
# passthroughctl without --root goes through the helper: the CLI talks to the
# system bus, which DBUS_SYSTEM_BUS_ADDRESS points at the private one, where
# the real helper serves a fixture root and dbusmock's polkitd decides.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import json
import os
import subprocess

import helpertest
from helpertest import BIND, CONFIGURE, PASSTHROUGHCTL

GPU = '0000:01:00.0'


class CliThroughHelper(helpertest.HelperTestCase):

    def ctl(self, *args):
        env = dict(os.environ)
        env['DBUS_SYSTEM_BUS_ADDRESS'] = self.bus_address
        env['LC_ALL'] = 'C.UTF-8'
        env.pop('PASSTHROUGH_ROOT', None)
        env['PASSTHROUGH_TEXT_AGENT'] = '0'
        return subprocess.run([PASSTHROUGHCTL, *args], env=env, capture_output=True, text=True,
                              timeout=60, stdin=subprocess.DEVNULL)

    def test_bind_and_unbind(self):
        self.allow(BIND)
        r = self.ctl('bind', '01:00.0')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('vfio-pci', r.stdout)
        self.assertIn('modprobe vfio-pci', r.stdout, 'progress lines are shown')
        self.assertEqual(self.read(f'sys/bus/pci/devices/{GPU}/driver_override'), 'vfio-pci\n')
        r = self.ctl('unbind', GPU)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('back with their own drivers', r.stdout)
        self.assertEqual(self.read(f'sys/bus/pci/devices/{GPU}/driver_override'), '\n')

    def test_bind_json(self):
        self.allow(BIND)
        r = self.ctl('bind', GPU, '--json')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout), {'address': GPU, 'bound': True})

    def test_refused_password(self):
        self.allow()
        before = self.digest()
        r = self.ctl('bind', GPU)
        self.assertEqual(r.returncode, 1)
        self.assertIn('Not authorized', r.stderr)
        self.assertIn('nothing was changed', r.stderr)
        self.assertEqual(self.digest(), before)

    def test_blocked_device(self):
        self.allow(BIND)
        before = self.digest()
        r = self.ctl('bind', '0000:00:02.0')
        self.assertEqual(r.returncode, 1)
        self.assertIn('boots on', r.stderr)
        self.assertEqual(self.digest(), before)

    def test_unknown_device(self):
        self.allow(BIND)
        r = self.ctl('bind', '0000:09:00.0')
        self.assertEqual(r.returncode, 1)
        self.assertIn('no PCI device at 0000:09:00.0', r.stderr)

    def test_usage_errors_do_not_call(self):
        self.allow(BIND)
        before = self.digest()
        for args in (['bind'], ['bind', 'x'], ['bind', GPU, GPU], ['--root', self.root, 'bind', GPU],
                     ['unbind', '--force', GPU]):
            with self.subTest(args):
                r = self.ctl(*args)
                self.assertEqual(r.returncode, 2, r.stderr)
        self.assertEqual(self.digest(), before)
        self.assertEqual(self.commands(), [])

    def test_no_helper(self):
        self.stop_helper()
        r = self.ctl('bind', GPU)
        self.assertEqual(r.returncode, 1)
        self.assertIn('root helper could not be reached', r.stderr)

    def goes_through_helper(self):
        r = self.ctl('apply', '--help')
        if 'Unknown command' in r.stderr:
            self.skipTest('passthroughctl has no apply command in this build')

    def skip_unless_wired(self, result):
        # cmd-apply.c (the engine's) decides when to call pt_cli_helper_apply();
        # until it does, it says so instead of calling the helper.
        if 'does not have yet' in result.stderr:
            self.skipTest('cmd-apply.c does not call pt_cli_helper_apply() without --root yet')

    def test_apply_and_revert(self):
        self.goes_through_helper()
        self.allow(CONFIGURE)
        r = self.ctl('apply', '--select', '01:00.0')
        self.skip_unless_wired(r)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('Restart the computer', r.stdout)
        self.assertIn('vfio-pci.ids=', self.read('etc/default/grub'))
        r = self.ctl('revert')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn('vfio-pci.ids=', self.read('etc/default/grub'))

    def test_apply_by_ids(self):
        # The helper resolves --select-ids on the machine it serves (the
        # fixture root), not the one passthroughctl runs on (docs/select-ids.md).
        self.goes_through_helper()
        self.allow(CONFIGURE)
        r = self.ctl('apply', '--select-ids', '10de:2184', '--json')
        self.assertEqual(r.returncode, 0, r.stderr)
        devices = sorted(d['address'] for d in json.loads(r.stdout)['devices'])
        self.assertEqual(devices, [GPU, '0000:01:00.1'])
        self.assertIn('vfio-pci.ids=10de:2184,10de:1aeb', self.read('etc/default/grub'))
        before = self.digest()
        r = self.ctl('apply', '--select-ids', '10de:ffff')
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn('No PCI device on this system has the IDs 10de:ffff', r.stderr)
        self.assertEqual(self.digest(), before)
        self.assertEqual(self.ctl('revert').returncode, 0)

    def test_trial_then_confirm_json(self):
        self.goes_through_helper()
        self.allow(CONFIGURE)
        r = self.ctl('apply', '--trial', '--select', '01:00.0', '--json')
        self.skip_unless_wired(r)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)['state'], 'trial-armed')
        self.assertIn('grub-reboot', r.stderr, 'progress goes to stderr with --json')
        r = self.ctl('confirm', '--json')
        self.skip_unless_wired(r)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)['state'], 'applied')

    def test_apply_refused(self):
        self.goes_through_helper()
        self.allow()
        before = self.digest()
        r = self.ctl('apply', '--select', '01:00.0')
        self.skip_unless_wired(r)
        self.assertEqual(r.returncode, 1)
        self.assertIn('Not authorized', r.stderr)
        self.assertEqual(self.digest(), before)


if __name__ == '__main__':
    helpertest.main()
