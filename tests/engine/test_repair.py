#!/usr/bin/python3
# Health after updates (docs/machine-knowledge.md): status `needs-repair` with
# the reasons kernel-args-lost (a restart since the apply, found by the stored
# boot_id, whose command line lacks our arguments; not when systemd-boot says
# the way-back entry started), initramfs-stale (an image in /boot older than
# the setup) and group-changed (the devices' group mates differ from the
# stored ones); `passthroughctl repair` applies the stored selection again.
# SPDX-License-Identifier: GPL-3.0-or-later
import json
import os
import shutil
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from enginelib import Root, load_json  # noqa: E402
from test_trial import TOKENS_000, TOKENS_004  # noqa: E402

LOADER_GUID = '4a67b082-0a4c-41cf-b6c7-440b29bb8c4f'


class RepairTest(unittest.TestCase):
    def new_root(self, seed):
        root = Root(seed)
        self.addCleanup(root.cleanup)
        root.write('proc/sys/kernel/random/boot_id', 'boot-of-the-apply\n')
        return root

    def status(self, root):
        r = root.run('status', '--json')
        self.assertIn(r.returncode, (0, 1), r.stderr)
        return load_json(r.stdout)

    def restart(self, root, with_args, tokens):
        root.write('proc/sys/kernel/random/boot_id', 'a-later-boot\n')
        cmdline = root.read('proc/cmdline').split('\n')[0].replace(' ' + tokens, '')
        root.write('proc/cmdline', cmdline + (' ' + tokens if with_args else '') + '\n')

    def apply(self, root, *args):
        r = root.run('apply', *args)
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
        root.clear_commands()

    def test_state_records_the_boot_and_the_groups(self):
        root = self.new_root('seed000')
        self.apply(root, '--select', '0000:09:00.0')
        with open(root.file('var/lib/passthrough/state.json')) as f:
            applied = json.load(f)['applied']
        self.assertEqual(applied['boot_id'], 'boot-of-the-apply')
        self.assertEqual(sorted(applied['group_mates']), ['0000:09:00.0', '0000:09:00.1'])
        self.assertEqual(applied['group_mates']['0000:09:00.0'], [])   # groups 22 and 23 of their own

    def test_kernel_args_lost_and_repair(self):
        root = self.new_root('seed000')
        entry = root.read('boot/loader/entries/arch.conf')
        self.apply(root, '--select', '0000:09:00.0')
        # the same boot: pending, not lost
        s = self.status(root)
        self.assertEqual((s['state'], s['pending_reboot'], s['repair']), ('applied', True, []))
        # a restart with our arguments: applied
        self.restart(root, True, TOKENS_000)
        self.assertEqual(self.status(root)['state'], 'applied')
        # a kernel update rewrote the entry without them, and the machine restarted
        root.write('boot/loader/entries/arch.conf', entry)
        self.restart(root, False, TOKENS_000)
        s = self.status(root)
        self.assertEqual(s['state'], 'needs-repair')
        self.assertFalse(s['pending_reboot'])
        self.assertFalse(s['ok'])
        [r] = s['repair']
        self.assertEqual((r['reason'], r['devices']), ('kernel-args-lost', []))
        self.assertIn('lacks', r['message'])
        for d in s['devices']:
            self.assertEqual(d['result'], 'failed')
            self.assertNotIn('next restart', d['reason'])
        text = root.run('status').stdout
        self.assertIn('[kernel-args-lost]', text)
        # systemd-boot says which entry started: the way back, on purpose
        name = 'sys/firmware/efi/efivars/LoaderEntrySelected-' + LOADER_GUID
        os.makedirs(os.path.dirname(root.file(name)), exist_ok=True)
        with open(root.file(name), 'wb') as f:
            f.write(b'\x06\x00\x00\x00' + 'passthrough-way-back.conf\0'.encode('utf-16-le'))
        self.assertEqual(self.status(root)['repair'], [])
        with open(root.file(name), 'wb') as f:
            f.write(b'\x06\x00\x00\x00' + 'arch.conf\0'.encode('utf-16-le'))
        [r] = self.status(root)['repair']
        self.assertIn('boot entry “arch.conf”', r['message'])
        # repair: the plan first, then the same selection applied again
        r = root.run('repair', '--plan', '--json')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(load_json(r.stdout)['devices'], ['0000:09:00.0', '0000:09:00.1'])
        self.assertEqual(root.read('boot/loader/entries/arch.conf'), entry)
        r = root.run('repair')
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
        self.assertIn(TOKENS_000, root.read('boot/loader/entries/arch.conf'))
        self.assertEqual(root.commands(), [['mkinitcpio', '-P']])
        # the repair's own boot: pending again, not lost
        s = self.status(root)
        self.assertEqual((s['state'], s['pending_reboot']), ('applied', True))

    def test_initramfs_stale(self):
        root = self.new_root('seed004')
        self.apply(root, '--select', '0000:01:00.0')
        with open(root.file('var/lib/passthrough/state.json')) as f:
            time = json.load(f)['applied']['time']
        self.assertEqual(self.status(root)['repair'], [])
        # the running kernel's own image is its devices' results to tell
        root.write('boot/initrd.img-6.8.12-4-pve', 'image\n')
        old = os.stat(root.file('var/lib/passthrough/state.json')).st_mtime - 86400
        os.utime(root.file('boot/initrd.img-6.8.12-4-pve'), (old, old))
        self.assertEqual(self.status(root)['repair'], [])
        # a newer kernel whose image was built before the setup (by mtime)
        root.write('boot/initrd.img-6.8.12-5-pve', 'image\n')
        root.write('boot/vmlinuz-6.8.12-5-pve', 'kernel\n')
        past = os.stat(root.file('var/lib/passthrough/state.json')).st_mtime - 86400
        os.utime(root.file('boot/initrd.img-6.8.12-5-pve'), (past, past))
        s = self.status(root)
        self.assertEqual(s['state'], 'needs-repair', time)
        [r] = s['repair']
        self.assertEqual(r['reason'], 'initramfs-stale')
        self.assertIn('/boot/initrd.img-6.8.12-5-pve', r['message'])
        # repair regenerates although no file changes
        r = root.run('repair')
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
        self.assertIn(['update-initramfs', '-u', '-k', 'all'], root.commands())
        # (the stand-in does not build images: touch it as update-initramfs would)
        os.utime(root.file('boot/initrd.img-6.8.12-5-pve'))
        self.assertEqual(self.status(root)['repair'], [])

    def test_group_changed(self):
        root = self.new_root('seed000')
        self.apply(root, '--select', '0000:09:00.0')
        self.assertEqual(self.status(root)['repair'], [])
        # a firmware update put the network card 08:00.0 into the GPU's group
        with open(root.snapshot) as f:
            snap = json.load(f)
        groups = snap['groups']
        gpu = next(g for g in groups if any(d['address'] == '0000:09:00.0' for d in g['devices']))
        other = next(g for g in groups if g['devices'][0]['address'] == '0000:08:00.0')
        gpu['devices'] += other['devices']
        groups.remove(other)
        changed = os.path.join(root.tmp, 'changed.json')
        with open(changed, 'w') as f:
            json.dump(snap, f)
        r = root.run('status', '--json', snapshot=changed)
        s = load_json(r.stdout)
        self.assertEqual(s['state'], 'needs-repair')
        reasons = {r['reason']: r for r in s['repair']}
        self.assertEqual(sorted(reasons), ['group-changed'])
        self.assertEqual(reasons['group-changed']['devices'], ['0000:09:00.0'])
        self.assertIn(other['devices'][0]['address'], reasons['group-changed']['message'])
        # only numbers changed: harmless
        with open(root.snapshot) as f:
            snap = json.load(f)
        for g in snap['groups']:
            g['id'] += 100
        with open(changed, 'w') as f:
            json.dump(snap, f)
        self.assertEqual(load_json(root.run('status', '--json', snapshot=changed).stdout)['repair'], [])

    def test_nothing_to_repair(self):
        root = self.new_root('seed000')
        r = root.run('repair')
        self.assertEqual(r.returncode, 1)
        self.assertIn('nothing to repair', r.stderr)
        r = root.run('repair', 'extra')
        self.assertEqual(r.returncode, 2)

    def test_a868f44_state_has_no_repair_reasons(self):
        # a state.json of a868f44 has no boot_id and no group_mates: nothing
        # is claimed lost (test_state_compat.py checks these load and revert)
        from test_state_compat import STATE_DIR, StateCompatTest, case_names
        helper = StateCompatTest('check')
        self.addCleanup(helper.doCleanups)
        for name in case_names():
            case, root = helper.fixture(name)
            for rel in case['created_dirs']:
                os.makedirs(root.file(rel), exist_ok=True)
            helper.overlay(root, os.path.join(STATE_DIR, name, 'after'), modes=case['modes'])
            s = self.status(root)
            self.assertNotIn('kernel-args-lost', [r['reason'] for r in s['repair']], name)
            self.assertNotIn('group-changed', [r['reason'] for r in s['repair']], name)
            # the stored selection for the app's "Repair…", read from that state too
            if s['state'] != 'not-applied':
                self.assertTrue(s['setup']['selection'], name)
                self.assertNotIn('plan-digest', s['setup']['options'], name)

    def test_status_names_the_stored_setup(self):
        # what "Repair…" in the app reviews again: GetStatus cannot hand out
        # the root-only state, so status says the selection and the options
        root = self.new_root('seed000')
        self.assertIsNone(self.status(root)['setup'])
        self.apply(root, '--select', '0000:09:00.0', '--framebuffer-off', '--bind-by', 'address')
        setup = self.status(root)['setup']
        self.assertEqual(setup['selection'], ['0000:09:00.0'])
        self.assertIs(setup['options']['framebuffer-off'], True)
        self.assertEqual(setup['options']['binding'], 'address')
        self.assertNotIn('plan-digest', setup['options'])
        self.assertTrue(all(isinstance(v, (bool, str)) for v in setup['options'].values()), setup)


if __name__ == '__main__':
    unittest.main()
