#!/usr/bin/python3
# Faults at the transaction's edges (docs/faults.md): a disk that fills up
# at every write of apply, revert and confirm (a small tmpfs under --root,
# filled to each level), links on the way to a file we write or in the state
# directory, the mode of a file we create, and a regeneration command that
# outlives a killed passthroughctl.
# SPDX-License-Identifier: GPL-3.0-or-later
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from enginelib import EMPTY_DIRS, HERE, Root, load_json  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_trial import GRUB_CFG  # noqa: E402

GPU_004 = ['--select', '0000:01:00.0']
GPU_000 = ['--select', '0000:09:00.0']
PAGE = 4096
JOURNAL = 'var/lib/passthrough/journal.json'


def is_root():
    return os.geteuid() == 0


class TmpfsRoot(Root):
    """A seed's fixture root alone on a tmpfs of @size bytes, beside a
    filler file that takes all but a given number of its pages."""

    def __init__(self, seed, size=256 * 1024, grub_cfg=True):
        self.seed = seed
        self.tmp = tempfile.mkdtemp(prefix='pt-faults-')
        self.mnt = os.path.join(self.tmp, 'mnt')
        os.mkdir(self.mnt)
        subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=%d,mode=0755' % size, 'pt-faults', self.mnt],
                       check=True)
        self.path = os.path.join(self.mnt, 'root')
        shutil.copytree(os.path.join(HERE, 'roots', seed), self.path, symlinks=True)
        for d in EMPTY_DIRS[seed]:
            os.makedirs(os.path.join(self.path, d), exist_ok=True)
        if grub_cfg and seed == 'seed004':
            # GRUB's own file, so the way-back entry is written too
            self.write('boot/grub/grub.cfg', GRUB_CFG)
        self.log = os.path.join(self.tmp, 'commands.log')
        self.snapshot = os.path.join(HERE, 'snapshots', seed + '.json')
        self.filler = os.path.join(self.mnt, 'filler')

    def cleanup(self):
        if os.path.ismount(self.mnt):
            subprocess.run(['umount', self.mnt], check=False)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def free_pages(self):
        st = os.statvfs(self.mnt)
        return st.f_bavail * st.f_frsize // PAGE

    def fill(self, leave_pages):
        """Takes every free page but @leave_pages."""
        with open(self.filler, 'ab') as f:
            take = self.free_pages() - leave_pages
            if take > 0:
                f.write(b'\0' * take * PAGE)
        assert self.free_pages() == leave_pages, (self.free_pages(), leave_pages)

    def unfill(self):
        if os.path.exists(self.filler):
            os.unlink(self.filler)


def hashes(root):
    return root.tree()


class DiskFullTest(unittest.TestCase):
    """Every level of free space, from none to enough, at every write."""

    counts = {'tried': 0, 'clean': 0, 'failing': 0}

    @classmethod
    def tearDownClass(cls):
        # the closing note of issue 22: cases tried, handled cleanly, failing
        cls.counts['failing'] = cls.counts['tried'] - cls.counts['clean']
        print('\ndisk-full cases: %(tried)d tried, %(clean)d handled cleanly, %(failing)d failing' % cls.counts,
              file=sys.stderr)

    def setUp(self):
        if not is_root():
            self.skipTest('mounting a tmpfs needs root')

    def new_root(self, seed):
        root = TmpfsRoot(seed)
        self.addCleanup(root.cleanup)
        return root

    def reference(self, seed, prepare):
        """The trees before and after the operation, on a roomy tmpfs."""
        root = self.new_root(seed)
        prepare(root)
        return root

    def check_levels(self, seed, prepare, operation, max_levels=48):
        """@prepare brings a fresh root to the state before the operation;
        @operation runs it.  For each level of free pages: either it
        succeeds (the tree as after), or it fails and every file is wholly
        before or after; a journal left behind names free space and
        "passthroughctl revert", which completes it once there is space."""
        ref = self.reference(seed, prepare)
        before = hashes(ref)
        r = operation(ref)
        self.assertEqual(r.returncode, 0, r.stderr)
        after = hashes(ref)
        self.assertNotEqual(before, after)
        original = None
        outcomes = {'refused-before': 0, 'rolled-back': 0, 'journal-kept': 0, 'done': 0}

        for no_check in (False, True):
            succeeded_in_a_row = 0
            for level in range(max_levels):
                with self.subTest(no_space_check=no_check, free_pages=level):
                    self.counts['tried'] += 1
                    root = self.new_root(seed)
                    if original is None:
                        original = hashes(root)
                    prepare(root)
                    self.assertEqual(hashes(root), before)
                    root.fill(level)
                    env = {'PASSTHROUGH_FAULT': 'no-space-check'} if no_check else None
                    r = operation(root, env)
                    self.assertIn(r.returncode, (0, 1), r.stderr)
                    now = hashes(root)
                    for rel in set(before) | set(after) | set(now):
                        self.assertIn(now.get(rel), (before.get(rel), after.get(rel)),
                                      '%s is neither before nor after' % rel)
                    journal = os.path.exists(root.file(JOURNAL))
                    if r.returncode == 0:
                        self.assertEqual(now, after)
                        self.assertFalse(journal)
                        outcomes['done'] += 1
                        succeeded_in_a_row += 1
                    elif journal:
                        self.assertTrue(no_check, 'the space check let a transaction start that could not finish')
                        self.assertIn('The journal of this change is kept', r.stderr)
                        self.assertIn('then run “passthroughctl revert”', r.stderr)
                        root.unfill()
                        s = load_json(root.run('status', '--json').stdout)
                        self.assertTrue(s['unfinished_transaction'])
                        r2 = root.run('revert', snapshot=False)
                        self.assertEqual(r2.returncode, 0, r2.stderr)
                        self.assertFalse(os.path.exists(root.file(JOURNAL)))
                        self.assertEqual(hashes(root), original)
                        outcomes['journal-kept'] += 1
                        succeeded_in_a_row = 0
                    else:
                        self.assertEqual(now, before, r.stderr)
                        self.assertEqual(os.listdir(root.file('var/lib/passthrough/txn'))
                                         if os.path.isdir(root.file('var/lib/passthrough/txn')) else [], [])
                        if not no_check and 'not enough free space' in r.stderr:
                            self.assertIn('Nothing was changed', r.stderr)
                            outcomes['refused-before'] += 1
                        else:
                            outcomes['rolled-back'] += 1
                        succeeded_in_a_row = 0
                    self.counts['clean'] += 1
                    root.cleanup()
                if succeeded_in_a_row >= 3:
                    break
        print('\n%s: %s' % (self.id().rsplit('.', 1)[1], outcomes), file=sys.stderr)
        return outcomes

    def test_apply(self):
        def prepare(root):
            pass

        def operation(root, env=None):
            return root.run('apply', *GPU_004, env=env)
        outcomes = self.check_levels('seed004', prepare, operation)
        self.assertGreater(outcomes['refused-before'], 0, outcomes)
        self.assertGreater(outcomes['rolled-back'] + outcomes['journal-kept'], 0, outcomes)
        self.assertGreater(outcomes['done'], 0, outcomes)

    def test_revert(self):
        def prepare(root):
            r = root.run('apply', *GPU_004)
            assert r.returncode == 0, r.stderr

        def operation(root, env=None):
            return root.run('revert', snapshot=False, env=env)
        outcomes = self.check_levels('seed004', prepare, operation)
        self.assertGreater(outcomes['done'], 0, outcomes)

    def test_confirm(self):
        def prepare(root):
            r = root.run('apply', *GPU_000, '--trial')
            assert r.returncode == 0, r.stderr

        def operation(root, env=None):
            return root.run('confirm', env=env)
        outcomes = self.check_levels('seed000', prepare, operation)
        self.assertGreater(outcomes['done'], 0, outcomes)


class LinkTest(unittest.TestCase):
    """No file is written, read or removed through a link (docs/faults.md)."""

    def new_root(self, seed):
        root = Root(seed)
        self.addCleanup(root.cleanup)
        return root

    def outside(self, root):
        d = os.path.join(root.tmp, 'outside')
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, 'precious'), 'w') as f:
            f.write('not ours\n')
        return d

    def test_two_allowed_files_linked(self):
        # modprobe.d/passthrough.conf a link to ../default/grub: apply would
        # have written the modprobe text over every GRUB_* line
        root = self.new_root('seed004')
        os.symlink('../default/grub', root.file('etc/modprobe.d/passthrough.conf'))
        before = root.tree()
        r = root.run('apply', *GPU_004)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn('/etc/modprobe.d/passthrough.conf is a symbolic link (to ../default/grub)', r.stderr)
        self.assertIn('Nothing was changed', r.stderr)
        self.assertEqual(root.tree(), before)
        self.assertEqual(root.commands(), [])

    def test_folder_on_the_way_is_a_link(self):
        root = self.new_root('seed004')
        real = os.path.join(root.tmp, 'modprobe-real')
        os.rename(root.file('etc/modprobe.d'), real)
        os.symlink(real, root.file('etc/modprobe.d'))
        listed = sorted(os.listdir(real))
        before = root.tree()
        r = root.run('apply', *GPU_004)
        self.assertEqual(r.returncode, 1, r.stdout)
        # the allow-list sees where it leads; the write path refuses the link
        # itself where the list would admit the place
        self.assertTrue('/etc/modprobe.d is a symbolic link' in r.stderr or
                        'not one of the files Passthrough may write' in r.stderr, r.stderr)
        self.assertEqual(root.tree(), before)
        self.assertEqual(sorted(os.listdir(real)), listed)

    def test_folder_link_leading_onto_the_allow_list(self):
        # /etc/modprobe.d a link to ../etc/modprobe.d-real, itself a link
        # back to a real /etc/modprobe.d elsewhere would be a loop; instead:
        # /boot/loader a link to a folder whose entries/ are on the list
        root = self.new_root('seed000')
        os.rename(root.file('boot/loader'), root.file('boot/loader-real'))
        os.symlink('loader-real', root.file('boot/loader'))
        os.makedirs(root.file('efi'))
        os.symlink('../boot/loader-real', root.file('efi/loader'))
        before = root.tree()
        r = root.run('apply', *GPU_000)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertTrue('is a symbolic link' in r.stderr or
                        'not one of the files Passthrough may write' in r.stderr, r.stderr)
        self.assertEqual(root.tree(), before)

    def test_state_directory_links(self):
        for what in ('var/lib/passthrough', 'var/lib/passthrough/backups', 'var/lib/passthrough/txn',
                     'var/lib/passthrough/lock', 'var/lib/passthrough/state.json'):
            with self.subTest(link=what):
                root = self.new_root('seed004')
                out = self.outside(root)
                os.makedirs(os.path.dirname(root.file(what)), exist_ok=True)
                target = out if not what.endswith(('lock', 'state.json')) else os.path.join(out, 'precious')
                os.symlink(target, root.file(what))
                before = root.tree()
                r = root.run('apply', *GPU_004)
                self.assertEqual(r.returncode, 1, r.stdout)
                self.assertIn('symbolic link', r.stderr)
                self.assertEqual(root.tree(), before)
                self.assertEqual(sorted(os.listdir(out)), ['precious'])
                with open(os.path.join(out, 'precious')) as f:
                    self.assertEqual(f.read(), 'not ours\n')

    def test_revert_does_not_delete_through_a_linked_backups_folder(self):
        root = self.new_root('seed004')
        self.assertEqual(root.run('apply', *GPU_004).returncode, 0)
        applied = root.tree()
        out = self.outside(root)
        backups = root.file('var/lib/passthrough/backups')
        for name in os.listdir(backups):
            shutil.move(os.path.join(backups, name), out)
        os.rmdir(backups)
        os.symlink(out, backups)
        kept = sorted(os.listdir(out))
        r = root.run('revert', snapshot=False)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn('symbolic link', r.stderr)
        self.assertEqual(sorted(os.listdir(out)), kept)
        self.assertEqual(root.tree(), applied)

    def test_journal_through_a_link_is_not_followed(self):
        # a journal.json that is a link: recovery refuses it, changes nothing
        root = self.new_root('seed004')
        out = self.outside(root)
        os.makedirs(root.file('var/lib/passthrough'))
        os.symlink(os.path.join(out, 'precious'), root.file(JOURNAL))
        before = root.tree()
        r = root.run('revert', snapshot=False)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn('symbolic link', r.stderr)
        self.assertEqual(root.tree(), before)


class ModeTest(unittest.TestCase):
    """A file we create is as readable as the file its text comes from."""

    def apply_with_grub_cfg_mode(self, mode):
        root = Root('seed004')
        self.addCleanup(root.cleanup)
        root.write('boot/grub/grub.cfg', GRUB_CFG)
        os.chmod(root.file('boot/grub/grub.cfg'), mode)
        r = root.run('apply', *GPU_004)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('without passthrough', root.read('boot/grub/custom.cfg'))
        return root

    def test_custom_cfg_from_a_private_grub_cfg_is_private(self):
        root = self.apply_with_grub_cfg_mode(0o600)
        self.assertEqual(os.stat(root.file('boot/grub/custom.cfg')).st_mode & 0o777, 0o600)
        # files whose text is ours alone keep the usual mode
        self.assertEqual(os.stat(root.file('etc/modprobe.d/passthrough.conf')).st_mode & 0o777, 0o644)

    def test_custom_cfg_from_a_read_only_grub_cfg_is_readable(self):
        # grub-mkconfig leaves grub.cfg 0444: the copy is readable, and
        # writable by its owner
        root = self.apply_with_grub_cfg_mode(0o444)
        self.assertEqual(os.stat(root.file('boot/grub/custom.cfg')).st_mode & 0o777, 0o644)

    def test_a_file_restored_by_recovery_gets_its_mode_back(self):
        root = Root('seed004')
        self.addCleanup(root.cleanup)
        root.write('boot/grub/grub.cfg', GRUB_CFG)
        root.write('boot/grub/custom.cfg', '# mine\n')
        os.chmod(root.file('boot/grub/custom.cfg'), 0o640)
        self.assertEqual(root.run('apply', *GPU_004).returncode, 0)
        self.assertEqual(os.stat(root.file('boot/grub/custom.cfg')).st_mode & 0o777, 0o640)
        self.assertEqual(root.run('revert', snapshot=False).returncode, 0)
        self.assertEqual(root.read('boot/grub/custom.cfg'), '# mine\n')
        self.assertEqual(os.stat(root.file('boot/grub/custom.cfg')).st_mode & 0o777, 0o640)


SLOW_WRAPPER = """#!/bin/sh
# records the command, then lets a regeneration run for long
printf '%s\\n' "$*" >> "$PASSTHROUGH_TEST_LOG"
case "$*" in
  *update-initramfs*) echo $$ > "$PASSTHROUGH_TEST_PIDFILE"; exec sleep 300 ;;
esac
"""


class LeftoverCommandTest(unittest.TestCase):
    def test_next_transaction_ends_a_command_the_killed_one_left(self):
        root = Root('seed004')
        self.addCleanup(root.cleanup)
        before = root.tree()
        wrapper = os.path.join(root.tmp, 'slow-command')
        with open(wrapper, 'w') as f:
            f.write(SLOW_WRAPPER)
        os.chmod(wrapper, 0o755)
        pidfile = os.path.join(root.tmp, 'command.pid')
        env = dict(os.environ, PASSTHROUGH_COMMAND_WRAPPER=wrapper, PASSTHROUGH_TEST_LOG=root.log,
                   PASSTHROUGH_TEST_PIDFILE=pidfile)
        env.pop('PASSTHROUGH_FAULT', None)
        ctl = subprocess.Popen([os.environ.get('PASSTHROUGHCTL'), '--root', root.path, '--snapshot',
                                root.snapshot, 'apply', *GPU_004],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(300):
            if os.path.exists(pidfile) and os.path.getsize(pidfile) > 0:
                break
            time.sleep(0.05)
        with open(pidfile) as f:
            pid = int(f.read())
        running = root.read('var/lib/passthrough/running').split()
        self.assertEqual(int(running[0]), pid)
        ctl.send_signal(signal.SIGKILL)
        ctl.wait()
        os.kill(pid, 0)   # the command outlived it
        r = root.run('revert', snapshot=False)
        self.assertEqual(r.returncode, 0, r.stderr)
        with self.assertRaises(ProcessLookupError):
            for _ in range(50):
                os.kill(pid, 0)
                # a zombie of an ended process whose parent died is reaped by init
                with open('/proc/%d/stat' % pid) as f:
                    if f.read().split(')')[1].split()[0] == 'Z':
                        raise ProcessLookupError
                time.sleep(0.1)
        self.assertFalse(os.path.exists(root.file('var/lib/passthrough/running')))
        self.assertFalse(os.path.exists(root.file(JOURNAL)))
        self.assertEqual(root.tree(), before)


class ApplyingTest(unittest.TestCase):
    def test_status_says_applying_while_the_lock_is_held(self):
        import fcntl
        root = Root('seed004')
        self.addCleanup(root.cleanup)
        self.assertEqual(root.run('apply', *GPU_004).returncode, 0)
        self.assertEqual(load_json(root.run('status', '--json').stdout)['state'], 'applied')
        with open(root.file('var/lib/passthrough/lock'), 'w') as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            r = root.run('status', '--json')
            self.assertEqual(load_json(r.stdout)['state'], 'applying')
            r = root.run('status')
            self.assertIn('A change is being made right now', r.stdout)
        self.assertEqual(load_json(root.run('status', '--json').stdout)['state'], 'applied')

if __name__ == '__main__':
    unittest.main(verbosity=2)
