#!/usr/bin/python3
# `passthroughctl --root ROOT list [--json]` on every fixture machine.
#
# Two kinds of checks: general ones that re-derive, from the machine
# description alone, what the JSON must say (IDs, groups, parents, SR-IOV,
# kinds, shares_group_with, same_ids_as); and facts stated by hand for each
# machine, the things a person reading the published listing would point at.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import json
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixturelib as fx  # noqa: E402

ROOTS = None


def setUpModule():
    global ROOTS
    ROOTS = fx.Roots()


def tearDownModule():
    ROOTS.cleanup()


def A(short):
    return '0000:' + short


def expected_kind(class_code):
    base, sub = class_code >> 16, (class_code >> 8) & 0xff
    if base == 0x03:
        return 'gpu'
    if base == 0x04:
        return 'audio' if sub in (0x01, 0x03) else 'other'
    if base == 0x0c:
        return 'usb' if sub == 0x03 else 'other'
    return {0x02: 'network', 0x01: 'storage', 0x06: 'bridge'}.get(base, 'other')


def slot(addr):
    return addr.rsplit('.', 1)[0]


class GeneralFacts(unittest.TestCase):
    """What every machine's JSON must say, derived from its description."""

    def check_machine(self, name):
        m = fx.load_machine(name)
        data = fx.list_json(ROOTS.get(name))
        devs = fx.devices_by_address(data)
        self.assertEqual(data['format'], 1)
        self.assertEqual(sorted(devs), sorted(d.addr for d in m.devices))
        self.assertEqual(data['iommu']['enabled'], m.iommu is not None)
        self.assertEqual(data['iommu']['vendor'], m.iommu)
        self.assertEqual(data['cpu_vendor'], m.cpu)
        self.assertEqual(data['cmdline'], m.cmdline)
        self.assertEqual(data['kernel_release'], m.kernel)
        bridge_for_bus = {d.secondary: d.addr for d in m.devices if d.secondary is not None}
        by_group = {}
        for d in m.devices:
            by_group.setdefault(d.group, []).append(d)
        for d in m.devices:
            j = devs[d.addr]
            with self.subTest(machine=name, device=d.addr):
                self.assertEqual(j['group'], d.group)
                self.assertEqual(j['vendor'], f'{d.vendor:04x}')
                self.assertEqual(j['device'], f'{d.device:04x}')
                self.assertEqual(j['class'], f'{d.class_code:06x}')
                self.assertEqual(j['revision'], f'{d.revision:02x}')
                self.assertEqual(j['subsystem_vendor'], f'{d.subsys[0]:04x}')
                self.assertEqual(j['subsystem_device'], f'{d.subsys[1]:04x}')
                self.assertEqual(j['kind'], expected_kind(d.class_code))
                self.assertEqual(j['driver'], d.driver)
                self.assertEqual(j['boot_vga'], d.boot_vga or d.boot_display)
                self.assertEqual(j['reset_method'], d.reset)
                bus = int(d.addr.split(':')[1], 16)
                self.assertEqual(j['parent'], bridge_for_bus.get(bus) if bridge_for_bus.get(bus) != d.addr else None)
                self.assertEqual(j['physfn'], d.physfn)
                self.assertEqual(j['virtfns'], d.virtfns)
                if d.vendor != 0x1234:       # QEMU's VGA vendor is not in pci.ids
                    self.assertIsNotNone(j['vendor_name'], 'pci.ids names the vendor')
                # the other endpoints of the group outside the slot
                if d.group is not None:
                    want = sorted(o.addr for o in by_group[d.group]
                                  if o is not d and (o.class_code >> 16) != 0x06 and slot(o.addr) != slot(d.addr))
                else:
                    want = []
                self.assertEqual(sorted(j['shares_group_with']), want)
                # identical IDs elsewhere, among endpoints that are not VFs
                if (d.class_code >> 16) != 0x06 and d.physfn is None:
                    want = sorted(o.addr for o in m.devices
                                  if o is not d and (o.vendor, o.device) == (d.vendor, d.device)
                                  and (o.class_code >> 16) != 0x06 and o.physfn is None
                                  and slot(o.addr) != slot(d.addr))
                else:
                    want = []
                self.assertEqual(sorted(j['same_ids_as']), want)
                self.assertEqual(sorted(j['slot_functions']),
                                 sorted(o.addr for o in m.devices if o is not d and slot(o.addr) == slot(d.addr)))


for _name in fx.machine_names():
    setattr(GeneralFacts, 'test_' + _name.replace('-', '_'),
            lambda self, n=_name: self.check_machine(n))


class MachineFacts(unittest.TestCase):
    """Facts stated by hand, per machine."""

    def load(self, name):
        root = ROOTS.get(name)
        data = fx.list_json(root)
        r = fx.run('--root', root, 'list')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, '')
        return data, fx.devices_by_address(data), fx.groups(data), r.stdout

    def test_threadripper_x399(self):
        data, d, g, text = self.load('threadripper-x399')
        self.assertEqual(sorted(g), list(range(40)))
        self.assertEqual(g[13], sorted(A(a) for a in [
            '01:00.0', '01:00.1', '01:00.2', '02:00.0', '02:04.0', '02:05.0', '02:06.0', '02:07.0',
            '04:00.0', '05:00.0', '06:00.0']))
        self.assertEqual(g[14], [A('08:00.0'), A('08:00.1')])
        self.assertEqual(g[34], [A('43:00.0'), A('43:00.1')])
        gtx1080, gtx1060 = d[A('08:00.0')], d[A('43:00.0')]
        self.assertEqual((gtx1080['kind'], gtx1080['vendor'], gtx1080['device']), ('gpu', '10de', '1b80'))
        self.assertEqual(gtx1080['shares_group_with'], [])
        self.assertEqual(gtx1080['slot_functions'], [A('08:00.1')])
        self.assertEqual(gtx1080['parent'], A('00:03.1'))
        self.assertFalse(gtx1080['boot_vga'])
        self.assertTrue(gtx1060['boot_vga'])
        nic = d[A('04:00.0')]
        self.assertEqual(nic['same_ids_as'], [A('06:00.0')])
        self.assertEqual(sorted(nic['shares_group_with']),
                         [A('01:00.0'), A('01:00.1'), A('05:00.0'), A('06:00.0')])
        self.assertTrue(nic['default_route'])
        self.assertEqual(nic['parent'], A('02:04.0'))
        self.assertFalse(d[A('06:00.0')]['default_route'])
        nvme = d[A('41:00.0')]
        self.assertEqual(nvme['kind'], 'storage')
        for role in ('root', 'boot', 'efi', 'swap', 'volume'):
            self.assertIn(role, nvme['holds'])
        self.assertEqual(d[A('01:00.1')]['holds'], [])
        self.assertEqual(d[A('00:18.0')]['kind'], 'bridge')
        self.assertEqual(d[A('09:00.0')]['kind'], 'other')
        self.assertIn('shares group 13 with', text)
        self.assertIn('boot GPU', text)
        self.assertIn('same IDs as 0000:06:00.0', text)
        self.assertIn('holds your root filesystem', text)
        self.assertIn('40 IOMMU groups (AMD-Vi)', text)

    def test_arch_navi23(self):
        data, d, g, text = self.load('arch-navi23')
        self.assertEqual(g[22], [A('09:00.0')])
        self.assertEqual(g[23], [A('09:00.1')])
        gpu = d[A('09:00.0')]
        self.assertEqual((gpu['kind'], gpu['device'], gpu['revision']), ('gpu', '73ff', 'c7'))
        self.assertEqual(d[A('09:00.1')]['kind'], 'audio')
        self.assertEqual(gpu['parent'], A('08:00.0'))
        self.assertEqual(d[A('08:00.0')]['parent'], A('07:00.0'))
        self.assertEqual(d[A('07:00.0')]['parent'], A('00:1c.4'))
        self.assertEqual(gpu['slot_functions'], [A('09:00.1')])
        self.assertEqual(gpu['shares_group_with'], [])
        self.assertTrue(d[A('01:00.0')]['boot_vga'])
        self.assertFalse(gpu['boot_vga'])
        self.assertEqual(sorted(d[A('02:00.0')]['holds']), ['boot', 'root', 'swap'])
        self.assertEqual(d[A('03:00.0')]['holds'], ['mounted'])
        self.assertTrue(d[A('05:00.0')]['default_route'])
        self.assertIn('intel_iommu=on', data['cmdline'])
        self.assertIn('holds your root filesystem', text)

    def test_x570_6800xt(self):
        data, d, g, text = self.load('x570-6800xt')
        for addr, ids, kind in [('0c:00.0', '1002:73bf', 'gpu'), ('0c:00.1', '1002:ab28', 'audio'),
                                ('0c:00.2', '1002:73a6', 'usb'), ('0c:00.3', '1002:73a4', 'other'),
                                ('04:00.0', '8086:1539', 'network')]:
            dev = d[A(addr)]
            self.assertEqual((f"{dev['vendor']}:{dev['device']}", dev['kind']), (ids, kind))
        # the seed's vfio-pci.ids=…,1002:ab28 would take the host W6600's audio too
        self.assertEqual(d[A('0c:00.1')]['same_ids_as'], [A('0f:00.1')])
        self.assertEqual(d[A('0f:00.1')]['same_ids_as'], [A('0c:00.1')])
        self.assertEqual(d[A('0c:00.0')]['same_ids_as'], [])
        self.assertEqual(sorted(d[A('0c:00.0')]['slot_functions']), [A('0c:00.1'), A('0c:00.2'), A('0c:00.3')])
        self.assertTrue(d[A('0f:00.0')]['boot_vga'])
        self.assertTrue(d[A('07:00.0')]['default_route'])
        self.assertFalse(d[A('04:00.0')]['default_route'])
        self.assertEqual(sorted(d[A('01:00.0')]['holds']), ['boot', 'efi', 'root'])
        self.assertIn('same IDs as 0000:0f:00.1', text)

    def test_proxmox_gtx750(self):
        data, d, g, text = self.load('proxmox-gtx750')
        gpu, audio = d[A('01:00.0')], d[A('01:00.1')]
        self.assertEqual((gpu['vendor'], gpu['device'], gpu['class'], gpu['revision']), ('10de', '1381', '030000', 'a2'))
        self.assertEqual((audio['vendor'], audio['device'], audio['class'], audio['revision']), ('10de', '0fbc', '040300', 'a1'))
        self.assertEqual(g[1], [A('00:01.0'), A('01:00.0'), A('01:00.1')])
        self.assertEqual(gpu['shares_group_with'], [])
        self.assertFalse(gpu['boot_vga'])
        self.assertTrue(d[A('03:00.0')]['boot_vga'])
        self.assertEqual(d[A('03:00.0')]['parent'], A('02:00.0'))
        self.assertEqual(sorted(d[A('00:17.0')]['holds']), ['efi', 'root', 'swap', 'volume'])
        self.assertTrue(d[A('04:00.0')]['default_route'])

    def test_proxmox_zfs_bond(self):
        # ZFS datasets have no block device in mountinfo; the pools' members come
        # from udev's database.  The default route leaves through vmbr0 → bond0 → both NICs.
        data, d, g, text = self.load('proxmox-zfs-bond')
        self.assertEqual(sorted(d[A('01:00.0')]['holds']), ['efi', 'root'])
        self.assertEqual(d[A('02:00.0')]['holds'], ['root'])
        self.assertEqual(d[A('06:00.0')]['holds'], ['zfs'])
        self.assertTrue(d[A('04:00.0')]['default_route'])
        self.assertTrue(d[A('05:00.0')]['default_route'])
        self.assertFalse(d[A('03:00.0')]['default_route'])
        self.assertEqual(d[A('03:00.0')]['holds'], [])
        self.assertIn('holds a ZFS pool', text)
        r = fx.run('--root', ROOTS.get('proxmox-zfs-bond'), 'plan', '--select', A('06:00.0'))
        self.assertIn('ZFS pool', r.stdout + r.stderr)

    def test_qemu_q35(self):
        data, d, g, text = self.load('qemu-q35')
        self.assertEqual(sorted(g), list(range(14)))
        self.assertEqual(g[7], [A('00:1f.0'), A('00:1f.2'), A('00:1f.3')])
        self.assertEqual(g[8], [A('01:00.0'), A('01:00.1')])
        self.assertEqual(g[13], [A('06:00.0'), A('07:01.0'), A('07:02.0')])
        self.assertEqual(d[A('01:00.0')]['shares_group_with'], [])
        self.assertEqual(d[A('01:00.0')]['slot_functions'], [A('01:00.1')])
        self.assertEqual(d[A('07:01.0')]['shares_group_with'], [A('07:02.0')])
        self.assertEqual(d[A('07:02.0')]['shares_group_with'], [A('07:01.0')])
        self.assertEqual(d[A('07:01.0')]['parent'], A('06:00.0'))
        self.assertEqual(d[A('06:00.0')]['parent'], A('00:07.0'))
        self.assertEqual(sorted(d[A('05:00.0')]['holds']), ['efi', 'root'])
        self.assertEqual(d[A('04:00.0')]['holds'], [])
        self.assertTrue(d[A('02:00.0')]['default_route'])
        self.assertTrue(d[A('01:00.0')]['boot_vga'])
        self.assertEqual(d[A('02:00.0')]['driver'], 'e1000e')

    def test_gpu_chipset_group(self):
        data, d, g, text = self.load('gpu-chipset-group')
        gpu = d[A('05:00.0')]
        self.assertEqual(gpu['group'], 15)
        self.assertEqual(sorted(gpu['shares_group_with']), [A('02:00.0'), A('02:00.1'), A('06:00.0')])
        self.assertEqual(gpu['slot_functions'], [A('05:00.1')])
        self.assertIn('GPU 0000:05:00.0 shares group 15 with', text)
        self.assertIn('SATA controller 0000:02:00.1', text)
        self.assertEqual(d[A('02:00.1')]['holds'], ['mounted'])
        self.assertTrue(d[A('06:00.0')]['default_route'])
        self.assertEqual(d[A('07:00.0')]['shares_group_with'], [])

    def test_acs_override(self):
        data, d, g, text = self.load('acs-override')
        self.assertIn('pcie_acs_override=downstream,multifunction', data['cmdline'])
        self.assertEqual(len(g), len(d))
        for gid, members in g.items():
            self.assertEqual(len(members), 1, f'group {gid}')
        for dev in d.values():
            self.assertEqual(dev['shares_group_with'], [], dev['address'])
        self.assertNotEqual(d[A('05:00.0')]['group'], d[A('05:00.1')]['group'])

    def test_twin_gpu(self):
        data, d, g, text = self.load('twin-gpu')
        self.assertEqual(d[A('01:00.0')]['same_ids_as'], [A('02:00.0')])
        self.assertEqual(d[A('02:00.0')]['same_ids_as'], [A('01:00.0')])
        self.assertEqual(d[A('01:00.1')]['same_ids_as'], [A('02:00.1')])
        self.assertTrue(d[A('01:00.0')]['boot_vga'])
        self.assertFalse(d[A('02:00.0')]['boot_vga'])
        self.assertEqual(sorted(d[A('02:00.0')]['shares_group_with']), [A('01:00.0'), A('01:00.1')])
        self.assertEqual(d[A('02:00.0')]['parent'], A('00:01.1'))
        self.assertIn('same IDs as 0000:02:00.0', text)
        self.assertIn('same IDs as 0000:01:00.0', text)
        self.assertIn('boot GPU', text)

    def test_laptop_optimus(self):
        data, d, g, text = self.load('laptop-optimus')
        dgpu, igpu = d[A('01:00.0')], d[A('00:02.0')]
        self.assertEqual((dgpu['class'], dgpu['kind']), ('030200', 'gpu'))
        self.assertEqual((igpu['class'], igpu['kind']), ('038000', 'gpu'))
        self.assertTrue(igpu['boot_vga'])
        self.assertFalse(dgpu['boot_vga'])
        self.assertEqual(dgpu['shares_group_with'], [])
        self.assertEqual(sorted(d[A('02:00.0')]['holds']), ['boot', 'root', 'volume'])
        self.assertTrue(d[A('00:14.3')]['default_route'])
        self.assertEqual(d[A('00:1f.3')]['kind'], 'audio')

    def test_sriov_server(self):
        data, d, g, text = self.load('sriov-server')
        pf0, pf1 = d[A('01:00.0')], d[A('01:00.1')]
        self.assertEqual(pf0['virtfns'], [A('01:10.0'), A('01:10.2'), A('01:10.4'), A('01:10.6')])
        self.assertEqual(pf1['virtfns'], [A('01:10.1'), A('01:10.3'), A('01:10.5'), A('01:10.7')])
        for vf in pf0['virtfns']:
            self.assertEqual(d[vf]['physfn'], A('01:00.0'))
            self.assertEqual(g[d[vf]['group']], [vf])
            self.assertEqual(d[vf]['same_ids_as'], [])
            self.assertEqual(d[vf]['parent'], A('00:01.0'))
        self.assertEqual(d[A('01:10.2')]['driver'], 'vfio-pci')
        self.assertIsNone(d[A('01:10.4')]['driver'])
        self.assertIn('virtual function of 0000:01:00.0', text)
        self.assertTrue(d[A('05:00.0')]['boot_vga'])
        self.assertTrue(d[A('06:00.0')]['default_route'])
        self.assertIn('root', d[A('02:00.0')]['holds'])

    def test_no_iommu(self):
        data, d, g, text = self.load('no-iommu')
        self.assertEqual(data['groups'], [])
        self.assertEqual(len(data['ungrouped']), 11)
        self.assertFalse(data['iommu']['enabled'])
        self.assertIsNone(data['iommu']['vendor'])
        self.assertTrue(d[A('01:00.0')]['boot_vga'])
        self.assertIn('No IOMMU groups', text)
        self.assertIn('firmware', text)

    def test_laptop_hm87_gtx765m(self):
        data, d, g, text = self.load('laptop-hm87-gtx765m')
        self.assertEqual(g[1], [A('00:01.0'), A('01:00.0'), A('01:00.1')])
        self.assertEqual(g[11], [A('00:1f.0'), A('00:1f.2'), A('00:1f.3')])
        dgpu = d[A('01:00.0')]
        self.assertEqual((dgpu['class'], dgpu['kind'], dgpu['device']), ('030200', 'gpu', '11e1'))
        self.assertEqual(dgpu['shares_group_with'], [])
        self.assertEqual(d[A('00:1f.2')]['kind'], 'storage')
        self.assertEqual(sorted(d[A('00:1f.2')]['holds']), ['efi', 'root', 'swap'])
        self.assertTrue(d[A('05:00.0')]['default_route'])

    def test_desktop_hd530_gtx1660(self):
        data, d, g, text = self.load('desktop-hd530-gtx1660')
        self.assertEqual(g[0], [A('00:02.0')])
        self.assertEqual(g[2], [A('00:01.0'), A('01:00.0'), A('01:00.1'), A('01:00.2'), A('01:00.3')])
        igpu = d[A('00:02.0')]
        self.assertEqual((igpu['class'], igpu['kind'], igpu['boot_vga']), ('038000', 'gpu', False))
        gpu = d[A('01:00.0')]
        self.assertTrue(gpu['boot_vga'])
        self.assertEqual(gpu['shares_group_with'], [])
        self.assertEqual(d[A('01:00.2')]['kind'], 'usb')
        self.assertEqual(d[A('01:00.3')]['kind'], 'other')


class GroupCounts(unittest.TestCase):
    """A group's header counts devices and bridges apart, and a row's "shares
    group with N devices outside its slot" is the same kind of count: on the
    Threadripper demo, 11 functions were once "11 devices" above rows saying
    "shares group with 3 devices"."""

    def test_headers_and_badges_of_the_demos(self):
        for demo in sorted(f for f in os.listdir(fx.DEMO) if f.endswith('.json')):
            path = os.path.join(fx.DEMO, demo)
            r = fx.run('--snapshot', path, 'list')
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(path) as f:
                data = json.load(f)
            for group in data['groups']:
                with self.subTest(demo=demo, group=group['id']):
                    endpoints = [d for d in group['devices'] if not d['class'].startswith('06')]
                    n_bridges = len(group['devices']) - len(endpoints)
                    header = re.search(rf'^IOMMU group {group["id"]}( · .*)?$', r.stdout, re.M).group(1)
                    if len(endpoints) < 2:
                        self.assertIsNone(header)
                        continue
                    want = f' · {len(endpoints)} devices' + (f', {n_bridges} bridge' + ('s' if n_bridges > 1 else '')
                                                             if n_bridges else '')
                    self.assertEqual(header, want)
                    addresses = [e['address'] for e in endpoints]
                    for d in endpoints:
                        n = len(d['shares_group_with'])
                        slot = [a for a in d['slot_functions'] if a in addresses]
                        self.assertEqual(n, len(endpoints) - 1 - len(slot), d['address'])
                        if n:
                            row = r.stdout.split(f'\n  {d["address"]}  ', 1)[1].split('\n  0000:')[0]
                            self.assertIn(f'shares group with {n} device{"s" if n > 1 else ""} outside its slot', row)

    def test_threadripper_group_13(self):
        r = fx.run('--snapshot', os.path.join(fx.DEMO, 'threadripper-x399.json'), 'list')
        self.assertIn('\nIOMMU group 13 · 5 devices, 6 bridges\n', r.stdout)
        self.assertIn('0000:01:00.0  USB controller', r.stdout)
        self.assertRegex(r.stdout, r'0000:01:00\.0  USB controller.*\n      · shares group with 3 devices outside its slot')


if __name__ == '__main__':
    unittest.main(verbosity=2)
