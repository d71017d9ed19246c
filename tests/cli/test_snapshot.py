#!/usr/bin/python3
# Snapshots: `list --json` → file → `--snapshot FILE list --json` gives the
# same JSON for every machine, and the demo snapshots in data/demo load and
# still match what the generator's roots give today.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixturelib as fx  # noqa: E402

ROOTS = None

# data/demo/<file> was made from tests/fixtures/machines/<machine>.machine
DEMOS = {
    'threadripper-x399.json': 'threadripper-x399',
    'arch-navi23.json': 'arch-navi23',
    'laptop-optimus.json': 'laptop-optimus',
    'twin-gpu.json': 'twin-gpu',
}


def setUpModule():
    global ROOTS
    ROOTS = fx.Roots()


def tearDownModule():
    ROOTS.cleanup()


def identity(data, with_names):
    """What must not drift: groups, addresses, IDs (and names)."""
    out = []
    for g in data['groups'] + [{'id': None, 'devices': data['ungrouped']}]:
        for d in g['devices']:
            row = (g['id'], d['address'], d['vendor'], d['device'], d['class'], d['revision'],
                   d['subsystem_vendor'], d['subsystem_device'])
            if with_names:
                row += (d['vendor_name'], d['device_name'], d['class_name'])
            out.append(row)
    return sorted(out, key=repr)


class RoundTrip(unittest.TestCase):
    def round_trip(self, name):
        first = fx.run('--root', ROOTS.get(name), 'list', '--json')
        self.assertEqual(first.returncode, 0, first.stderr)
        path = os.path.join(ROOTS.tmp.name, name + '.json')
        with open(path, 'w') as f:
            f.write(first.stdout)
        second = fx.run('--snapshot', path, 'list', '--json')
        self.assertEqual(second.returncode, 0, second.stderr)
        self.assertEqual(json.loads(second.stdout), json.loads(first.stdout))
        self.assertEqual(second.stdout, first.stdout)
        text = fx.run('--snapshot', path, 'list')
        self.assertEqual(text.returncode, 0, text.stderr)
        self.assertIn(f'snapshot {path}', text.stdout)


for _name in fx.machine_names():
    setattr(RoundTrip, 'test_' + _name.replace('-', '_'), lambda self, n=_name: self.round_trip(n))


class Demo(unittest.TestCase):
    def test_demo_files_are_the_ones_we_know(self):
        files = sorted(f for f in os.listdir(fx.DEMO) if f.endswith('.json'))
        self.assertEqual(files, sorted(DEMOS))
        self.assertTrue(os.path.exists(os.path.join(fx.DEMO, 'SOURCES')))

    def test_demos_load_and_match_the_generator(self):
        for demo, machine in DEMOS.items():
            with self.subTest(demo=demo):
                path = os.path.join(fx.DEMO, demo)
                r = fx.run('--snapshot', path, 'list', '--json')
                self.assertEqual(r.returncode, 0, r.stderr)
                loaded = json.loads(r.stdout)
                with open(path) as f:
                    committed = json.load(f)
                self.assertEqual(identity(loaded, True), identity(committed, True))
                today = fx.list_json(ROOTS.get(machine))
                self.assertEqual(identity(loaded, False), identity(today, False))
                self.assertEqual(identity(loaded, True), identity(today, True),
                                 'names differ from this machine\'s pci.ids; regenerate data/demo')
                text = fx.run('--snapshot', path, 'list')
                self.assertEqual(text.returncode, 0, text.stderr)

    def test_threadripper_demo_shows_the_problems(self):
        r = fx.run('--snapshot', os.path.join(fx.DEMO, 'threadripper-x399.json'), 'list')
        self.assertEqual(r.returncode, 0, r.stderr)
        for needle in ('40 IOMMU groups', 'shares group 13 with', 'boot GPU', 'same IDs as 0000:06:00.0'):
            self.assertIn(needle, r.stdout)


if __name__ == '__main__':
    unittest.main(verbosity=2)
