#!/usr/bin/python3
# The helper at its trust boundaries (docs/faults.md): Preview shows a caller
# no line of a file that caller could not read (a 0600 grub.cfg copied into
# the way-back entry of custom.cfg), and a roll-back that a full disk stopped
# at start-up is completed by the Revert asked for once there is space.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

import helpertest
from helpertest import CONFIGURE, ERROR, CallError
import helperfixture

GPU = '0000:01:00.0'
NOBODY = 65534
SECRET = 'cryptomount -u 4e1f0c5e2a574b7e9d0e3f5a1b2c4d6e'

# Preview (and Apply with the digest of what it showed) as another user.
CHILD = r'''
import hashlib, json, sys
from gi.repository import Gio, GLib
conn = Gio.DBusConnection.new_for_address_sync(
    sys.argv[1], Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
    Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)
def call(method, sig, args):
    return conn.call_sync('com.example.Passthrough.Helper', '/com/example/Passthrough/Helper',
                          'com.example.Passthrough.Helper1', method, GLib.Variant(sig, args),
                          None, 0, 60000, None).unpack()
text = call('Preview', '(asa{sv})', ([sys.argv[2]], {}))[0]
out = {'plan': json.loads(text)}
if sys.argv[3] == 'apply':
    digest = hashlib.sha256(text.encode()).hexdigest()
    try:
        reply = call('Apply', '(asa{sv})', ([sys.argv[2]], {'plan-digest': GLib.Variant('s', digest)}))[0]
        out['apply'] = json.loads(reply)['state']
    except GLib.Error as e:
        out['apply'] = e.message
print(json.dumps(out))
'''


def as_nobody():
    os.setgroups([])
    os.setgid(NOBODY)
    os.setuid(NOBODY)


BUS_CONFIG = '''<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:tmpdir=/tmp</listen>
  <policy context="default">
    <allow user="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
'''


class PreviewDisclosure(helpertest.HelperTestCase):

    @classmethod
    def setUpClass(cls):
        # dbusmock's private system bus admits its own user only; callers
        # of other users are what this class is about
        super(helpertest.HelperTestCase, cls).setUpClass()
        if not os.access(helpertest.HELPER, os.X_OK):
            raise unittest.SkipTest(f'{helpertest.HELPER} is not built')
        conf_dir = tempfile.mkdtemp(prefix='pt-helper-bus.')
        cls.addClassCleanup(shutil.rmtree, conf_dir, ignore_errors=True)
        conf = os.path.join(conf_dir, 'system.conf')
        with open(conf, 'w') as f:
            f.write(BUS_CONFIG)
        pid, address = cls.start_dbus(conf=conf)
        cls.system_bus_pid = pid
        os.environ['DBUS_SYSTEM_BUS_ADDRESS'] = address
        cls.bus_address = address

    def setUp(self):
        super().setUp()
        if os.geteuid() != 0:
            self.skipTest('calling as another user needs root')
        self.allow(CONFIGURE)
        grub_cfg = os.path.join(self.root, 'boot/grub/grub.cfg')
        with open(grub_cfg) as f:
            text = f.read()
        with open(grub_cfg, 'w') as f:
            f.write(text.replace('\tlinux ', '\t' + SECRET + '\n\tlinux '))
        os.chmod(grub_cfg, 0o600)
        # the fixture root's own folder is private; the folders inside it
        # are as on a real system
        os.chmod(self.tmp, 0o755)
        os.chmod(self.root, 0o755)

    def preview_as_nobody(self, then='preview'):
        r = subprocess.run([sys.executable, '-c', CHILD, self.bus_address, GPU, then],
                           capture_output=True, text=True, preexec_fn=as_nobody, timeout=120,
                           env=dict(os.environ, HOME='/nonexistent'))
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)

    def custom_cfg_change(self, plan):
        changes = [c for c in plan['changes'] if c['path'] == '/boot/grub/custom.cfg']
        self.assertEqual(len(changes), 1, plan['changes'])
        return changes[0]

    def test_root_only_lines_are_withheld_from_another_user(self):
        change = self.custom_cfg_change(self.preview_as_nobody()['plan'])
        self.assertNotIn('cryptomount', change['diff'])
        self.assertNotIn('4e1f0c5e', json.dumps(change))
        self.assertIn('\\ (lines withheld)', change['diff'])
        self.assertIn('they come from /boot/grub/grub.cfg, which you cannot read yourself', change['withheld'])
        # what is ours stays visible: the title and our markers
        self.assertIn('without passthrough', change['diff'])

    def test_root_sees_every_line(self):
        change = self.custom_cfg_change(json.loads(self.call('Preview', 'asa{sv}', ([GPU], {}))[0]))
        self.assertIn(SECRET, change['diff'])
        self.assertNotIn('withheld', change)

    def test_readable_grub_cfg_is_shown_to_anyone(self):
        os.chmod(os.path.join(self.root, 'boot/grub/grub.cfg'), 0o644)
        change = self.custom_cfg_change(self.preview_as_nobody()['plan'])
        self.assertIn(SECRET, change['diff'])
        self.assertNotIn('withheld', change)

    def test_apply_with_the_digest_of_a_withheld_preview(self):
        # the caller reviewed the plan with lines withheld: the same plan
        out = self.preview_as_nobody('apply')
        self.assertEqual(out['apply'], 'applied', out.get('apply'))
        custom = os.path.join(self.root, 'boot/grub/custom.cfg')
        self.assertIn(SECRET, self.read('boot/grub/custom.cfg'))
        # written as private as the grub.cfg it copies
        self.assertEqual(os.stat(custom).st_mode & 0o777, 0o600)

    def test_get_status_carries_no_file_text(self):
        self.call('Apply', 'asa{sv}', ([GPU], {}))
        r = subprocess.run([sys.executable, '-c', CHILD.split('text = call')[0] +
                            "print(call('GetStatus', '()', ())[0])\n", self.bus_address],
                           capture_output=True, text=True, preexec_fn=as_nobody, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)['state'], 'applied')
        self.assertNotIn('cryptomount', r.stdout)


class FullDiskRecovery(helpertest.HelperTestCase):
    '''A helper killed mid-Apply leaves a journal; the next start cannot
    roll back because /etc is full; Revert says what to do, and once there
    is space the same Revert finishes the roll-back.'''

    def setUp(self):
        super().setUp()
        if os.geteuid() != 0:
            self.skipTest('mounting a tmpfs needs root')
        self.allow(CONFIGURE)
        self.stop_helper()
        etc = os.path.join(self.root, 'etc')
        saved = os.path.join(self.tmp, 'etc-saved')
        shutil.move(etc, saved)
        os.mkdir(etc)
        subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=128k,mode=0755', 'pt-helper-etc', etc], check=True)
        self.addCleanup(subprocess.run, ['umount', etc], check=False)
        for name in os.listdir(saved):
            src = os.path.join(saved, name)
            if os.path.isdir(src):
                shutil.copytree(src, os.path.join(etc, name), symlinks=True)
            else:
                shutil.copy2(src, os.path.join(etc, name))
        self.filler = os.path.join(etc, 'filler')

    def fill(self):
        fd = os.open(self.filler, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            while True:
                os.write(fd, b'\0' * 4096)
        except OSError:
            pass
        finally:
            os.close(fd)

    def test_revert_completes_a_roll_back_once_there_is_space(self):
        before = helperfixture.tree_files(self.root)
        self.start_helper(PASSTHROUGH_FAULT='after-write-1')
        with self.assertRaises(CallError):
            self.call('Apply', 'asa{sv}', ([GPU], {}))
        self.assertEqual(self.helper.wait(10), 99)
        self.helper = None
        self.helper_output.close()
        changed = helperfixture.tree_files(self.root)
        self.assertNotEqual(changed, before)
        self.fill()
        self.start_helper()   # its recovery cannot write: the disk is full
        status = json.loads(self.call('GetStatus')[0])
        self.assertTrue(status['unfinished_transaction'])
        e = self.assertCallError(ERROR + 'Failed', 'Revert', 'a{sv}', ({},))
        self.assertIn('free space on /etc', e.message)
        self.assertIn('passthroughctl revert', e.message)
        os.unlink(self.filler)
        self.assertEqual(json.loads(self.call('Revert', 'a{sv}', ({},))[0])['state'], 'not-applied')
        now = helperfixture.tree_files(self.root)
        for path in before:
            if not path.startswith('var/lib/passthrough/'):
                self.assertEqual(now.get(path), before[path], path)
        self.assertFalse(os.path.exists(os.path.join(self.root, 'var/lib/passthrough/journal.json')))


# The command wrapper of LeftoverAtStart: a regeneration that runs long, a
# group of two processes (the command and a child), as update-initramfs has.
SLOW_REGENERATION = r'''#!/bin/sh
printf '%s\n' "$*" >> "$PASSTHROUGH_TEST_LOG"
case "$*" in
  *update-initramfs*)
    sleep 300 &
    echo "$$ $!" > "$PASSTHROUGH_TEST_PIDFILE"
    wait ;;
esac
'''

# The wrapper of the next start: each command it runs notes whether the
# leftover group was still there when the command started.
NOTE_LEFTOVER = r'''#!/bin/sh
alive=gone
for pid in $(cat "$PASSTHROUGH_TEST_PIDFILE"); do
  if kill -0 "$pid" 2>/dev/null && ! grep -q '^State:.Z' "/proc/$pid/status" 2>/dev/null; then
    alive=alive
  fi
done
printf 'leftover-%s %s\n' "$alive" "$*" >> "$PASSTHROUGH_TEST_LOG"
case "$*" in *update-initramfs*) sleep "${PASSTHROUGH_TEST_RECOVERY_SLEEP:-0}" ;; esac
'''


def process_gone(pid):
    '''True once pid has ended (a zombie whose parent died counts as ended).'''
    try:
        os.kill(pid, 0)
        with open(f'/proc/{pid}/status') as f:
            return any(line.startswith('State:') and 'Z' in line.split()[1] for line in f)
    except (ProcessLookupError, FileNotFoundError):
        return True


def kill_group(pgid):
    '''A failed test leaves no sleeping command behind.'''
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass


class LeftoverAtStart(helpertest.HelperTestCase):
    '''A helper killed (SIGKILL) while its regeneration runs, outside
    systemd (no control group ends the command): the next start of the
    helper ends the command's whole process group before it rolls the files
    back and regenerates again (docs/faults.md).'''

    def write_script(self, name, text):
        path = os.path.join(self.tmp, name)
        with open(path, 'w') as f:
            f.write(text)
        os.chmod(path, 0o755)
        return path

    def test_next_start_ends_the_command_before_it_recovers(self):
        self.allow(CONFIGURE)
        self.stop_helper()
        before = {p: c for p, c in helperfixture.tree_files(self.root).items()
                  if not p.startswith('var/lib/passthrough/')}
        pidfile = os.path.join(self.tmp, 'command.pids')
        slow = self.write_script('slow-regeneration', SLOW_REGENERATION)
        self.start_helper(PASSTHROUGH_COMMAND_WRAPPER=slow, PASSTHROUGH_TEST_PIDFILE=pidfile)
        with self.assertRaises(CallError):   # the reply never comes: the helper dies
            self.call('Apply', 'asa{sv}', ([GPU], {}), timeout=2000)
        for _ in range(200):
            if os.path.exists(pidfile) and os.path.getsize(pidfile) > 0:
                break
            time.sleep(0.05)
        with open(pidfile) as f:
            leader, child = (int(w) for w in f.read().split())
        self.addCleanup(kill_group, leader)
        running = self.read('var/lib/passthrough/running').split()
        self.assertEqual(int(running[0]), leader, 'the running note names the command')
        self.helper.kill()
        self.helper.wait(10)
        self.helper = None
        self.helper_output.close()
        self.assertFalse(process_gone(leader), 'the command outlived the killed helper')
        self.assertFalse(process_gone(child), 'its child outlived the killed helper')
        self.assertTrue(os.path.exists(os.path.join(self.root, 'var/lib/passthrough/journal.json')))

        note = self.write_script('note-leftover', NOTE_LEFTOVER)
        open(self.command_log, 'w').close()
        # a recovery whose regeneration takes longer than the idle time-out
        # (and, in a real guest, than the bus's activation time-out)
        started = time.monotonic()
        self.start_helper(wait_recovery=False, PASSTHROUGH_COMMAND_WRAPPER=note, PASSTHROUGH_TEST_PIDFILE=pidfile,
                          PASSTHROUGH_IDLE_TIMEOUT='5', PASSTHROUGH_TEST_RECOVERY_SLEEP='6')
        # the name is owned before the recovery ends, and calls made
        # meanwhile get their answer at once: the status says "applying",
        # a plan or a change is Busy with its reason
        status = json.loads(self.call('GetStatus', timeout=3000)[0])
        self.assertLess(time.monotonic() - started, 5, 'the name and the first answer waited for the recovery')
        self.assertEqual(status['state'], 'applying')
        for method, signature, args in (('Preview', 'asa{sv}', ([GPU], {})),
                                        ('Apply', 'asa{sv}', ([GPU], {})),
                                        ('Revert', 'a{sv}', ({},))):
            with self.assertRaises(CallError) as refused:
                self.call(method, signature, args, timeout=3000)
            self.assertEqual(refused.exception.name, 'com.example.Passthrough.Error.Busy', method)
            self.assertIn('still undoing a change that was cut off', refused.exception.message)
        self.assertTrue(os.path.exists(os.path.join(self.root, 'var/lib/passthrough/journal.json')),
                        'the recovery ended before the calls it should have overlapped')
        deadline = time.monotonic() + 60
        while json.loads(self.call('GetStatus')[0])['state'] == 'applying':
            self.assertLess(time.monotonic(), deadline, 'the recovery never ended')
            time.sleep(0.2)
        # the idle time counts from the end of the recovery, so a caller who
        # gave up meanwhile still finds it
        time.sleep(1)
        self.assertIsNone(self.helper.poll(), 'the helper exited as idle right after a long recovery')
        for pid in (leader, child):
            for _ in range(50):
                if process_gone(pid):
                    break
                time.sleep(0.1)
            self.assertTrue(process_gone(pid), f'process {pid} of the leftover command still runs')
        with open(self.command_log) as f:
            ran = [line.rstrip('\n') for line in f if line.strip()]
        self.assertTrue(any('update-initramfs' in line for line in ran),
                        f'the recovery regenerates again: {ran}')
        self.assertEqual([line for line in ran if not line.startswith('leftover-gone ')], [],
                         'every recovery command started after the leftover had ended')
        self.assertIn(f'Ending the command (process {leader})', self.read_helper_log())
        for rel in ('journal.json', 'running'):
            self.assertFalse(os.path.exists(os.path.join(self.root, 'var/lib/passthrough', rel)), rel)
        now = helperfixture.tree_files(self.root)
        for path in before:
            self.assertEqual(now.get(path), before[path], path)
        status = json.loads(self.call('GetStatus')[0])
        self.assertEqual(status['state'], 'not-applied')
        self.assertFalse(status['unfinished_transaction'])


if __name__ == '__main__':
    helpertest.main()
