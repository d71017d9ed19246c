#!/usr/bin/python3
# Bad input never crashes passthroughctl and never half-prints: one clear line
# on stderr (plus the usage hint for usage errors), nothing on stdout, exit 1
# (2 for usage errors).
#
# SPDX-License-Identifier: GPL-3.0-or-later

import json
import os
import shutil
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixturelib as fx  # noqa: E402

ROOTS = None
NIC = 'sys/devices/pci0000:00/0000:00:03.0/0000:02:00.0'   # qemu-q35's e1000e


def setUpModule():
    global ROOTS
    ROOTS = fx.Roots()


def tearDownModule():
    ROOTS.cleanup()


class BadInput(unittest.TestCase):
    def assertFails(self, args, rc, *needles):
        r = fx.run(*args)
        self.assertEqual(r.returncode, rc, f'{args}: {r.stderr}')
        self.assertEqual(r.stdout, '', f'{args} printed to stdout')
        lines = r.stderr.splitlines()
        self.assertTrue(lines, 'no message')
        self.assertTrue(lines[0].startswith('passthroughctl: '), lines[0])
        self.assertLessEqual(len(lines), 2 if rc == 2 else 1, r.stderr)
        if rc == 2:
            self.assertIn('--help', r.stderr)
        for n in needles:
            self.assertIn(n, lines[0])
        self.assertNotIn('CRITICAL', r.stderr)
        return lines[0]

    def broken_root(self, name):
        root = os.path.join(ROOTS.tmp.name, 'broken-' + name)
        shutil.copytree(ROOTS.get('qemu-q35'), root, symlinks=True)
        return root

    # -- damaged sysfs ----------------------------------------------------

    def test_missing_vendor(self):
        root = self.broken_root('vendor')
        os.unlink(os.path.join(root, NIC, 'vendor'))
        self.assertFails(['--root', root, 'list', '--json'], 1, 'vendor', '0000:02:00.0')
        self.assertFails(['--root', root, 'list'], 1, 'vendor')

    def test_garbage_class(self):
        root = self.broken_root('class')
        with open(os.path.join(root, NIC, 'class'), 'w') as f:
            f.write('ethernet!\n')
        self.assertFails(['--root', root, 'list', '--json'], 1, 'class', 'ethernet!', 'hexadecimal')

    def test_dangling_iommu_group(self):
        root = self.broken_root('group')
        link = os.path.join(root, NIC, 'iommu_group')
        os.unlink(link)
        os.symlink('../../../../kernel/iommu_groups/99', link)
        self.assertFails(['--root', root, 'list', '--json'], 1, '0000:02:00.0', 'iommu_group', '99')

    def test_iommu_group_not_a_number(self):
        root = self.broken_root('groupname')
        link = os.path.join(root, NIC, 'iommu_group')
        os.unlink(link)
        os.symlink('../../../../kernel/iommu_groups/nine', link)
        self.assertFails(['--root', root, 'list', '--json'], 1, 'nine')

    def test_no_sysfs(self):
        root = os.path.join(ROOTS.tmp.name, 'empty')
        os.makedirs(root, exist_ok=True)
        self.assertFails(['--root', root, 'list'], 1, 'sys/bus/pci/devices')

    def test_nonexistent_root(self):
        self.assertFails(['--root', '/nonexistent/passthrough-root', 'list'], 1,
                         '/nonexistent/passthrough-root', 'does not exist')
        self.assertFails(['--root', '/nonexistent/passthrough-root', 'check'], 1, 'does not exist')

    # -- malformed snapshots ---------------------------------------------

    def snapshot(self, name, content):
        path = os.path.join(ROOTS.tmp.name, name + '.json')
        with open(path, 'w') as f:
            f.write(content if isinstance(content, str) else json.dumps(content))
        return path

    def good(self):
        return fx.list_json(ROOTS.get('qemu-q35'))

    def test_snapshot_not_json(self):
        self.assertFails(['--snapshot', self.snapshot('notjson', '{"format": 1, "groups": ['), 'list'], 1,
                         'not valid JSON')

    def test_snapshot_not_an_object(self):
        self.assertFails(['--snapshot', self.snapshot('array', '[1, 2]'), 'list'], 1, 'not valid')

    def test_snapshot_wrong_format(self):
        data = self.good()
        data['format'] = 7
        self.assertFails(['--snapshot', self.snapshot('format', data), 'list', '--json'], 1, 'format 7')
        del data['format']
        self.assertFails(['--snapshot', self.snapshot('noformat', data), 'list'], 1, 'format')

    def test_snapshot_bad_address(self):
        data = self.good()
        data['groups'][0]['devices'][0]['address'] = '00:00.0'
        self.assertFails(['--snapshot', self.snapshot('addr', data), 'list'], 1, '00:00.0')

    def test_snapshot_duplicate_device(self):
        data = self.good()
        data['groups'][1]['devices'].append(data['groups'][0]['devices'][0])
        self.assertFails(['--snapshot', self.snapshot('dup', data), 'list'], 1, '0000:00:00.0', 'twice')

    def test_snapshot_wrong_types(self):
        cases = [('vendor', 0x8086, 'vendor'), ('boot_vga', 'yes', 'boot_vga'),
                 ('virtfns', '0000:01:00.1', 'virtfns'), ('driver', 5, 'driver'),
                 ('class', '0200', 'class'), ('kind', 'toaster', 'toaster')]
        for field, value, needle in cases:
            with self.subTest(field=field):
                data = self.good()
                data['groups'][9]['devices'][0][field] = value
                self.assertFails(['--snapshot', self.snapshot('type-' + field, data), 'list'], 1, needle)
        data = self.good()
        data['groups'] = {'0': []}
        self.assertFails(['--snapshot', self.snapshot('groups', data), 'list'], 1, 'groups')

    def test_snapshot_nested_too_deep(self):
        # 100,000 levels once ran json-glib out of stack (a segfault); the
        # nesting is now measured before parsing (src/core/pt-json-depth.c)
        for name, text in [('deep-arrays', '[' * 100000), ('deep-objects', '{"a": ' * 100000 + '1')]:
            path = self.snapshot(name, text)
            for command in (['list'], ['list', '--json'], ['plan', '--select', '0000:01:00.0'], ['status']):
                with self.subTest(file=name, command=command[0]):
                    line = self.assertFails(['--snapshot', path, *command], 1)
                    self.assertEqual(line, f'passthroughctl: {path} is not a Passthrough snapshot: its JSON '
                                           'is nested 100000 levels deep, more than the 16 a snapshot can have.')

    def test_snapshot_with_a_comment(self):
        data = '/* ] */ ' + json.dumps(self.good())
        self.assertFails(['--snapshot', self.snapshot('comment', data), 'list'], 1, 'comment')

    def test_snapshot_missing_file(self):
        self.assertFails(['--snapshot', os.path.join(ROOTS.tmp.name, 'absent.json'), 'list'], 1, 'absent.json')

    # -- usage ------------------------------------------------------------

    def test_unknown_flag(self):
        self.assertFails(['--frobnicate', 'list'], 2, '--frobnicate')
        self.assertFails(['list', '--frobnicate'], 2, '--frobnicate')

    def test_unknown_command(self):
        self.assertFails(['frobnicate'], 2, 'frobnicate')
        self.assertFails([], 2)

    def test_option_without_value(self):
        self.assertFails(['list', '--root'], 2, '--root')
        self.assertFails(['list', '--snapshot'], 2, '--snapshot')

    def test_extra_argument(self):
        self.assertFails(['--root', ROOTS.get('qemu-q35'), 'list', 'everything'], 2, 'everything')


if __name__ == '__main__':
    unittest.main(verbosity=2)
