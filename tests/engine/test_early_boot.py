#!/usr/bin/python3
# The early by-address binding scripts (data/early-boot), run with dash —
# the shell of Debian's initramfs — against a made-up /sys: the parameter
# switches them, the IDs guard the slot, nothing but built-ins and modprobe
# are used.
# SPDX-License-Identifier: GPL-3.0-or-later
import os
import shutil
import stat
import subprocess
import tempfile
import unittest

BUILD = os.environ.get('PASSTHROUGH_BUILD_ROOT', '')
SOURCE = os.environ.get('PASSTHROUGH_SOURCE_ROOT', '')
SCRIPTS = {
    'initramfs-tools init-top': os.path.join(BUILD, 'data', 'early-boot', '00-passthrough-vfio'),
    'dracut pre-udev': os.path.join(BUILD, 'data', 'early-boot', 'passthrough-vfio.sh'),
}
SHELL = shutil.which('dash') or '/bin/sh'


class EarlyBootTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix='pt-early-')
        self.addCleanup(shutil.rmtree, self.tmp)
        self.sys = os.path.join(self.tmp, 'sys')
        for addr, ids in [('0000:02:00.0', '8086:10d3'), ('0000:08:00.0', '8086:10d3')]:
            d = os.path.join(self.sys, 'bus', 'pci', 'devices', addr)
            os.makedirs(d)
            v, dev = ids.split(':')
            with open(os.path.join(d, 'vendor'), 'w') as f:
                f.write('0x%s\n' % v)
            with open(os.path.join(d, 'device'), 'w') as f:
                f.write('0x%s\n' % dev)
        # 02:00.0 is held by a driver (as a built-in one would)
        drv = os.path.join(self.sys, 'bus', 'pci', 'drivers', 'e1000e')
        os.makedirs(drv)
        os.symlink(drv, os.path.join(self.sys, 'bus', 'pci', 'devices', '0000:02:00.0', 'driver'))
        self.kmsg = os.path.join(self.tmp, 'kmsg')
        open(self.kmsg, 'w').close()
        self.modprobe_log = os.path.join(self.tmp, 'modprobe.log')
        self.modprobe = os.path.join(self.tmp, 'modprobe')
        with open(self.modprobe, 'w') as f:
            f.write('#!/bin/sh\necho "$@" >> %s\n' % self.modprobe_log)
        os.chmod(self.modprobe, 0o755)

    def run_script(self, script, cmdline, how='exec'):
        path = os.path.join(self.tmp, 'cmdline')
        with open(path, 'w') as f:
            f.write(cmdline + '\n')
        env = {'PATH': '/nonexistent',   # no tr, sed, awk, cat: built-ins only
               'PASSTHROUGH_EARLY_SYSFS': self.sys, 'PASSTHROUGH_EARLY_CMDLINE': path,
               'PASSTHROUGH_EARLY_KMSG': self.kmsg, 'PASSTHROUGH_EARLY_MODPROBE': self.modprobe}
        if how == 'source':
            # dracut sources its hooks: the script must not exit the caller
            argv = [SHELL, '-c', '. "$0"; echo still-here', script]
        else:
            argv = [SHELL, script]
        return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=30)

    def override(self, addr):
        p = os.path.join(self.sys, 'bus', 'pci', 'devices', addr, 'driver_override')
        if not os.path.exists(p):
            return None
        with open(p) as f:
            return f.read().strip()

    def read(self, path):
        if not os.path.exists(path):
            return ''
        with open(path) as f:
            return f.read()

    def test_binds_only_the_listed_address(self):
        for name, script in SCRIPTS.items():
            with self.subTest(script=name):
                self.setUp()
                r = self.run_script(script, 'root=/dev/sda1 ro passthrough.vfio=0000:08:00.0@8086:10d3 quiet')
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(r.stderr, '')
                self.assertEqual(self.override('0000:08:00.0'), 'vfio-pci')
                self.assertIsNone(self.override('0000:02:00.0'))
                self.assertEqual(self.read(os.path.join(self.sys, 'bus', 'pci', 'drivers_probe')), '0000:08:00.0\n')
                self.assertEqual(self.read(self.modprobe_log), 'vfio-pci\n')
                self.assertIn('passthrough: 0000:08:00.0 set to vfio-pci', self.read(self.kmsg))

    def test_nothing_without_the_parameter(self):
        for name, script in SCRIPTS.items():
            with self.subTest(script=name):
                self.setUp()
                r = self.run_script(script, 'root=/dev/sda1 ro quiet vfio-pci.ids=8086:10d3')
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertIsNone(self.override('0000:08:00.0'))
                self.assertIsNone(self.override('0000:02:00.0'))
                self.assertEqual(self.read(self.modprobe_log), '')
                self.assertEqual(self.read(self.kmsg), '')

    def test_other_ids_in_the_slot_are_left_alone(self):
        r = self.run_script(SCRIPTS['initramfs-tools init-top'],
                            'passthrough.vfio=0000:08:00.0@8086:10d4,0000:09:00.0@8086:10d3,../../x@8086:10d3')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIsNone(self.override('0000:08:00.0'))
        log = self.read(self.kmsg)
        self.assertIn('passthrough: 0000:08:00.0 is not 8086:10d4, left alone', log)
        self.assertIn('passthrough: 0000:09:00.0 is not present, left alone', log)
        self.assertIn('passthrough: ../../x is not a PCI address, left alone', log)
        self.assertEqual(self.read(self.modprobe_log), '')

    def test_a_held_device_is_unbound_first(self):
        r = self.run_script(SCRIPTS['initramfs-tools init-top'],
                            'passthrough.vfio=0000:02:00.0@8086:10d3,0000:08:00.0@8086:10d3')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.override('0000:02:00.0'), 'vfio-pci')
        self.assertEqual(self.read(os.path.join(self.sys, 'bus', 'pci', 'drivers', 'e1000e', 'unbind')),
                         '0000:02:00.0\n')

    def test_dracut_hook_returns_to_its_caller(self):
        r = self.run_script(SCRIPTS['dracut pre-udev'], 'passthrough.vfio=0000:08:00.0@8086:10d3', how='source')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.strip(), 'still-here')
        r = self.run_script(SCRIPTS['dracut pre-udev'], 'quiet', how='source')
        self.assertEqual(r.stdout.strip(), 'still-here')

    def test_prereqs_and_order(self):
        script = SCRIPTS['initramfs-tools init-top']
        r = subprocess.run([SHELL, script, 'prereqs'], capture_output=True, text=True)
        self.assertEqual((r.returncode, r.stdout), (0, '\n'))
        # init-top runs in alphabetical order: ours must come before udev
        self.assertLess('00-passthrough-vfio', 'udev')

    def test_scripts_parse(self):
        for path in list(SCRIPTS.values()) + [
                os.path.join(SOURCE, 'data', 'early-boot', 'initramfs-tools-hook'),
                os.path.join(BUILD, 'data', 'early-boot', 'passthrough')]:
            r = subprocess.run([SHELL, '-n', path], capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, path + r.stderr)
        for path in [os.path.join(SOURCE, 'data', 'early-boot', 'dracut-module-setup.sh'),
                     os.path.join(SOURCE, 'data', 'early-boot', 'mkinitcpio-install')]:
            r = subprocess.run(['bash', '-n', path], capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, path + r.stderr)

    def test_installed_executable(self):
        script = SCRIPTS['initramfs-tools init-top']
        with open(script) as f:
            self.assertTrue(f.readline().startswith('#!/bin/sh'))
        self.assertTrue(os.stat(script).st_mode & stat.S_IRUSR)


if __name__ == '__main__':
    unittest.main(verbosity=2)
