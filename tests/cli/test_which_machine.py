#!/usr/bin/python3
# Errors name the machine the command read: with --snapshot F the snapshot F
# (never "this system"), with --root DIR the system in DIR, and their
# `list` hint is the command that lists that machine (run here to prove it
# does).  A forgotten --snapshot file, which would take the command's name
# for the file, is said as such.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import hashlib
import os
import re
import shlex
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixturelib as fx  # noqa: E402

DEMO = os.path.join(fx.DEMO, 'threadripper-x399.json')


def digest(root):
    h = hashlib.sha256()
    for d, dirs, files in sorted(os.walk(root)):
        dirs.sort()
        for name in sorted(files + dirs):
            p = os.path.join(d, name)
            h.update(p.encode())
            if os.path.isfile(p) and not os.path.islink(p):
                with open(p, 'rb') as f:
                    h.update(f.read())
    return h.hexdigest()


class WhichMachine(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.roots = fx.Roots()
        cls.addClassCleanup(cls.roots.cleanup)

    def fails(self, args, rc, cwd=None):
        r = fx.run(*args, cwd=cwd)
        self.assertEqual(r.returncode, rc, f'{args}: {r.stderr}')
        self.assertEqual(r.stdout, '', f'{args} printed to stdout')
        first = r.stderr.splitlines()[0]
        self.assertTrue(first.startswith('passthroughctl: '), first)
        self.assertNotIn('this system', r.stderr)
        return first

    def hint(self, line):
        """The quoted `passthroughctl … list` command of a message."""
        m = re.search(r'“(passthroughctl [^”]*list)”', line)
        self.assertIsNotNone(m, f'no list hint in: {line}')
        return shlex.split(m.group(1))

    def assertHintLists(self, line, header):
        argv = self.hint(line)
        r = fx.run(*argv[1:])
        self.assertEqual(r.returncode, 0, f'the hint {argv} fails: {r.stderr}')
        self.assertTrue(r.stdout.startswith(f'Passthrough: {header} — '), r.stdout[:200])

    # -- --snapshot F: the snapshot, and its list ------------------------

    def test_unknown_device_in_a_snapshot(self):
        line = self.fails(['--snapshot', DEMO, 'plan', '--select', '99:00.0'], 1)
        self.assertEqual(line, f'passthroughctl: There is no PCI device 0000:99:00.0 in the snapshot {DEMO}; '
                               f'“passthroughctl --snapshot {DEMO} list” shows the devices there are. '
                               'Nothing was changed.')
        self.assertHintLists(line, f'snapshot {DEMO}')

    def test_one_unknown_among_known(self):
        line = self.fails(['--snapshot', DEMO, 'plan', '--select', '08:00.0', '--select', '0000:77:00.1', '--json'], 1)
        self.assertIn('no PCI device 0000:77:00.1 in the snapshot', line)

    def test_a_snapshot_path_the_shell_would_split_is_quoted(self):
        tmp = tempfile.mkdtemp(prefix='pt-which machine ')
        self.addCleanup(shutil.rmtree, tmp)
        for name in ('my machine.json', "it's (mine);$HOME.json"):
            with self.subTest(name=name):
                path = os.path.join(tmp, name)
                shutil.copy(DEMO, path)
                line = self.fails(['--snapshot', path, 'plan', '--select', '99:00.0'], 1)
                self.assertEqual(self.hint(line), ['passthroughctl', '--snapshot', path, 'list'])
                self.assertHintLists(line, f'snapshot {path}')

    def test_usage_hints_carry_the_snapshot(self):
        line = self.fails(['--snapshot', DEMO, 'plan', '--select', 'zz'], 2)
        self.assertIn('“zz” is not a PCI address', line)
        self.assertEqual(self.hint(line), ['passthroughctl', '--snapshot', DEMO, 'list'])
        line = self.fails(['--snapshot', DEMO, 'plan'], 2)
        self.assertIn('Which devices?', line)
        self.assertEqual(self.hint(line), ['passthroughctl', '--snapshot', DEMO, 'list'])
        line = self.fails(['--snapshot', DEMO], 2)
        self.assertIn('Which command?', line)
        self.assertEqual(self.hint(line), ['passthroughctl', '--snapshot', DEMO, 'list'])

    # -- --root DIR: the system in DIR, and nothing changed ---------------

    def test_unknown_device_under_a_root(self):
        root = self.roots.get('qemu-q35')
        before = digest(root)
        for command in ('plan', 'apply'):
            with self.subTest(command=command):
                line = self.fails(['--root', root, command, '--select', '0000:42:00.0', '--no-commands']
                                  if command == 'apply' else ['--root', root, command, '--select', '0000:42:00.0'], 1)
                self.assertEqual(line, f'passthroughctl: There is no PCI device 0000:42:00.0 in the system in {root}; '
                                       f'“passthroughctl --root {root} list” shows the devices there are. '
                                       'Nothing was changed.')
                self.assertHintLists(line, f'the system in {root}')
        self.assertEqual(digest(root), before, 'a refused apply changed the root')

    # -- the file forgotten ----------------------------------------------

    def test_snapshot_file_forgotten(self):
        for args, command in ((['--snapshot', 'list'], 'list'),
                              (['--snapshot', 'list', '--json'], 'list'),
                              (['--json', '--snapshot', 'status'], 'status'),
                              (['--snapshot', 'plan', '--select', '08:00.0'], 'plan')):
            with self.subTest(args=args):
                line = self.fails(args, 2)
                self.assertEqual(line, f'passthroughctl: The snapshot file is missing: --snapshot took “{command}” '
                                       f'for its file, so no command is left. Write it like '
                                       f'“passthroughctl --snapshot FILE {command}”.')

    def test_root_directory_forgotten(self):
        line = self.fails(['--root', 'revert'], 2)
        self.assertIn('The directory is missing: --root took “revert” for its directory', line)
        self.assertIn('“passthroughctl --root DIR revert”', line)

    def test_a_file_named_like_a_command_still_works(self):
        # Only a command name with no command after it is taken as forgotten:
        # a snapshot that happens to be called "list" loads.
        tmp = tempfile.mkdtemp(prefix='pt-which-')
        self.addCleanup(shutil.rmtree, tmp)
        shutil.copy(DEMO, os.path.join(tmp, 'list'))
        r = fx.run('--snapshot', 'list', 'list', cwd=tmp)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.startswith('Passthrough: snapshot list — 67 devices, 40 IOMMU groups'), r.stdout[:120])
        # given with "=", the word is the file the person meant
        line = self.fails(['--snapshot=list'], 2, cwd=tmp)
        self.assertIn('Which command?', line)

    # -- --help names the manual ------------------------------------------

    def test_help_names_the_manual(self):
        r = fx.run('--help')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('“man passthroughctl”', r.stdout)
        self.assertIn('“man ./data/man/passthroughctl.1”', r.stdout)
        self.assertTrue(os.path.isfile(os.path.join(fx.SOURCE_ROOT, 'data', 'man', 'passthroughctl.1')))


if __name__ == '__main__':
    unittest.main(verbosity=2)
