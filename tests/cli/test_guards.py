#!/usr/bin/python3
# The guards (docs/fixes-and-guards.md, src/core/pt-guard.c) on the fixture
# machine host-guards: the boot GPU and the NIC of a default route (here an
# IPv6-only one, through a VLAN) are blockers, so is the NIC that a mounted
# NFS or CIFS share is reached through; the USB controller with every
# keyboard is a warning, shows in list --json `holds` as "keyboard", and a
# `select` fix never names it.  And the context of a plan: from a snapshot,
# interrupt remapping is "not known" rather than warned about; the bundled
# demos plan against the small roots beside them (data/demo/twin-gpu/ and the others).
#
# SPDX-License-Identifier: GPL-3.0-or-later

import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixturelib as fx  # noqa: E402

IGPU, DGPU, GT1030 = '0000:00:02.0', '0000:01:00.0', '0000:05:00.0'
KEYBOARD_USB, CHIPSET_USB = '0000:02:00.0', '0000:00:14.0'
ONBOARD_NIC, NFS_NIC = '0000:00:1f.6', '0000:03:00.0'

ROOTS = None
TMP = None


def setUpModule():
    global ROOTS, TMP
    ROOTS = fx.Roots()
    TMP = tempfile.TemporaryDirectory(prefix='pt-guards-')


def tearDownModule():
    ROOTS.cleanup()
    TMP.cleanup()


def variant(name, *lines):
    """host-guards with @lines added to its description (or, with a leading
    "-", the line starting with the rest taken away), built into its own root."""
    with open(os.path.join(fx.MACHINES, 'host-guards.machine')) as f:
        text = f.read()
    for line in lines:
        if line.startswith('-'):
            text = '\n'.join(l for l in text.splitlines() if not l.startswith(line[1:]))
        else:
            text += line + '\n'
    root = os.path.join(TMP.name, name)
    fx.make_sysfs.build_root(fx.make_sysfs.parse_machine(text, name), root)
    return root


def holds(root):
    devices = fx.devices_by_address(fx.list_json(root))
    return {a: d['holds'] for a, d in devices.items() if d['holds']}


def plan(root, *args):
    r = fx.run('--root', root, 'plan', '--json', *args)
    assert r.returncode in (0, 1), r.stderr
    return r.returncode, json.loads(r.stdout)


def issue(plan_data, level, code):
    found = [i for i in plan_data[level] if i['code'] == code]
    return found[0] if len(found) == 1 else None


class Detection(unittest.TestCase):
    def test_holds_and_default_route(self):
        root = ROOTS.get('host-guards')
        self.assertEqual(holds(root), {KEYBOARD_USB: ['keyboard'], NFS_NIC: ['network'],
                                       '0000:04:00.0': ['root', 'efi']})
        devices = fx.devices_by_address(fx.list_json(root))
        # no IPv4 default route at all: the IPv6 one through eno1.20 marks eno1's NIC
        with open(os.path.join(root, 'proc/net/route')) as f:
            destinations = [l.split('\t')[1] for l in f.read().splitlines()[1:]]
        self.assertEqual(destinations, ['0005000A'])
        self.assertEqual([a for a, d in devices.items() if d['default_route']], [ONBOARD_NIC])

    def test_list_names_the_keyboard(self):
        r = fx.run('--root', ROOTS.get('host-guards'), 'list')
        self.assertEqual(r.returncode, 0, r.stderr)
        line = [l for l in r.stdout.splitlines() if '02:00.0' in l]
        self.assertTrue(any("every keyboard of the host" in l for l in r.stdout.splitlines()), r.stdout)
        self.assertTrue(line, r.stdout)

    def test_another_keyboard_lifts_the_guard(self):
        # a PS/2 keyboard, or one on the chipset's own USB controller: the card
        # no longer holds the only keyboard, and no other controller does
        for where in ('platform', '00:14.0'):
            with self.subTest(where=where):
                root = variant('kbd-' + where.replace(':', ''),
                               f'input Cherry-KC1000 at={where} kind=keyboard')
                self.assertNotIn(KEYBOARD_USB, holds(root))
                self.assertNotIn(CHIPSET_USB, holds(root))

    def test_a_software_keyboard_is_no_keyboard(self):
        root = variant('kbd-virtual', 'input ydotoold-virtual-device at=virtual kind=keyboard')
        self.assertEqual(holds(root)[KEYBOARD_USB], ['keyboard'])

    def test_a_mouse_is_no_keyboard(self):
        root = variant('mouse-only', '-input Logitech-K120')
        self.assertEqual(holds(root), {NFS_NIC: ['network'], '0000:04:00.0': ['root', 'efi']})

    def test_two_keyboards_on_one_controller(self):
        root = variant('two-on-card', 'input Das-Keyboard at=02:00.0 kind=keyboard')
        self.assertEqual(holds(root)[KEYBOARD_USB], ['keyboard'])


class Plans(unittest.TestCase):
    def setUp(self):
        self.root = ROOTS.get('host-guards')

    def test_boot_gpu_is_a_blocker_naming_the_gpu_to_boot_on(self):
        rc, p = plan(self.root, '--select', IGPU)
        self.assertEqual(rc, 1)
        boot = issue(p, 'blockers', 'boot-gpu')
        self.assertIsNotNone(boot, p['blockers'])
        self.assertIsNone(issue(p, 'warnings', 'boot-gpu'))
        self.assertEqual([f['kind'] for f in boot['fixes']], ['firmware', 'other', 'option'])
        firmware = boot['fixes'][0]
        self.assertEqual(firmware['devices'], [IGPU, DGPU])
        self.assertIn('make GPU 0000:01:00.0 the boot GPU', firmware['text'])
        self.assertEqual(boot['fixes'][2]['option'], {'key': 'framebuffer-off', 'value': True})

    def test_framebuffer_off_turns_the_boot_gpu_into_a_warning(self):
        rc, p = plan(self.root, '--select', IGPU, '--framebuffer-off')
        self.assertIsNone(issue(p, 'blockers', 'boot-gpu'), p['blockers'])
        boot = issue(p, 'warnings', 'boot-gpu')
        self.assertIsNotNone(boot, p['warnings'])
        self.assertNotIn('option', [f['kind'] for f in boot['fixes']])
        self.assertIsNone(issue(p, 'warnings', 'framebuffer-off-not-boot-gpu'))

    def test_ipv6_default_route_nic_is_a_blocker(self):
        rc, p = plan(self.root, '--select', ONBOARD_NIC)
        self.assertEqual(rc, 1)
        nic = issue(p, 'blockers', 'default-route-nic')
        self.assertIsNotNone(nic, p['blockers'])
        self.assertEqual([f['kind'] for f in nic['fixes']], ['other'])
        self.assertIsNone(issue(p, 'warnings', 'default-route-nic'))

    def test_network_file_system_nic_is_a_blocker(self):
        rc, p = plan(self.root, '--select', NFS_NIC)
        self.assertEqual(rc, 1)
        nic = issue(p, 'blockers', 'host-needs-device')
        self.assertIsNotNone(nic, p['blockers'])
        self.assertIn('network file system', nic['message'])
        self.assertIn('NFS, CIFS', nic['fixes'][0]['text'])
        self.assertNotIn('disks', nic['fixes'][0]['text'])

    def test_keyboard_controller_is_a_warning(self):
        rc, p = plan(self.root, '--select', KEYBOARD_USB)
        kbd = issue(p, 'warnings', 'usb-keyboard')
        self.assertIsNotNone(kbd, p['warnings'])
        self.assertEqual(kbd['devices'], [KEYBOARD_USB])
        self.assertEqual([f['kind'] for f in kbd['fixes']], ['other'])
        self.assertIn('another USB controller', kbd['fixes'][0]['text'])
        self.assertNotIn('usb-keyboard', [b['code'] for b in p['blockers']])
        self.assertNotIn('host-needs-device', [b['code'] for b in p['blockers']])

    def test_select_fix_never_names_the_keyboard(self):
        rc, p = plan(self.root, '--select', GT1030)
        group = issue(p, 'blockers', 'group-not-taken')
        self.assertIsNotNone(group, p['blockers'])
        self.assertEqual(group['devices'], [KEYBOARD_USB])
        kinds = [f['kind'] for f in group['fixes']]
        self.assertEqual(kinds[0], 'move-slot')
        self.assertNotIn('select', kinds)
        why = [f for f in group['fixes'] if f['kind'] == 'other'][0]
        self.assertIn('every keyboard', why['text'])
        self.assertIn(KEYBOARD_USB, why['text'])
        # with a PS/2 keyboard the card is no guard: selecting it becomes a fix
        root = variant('ps2', 'input AT-Translated-Set-2 at=platform kind=keyboard')
        rc, p = plan(root, '--select', GT1030)
        select = [f for f in issue(p, 'blockers', 'group-not-taken')['fixes'] if f['kind'] == 'select']
        self.assertEqual(select[0]['devices'], [KEYBOARD_USB])

    def test_cli_text_shows_the_blockers_and_the_warning(self):
        r = fx.run('--root', self.root, 'plan', '--select', IGPU, '--select', KEYBOARD_USB)
        self.assertEqual(r.returncode, 1)
        self.assertIn('make GPU 0000:01:00.0 the boot GPU', r.stdout)
        self.assertIn('USB controller of every keyboard', r.stdout)


class SnapshotContext(unittest.TestCase):
    """What only the running kernel shows is not known from a snapshot."""

    def setUp(self):
        # interrupt remapping off in its proc/interrupts
        self.root = ROOTS.get('laptop-hm87-gtx765m')
        self.gpu = [d['address'] for d in fx.devices_by_address(fx.list_json(self.root)).values()
                    if d['kind'] == 'gpu' and not d['boot_vga']][0]
        self.snapshot = os.path.join(TMP.name, 'laptop.json')
        with open(self.snapshot, 'w') as f:
            json.dump(fx.list_json(self.root), f)

    def plan(self, *args):
        r = fx.run(*args, 'plan', '--json', '--select', self.gpu)
        self.assertIn(r.returncode, (0, 1), r.stderr)
        return json.loads(r.stdout)

    def test_the_machine_warns(self):
        p = self.plan('--root', self.root)
        self.assertIn('no-interrupt-remapping', [w['code'] for w in p['warnings']])
        self.assertEqual(p['not_known'], [])

    def test_a_snapshot_says_not_known(self):
        for args in (('--snapshot', self.snapshot), ('--root', self.root, '--snapshot', self.snapshot)):
            with self.subTest(args=args):
                p = self.plan(*args)
                self.assertNotIn('no-interrupt-remapping', [w['code'] for w in p['warnings']])
                self.assertEqual([n['code'] for n in p['not_known']], ['interrupt-remapping', 'running-system'])
                self.assertIn('not known from a snapshot', p['not_known'][0]['message'])
                self.assertEqual(p['not_known'][0]['fixes'], [])
        # a root that is a virtual machine (its DMI says QEMU) warns about itself,
        # a snapshot planned against that root does not
        os.makedirs(os.path.join(self.root, 'sys/class/dmi/id'), exist_ok=True)
        with open(os.path.join(self.root, 'sys/class/dmi/id/sys_vendor'), 'w') as f:
            f.write('QEMU\n')
        self.addCleanup(os.unlink, os.path.join(self.root, 'sys/class/dmi/id/sys_vendor'))
        self.assertIn('virtual-machine', [w['code'] for w in self.plan('--root', self.root)['warnings']])
        self.assertNotIn('virtual-machine', [w['code'] for w in self.plan('--root', self.root, '--snapshot', self.snapshot)['warnings']])
        # the option chosen still warns about itself
        r = fx.run('--snapshot', self.snapshot, 'plan', '--json', '--select', self.gpu, '--allow-unsafe-interrupts')
        self.assertIn('unsafe-interrupts', [w['code'] for w in json.loads(r.stdout)['warnings']])
        r = fx.run('--snapshot', self.snapshot, 'plan', '--select', self.gpu)
        self.assertIn('Not known from a snapshot (neither warnings nor blockers):\n  [interrupt-remapping]', r.stdout)


class DemoRoots(unittest.TestCase):
    """Each bundled demo plans against the small root beside it: its
    distribution's boot loader and initramfs tool, a real diff."""

    EXPECT = {
        'twin-gpu': ('grub', 'initramfs-tools', '0000:02:00.0', '/etc/default/grub', 'GRUB_CMDLINE_LINUX_DEFAULT="quiet iommu=pt'),
        'threadripper-x399': ('grub-bls', 'dracut', '0000:08:00.0', '/etc/default/grub', 'rd.lvm.lv=fedora/swap rhgb quiet iommu=pt'),
        'arch-navi23': ('systemd-boot', 'mkinitcpio', '0000:09:00.0', '/boot/loader/entries/arch.conf', '+options root=PARTUUID=4f9c2a8e'),
        'laptop-optimus': ('systemd-boot', 'mkinitcpio', '0000:01:00.0', '/boot/loader/entries/arch.conf', '+options root=/dev/mapper/cryptroot rw quiet iommu=pt'),
    }

    def test_demo_roots_give_real_boot_diffs(self):
        for stem, (loader, initramfs, device, path, line) in self.EXPECT.items():
            with self.subTest(demo=stem):
                root = os.path.join(fx.DEMO, stem)
                with open(os.path.join(root, 'etc', 'os-release')) as f:
                    self.assertIn('PRETTY_NAME=', f.read())
                self.assertFalse(os.path.exists(os.path.join(root, 'proc')))
                self.assertFalse(os.path.exists(os.path.join(root, 'sys')))
                r = fx.run('--root', root, '--snapshot', os.path.join(fx.DEMO, stem + '.json'),
                           'plan', '--json', '--select', device)
                self.assertIn(r.returncode, (0, 1), r.stderr)
                p = json.loads(r.stdout)
                self.assertEqual((p['bootloader'], p['initramfs']), (loader, initramfs))
                diff = [c['diff'] for c in p['changes'] if c['path'] == path]
                self.assertEqual(len(diff), 1, [c['path'] for c in p['changes']])
                self.assertIn(line, diff[0])
                self.assertNotIn('no-bootloader', [b['code'] for b in p['blockers'] + p['warnings']])
                # the trial works there too (the app asks for it first)
                r = fx.run('--root', root, '--snapshot', os.path.join(fx.DEMO, stem + '.json'),
                           'plan', '--json', '--trial', '--select', device)
                self.assertIn(r.returncode, (0, 1), r.stderr)
                self.assertNotIn('trial-unavailable', [b['code'] for b in json.loads(r.stdout)['blockers']])


if __name__ == '__main__':
    unittest.main(verbosity=2)
