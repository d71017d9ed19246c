#!/usr/bin/python3
# passthroughctl plan|apply --select-ids VENDOR:DEVICE (src/core/pt-select-ids.c,
# docs/select-ids.md), --option KEY=VALUE and plan --revert, on the engine's
# fixture roots and their snapshots.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import json
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'engine'))
import enginelib  # noqa: E402


class SelectIds(unittest.TestCase):
    def root(self, seed):
        r = enginelib.Root(seed)
        self.addCleanup(r.cleanup)
        return r

    def plan(self, root, *args, rc=0):
        p = root.run('plan', *args, '--json')
        self.assertEqual(p.returncode, rc, p.stderr)
        return json.loads(p.stdout)

    def fails(self, root, args, rc, needle):
        before = root.tree(skip_state=False)
        p = root.run(*args)
        self.assertEqual(p.returncode, rc, p.stderr)
        self.assertEqual(p.stdout, '')
        self.assertIn(needle, p.stderr)
        self.assertEqual(root.tree(skip_state=False), before, 'a refused command changed files')

    def test_every_device_with_the_ids(self):
        # seed 003 has two igb NICs with the same IDs, 04:00.0 and 06:00.0.
        plan = self.plan(self.root('seed003'), '--select-ids', '8086:1539', rc=1)
        self.assertEqual(plan['selection'] if 'selection' in plan else
                         [d['address'] for d in plan['device_details'] if d['reason'] == 'selected'],
                         ['0000:04:00.0', '0000:06:00.0'])
        self.assertIn('group-not-taken', [b['code'] for b in plan['blockers']])

    def test_the_slots_functions_come_along(self):
        plan = self.plan(self.root('seed004'), '--select-ids', '10de:1381')
        self.assertEqual(plan['devices'], ['0000:01:00.0', '0000:01:00.1'])
        reasons = {d['address']: d['reason'] for d in plan['device_details']}
        self.assertEqual(reasons['0000:01:00.0'], 'selected')
        self.assertIn('same slot as 0000:01:00.0', reasons['0000:01:00.1'])

    def test_same_plan_as_by_address(self):
        r = self.root('seed003')
        by_ids = self.plan(r, '--select-ids', '10DE:1B80')   # upper case is the same IDs
        by_address = self.plan(r, '--select', '08:00.0')
        self.assertEqual(by_ids, by_address)

    def test_select_and_select_ids_together_once(self):
        plan = self.plan(self.root('seed000'), '--select', '0000:09:00.0', '--select-ids', '1002:73ff')
        self.assertEqual(plan['devices'], ['0000:09:00.0', '0000:09:00.1'])

    def test_apply_by_ids_writes_what_apply_by_address_writes(self):
        a, b = self.root('seed000'), self.root('seed000')
        self.assertEqual(a.run('apply', '--select-ids', '1002:73ff').returncode, 0)
        self.assertEqual(b.run('apply', '--select', '09:00.0').returncode, 0)
        self.assertEqual(a.tree(), b.tree())
        self.assertNotEqual(a.tree(), enginelib.original_tree('seed000'))
        self.assertEqual(a.commands(), b.commands())

    def test_ids_no_device_has(self):
        self.fails(self.root('seed004'), ['apply', '--select-ids', '10de:1b80'], 1,
                   'No PCI device on this system has the IDs 10de:1b80')

    def test_ids_of_a_bridge(self):
        # seed 003's 00:14.3 (1022:790e) is an ISA bridge.
        self.fails(self.root('seed003'), ['plan', '--select-ids', '1022:790e'], 1, 'only to bridges')

    def test_malformed_ids(self):
        r = self.root('seed004')
        for bad in ('10de', '10de:13', '10de:1381:0', 'x0de:1381', '10de-1381', '10de:1381 '):
            self.fails(r, ['apply', '--select-ids', bad], 2, 'is not a vendor:device pair')
        self.fails(r, ['plan', '--select-ids'], 2, '--select-ids needs')

    def test_a_typo_is_named_before_a_missing_device(self):
        self.fails(self.root('seed004'), ['plan', '--select-ids', '10de:1381', '--select-ids', 'nvidia'], 2,
                   '“nvidia” is not a vendor:device pair')


class OptionFlag(unittest.TestCase):
    def test_option_keys_of_the_helper(self):
        r = enginelib.Root('seed004')
        self.addCleanup(r.cleanup)
        p = r.run('plan', '--select', '01:00.0', '--option', 'binding=address', '--option', 'iommu-pt=false',
                  '--json')
        self.assertEqual(p.returncode, 0, p.stderr)
        plan = json.loads(p.stdout)
        self.assertEqual(plan['binding'], 'address')
        self.assertNotIn('iommu=pt', plan['kernel_args'])
        same = r.run('plan', '--select', '01:00.0', '--bind-by', 'address', '--no-iommu-pt', '--json')
        self.assertEqual(json.loads(same.stdout), plan)

    def test_bad_options(self):
        r = enginelib.Root('seed004')
        self.addCleanup(r.cleanup)
        for args, needle in ((['--option', 'iommu_pt=false'], 'Unknown option “iommu_pt”'),
                             (['--option', 'binding=true'], 'must be a string'),
                             (['--option', 'binding'], 'KEY=VALUE'),
                             (['--option', '=ids'], 'KEY=VALUE')):
            p = r.run('plan', '--select', '01:00.0', *args)
            self.assertEqual(p.returncode, 2, (args, p.stderr))
            self.assertIn(needle, p.stderr)


class PlanRevert(unittest.TestCase):
    def test_plan_revert_shows_what_revert_would_do(self):
        r = enginelib.Root('seed004')
        self.addCleanup(r.cleanup)
        p = r.run('plan', '--revert', '--json')
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout)['changes'], [])
        self.assertEqual(r.run('apply', '--select-ids', '10de:1381').returncode, 0)
        applied = r.tree(skip_state=False)
        plan = json.loads(r.run('plan', '--revert', '--json').stdout)
        self.assertTrue(plan['revert'])
        self.assertEqual(sorted(c['path'] for c in plan['changes']),
                         ['/etc/default/grub', '/etc/initramfs-tools/modules', '/etc/modprobe.d/passthrough.conf'])
        self.assertIn('-GRUB_CMDLINE_LINUX_DEFAULT', ''.join(c['diff'] for c in plan['changes']))
        self.assertEqual(r.tree(skip_state=False), applied, 'plan --revert wrote something')
        text = r.run('plan', '--revert')
        self.assertIn('Undo everything Passthrough changed.', text.stdout)
        bad = r.run('plan', '--revert', '--select', '01:00.0')
        self.assertEqual(bad.returncode, 2)


if __name__ == '__main__':
    unittest.main(verbosity=2)
