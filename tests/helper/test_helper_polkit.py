#!/usr/bin/python3
# What the helper asks polkit: the subject is the caller's unique bus name,
# the action is the one of the method's row, the validated devices and their
# IDs are in the details, and interaction is allowed exactly when the caller
# set ALLOW_INTERACTIVE_AUTHORIZATION.  Read-only methods ask nothing.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import pty
import select

import helpertest
from helpertest import BIND, CONFIGURE, CallError

GPU = '0000:01:00.0'
GPU_AUDIO = '0000:01:00.1'
TEMPLATE = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'polkitd_recording.py')
ALLOW_USER_INTERACTION = 1


class PolkitQuestions(helpertest.HelperTestCase):

    def setUp(self):
        # a recording polkitd instead of dbusmock's own
        orig = self.spawn_server_template

        def spawn(template, params, stdout=None):
            return orig(TEMPLATE, params, stdout=stdout)
        self.spawn_server_template = spawn
        super().setUp()
        self.unique_name = self.conn.get_unique_name()

    def checks(self):
        return [tuple(c) for c in self.polkitd_obj.GetChecks()]

    def test_read_only_methods_ask_nothing(self):
        self.call('GetTopology')
        self.call('GetReadiness')
        try:
            self.call('GetStatus')
            self.call('Preview', 'asa{sv}', ([GPU], {}))
        except CallError:
            pass
        self.assertEqual(self.checks(), [])

    def test_apply_question(self):
        self.allow()
        with self.assertRaises(CallError):
            self.call('Apply', 'asa{sv}', ([GPU, GPU_AUDIO], {}))
        [(kind, subject, action, details, flags)] = self.checks()
        self.assertEqual(kind, 'system-bus-name')
        self.assertEqual(subject, {'name': self.unique_name})
        self.assertEqual(action, CONFIGURE)
        self.assertEqual(details['devices'], f'{GPU},{GPU_AUDIO}')
        self.assertEqual(details['ids'], '10de:2184,10de:1aeb')
        self.assertEqual(flags, 0, 'no interaction unless the caller allows it')

    def test_interactive_only_when_the_caller_allows_it(self):
        self.allow()
        for interactive in (True, False, True):
            with self.assertRaises(CallError):
                self.call('Revert', 'a{sv}', ({},), interactive=interactive)
        flags = [c[4] for c in self.checks()]
        self.assertEqual(flags, [ALLOW_USER_INTERACTION, 0, ALLOW_USER_INTERACTION])
        self.assertTrue(all(c[2] == CONFIGURE for c in self.checks()))
        self.assertTrue(all('devices' not in c[3] for c in self.checks()))

    def test_bind_question_names_the_whole_slot(self):
        self.allow(BIND)
        self.call('Bind', 's', (GPU_AUDIO,), interactive=True)
        [(kind, subject, action, details, flags)] = self.checks()
        self.assertEqual(action, BIND)
        self.assertEqual(details['devices'], f'{GPU_AUDIO},{GPU}')
        self.assertEqual(flags, ALLOW_USER_INTERACTION)

    def test_invalid_arguments_never_reach_polkit(self):
        self.allow(BIND, CONFIGURE)
        for method, sig, args in (('Apply', 'asa{sv}', (['$(reboot)'], {})),
                                  ('Bind', 's', ('0000:00:02.0',)),      # blocked: boot GPU
                                  ('Bind', 's', ('0000:09:00.0',))):     # unknown device
            with self.assertRaises(CallError):
                self.call(method, sig, args)
        self.assertEqual(self.checks(), [])

    def test_cli_registers_a_text_agent_in_a_terminal(self):
        # passthroughctl in a terminal (a pty here) with no desktop session:
        # it registers polkit's text agent for its own process before it
        # calls the helper.
        self.allow(BIND)
        env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=self.bus_address, LC_ALL='C.UTF-8')
        for var in ('DISPLAY', 'WAYLAND_DISPLAY', 'PASSTHROUGH_TEXT_AGENT', 'PASSTHROUGH_ROOT'):
            env.pop(var, None)
        pid, fd = pty.fork()
        if pid == 0:
            os.execve(helpertest.PASSTHROUGHCTL, [helpertest.PASSTHROUGHCTL, 'bind', GPU], env)
        output = b''
        while True:
            ready, _, _ = select.select([fd], [], [], 30)
            if not ready:
                break
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            output += chunk
        _, status = os.waitpid(pid, 0)
        self.assertEqual(os.waitstatus_to_exitcode(status), 0, output.decode(errors='replace'))
        agents = [tuple(a) for a in self.polkitd_obj.GetAgents()]
        self.assertEqual(len(agents), 1, agents)
        kind, subject, path = agents[0]
        self.assertEqual(kind, 'unix-process')
        self.assertEqual(int(subject['pid']), pid)
        self.assertEqual(int(subject['uid']), os.getuid())
        self.assertEqual(self.read(f'sys/bus/pci/devices/{GPU}/driver_override'), 'vfio-pci\n')

    def test_cli_registers_no_agent_without_a_terminal(self):
        self.allow(BIND)
        import subprocess
        env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=self.bus_address, LC_ALL='C.UTF-8')
        env.pop('PASSTHROUGH_TEXT_AGENT', None)
        r = subprocess.run([helpertest.PASSTHROUGHCTL, 'bind', GPU], env=env, stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(list(self.polkitd_obj.GetAgents()), [])


if __name__ == '__main__':
    helpertest.main()
