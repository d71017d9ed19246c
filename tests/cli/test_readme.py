#!/usr/bin/python3
# The README's passthroughctl examples, run as written: every line of its
# ```sh blocks that starts with "passthroughctl" is run by bash, one after the
# other in one directory that has the repository's data/ (so the demo paths
# resolve as from the root of a clone) and the built passthroughctl first on
# PATH.  Each example has a check below that proves what its comment says
# (the comment lines above it and the one after it), not only its exit code,
# and each check names words its comment must still say, so a comment that
# changes without its check fails here.  An example without a check, or a
# check whose example is gone, fails too.
#
# The examples that act on "this machine" run on the machine of the test:
# list and check only read it; apply runs with the system bus pointed at a
# socket nobody listens on, so it can only show that it goes to the root
# helper.  That the helper then asks polkit with interaction allowed is the
# helper suite's proof (tests/helper/test_helper_cli.py, test_helper_polkit.py).
#
# SPDX-License-Identifier: GPL-3.0-or-later

import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixturelib as fx  # noqa: E402

README = os.path.join(fx.SOURCE_ROOT, 'README.md')
TR = 'data/demo/threadripper-x399.json'
TWIN = 'data/demo/twin-gpu.json'


def readme_examples(text):
    """[(command, comment)] for every passthroughctl line of a ```sh block;
    the comment is the # lines right above it and its own trailing one."""
    out = []
    in_sh = False
    pending = []
    for line in text.splitlines():
        fence = re.match(r'^```(\S*)', line)
        if fence:
            in_sh = not in_sh and fence.group(1) in ('sh', 'bash', 'shell')
            pending = []
            continue
        if not in_sh:
            continue
        stripped = line.strip()
        if stripped.startswith('#'):
            pending.append(stripped.lstrip('#').strip())
            continue
        if not stripped:
            pending = []
            continue
        m = re.match(r'^(.*?)(?:\s+#\s+(.*))?$', stripped)
        command, trailing = m.group(1).strip(), m.group(2)
        if command.startswith('passthroughctl'):
            out.append((command, ' '.join(pending + ([trailing] if trailing else []))))
        pending = []
    return out


def demo_devices(path):
    with open(os.path.join(fx.SOURCE_ROOT, path)) as f:
        data = json.load(f)
    return fx.devices_by_address(data), data


class Readme(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(README) as f:
            cls.examples = readme_examples(f.read())
        cls.tmp = tempfile.TemporaryDirectory(prefix='pt-readme-')
        cls.dir = os.path.join(cls.tmp.name, 'clone')
        os.mkdir(cls.dir)
        os.symlink(os.path.join(fx.SOURCE_ROOT, 'data'), os.path.join(cls.dir, 'data'))
        bindir = os.path.join(cls.tmp.name, 'bin')
        os.mkdir(bindir)
        os.symlink(os.path.abspath(fx.CTL), os.path.join(bindir, 'passthroughctl'))
        cls.env = dict(os.environ, PATH=bindir + os.pathsep + os.environ.get('PATH', '/usr/bin:/bin'),
                       LC_ALL='C.UTF-8',
                       # no root helper can answer, whatever this machine has installed
                       DBUS_SYSTEM_BUS_ADDRESS='unix:path=' + os.path.join(cls.tmp.name, 'no-system-bus'))
        cls.results = {}
        for command, _comment in cls.examples:
            cls.results[command] = cls.sh(command)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    @classmethod
    def sh(cls, command):
        return subprocess.run(['bash', '-c', command], cwd=cls.dir, env=cls.env,
                              capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)

    def ctl(self, *args):
        return fx.run(*args, cwd=self.dir)

    def plan_json(self, *args):
        r = self.ctl(*args, '--json')
        self.assertIn(r.returncode, (0, 1), r.stderr)
        return json.loads(r.stdout)

    # -- the checks: command → (words its comment says, check) ------------

    def check_threadripper_list(self, r):
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.startswith(f'Passthrough: snapshot {TR} — 67 devices, 40 IOMMU groups'),
                        r.stdout[:200])
        devices, data = demo_devices(TR)
        self.assertEqual(len(devices), 67)
        self.assertEqual(len(data['groups']), 40)
        [group] = [g for g in data['groups'] if g['id'] == 14]
        self.assertEqual([d['address'] for d in group['devices']], ['0000:08:00.0', '0000:08:00.1'])
        self.assertIn('GTX 1080', devices['0000:08:00.0']['device_name'])
        self.assertEqual(devices['0000:08:00.1']['class'][:4], '0403', 'HD audio')
        block = r.stdout.split('\nIOMMU group 14')[1].split('\n\n')[0]
        self.assertIn('0000:08:00.0  GPU: GP104 [GeForce GTX 1080]', block)
        self.assertIn('0000:08:00.1  Audio device', block)

    def check_threadripper_gpu(self, r):
        self.assertIn(r.returncode, (0, 1), r.stderr)     # 1: blockers of this machine's boot files
        self.assertIn('Devices for vfio', r.stdout)
        self.assertRegex(r.stdout, r'\n  0000:08:00\.0  10de:1b80 .*\(selected\)\n'
                                   r'  0000:08:00\.1  10de:10f0 .*\(same slot as 0000:08:00\.0')
        plan = self.plan_json('--snapshot', TR, 'plan', '--select', '08:00.0')
        self.assertEqual(plan['devices'], ['0000:08:00.0', '0000:08:00.1'], 'the GPU and its audio, nothing else')
        devices, _ = demo_devices(TR)
        self.assertIn('GTX 1080', devices['0000:08:00.0']['device_name'])
        self.assertEqual(devices['0000:08:00.1']['class'][:4], '0403')
        self.assertNotIn('group-not-taken', [b['code'] for b in plan['blockers']])

    def check_threadripper_usb(self, r):
        self.assertEqual(r.returncode, 1, 'a blocker: exit 1')
        self.assertIn('[group-not-taken]', r.stdout)
        plan = self.plan_json('--snapshot', TR, 'plan', '--select', '01:00.0')
        devices, _ = demo_devices(TR)
        self.assertEqual(devices['0000:01:00.0']['class'][:4], '0c03', 'a USB controller')
        self.assertEqual(devices['0000:01:00.0']['group'], 13)
        [blocker] = [b for b in plan['blockers'] if b['code'] == 'group-not-taken']
        self.assertEqual(blocker['devices'], ['0000:04:00.0', '0000:05:00.0', '0000:06:00.0'])
        for nic in blocker['devices']:
            self.assertEqual(devices[nic]['class'][:2], '02', f'{nic} is a network controller')

    def check_twin_json(self, r):
        self.assertEqual(r.returncode, 1, 'a blocker: exit 1')
        plan = json.loads(r.stdout)
        devices, _ = demo_devices(TWIN)
        self.assertIn('GTX 1070', devices['0000:02:00.0']['device_name'])
        self.assertIn('GTX 1070', devices['0000:01:00.0']['device_name'])
        self.assertTrue(devices['0000:01:00.0']['boot_vga'])
        self.assertEqual(devices['0000:02:00.0']['group'], 1)
        self.assertEqual(devices['0000:01:00.0']['group'], 1)
        [blocker] = [b for b in plan['blockers'] if b['code'] == 'group-not-taken']
        self.assertEqual(blocker['devices'], ['0000:01:00.0', '0000:01:00.1'])

    def needs_pci_sysfs(self):
        # a container without /sys/bus/pci has no machine to list
        if not os.path.isdir('/sys/bus/pci/devices'):
            self.skipTest('this machine has no /sys/bus/pci/devices to read')

    def check_host_list(self, r):
        self.needs_pci_sysfs()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.startswith('Passthrough: this machine — '), r.stdout[:200])

    def check_host_check(self, r):
        self.needs_pci_sysfs()
        self.assertIn(r.returncode, (0, 1), r.stderr)
        self.assertTrue(r.stdout.strip(), 'check says something')
        ready = json.loads(self.ctl('check', '--json').stdout)['ready']
        self.assertEqual(r.returncode, 0 if ready else 1, 'exit 0 exactly when ready')

    def check_host_snapshot(self, r):
        self.needs_pci_sysfs()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, '', 'the JSON went to the file')
        with open(os.path.join(self.dir, 'my-machine.json')) as f:
            saved = json.load(f)
        self.assertEqual(saved, json.loads(self.ctl('list', '--json').stdout))

    def check_host_snapshot_list(self, r):
        self.needs_pci_sysfs()
        self.assertEqual(r.returncode, 0, r.stderr)
        here = self.results['passthroughctl list'].stdout
        self.assertTrue(r.stdout.startswith('Passthrough: snapshot my-machine.json — '), r.stdout[:200])
        self.assertEqual(r.stdout.split('\n', 1)[1], here.split('\n', 1)[1], 'the same devices as list')
        self.assertEqual(r.stdout.split(' — ', 1)[1].split('\n')[0], here.split(' — ', 1)[1].split('\n')[0])

    def check_host_apply(self, r):
        self.assertEqual(r.returncode, 1)
        self.assertIn('root helper could not be reached', r.stderr)

    CHECKS = {
        f'passthroughctl --snapshot {TR} list':
            (['67 devices in 40 IOMMU groups', 'GTX 1080', '08:00.0', 'HDMI audio', '08:00.1', 'group 14'],
             check_threadripper_list),
        f'passthroughctl --snapshot {TR} plan --select 08:00.0':
            (['GTX 1080', 'HDMI audio 08:00.1 comes along'], check_threadripper_gpu),
        f'passthroughctl --snapshot {TR} plan --select 01:00.0':
            (['USB controller', 'group 13', 'group-not-taken', '04:00.0, 05:00.0 and 06:00.0'],
             check_threadripper_usb),
        f'passthroughctl --snapshot {TWIN} plan --select 02:00.0 --json':
            (['JSON', 'GTX 1070', 'group 1 ', 'boot GPU 01:00.0', '01:00.1', 'group-not-taken'], check_twin_json),
        'passthroughctl list': (['this machine'], check_host_list),
        'passthroughctl check': (['ready', 'exit 0 only when'], check_host_check),
        'passthroughctl list --json > my-machine.json': (['snapshot of this machine'], check_host_snapshot),
        'passthroughctl --snapshot my-machine.json list': (['the same devices'], check_host_snapshot_list),
        'passthroughctl apply --select 01:00.0': (['root helper', 'polkit', 'administrator password'],
                                                  check_host_apply),
    }

    def test_every_example_has_a_check(self):
        commands = [c for c, _ in self.examples]
        self.assertEqual(len(commands), len(set(commands)), 'an example given twice')
        for c in commands:
            self.assertTrue(c in self.CHECKS, f'README example without a check in {__file__}: {c}')
        for c in self.CHECKS:
            self.assertIn(c, commands, f'{__file__} checks an example the README no longer has: {c}')

    def test_examples_do_what_their_comments_say(self):
        for command, comment in self.examples:
            if command not in self.CHECKS:
                continue
            words, check = self.CHECKS[command]
            with self.subTest(example=command):
                for w in words:
                    self.assertIn(w, comment, f'the comment of “{command}” no longer says “{w}”: '
                                              f'change its check with it')
                r = self.results[command]
                self.assertNotIn('CRITICAL', r.stderr)
                check(self, r)

    def test_the_parser_reads_comments(self):
        text = ('```sh\n# above\n# and more\npassthroughctl a   # trailing\n\n# lost by the blank line\n'
                '\npassthroughctl b\n```\n```\npassthroughctl c  # not a sh block\n```\n')
        self.assertEqual(readme_examples(text), [('passthroughctl a', 'above and more trailing'),
                                                 ('passthroughctl b', '')])


if __name__ == '__main__':
    unittest.main(verbosity=2)
