#!/usr/bin/python3
# Safe first boot (issue 7): apply --trial writes a one-shot entry and
# leaves the default entries alone; status tells armed, booted and fallen
# back apart by the boot id and the running command line; confirm makes it
# the normal setup; revert gives back every byte and clears the one-shot.
# SPDX-License-Identifier: GPL-3.0-or-later
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from enginelib import HERE, Root, load_json  # noqa: E402

GRUB_CFG = """### BEGIN /etc/grub.d/10_linux ###
function gfxmode {
	set gfxpayload="${1}"
}
menuentry 'Proxmox VE GNU/Linux' --class proxmox --class gnu-linux --class gnu --class os $menuentry_id_option 'gnulinux-simple-0f1e' {
	load_video
	insmod gzio
	insmod part_gpt
	insmod lvm
	insmod ext2
	set root='lvmid/Xc3d/Jh1k'
	echo	'Loading Linux 6.8.12-4-pve ...'
	linux	/boot/vmlinuz-6.8.12-4-pve root=/dev/mapper/pve-root ro  quiet
	echo	'Loading initial ramdisk ...'
	initrd	/boot/initrd.img-6.8.12-4-pve
}
submenu 'Advanced options for Proxmox VE GNU/Linux' $menuentry_id_option 'gnulinux-advanced-0f1e' {
	menuentry 'Proxmox VE GNU/Linux, with Linux 6.8.12-4-pve' --class proxmox $menuentry_id_option 'gnulinux-6.8.12-4-pve-advanced-0f1e' {
		linux	/boot/vmlinuz-6.8.12-4-pve root=/dev/mapper/pve-root ro  quiet
	}
}
### END /etc/grub.d/10_linux ###
"""
TOKENS_004 = 'iommu=pt vfio-pci.ids=10de:1381,10de:0fbc'
TOKENS_000 = 'iommu=pt vfio-pci.ids=1002:73ff,1002:ab28'


def golden(seed, rel):
    with open(os.path.join(HERE, 'golden', seed, rel), encoding='utf-8') as f:
        return f.read()


class TrialTest(unittest.TestCase):
    def new_root(self, seed):
        root = Root(seed)
        self.addCleanup(root.cleanup)
        root.write('proc/sys/kernel/random/boot_id', '5d3e0a9c-armed\n')
        return root

    def boot(self, root, boot_id, with_args):
        root.write('proc/sys/kernel/random/boot_id', boot_id + '\n')
        cmdline = root.read('proc/cmdline').split('\n')[0]
        tokens = TOKENS_000 if root.seed == 'seed000' else TOKENS_004
        if with_args and tokens not in cmdline:
            cmdline += ' ' + tokens
        if not with_args:
            cmdline = cmdline.replace(' ' + tokens, '')
        root.write('proc/cmdline', cmdline + '\n')

    def status(self, root):
        r = root.run('status', '--json')
        return r.returncode, load_json(r.stdout)

    def tree(self, root):
        return {k: v for k, v in root.tree().items() if not k.startswith(('proc', 'sys'))}

    def test_systemd_boot_trial_confirm_revert(self):
        root = self.new_root('seed000')
        before = self.tree(root)
        entry = root.read('boot/loader/entries/arch.conf')
        r = root.run('plan', '--json', '--select', '0000:09:00.0', '--trial')
        plan = load_json(r.stdout)
        self.assertEqual(plan['blockers'], [])
        self.assertTrue(plan['trial'])
        r = root.run('apply', '--select', '0000:09:00.0', '--trial')
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
        self.assertEqual(root.commands(), [['mkinitcpio', '-P'],
                                           ['bootctl', 'set-oneshot', 'passthrough-trial.conf']])
        # the default entry is untouched: a reset boots the host as before
        self.assertEqual(root.read('boot/loader/entries/arch.conf'), entry)
        self.assertEqual(root.read('boot/loader/entries/passthrough-trial.conf'),
                         '# Passthrough trial: booted once by “bootctl set-oneshot”, removed at confirm or revert.\n'
                         'title Arch Linux (Passthrough trial)\nlinux /vmlinuz-linux\ninitrd /initramfs-linux.img\n\n'
                         'options root=PARTUUID=8c1f0e54-7d2a-4b8e-9a61-3f0d5e2c7b19 quiet rw %s\n' % TOKENS_000)
        rc, s = self.status(root)
        self.assertEqual((rc, s['state'], s['pending_reboot']), (1, 'trial-armed', True))

        # the trial did not come up; the next boot was the old default
        self.boot(root, '0b1c-fell-back', with_args=False)
        rc, s = self.status(root)
        self.assertEqual((rc, s['state'], s['pending_reboot']), (1, 'trial-fell-back', False))

        # the trial boot itself; the host keeps a screen on its own GPU
        self.boot(root, '7f2e-trial', with_args=True)
        rc, s = self.status(root)
        self.assertEqual(s['state'], 'trial-booted')
        self.assertIsNone(s['host_display'])   # no sys/class/drm in this root
        drm = root.file('sys/class/drm')
        for card, driver, status in [('card0', 'nvidia', 'connected'), ('card1', 'vfio-pci', 'disconnected')]:
            os.makedirs(os.path.join(drm, card + '-DP-1'))
            root.write('sys/class/drm/%s-DP-1/status' % card, status + '\n')
            os.makedirs(os.path.join(drm, card, 'device'))
            os.symlink('../../../bus/pci/drivers/' + driver, os.path.join(drm, card, 'device', 'driver'))
        self.assertTrue(self.status(root)[1]['host_display'])
        root.write('sys/class/drm/card0-DP-1/status', 'disconnected\n')
        self.assertFalse(self.status(root)[1]['host_display'])

        root.clear_commands()
        r = root.run('confirm')
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
        self.assertEqual(root.read('boot/loader/entries/arch.conf'),
                         golden('seed000', 'boot/loader/entries/arch.conf'))
        self.assertFalse(os.path.exists(root.file('boot/loader/entries/passthrough-trial.conf')))
        self.assertEqual(root.commands(), [])   # the initramfs is already right
        rc, s = self.status(root)
        self.assertEqual(s['state'], 'applied')
        self.assertEqual([h['action'] for h in s['history']], ['apply-trial', 'confirm'])
        r = root.run('confirm')
        self.assertEqual(r.returncode, 1)
        self.assertIn('no trial to confirm', r.stderr)

        r = root.run('revert', snapshot=False)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.tree(root), before)

    def test_confirm_keeps_the_softdep_of_a_device_already_on_vfio_pci(self):
        # Found by vm-grub: in the trial boot the NIC is on vfio-pci, so its own
        # driver no longer shows; confirm must still keep "softdep igb", or the
        # initramfs loads igb first at every later boot and it takes the NIC.
        root = self.new_root('seed000')
        nic = '0000:06:00.0'
        r = root.run('apply', '--select', nic, '--trial')
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
        self.assertIn('softdep igb pre: vfio-pci', root.read('etc/modprobe.d/passthrough.conf'))
        trial_options = [l for l in root.read('boot/loader/entries/passthrough-trial.conf').splitlines()
                         if l.startswith('options ')][0]
        root.write('proc/sys/kernel/random/boot_id', '7f2e-trial\n')
        root.write('proc/cmdline', 'initrd=\\initramfs-linux.img ' + trial_options[len('options '):] + '\n')
        with open(root.snapshot, encoding='utf-8') as f:
            booted = load_json(f.read())
        for g in booted['groups']:
            for d in g['devices']:
                if d['address'] == nic:
                    d['driver'] = 'vfio-pci'
        booted_path = os.path.join(root.tmp, 'trial-boot.json')
        with open(booted_path, 'w', encoding='utf-8') as f:
            json.dump(booted, f)
        # what modprobe reads to find the module for a device (the kernel's own file)
        root.write('lib/modules/%s/modules.alias' % booted['kernel_release'],
                   '# Aliases extracted from modules themselves.\n'
                   'alias pci:v*d*sv*sd*bc*sc*i* vfio_pci\n'
                   'alias pci:v00008086d000010D3sv*sd*bc*sc*i* e1000e\n'
                   'alias pci:v00008086d00001521sv*sd*bc*sc*i* igb\n'
                   'alias pci:v00008086d00001520sv*sd*bc*sc*i* igbvf\n')
        self.assertEqual(root.run('status', '--json', snapshot=booted_path).returncode in (0, 1), True)
        r = root.run('confirm', snapshot=booted_path)
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
        conf = root.read('etc/modprobe.d/passthrough.conf')
        self.assertIn('softdep igb pre: vfio-pci', conf)
        self.assertNotIn('igbvf', conf)
        self.assertNotIn('softdep vfio_pci', conf)

    def test_trial_again_after_a_fall_back_only_rearms(self):
        root = self.new_root('seed000')
        self.assertEqual(root.run('apply', '--select', '0000:09:00.0', '--trial').returncode, 0)
        armed = root.tree()
        self.boot(root, '0b1c-fell-back', with_args=False)
        self.assertEqual(self.status(root)[1]['state'], 'trial-fell-back')
        root.clear_commands()
        r = root.run('apply', '--select', '0000:09:00.0', '--trial')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(root.commands(), [['bootctl', 'set-oneshot', 'passthrough-trial.conf']])
        self.assertEqual({k: v for k, v in root.tree().items() if not k.startswith('proc')},
                         {k: v for k, v in armed.items() if not k.startswith('proc')})
        self.assertEqual(self.status(root)[1]['state'], 'trial-armed')

    def test_systemd_boot_trial_revert_clears_the_one_shot(self):
        root = self.new_root('seed000')
        before = self.tree(root)
        self.assertEqual(root.run('apply', '--select', '0000:09:00.0', '--trial').returncode, 0)
        root.clear_commands()
        self.assertEqual(root.run('revert', snapshot=False).returncode, 0)
        self.assertEqual(root.commands(), [['mkinitcpio', '-P'], ['bootctl', 'set-oneshot', '']])
        self.assertEqual(self.tree(root), before)

    def test_grub_trial_in_custom_cfg(self):
        root = self.new_root('seed004')
        root.write('boot/grub/grub.cfg', GRUB_CFG)
        root.write('boot/grub/custom.cfg', '# my own entries\n')
        before = self.tree(root)
        grub = root.read('etc/default/grub')
        r = root.run('apply', '--select', '0000:01:00.0', '--trial')
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
        self.assertEqual(root.read('etc/default/grub'), grub)
        self.assertEqual(root.read('boot/grub/custom.cfg'),
                         "# my own entries\n"
                         "### BEGIN Passthrough trial (removed at confirm or revert) ###\n"
                         "menuentry 'Passthrough trial' --id passthrough-trial {\n"
                         "\tload_video\n\tinsmod gzio\n\tinsmod part_gpt\n\tinsmod lvm\n\tinsmod ext2\n"
                         "\tset root='lvmid/Xc3d/Jh1k'\n\techo\t'Loading Linux 6.8.12-4-pve ...'\n"
                         "\tlinux\t/boot/vmlinuz-6.8.12-4-pve root=/dev/mapper/pve-root ro  quiet %s\n"
                         "\techo\t'Loading initial ramdisk ...'\n\tinitrd\t/boot/initrd.img-6.8.12-4-pve\n"
                         "}\n### END Passthrough trial ###\n" % TOKENS_004)
        # no update-grub: custom.cfg is read at boot
        self.assertEqual(root.commands(), [['update-initramfs', '-u', '-k', 'all'],
                                           ['grub-reboot', 'Passthrough trial']])
        self.assertEqual(self.status(root)[1]['state'], 'trial-armed')

        self.boot(root, '7f2e-trial', with_args=True)
        root.clear_commands()
        r = root.run('confirm')
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
        self.assertEqual(root.read('etc/default/grub'), golden('seed004', 'etc/default/grub'))
        # the trial block is gone; the way back took its place (its bytes:
        # test_way_back.py)
        custom = root.read('boot/grub/custom.cfg')
        self.assertTrue(custom.startswith('# my own entries\n### BEGIN Passthrough way back'), custom)
        self.assertNotIn('Passthrough trial', custom)
        self.assertEqual(root.commands(), [['update-grub']])

        root.clear_commands()
        self.assertEqual(root.run('revert', snapshot=False).returncode, 0)
        self.assertEqual(self.tree(root), before)

    def test_grub_trial_revert_before_booting(self):
        root = self.new_root('seed004')
        root.write('boot/grub/grub.cfg', GRUB_CFG)
        before = self.tree(root)
        self.assertEqual(root.run('apply', '--select', '0000:01:00.0', '--trial').returncode, 0)
        root.clear_commands()
        self.assertEqual(root.run('revert', snapshot=False).returncode, 0)
        self.assertEqual(root.commands(), [['update-initramfs', '-u', '-k', 'all'],
                                           ['grub-editenv', '/boot/grub/grubenv', 'unset', 'next_entry']])
        self.assertEqual(self.tree(root), before)

    def test_grub_bls_trial_entry(self):
        root = self.new_root('seed003')
        opts = 'root=/dev/mapper/fedora-root ro resume=/dev/mapper/fedora-swap rd.lvm.lv=fedora/root rhgb quiet'
        env = '# GRUB Environment Block\nsaved_entry=9b4e2f7a1c3d45e6b7a8c9d0e1f2a3b4-4.20.16-200.fc29.x86_64\n' \
              'kernelopts=%s\n' % opts
        root.write('boot/grub2/grubenv', env + '#' * (1024 - len(env)))
        before = self.tree(root)
        grub = root.read('etc/default/grub')
        r = root.run('apply', '--select', '0000:08:00.0', '--trial')
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
        self.assertEqual(root.read('etc/default/grub'), grub)
        tokens = 'iommu=pt rd.driver.pre=vfio_pci vfio-pci.ids=10de:1b80,10de:10f0'
        self.assertEqual(root.read('boot/loader/entries/passthrough-trial.conf'),
                         'title Fedora (4.20.16-200.fc29.x86_64) 29 (Workstation Edition) (Passthrough trial)\n'
                         'version 4.20.16-200.fc29.x86_64\nlinux /vmlinuz-4.20.16-200.fc29.x86_64\n'
                         'initrd /initramfs-4.20.16-200.fc29.x86_64.img\n'
                         'options %s %s\n'
                         'grub_users $grub_users\ngrub_arg --unrestricted\ngrub_class kernel\n' % (opts, tokens))
        self.assertEqual(root.commands(), [['dracut', '--regenerate-all', '--force'],
                                           ['grub2-reboot', 'passthrough-trial']])
        self.boot(root, '7f2e-trial', with_args=False)
        root.write('proc/cmdline', root.read('proc/cmdline').strip() + ' ' + tokens + '\n')
        self.assertEqual(self.status(root)[1]['state'], 'trial-booted')
        root.clear_commands()
        r = root.run('confirm')
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
        self.assertFalse(os.path.exists(root.file('boot/loader/entries/passthrough-trial.conf')))
        self.assertEqual(root.commands(), [['grubby', '--update-kernel=ALL', '--args=' + tokens]])
        self.assertIn(tokens, root.read('etc/default/grub'))
        root.clear_commands()
        self.assertEqual(root.run('revert', snapshot=False).returncode, 0)
        self.assertEqual(root.commands()[0], ['grubby', '--update-kernel=ALL', '--remove-args=' + tokens])
        self.assertEqual(self.tree(root), before)

    def test_grubenv_on_btrfs_refuses_the_trial(self):
        root = self.new_root('seed004')
        root.write('boot/grub/grub.cfg', GRUB_CFG)
        root.write('proc/self/mountinfo',
                   '22 1 0:21 /@ / rw,relatime shared:1 - btrfs /dev/nvme0n1p2 rw,ssd\n'
                   '25 22 259:1 / /boot/efi rw,relatime shared:5 - vfat /dev/nvme0n1p1 rw\n')
        r = root.run('plan', '--json', '--select', '0000:01:00.0', '--trial')
        self.assertEqual(r.returncode, 1)
        blocker = load_json(r.stdout)['blockers'][0]
        self.assertEqual(blocker['code'], 'trial-unavailable')
        self.assertIn('btrfs', blocker['message'])
        # ext4 /boot on its own partition is fine
        root.write('proc/self/mountinfo',
                   '22 1 0:21 /@ / rw,relatime shared:1 - btrfs /dev/nvme0n1p2 rw,ssd\n'
                   '24 22 259:2 / /boot rw,relatime shared:4 - ext4 /dev/nvme0n1p3 rw\n')
        r = root.run('plan', '--json', '--select', '0000:01:00.0', '--trial')
        self.assertEqual(r.returncode, 0, r.stdout)

    def test_missing_grub_cfg_is_a_clear_error(self):
        root = self.new_root('seed004')
        before = root.tree()
        r = root.run('apply', '--select', '0000:01:00.0', '--trial')
        self.assertEqual(r.returncode, 1)
        self.assertIn('grub.cfg', r.stderr)
        self.assertEqual(root.tree(), before)


if __name__ == '__main__':
    unittest.main(verbosity=2)
