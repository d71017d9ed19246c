#!/usr/bin/python3
# The permanent "without passthrough" boot entry (issue 7): confirm and a
# plain apply leave one entry that boots the default without our
# arguments, never the default, reported by status; revert gives back
# every byte.  GRUB (custom.cfg), GRUB with BLS (custom.cfg too: grubby
# edits every BLS file), systemd-boot hand-written and kernel-install.
# SPDX-License-Identifier: GPL-3.0-or-later
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from enginelib import load_json  # noqa: E402
import test_trial  # noqa: E402
from test_trial import GRUB_CFG, TOKENS_000, TOKENS_004  # noqa: E402

TITLE_004 = "Proxmox VE GNU/Linux - without passthrough (Passthrough's way back)"
GRUB_BLOCK = ("### BEGIN Passthrough way back (removed at revert) ###\n"
              "menuentry 'Proxmox VE GNU/Linux - without passthrough (Passthrough'\\''s way back)'"
              " --id passthrough-way-back {\n"
              "\tload_video\n\tinsmod gzio\n\tinsmod part_gpt\n\tinsmod lvm\n\tinsmod ext2\n"
              "\tset root='lvmid/Xc3d/Jh1k'\n\techo\t'Loading Linux 6.8.12-4-pve ...'\n"
              "\tlinux\t%s root=/dev/mapper/pve-root ro  quiet\n"
              "\techo\t'Loading initial ramdisk ...'\n\tinitrd\t%s\n"
              "}\n### END Passthrough way back ###\n")
SDBOOT_WAY_BACK = ("# Passthrough's way back: the default entry without the Passthrough arguments; "
                   "“passthroughctl revert” removes it.\n")


class WayBackTest(unittest.TestCase):
    # fixture roots with a boot id, trees without proc and sys
    new_root = test_trial.TrialTest.new_root
    tree = test_trial.TrialTest.tree

    def status(self, root):
        return load_json(root.run('status', '--json').stdout)

    def trial_then_confirm(self, root, address):
        r = root.run('apply', '--select', address, '--trial')
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
        self.assertIsNone(self.status(root)['way_back'])   # the trial: the default is the way back
        root.write('proc/sys/kernel/random/boot_id', '7f2e-trial\n')
        root.clear_commands()
        r = root.run('confirm')
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)

    def test_grub_confirm_leaves_the_way_back_and_revert_removes_it(self):
        root = self.new_root('seed004')
        root.write('boot/grub/grub.cfg', GRUB_CFG)
        root.write('boot/grub/custom.cfg', '# my own entries\n')
        before = self.tree(root)
        self.trial_then_confirm(root, '0000:01:00.0')
        # no /vmlinuz link on this root: the entry names the default's kernel
        self.assertEqual(root.read('boot/grub/custom.cfg'),
                         '# my own entries\n' + GRUB_BLOCK % ('/boot/vmlinuz-6.8.12-4-pve', '/boot/initrd.img-6.8.12-4-pve'))
        self.assertEqual(root.commands(), [['update-grub']])
        s = self.status(root)
        self.assertEqual(s['state'], 'applied')
        self.assertEqual(s['way_back'], {'path': '/boot/grub/custom.cfg', 'title': TITLE_004})

        # update-grub put our arguments into grub.cfg: the way back stays
        # without them, so a second apply changes nothing
        root.write('boot/grub/grub.cfg', GRUB_CFG.replace('ro  quiet', 'ro  quiet ' + TOKENS_004))
        r = root.run('plan', '--json', '--select', '0000:01:00.0')
        plan = load_json(r.stdout)
        self.assertEqual(plan['changes'], [], plan['changes'])
        self.assertEqual(plan['way_back']['title'], TITLE_004)
        root.clear_commands()
        r = root.run('apply', '--select', '0000:01:00.0')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(root.commands(), [])

        r = root.run('confirm')
        self.assertEqual(r.returncode, 1)
        self.assertIn('no trial to confirm', r.stderr)

        root.write('boot/grub/grub.cfg', GRUB_CFG)
        self.assertEqual(root.run('revert', snapshot=False).returncode, 0)
        self.assertEqual(self.tree(root), before)
        self.assertIsNone(self.status(root)['way_back'])

    def test_grub_way_back_follows_the_vmlinuz_links(self):
        # Debian's /vmlinuz and /initrd.img on the root file system: the way
        # back boots the newest kernel after updates, and plain apply adds it
        root = self.new_root('seed004')
        root.write('boot/grub/grub.cfg', GRUB_CFG)
        os.symlink('boot/vmlinuz-6.8.12-4-pve', root.file('vmlinuz'))
        os.symlink('boot/initrd.img-6.8.12-4-pve', root.file('initrd.img'))
        before = self.tree(root)
        r = root.run('apply', '--select', '0000:01:00.0')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(root.read('boot/grub/custom.cfg'), GRUB_BLOCK % ('/vmlinuz', '/initrd.img'))
        self.assertEqual(root.commands(), [['update-initramfs', '-u', '-k', 'all'], ['update-grub']])
        self.assertEqual(root.run('revert', snapshot=False).returncode, 0)
        self.assertEqual(self.tree(root), before)

    def test_grub_revert_keeps_what_the_person_added_to_custom_cfg(self):
        root = self.new_root('seed004')
        root.write('boot/grub/grub.cfg', GRUB_CFG)
        self.assertEqual(root.run('apply', '--select', '0000:01:00.0').returncode, 0)
        text = root.read('boot/grub/custom.cfg')
        root.write('boot/grub/custom.cfg', "menuentry 'Windows' {\n\tchainloader /EFI/Microsoft/Boot/bootmgfw.efi\n}\n" + text)
        self.assertEqual(root.run('revert', snapshot=False).returncode, 0)
        self.assertEqual(root.read('boot/grub/custom.cfg'),
                         "menuentry 'Windows' {\n\tchainloader /EFI/Microsoft/Boot/bootmgfw.efi\n}\n")

    def test_grub_title_with_a_quote(self):
        root = self.new_root('seed004')
        root.write('boot/grub/grub.cfg', GRUB_CFG.replace("'Proxmox VE GNU/Linux'", "'Jo'\\''s \"box\"'"))
        self.assertEqual(root.run('apply', '--select', '0000:01:00.0').returncode, 0)
        self.assertIn("menuentry 'Jo'\\''s \"box\" - without passthrough (Passthrough'\\''s way back)' --id",
                      root.read('boot/grub/custom.cfg'))
        self.assertEqual(self.status(root)['way_back']['title'],
                         "Jo's \"box\" - without passthrough (Passthrough's way back)")

    def test_grub_without_grub_cfg_warns(self):
        root = self.new_root('seed004')
        r = root.run('plan', '--json', '--select', '0000:01:00.0')
        plan = load_json(r.stdout)
        self.assertIsNone(plan['way_back'])
        warning = [w for w in plan['warnings'] if w['code'] == 'way-back-unavailable'][0]
        self.assertIn('grub.cfg is missing', warning['message'])

    def test_grub_bls_confirm(self):
        root = self.new_root('seed003')
        opts = 'root=/dev/mapper/fedora-root ro resume=/dev/mapper/fedora-swap rd.lvm.lv=fedora/root rhgb quiet'
        env = '# GRUB Environment Block\nkernelopts=%s\n' % opts
        root.write('boot/grub2/grubenv', env + '#' * (1024 - len(env)))
        before = self.tree(root)
        tokens = 'iommu=pt rd.driver.pre=vfio_pci vfio-pci.ids=10de:1b80,10de:10f0'
        self.trial_then_confirm(root, '0000:08:00.0')
        self.assertFalse(os.path.exists(root.file('boot/loader/entries/passthrough-trial.conf')))
        # not a BLS file: grubby --update-kernel=ALL would edit it
        self.assertEqual(sorted(os.listdir(root.file('boot/loader/entries'))),
                         ['9b4e2f7a1c3d45e6b7a8c9d0e1f2a3b4-4.20.16-200.fc29.x86_64.conf'])
        self.assertEqual(root.read('boot/grub2/custom.cfg'),
                         "### BEGIN Passthrough way back (removed at revert) ###\n"
                         "menuentry 'Fedora (4.20.16-200.fc29.x86_64) 29 (Workstation Edition) - without passthrough "
                         "(Passthrough'\\''s way back)' --id passthrough-way-back {\n"
                         "\tload_video\n\tset gfxpayload=keep\n\tinsmod gzio\n"
                         "\tlinux /vmlinuz-4.20.16-200.fc29.x86_64 %s\n"
                         "\tinitrd /initramfs-4.20.16-200.fc29.x86_64.img\n"
                         "}\n### END Passthrough way back ###\n" % opts)
        self.assertEqual(root.commands(), [['grubby', '--update-kernel=ALL', '--args=' + tokens]])
        self.assertEqual(self.status(root)['way_back']['path'], '/boot/grub2/custom.cfg')
        # grubby ran for real: kernelopts carry our arguments; the way back does not
        env2 = '# GRUB Environment Block\nkernelopts=%s %s\n' % (opts, tokens)
        root.write('boot/grub2/grubenv', env2 + '#' * (1024 - len(env2)))
        self.assertEqual(load_json(root.run('plan', '--json', '--select', '0000:08:00.0').stdout)['changes'], [])
        root.write('boot/grub2/grubenv', env + '#' * (1024 - len(env)))
        self.assertEqual(root.run('revert', snapshot=False).returncode, 0)
        self.assertEqual(self.tree(root), before)

    def test_systemd_boot_confirm(self):
        root = self.new_root('seed000')
        before = self.tree(root)
        self.trial_then_confirm(root, '0000:09:00.0')
        self.assertEqual(sorted(os.listdir(root.file('boot/loader/entries'))),
                         ['arch-fallback.conf', 'arch.conf', 'passthrough-way-back.conf'])
        self.assertEqual(root.read('boot/loader/entries/passthrough-way-back.conf'),
                         SDBOOT_WAY_BACK +
                         "title Arch Linux - without passthrough (Passthrough's way back)\n"
                         'linux /vmlinuz-linux\ninitrd /initramfs-linux.img\n\n'
                         'options root=PARTUUID=8c1f0e54-7d2a-4b8e-9a61-3f0d5e2c7b19 quiet rw\n')
        self.assertIn(TOKENS_000, root.read('boot/loader/entries/arch.conf'))
        self.assertEqual(root.read('boot/loader/loader.conf'), 'default  arch.conf\ntimeout  4\nconsole-mode max\neditor   no\n')
        self.assertEqual(root.commands(), [])
        self.assertEqual(self.status(root)['way_back'],
                         {'path': '/boot/loader/entries/passthrough-way-back.conf',
                          'title': "Arch Linux - without passthrough (Passthrough's way back)"})
        self.assertIn("The boot menu keeps “Arch Linux - without passthrough (Passthrough's way back)” "
                      "(in /boot/loader/entries/passthrough-way-back.conf)", root.run('status').stdout)
        # applying again: our entry is not one of the person's entries
        self.assertEqual(load_json(root.run('plan', '--json', '--select', '0000:09:00.0').stdout)['changes'], [])
        self.assertEqual(root.run('revert', snapshot=False).returncode, 0)
        self.assertEqual(self.tree(root), before)

    def test_systemd_boot_kernel_install(self):
        # entries from kernel-install: it rewrites its own entries from
        # /etc/kernel/cmdline and leaves ours, which names this version
        root = self.new_root('seed000')
        mid = root.read('etc/machine-id').strip()
        os.unlink(root.file('boot/loader/entries/arch.conf'))
        root.write('boot/loader/loader.conf', 'timeout 4\n')
        entry = 'boot/loader/entries/%s-6.6.8-arch1-1.conf' % mid
        text = ('title      Arch Linux\nversion    6.6.8-arch1-1\nmachine-id %s\nsort-key   arch\n'
                'options    root=PARTUUID=8c1f0e54 quiet rw systemd.machine_id=%s\n'
                'linux      /%s/6.6.8-arch1-1/linux\ninitrd     /%s/6.6.8-arch1-1/initrd\n' % (mid, mid, mid, mid))
        root.write(entry, text)
        root.write('etc/kernel/postinst.d/zz-systemd-boot', '#!/bin/sh\n')
        before = self.tree(root)
        self.trial_then_confirm(root, '0000:09:00.0')
        self.assertEqual(root.read('boot/loader/entries/passthrough-way-back.conf'),
                         SDBOOT_WAY_BACK +
                         "title      Arch Linux - without passthrough (Passthrough's way back)\n"
                         'version    6.6.8-arch1-1\nmachine-id %s\n'
                         'options    root=PARTUUID=8c1f0e54 quiet rw systemd.machine_id=%s\n'
                         'linux      /%s/6.6.8-arch1-1/linux\ninitrd     /%s/6.6.8-arch1-1/initrd\n' % (mid, mid, mid, mid))
        self.assertEqual(root.read('etc/kernel/cmdline'),
                         'root=PARTUUID=8c1f0e54 quiet rw %s\n' % TOKENS_000)
        self.assertEqual(root.commands(), [])   # the trial built the initramfs
        self.assertEqual(root.run('revert', snapshot=False).returncode, 0)
        after = self.tree(root)
        self.assertEqual(root.read('etc/kernel/cmdline'), 'root=PARTUUID=8c1f0e54 quiet rw\n')
        del after['etc/kernel/cmdline']   # kept without our tokens (see test_safety)
        self.assertEqual(after, before)

    def test_a_new_trial_takes_the_way_back_away_until_confirm(self):
        # while a trial is pending the default entries are the way back
        root = self.new_root('seed000')
        before = self.tree(root)
        path = 'boot/loader/entries/passthrough-way-back.conf'
        r = root.run('apply', '--select', '0000:09:00.0')
        self.assertEqual(r.returncode, 0, r.stderr)
        way_back = root.read(path)
        self.trial_then_confirm(root, '0000:09:00.0')
        self.assertEqual(root.read(path), way_back)
        self.assertEqual(self.status(root)['way_back']['path'], '/' + path)
        self.assertEqual(root.run('revert', snapshot=False).returncode, 0)
        self.assertEqual(self.tree(root), before)

    def test_crash_during_confirm_recovers_to_the_trial(self):
        steps = ['after-journal', 'after-write-1', 'after-write-2', 'before-commands',
                 'after-commands', 'after-state']
        for step in steps:
            with self.subTest(step=step):
                root = self.new_root('seed000')
                before = self.tree(root)
                self.assertEqual(root.run('apply', '--select', '0000:09:00.0', '--trial').returncode, 0)
                root.write('proc/sys/kernel/random/boot_id', '7f2e-trial\n')
                r = root.run('confirm', fault=step)
                self.assertEqual(r.returncode, 99, r.stderr + r.stdout)
                self.assertTrue(self.status(root)['unfinished_transaction'])
                # each file wholly before or wholly after
                trial = root.file('boot/loader/entries/passthrough-trial.conf')
                if os.path.exists(trial):
                    self.assertIn('(Passthrough trial)', root.read('boot/loader/entries/passthrough-trial.conf'))
                # confirm again: the crashed one is rolled back first, then done
                r = root.run('confirm')
                self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
                s = self.status(root)
                self.assertEqual((s['state'], s['unfinished_transaction']), ('applied', False))
                self.assertEqual(s['way_back']['path'], '/boot/loader/entries/passthrough-way-back.conf')
                self.assertTrue(os.path.exists(root.file('boot/loader/entries/passthrough-way-back.conf')))
                self.assertFalse(os.path.exists(root.file('boot/loader/entries/passthrough-trial.conf')))
                self.assertEqual([h['action'] for h in s['history']], ['apply-trial', 'confirm'])
                # and a revert from there gives back every byte
                self.assertEqual(root.run('revert', snapshot=False).returncode, 0)
                self.assertEqual(self.tree(root), before)


if __name__ == '__main__':
    unittest.main(verbosity=2)
