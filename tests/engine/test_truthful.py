#!/usr/bin/python3
# The plan does what it says, on two setups where it did not:
#
# 1. GRUB on UEFI reads the grub.cfg on the EFI system partition where that
#    is the full configuration (RHEL/Rocky/Alma 8, CentOS 7, Fedora up to
#    33); on Fedora 34+ and RHEL 9 the ESP's grub.cfg is a stub that loads
#    /boot/grub2/grub.cfg.  custom.cfg (the trial, the way back) belongs
#    beside the file GRUB reads (41_custom sources ${config_directory}/custom.cfg),
#    grub2-mkconfig -o must name it, and the transaction's allow-list admits
#    exactly that custom.cfg (src/core/engine/pt-bootsetup.h,
#    pt_boot_setup_detect_grub_cfg; pt-transaction.c, path_is_allowed).
#    Fixture roots, written for these tests after the layouts those
#    distributions install (grub2-mkconfig's sections shortened):
#      roots/grub-esp-rocky8    Rocky Linux 8 UEFI: BLS entries with
#                               "options $kernelopts $tuned_params", kernelopts in
#                               /boot/efi/EFI/rocky/grubenv, /boot/grub2/grubenv a link to it
#      roots/grub-esp-fedora36  Fedora 36 UEFI: the ESP's stub (search --set=dev,
#                               set prefix=($dev)/grub2, configfile), /boot/grub2/grub.cfg
#      roots/grub-esp-centos7   CentOS 7 UEFI without BLS: linuxefi/initrdefi
#                               entries in /boot/efi/EFI/centos/grub.cfg
#    The machine is seed 003's (snapshots/seed003.json: the GTX 1080 at 08:00.0).
#
# 2. --usb-pci-stub with xhci_hcd built into the kernel (modules.builtin):
#    the USB controller goes to pci-stub by its IDs, which is built into the
#    distributions' kernels and so comes before the built-in driver, or the
#    option is refused with its reason; the device row, the warnings and the
#    kernel arguments say the same (pt-plan-devices.c, decide_usb_pci_stub).
# SPDX-License-Identifier: GPL-3.0-or-later
import json
import os
import struct
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from enginelib import Root, load_json, snapshot  # noqa: E402

GPU = ['--select', '0000:08:00.0']
TOKENS = 'iommu=pt rd.driver.pre=vfio_pci vfio-pci.ids=10de:1b80,10de:10f0'
ROCKY_KERNEL = '4.18.0-477.10.1.el8_8.x86_64'
ROCKY_OPTS = ('root=/dev/mapper/rl-root ro crashkernel=auto resume=/dev/mapper/rl-swap '
              'rd.lvm.lv=rl/root rd.lvm.lv=rl/swap rhgb quiet')
CENTOS_KERNEL = '3.10.0-1160.el7.x86_64'
CENTOS_ARGS = ('root=/dev/mapper/centos-root ro crashkernel=auto rd.lvm.lv=centos/root '
               'rd.lvm.lv=centos/swap rhgb quiet LANG=en_US.UTF-8')
EFI_GLOBAL = '8be4df61-93ca-11d2-aa0d-00e098032b8c'
NOT_ALLOWED = 'not one of the files Passthrough may write'


def codes(issues):
    return [i['code'] for i in issues]


class Base(unittest.TestCase):
    def new_root(self, name, snap='seed003'):
        root = Root(name)
        self.addCleanup(root.cleanup)
        root.snapshot = snapshot(snap)
        root.write('proc/sys/kernel/random/boot_id', '5d3e0a9c-armed\n')
        return root

    def plan(self, root, *args):
        r = root.run('plan', '--json', *args)
        self.assertIn(r.returncode, (0, 1), r.stderr)
        return load_json(r.stdout)

    def tree(self, root):
        return {k: v for k, v in root.tree().items() if not k.startswith(('proc', 'sys'))}

    def ok(self, r):
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)


class GrubOnTheEspTest(Base):
    # -- (a) Rocky 8: BLS, the full grub.cfg on the ESP -------------------

    def test_rocky8_plan_names_the_esp(self):
        root = self.new_root('grub-esp-rocky8')
        plan = self.plan(root, *GPU)
        self.assertEqual(plan['blockers'], [])
        self.assertEqual(plan['bootloader'], 'grub-bls')
        self.assertIn('GRUB reads /boot/efi/EFI/rocky/grub.cfg, the full configuration on the EFI system '
                      'partition (it loads the BLS entries itself: blscfg)', plan['bootloader_evidence'])
        paths = [c['path'] for c in plan['changes']]
        self.assertIn('/boot/efi/EFI/rocky/custom.cfg', paths)
        self.assertNotIn('/boot/grub2/custom.cfg', paths)
        self.assertEqual(plan['way_back']['path'], '/boot/efi/EFI/rocky/custom.cfg')
        self.assertEqual(plan['commands'], [['grubby', '--update-kernel=ALL', '--args=' + TOKENS],
                                            ['dracut', '--regenerate-all', '--force']])

    def test_rocky8_apply_and_revert(self):
        root = self.new_root('grub-esp-rocky8')
        before = self.tree(root)
        self.ok(root.run('apply', *GPU))
        # the way back from the newest entry, $kernelopts written out from the
        # grubenv GRUB reads, $tuned_* left to GRUB; our arguments not on it
        self.assertEqual(
            root.read('boot/efi/EFI/rocky/custom.cfg'),
            "### BEGIN Passthrough way back (removed at revert) ###\n"
            "menuentry 'Rocky Linux (%s) 8.8 (Green Obsidian) - without passthrough (Passthrough'\\''s way back)'"
            " --id passthrough-way-back {\n"
            "\tload_video\n\tset gfxpayload=keep\n\tinsmod gzio\n"
            "\tlinux /vmlinuz-%s %s $tuned_params\n"
            "\tinitrd /initramfs-%s.img $tuned_initrd\n"
            "}\n### END Passthrough way back ###\n" % (ROCKY_KERNEL, ROCKY_KERNEL, ROCKY_OPTS, ROCKY_KERNEL))
        self.assertFalse(os.path.exists(root.file('boot/grub2/custom.cfg')))
        self.assertEqual(load_json(root.run('status', '--json').stdout)['way_back']['path'],
                         '/boot/efi/EFI/rocky/custom.cfg')
        root.clear_commands()
        self.ok(root.run('revert', snapshot=False))
        self.assertEqual(root.commands(), [['grubby', '--update-kernel=ALL', '--remove-args=' + TOKENS],
                                           ['dracut', '--regenerate-all', '--force']])
        self.assertEqual(self.tree(root), before)

    def test_rocky8_trial_confirm_revert(self):
        root = self.new_root('grub-esp-rocky8')
        before = self.tree(root)
        plan = self.plan(root, *GPU, '--trial')
        self.assertEqual(plan['blockers'], [])
        self.ok(root.run('apply', *GPU, '--trial'))
        self.assertIn('options %s $tuned_params %s\n' % (ROCKY_OPTS, TOKENS),
                      root.read('boot/loader/entries/passthrough-trial.conf'))
        # grub2-reboot writes /boot/grub2/grubenv, the link to the ESP's that GRUB reads
        self.assertEqual(root.commands(), [['dracut', '--regenerate-all', '--force'],
                                           ['grub2-reboot', 'passthrough-trial']])
        root.write('proc/sys/kernel/random/boot_id', '7f2e-trial\n')
        root.write('proc/cmdline', root.read('proc/cmdline').strip() + ' ' + TOKENS + '\n')
        root.clear_commands()
        self.ok(root.run('confirm'))
        self.assertIn('--id passthrough-way-back', root.read('boot/efi/EFI/rocky/custom.cfg'))
        self.assertFalse(os.path.exists(root.file('boot/loader/entries/passthrough-trial.conf')))
        self.ok(root.run('revert', snapshot=False))
        self.assertEqual(self.tree(root), before)

    def test_rocky8_trial_revert_before_booting(self):
        root = self.new_root('grub-esp-rocky8')
        before = self.tree(root)
        self.ok(root.run('apply', *GPU, '--trial'))
        root.clear_commands()
        self.ok(root.run('revert', snapshot=False))
        self.assertEqual(self.tree(root), before)

    def test_rocky8_trial_refused_when_grub2_reboot_writes_another_grubenv(self):
        # no /boot/grub2/grubenv -> ESP link: the one-shot choice would never reach GRUB
        root = self.new_root('grub-esp-rocky8')
        os.unlink(root.file('boot/grub2/grubenv'))
        root.write('boot/grub2/grubenv', root.read('boot/efi/EFI/rocky/grubenv'))
        plan = self.plan(root, *GPU, '--trial')
        blocker = [b for b in plan['blockers'] if b['code'] == 'trial-unavailable'][0]
        self.assertIn('GRUB reads its one-shot choice from /boot/efi/EFI/rocky/grubenv', blocker['message'])
        self.assertIn('grub2-reboot writes /boot/grub2/grubenv', blocker['message'])

    def test_rocky8_crash_then_recover_writes_the_esp_again(self):
        # the journal names the ESP's custom.cfg: recovery must be allowed to put it back
        root = self.new_root('grub-esp-rocky8')
        before = self.tree(root)
        r = root.run('apply', *GPU, fault='before-commands')
        self.assertEqual(r.returncode, 99, r.stderr + r.stdout)
        self.assertTrue(os.path.exists(root.file('boot/efi/EFI/rocky/custom.cfg')))
        root.clear_commands()
        self.ok(root.run('revert', snapshot=False))
        self.assertEqual(self.tree(root), before)

    def test_allow_list_admits_only_the_detected_custom_cfg(self):
        # the detected file leads, by a link, into another EFI folder: refused
        root = self.new_root('grub-esp-rocky8')
        os.makedirs(root.file('boot/efi/EFI/BOOT'))
        os.symlink('../BOOT/custom.cfg', root.file('boot/efi/EFI/rocky/custom.cfg'))
        before = root.tree()
        r = root.run('apply', *GPU)
        self.assertEqual(r.returncode, 1)
        self.assertIn('/boot/efi/EFI/BOOT/custom.cfg, which is ' + NOT_ALLOWED, r.stderr)
        self.assertEqual(root.tree(), before)
        self.assertEqual(root.commands(), [])

    # -- (b) Fedora 36: the ESP's stub loads /boot/grub2/grub.cfg ----------

    def test_fedora36_stub_leads_to_boot_grub2(self):
        root = self.new_root('grub-esp-fedora36')
        before = self.tree(root)
        plan = self.plan(root, *GPU)
        self.assertEqual(plan['blockers'], [])
        self.assertIn('GRUB reads /boot/grub2/grub.cfg, which the EFI system partition\'s '
                      '/boot/efi/EFI/fedora/grub.cfg loads (($dev)/grub2/grub.cfg)', plan['bootloader_evidence'])
        self.assertEqual(plan['way_back']['path'], '/boot/grub2/custom.cfg')
        self.assertFalse([c for c in plan['changes'] if c['path'].startswith('/boot/efi')])
        self.ok(root.run('apply', *GPU))
        self.assertIn("menuentry 'Fedora Linux (5.17.5-300.fc36.x86_64) 36 (Workstation Edition) - without passthrough",
                      root.read('boot/grub2/custom.cfg'))
        self.ok(root.run('revert', snapshot=False))
        self.assertEqual(self.tree(root), before)

    def test_fedora36_trial_and_revert(self):
        root = self.new_root('grub-esp-fedora36')
        before = self.tree(root)
        self.assertEqual(self.plan(root, *GPU, '--trial')['blockers'], [])
        self.ok(root.run('apply', *GPU, '--trial'))
        self.assertEqual(root.commands()[-1], ['grub2-reboot', 'passthrough-trial'])
        root.clear_commands()
        self.ok(root.run('revert', snapshot=False))
        self.assertEqual(root.commands()[-1], ['grub2-editenv', '/boot/grub2/grubenv', 'unset', 'next_entry'])
        self.assertEqual(self.tree(root), before)

    def test_fedora36_the_esp_is_not_on_the_allow_list(self):
        # GRUB reads /boot/grub2 here: the ESP's folder stays closed
        root = self.new_root('grub-esp-fedora36')
        os.symlink('../efi/EFI/fedora/custom.cfg', root.file('boot/grub2/custom.cfg'))
        before = root.tree()
        r = root.run('apply', *GPU)
        self.assertEqual(r.returncode, 1)
        self.assertIn('/boot/efi/EFI/fedora/custom.cfg, which is ' + NOT_ALLOWED, r.stderr)
        self.assertEqual(root.tree(), before)

    # -- (c) CentOS 7: no BLS, the full grub.cfg on the ESP ----------------

    def test_centos7_plan_regenerates_the_esp_grub_cfg(self):
        root = self.new_root('grub-esp-centos7')
        plan = self.plan(root, *GPU)
        self.assertEqual(plan['blockers'], [])
        self.assertEqual(plan['bootloader'], 'grub')
        self.assertIn('GRUB reads /boot/efi/EFI/centos/grub.cfg, the full configuration on the EFI system '
                      'partition (it has menu entries of its own)', plan['bootloader_evidence'])
        self.assertEqual(plan['commands'], [['dracut', '--regenerate-all', '--force'],
                                            ['grub2-mkconfig', '-o', '/boot/efi/EFI/centos/grub.cfg']])
        self.assertEqual(plan['way_back']['path'], '/boot/efi/EFI/centos/custom.cfg')

    def test_centos7_apply_no_commands_and_revert(self):
        root = self.new_root('grub-esp-centos7')
        before = self.tree(root)
        self.ok(root.run('apply', *GPU, '--no-commands'))
        self.assertEqual(root.commands(), [])
        custom = root.read('boot/efi/EFI/centos/custom.cfg')
        # a copy of the first entry, linuxefi/initrdefi kept, without our arguments
        self.assertIn("menuentry 'CentOS Linux (%s) 7 (Core) - without passthrough (Passthrough'\\''s way back)'"
                      % CENTOS_KERNEL, custom)
        self.assertIn('\tlinuxefi /vmlinuz-%s %s\n\tinitrdefi /initramfs-%s.img\n'
                      % (CENTOS_KERNEL, CENTOS_ARGS, CENTOS_KERNEL), custom)
        self.assertIn(TOKENS, root.read('etc/default/grub'))
        self.ok(root.run('revert', '--no-commands', snapshot=False))
        self.assertEqual(root.commands(), [])
        self.assertEqual(self.tree(root), before)

    def test_centos7_apply_and_revert(self):
        root = self.new_root('grub-esp-centos7')
        before = self.tree(root)
        self.ok(root.run('apply', *GPU))
        mkconfig = ['grub2-mkconfig', '-o', '/boot/efi/EFI/centos/grub.cfg']
        self.assertEqual(root.commands(), [['dracut', '--regenerate-all', '--force'], mkconfig])
        root.clear_commands()
        self.ok(root.run('revert', snapshot=False))
        self.assertEqual(root.commands(), [['dracut', '--regenerate-all', '--force'], mkconfig])
        self.assertEqual(self.tree(root), before)

    def test_centos7_trial_in_the_esp_custom_cfg(self):
        root = self.new_root('grub-esp-centos7')
        before = self.tree(root)
        self.assertEqual(self.plan(root, *GPU, '--trial')['blockers'], [])
        self.ok(root.run('apply', *GPU, '--trial'))
        custom = root.read('boot/efi/EFI/centos/custom.cfg')
        self.assertTrue(custom.startswith("### BEGIN Passthrough trial (removed at confirm or revert) ###\n"
                                          "menuentry 'Passthrough trial' --id passthrough-trial {\n"), custom)
        self.assertIn('\tlinuxefi /vmlinuz-%s %s %s\n' % (CENTOS_KERNEL, CENTOS_ARGS, TOKENS), custom)
        self.assertEqual(root.commands(), [['dracut', '--regenerate-all', '--force'],
                                           ['grub2-reboot', 'Passthrough trial']])
        root.write('proc/sys/kernel/random/boot_id', '7f2e-trial\n')
        root.write('proc/cmdline', root.read('proc/cmdline').strip() + ' ' + TOKENS + '\n')
        root.clear_commands()
        self.ok(root.run('confirm'))
        custom = root.read('boot/efi/EFI/centos/custom.cfg')
        self.assertNotIn('Passthrough trial', custom)
        self.assertIn('--id passthrough-way-back', custom)
        self.assertEqual(root.commands(), [['grub2-mkconfig', '-o', '/boot/efi/EFI/centos/grub.cfg']])
        self.ok(root.run('revert', snapshot=False))
        self.assertEqual(self.tree(root), before)

    def test_centos7_trial_revert_clears_the_one_shot_grub_reads(self):
        root = self.new_root('grub-esp-centos7')
        before = self.tree(root)
        self.ok(root.run('apply', *GPU, '--trial'))
        root.clear_commands()
        self.ok(root.run('revert', snapshot=False))
        self.assertEqual(root.commands()[-1],
                         ['grub2-editenv', '/boot/efi/EFI/centos/grubenv', 'unset', 'next_entry'])
        self.assertEqual(self.tree(root), before)

    # -- several EFI/<id>/grub.cfg ----------------------------------------

    def add_fedora_stub(self, root):
        root.write('boot/efi/EFI/fedora/grub.cfg',
                   'search --no-floppy --fs-uuid --set=dev 2f8d6c1a-4b7e-4d0c-9a35-7e1b2c3d4f50\n'
                   'set prefix=($dev)/grub2\n\nexport $prefix\nconfigfile $prefix/grub.cfg\n')

    def boot_current(self, root, loader):
        # efivarfs: 4 bytes of attributes, then the value
        efivars = root.file('sys/firmware/efi/efivars')
        os.makedirs(efivars, exist_ok=True)
        with open(os.path.join(efivars, 'BootCurrent-' + EFI_GLOBAL), 'wb') as f:
            f.write(struct.pack('<IH', 7, 3))
        desc = 'Linux Boot Manager\0'.encode('utf-16-le')
        path = (loader + '\0').encode('utf-16-le')
        node = struct.pack('<BBH', 4, 4, 4 + len(path)) + path + struct.pack('<BBH', 0x7f, 0xff, 4)
        with open(os.path.join(efivars, 'Boot0003-' + EFI_GLOBAL), 'wb') as f:
            f.write(struct.pack('<IIH', 7, 1, len(node)) + desc + node)

    def test_several_esp_configurations_chosen_with_evidence(self):
        root = self.new_root('grub-esp-rocky8')
        self.add_fedora_stub(root)
        # /etc/os-release: ID="rocky"
        plan = self.plan(root, *GPU)
        self.assertEqual(plan['way_back']['path'], '/boot/efi/EFI/rocky/custom.cfg')
        self.assertIn('that one because /etc/os-release says this system is “rocky”', plan['bootloader_evidence'])
        # without it: only rocky's leads to a file here (no /boot/grub2/grub.cfg)
        os.unlink(root.file('etc/os-release'))
        plan = self.plan(root, *GPU)
        self.assertEqual(plan['way_back']['path'], '/boot/efi/EFI/rocky/custom.cfg')
        self.assertIn('only that one leads to a file on this system', plan['bootloader_evidence'])
        # the firmware's current boot entry outweighs both
        root.write('boot/grub2/grub.cfg', '### BEGIN /etc/grub.d/10_linux ###\nblscfg\n')
        self.boot_current(root, '\\EFI\\fedora\\shimx64.efi')
        plan = self.plan(root, *GPU)
        self.assertEqual(plan['way_back']['path'], '/boot/grub2/custom.cfg')
        self.assertIn('the firmware\'s current boot entry (BootCurrent) starts \\EFI\\fedora\\',
                      plan['bootloader_evidence'])

    def test_several_esp_configurations_without_evidence_are_ambiguous(self):
        root = self.new_root('grub-esp-rocky8')
        self.add_fedora_stub(root)
        root.write('boot/grub2/grub.cfg', '### BEGIN /etc/grub.d/10_linux ###\nblscfg\n')
        os.unlink(root.file('etc/os-release'))
        before = root.tree()
        # BLS: grubby still sets the arguments, but no way back and no trial
        plan = self.plan(root, *GPU)
        self.assertEqual(plan['blockers'], [])
        self.assertIsNone(plan['way_back'])
        warning = [w for w in plan['warnings'] if w['code'] == 'way-back-unavailable'][0]
        self.assertIn('several GRUB configurations (/boot/efi/EFI/fedora/grub.cfg, /boot/efi/EFI/rocky/grub.cfg)',
                      warning['message'])
        plan = self.plan(root, *GPU, '--trial')
        self.assertIn('trial-unavailable', codes(plan['blockers']))
        # without BLS the arguments need the file regenerated: refused
        root.write('etc/default/grub', root.read('etc/default/grub').replace('GRUB_ENABLE_BLSCFG=true\n', ''))
        plan = self.plan(root, *GPU)
        self.assertIn('grub-cfg-ambiguous', codes(plan['blockers']))
        self.assertNotIn(['grub2-mkconfig', '-o', '/boot/grub2/grub.cfg'], plan['commands'])
        r = root.run('apply', *GPU)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(root.commands(), [])
        del before['etc/default/grub']
        self.assertEqual({k: v for k, v in root.tree().items() if k != 'etc/default/grub'}, before)


class UsbPciStubTest(Base):
    RELEASE = '4.20.16-200.fc29.x86_64'   # snapshots/seed003.json
    USB = '0000:42:00.0'                  # Renesas uPD720202, 1912:0014, alone in group 33

    def machine(self, root, xhci_builtin, builtin=None, dep=None):
        """seed003's machine with xhci_hcd built in or not, and its kernel's module lists."""
        with open(root.snapshot, encoding='utf-8') as f:
            snap = json.load(f)
        for g in snap['groups']:
            for d in g['devices']:
                if d['driver'] == 'xhci_hcd':
                    d['driver_builtin'] = xhci_builtin
        root.snapshot = os.path.join(root.tmp, 'machine.json')
        with open(root.snapshot, 'w', encoding='utf-8') as f:
            json.dump(snap, f)
        base = 'lib/modules/%s/' % self.RELEASE
        if builtin is not None:
            root.write(base + 'modules.builtin', ''.join(m + '\n' for m in builtin))
        if dep is not None:
            root.write(base + 'modules.dep', ''.join(m + '\n' for m in dep))

    XHCI = ['kernel/drivers/usb/host/xhci-hcd.ko', 'kernel/drivers/usb/host/xhci-pci.ko']
    STUB = ['kernel/drivers/pci/pci-stub.ko']

    def row(self, plan, address):
        return [d for d in plan['device_details'] if d['address'] == address][0]

    def test_builtin_xhci_goes_to_pci_stub(self):
        root = self.new_root('seed003')
        self.machine(root, True, builtin=self.XHCI + self.STUB)
        before = root.tree()
        plan = self.plan(root, '--select', self.USB, '--usb-pci-stub')
        self.assertEqual(plan['blockers'], [])
        row = self.row(plan, self.USB)
        self.assertEqual((row['binding'], row['driver_after']), ('ids', 'pci-stub'))
        self.assertIn('pci-stub.ids=1912:0014', plan['kernel_args'])
        self.assertFalse([a for a in plan['kernel_args'] if a.startswith(('passthrough.vfio=', 'vfio-pci.ids='))])
        warning = [w for w in plan['warnings'] if w['code'] == 'builtin-driver'][0]
        self.assertIn('pci-stub, built in as well, comes before it', warning['message'])
        self.assertNotIn('by address', warning['message'])
        self.ok(root.run('apply', '--select', self.USB, '--usb-pci-stub'))
        self.assertIn('pci-stub.ids=1912:0014', root.read('etc/default/grub'))
        status = load_json(root.run('status', '--json').stdout)
        self.assertEqual([d['address'] for d in status['devices']], [self.USB])
        self.ok(root.run('revert', snapshot=False))
        self.assertEqual(root.tree(), before)

    def test_builtin_xhci_without_the_option_is_bound_by_address(self):
        root = self.new_root('seed003')
        self.machine(root, True, builtin=self.XHCI + self.STUB)
        plan = self.plan(root, '--select', self.USB)
        row = self.row(plan, self.USB)
        self.assertEqual((row['binding'], row['driver_after']), ('address', 'vfio-pci'))
        self.assertIn('passthrough.vfio=0000:42:00.0@1912:0014', plan['kernel_args'])
        warning = [w for w in plan['warnings'] if w['code'] == 'builtin-driver'][0]
        self.assertIn('bound by address from the initramfs', warning['message'])

    def test_builtin_xhci_bound_by_id_says_it_will_not_hold(self):
        root = self.new_root('seed003')
        self.machine(root, True, builtin=self.XHCI + self.STUB)
        plan = self.plan(root, '--select', self.USB, '--bind-by', 'ids')
        row = self.row(plan, self.USB)
        self.assertEqual((row['binding'], row['driver_after']), ('ids', 'vfio-pci'))
        warning = [w for w in plan['warnings'] if w['code'] == 'builtin-driver'][0]
        self.assertIn('will not hold it', warning['message'])
        self.assertNotIn('bound by address', warning['message'])

    def test_refused_where_pci_stub_is_a_module(self):
        root = self.new_root('seed003')
        self.machine(root, True, builtin=self.XHCI, dep=['kernel/drivers/pci/pci-stub.ko.xz:'])
        plan = self.plan(root, '--select', self.USB, '--usb-pci-stub')
        refusal = [b for b in plan['blockers'] if b['code'] == 'usb-pci-stub-refused'][0]
        self.assertEqual(refusal['devices'], [self.USB])
        self.assertIn('pci-stub is only a module in kernel %s, so the built-in xhci_hcd takes the controller'
                      % self.RELEASE, refusal['message'])
        # the row, the warning and the arguments: what happens without the option
        row = self.row(plan, self.USB)
        self.assertEqual((row['binding'], row['driver_after']), ('address', 'vfio-pci'))
        self.assertIn('passthrough.vfio=0000:42:00.0@1912:0014', plan['kernel_args'])
        self.assertFalse([a for a in plan['kernel_args'] if a.startswith('pci-stub.ids=')])
        r = root.run('apply', '--select', self.USB, '--usb-pci-stub')
        self.assertEqual(r.returncode, 1)

    def test_refused_where_pci_stub_is_missing_or_unknown(self):
        root = self.new_root('seed003')
        self.machine(root, True, builtin=self.XHCI, dep=[])
        plan = self.plan(root, '--select', self.USB, '--usb-pci-stub')
        self.assertIn('has no pci-stub, neither built in nor as a module',
                      [b for b in plan['blockers'] if b['code'] == 'usb-pci-stub-refused'][0]['message'])
        os.unlink(root.file('lib/modules/%s/modules.builtin' % self.RELEASE))
        plan = self.plan(root, '--select', self.USB, '--usb-pci-stub')
        self.assertIn('modules.builtin, which would show that, cannot be read',
                      [b for b in plan['blockers'] if b['code'] == 'usb-pci-stub-refused'][0]['message'])

    def test_modular_xhci_goes_to_pci_stub(self):
        root = self.new_root('seed003')
        self.machine(root, False, builtin=self.STUB, dep=['kernel/drivers/usb/host/xhci-pci.ko.xz:'])
        plan = self.plan(root, '--select', self.USB, '--usb-pci-stub')
        self.assertEqual(plan['blockers'], [])
        row = self.row(plan, self.USB)
        self.assertEqual((row['binding'], row['driver_after']), ('ids', 'pci-stub'))
        self.assertIn('pci-stub.ids=1912:0014', plan['kernel_args'])
        self.assertNotIn('builtin-driver', codes(plan['warnings']))
        # pci-stub only as a module: nothing would load it ahead of xhci_pci
        self.machine(root, False, builtin=[], dep=['kernel/drivers/pci/pci-stub.ko.xz:'])
        plan = self.plan(root, '--select', self.USB, '--usb-pci-stub')
        self.assertIn('nothing loads it before xhci_hcd',
                      [b for b in plan['blockers'] if b['code'] == 'usb-pci-stub-refused'][0]['message'])
        self.assertEqual(self.row(plan, self.USB)['driver_after'], 'vfio-pci')

    def test_gpu_and_usb_each_get_their_driver(self):
        root = self.new_root('seed003')
        self.machine(root, True, builtin=self.XHCI + self.STUB)
        plan = self.plan(root, '--select', '0000:08:00.0', '--select', self.USB, '--usb-pci-stub')
        self.assertEqual(plan['blockers'], [])
        self.assertEqual(self.row(plan, '0000:08:00.0')['driver_after'], 'vfio-pci')
        self.assertEqual(self.row(plan, self.USB)['driver_after'], 'pci-stub')
        self.assertIn('vfio-pci.ids=10de:1b80,10de:10f0', plan['kernel_args'])
        self.assertIn('pci-stub.ids=1912:0014', plan['kernel_args'])

    def test_option_on_a_selection_without_usb_is_refused(self):
        root = self.new_root('seed003')
        self.machine(root, True, builtin=self.XHCI + self.STUB)
        before = root.tree()
        plan = self.plan(root, *GPU, '--usb-pci-stub')
        self.assertEqual(codes(plan['blockers']), ['usb-pci-stub-no-usb'])
        self.assertFalse([a for a in plan['kernel_args'] if a.startswith('pci-stub.ids=')])
        r = root.run('apply', *GPU, '--usb-pci-stub')
        self.assertEqual(r.returncode, 1)
        self.assertEqual(root.tree(), before)

    def test_option_with_binding_by_address_is_refused(self):
        root = self.new_root('seed003')
        self.machine(root, False, builtin=self.STUB)
        plan = self.plan(root, '--select', self.USB, '--usb-pci-stub', '--bind-by', 'address')
        refusal = [b for b in plan['blockers'] if b['code'] == 'usb-pci-stub-refused'][0]
        self.assertIn('pci-stub takes devices only by their IDs', refusal['message'])
        self.assertEqual(self.row(plan, self.USB)['binding'], 'address')


if __name__ == '__main__':
    unittest.main(verbosity=2)
