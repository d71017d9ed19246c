#!/usr/bin/python3
# The login notifier (issue 7) on fixture roots in each state, against a
# private session bus with python-dbusmock's notification_daemon: which
# notification is sent (summary and body), or that none is and it exits 0;
# the default action opens the app; an unreadable state is asked of the
# helper on the system bus.
# SPDX-License-Identifier: GPL-3.0-or-later
import json
import os
import subprocess
import sys
import tempfile
import time
import unittest

import dbus
import dbusmock

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), 'engine'))
from enginelib import SOURCE_ROOT, VALGRIND_EXIT, Root  # noqa: E402

NOTIFIER = os.environ.get('PASSTHROUGH_NOTIFIER') or os.path.join(
    os.environ.get('PASSTHROUGH_BUILD_ROOT', ''), 'src', 'notifier', 'passthrough-notifier')
MOCK_IFACE = 'org.freedesktop.DBus.Mock'
GPU = '0000:09:00.0'
TOKENS = 'iommu=pt vfio-pci.ids=1002:73ff,1002:ab28'
WAITS = 'The passthrough trial waits for you'
TRIAL_BODY = ('This is the one-time trial start. If everything works, open Passthrough and confirm it; '
              'otherwise restart to go back.')
NOT_BOUND = ('Navi 23 [Radeon RX 6600/6600 XT/6600M] (0000:09:00.0) is on amdgpu, not on vfio-pci as set up. '
             'Navi 21/23 HDMI/DP Audio Controller (0000:09:00.1) is on snd_hda_intel, not on vfio-pci as set up.')


def wait_for(predicate, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError('timed out waiting for %s' % predicate)


class NotifierTest(dbusmock.DBusTestCase):
    @classmethod
    def setUpClass(cls):
        cls.start_session_bus()
        cls.start_system_bus()
        cls.session = cls.get_dbus(system_bus=False)

    def setUp(self):
        self.start_daemon({'capabilities': 'body'})
        self.root = Root('seed000')
        self.addCleanup(self.root.cleanup)
        self.root.write('proc/sys/kernel/random/boot_id', '5d3e0a9c-armed\n')
        self.snapshot = self.root.snapshot

    def start_daemon(self, parameters):
        if getattr(self, 'daemon', None):
            self.stop_daemon()
        self.daemon, self.mock = self.spawn_server_template('notification_daemon', parameters,
                                                            stdout=subprocess.DEVNULL)
        self.addCleanup(self.stop_daemon)

    def stop_daemon(self):
        if self.daemon:
            self.daemon.terminate()
            self.daemon.wait()
            self.daemon = None

    # ---- the states, made with passthroughctl on the fixture root ----

    def booted(self, boot_id, with_args, drivers=None):
        self.root.write('proc/sys/kernel/random/boot_id', boot_id + '\n')
        cmdline = self.root.read('proc/cmdline').strip().replace(' ' + TOKENS, '')
        self.root.write('proc/cmdline', cmdline + (' ' + TOKENS if with_args else '') + '\n')
        if drivers:
            with open(self.root.snapshot) as f:
                snap = json.load(f)
            for g in snap['groups']:
                for d in g['devices']:
                    if d['address'].startswith('0000:09:00.'):
                        d['driver'] = drivers
            self.snapshot = os.path.join(self.root.tmp, 'booted.json')
            with open(self.snapshot, 'w') as f:
                json.dump(snap, f)

    def apply(self, *extra):
        r = self.root.run('apply', '--select', GPU, *extra)
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)

    # ---- the notifier ----

    def run_notifier(self, env=None, snapshot=True):
        cmd = [NOTIFIER, '--root', self.root.path]
        if snapshot:
            cmd += ['--snapshot', self.snapshot]
        e = dict(os.environ)
        e.update(env or {})
        # Under `meson test --setup valgrind` every run goes through memcheck.
        if os.environ.get('PASSTHROUGH_VALGRIND'):
            cmd = ['valgrind', '--error-exitcode=%d' % VALGRIND_EXIT, '--leak-check=full',
                   '--errors-for-leak-kinds=definite', '--quiet',
                   '--suppressions=' + os.path.join(SOURCE_ROOT, 'tests', 'valgrind.supp')] + cmd
        r = subprocess.run(cmd, capture_output=True, text=True, env=e, timeout=1200)
        self.assertNotEqual(r.returncode, VALGRIND_EXIT, r.stderr)
        return r

    def notifications(self):
        return [(str(c[1][3]), str(c[1][4]), [str(a) for a in c[1][5]], {str(k): v for k, v in c[1][6].items()})
                for c in self.mock.GetMethodCalls('Notify', dbus_interface=MOCK_IFACE)]

    def assertNotified(self, summary, body, code):
        r = self.run_notifier()
        self.assertEqual(r.returncode, 0, r.stderr)
        sent = self.notifications()
        self.assertEqual([(s, b) for s, b, _, _ in sent], [(summary, body)])
        self.assertEqual(sent[0][3]['desktop-entry'], 'com.example.Passthrough')
        self.assertEqual(sent[0][3]['x-passthrough-code'], code)
        self.assertEqual(sent[0][2], [], 'no actions where the server shows none')

    def assertSilent(self):
        r = self.run_notifier()
        self.assertEqual((r.returncode, r.stdout), (0, ''))
        if not os.environ.get('PASSTHROUGH_VALGRIND'):
            self.assertEqual(r.stderr, '')
        self.assertEqual(self.notifications(), [])

    def test_nothing_applied_is_silent(self):
        self.assertSilent()

    def test_armed_trial_is_silent(self):
        # armed in this very start: the person has just done it
        self.apply('--trial')
        self.assertSilent()

    def test_trial_booted_waits_for_confirmation(self):
        self.apply('--trial')
        self.booted('7f2e-trial', with_args=True, drivers='vfio-pci')
        self.assertNotified(WAITS, TRIAL_BODY, 'trial-booted')

    def test_trial_booted_with_a_device_not_bound(self):
        self.apply('--trial')
        self.booted('7f2e-trial', with_args=True)
        self.assertNotified(WAITS, 'This is the one-time trial start. %s Open Passthrough before you confirm, '
                            'or restart to go back.' % NOT_BOUND, 'trial-booted')

    def test_trial_fell_back(self):
        self.apply('--trial')
        self.booted('0b1c-fell-back', with_args=False)
        self.assertNotified('The passthrough trial did not stay',
                            'This start uses the setup from before: the trial start did not come up or was not '
                            'confirmed. Open Passthrough to try again or to undo it.', 'trial-fell-back')

    def test_applied_but_not_bound(self):
        self.apply()
        self.booted('7f2e-after', with_args=True)
        self.assertNotified('A device is not ready for virtual machines',
                            NOT_BOUND + ' Open Passthrough to see why.', 'not-bound')

    def test_applied_but_another_card_in_the_slot(self):
        self.apply()
        self.booted('7f2e-after', with_args=True)
        with open(self.snapshot) as f:
            snap = json.load(f)
        for g in snap['groups']:
            for d in g['devices']:
                if d['address'] == GPU:
                    d['device'] = '73bf'
            g['devices'] = [d for d in g['devices'] if d['address'] != '0000:09:00.1']
        self.snapshot = os.path.join(self.root.tmp, 'swapped.json')
        with open(self.snapshot, 'w') as f:
            json.dump(snap, f)
        self.assertNotified('A device is not ready for virtual machines',
                            '0000:09:00.0 now holds a 1002:73bf device, not the 1002:73ff set up: it was left to '
                            'its own driver. No device is at 0000:09:00.1 any more. Open Passthrough to see why.',
                            'not-bound')

    def test_arguments_lost_after_an_update(self):
        # docs/machine-knowledge.md: restarted, and the command line lacks them
        self.apply()
        self.booted('7f2e-after', with_args=False)
        self.assertNotified('The passthrough setup needs a repair',
                            'This start lacks “%s” on its command line, although the setup put them there: a kernel '
                            'update or another tool rewrote the boot entries (or the way-back entry was chosen at the '
                            'boot menu). “passthroughctl repair” puts them back. Open Passthrough to repair it.' % TOKENS,
                            'needs-repair')

    def test_applied_and_bound_is_silent(self):
        self.apply()
        self.booted('7f2e-after', with_args=True, drivers='vfio-pci')
        self.assertSilent()

    def test_applied_waiting_for_its_restart_is_silent(self):
        self.apply()
        self.assertSilent()

    def test_unfinished_change(self):
        r = self.root.run('apply', '--select', GPU, fault='after-write-1')
        self.assertEqual(r.returncode, 99)
        self.assertNotified('A Passthrough change did not finish',
                            'A change to the boot setup was interrupted. Open Passthrough: the next change or undo '
                            'puts the files back first.', 'unfinished')

    def test_default_action_opens_the_app(self):
        self.start_daemon({'capabilities': 'body actions'})
        apps = tempfile.mkdtemp(dir=self.root.tmp)
        opened = os.path.join(self.root.tmp, 'opened')
        os.makedirs(os.path.join(apps, 'applications'))
        with open(os.path.join(apps, 'applications', 'com.example.Passthrough.desktop'), 'w') as f:
            f.write('[Desktop Entry]\nType=Application\nName=Passthrough\nExec=/usr/bin/touch %s\n' % opened)
        self.apply('--trial')
        self.booted('0b1c-fell-back', with_args=False)
        env = dict(os.environ, XDG_DATA_DIRS=apps, XDG_DATA_HOME=os.path.join(self.root.tmp, 'nohome'))
        p = subprocess.Popen([NOTIFIER, '--root', self.root.path, '--snapshot', self.snapshot], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: p.poll() is None and p.kill())
        sent = wait_for(self.notifications)
        self.assertEqual(sent[0][2], ['default', 'Open Passthrough'])
        # it waits for the person
        time.sleep(0.2)
        self.assertIsNone(p.poll())
        self.mock.EmitSignal('org.freedesktop.Notifications', 'ActionInvoked', 'us',
                             [dbus.UInt32(1), 'default'], dbus_interface=MOCK_IFACE)
        out, err = p.communicate(timeout=60)
        self.assertEqual(p.returncode, 0, err)
        wait_for(lambda: os.path.exists(opened))

    def test_closed_without_opening(self):
        self.start_daemon({'capabilities': 'body actions'})
        self.apply('--trial')
        self.booted('0b1c-fell-back', with_args=False)
        p = subprocess.Popen([NOTIFIER, '--root', self.root.path, '--snapshot', self.snapshot],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: p.poll() is None and p.kill())
        wait_for(self.notifications)
        self.mock.CloseNotification(dbus.UInt32(1), dbus_interface='org.freedesktop.Notifications')
        out, err = p.communicate(timeout=60)
        self.assertEqual(p.returncode, 0, err)

    def unreadable_state(self):
        self.apply('--trial')
        state = self.root.file('var/lib/passthrough/state.json')
        os.rename(state, state + '.real')
        os.mkdir(state)   # a read error, for root as for anyone

    def test_unreadable_state_is_asked_of_the_helper(self):
        self.unreadable_state()
        helper = self.spawn_server('com.example.Passthrough.Helper', '/com/example/Passthrough/Helper',
                                   'com.example.Passthrough.Helper1', system_bus=True, stdout=subprocess.DEVNULL)
        self.addCleanup(lambda: (helper.terminate(), helper.wait()))
        obj = self.get_dbus(system_bus=True).get_object('com.example.Passthrough.Helper',
                                                        '/com/example/Passthrough/Helper')
        status = {'state': 'trial-fell-back', 'devices': [], 'pending_reboot': False, 'history': []}
        obj.AddMethod('com.example.Passthrough.Helper1', 'GetStatus', '', 's',
                      'ret = %r' % json.dumps(status), dbus_interface=MOCK_IFACE)
        r = self.run_notifier()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual([s for s, _, _, _ in self.notifications()], ['The passthrough trial did not stay'])

    def test_unreadable_state_and_no_helper(self):
        self.unreadable_state()
        r = self.run_notifier()
        self.assertEqual(r.returncode, 1)
        self.assertIn('Cannot read the Passthrough status', r.stderr)
        self.assertIn('the helper did not answer', r.stderr)
        self.assertEqual(self.notifications(), [])

    def test_no_notification_server(self):
        self.apply('--trial')
        self.booted('0b1c-fell-back', with_args=False)
        self.stop_daemon()
        r = self.run_notifier()
        self.assertEqual(r.returncode, 1)
        self.assertIn('Cannot show the notification', r.stderr)
        self.assertIn('The passthrough trial did not stay', r.stderr)

    def test_bad_usage(self):
        r = subprocess.run([NOTIFIER, 'extra'], capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 2)
        self.assertIn('takes no arguments', r.stderr)


if __name__ == '__main__':
    unittest.main(verbosity=2)
