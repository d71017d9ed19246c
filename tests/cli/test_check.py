#!/usr/bin/python3
# `passthroughctl --root ROOT check [--json]` on every fixture machine: exit 0
# exactly when the machine is ready, and the failing check says what to do.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixturelib as fx  # noqa: E402

ROOTS = None

# machine -> the checks that fail on it (the rest pass)
EXPECTED_FAILURES = {
    'no-iommu': {'iommu', 'interrupt-remapping'},
    'gpu-chipset-group': {'cpu-virtualization'},      # SVM off in the firmware
    'laptop-hm87-gtx765m': {'interrupt-remapping'},
}


def setUpModule():
    global ROOTS
    ROOTS = fx.Roots()


def tearDownModule():
    ROOTS.cleanup()


class Check(unittest.TestCase):
    def check_machine(self, name):
        m = fx.load_machine(name)
        root = ROOTS.get(name)
        failing = EXPECTED_FAILURES.get(name, set())
        r = fx.run('--root', root, 'check', '--json')
        self.assertEqual(r.returncode, 1 if failing else 0, r.stdout + r.stderr)
        self.assertEqual(r.stderr, '')
        data = json.loads(r.stdout)
        self.assertEqual(data['ready'], not failing)
        codes = {c['code']: c for c in data['checks']}
        self.assertEqual(set(codes), {'cpu-virtualization', 'iommu', 'interrupt-remapping',
                                      'vfio-modules', 'kernel-cmdline'})
        self.assertEqual({c for c, v in codes.items() if not v['ok']}, failing)
        for c in codes.values():
            self.assertTrue(c['message'])
            if c['ok']:
                self.assertIsNone(c['fix'])
            else:
                self.assertTrue(c['fix'], c['code'])
        if m.iommu:
            self.assertIn({'intel': 'Intel VT-d', 'amd': 'AMD-Vi'}[m.iommu], codes['iommu']['message'])
        text = fx.run('--root', root, 'check')
        self.assertEqual(text.returncode, r.returncode)
        self.assertIn('Not ready yet' if failing else 'Ready for passthrough.', text.stdout)

    def test_no_iommu_points_to_firmware(self):
        r = fx.run('--root', ROOTS.get('no-iommu'), 'check')
        self.assertEqual(r.returncode, 1)
        self.assertIn('No IOMMU is active', r.stdout)
        self.assertIn('VT-d in the firmware setup', r.stdout)
        self.assertIn('intel_iommu=on', r.stdout)

    def test_acs_override_says_what_it_costs(self):
        r = fx.run('--root', ROOTS.get('acs-override'), 'check', '--json')
        cmdline = {c['code']: c for c in json.loads(r.stdout)['checks']}['kernel-cmdline']
        self.assertIn('pcie_acs_override=downstream,multifunction', cmdline['message'])
        self.assertIn('patched', cmdline['message'])
        self.assertIn('not isolated', cmdline['message'])
        r = fx.run('--root', ROOTS.get('twin-gpu'), 'check', '--json')
        cmdline = {c['code']: c for c in json.loads(r.stdout)['checks']}['kernel-cmdline']
        self.assertNotIn('patched', cmdline['message'])

    def test_svm_off_names_the_setting(self):
        r = fx.run('--root', ROOTS.get('gpu-chipset-group'), 'check')
        self.assertIn('SVM Mode', r.stdout)

    def test_check_refuses_a_snapshot(self):
        snap = os.path.join(ROOTS.tmp.name, 'snap.json')
        with open(snap, 'w') as f:
            f.write(fx.run('--root', ROOTS.get('twin-gpu'), 'list', '--json').stdout)
        r = fx.run('--snapshot', snap, 'check')
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stdout, '')
        self.assertIn('snapshot', r.stderr.splitlines()[0])


for _name in fx.machine_names():
    setattr(Check, 'test_' + _name.replace('-', '_'), lambda self, n=_name: self.check_machine(n))


if __name__ == '__main__':
    unittest.main(verbosity=2)
