#!/usr/bin/python3
# The traps (docs/machine-knowledge.md) in `check --json` and as `plan --json`
# warnings: each made on a fixture root by adding the one file the kernel
# would show (proc/iomem, sys/module/vendor_reset, d3cold_allowed,
# resourceN_resize, DMI, the cpuinfo flag, proc/PID/fd), and gone again
# without it.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import json
import os
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixturelib as fx  # noqa: E402

FIX_FIELDS = {'kind', 'devices', 'ports', 'option', 'text'}


class Traps(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix='pt-traps-')

    def tearDown(self):
        self.tmp.cleanup()

    def root(self, machine):
        root = os.path.join(self.tmp.name, machine)
        fx.make_sysfs.build_root(fx.load_machine(machine), root)
        return root

    def write(self, root, rel, text):
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w') as f:
            f.write(text)

    def device_dir(self, root, address):
        return os.path.realpath(os.path.join(root, 'sys/bus/pci/devices', address))

    def traps(self, root):
        r = fx.run('--root', root, 'check', '--json')
        self.assertIn(r.returncode, (0, 1), r.stderr)
        traps = json.loads(r.stdout)['traps']
        for t in traps:
            self.assertEqual(set(t), {'code', 'severity', 'message', 'devices', 'fixes'})
            self.assertGreater(len(t['fixes']) if t['severity'] != 'info' else 1, 0, t)
            for f in t['fixes']:
                self.assertEqual(set(f), FIX_FIELDS)
                self.assertEqual(f['ports'], [])
        return traps

    def codes(self, root):
        return sorted((t['code'], tuple(t['devices'])) for t in self.traps(root))

    def plan_warnings(self, root, *args):
        r = fx.run('--root', root, 'plan', *args, '--json')
        self.assertIn(r.returncode, (0, 1), r.stderr)
        return {w['code']: w for w in json.loads(r.stdout)['warnings']}

    def test_nothing_on_a_plain_machine(self):
        self.assertEqual(self.codes(self.root('slots-z690')), [])

    def test_reset_bug(self):
        root = self.root('gpu-chipset-group')       # an RX 580 (1002:67df) at 07:00.0
        [t] = self.traps(root)
        self.assertEqual((t['code'], t['severity'], t['devices']), ('reset-bug', 'warning', ['0000:07:00.0']))
        self.assertIn('Polaris 10', t['message'])
        self.assertIn('vendor-reset', t['fixes'][0]['text'])
        # vendor-reset loaded, but reset_method is still "bus": it is not used
        os.makedirs(os.path.join(root, 'sys/module/vendor_reset'))
        [t] = self.traps(root)
        self.assertIn('reset_method is “bus”', t['message'])
        self.assertIn('device_specific', t['fixes'][0]['text'])
        self.write(root, os.path.join(self.device_dir(root, '0000:07:00.0'), 'reset_method'), 'device_specific\n')
        self.assertEqual(self.traps(root), [])
        # a Navi 23 (73ff) is not among the families
        root = self.root('arch-navi23')
        self.assertNotIn('reset-bug', [c for c, _ in self.codes(root)])

    def test_boot_framebuffer(self):
        root = self.root('slots-z690')
        iomem = ('00000000-00000fff : Reserved\n'
                 '6000000000-600fffffff : PCI Bus 0000:01\n'
                 '  6000000000-600fffffff : 0000:01:00.0\n'
                 '    6000000000-60002fffff : BOOTFB\n'
                 'fe000000-fe0fffff : 0000:00:02.0\n')
        self.write(root, 'proc/iomem', iomem)
        codes = self.codes(root)
        self.assertIn(('boot-framebuffer', ('0000:01:00.0',)), codes)
        w = self.plan_warnings(root, '--select', '01:00.0')
        self.assertIn('boot-framebuffer', w)
        self.assertIn('BAR can', w['boot-framebuffer']['message'])
        [t] = [t for t in self.traps(root) if t['code'] == 'boot-framebuffer']
        self.assertEqual(t['fixes'][0]['option'], {'key': 'framebuffer-off', 'value': True})
        self.assertEqual(t['fixes'][1]['kind'], 'firmware')
        # the plan's warning carries the same fixes, in the shape of every plan issue
        self.assertEqual(w['boot-framebuffer']['fixes'], t['fixes'])
        # the plan with the option has its fix already
        self.assertNotIn('boot-framebuffer', self.plan_warnings(root, '--select', '01:00.0', '--framebuffer-off'))
        # as a normal user reads it: every address 0, the nesting tells
        self.write(root, 'proc/iomem', iomem.replace('6000000000', '00000000').replace('600fffffff', '00000000')
                   .replace('60002fffff', '00000000'))
        self.assertIn(('boot-framebuffer', ('0000:01:00.0',)), self.codes(root))
        # on the boot GPU (the iGPU, the host's console) it is where it belongs
        # (check asks about the other GPUs); a plan selecting it is told
        self.write(root, 'proc/iomem', '4000000000-400fffffff : 0000:00:02.0\n  4000000000-40002fffff : efifb\n'
                   '6000000000-600fffffff : 0000:01:00.0\n')
        self.assertEqual(self.codes(root), [])
        self.assertIn('boot-framebuffer', self.plan_warnings(root, '--select', '00:02.0'))

    def test_d3cold(self):
        root = self.root('slots-z690')
        for addr in ('0000:01:00.0', '0000:04:00.0'):
            self.write(root, os.path.join(self.device_dir(root, addr), 'd3cold_allowed'), '1\n')
        # the RTX 4090 has FLR; the GTX 1050 (reset=bus) has not
        self.assertEqual(self.codes(root), [('d3cold', ('0000:04:00.0',))])
        [t] = self.traps(root)
        self.assertIn('disable_idle_d3=1', t['fixes'][0]['text'])
        self.assertEqual(t['fixes'][0]['option'], {'key': 'disable-idle-d3', 'value': True})
        self.assertIn('d3cold', self.plan_warnings(root, '--select', '04:00.0'))
        self.assertNotIn('d3cold', self.plan_warnings(root, '--select', '04:00.0', '--disable-idle-d3'))
        self.write(root, os.path.join(self.device_dir(root, '0000:04:00.0'), 'd3cold_allowed'), '0\n')
        self.assertEqual(self.codes(root), [])

    def test_virtual_machine(self):
        root = self.root('slots-z690')
        self.write(root, 'sys/class/dmi/id/sys_vendor', 'QEMU\n')
        [t] = self.traps(root)
        self.assertEqual((t['code'], t['severity'], t['devices']), ('virtual-machine', 'warning', []))
        self.assertIn('QEMU', t['message'])
        self.assertIn('vIOMMU', t['message'])
        # without an IOMMU: the advice is the host or a vIOMMU, not firmware menus
        root = self.root('no-iommu')
        with open(os.path.join(root, 'proc/cpuinfo')) as f:
            cpuinfo = f.read()
        self.write(root, 'proc/cpuinfo', cpuinfo.replace('flags\t\t: fpu', 'flags\t\t: fpu hypervisor'))
        [t] = [t for t in self.traps(root) if t['code'] == 'virtual-machine']
        self.assertIn('without an IOMMU', t['message'])
        self.assertIn('intel-iommu', t['fixes'][0]['text'])
        # "hypervisor" elsewhere than the flags is no flag
        self.write(root, 'proc/cpuinfo', cpuinfo + 'model name\t: hypervisor\n')
        self.assertNotIn('virtual-machine', [c for c, _ in self.codes(root)])

    def test_rebar_is_information(self):
        root = self.root('slots-z690')
        d = self.device_dir(root, '0000:01:00.0')
        self.write(root, os.path.join(d, 'resource1_resize'), '0000000000007fc0\n')
        self.write(root, os.path.join(d, 'resource'),
                   '0x0000000084000000 0x0000000084ffffff 0x0000000000040200\n'
                   '0x0000006000000000 0x000000600fffffff 0x000000000014220c\n'
                   + '0x0000000000000000 0x0000000000000000 0x0000000000000000\n' * 11)
        [t] = self.traps(root)
        self.assertEqual((t['code'], t['severity'], t['fixes']), ('rebar', 'info', []))
        self.assertIn('BAR 1 of 0000:01:00.0 is resizable (64 MiB, 128 MiB, 256 MiB, 512 MiB, 1 GiB, '
                      '2 GiB, 4 GiB, 8 GiB, 16 GiB; now 256 MiB)', t['message'])
        self.assertNotIn('rebar', self.plan_warnings(root, '--select', '01:00.0'))

    def test_in_use(self):
        root = self.root('slots-z690')
        # the RTX 4090 on nvidia: /dev/nvidia0 held by Xorg; the GTX 1050 on
        # nouveau: its DRM node held by a game
        self.write(root, 'proc/driver/nvidia/gpus/0000:01:00.0/information', 'Model: x\nDevice Minor: \t 0\n')
        os.makedirs(os.path.join(self.device_dir(root, '0000:04:00.0'), 'drm', 'card1'))
        os.makedirs(os.path.join(self.device_dir(root, '0000:04:00.0'), 'drm', 'renderD129'))
        for pid, comm, targets in (('812', 'Xorg', ['/dev/null', '/dev/nvidia0']),
                                   ('4242', 'glxgears', ['/dev/dri/renderD129']),
                                   ('77', 'bash', ['/dev/dri/card0', '/dev/tty1'])):
            self.write(root, f'proc/{pid}/comm', comm + '\n')
            os.makedirs(os.path.join(root, f'proc/{pid}/fd'))
            for n, target in enumerate(targets):
                os.symlink(target, os.path.join(root, f'proc/{pid}/fd/{n}'))
        traps = {t['devices'][0]: t for t in self.traps(root) if t['code'] == 'in-use'}
        self.assertEqual(sorted(traps), ['0000:01:00.0', '0000:04:00.0'])
        self.assertIn('in use by Xorg (pid 812)', traps['0000:01:00.0']['message'])
        self.assertIn('in use by glxgears (pid 4242)', traps['0000:04:00.0']['message'])
        w = self.plan_warnings(root, '--select', '04:00.0')
        self.assertEqual(w['in-use']['devices'], ['0000:04:00.0'])
        shutil.rmtree(os.path.join(root, 'proc/4242'))
        self.assertEqual([t['devices'] for t in self.traps(root) if t['code'] == 'in-use'],
                         [['0000:01:00.0']])

    def test_text(self):
        root = self.root('gpu-chipset-group')
        r = fx.run('--root', root, 'check')
        self.assertIn('[reset-bug]', r.stdout)
        self.assertIn('→ Install vendor-reset', r.stdout)


if __name__ == '__main__':
    unittest.main()
