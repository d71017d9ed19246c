#!/usr/bin/python3
# `apply --iommu-only` (seed 002's way, docs/machine-knowledge.md): the IOMMU
# on (intel_iommu=on where the Intel IOMMU is off) and iommu=pt, nothing bound
# at boot (no vfio-pci.ids, no passthrough.vfio, no modprobe file, no initramfs
# modules, no rd.driver.pre), for binding at runtime later; revert gives back
# every byte.  On each seed's boot path: systemd-boot (000), rpm-ostree with
# dracut (001), kernelstub (002), GRUB with initramfs-tools (004).  Also the
# other plan option of docs/machine-knowledge.md, disable-idle-d3.
# SPDX-License-Identifier: GPL-3.0-or-later
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from enginelib import Root, load_json  # noqa: E402

BOUND = ('vfio-pci.ids', 'vfio_pci.ids', 'passthrough.vfio', 'pci-stub.ids', 'rd.driver.pre')


class IommuOnly(unittest.TestCase):
    def setUp(self):
        self.roots = []

    def tearDown(self):
        for r in self.roots:
            r.cleanup()

    def root(self, seed):
        r = Root(seed)
        self.roots.append(r)
        return r

    def plan(self, root):
        r = root.run('plan', '--iommu-only', '--json')
        self.assertEqual(r.returncode, 0, r.stderr)
        return load_json(r.stdout)

    def apply_and_revert(self, seed, args, changed, commands):
        root = self.root(seed)
        before = root.tree()
        plan = self.plan(root)
        self.assertEqual(plan['kernel_args'], args)
        self.assertEqual(plan['devices'], [])
        self.assertEqual(plan['blockers'], [])
        paths = sorted(c['path'] for c in plan['changes'] if c['action'] != 'none')
        self.assertEqual(paths, changed)
        for c in plan['changes']:
            self.assertFalse(any(t in (c.get('diff') or '') for t in BOUND), c['path'])
            self.assertNotIn('modprobe.d', c['path'])
        # no trap of a device: none is selected
        self.assertEqual([w['devices'] for w in plan['warnings'] if w['devices']], [])
        r = root.run('apply', '--iommu-only')
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
        self.assertEqual(root.commands(), commands)
        status = load_json(root.run('status', '--json').stdout)
        self.assertEqual(status['state'], 'applied')
        self.assertEqual(status['devices'], [])
        root.clear_commands()
        r = root.run('revert')
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
        self.assertEqual(root.tree(), before)
        self.assertEqual(load_json(root.run('status', '--json').stdout)['state'], 'not-applied')
        return root

    def test_systemd_boot(self):
        root = self.apply_and_revert('seed000', ['iommu=pt'],
                                     ['/boot/loader/entries/arch.conf',
                                      '/boot/loader/entries/passthrough-way-back.conf'], [])

    def test_rpm_ostree_dracut(self):
        # AMD: the IOMMU is on already; dracut gets no rd.driver.pre
        self.apply_and_revert('seed001', ['iommu=pt'], [],
                              [['rpm-ostree', 'kargs', '--append-if-missing=iommu=pt']])

    def test_kernelstub_intel(self):
        # seed 002's machine: Intel with the IOMMU off
        self.apply_and_revert('seed002', ['intel_iommu=on', 'iommu=pt'], [],
                              [['kernelstub', '-a', 'intel_iommu=on iommu=pt']])

    def test_grub(self):
        root = self.root('seed004')
        plan = self.plan(root)
        [grub] = [c for c in plan['changes'] if c['path'] == '/etc/default/grub']
        self.assertIn('iommu=pt', grub['diff'])
        self.apply_and_revert('seed004', ['iommu=pt'], ['/etc/default/grub'], [['update-grub']])

    def test_no_iommu_pt(self):
        root = self.root('seed002')
        r = root.run('plan', '--iommu-only', '--no-iommu-pt', '--json')
        self.assertEqual(load_json(r.stdout)['kernel_args'], ['intel_iommu=on'])

    def test_with_a_selection_it_is_refused(self):
        root = self.root('seed004')
        before = root.tree()
        r = root.run('apply', '--iommu-only', '--select', '0000:01:00.0')
        self.assertEqual(r.returncode, 2, r.stdout)
        self.assertIn('--iommu-only binds nothing', r.stderr)
        self.assertEqual(root.tree(), before)
        self.assertEqual(root.commands(), [])

    def test_a_full_setup_after_it(self):
        # from --iommu-only to binding a card: one apply, one revert, every byte back
        root = self.root('seed004')
        before = root.tree()
        self.assertEqual(root.run('apply', '--iommu-only').returncode, 0)
        r = root.run('apply', '--select', '0000:01:00.0')
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
        self.assertIn('vfio', root.read('etc/default/grub'))
        self.assertEqual(root.run('revert').returncode, 0)
        self.assertEqual(root.tree(), before)


class DisableIdleD3(unittest.TestCase):
    def test_modprobe_line_and_revert(self):
        root = Root('seed004')
        self.addCleanup(root.cleanup)
        before = root.tree()
        r = root.run('apply', '--select', '0000:01:00.0', '--disable-idle-d3')
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
        conf = root.read('etc/modprobe.d/passthrough.conf')
        self.assertIn('\noptions vfio-pci disable_idle_d3=1\n', conf)
        self.assertEqual(root.run('revert').returncode, 0)
        self.assertEqual(root.tree(), before)
        # without the option the file has no such line
        self.assertEqual(root.run('apply', '--select', '0000:01:00.0').returncode, 0)
        self.assertNotIn('disable_idle_d3', root.read('etc/modprobe.d/passthrough.conf'))


if __name__ == '__main__':
    unittest.main()
