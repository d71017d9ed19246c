#!/usr/bin/python3
# A state.json written by the release at commit a868f44 (state format 1)
# must still load and revert byte for byte with every later build.  Each
# case in tests/engine/state-a868f44/ (made by make-state.py there, with the
# passthroughctl of a868f44) is the fixture root of its case plus the files
# that old apply changed or created, var/lib/passthrough included.  This
# build must read it (status, plan), and its revert must give back the
# fixture root byte for byte, running the commands a868f44's own revert ran
# (the inverse of the ones the edit ran, as test_seeds.py checks).
# SPDX-License-Identifier: GPL-3.0-or-later
import json
import os
import shutil
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from enginelib import HERE, Root, load_json, snapshot  # noqa: E402
from test_seeds import SEEDS  # noqa: E402

STATE_DIR = os.path.join(HERE, 'state-a868f44')


def case_names():
    return sorted(n for n in os.listdir(STATE_DIR) if os.path.isfile(os.path.join(STATE_DIR, n, 'case.json')))


def files_below(top):
    out = []
    for d, dirs, files in os.walk(top):
        out += [os.path.relpath(os.path.join(d, f), top) for f in files]
    return sorted(out)


class StateCompatTest(unittest.TestCase):
    def fixture(self, name):
        """The case's fixture root as it was before the old apply, and its case.json."""
        with open(os.path.join(STATE_DIR, name, 'case.json'), encoding='utf-8') as f:
            case = json.load(f)
        root = Root(case['root'])
        self.addCleanup(root.cleanup)
        root.snapshot = snapshot(case['snapshot'])
        for rel in case['remove']:
            os.unlink(root.file(rel))
        if 'etc/initramfs-tools/modules' in case['remove']:
            shutil.rmtree(root.file('etc/initramfs-tools'))   # as test_detection.py does
        for rel in case['dirs']:
            os.makedirs(root.file(rel), exist_ok=True)
        self.overlay(root, os.path.join(STATE_DIR, name, 'before'))
        return case, root

    def overlay(self, root, top, only=None, modes=None):
        if not os.path.isdir(top):
            return
        for rel in files_below(top):
            if only and not only(rel):
                continue
            os.makedirs(os.path.dirname(root.file(rel)), exist_ok=True)
            shutil.copyfile(os.path.join(top, rel), root.file(rel))
            if modes is not None:
                os.chmod(root.file(rel), int(modes[rel], 8))   # git keeps no modes

    def check(self, name):
        case, root = self.fixture(name)
        after = os.path.join(STATE_DIR, name, 'after')
        # The running kernel as the last old step left it (boot id, command
        # line after a trial start) belongs to the machine, not to the state:
        # revert leaves it, so it is part of what revert must give back.
        self.overlay(root, after, only=lambda rel: rel.startswith('proc/'))
        expect = root.tree()
        self.assertEqual(sorted(case['modes']), files_below(after), 'case.json lists every stored file')
        for rel in case['created_dirs']:
            os.makedirs(root.file(rel), exist_ok=True)
        self.overlay(root, after, modes=case['modes'])
        for rel, mode in case['created_dirs'].items():
            os.chmod(root.file(rel), int(mode, 8))
        applied = root.tree(skip_state=False)

        # status loads the old state and tells what a868f44 told
        r = root.run('status', '--json')
        self.assertIn(r.returncode, (0, 1), r.stderr + r.stdout)
        self.assertNotIn('state file', r.stderr)
        s = load_json(r.stdout)
        old = case['status']
        self.assertEqual(s['state'], old['state'])
        self.assertEqual(s['pending_reboot'], old['pending_reboot'])
        self.assertEqual([d['address'] for d in s['devices']], old['devices'])
        self.assertEqual([h['action'] for h in s['history']], old['history'])
        self.assertEqual(s.get('way_back'), old['way_back'])

        # plan for the same selection: loads, no crash, writes nothing; the
        # newer engine may find something to add, which is not checked here
        r = root.run('plan', '--json', *case['args'])
        self.assertIn(r.returncode, (0, 1), r.stderr + r.stdout)
        self.assertNotIn('state file', r.stderr)
        plan = load_json(r.stdout)
        self.assertIn('changes', plan)
        self.assertEqual(root.tree(skip_state=False), applied, 'plan wrote something')

        # revert: every byte of the fixture root back, the inverse commands
        root.clear_commands()
        legacy = ['grub2-mkconfig', '-o', '/boot/grub2/grub.cfg']
        made_by_old_apply = case['root'].startswith('grub-esp-') and legacy in case['revert_commands']
        if made_by_old_apply:
            # what that recorded command left on a real machine
            root.write('boot/grub2/grub.cfg', '# made by grub2-mkconfig\n')
        r = root.run('revert', snapshot=False)
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
        if made_by_old_apply:
            os.unlink(root.file('boot/grub2/grub.cfg'))
        self.assertEqual(root.tree(), expect)
        if case['root'].startswith('grub-esp-'):
            # a868f44 regenerated /boot/grub2/grub.cfg there; the revert now
            # also regenerates the grub.cfg GRUB reads on the ESP
            # (regenerate_legacy_grub_cfg in src/core/engine/pt-plan.c)
            for cmd in case['revert_commands']:
                self.assertIn(cmd, root.commands())
        else:
            self.assertEqual(root.commands(), case['revert_commands'])
        spec = SEEDS.get(case['root'])
        if spec and case['steps'] == [['run', 'apply'] + spec['args']] and not os.path.isdir(
                os.path.join(STATE_DIR, name, 'before')):
            self.assertEqual(root.commands(), spec['revert'])
        r = root.run('status', '--json')
        s = load_json(r.stdout)
        self.assertEqual(s['state'], 'not-applied')
        self.assertEqual([h['action'] for h in s['history']], old['history'] + ['revert'])


def add_tests():
    for name in case_names():
        setattr(StateCompatTest, 'test_' + name.replace('-', '_'),
                lambda self, name=name: self.check(name))


add_tests()

if __name__ == '__main__':
    unittest.main(verbosity=2)
