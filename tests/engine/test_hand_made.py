#!/usr/bin/python3
# A setup made by hand before Passthrough (a tutorial followed, a state file
# lost, a package reinstalled): files that already carry the vfio modules or
# our kernel arguments.  `plan` crashed on every one of these (an empty
# list of tokens to add became a NULL vector with GLib 2.74).  Each case is
# the smallest file that made it crash, then the whole round: the plan says
# what is already there and adds nothing twice, apply records the devices,
# revert gives the person's files back byte for byte.
# SPDX-License-Identifier: GPL-3.0-or-later
import json
import os
import shutil
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from enginelib import Root, load_json  # noqa: E402

SELECT = {
    'seed000': ['--select', '0000:09:00.0'],
    'seed001': ['--select', '0000:0e:00.0', '--select', '0000:05:00.0'],
    'seed002': ['--select', '0000:01:00.0'],
    'seed003': ['--select', '0000:08:00.0', '--select', '0000:42:00.0'],
    'seed004': ['--select', '0000:01:00.0'],
}


def codes(issues):
    return [i['code'] for i in issues]


class HandMadeTest(unittest.TestCase):
    def new_root(self, seed):
        root = Root(seed)
        self.addCleanup(root.cleanup)
        return root

    def plan(self, root, *args):
        r = root.run('plan', '--json', *args)
        self.assertLess(r.returncode, 2, r.stderr)   # never a crash, never a usage error
        self.assertNotIn('CRITICAL', r.stderr)
        return load_json(r.stdout)

    # -- the crashes, from the smallest files that made them ---------------

    def test_initramfs_tools_modules_already_listed(self):
        root = self.new_root('seed004')
        root.write('etc/initramfs-tools/modules', 'vfio\nvfio_iommu_type1\nvfio-pci\n')
        plan = self.plan(root, *SELECT['seed004'])
        self.assertNotIn('/etc/initramfs-tools/modules', [c['path'] for c in plan['changes']])
        there = {a['path']: a['items'] for a in plan['already_there']}
        # vfio-pci and vfio_pci are one module
        self.assertEqual(sorted(there['/etc/initramfs-tools/modules']), ['vfio', 'vfio_iommu_type1', 'vfio_pci'])
        self.assertIn('hand-made-setup', codes(plan['warnings']))

    def test_initramfs_tools_modules_with_crlf_line_ends(self):
        # initramfs-tools' `read` keeps the CR: "vfio_pci\r" loads nothing at
        # boot, so a plan over such a file says so, with the way out; the same
        # file with LF line ends gets no such warning
        root = self.new_root('seed004')
        for text, warned in (('# /etc/initramfs-tools/modules\r\nvfio\r\nloop\r\n', True),
                             ('# /etc/initramfs-tools/modules\nvfio\nloop\n', False)):
            root.write('etc/initramfs-tools/modules', text)
            plan = self.plan(root, *SELECT['seed004'])
            crlf = [w for w in plan['warnings'] if w['code'] == 'modules-crlf']
            self.assertEqual(len(crlf), 1 if warned else 0, plan['warnings'])
            if warned:
                self.assertIn('/etc/initramfs-tools/modules has Windows line ends', crlf[0]['message'])
                self.assertEqual([f['kind'] for f in crlf[0]['fixes']], ['other'])
                self.assertIn("sed -i 's/\\r$//' /etc/initramfs-tools/modules", crlf[0]['fixes'][0]['text'])
            # the warning does not stop the plan: it still edits the file
            change = [c for c in plan['changes'] if c['path'] == '/etc/initramfs-tools/modules']
            self.assertEqual(len(change), 1)

    def mkinitcpio_root(self, modules_line):
        root = self.new_root('seed000')
        shutil.rmtree(root.file('etc/mkinitcpio.conf.d'))   # edits mkinitcpio.conf itself
        text = root.read('etc/mkinitcpio.conf').replace('MODULES=()', modules_line)
        root.write('etc/mkinitcpio.conf', text)
        return root

    def test_mkinitcpio_array_after_amdgpu(self):
        root = self.mkinitcpio_root('MODULES=(amdgpu vfio_pci vfio vfio_iommu_type1)')
        plan = self.plan(root, *SELECT['seed000'])
        self.assertNotIn('/etc/mkinitcpio.conf', [c['path'] for c in plan['changes']])

    def test_mkinitcpio_string_syntax(self):
        # Manjaro still ships MODULES="…"
        root = self.mkinitcpio_root('MODULES="vfio_pci vfio vfio_iommu_type1"')
        plan = self.plan(root, *SELECT['seed000'])
        self.assertNotIn('/etc/mkinitcpio.conf', [c['path'] for c in plan['changes']])

    def test_mkinitcpio_half_there(self):
        root = self.mkinitcpio_root('MODULES=(vfio-pci)')
        plan = self.plan(root, *SELECT['seed000'])
        diff = [c for c in plan['changes'] if c['path'] == '/etc/mkinitcpio.conf'][0]['diff']
        added = [l for l in diff.splitlines() if l.startswith('+MODULES')]
        self.assertEqual(len(added), 1, diff)
        self.assertNotIn('vfio_pci', added[0])   # there already under its other name
        self.assertIn('vfio_iommu_type1', added[0])

    def test_booster_force_load(self):
        root = self.new_root('seed000')
        shutil.rmtree(root.file('etc/mkinitcpio.conf.d'))
        os.unlink(root.file('etc/mkinitcpio.conf'))
        root.write('etc/booster.yaml', 'modules_force_load: vfio_pci,vfio,vfio_iommu_type1\n')
        plan = self.plan(root, *SELECT['seed000'])
        self.assertEqual(plan['initramfs'], 'booster')
        self.assertNotIn('/etc/booster.yaml', [c['path'] for c in plan['changes']])

    # -- the kernel arguments, there already -------------------------------

    def test_grub_arguments_in_the_other_variable(self):
        root = self.new_root('seed004')
        text = root.read('etc/default/grub').replace(
            'GRUB_CMDLINE_LINUX=""', 'GRUB_CMDLINE_LINUX="iommu=pt vfio_pci.ids=10de:1381,10de:0fbc,8086:1539"')
        root.write('etc/default/grub', text)
        plan = self.plan(root, *SELECT['seed004'])
        # a superset of our IDs, under the other spelling, in the variable GRUB
        # puts first: nothing to add
        self.assertNotIn('/etc/default/grub', [c['path'] for c in plan['changes']])
        there = {a['path']: a['items'] for a in plan['already_there']}
        self.assertEqual(there['/etc/default/grub'], ['iommu=pt', 'vfio-pci.ids=10de:1381,10de:0fbc'])

    def test_grub_ids_given_twice_last_counts(self):
        # the kernel keeps the last vfio-pci.ids: an earlier one with our IDs
        # does not do our part when a later one replaces it
        root = self.new_root('seed004')
        text = root.read('etc/default/grub').replace(
            'GRUB_CMDLINE_LINUX_DEFAULT="quiet"',
            'GRUB_CMDLINE_LINUX_DEFAULT="quiet vfio-pci.ids=10de:1381,10de:0fbc vfio-pci.ids=8086:1539"')
        root.write('etc/default/grub', text)
        plan = self.plan(root, *SELECT['seed004'])
        diff = [c for c in plan['changes'] if c['path'] == '/etc/default/grub'][0]['diff']
        new_line = [l for l in diff.splitlines() if l.startswith('+GRUB_CMDLINE_LINUX_DEFAULT')][0]
        ids = [w for w in new_line.strip('+"').split() if 'vfio-pci.ids=' in w]
        # ours comes last and carries the person's IDs too, so their device
        # stays bound
        self.assertEqual(ids[-1], 'vfio-pci.ids=8086:1539,10de:1381,10de:0fbc', new_line)
        w = [w for w in plan['warnings'] if w['code'] == 'ids-merged']
        self.assertEqual(len(w), 1, plan['warnings'])
        self.assertIn('vfio-pci.ids=8086:1539', w[0]['message'])
        # revert gives the file back byte for byte
        before = root.tree()
        self.assertEqual(root.run('apply', *SELECT['seed004']).returncode, 0)
        self.assertEqual(root.run('revert', snapshot=False).returncode, 0)
        self.assertEqual(root.tree(), before)

    # -- the whole round on every seed --------------------------------------

    def command_effect(self, root, seed):
        args = [a for c in root.commands() for a in c
                if c[0] in ('grubby', 'kernelstub', 'rpm-ostree') and not a.startswith('--update')]
        tokens = []
        for a in args:
            if a.startswith('--args='):
                tokens += a[len('--args='):].split()
            elif a.startswith('--append-if-missing='):
                tokens.append(a[len('--append-if-missing='):])
            elif a not in ('grubby', 'kernelstub', 'rpm-ostree', 'kargs', '-a'):
                tokens += a.split()
        if seed == 'seed001':      # rpm-ostree: the deployment's arguments, booted
            root.write('proc/cmdline', root.read('proc/cmdline').strip() + ' ' + ' '.join(tokens) + '\n')
        elif seed == 'seed002':    # kernelstub: its configuration's user options
            conf = json.loads(root.read('etc/kernelstub/configuration'))
            conf['user']['kernel_options'] += tokens
            root.write('etc/kernelstub/configuration', json.dumps(conf, indent=2))
        elif seed == 'seed003':    # grubby: "options $kernelopts", so grubenv's kernelopts
            self.write_grubenv(root, tokens)

    def write_grubenv(self, root, tokens):
        running = [w for w in root.read('proc/cmdline').split() if not w.startswith('BOOT_IMAGE=')]
        env = '# GRUB Environment Block\nkernelopts=' + ' '.join(running + tokens) + '\n'
        root.write('boot/grub2/grubenv', env + '#' * (1024 - len(env)))

    def test_adopt_after_state_lost(self):
        for seed, args in SELECT.items():
            with self.subTest(seed=seed):
                root = self.new_root(seed)
                if seed == 'seed003':
                    self.write_grubenv(root, [])
                r = root.run('apply', *args)
                self.assertEqual(r.returncode, 0, r.stderr)
                # what the recorded edit command would have done to its
                # tool's configuration (the stand-in runs nothing)
                self.command_effect(root, seed)
                # the same files, without Passthrough's state: a hand-made setup
                shutil.rmtree(root.file('var/lib/passthrough'))
                before = root.tree(skip_state=False)
                plan = self.plan(root, *args)
                self.assertIn('hand-made-setup', codes(plan['warnings']), plan['warnings'])
                # nothing to write in files that carry it all already
                file_changes = [c['path'] for c in plan['changes']]
                self.assertEqual(file_changes, [], plan['changes'])
                root.clear_commands()
                r = root.run('apply', *args)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(root.commands(), [])   # no token added twice by a command
                with open(root.file('var/lib/passthrough/state.json')) as f:
                    state = json.load(f)
                self.assertEqual(sorted(state['applied']['selection']),
                                 sorted(a for a in args if a != '--select'))
                status = load_json(root.run('status', '--json').stdout)
                self.assertEqual(status['state'], 'applied')
                r = root.run('revert', snapshot=False)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(root.commands(), [])   # their tokens stay theirs
                self.assertEqual(root.tree(), {k: v for k, v in before.items()
                                               if not k.startswith('var/lib/passthrough')})
                status = load_json(root.run('status', '--json').stdout)
                self.assertEqual(status['state'], 'not-applied')

    def test_status_names_devices_bound_by_hand(self):
        root = self.new_root('seed004')
        snap = load_json(open(root.snapshot).read())
        for d in snap['devices'] if 'devices' in snap else []:
            if d.get('address') == '0000:01:00.0':
                d['driver'] = 'vfio-pci'
        for g in snap.get('groups', []):
            for d in g.get('devices', []):
                if d.get('address') == '0000:01:00.0':
                    d['driver'] = 'vfio-pci'
        path = os.path.join(root.tmp, 'bound.json')
        with open(path, 'w') as f:
            json.dump(snap, f)
        status = load_json(root.run('status', '--json', snapshot=path).stdout)
        self.assertEqual(status['bound_by_hand'], ['0000:01:00.0'])
        r = root.run('status', snapshot=path)
        self.assertIn('0000:01:00.0 is on vfio-pci through your own configuration', r.stdout)


if __name__ == '__main__':
    unittest.main(verbosity=2)
