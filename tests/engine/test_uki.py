#!/usr/bin/python3
# The unified-kernel-image boot paths (src/core/engine/bootpaths/
# mkinitcpio-uki.c, dracut-uki.c): detection with its evidence, plan,
# apply, apply again (nothing to change), revert byte for byte, the trial
# refused with a "no trial on this path" line, the way back under Secure
# Boot.  Each case starts from seed 004's machine (IDs unique) with its
# boot files replaced; the presets and command lines are published files
# (tests/engine/uki/SOURCES, tests/corpus/kernel-cmdline/SOURCES).
# SPDX-License-Identifier: GPL-3.0-or-later
import os
import shutil
import struct
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from enginelib import Root, load_json  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(os.path.dirname(HERE), 'corpus', 'kernel-cmdline')
SELECT = ('--select', '0000:01:00.0')
TOKENS = ['iommu=pt', 'vfio-pci.ids=10de:1381,10de:0fbc']
EFI_GLOBAL = '8be4df61-93ca-11d2-aa0d-00e098032b8c'
LOADER_INFO = 'sys/firmware/efi/efivars/LoaderInfo-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f'
RUNNING = 'root=/dev/mapper/pve-root ro quiet'   # seed 004's /proc/cmdline without BOOT_IMAGE=
MKINITCPIO_CONF = 'MODULES=()\nHOOKS=(base systemd autodetect microcode modconf kms keyboard sd-vconsole block filesystems fsck)\n'
DROPIN = 'etc/cmdline.d/passthrough.conf'


def fixture(name):
    with open(os.path.join(HERE, 'uki', name), encoding='utf-8') as f:
        return f.read()


def corpus_cmdlines():
    for name in sorted(os.listdir(CORPUS)):
        if name.endswith('.cmdline'):
            with open(os.path.join(CORPUS, name), encoding='utf-8') as f:
                yield name, f.read()


class UkiCase(unittest.TestCase):
    def new_root(self, files, remove=(), systemd_boot=True):
        root = Root('seed004')
        self.addCleanup(root.cleanup)
        for rel in ['etc/default/grub', 'etc/debian_version'] + list(remove):
            os.unlink(root.file(rel))
        shutil.rmtree(root.file('etc/initramfs-tools'))
        if systemd_boot:
            # systemd-boot started this system and has no entries of its
            # own: it boots the images in EFI/Linux.
            root.write('efi/loader/loader.conf', 'timeout 3\n')
            root.write(LOADER_INFO, 'systemd-boot 256')
        for rel, text in files.items():
            root.write(rel, text)
        return root

    def efivar(self, root, name, data):
        path = root.file('sys/firmware/efi/efivars/%s-%s' % (name, EFI_GLOBAL))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'wb') as f:
            f.write(struct.pack('<I', 7) + data)

    def boot_current(self, root, loader):
        self.efivar(root, 'BootCurrent', struct.pack('<H', 3))
        desc = 'Arch Linux\0'.encode('utf-16-le')
        path = (loader + '\0').encode('utf-16-le')
        node = struct.pack('<BBH', 4, 4, 4 + len(path)) + path + struct.pack('<BBH', 0x7f, 0xff, 4)
        self.efivar(root, 'Boot0003', struct.pack('<IH', 1, len(node)) + desc + node)

    def plan(self, root, *extra, rc=0):
        r = root.run('plan', '--json', *SELECT, *extra)
        if rc is not None:
            self.assertEqual(r.returncode, rc, r.stderr + r.stdout)
        return load_json(r.stdout)

    def round_trip(self, root, plan, expect, commands):
        """apply, apply again, revert: byte for byte."""
        before = root.tree()
        self.assertEqual(plan['commands'], commands)
        r = root.run('apply', *SELECT)
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
        for rel, text in expect.items():
            self.assertEqual(root.read(rel), text, rel)
        self.assertEqual(root.commands(), commands)
        root.clear_commands()
        r = root.run('apply', *SELECT)
        self.assertIn('Nothing to change', r.stdout)
        self.assertEqual(root.commands(), [])
        r = root.run('status', '--json')
        self.assertEqual(load_json(r.stdout)['state'], 'applied')
        r = root.run('revert', snapshot=False)
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
        self.assertEqual(root.commands(), commands)
        return before

    def assert_no_trial(self, root, words):
        plan = self.plan(root, '--trial', rc=1)
        blockers = [b for b in plan['blockers'] if b['code'] == 'trial-unavailable']
        self.assertEqual(len(blockers), 1, plan['blockers'])
        self.assertIn(words, blockers[0]['message'])
        before = root.tree(skip_state=False)
        r = root.run('apply', '--trial', *SELECT)
        self.assertEqual(r.returncode, 1, r.stderr + r.stdout)
        self.assertEqual(root.tree(skip_state=False), before)


class MkinitcpioUkiTest(UkiCase):
    def arch(self, extra=None, **kw):
        files = {'etc/mkinitcpio.conf': MKINITCPIO_CONF,
                 'etc/mkinitcpio.d/linux.preset': fixture('linux.preset')}
        files.update(extra or {})
        return self.new_root(files, **kw)

    def test_detection_says_which_image(self):
        root = self.arch({'etc/kernel/cmdline': 'root=UUID=1c2d rw\n'})
        plan = self.plan(root)
        self.assertEqual((plan['bootloader'], plan['initramfs']), ('mkinitcpio-uki', 'mkinitcpio'))
        self.assertIn('/efi/EFI/Linux/arch-linux.efi', plan['bootloader_evidence'])
        self.assertIn('systemd-boot', plan['bootloader_evidence'])
        # The firmware starting the image itself (no systemd-boot): BootCurrent says which.
        root = self.arch({'etc/kernel/cmdline': 'root=UUID=1c2d rw\n'}, systemd_boot=False)
        self.boot_current(root, '\\EFI\\Linux\\arch-linux.efi')
        plan = self.plan(root)
        self.assertEqual(plan['bootloader'], 'mkinitcpio-uki')
        self.assertIn('BootCurrent', plan['bootloader_evidence'])
        self.assertIn('/efi/EFI/Linux/arch-linux.efi', plan['bootloader_evidence'])
        # Only the preset says so: the evidence still names the image.
        root = self.arch({'etc/kernel/cmdline': 'root=UUID=1c2d rw\n'}, systemd_boot=False)
        plan = self.plan(root)
        self.assertEqual(plan['bootloader'], 'mkinitcpio-uki')
        self.assertIn('/efi/EFI/Linux/arch-linux.efi', plan['bootloader_evidence'])
        # A preset without a UKI is not this boot path.
        root = self.arch({'etc/mkinitcpio.d/linux.preset': fixture('linux.preset').replace('\ndefault_uki=', '\n#default_uki=')
                          .replace('\nfallback_uki=', '\n#fallback_uki='),
                          'etc/kernel/cmdline': 'root=UUID=1c2d rw\n'}, systemd_boot=False)
        self.assertEqual(self.plan(root)['bootloader'], 'kernel-cmdline')

    def test_dropin_beside_every_published_cmdline(self):
        """/etc/kernel/cmdline as people publish it: ours goes into a drop-in."""
        count = 0
        for name, text in corpus_cmdlines():
            with self.subTest(cmdline=name):
                root = self.arch({'etc/kernel/cmdline': text})
                plan = self.plan(root)
                self.assertEqual(plan['bootloader'], 'mkinitcpio-uki')
                paths = [c['path'] for c in plan['changes'] if c['action'] != 'none']
                self.assertNotIn('/etc/kernel/cmdline', paths)
                words = text.split()
                ours = [t for t in TOKENS if t not in words]
                expect = {'etc/kernel/cmdline': text,
                          'etc/mkinitcpio.conf': MKINITCPIO_CONF.replace('MODULES=()', 'MODULES=(vfio_pci vfio vfio_iommu_type1)')}
                if ours:
                    expect[DROPIN] = ("# Passthrough's arguments for the unified kernel images mkinitcpio builds; "
                                      "“passthroughctl revert” removes this file.\n%s\n" % ' '.join(ours))
                before = self.round_trip(root, plan, expect, [['mkinitcpio', '-P']])
                self.assertEqual(root.tree(), before)
                count += 1
        self.assertGreaterEqual(count, 10)

    def test_hand_made_part_not_repeated(self):
        root = self.arch({'etc/kernel/cmdline': 'root=UUID=1c2d rw iommu=pt\n',
                          'etc/cmdline.d/10-vfio.conf': '# by hand\nvfio-pci.ids=10de:1381\n'})
        plan = self.plan(root)
        already = [a for a in plan['already_there'] if 'iommu=pt' in a['items']]
        self.assertEqual(len(already), 1, plan['already_there'])
        self.assertIn('hand-made-setup', [w['code'] for w in plan['warnings']])
        # Their IDs list comes before ours (the kernel keeps the last): ours carries theirs.
        expect = {DROPIN: "# Passthrough's arguments for the unified kernel images mkinitcpio builds; "
                          "“passthroughctl revert” removes this file.\nvfio-pci.ids=10de:1381,10de:0fbc\n"}
        before = self.round_trip(root, plan, expect, [['mkinitcpio', '-P']])
        self.assertEqual(root.tree(), before)

    def test_no_source_carries_the_whole_command_line(self):
        """No /etc/kernel/cmdline, no /etc/cmdline.d: mkinitcpio embeds
        /proc/cmdline; the new file must carry it all, root= included."""
        root = self.arch()
        plan = self.plan(root)
        created = [c for c in plan['changes'] if c['path'] == '/etc/kernel/cmdline']
        self.assertEqual(created[0]['action'], 'create')
        before = root.tree()
        self.round_trip(root, plan, {'etc/kernel/cmdline': '%s %s\n' % (RUNNING, ' '.join(TOKENS))},
                        [['mkinitcpio', '-P']])
        # Revert keeps the file without ours: deleting it would embed
        # /proc/cmdline again, which may carry them.
        self.assertEqual(root.read('etc/kernel/cmdline'), RUNNING + '\n')
        after = root.tree()
        del after['etc/kernel/cmdline']
        self.assertEqual(after, before)

    def test_preset_cmdline_file_is_edited(self):
        preset = fixture('linux.preset') + 'ALL_cmdline="/etc/kernel/cmdline-uki"\n'
        text = 'root=PARTUUID=5e1f rw quiet\n'
        root = self.arch({'etc/mkinitcpio.d/linux.preset': preset,
                          'etc/kernel/cmdline-uki': text,
                          'etc/kernel/cmdline': 'root=UUID=not-read\n'})
        plan = self.plan(root)
        changed = sorted(c['path'] for c in plan['changes'] if c['action'] != 'none')
        self.assertIn('/etc/kernel/cmdline-uki', changed)
        self.assertNotIn('/etc/kernel/cmdline', changed)
        self.assertNotIn('/' + DROPIN, changed)
        before = self.round_trip(root, plan, {'etc/kernel/cmdline-uki': 'root=PARTUUID=5e1f rw quiet %s\n' % ' '.join(TOKENS)},
                                 [['mkinitcpio', '-P']])
        self.assertEqual(root.tree(), before)

    def test_preset_cmdline_missing_or_elsewhere_is_refused(self):
        for named in ['/etc/kernel/nowhere', '/etc/fstab']:
            with self.subTest(named=named):
                preset = fixture('linux.preset') + 'default_cmdline="%s"\n' % named
                root = self.arch({'etc/mkinitcpio.d/linux.preset': preset, 'etc/fstab': '/dev/sda1 / ext4 rw 0 1\n'})
                before = root.tree(skip_state=False)
                r = root.run('apply', *SELECT)
                self.assertNotEqual(r.returncode, 0)
                self.assertIn(named, r.stderr)
                self.assertIn('nothing was changed', r.stderr)
                self.assertEqual(root.tree(skip_state=False), before)

    def test_chosen_but_not_there(self):
        for name in ['mkinitcpio-uki', 'dracut-uki']:
            root = self.new_root({'etc/mkinitcpio.conf': MKINITCPIO_CONF, 'etc/kernel/cmdline': 'root=UUID=1c2d rw\n'})
            plan = self.plan(root, '--bootloader', name, rc=1)
            self.assertEqual(plan['bootloader'], name)
            self.assertIn('bootloader-not-found', [b['code'] for b in plan['blockers']])

    def test_no_trial_on_this_path(self):
        root = self.arch({'etc/kernel/cmdline': 'root=UUID=1c2d rw\n'})
        self.assert_no_trial(root, 'mkinitcpio')

    def test_way_back_under_secure_boot(self):
        root = self.arch({'etc/kernel/cmdline': 'root=UUID=1c2d rw\n'})
        plan = self.plan(root)
        self.assertNotIn('way-back-unavailable', [w['code'] for w in plan['warnings']])
        self.assertIsNone(plan['way_back'])
        self.efivar(root, 'SecureBoot', b'\x01')
        plan = self.plan(root)
        warning = [w for w in plan['warnings'] if w['code'] == 'way-back-unavailable']
        self.assertEqual(len(warning), 1, plan['warnings'])
        self.assertIn('Secure Boot', warning[0]['message'])
        self.assertIn('/efi/EFI/Linux/arch-linux-fallback.efi', warning[0]['message'])


DRACUT_TOKENS = 'iommu=pt rd.driver.pre=vfio_pci vfio-pci.ids=10de:1381,10de:0fbc'
DRACUT_REGEN = [['dracut', '--regenerate-all', '--force']]
DRACUT_DROPIN = 'etc/dracut.conf.d/passthrough-cmdline.conf'
DRACUT_MODULES = 'etc/dracut.conf.d/passthrough.conf'   # the initramfs's own drop-in


class DracutUkiTest(UkiCase):
    def fedora(self, confs, **kw):
        files = {'etc/dracut.conf': '# dracut\n'}
        for rel, name in confs.items():
            files['etc/dracut.conf.d/' + rel] = fixture(name) if name.startswith('dracut-') else name
        return self.new_root(files, **kw)

    def test_detection_says_which_image(self):
        root = self.fedora({'99-uefi.conf': 'dracut-99-uefi.conf'})
        plan = self.plan(root)
        self.assertEqual((plan['bootloader'], plan['initramfs']), ('dracut-uki', 'dracut'))
        self.assertIn('/etc/dracut.conf.d/99-uefi.conf', plan['bootloader_evidence'])
        root = self.fedora({'99-uefi.conf': 'dracut-99-uefi.conf'}, systemd_boot=False)
        self.boot_current(root, '\\EFI\\Linux\\linux-6.8.12-4-pve-2f4d.efi')
        plan = self.plan(root)
        self.assertEqual(plan['bootloader'], 'dracut-uki')
        self.assertIn('BootCurrent', plan['bootloader_evidence'])
        self.assertIn('linux-6.8.12-4-pve-2f4d.efi', plan['bootloader_evidence'])
        # uefi=no later wins: not this boot path.
        root = self.fedora({'99-uefi.conf': 'dracut-99-uefi.conf', 'zz-no.conf': 'uefi=no\n'})
        self.assertNotEqual(self.plan(root, rc=None)['bootloader'], 'dracut-uki')

    def test_not_set_carries_root_and_storage(self):
        """uefi=yes alone: dracut writes root= itself; our kernel_cmdline
        replaces that, so it carries the running root arguments."""
        root = self.fedora({'99-uefi.conf': 'dracut-99-uefi.conf'})
        plan = self.plan(root)
        expect = {DRACUT_DROPIN: "# Passthrough's command line for the unified kernel images dracut builds: the root and storage\n"
                                 "# arguments of the running system and the VFIO ones; “passthroughctl revert” removes this file.\n"
                                 'kernel_cmdline=" root=/dev/mapper/pve-root ro %s "\n' % DRACUT_TOKENS}
        before = self.round_trip(root, plan, expect, DRACUT_REGEN)
        self.assertEqual(root.tree(), before)
        self.assertFalse(os.path.exists(root.file(DRACUT_MODULES)))

    def test_set_is_appended_to(self):
        root = self.fedora({'99-uefi.conf': 'dracut-99-uefi.conf', '99-cmdline.conf': 'dracut-99-cmdline.conf'})
        plan = self.plan(root)
        changed = [c['path'] for c in plan['changes'] if c['action'] != 'none']
        self.assertIn('/etc/dracut.conf.d/99-cmdline.conf', changed)
        self.assertNotIn('/' + DRACUT_DROPIN, changed)
        text = fixture('dracut-99-cmdline.conf')
        expect = {'etc/dracut.conf.d/99-cmdline.conf': text.replace('lockdown=confidentiality"', 'lockdown=confidentiality %s"' % DRACUT_TOKENS)}
        before = self.round_trip(root, plan, expect, DRACUT_REGEN)
        self.assertEqual(root.tree(), before)

    def test_the_assignment_that_wins(self):
        """Two files set it: the later one's value is the image's."""
        root = self.fedora({'10-early.conf': 'kernel_cmdline="root=UUID=old ro"\n',
                            'uki.conf': 'dracut-gentoo-uki.conf'})
        plan = self.plan(root)
        changed = [c['path'] for c in plan['changes'] if c['action'] != 'none']
        self.assertIn('/etc/dracut.conf.d/uki.conf', changed)
        self.assertNotIn('/etc/dracut.conf.d/10-early.conf', changed)
        expect = {'etc/dracut.conf.d/uki.conf': fixture('dracut-gentoo-uki.conf').replace('quiet splash"', 'quiet splash %s"' % DRACUT_TOKENS)}
        before = self.round_trip(root, plan, expect, DRACUT_REGEN)
        self.assertEqual(root.tree(), before)

    def test_only_appended_is_refused(self):
        root = self.fedora({'99-uefi.conf': 'dracut-99-uefi.conf', '50-quiet.conf': 'kernel_cmdline+=" quiet "\n'})
        before = root.tree(skip_state=False)
        r = root.run('apply', *SELECT)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn('kernel_cmdline+=', r.stderr)
        self.assertEqual(root.tree(skip_state=False), before)

    def test_no_trial_on_this_path(self):
        root = self.fedora({'99-uefi.conf': 'dracut-99-uefi.conf'})
        self.assert_no_trial(root, 'dracut')

    def test_way_back_when_signed_or_secure_boot(self):
        root = self.fedora({'99-uefi.conf': 'dracut-99-uefi.conf'})
        self.assertNotIn('way-back-unavailable', [w['code'] for w in self.plan(root)['warnings']])
        self.efivar(root, 'SecureBoot', b'\x01')
        self.assertIn('way-back-unavailable', [w['code'] for w in self.plan(root)['warnings']])
        # dracut signing its images (the published Gentoo configuration)
        root = self.fedora({'uki.conf': 'dracut-gentoo-uki.conf'})
        warning = [w for w in self.plan(root)['warnings'] if w['code'] == 'way-back-unavailable']
        self.assertEqual(len(warning), 1)
        self.assertIn('uefi_secureboot_cert', warning[0]['message'])


if __name__ == '__main__':
    unittest.main()
