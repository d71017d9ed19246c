#!/usr/bin/python3
# passthroughctl under valgrind's memcheck: a full listing, a snapshot round
# trip and two error paths, with no memory errors and no definite leaks.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import shutil
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixturelib as fx  # noqa: E402

VALGRIND = shutil.which('valgrind')
SUPP = os.path.join(fx.SOURCE_ROOT, 'tests', 'valgrind.supp')
ROOTS = None


def setUpModule():
    global ROOTS
    ROOTS = fx.Roots()


def tearDownModule():
    ROOTS.cleanup()


@unittest.skipIf(VALGRIND is None, 'valgrind is not installed')
@unittest.skipIf(os.environ.get('PASSTHROUGH_SANITIZER_BUILD'),
                 'a sanitizer build: valgrind cannot run it, the sanitizers watch it')
class Valgrind(unittest.TestCase):
    def memcheck(self, *args, rc=0):
        env = dict(os.environ, G_SLICE='always-malloc', LC_ALL='C.UTF-8')
        r = subprocess.run([VALGRIND, '--error-exitcode=99', '--leak-check=full',
                            '--errors-for-leak-kinds=definite', '--suppressions=' + SUPP,
                            fx.CTL, *args], capture_output=True, text=True, env=env, timeout=600)
        self.assertNotEqual(r.returncode, 99, r.stderr[-4000:])
        self.assertEqual(r.returncode, rc, r.stderr[-4000:])
        self.assertIn('ERROR SUMMARY: 0 errors', r.stderr)
        return r

    def test_list_json(self):
        r = self.memcheck('--root', ROOTS.get('threadripper-x399'), 'list', '--json')
        path = os.path.join(ROOTS.tmp.name, 'tr.json')
        with open(path, 'w') as f:
            f.write(r.stdout)
        self.memcheck('--snapshot', path, 'list')

    def test_list_text_and_check(self):
        self.memcheck('--root', ROOTS.get('sriov-server'), 'list')
        self.memcheck('--root', ROOTS.get('no-iommu'), 'check', rc=1)

    def test_error_paths(self):
        root = os.path.join(ROOTS.tmp.name, 'novendor')
        shutil.copytree(ROOTS.get('qemu-q35'), root, symlinks=True)
        os.unlink(os.path.join(root, 'sys/devices/pci0000:00/0000:00:03.0/0000:02:00.0/vendor'))
        self.memcheck('--root', root, 'list', '--json', rc=1)
        bad = os.path.join(ROOTS.tmp.name, 'bad.json')
        with open(bad, 'w') as f:
            f.write('{"format": 1, "groups": [{"id": 1, "devices": [{"address": "1:2"}]}]}')
        self.memcheck('--snapshot', bad, 'list', rc=1)


if __name__ == '__main__':
    unittest.main(verbosity=2)
