#!/usr/bin/python3
# One fixture root per seed system: apply gives the golden files and the
# expected commands, a second apply changes nothing, revert gives back every
# byte and runs the inverse of the commands that were the edit.
#
# PASSTHROUGH_UPDATE_GOLDEN=1 rewrites tests/engine/golden from what apply
# wrote (then read every diff before committing it).
# SPDX-License-Identifier: GPL-3.0-or-later
import os
import shutil
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from enginelib import HERE, Root, load_json  # noqa: E402

GOLDEN = os.path.join(HERE, 'golden')

KARGS_001 = ['iommu=pt', 'rd.driver.pre=vfio_pci', 'vfio-pci.ids=1002:73bf,1002:73a4,8086:1539',
             'pci-stub.ids=1002:73a6', 'passthrough.vfio=0000:0e:00.1@1002:ab28']
KARGS_002 = 'intel_iommu=on iommu=pt vfio-pci.ids=10de:1e07,10de:10f7,10de:1ad6,10de:1ad7'
KARGS_003 = 'iommu=pt rd.driver.pre=vfio_pci vfio-pci.ids=10de:1b80,10de:10f0,1912:0014'

SEEDS = {
    'seed000': {
        'args': ['--select', '0000:09:00.0'],
        'files': ['boot/loader/entries/arch.conf', 'boot/loader/entries/passthrough-way-back.conf',
                  'etc/modprobe.d/passthrough.conf',
                  'etc/mkinitcpio.conf.d/passthrough.conf'],
        'apply': [['mkinitcpio', '-P']],
        'revert': [['mkinitcpio', '-P']],
    },
    'seed001': {
        'args': ['--select', '0000:0e:00.0', '--select', '0000:05:00.0', '--usb-pci-stub'],
        'files': ['etc/modprobe.d/passthrough.conf', 'etc/dracut.conf.d/passthrough.conf'],
        'apply': [['rpm-ostree', 'kargs'] + ['--append-if-missing=' + k for k in KARGS_001],
                  ['rpm-ostree', 'initramfs', '--enable']],
        'revert': [['rpm-ostree', 'kargs'] + ['--delete-if-present=' + k for k in KARGS_001]],
    },
    'seed002': {
        'args': ['--select', '0000:01:00.0'],
        'files': ['etc/modprobe.d/passthrough.conf', 'etc/initramfs-tools/modules'],
        'apply': [['kernelstub', '-a', KARGS_002], ['update-initramfs', '-u', '-k', 'all']],
        'revert': [['kernelstub', '-d', KARGS_002], ['update-initramfs', '-u', '-k', 'all']],
    },
    'seed003': {
        'args': ['--select', '0000:08:00.0', '--select', '0000:42:00.0'],
        'files': ['etc/default/grub', 'etc/modprobe.d/passthrough.conf',
                  'etc/dracut.conf.d/passthrough.conf'],
        'apply': [['grubby', '--update-kernel=ALL', '--args=' + KARGS_003],
                  ['dracut', '--regenerate-all', '--force']],
        'revert': [['grubby', '--update-kernel=ALL', '--remove-args=' + KARGS_003],
                   ['dracut', '--regenerate-all', '--force']],
    },
    'seed004': {
        'args': ['--select', '0000:01:00.0'],
        'files': ['etc/default/grub', 'etc/modprobe.d/passthrough.conf', 'etc/initramfs-tools/modules'],
        'apply': [['update-initramfs', '-u', '-k', 'all'], ['update-grub']],
        'revert': [['update-initramfs', '-u', '-k', 'all'], ['update-grub']],
    },
}


class SeedTest(unittest.TestCase):
    def check_seed(self, seed):
        spec = SEEDS[seed]
        root = Root(seed)
        self.addCleanup(root.cleanup)
        before = root.tree()

        # plan writes nothing and lists exactly the files apply will write
        r = root.run('plan', '--json', *spec['args'])
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
        plan = load_json(r.stdout)
        self.assertEqual(plan['blockers'], [])
        self.assertEqual(sorted(c['path'].lstrip('/') for c in plan['changes']), sorted(spec['files']))
        self.assertEqual(plan['commands'], spec['apply'])
        self.assertEqual(root.tree(), before, 'plan wrote something')

        r = root.run('apply', *spec['args'])
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
        self.assertEqual(root.commands(), spec['apply'])
        after = root.tree()
        changed = sorted(k for k in set(after) | set(before) if after.get(k) != before.get(k))
        self.assertEqual(changed, sorted(spec['files']))

        golden_dir = os.path.join(GOLDEN, seed)
        if os.environ.get('PASSTHROUGH_UPDATE_GOLDEN'):
            shutil.rmtree(golden_dir, ignore_errors=True)
            for rel in spec['files']:
                os.makedirs(os.path.dirname(os.path.join(golden_dir, rel)), exist_ok=True)
                shutil.copyfile(root.file(rel), os.path.join(golden_dir, rel))
        for rel in spec['files']:
            with open(os.path.join(golden_dir, rel), encoding='utf-8') as f:
                self.assertEqual(root.read(rel), f.read(), rel)
            # our files and edited files keep a normal mode
            self.assertEqual(os.stat(root.file(rel)).st_mode & 0o777, 0o644, rel)

        # idempotence: nothing changes, nothing runs
        root.clear_commands()
        r = root.run('apply', *spec['args'])
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
        self.assertIn('Nothing to change', r.stdout)
        self.assertEqual(root.commands(), [])
        self.assertEqual(root.tree(), after)
        r = root.run('plan', '--json', *spec['args'])
        self.assertEqual(load_json(r.stdout)['changes'], [])

        # status: applied, a restart pending (the running command line has
        # none of our arguments), so not 0
        r = root.run('status', '--json')
        self.assertEqual(r.returncode, 1, r.stderr)
        status = load_json(r.stdout)
        self.assertEqual(status['state'], 'applied')
        self.assertTrue(status['pending_reboot'])
        self.assertEqual([d['address'] for d in status['devices']], plan['devices'])

        # revert: every byte back, the inverse commands run
        root.clear_commands()
        r = root.run('revert', snapshot=False)
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
        self.assertEqual(root.tree(), before)
        self.assertEqual(root.commands(), spec['revert'])
        r = root.run('status', '--json')
        self.assertEqual(load_json(r.stdout)['state'], 'not-applied')
        self.assertEqual([h['action'] for h in load_json(r.stdout)['history']], ['apply', 'revert'])

    def test_seed000_arch_systemd_boot_mkinitcpio(self):
        self.check_seed('seed000')

    def test_seed001_silverblue_rpm_ostree_dracut(self):
        self.check_seed('seed001')

    def test_seed002_popos_kernelstub_initramfs_tools(self):
        self.check_seed('seed002')

    def test_seed003_fedora_grub_bls_dracut(self):
        self.check_seed('seed003')

    def test_seed004_proxmox_grub_initramfs_tools(self):
        self.check_seed('seed004')


if __name__ == '__main__':
    unittest.main(verbosity=2)
