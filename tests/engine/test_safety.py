#!/usr/bin/python3
# The transaction's safety rules: crash at every step and recover, a failed
# regeneration puts everything back, one transaction at a time, a person's
# later edits survive revert, a new selection replaces the old one, writes
# stay on the allow-list, status after the restart.
# SPDX-License-Identifier: GPL-3.0-or-later
import fcntl
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from enginelib import HERE, Root, load_json, original_tree  # noqa: E402

GOLDEN = os.path.join(HERE, 'golden')
FILES_000 = ['boot/loader/entries/arch.conf', 'boot/loader/entries/passthrough-way-back.conf',
             'etc/modprobe.d/passthrough.conf',
             'etc/mkinitcpio.conf.d/passthrough.conf']


def golden(seed, rel):
    with open(os.path.join(GOLDEN, seed, rel), encoding='utf-8') as f:
        return f.read()


class SafetyTest(unittest.TestCase):
    def new_root(self, seed):
        root = Root(seed)
        self.addCleanup(root.cleanup)
        return root

    def test_crash_at_every_step_then_recover(self):
        steps = ['after-journal', 'after-write-1', 'after-write-2', 'after-write-3',
                 'before-commands', 'after-commands', 'after-state']
        for step in steps:
            with self.subTest(step=step):
                root = self.new_root('seed000')
                before = root.tree()
                originals = {rel: (root.read(rel) if os.path.exists(root.file(rel)) else None)
                             for rel in FILES_000}
                r = root.run('apply', '--select', '0000:09:00.0', fault=step)
                self.assertEqual(r.returncode, 99, r.stderr + r.stdout)
                # each file is wholly before or wholly after, never half
                n_after = 0
                for rel in FILES_000:
                    now = root.read(rel) if os.path.exists(root.file(rel)) else None
                    self.assertIn(now, (originals[rel], golden('seed000', rel)), rel)
                    n_after += now == golden('seed000', rel)
                if step.startswith('after-write-'):
                    self.assertEqual(n_after, int(step.rsplit('-', 1)[1]))
                # status says a change did not finish
                s = load_json(root.run('status', '--json').stdout)
                self.assertTrue(s['unfinished_transaction'])
                # the next transaction rolls back first: the tree is as before
                root.clear_commands()
                r = root.run('revert', snapshot=False)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(root.tree(), before)
                self.assertFalse(os.path.exists(root.file('var/lib/passthrough/journal.json')))
                # regeneration ran during the crashed apply: it is run again
                # so the initramfs matches the restored files
                if step in ('after-commands', 'after-state'):
                    self.assertEqual(root.commands(), [['mkinitcpio', '-P']])
                else:
                    self.assertEqual(root.commands(), [])
                s = load_json(root.run('status', '--json').stdout)
                self.assertEqual(s['state'], 'not-applied')

    def test_crash_during_revert_recovers_to_applied(self):
        root = self.new_root('seed004')
        r = root.run('apply', '--select', '0000:01:00.0')
        self.assertEqual(r.returncode, 0, r.stderr)
        applied = root.tree()
        r = root.run('revert', fault='after-write-2', snapshot=False)
        self.assertEqual(r.returncode, 99)
        r = root.run('apply', '--select', '0000:01:00.0')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('Nothing to change', r.stdout)
        self.assertEqual(root.tree(), applied)

    def test_edit_command_inverse_on_crash(self):
        root = self.new_root('seed003')
        r = root.run('apply', '--select', '0000:08:00.0', fault='after-commands')
        self.assertEqual(r.returncode, 99)
        root.clear_commands()
        r = root.run('revert', snapshot=False)
        self.assertEqual(r.returncode, 0, r.stderr)
        cmds = root.commands()
        self.assertEqual(cmds[0][:2], ['grubby', '--update-kernel=ALL'])
        self.assertTrue(cmds[0][2].startswith('--remove-args=iommu=pt rd.driver.pre=vfio_pci'), cmds)
        self.assertEqual(cmds[1], ['dracut', '--regenerate-all', '--force'])

    def test_regeneration_failure_restores_and_regenerates(self):
        root = self.new_root('seed004')
        before = root.tree()
        r = root.run('apply', '--select', '0000:01:00.0', fail='update-grub')
        self.assertEqual(r.returncode, 1)
        self.assertIn('update-grub', r.stderr)
        self.assertIn('put back', r.stderr)
        self.assertEqual(root.tree(), before)
        self.assertEqual(root.commands(), [['update-initramfs', '-u', '-k', 'all'], ['update-grub'],
                                           ['update-initramfs', '-u', '-k', 'all'], ['update-grub']])
        self.assertEqual(load_json(root.run('status', '--json').stdout)['state'], 'not-applied')

    def test_failed_edit_command_runs_nothing_else(self):
        root = self.new_root('seed002')
        before = root.tree()
        r = root.run('apply', '--select', '0000:01:00.0', fail='kernelstub')
        self.assertEqual(r.returncode, 1)
        self.assertEqual(root.tree(), before)
        self.assertEqual([c[0] for c in root.commands()], ['kernelstub'])

    def test_busy(self):
        root = self.new_root('seed000')
        os.makedirs(root.file('var/lib/passthrough'), exist_ok=True)
        before = root.tree()
        with open(root.file('var/lib/passthrough/lock'), 'w') as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            r = root.run('apply', '--select', '0000:09:00.0')
            self.assertEqual(r.returncode, 1)
            self.assertIn('Another Passthrough change is running', r.stderr)
            r = root.run('revert', snapshot=False)
            self.assertEqual(r.returncode, 1)
        self.assertEqual(root.tree(), before)

    def test_revert_keeps_a_later_edit(self):
        root = self.new_root('seed004')
        r = root.run('apply', '--select', '0000:01:00.0')
        self.assertEqual(r.returncode, 0, r.stderr)
        grub = root.read('etc/default/grub')
        grub = grub.replace('GRUB_TIMEOUT=5', 'GRUB_TIMEOUT=10')
        grub = grub.replace('GRUB_CMDLINE_LINUX_DEFAULT="quiet ', 'GRUB_CMDLINE_LINUX_DEFAULT="quiet nomodeset ')
        root.write('etc/default/grub', grub)
        modules = root.read('etc/initramfs-tools/modules') + 'raid1\n'
        root.write('etc/initramfs-tools/modules', modules)
        r = root.run('revert', snapshot=False)
        self.assertEqual(r.returncode, 0, r.stderr)
        grub = root.read('etc/default/grub')
        self.assertIn('GRUB_TIMEOUT=10\n', grub)
        self.assertIn('GRUB_CMDLINE_LINUX_DEFAULT="quiet nomodeset"\n', grub)
        self.assertNotIn('vfio', grub)
        self.assertNotIn('iommu', grub)
        with open(os.path.join(HERE, 'roots', 'seed004', 'etc/initramfs-tools/modules')) as f:
            self.assertEqual(root.read('etc/initramfs-tools/modules'), f.read() + 'raid1\n')
        self.assertFalse(os.path.exists(root.file('etc/modprobe.d/passthrough.conf')))

    def test_new_selection_replaces_the_old(self):
        root = self.new_root('seed000')
        before = root.tree()
        self.assertEqual(root.run('apply', '--select', '0000:09:00.0').returncode, 0)
        r = root.run('apply', '--select', '0000:07:00.0')
        self.assertEqual(r.returncode, 0, r.stderr)
        entry = root.read('boot/loader/entries/arch.conf')
        self.assertIn('options root=PARTUUID=8c1f0e54-7d2a-4b8e-9a61-3f0d5e2c7b19 quiet rw '
                      'iommu=pt passthrough.vfio=0000:07:00.0@8086:10d3\n', entry)
        self.assertNotIn('1002:73ff', entry)
        s = load_json(root.run('status', '--json').stdout)
        self.assertEqual([d['address'] for d in s['devices']], ['0000:07:00.0'])
        self.assertEqual(root.run('revert', snapshot=False).returncode, 0)
        self.assertEqual(root.tree(), before)

    def test_new_selection_replaces_command_tokens(self):
        root = self.new_root('seed003')
        self.assertEqual(root.run('apply', '--select', '0000:08:00.0').returncode, 0)
        root.clear_commands()
        r = root.run('apply', '--select', '0000:42:00.0')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(root.commands()[:2], [
            ['grubby', '--update-kernel=ALL', '--remove-args=vfio-pci.ids=10de:1b80,10de:10f0'],
            ['grubby', '--update-kernel=ALL', '--args=vfio-pci.ids=1912:0014']])
        root.clear_commands()
        self.assertEqual(root.run('revert', snapshot=False).returncode, 0)
        self.assertEqual(root.commands()[0], [
            'grubby', '--update-kernel=ALL',
            '--remove-args=iommu=pt rd.driver.pre=vfio_pci vfio-pci.ids=1912:0014'])
        self.assertEqual(root.tree(), original_tree('seed003'))

    def test_no_commands(self):
        root = self.new_root('seed004')
        r = root.run('apply', '--select', '0000:01:00.0', '--no-commands')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(root.commands(), [])
        with open(root.file('var/lib/passthrough/state.json')) as f:
            state = json.load(f)
        self.assertEqual(state['applied']['cmd_ours'], [])
        r = root.run('revert', '--no-commands', snapshot=False)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(root.commands(), [])
        self.assertEqual(root.tree(), original_tree('seed004'))

    def test_no_commands_refused_where_a_command_sets_the_arguments(self):
        # grubby (seed003), rpm-ostree (seed001), kernelstub (seed002): the
        # command is what puts the arguments on the boot entries, so an apply
        # without it would record a setup the next start never gets.
        for seed, args, tool in (('seed003', ['--select', '0000:08:00.0'], 'grubby'),
                                 ('seed001', ['--select', '0000:0e:00.0'], 'rpm-ostree'),
                                 ('seed002', ['--select', '0000:01:00.0'], 'kernelstub')):
            with self.subTest(seed=seed):
                root = self.new_root(seed)
                r = root.run('apply', *args, '--no-commands')
                self.assertEqual(r.returncode, 1, r.stdout)
                self.assertIn('“%s” is what changes the kernel command line' % tool, r.stderr)
                self.assertIn('Nothing was changed', r.stderr)
                self.assertEqual(root.commands(), [])
                self.assertEqual(root.tree(), original_tree(seed))

    def test_symlink_leaving_the_allow_list(self):
        root = self.new_root('seed004')
        os.rename(root.file('etc/default/grub'), root.file('etc/grub-settings'))
        os.symlink('../grub-settings', root.file('etc/default/grub'))
        before = root.tree()
        r = root.run('apply', '--select', '0000:01:00.0')
        self.assertEqual(r.returncode, 1)
        self.assertIn('not one of the files Passthrough may write', r.stderr)
        self.assertEqual(root.tree(), before)
        self.assertEqual(root.commands(), [])

    def test_symlink_inside_the_allow_list_is_refused(self):
        # a link is never written through, even one that leads to a file on
        # the allow-list (docs/faults.md)
        root = self.new_root('seed000')
        os.rename(root.file('boot/loader/entries/arch.conf'), root.file('boot/loader/entries/arch-real.conf'))
        os.symlink('arch-real.conf', root.file('boot/loader/entries/arch.conf'))
        before = root.tree()
        r = root.run('apply', '--select', '0000:09:00.0')
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn('/boot/loader/entries/arch.conf is a symbolic link (to arch-real.conf)', r.stderr)
        self.assertIn('Nothing was changed', r.stderr)
        self.assertEqual(root.tree(), before)
        self.assertEqual(root.commands(), [])

    def test_mode_and_xattrs_are_kept(self):
        root = self.new_root('seed004')
        path = root.file('etc/default/grub')
        os.chmod(path, 0o600)
        try:
            os.setxattr(path, 'user.passthrough-test', b'kept')
            has_xattr = True
        except OSError:
            has_xattr = False
        self.assertEqual(root.run('apply', '--select', '0000:01:00.0').returncode, 0)
        self.assertEqual(os.stat(path).st_mode & 0o777, 0o600)
        if has_xattr:
            self.assertEqual(os.getxattr(path, 'user.passthrough-test'), b'kept')
        self.assertEqual([n for n in os.listdir(root.file('etc/default')) if n.startswith('.')], [])

    def test_status_after_the_restart(self):
        root = self.new_root('seed004')
        self.assertEqual(root.run('apply', '--select', '0000:01:00.0').returncode, 0)
        # the restart: the command line from our /etc/default/grub, the
        # devices on vfio-pci
        root.write('proc/cmdline', 'BOOT_IMAGE=/boot/vmlinuz-6.8.12-4-pve root=/dev/mapper/pve-root ro '
                   'quiet iommu=pt vfio-pci.ids=10de:1381,10de:0fbc\n')
        with open(root.snapshot) as f:
            snap = json.load(f)
        for g in snap['groups']:
            for d in g['devices']:
                if d['address'].startswith('0000:01:00.'):
                    d['driver'] = 'vfio-pci'
        booted = os.path.join(root.tmp, 'booted.json')
        with open(booted, 'w') as f:
            json.dump(snap, f)
        r = root.run('status', '--json', snapshot=booted)
        self.assertEqual(r.returncode, 0, r.stdout)
        s = load_json(r.stdout)
        self.assertEqual(s['state'], 'applied')
        self.assertFalse(s['pending_reboot'])
        self.assertEqual([(d['address'], d['driver_now'], d['ok']) for d in s['devices']],
                         [('0000:01:00.0', 'vfio-pci', True), ('0000:01:00.1', 'vfio-pci', True)])
        # one device still on its host driver: not as configured
        r = root.run('status', '--json')
        self.assertEqual(r.returncode, 1)
        self.assertFalse(load_json(r.stdout)['devices'][0]['ok'])

    def booted_snapshot(self, root, edit):
        with open(root.snapshot) as f:
            snap = json.load(f)
        for g in snap['groups']:
            g['devices'] = [d for d in g['devices'] if edit(d) is not False]
        path = os.path.join(root.tmp, 'booted-%d.json' % len(os.listdir(root.tmp)))
        with open(path, 'w') as f:
            json.dump(snap, f)
        return path

    def test_status_says_bound_pending_failed_and_why(self):
        root = self.new_root('seed004')
        self.assertEqual(root.run('apply', '--select', '0000:01:00.0').returncode, 0)

        def results(snapshot=None):
            r = root.run('status', '--json', snapshot=snapshot) if snapshot else root.run('status', '--json')
            s = load_json(r.stdout)
            return r.returncode, {d['address']: d for d in s['devices']}

        # before the restart: both pending, the reason says when
        rc, devs = results()
        self.assertEqual(rc, 1)
        self.assertEqual({a: d['result'] for a, d in devs.items()},
                         {'0000:01:00.0': 'pending', '0000:01:00.1': 'pending'})
        self.assertIn('next restart', devs['0000:01:00.0']['reason'])
        self.assertEqual(devs['0000:01:00.0']['ids'], '10de:1381')
        self.assertEqual(devs['0000:01:00.0']['ids_now'], '10de:1381')

        root.write('proc/cmdline', 'BOOT_IMAGE=/boot/vmlinuz-6.8.12-4-pve root=/dev/mapper/pve-root ro '
                   'quiet iommu=pt vfio-pci.ids=10de:1381,10de:0fbc\n')

        def on_vfio(d):
            if d['address'].startswith('0000:01:00.'):
                d['driver'] = 'vfio-pci'
        rc, devs = results(self.booted_snapshot(root, on_vfio))
        self.assertEqual(rc, 0)
        self.assertEqual([(d['result'], d['reason']) for d in devs.values()], [('bound', None)] * 2)

        # restarted, but the host driver took the audio function first
        def audio_on_host(d):
            if d['address'] == '0000:01:00.0':
                d['driver'] = 'vfio-pci'
        rc, devs = results(self.booted_snapshot(root, audio_on_host))
        self.assertEqual(rc, 1)
        self.assertEqual(devs['0000:01:00.0']['result'], 'bound')
        self.assertEqual(devs['0000:01:00.1']['result'], 'failed')
        self.assertIn('snd_hda_intel took it before vfio-pci', devs['0000:01:00.1']['reason'])

        # a different card in the slot: left alone, and status names both IDs
        def swapped(d):
            if d['address'] == '0000:01:00.0':
                d['vendor'], d['device'] = '1002', '73ff'
                d['driver'] = 'amdgpu'
            elif d['address'] == '0000:01:00.1':
                return False
        rc, devs = results(self.booted_snapshot(root, swapped))
        self.assertEqual(rc, 1)
        self.assertEqual(devs['0000:01:00.0']['result'], 'failed')
        self.assertEqual(devs['0000:01:00.0']['ids_now'], '1002:73ff')
        self.assertIn('is now a 1002:73ff device, not the 10de:1381', devs['0000:01:00.0']['reason'])
        self.assertEqual(devs['0000:01:00.1']['result'], 'failed')
        self.assertIsNone(devs['0000:01:00.1']['ids_now'])
        self.assertIn('No device is at 0000:01:00.1', devs['0000:01:00.1']['reason'])
        # the sentences reach a person who runs status without --json
        r = root.run('status', snapshot=self.booted_snapshot(root, swapped))
        self.assertIn('not the 10de:1381 that was set up', r.stdout)

    def test_revert_with_the_esp_not_mounted_changes_nothing(self):
        # the ESP (here /boot) not mounted: the entry Passthrough edited is
        # gone with its folder; revert must not undo /etc alone and say done
        root = self.new_root('seed000')
        self.assertEqual(root.run('apply', '--select', '0000:09:00.0').returncode, 0)
        os.rename(root.file('boot/loader'), os.path.join(root.tmp, 'esp-loader'))
        before = root.tree()
        root.clear_commands()
        r = root.run('revert')
        self.assertNotEqual(r.returncode, 0, r.stdout)
        self.assertIn('/boot/loader/entries/arch.conf, which Passthrough changed, is not there', r.stderr)
        self.assertIn('Mount it and try again', r.stderr)
        self.assertEqual(root.tree(), before)
        self.assertEqual(root.commands(), [])
        # mounted again: revert works and gives every byte back
        os.rename(os.path.join(root.tmp, 'esp-loader'), root.file('boot/loader'))
        r = root.run('revert')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(root.tree()['boot/loader/entries/arch.conf'],
                         original_tree('seed000')['boot/loader/entries/arch.conf'])

    def test_kernel_install_entries_get_etc_kernel_cmdline(self):
        # docs/boot-setup.md: where kernel-install writes the entries, its hooks
        # rewrite them from /etc/kernel/cmdline on every initramfs update
        root = self.new_root('seed000')
        mid = root.read('etc/machine-id').strip()
        os.unlink(root.file('boot/loader/entries/arch.conf'))
        entry = 'boot/loader/entries/%s-6.6.8-arch1-1.conf' % mid
        root.write(entry, 'title      Arch Linux\nversion    6.6.8-arch1-1\nmachine-id %s\n'
                   'options    root=PARTUUID=8c1f0e54 quiet rw systemd.machine_id=%s\n'
                   'linux      /%s/6.6.8-arch1-1/linux\ninitrd     /%s/6.6.8-arch1-1/initrd\n'
                   % (mid, mid, mid, mid))
        root.write('etc/kernel/postinst.d/zz-systemd-boot', '#!/bin/sh\n')
        before = root.tree()
        r = root.run('plan', '--json', '--select', '0000:09:00.0')
        plan = load_json(r.stdout)
        self.assertIn(('/etc/kernel/cmdline', 'create'), [(c['path'], c['action']) for c in plan['changes']])
        self.assertEqual(root.run('apply', '--select', '0000:09:00.0').returncode, 0)
        self.assertEqual(root.read('etc/kernel/cmdline'),
                         'root=PARTUUID=8c1f0e54 quiet rw iommu=pt vfio-pci.ids=1002:73ff,1002:ab28\n')
        self.assertIn('quiet rw systemd.machine_id=%s iommu=pt vfio-pci.ids=1002:73ff,1002:ab28\n' % mid,
                      root.read(entry))
        # revert leaves etc/kernel/cmdline, without our tokens: deleting it
        # would make kernel-install copy the running command line, ours in it
        self.assertEqual(root.run('revert', snapshot=False).returncode, 0)
        self.assertEqual(root.read('etc/kernel/cmdline'), 'root=PARTUUID=8c1f0e54 quiet rw\n')
        after = root.tree()
        del after['etc/kernel/cmdline']
        self.assertEqual(after, before)


if __name__ == '__main__':
    unittest.main(verbosity=2)
