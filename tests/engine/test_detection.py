#!/usr/bin/python3
# Every row of docs/boot-setup.md's two tables that the seed roots do not
# cover: which file is edited, which command regenerates, and apply/revert
# round trips byte for byte.  Each case starts from seed 004's machine
# (Proxmox hardware, IDs unique) with its bootloader and initramfs files
# replaced by the ones the row needs.
# SPDX-License-Identifier: GPL-3.0-or-later
import os
import shutil
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from enginelib import Root, load_json  # noqa: E402

TOKENS = 'iommu=pt vfio-pci.ids=10de:1381,10de:0fbc'
DEBIAN_MODULES = '# List of modules that you want to include in your initramfs.\n'

CASES = {
    'grub-arch': {
        'files': {'etc/default/grub': 'GRUB_DEFAULT=0\nGRUB_TIMEOUT=5\nGRUB_DISTRIBUTOR="Arch"\n'
                                      'GRUB_CMDLINE_LINUX_DEFAULT="loglevel=3 quiet"\nGRUB_CMDLINE_LINUX=""\n',
                  'etc/mkinitcpio.conf': 'MODULES=()\nHOOKS=(base udev autodetect modconf block filesystems fsck)\n'},
        'remove': ['etc/debian_version', 'etc/initramfs-tools/modules'],
        'bootloader': 'grub', 'initramfs': 'mkinitcpio',
        'expect': {'etc/default/grub': 'GRUB_CMDLINE_LINUX_DEFAULT="loglevel=3 quiet %s"\n' % TOKENS,
                   'etc/mkinitcpio.conf': 'MODULES=(vfio_pci vfio vfio_iommu_type1)\n'},
        'commands': [['mkinitcpio', '-P'], ['grub-mkconfig', '-o', '/boot/grub/grub.cfg']],
    },
    'grub2-opensuse': {
        'files': {'etc/default/grub': 'GRUB_DEFAULT=saved\nGRUB_CMDLINE_LINUX_DEFAULT="splash=silent quiet"\n',
                  'boot/grub2/grub.cfg': '# generated\n',
                  'etc/dracut.conf': '# dracut\n'},
        'dirs': ['etc/dracut.conf.d'],
        'remove': ['etc/debian_version', 'etc/initramfs-tools/modules'],
        'bootloader': 'grub', 'initramfs': 'dracut',
        'expect': {'etc/default/grub': 'GRUB_CMDLINE_LINUX_DEFAULT="splash=silent quiet iommu=pt '
                                       'rd.driver.pre=vfio_pci vfio-pci.ids=10de:1381,10de:0fbc"\n',
                   'etc/dracut.conf.d/passthrough.conf': 'force_drivers+=" vfio_pci vfio vfio_iommu_type1 "\n'},
        'commands': [['dracut', '--regenerate-all', '--force'],
                     ['grub2-mkconfig', '-o', '/boot/grub2/grub.cfg']],
    },
    'proxmox-boot-tool': {
        'files': {'etc/kernel/cmdline': 'root=ZFS=rpool/ROOT/pve-1 boot=zfs\n',
                  'etc/kernel/proxmox-boot-uuids': '6C4A-2B1F\n',
                  'etc/initramfs-tools/modules': DEBIAN_MODULES,
                  'efi/loader/loader.conf': 'timeout 3\n',
                  'efi/loader/entries/proxmox-6.8.12-4-pve.conf': 'title Proxmox\noptions root=ZFS=rpool/ROOT/pve-1 boot=zfs\n'},
        'remove': ['etc/default/grub'],
        'bootloader': 'kernel-cmdline', 'initramfs': 'initramfs-tools',
        'expect': {'etc/kernel/cmdline': 'root=ZFS=rpool/ROOT/pve-1 boot=zfs %s\n' % TOKENS,
                   'etc/initramfs-tools/modules': 'vfio_iommu_type1\n'},
        'commands': [['update-initramfs', '-u', '-k', 'all'], ['proxmox-boot-tool', 'refresh']],
    },
    'uki-kernel-cmdline': {
        'files': {'etc/kernel/cmdline': 'rd.luks.name=8a6e=root root=/dev/mapper/root rw\n',
                  'etc/dracut.conf': '# dracut\n'},
        'dirs': ['etc/dracut.conf.d'],
        'remove': ['etc/default/grub', 'etc/initramfs-tools/modules'],
        'bootloader': 'kernel-cmdline', 'initramfs': 'dracut',
        'expect': {'etc/kernel/cmdline': 'rd.luks.name=8a6e=root root=/dev/mapper/root rw iommu=pt '
                                         'rd.driver.pre=vfio_pci vfio-pci.ids=10de:1381,10de:0fbc\n'},
        'commands': [['dracut', '--regenerate-all', '--force']],
    },
    # apt-get install dracut on Debian: initramfs-tools removed, its /etc/initramfs-tools kept
    'debian-switched-to-dracut': {
        'files': {'usr/bin/dracut': '#!/bin/bash\n', 'etc/dracut.conf.d/10-debian.conf': 'do_prelink="no"\n'},
        'bootloader': 'grub', 'initramfs': 'dracut',
        'expect': {'etc/default/grub': 'GRUB_CMDLINE_LINUX_DEFAULT="quiet iommu=pt rd.driver.pre=vfio_pci '
                                       'vfio-pci.ids=10de:1381,10de:0fbc"\n',
                   'etc/dracut.conf.d/passthrough.conf': 'force_drivers+=" vfio_pci vfio vfio_iommu_type1 "\n'},
        'commands': [['dracut', '--regenerate-all', '--force'], ['update-grub']],
    },
    'limine': {
        'files': {'boot/limine.conf': 'timeout: 5\n\n/Arch Linux\n    protocol: linux\n    path: boot():/vmlinuz-linux\n'
                                      '    cmdline: root=UUID=1c2d rw quiet\n    module_path: boot():/initramfs-linux.img\n',
                  'etc/booster.yaml': 'compression: zstd\n'},
        'remove': ['etc/default/grub', 'etc/initramfs-tools/modules'],
        'bootloader': 'limine', 'initramfs': 'booster',
        'expect': {'boot/limine.conf': '    cmdline: root=UUID=1c2d rw quiet %s\n' % TOKENS,
                   'etc/booster.yaml': 'modules_force_load: vfio_pci,vfio,vfio_iommu_type1'},
        'commands': [['/usr/lib/booster/regenerate_images']],
        'warnings': ['booster-limits'],
    },
    'refind': {
        'files': {'boot/refind_linux.conf': '"Boot with standard options"  "root=UUID=7e1f rw quiet"\n'
                                            '"Boot to single-user mode"    "root=UUID=7e1f rw single"\n',
                  'etc/mkinitcpio.conf': 'MODULES=(amdgpu)\nHOOKS=(base udev)\n'},
        'dirs': ['etc/mkinitcpio.conf.d'],
        'remove': ['etc/default/grub', 'etc/initramfs-tools/modules'],
        'bootloader': 'refind', 'initramfs': 'mkinitcpio',
        'expect': {'boot/refind_linux.conf': '"root=UUID=7e1f rw quiet %s"' % TOKENS,
                   'etc/mkinitcpio.conf.d/passthrough.conf': 'MODULES+=(vfio_pci vfio vfio_iommu_type1)\n'},
        'commands': [['mkinitcpio', '-P']],
    },
}


class DetectionTest(unittest.TestCase):
    def make(self, case):
        root = Root('seed004')
        self.addCleanup(root.cleanup)
        for rel in case.get('remove', []):
            os.unlink(root.file(rel))
        if 'etc/initramfs-tools/modules' in case.get('remove', []):
            shutil.rmtree(root.file('etc/initramfs-tools'))
        for rel in case.get('dirs', []):
            os.makedirs(root.file(rel), exist_ok=True)
        for rel, text in case['files'].items():
            root.write(rel, text)
        return root

    def check(self, name):
        case = CASES[name]
        root = self.make(case)
        before = root.tree()
        r = root.run('plan', '--json', '--select', '0000:01:00.0')
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
        plan = load_json(r.stdout)
        self.assertEqual((plan['bootloader'], plan['initramfs']), (case['bootloader'], case['initramfs']))
        self.assertEqual(plan['commands'], case['commands'])
        for code in case.get('warnings', []):
            self.assertIn(code, [w['code'] for w in plan['warnings']])
        r = root.run('apply', '--select', '0000:01:00.0')
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
        for rel, text in case['expect'].items():
            self.assertIn(text, root.read(rel), rel)
        self.assertEqual(root.commands(), case['commands'])
        root.clear_commands()
        r = root.run('apply', '--select', '0000:01:00.0')
        self.assertIn('Nothing to change', r.stdout)
        r = root.run('revert', snapshot=False)
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
        self.assertEqual(root.tree(), before)

    def test_grub_with_grub_mkconfig(self):
        self.check('grub-arch')

    def test_grub2_mkconfig(self):
        self.check('grub2-opensuse')

    def test_proxmox_boot_tool(self):
        self.check('proxmox-boot-tool')

    def test_kernel_cmdline_alone(self):
        self.check('uki-kernel-cmdline')

    def test_dracut_replacing_initramfs_tools(self):
        self.check('debian-switched-to-dracut')

    def test_initramfs_tools_beside_dracut_config(self):
        # dracut's configuration without dracut (or with update-initramfs still there): initramfs-tools
        root = self.make({'files': {'etc/dracut.conf.d/10-debian.conf': 'do_prelink="no"\n'}})
        r = root.run('plan', '--json', '--select', '0000:01:00.0')
        self.assertEqual(load_json(r.stdout)['initramfs'], 'initramfs-tools', r.stderr)
        root.write('usr/bin/dracut', '#!/bin/bash\n')
        root.write('usr/sbin/update-initramfs', '#!/bin/sh\n')
        r = root.run('plan', '--json', '--select', '0000:01:00.0')
        self.assertEqual(load_json(r.stdout)['initramfs'], 'initramfs-tools', r.stderr)

    def test_limine_and_booster(self):
        self.check('limine')

    def test_refind_and_mkinitcpio_dropin(self):
        self.check('refind')

    def test_booster_cannot_bind_by_address(self):
        root = self.make(CASES['limine'])
        r = root.run('plan', '--json', '--select', '0000:01:00.0', '--bind-by', 'address')
        self.assertEqual(r.returncode, 1)
        self.assertIn('booster-no-address-binding', [b['code'] for b in load_json(r.stdout)['blockers']])


if __name__ == '__main__':
    unittest.main(verbosity=2)
