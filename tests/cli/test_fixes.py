#!/usr/bin/python3
# `fixes` in plan --json and check --json (docs/fixes-and-guards.md): every
# warning and blocker carries them in one shape, ranked best first, and a
# `select` fix never names a device a guard protects (the boot GPU, a
# controller of a mounted file system, the NIC of the default route).
#
# SPDX-License-Identifier: GPL-3.0-or-later

import copy
import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixturelib as fx  # noqa: E402

ROOTS = None
KINDS = {'move-slot', 'select', 'acs-override', 'firmware', 'option', 'other'}
# gpu-chipset-group: a GTX 1050 Ti behind a B450 chipset, whose group 15
# also holds the chipset's USB and SATA (a mounted /srv) and the NIC of the
# default route
CARD = '0000:05:00.0'
SATA, NIC, USB = '0000:02:00.1', '0000:06:00.0', '0000:02:00.0'
BOOT_GPU = '0000:07:00.0'


def setUpModule():
    global ROOTS
    ROOTS = fx.Roots()


def tearDownModule():
    ROOTS.cleanup()


def move_to_group(snapshot, addresses, group_id):
    """A copy of a snapshot with @addresses moved into group @group_id."""
    data = copy.deepcopy(snapshot)
    target = [g for g in data['groups'] if g['id'] == group_id][0]
    for g in data['groups']:
        keep = [d for d in g['devices'] if d['address'] not in addresses]
        if g is not target:
            target['devices'] += [d for d in g['devices'] if d['address'] in addresses]
        g['devices'] = keep if g is not target else g['devices']
    data['groups'] = [g for g in data['groups'] if g['devices']]
    return data


class Fixes(unittest.TestCase):
    def setUp(self):
        self.root = ROOTS.get('gpu-chipset-group')
        self.snapshot = fx.list_json(self.root)
        self.tmp = tempfile.TemporaryDirectory(prefix='pt-fixes-')
        self.addCleanup(self.tmp.cleanup)

    def write(self, data):
        path = os.path.join(self.tmp.name, 'snapshot-%d.json' % len(os.listdir(self.tmp.name)))
        with open(path, 'w') as f:
            json.dump(data, f)
        return path

    def plan(self, *args, snapshot=None):
        extra = ('--snapshot', snapshot) if snapshot else ()
        r = fx.run('--root', self.root, *extra, 'plan', '--json', *args)
        self.assertIn(r.returncode, (0, 1), r.stderr)
        plan = json.loads(r.stdout)
        for issue in plan['warnings'] + plan['blockers']:
            self.assert_shape(issue)
        return r.returncode, plan

    def assert_shape(self, issue):
        self.assertIn('fixes', issue, issue['code'])
        for fix in issue['fixes']:
            self.assertEqual(set(fix), {'kind', 'devices', 'ports', 'option', 'text'}, issue['code'])
            self.assertIn(fix['kind'], KINDS)
            self.assertIsInstance(fix['devices'], list)
            self.assertIsInstance(fix['ports'], list)
            self.assertTrue(fix['text'].endswith('.'), fix['text'])
            if fix['kind'] in ('option', 'acs-override') and fix['option'] is not None:
                self.assertEqual(set(fix['option']), {'key', 'value'})
            elif fix['kind'] == 'option':
                self.fail('an option fix without its option: %r' % fix)
            else:
                self.assertIsNone(fix['option'])

    def group_blocker(self, plan):
        found = [b for b in plan['blockers'] if b['code'] == 'group-not-taken']
        self.assertEqual(len(found), 1, plan['blockers'])
        return found[0]

    def assert_ranked(self, fixes, guarded):
        kinds = [f['kind'] for f in fixes]
        self.assertIn(kinds[0], ('move-slot', 'firmware'), kinds)
        self.assertIn('acs-override', kinds)
        acs = kinds.index('acs-override')
        for k in ('move-slot', 'firmware', 'select'):
            if k in kinds:
                self.assertLess(kinds.index(k), acs, kinds)
        override = fixes[acs]
        self.assertEqual(override['option'], {'key': 'acs-override', 'value': 'downstream,multifunction'})
        self.assertIn('Stock kernels ignore it', override['text'])
        for f in fixes:
            if f['kind'] == 'select':
                self.assertFalse(set(f['devices']) & set(guarded), f)

    def test_chipset_group_with_storage_and_network(self):
        rc, plan = self.plan('--select', CARD)
        self.assertEqual(rc, 1)
        blocker = self.group_blocker(plan)
        self.assertEqual(blocker['devices'], [USB, SATA, NIC])
        self.assertNotIn('select those too', blocker['message'])
        fixes = blocker['fixes']
        self.assert_ranked(fixes, [SATA, NIC])
        # nothing to select here: the group holds what the host needs, and the
        # fixes say so instead of suggesting it
        self.assertNotIn('select', [f['kind'] for f in fixes])
        why = [f for f in fixes if f['kind'] == 'other']
        self.assertEqual(len(why), 1, fixes)
        self.assertIn(SATA, why[0]['text'])
        self.assertIn('mounted filesystem', why[0]['text'])
        self.assertIn(NIC, why[0]['text'])
        self.assertIn('default network route', why[0]['text'])
        self.assertEqual(fixes[0]['devices'], [CARD])

    def test_boot_gpu_in_the_group(self):
        # the host's GPU (07:00.0, boot_vga) wired behind the chipset too
        snap = self.write(move_to_group(self.snapshot, {BOOT_GPU, '0000:07:00.1'}, 15))
        rc, plan = self.plan('--select', CARD, snapshot=snap)
        self.assertEqual(rc, 1)
        blocker = self.group_blocker(plan)
        self.assertIn(BOOT_GPU, blocker['devices'])
        self.assert_ranked(blocker['fixes'], [SATA, NIC, BOOT_GPU])
        self.assertNotIn('select', [f['kind'] for f in blocker['fixes']])
        why = [f['text'] for f in blocker['fixes'] if f['kind'] == 'other'][0]
        self.assertIn('the GPU the firmware boots on', why)

    def test_harmless_group_offers_select_after_slot_and_firmware(self):
        data = copy.deepcopy(self.snapshot)
        for g in data['groups']:
            for d in g['devices']:
                d['holds'] = []
                d['default_route'] = False
        rc, plan = self.plan('--select', CARD, snapshot=self.write(data))
        fixes = self.group_blocker(plan)['fixes']
        kinds = [f['kind'] for f in fixes]
        self.assertEqual(kinds, ['move-slot', 'firmware', 'select', 'acs-override'])
        self.assertEqual(fixes[2]['devices'], [USB, SATA, NIC])
        # the app acts on an option: taking it, the override fix is not offered again
        rc, plan = self.plan('--select', CARD, '--acs-override', 'downstream,multifunction',
                             snapshot=self.write(data))
        kinds = [f['kind'] for f in self.group_blocker(plan)['fixes']]
        self.assertNotIn('acs-override', kinds)

    def test_last_gpu_is_never_selected(self):
        # the boot GPU flag off: no guard, yet the group holds the host's only other GPU
        data = move_to_group(self.snapshot, {BOOT_GPU, '0000:07:00.1'}, 15)
        for g in data['groups']:
            for d in g['devices']:
                d['holds'] = []
                d['default_route'] = False
                d['boot_vga'] = False
        rc, plan = self.plan('--select', CARD, snapshot=self.write(data))
        fixes = self.group_blocker(plan)['fixes']
        self.assertNotIn('select', [f['kind'] for f in fixes])
        self.assertIn('no GPU left', [f for f in fixes if f['kind'] == 'other'][0]['text'])

    def test_last_gpu_blocker_offers_the_option(self):
        rc, plan = self.plan('--select', BOOT_GPU, '--select', CARD)
        blocker = [b for b in plan['blockers'] if b['code'] == 'last-gpu']
        self.assertEqual(len(blocker), 1, plan['blockers'])
        options = [f['option'] for f in blocker[0]['fixes'] if f['kind'] == 'option']
        self.assertEqual(options, [{'key': 'allow-last-gpu', 'value': True}])
        # the boot GPU is a blocker of its own; with no GPU left, its firmware
        # fix names none to switch to
        boot = [b for b in plan['blockers'] if b['code'] == 'boot-gpu'][0]
        self.assertEqual([f['kind'] for f in boot['fixes']], ['firmware', 'other', 'option'])
        self.assertEqual(boot['fixes'][0]['devices'], [BOOT_GPU])
        self.assertIn('no other GPU', boot['fixes'][0]['text'])
        self.assertEqual(boot['fixes'][2]['option'], {'key': 'allow-last-gpu', 'value': True})
        # allowed, the host loses its screen anyway: the boot GPU only warns
        rc, plan = self.plan('--select', BOOT_GPU, '--select', CARD, '--allow-last-gpu')
        self.assertNotIn('boot-gpu', [b['code'] for b in plan['blockers']])
        self.assertIn('boot-gpu', [w['code'] for w in plan['warnings']])

    def test_framebuffer_off_without_the_boot_gpu_warns(self):
        rc, plan = self.plan('--select', CARD, '--framebuffer-off')
        warning = [w for w in plan['warnings'] if w['code'] == 'framebuffer-off-not-boot-gpu']
        self.assertEqual(len(warning), 1, plan['warnings'])
        self.assertEqual([f['option'] for f in warning[0]['fixes']], [{'key': 'framebuffer-off', 'value': False}])
        rc, plan = self.plan('--select', CARD, '--select', BOOT_GPU, '--framebuffer-off', '--allow-last-gpu')
        self.assertNotIn('framebuffer-off-not-boot-gpu', [w['code'] for w in plan['warnings']])

    def test_cli_prints_the_fixes_in_order(self):
        r = fx.run('--root', self.root, 'plan', '--select', CARD)
        self.assertEqual(r.returncode, 1)
        self.assertIn('      1. Move ', r.stdout)
        self.assertNotIn('select those too', r.stdout)


class CheckFixes(unittest.TestCase):
    def check(self, machine):
        r = fx.run('--root', ROOTS.get(machine), 'check', '--json')
        return {c['code']: c for c in json.loads(r.stdout)['checks']}

    def test_failed_checks_carry_fixes_beside_fix(self):
        for machine, code, kinds in (('gpu-chipset-group', 'cpu-virtualization', ['firmware']),
                                     ('laptop-hm87-gtx765m', 'interrupt-remapping', ['firmware', 'option']),
                                     ('no-iommu', 'iommu', ['firmware'])):
            checks = self.check(machine)
            c = checks[code]
            self.assertFalse(c['ok'])
            self.assertEqual([f['kind'] for f in c['fixes']], kinds, machine)
            self.assertEqual(c['fixes'][0]['text'], c['fix'])
            for ok in (x for x in checks.values() if x['ok']):
                self.assertEqual(ok['fixes'], [])
        option = self.check('laptop-hm87-gtx765m')['interrupt-remapping']['fixes'][1]['option']
        self.assertEqual(option, {'key': 'unsafe-interrupts', 'value': True})


if __name__ == '__main__':
    unittest.main(verbosity=2)
