#!/usr/bin/python3
# Plans: what is taken along and how it is bound, the kernel arguments per
# CPU vendor, blockers and warnings with their codes, and bad input that
# gets a clear error and changes nothing.
# SPDX-License-Identifier: GPL-3.0-or-later
import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from enginelib import Root, load_json, snapshot  # noqa: E402


def codes(issues):
    return [i['code'] for i in issues]


class PlanTest(unittest.TestCase):
    def setUp(self):
        self.root = Root('seed000')
        self.addCleanup(self.root.cleanup)
        self.before = self.root.tree(skip_state=False)

    def plan(self, *args, snapshot_file=True):
        r = self.root.run('plan', '--json', *args, snapshot=snapshot_file)
        self.assertIn(r.returncode, (0, 1), r.stderr)
        self.assertEqual(self.root.tree(skip_state=False), self.before, 'plan wrote something')
        return r.returncode, load_json(r.stdout)

    def variant(self, change):
        """A changed copy of seed 000's snapshot."""
        with open(snapshot('seed000')) as f:
            data = json.load(f)
        change(data)
        fd, path = tempfile.mkstemp(suffix='.json', dir=self.root.tmp)
        with os.fdopen(fd, 'w') as f:
            json.dump(data, f)
        return path

    def test_gpu_takes_its_audio_along(self):
        rc, plan = self.plan('--select', '0000:09:00.0')
        self.assertEqual(rc, 0)
        self.assertEqual(plan['devices'], ['0000:09:00.0', '0000:09:00.1'])
        self.assertEqual(plan['binding'], 'ids')
        self.assertEqual(plan['bootloader'], 'systemd-boot')
        self.assertEqual(plan['initramfs'], 'mkinitcpio')
        entry = [c for c in plan['changes'] if c['path'] == '/boot/loader/entries/arch.conf'][0]
        self.assertEqual(entry['action'], 'modify')
        self.assertIn('+options root=PARTUUID=8c1f0e54-7d2a-4b8e-9a61-3f0d5e2c7b19 quiet rw '
                      'iommu=pt vfio-pci.ids=1002:73ff,1002:ab28\n', entry['diff'])
        self.assertNotIn('intel_iommu', json.dumps(plan))
        # the fallback entry is a way back and stays as it is; a hand-written
        # Arch entry has no kernel-install hook, so no etc/kernel/cmdline
        paths = [c['path'] for c in plan['changes']]
        self.assertNotIn('/boot/loader/entries/arch-fallback.conf', paths)
        self.assertNotIn('/etc/kernel/cmdline', paths)
        self.assertEqual(plan['commands'], [['mkinitcpio', '-P']])
        self.assertEqual(plan['blockers'], [])

    def test_intel_without_iommu_gets_intel_iommu_on(self):
        def intel(data):
            data['cpu_vendor'] = 'intel'
            data['iommu'] = {'enabled': False, 'vendor': None}
            data['ungrouped'] = [d for g in data['groups'] for d in g['devices']]
            data['groups'] = []
        rc, plan = self.plan('--select', '0000:09:00.0', snapshot_file=self.variant(intel))
        self.assertEqual(plan['kernel_args'][:3],
                         ['intel_iommu=on', 'iommu=pt', 'vfio-pci.ids=1002:73ff,1002:ab28'])
        self.assertIn('iommu-off', codes(plan['warnings']))

    def test_no_iommu_pt_and_options(self):
        rc, plan = self.plan('--select', '0000:09:00.0', '--no-iommu-pt', '--framebuffer-off',
                             '--acs-override', 'downstream,multifunction', '--allow-unsafe-interrupts',
                             '--disable-vga')
        self.assertEqual(plan['kernel_args'], [
            'vfio-pci.ids=1002:73ff,1002:ab28', 'video=efifb:off', 'initcall_blacklist=sysfb_init',
            'pcie_acs_override=downstream,multifunction', 'vfio_iommu_type1.allow_unsafe_interrupts=1'])
        self.assertIn('acs-override', codes(plan['warnings']))
        self.assertIn('unsafe-interrupts', codes(plan['warnings']))
        modprobe = [c for c in plan['changes'] if c['path'] == '/etc/modprobe.d/passthrough.conf'][0]
        self.assertIn('disable_vga=1', modprobe['diff'])

    def test_two_identical_nics_bind_by_address(self):
        rc, plan = self.plan('--select', '0000:07:00.0')
        self.assertEqual(rc, 0)
        self.assertEqual(plan['devices'], ['0000:07:00.0'])
        self.assertEqual(plan['binding'], 'address')
        self.assertIn('passthrough.vfio=0000:07:00.0@8086:10d3', plan['kernel_args'])
        self.assertFalse(any(k.startswith('vfio-pci.ids') for k in plan['kernel_args']))
        warning = [w for w in plan['warnings'] if w['code'] == 'identical-ids'][0]
        self.assertEqual(warning['devices'], ['0000:07:00.0'])
        self.assertIn('0000:08:00.0', warning['message'])
        # the early hook goes right before udev in mkinitcpio's HOOKS
        dropin = [c for c in plan['changes'] if c['path'] == '/etc/mkinitcpio.conf.d/passthrough.conf'][0]
        self.assertIn('passthrough udev', dropin['diff'])

    def test_both_identical_nics_bind_by_id(self):
        rc, plan = self.plan('--select', '0000:07:00.0', '--select', '0000:08:00.0')
        self.assertEqual(plan['binding'], 'ids')
        self.assertIn('vfio-pci.ids=8086:10d3', plan['kernel_args'])

    def test_mixed_binding(self):
        rc, plan = self.plan('--select', '0000:07:00.0', '--select', '0000:09:00.0')
        self.assertEqual(plan['binding'], 'mixed')
        self.assertIn('passthrough.vfio=0000:07:00.0@8086:10d3', plan['kernel_args'])
        self.assertIn('vfio-pci.ids=1002:73ff,1002:ab28', plan['kernel_args'])

    def test_forced_ids_with_identical_nic_is_blocked(self):
        rc, plan = self.plan('--select', '0000:07:00.0', '--bind-by', 'ids')
        self.assertEqual(rc, 1)
        self.assertEqual(codes(plan['blockers']), ['ids-not-unique'])

    def test_bind_by_address_on_request(self):
        rc, plan = self.plan('--select', '0000:09:00.0', '--bind-by', 'address')
        self.assertIn('passthrough.vfio=0000:09:00.0@1002:73ff,0000:09:00.1@1002:ab28', plan['kernel_args'])

    def assert_blocked(self, args, code, devices):
        rc, plan = self.plan(*args)
        self.assertEqual(rc, 1)
        blocker = [b for b in plan['blockers'] if b['code'] == code]
        self.assertEqual(len(blocker), 1, plan['blockers'])
        self.assertEqual(blocker[0]['devices'], devices)
        self.assertTrue(blocker[0]['message'].endswith('.'), blocker[0]['message'])
        # apply refuses with the same reason and writes nothing
        r = self.root.run('apply', *args)
        self.assertEqual(r.returncode, 1)
        self.assertIn('Refused', r.stderr)
        self.assertEqual(self.root.tree(skip_state=False), self.before)
        self.assertEqual(self.root.commands(), [])
        return blocker[0]

    def test_group_not_taken_along(self):
        b = self.assert_blocked(['--select', '0000:0c:00.0'], 'group-not-taken', ['0000:0d:00.0'])
        self.assertIn('IOMMU group 25', b['message'])

    def test_group_taken_along_is_a_warning(self):
        rc, plan = self.plan('--select', '0000:0c:00.0', '--select', '0000:0d:00.0')
        self.assertEqual(rc, 0)
        self.assertIn('shared-group', codes(plan['warnings']))

    def test_group_with_isa_bridge_is_not_viable(self):
        self.assert_blocked(['--select', '0000:00:14.0'], 'group-not-viable', ['0000:00:14.3'])

    def test_last_gpu(self):
        self.assert_blocked(['--select', '0000:03:00.0', '--select', '0000:09:00.0'], 'last-gpu',
                            ['0000:03:00.0', '0000:09:00.0'])
        rc, plan = self.plan('--select', '0000:03:00.0', '--select', '0000:09:00.0', '--allow-last-gpu')
        self.assertEqual(rc, 0)
        self.assertIn('last-gpu', codes(plan['warnings']))
        # the boot GPU is a blocker, but a host allowed to keep no GPU loses
        # its screen anyway: then it only warns
        self.assertIn('boot-gpu', codes(plan['warnings']))
        self.assert_blocked(['--select', '0000:03:00.0'], 'boot-gpu', ['0000:03:00.0'])

    def test_root_disk_controller(self):
        b = self.assert_blocked(['--select', '0000:01:00.0'], 'host-needs-device', ['0000:01:00.0'])
        self.assertIn('root filesystem', b['message'])

    def test_virtual_function_at_boot(self):
        self.assert_blocked(['--select', '0000:06:10.0'], 'virtual-function', ['0000:06:10.0'])

    def test_default_route_nic_is_a_blocker(self):
        self.assert_blocked(['--select', '0000:05:00.0'], 'default-route-nic', ['0000:05:00.0'])

    def test_trial_is_refused_with_a_reason(self):
        root = Root('seed002')
        self.addCleanup(root.cleanup)
        r = root.run('plan', '--json', '--select', '0000:01:00.0', '--trial')
        self.assertEqual(r.returncode, 1)
        blocker = load_json(r.stdout)['blockers'][0]
        self.assertEqual(blocker['code'], 'trial-unavailable')
        self.assertIn('kernelstub', blocker['message'])

    def test_handwritten_vfio_settings_warn(self):
        self.root.write('etc/modprobe.d/vfio.conf', '# by hand\noptions vfio-pci ids=1002:73ff,1002:ab28\n')
        self.before = self.root.tree(skip_state=False)
        rc, plan = self.plan('--select', '0000:09:00.0')
        w = [w for w in plan['warnings'] if w['code'] == 'handwritten-vfio'][0]
        self.assertIn('vfio.conf line 2', w['message'])

    def test_handwritten_ids_on_the_command_line_warn(self):
        self.root.write('proc/cmdline', self.root.read('proc/cmdline').strip() + ' vfio-pci.ids=10de:2484\n')
        self.before = self.root.tree(skip_state=False)
        rc, plan = self.plan('--select', '0000:09:00.0')
        w = [w for w in plan['warnings'] if w['code'] == 'handwritten-vfio-cmdline'][0]
        self.assertIn('vfio-pci.ids=10de:2484', w['message'])
        # our own, from the running kernel after apply: no warning
        self.root.write('proc/cmdline', 'quiet rw iommu=pt vfio-pci.ids=1002:73ff,1002:ab28\n')
        self.before = self.root.tree(skip_state=False)
        rc, plan = self.plan('--select', '0000:09:00.0')
        self.assertNotIn('handwritten-vfio-cmdline', codes(plan['warnings']))

    def test_ambiguous_bootloader(self):
        self.root.write('etc/default/grub', 'GRUB_CMDLINE_LINUX_DEFAULT="quiet"\n')
        self.before = self.root.tree(skip_state=False)
        rc, plan = self.plan('--select', '0000:09:00.0')
        self.assertEqual(rc, 1)
        self.assertEqual(codes(plan['blockers']), ['bootloader-ambiguous'])
        rc, plan = self.plan('--select', '0000:09:00.0', '--bootloader', 'grub')
        self.assertEqual(rc, 0)
        self.assertEqual(plan['bootloader'], 'grub')
        self.assertIn('/etc/default/grub', [c['path'] for c in plan['changes']])

    def test_loaderinfo_decides(self):
        self.root.write('etc/default/grub', 'GRUB_CMDLINE_LINUX_DEFAULT="quiet"\n')
        self.root.write('sys/firmware/efi/efivars/LoaderInfo-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f', 'x')
        self.before = self.root.tree(skip_state=False)
        rc, plan = self.plan('--select', '0000:09:00.0')
        self.assertEqual(rc, 0)
        self.assertEqual(plan['bootloader'], 'systemd-boot')

    def test_loaderinfo_without_a_mounted_esp_blocks(self):
        # systemd-boot started the system but its ESP is not mounted (a nofail
        # mount that timed out): GRUB's leftover config must not be edited
        os.unlink(self.root.file('boot/loader/loader.conf'))
        self.root.write('etc/default/grub', 'GRUB_CMDLINE_LINUX_DEFAULT="quiet"\n')
        self.root.write('sys/firmware/efi/efivars/LoaderInfo-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f', 'x')
        self.before = self.root.tree(skip_state=False)
        rc, plan = self.plan('--select', '0000:09:00.0')
        b = [b for b in plan['blockers'] if b['code'] == 'esp-not-mounted']
        self.assertEqual(len(b), 1, plan['blockers'])
        self.assertIn('mount /boot/efi', b[0]['message'])
        self.assertNotIn('/etc/default/grub', [c['path'] for c in plan['changes']])
        r = self.root.run('apply', '--select', '0000:09:00.0')
        self.assertEqual(r.returncode, 1, r.stderr + r.stdout)
        self.assertIn('Refused; nothing was changed', r.stderr)
        self.assertIn('no EFI system partition', r.stdout)
        self.assertEqual(self.root.tree(skip_state=False), self.before)

    def test_nothing_known_found(self):
        for rel in ['boot/loader/loader.conf', 'etc/mkinitcpio.conf']:
            os.unlink(self.root.file(rel))
        self.before = self.root.tree(skip_state=False)
        rc, plan = self.plan('--select', '0000:09:00.0')
        b = [b for b in plan['blockers'] if b['code'] == 'no-boot-setup'][0]
        self.assertIn('iommu=pt vfio-pci.ids=1002:73ff,1002:ab28', b['message'])

    # ---- bad input: a clear error, nothing written ----

    def assert_error(self, args, rc, words):
        r = self.root.run(*args)
        self.assertEqual(r.returncode, rc, r.stderr + r.stdout)
        for w in words:
            self.assertIn(w, r.stderr)
        self.assertEqual(self.root.tree(skip_state=False), self.before)

    def test_unknown_address(self):
        for cmd in ('plan', 'apply'):
            # the machine read is the snapshot, and the hint lists that one (tests/cli/test_which_machine.py)
            self.assert_error([cmd, '--select', '0000:42:00.0'], 1,
                              ['0000:42:00.0', 'in the snapshot', '--snapshot', ' list”', 'Nothing was changed'])

    def test_malformed_address(self):
        self.assert_error(['apply', '--select', '09:00'], 2, ['09:00'])

    def test_bad_option_values(self):
        self.assert_error(['apply', '--select', '0000:09:00.0', '--bind-by', 'magic'], 2, ['binding', 'magic'])
        self.assert_error(['apply', '--select', '0000:09:00.0', '--acs-override', 'all'], 2, ['acs-override'])
        self.assert_error(['apply', '--select', '0000:09:00.0', '--bootloader', 'lilo'], 2, ['bootloader', 'lilo'])
        self.assert_error(['apply', '--select', '0000:09:00.0', '--frobnicate'], 2, ['--frobnicate'])
        self.assert_error(['apply'], 2, ['--select'])

    def test_unparsable_config(self):
        root = Root('seed004')
        self.addCleanup(root.cleanup)
        root.write('etc/default/grub', 'GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT="quiet\n')
        before = root.tree(skip_state=False)
        r = root.run('apply', '--select', '0000:01:00.0')
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn('grub', r.stderr.lower())
        self.assertEqual(root.tree(skip_state=False), before)
        self.assertEqual(root.commands(), [])

    def test_damaged_state_file(self):
        self.root.write('var/lib/passthrough/state.json', '{"format": 1, "applied": [')
        self.before = self.root.tree(skip_state=False)
        self.assert_error(['apply', '--select', '0000:09:00.0'], 1, ['state file'])
        self.assert_error(['revert'], 1, ['state file'])

    def test_apply_without_root_goes_through_the_helper(self):
        import subprocess
        from enginelib import CTL
        r = subprocess.run([CTL, '--snapshot', snapshot('seed000'), 'apply', '--select', '0000:09:00.0'],
                           capture_output=True, text=True, env=dict(os.environ, PASSTHROUGH_COMMAND_WRAPPER='/bin/false'))
        self.assertEqual(r.returncode, 1)
        self.assertIn('helper', r.stderr)


if __name__ == '__main__':
    unittest.main(verbosity=2)
