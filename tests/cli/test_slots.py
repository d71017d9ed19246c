#!/usr/bin/python3
# `passthroughctl slots [--json]`, the slot advisor (docs/machine-knowledge.md):
# on slots-z690 (CPU and chipset slots, a PLX switch, PCH ports without ACS,
# physical slot names, links; config space as root reads it), on
# gpu-chipset-group (a B450 board as a normal user sees it: no ACS, no port
# types), through a snapshot, and on snapshots made before "pcie" existed.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixturelib as fx  # noqa: E402

ROOTS = None


def setUpModule():
    global ROOTS
    ROOTS = fx.Roots()


def tearDownModule():
    ROOTS.cleanup()


def slots(*args):
    r = fx.run(*args, 'slots', '--json')
    if r.returncode != 0:
        raise AssertionError(f'slots --json failed ({r.returncode}): {r.stderr}')
    return {s['port']: s for s in json.loads(r.stdout)['slots']}


class Z690(unittest.TestCase):
    def setUp(self):
        self.root = ROOTS.get('slots-z690')
        self.slots = slots('--root', self.root)

    def test_the_slots_are_the_ports_that_lead_to_no_port(self):
        # 00:1b.0 leads to the switch and 06:00.0 is its upstream port: no slots
        self.assertEqual(sorted(self.slots), [
            '0000:00:01.0', '0000:00:01.1', '0000:00:06.0', '0000:00:1c.0', '0000:00:1c.4',
            '0000:07:08.0', '0000:07:09.0', '0000:07:10.0'])

    def test_every_field_is_there(self):
        for s in self.slots.values():
            self.assertEqual(set(s), {'port', 'slot', 'attached', 'group', 'isolated', 'why', 'acs',
                                      'link', 'devices', 'shares_with', 'bridges_without_acs'})
            self.assertEqual(set(s['link']), {'width', 'speed', 'current_width', 'current_speed'})
            self.assertTrue(s['why'].endswith('.'), s['why'])

    def test_cpu_slot_with_the_gpu(self):
        s = self.slots['0000:00:01.0']
        self.assertEqual((s['slot'], s['attached'], s['group'], s['isolated'], s['acs']),
                         ('PCIE1', 'cpu', 12, True, True))
        self.assertEqual(s['link'], {'width': 16, 'speed': '16.0 GT/s',
                                     'current_width': 16, 'current_speed': '16.0 GT/s'})
        self.assertEqual(s['devices'], ['0000:01:00.0', '0000:01:00.1'])
        self.assertEqual(s['shares_with'], [])

    def test_empty_cpu_slot_with_acs_gets_a_new_group(self):
        s = self.slots['0000:00:01.1']
        self.assertEqual((s['slot'], s['attached'], s['group'], s['isolated'], s['devices']),
                         ('PCIE2', 'cpu', None, True, []))
        self.assertEqual(s['link'], {'width': 8, 'speed': '16.0 GT/s',
                                     'current_width': None, 'current_speed': None})
        self.assertIn('ACS', s['why'])

    def test_chipset_ports_without_acs_share_a_group(self):
        gpu = self.slots['0000:00:1c.0']
        nic = self.slots['0000:00:1c.4']
        self.assertEqual((gpu['slot'], gpu['attached'], gpu['group'], gpu['isolated'], gpu['acs']),
                         ('PCIE3', 'chipset', 8, False, False))
        self.assertEqual(gpu['shares_with'], ['0000:05:00.0'])
        self.assertEqual(gpu['bridges_without_acs'], ['0000:00:1c.0'])
        self.assertIn('I225-V', gpu['why'])
        self.assertIn('No ACS on 0000:00:1c.0', gpu['why'])
        self.assertEqual((nic['slot'], nic['isolated']), (None, False))
        self.assertEqual(nic['shares_with'], ['0000:04:00.0', '0000:04:00.1'])
        self.assertEqual(gpu['link']['current_width'], 4)

    def test_a_shared_group_names_the_ports_that_isolate(self):
        # the GTX 1050 behind the chipset shares group 8 with the I225-V: the
        # plan's move-slot fix names the free slots that would isolate it
        r = fx.run('--root', self.root, 'plan', '--select', '04:00.0', '--json')
        plan = json.loads(r.stdout)
        fixes = [f for i in plan['blockers'] + plan['warnings'] for f in i['fixes'] if f['kind'] == 'move-slot']
        self.assertTrue(fixes, plan)
        isolating = sorted(p for p, s in self.slots.items() if s['isolated'] and not s['devices'])
        self.assertIn('0000:00:01.1', isolating)
        self.assertEqual(fixes[0]['ports'], isolating)
        self.assertEqual(fixes[0]['devices'], ['0000:04:00.0'])
        self.assertIn('0000:00:01.1', fixes[0]['text'])

    def test_switch_ports(self):
        for port in ('0000:07:08.0', '0000:07:09.0', '0000:07:10.0'):
            self.assertEqual(self.slots[port]['attached'], 'switch')
            self.assertTrue(self.slots[port]['isolated'], port)
        # no ACS on 07:09.0, but its group holds only the USB card behind it
        self.assertEqual(self.slots['0000:07:09.0']['bridges_without_acs'], ['0000:07:09.0'])
        self.assertEqual(self.slots['0000:07:09.0']['group'], 14)
        self.assertEqual(self.slots['0000:07:10.0']['slot'], 'PCIE4')

    def test_text(self):
        r = fx.run('--root', self.root, 'slots')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('✗ 0000:00:1c.0 (slot “PCIE3”), behind the chipset, x4 8.0 GT/s, group 8', r.stdout)
        self.assertIn('✓ 0000:00:01.1 (slot “PCIE2”), wired to the CPU, x8 16.0 GT/s', r.stdout)
        self.assertIn('now: empty', r.stdout)

    def test_a_snapshot_carries_the_same_slots(self):
        listing = fx.run('--root', self.root, 'list', '--json')
        self.assertEqual(listing.returncode, 0, listing.stderr)
        d = fx.devices_by_address(json.loads(listing.stdout))
        self.assertEqual(d['0000:00:1c.0']['pcie'],
                         {'secondary_bus': 4, 'port_type': 'root-port', 'acs': False,
                          'link_width': 4, 'max_link_width': 4, 'link_speed': '8.0 GT/s',
                          'max_link_speed': '8.0 GT/s', 'slot': 'PCIE3'})
        self.assertEqual(d['0000:06:00.0']['pcie']['port_type'], 'upstream-port')
        with tempfile.NamedTemporaryFile('w', suffix='.json') as f:
            f.write(listing.stdout)
            f.flush()
            self.assertEqual(slots('--snapshot', f.name), self.slots)
            again = fx.run('--snapshot', f.name, 'list', '--json')
            self.assertEqual(again.stdout, listing.stdout)


class NormalUser(unittest.TestCase):
    """gpu-chipset-group: 256 bytes of config (no port types, no ACS), no links."""

    def test_b450(self):
        s = slots('--root', ROOTS.get('gpu-chipset-group'))
        # 00:01.2 leads to the chipset's switch, 00:07.1 and 00:08.1 to the
        # processor's own functions: none is a slot
        self.assertEqual(sorted(s), ['0000:00:01.1', '0000:00:03.1', '0000:03:00.0',
                                     '0000:03:01.0', '0000:03:04.0'])
        self.assertEqual((s['0000:00:03.1']['attached'], s['0000:00:03.1']['isolated']), ('cpu', True))
        gtx = s['0000:03:01.0']
        self.assertEqual((gtx['attached'], gtx['group'], gtx['isolated'], gtx['acs']),
                         ('chipset', 15, False, None))
        self.assertEqual(gtx['shares_with'], ['0000:02:00.0', '0000:02:00.1', '0000:06:00.0'])
        self.assertIn('can be read as root only', gtx['why'])
        # an empty chipset port: a card there would join the port's group 15
        self.assertEqual((s['0000:03:00.0']['group'], s['0000:03:00.0']['isolated']), (15, False))

    def test_old_snapshots_load(self):
        # the demo snapshots were written before "pcie": every fact unknown
        s = slots('--snapshot', os.path.join(fx.DEMO, 'threadripper-x399.json'))
        self.assertGreater(len(s), 0)
        for slot in s.values():
            self.assertIsNone(slot['acs'])
            self.assertIsNone(slot['slot'])

    def test_bad_pcie_is_refused(self):
        listing = json.loads(fx.run('--root', ROOTS.get('slots-z690'), 'list', '--json').stdout)
        for bad, word in (({'acs': 'yes'}, 'acs'), ({'secondary_bus': 300}, 'secondary_bus'),
                          ({'port_type': 'sideways'}, 'port_type'), ([], 'pcie')):
            listing['groups'][1]['devices'][0]['pcie'] = bad
            with tempfile.NamedTemporaryFile('w', suffix='.json') as f:
                json.dump(listing, f)
                f.flush()
                r = fx.run('--snapshot', f.name, 'slots', '--json')
                self.assertEqual(r.returncode, 1, r.stdout)
                self.assertIn(word, r.stderr)
                self.assertEqual(r.stdout, '')

    def test_no_arguments(self):
        r = fx.run('--root', ROOTS.get('slots-z690'), 'slots', 'extra')
        self.assertEqual(r.returncode, 2)


if __name__ == '__main__':
    unittest.main()
