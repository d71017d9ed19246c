#!/usr/bin/python3
# The helper's methods on a private system bus: each allowed and each denied
# (AccessDenied, and every file of the root byte-identical), runtime binding,
# one transaction at a time, a transaction that outlives its caller, idle exit.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import json
import os
import threading
import time

from gi.repository import Gio, GLib

import helpertest
from helpertest import ACCESS_DENIED, BIND, CONFIGURE, ERROR, CallError

GPU = '0000:01:00.0'
GPU_AUDIO = '0000:01:00.1'


class ReadOnlyMethods(helpertest.HelperTestCase):
    '''GetTopology and GetReadiness need no authorization at all.'''

    def test_get_topology_without_any_authorization(self):
        self.allow()
        before = self.digest()
        topology = json.loads(self.call('GetTopology')[0])
        addresses = [d['address'] for g in topology['groups'] for d in g['devices']]
        self.assertIn(GPU, addresses)
        self.assertIn(GPU_AUDIO, addresses)
        gpu = next(d for g in topology['groups'] for d in g['devices'] if d['address'] == GPU)
        self.assertEqual(gpu['vendor'], '10de')
        self.assertEqual(gpu['kind'], 'gpu')
        self.assertEqual(self.digest(), before)

    def test_get_readiness_without_any_authorization(self):
        self.allow()
        checks = json.loads(self.call('GetReadiness')[0])['checks']
        codes = {c['code']: c['ok'] for c in checks}
        self.assertTrue(codes, checks)
        for c in checks:
            self.assertIn('message', c)

    def test_get_topology_follows_the_root(self):
        # The helper rescans on every call: a device removed from the root
        # is gone from the next answer.
        import shutil
        shutil.rmtree(os.path.join(self.root, 'sys/devices/pci0000:00/0000:00:1d.0'))
        os.unlink(os.path.join(self.root, 'sys/bus/pci/devices/0000:04:00.0'))
        os.unlink(os.path.join(self.root, 'sys/bus/pci/devices/0000:04:00.1'))
        os.unlink(os.path.join(self.root, 'sys/bus/pci/devices/0000:00:1d.0'))
        shutil.rmtree(os.path.join(self.root, 'sys/kernel/iommu_groups/5'))
        topology = json.loads(self.call('GetTopology')[0])
        addresses = [d['address'] for g in topology['groups'] for d in g['devices']]
        self.assertNotIn('0000:04:00.0', addresses)

    def test_version_property(self):
        # docs/dbus.md: Version is meson's project version, readable by
        # anyone with Properties.Get, and nobody can set it.
        import re
        with open(os.path.join(helpertest.SOURCE_ROOT, 'meson.build')) as f:
            version = re.search(r"^project\([^)]*?version: '([^']+)'", f.read(), re.S | re.M).group(1)
        self.allow()
        reply = self.conn.call_sync(helpertest.BUS_NAME, helpertest.OBJECT_PATH, 'org.freedesktop.DBus.Properties',
                                    'Get', GLib.Variant('(ss)', (helpertest.INTERFACE, 'Version')),
                                    None, 0, 10000, None)
        self.assertEqual(reply.unpack(), (version,))
        with self.assertRaises(GLib.Error) as cm:
            self.conn.call_sync(helpertest.BUS_NAME, helpertest.OBJECT_PATH, 'org.freedesktop.DBus.Properties',
                                'Set', GLib.Variant('(ssv)', (helpertest.INTERFACE, 'Version', GLib.Variant('s', '9'))),
                                None, 0, 10000, None)
        self.assertEqual(Gio.DBusError.get_remote_error(cm.exception), 'org.freedesktop.DBus.Error.InvalidArgs')

    def test_unknown_method_is_refused_by_the_bus_object(self):
        with self.assertRaises(CallError) as cm:
            self.call('SetRoot', 's', ('/tmp',))
        self.assertEqual(cm.exception.name, 'org.freedesktop.DBus.Error.UnknownMethod')


class Denied(helpertest.HelperTestCase):
    '''With polkit refusing everything, every privileged method is
    AccessDenied and nothing under the root changes, no command runs.'''

    def setUp(self):
        super().setUp()
        self.allow()
        self.before = self.digest()

    def tearDown(self):
        self.assertEqual(self.digest(), self.before, 'the root changed')
        self.assertEqual(self.commands(), [])
        super().tearDown()

    def test_apply_denied(self):
        e = self.assertCallError(ACCESS_DENIED, 'Apply', 'asa{sv}', ([GPU, GPU_AUDIO], {}))
        self.assertIn('Nothing was changed', e.message)

    def test_revert_denied(self):
        self.assertCallError(ACCESS_DENIED, 'Revert', 'a{sv}', ({},))

    def test_confirm_denied(self):
        self.assertCallError(ACCESS_DENIED, 'Confirm', 'a{sv}', ({},))

    def test_bind_denied(self):
        self.assertCallError(ACCESS_DENIED, 'Bind', 's', (GPU,))

    def test_unbind_denied(self):
        self.assertCallError(ACCESS_DENIED, 'Unbind', 's', (GPU,))

    def test_bind_needs_the_bind_action_not_configure(self):
        self.allow(CONFIGURE)
        self.assertCallError(ACCESS_DENIED, 'Bind', 's', (GPU,))
        self.assertCallError(ACCESS_DENIED, 'Unbind', 's', (GPU,))

    def test_configure_needs_the_configure_action_not_bind(self):
        self.allow(BIND)
        self.assertCallError(ACCESS_DENIED, 'Apply', 'asa{sv}', ([GPU, GPU_AUDIO], {}))
        self.assertCallError(ACCESS_DENIED, 'Revert', 'a{sv}', ({},))
        self.assertCallError(ACCESS_DENIED, 'Confirm', 'a{sv}', ({},))

    def test_interactive_call_denied_too(self):
        with self.assertRaises(CallError) as cm:
            self.call('Apply', 'asa{sv}', ([GPU], {}), interactive=True)
        self.assertEqual(cm.exception.name, ACCESS_DENIED)

    def test_polkit_gone_is_a_denial(self):
        self.stop_process(self.polkitd)
        self.assertCallError(ACCESS_DENIED, 'Bind', 's', (GPU,))
        self.assertCallError(ACCESS_DENIED, 'Apply', 'asa{sv}', ([GPU], {}))


class RuntimeBinding(helpertest.HelperTestCase):
    '''Bind/Unbind: the kernel's driver_override interface under the root.'''

    def setUp(self):
        super().setUp()
        self.allow(BIND)

    def override(self, address):
        return self.read(f'sys/bus/pci/devices/{address}/driver_override')

    def test_bind_hands_the_slot_to_vfio_pci(self):
        progress = []
        sub = self.conn.signal_subscribe(helpertest.BUS_NAME, helpertest.INTERFACE, 'Progress',
                                         helpertest.OBJECT_PATH, None, 0,
                                         lambda *a: progress.append(a[5].unpack()))
        self.assertEqual(self.call('Bind', 's', (GPU,)), ())
        self.assertEqual(self.override(GPU), 'vfio-pci\n')
        self.assertEqual(self.override(GPU_AUDIO), 'vfio-pci\n')
        # each function unbound from the driver it had, then reprobed
        self.assertEqual(self.read('sys/bus/pci/drivers/nouveau/unbind'), GPU + '\n')
        self.assertEqual(self.read('sys/bus/pci/drivers/snd_hda_intel/unbind'), GPU_AUDIO + '\n')
        self.assertEqual(self.read('sys/bus/pci/drivers_probe'), GPU_AUDIO + '\n')
        # modprobe ran first, inside the root, through the wrapper
        self.assertEqual(self.commands(), [['chroot', self.root, 'modprobe', 'vfio-pci']])
        # untouched: other devices
        self.assertEqual(self.override('0000:04:00.0'), '(null)\n')
        ctx = GLib.MainContext.default()
        deadline = time.monotonic() + 5
        while not any(p[1] == 'probe' for p in progress) and time.monotonic() < deadline:
            ctx.iteration(False)
            time.sleep(0.01)
        self.conn.signal_unsubscribe(sub)
        steps = [p[1] for p in progress]
        messages = [p[3] for p in progress]
        self.assertIn(f'Taking {GPU} away from nouveau', messages)
        self.assertIn(f'Taking {GPU_AUDIO} away from snd_hda_intel', messages)
        self.assertIn(f'Handing {GPU_AUDIO} to vfio-pci', messages)
        self.assertIn('command', steps)
        self.assertIn('probe', steps)
        self.assertEqual(len({p[0] for p in progress}), 1, 'one transaction id')
        self.assertTrue(all(0.0 <= p[2] <= 1.0 for p in progress))

    def test_bind_from_the_audio_function_takes_the_gpu_along(self):
        self.call('Bind', 's', (GPU_AUDIO,))
        self.assertEqual(self.override(GPU), 'vfio-pci\n')
        self.assertEqual(self.override(GPU_AUDIO), 'vfio-pci\n')

    def test_unbind_clears_the_override_and_reprobes(self):
        self.call('Bind', 's', (GPU,))
        self.call('Unbind', 's', (GPU,))
        self.assertEqual(self.override(GPU), '\n')
        self.assertEqual(self.override(GPU_AUDIO), '\n')
        self.assertEqual(self.read('sys/bus/pci/drivers_probe'), GPU_AUDIO + '\n')
        # unbind does not load anything
        self.assertEqual(len(self.commands()), 1)

    def test_unbind_takes_the_device_away_from_vfio_pci(self):
        for addr in (GPU, GPU_AUDIO):
            link = os.path.join(self.root, f'sys/bus/pci/devices/{addr}/driver')
            os.unlink(link)
            os.symlink('../../../../bus/pci/drivers/vfio-pci', link)
        self.call('Unbind', 's', (GPU,))
        self.assertEqual(self.read('sys/bus/pci/drivers/vfio-pci/unbind'), GPU_AUDIO + '\n')
        self.assertEqual(self.read('sys/bus/pci/drivers/nouveau/unbind'), '')

    def assertBlocked(self, address, words):
        before = self.digest()
        e = self.assertCallError(ERROR + 'Blocked', 'Bind', 's', (address,))
        for w in words:
            self.assertIn(w, e.message)
        self.assertEqual(self.digest(), before)
        self.assertEqual(self.commands(), [])

    def test_boot_gpu_is_refused(self):
        self.assertBlocked('0000:00:02.0', ['boots on'])

    def test_gpu_whose_drm_node_a_process_holds_is_refused(self):
        # the in-use trap (docs/machine-knowledge.md): proc/PID/fd -> /dev/dri/cardN
        gpu_dir = os.path.realpath(os.path.join(self.root, f'sys/bus/pci/devices/{GPU}'))
        os.makedirs(os.path.join(gpu_dir, 'drm', 'card1'), exist_ok=True)   # the fixture has it
        os.makedirs(os.path.join(self.root, 'proc/555/fd'))
        with open(os.path.join(self.root, 'proc/555/comm'), 'w') as f:
            f.write('firefox\n')
        os.symlink('/dev/dri/card1', os.path.join(self.root, 'proc/555/fd/7'))
        self.assertBlocked(GPU, ['in use by firefox (pid 555)'])
        self.assertBlocked(GPU_AUDIO, ['in use by firefox (pid 555)'])
        os.unlink(os.path.join(self.root, 'proc/555/fd/7'))
        self.call('Bind', 's', (GPU,))
        self.assertEqual(self.override(GPU), 'vfio-pci\n')

    def test_gpu_with_a_connected_display_is_refused(self):
        self.assertBlocked('0000:04:00.0', ['display connected', 'DP-1'])

    def test_audio_of_a_gpu_with_a_display_is_refused(self):
        self.assertBlocked('0000:04:00.1', ['display connected'])

    def test_controller_of_the_root_disk_is_refused(self):
        self.assertBlocked('0000:02:00.0', ['disk', 'root'])

    def test_default_route_nic_is_refused(self):
        self.assertBlocked('0000:03:00.0', ['default route'])

    def test_bridge_is_refused(self):
        self.assertBlocked('0000:00:01.0', ['bridge'])

    # An IPv6-only host: no IPv4 default route, ::/0 through the NIC; the
    # kernel's "unreachable" ::/0 on lo (flags RTF_REJECT) is no way out.
    ROUTE_HEADER = ('Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n')
    IPV6_DEFAULT = ('00000000000000000000000000000000 00 00000000000000000000000000000000 00 '
                    'fe800000000000000000000000000001 00000400 00000001 00000000 00000003   enp3s0\n')
    IPV6_LO_REJECT = ('00000000000000000000000000000000 00 00000000000000000000000000000000 00 '
                      '00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo\n')

    def write_fixture(self, rel, text):
        with open(os.path.join(self.root, rel), 'w') as f:
            f.write(text)

    def test_nic_of_the_only_ipv6_default_route_is_refused(self):
        self.write_fixture('proc/net/route', self.ROUTE_HEADER)
        self.write_fixture('proc/net/ipv6_route', self.IPV6_LO_REJECT + self.IPV6_DEFAULT)
        self.assertBlocked('0000:03:00.0', ['default route'])

    def test_nic_of_an_nfs_mount_is_refused(self):
        # no default route at all: /home comes over 192.168.1.0/24 on enp3s0
        self.write_fixture('proc/net/route', self.ROUTE_HEADER +
                           'enp3s0\t0001A8C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0\n')
        self.write_fixture('proc/net/ipv6_route', self.IPV6_LO_REJECT)
        with open(os.path.join(self.root, 'proc/self/mountinfo'), 'a') as f:
            f.write('40 22 0:45 / /home rw,relatime shared:50 - nfs4 192.168.1.10:/export/home rw,vers=4.2\n')
        self.assertBlocked('0000:03:00.0', ['network file system', 'NFS'])

    def test_nic_of_a_cifs_mount_by_name_is_refused(self):
        # a server by name leaves by the default route: here IPv6 only
        self.write_fixture('proc/net/route', self.ROUTE_HEADER)
        self.write_fixture('proc/net/ipv6_route', self.IPV6_DEFAULT)
        with open(os.path.join(self.root, 'proc/self/mountinfo'), 'a') as f:
            f.write('41 22 0:46 / /srv/media rw,relatime shared:51 - cifs //nas.lan/media rw,vers=3.1.1\n')
        self.assertBlocked('0000:03:00.0', ['network file system'])

    def test_unbind_of_a_device_not_on_vfio_pci_says_so(self):
        before = self.digest()
        e = self.assertCallError(ERROR + 'Failed', 'Unbind', 's', (GPU,))
        self.assertIn(f'{GPU} is not on vfio-pci (its driver is nouveau)', e.message)
        self.assertIn('nothing was changed', e.message)
        self.assertEqual(self.digest(), before)
        self.assertEqual(self.override(GPU), '(null)\n')

    def test_failed_modprobe_changes_nothing(self):
        self.stop_helper()
        self.start_helper(PASSTHROUGH_TEST_FAIL_ON='modprobe')
        before = self.digest()
        e = self.assertCallError(ERROR + 'Failed', 'Bind', 's', (GPU,))
        self.assertIn('modprobe vfio-pci', e.message)
        self.assertEqual(self.digest(), before)


class OneAtATime(helpertest.HelperTestCase):
    '''One transaction at a time; it finishes even when its caller leaves;
    the helper stays while it runs and exits when idle.'''

    helper_env = {'PASSTHROUGH_TEST_SLEEP': '1.5'}

    def setUp(self):
        super().setUp()
        self.allow(BIND, CONFIGURE)

    def test_second_caller_is_busy(self):
        results = {}

        def first():
            conn = self.connect()
            try:
                results['first'] = self.call('Bind', 's', (GPU,), conn=conn)
            except CallError as e:
                results['first'] = e.name
            conn.close_sync(None)

        t = threading.Thread(target=first)
        t.start()
        deadline = time.monotonic() + 5
        while not self.commands() and time.monotonic() < deadline:
            time.sleep(0.02)
        self.assertEqual(len(self.commands()), 1, 'the first Bind is running')
        e = self.assertCallError(ERROR + 'Busy', 'Unbind', 's', (GPU,))
        self.assertIn('try again', e.message)
        self.assertCallError(ERROR + 'Busy', 'Revert', 'a{sv}', ({},))
        self.assertCallError(ERROR + 'Busy', 'Apply', 'asa{sv}', ([GPU, GPU_AUDIO], {}))
        # read-only calls are still answered while it runs
        self.assertTrue(self.call('GetTopology')[0].startswith('{'))
        t.join(10)
        self.assertEqual(results['first'], ())
        # no interleaving: only the first one's command ran, and its writes
        self.assertEqual(len(self.commands()), 1)
        self.assertEqual(self.read(f'sys/bus/pci/devices/{GPU}/driver_override'), 'vfio-pci\n')
        # and once it is done, the next one goes through
        self.call('Unbind', 's', (GPU,))
        self.assertEqual(self.read(f'sys/bus/pci/devices/{GPU}/driver_override'), '\n')

    def test_transaction_finishes_when_its_caller_leaves(self):
        conn = self.connect()
        conn.call(helpertest.BUS_NAME, helpertest.OBJECT_PATH, helpertest.INTERFACE, 'Bind',
                  GLib.Variant('(s)', (GPU,)), None, 0, -1, None, None, None)
        conn.flush_sync(None)
        deadline = time.monotonic() + 5
        while not self.commands() and time.monotonic() < deadline:
            time.sleep(0.02)
        conn.close_sync(None)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.read('sys/bus/pci/drivers_probe') == GPU_AUDIO + '\n':
                break
            time.sleep(0.05)
        self.assertEqual(self.read(f'sys/bus/pci/devices/{GPU}/driver_override'), 'vfio-pci\n')
        self.assertEqual(self.read('sys/bus/pci/drivers_probe'), GPU_AUDIO + '\n')
        self.assertIsNone(self.helper.poll())

    def test_sigterm_waits_for_the_transaction(self):
        result = {}

        def bind():
            conn = self.connect()
            result['reply'] = self.call('Bind', 's', (GPU,), conn=conn)
            conn.close_sync(None)

        t = threading.Thread(target=bind)
        t.start()
        deadline = time.monotonic() + 5
        while not self.commands() and time.monotonic() < deadline:
            time.sleep(0.02)
        self.helper.terminate()
        time.sleep(0.3)
        self.assertIsNone(self.helper.poll(), 'still running its transaction')
        t.join(10)
        self.assertEqual(result.get('reply'), ())
        self.assertEqual(self.helper.wait(5), 0)
        self.assertEqual(self.read('sys/bus/pci/drivers_probe'), GPU_AUDIO + '\n')

    def test_idle_exit_waits_for_the_transaction(self):
        self.stop_helper()
        self.start_helper(PASSTHROUGH_IDLE_TIMEOUT='1', PASSTHROUGH_TEST_SLEEP='2.5')
        start = time.monotonic()
        self.call('Bind', 's', (GPU,))
        self.assertGreaterEqual(time.monotonic() - start, 2.5)
        # alive right after a 2.5 s transaction, with a 1 s idle timeout
        self.assertIsNone(self.helper.poll())
        self.assertEqual(self.helper.wait(5), 0)
        self.assertGreaterEqual(time.monotonic() - start, 3.4)

    def test_idle_exit_after_the_last_call(self):
        self.stop_helper()
        self.start_helper(PASSTHROUGH_IDLE_TIMEOUT='1')
        self.call('GetTopology')
        start = time.monotonic()
        self.assertEqual(self.helper.wait(5), 0)
        self.assertGreaterEqual(time.monotonic() - start, 0.9)


class Activation(helpertest.HelperTestCase):
    '''The bus starts the helper on the first call through a D-Bus service
    file (the installed one, with Exec= pointing at the build and the test
    environment), and again after it exited when idle.'''

    def setUp(self):
        super().setUp()
        self.stop_helper()
        import configparser
        installed = configparser.ConfigParser(interpolation=None)
        installed.optionxform = str
        installed.read(os.path.join(helpertest.BUILD_ROOT, 'data', 'dbus',
                                    'com.example.Passthrough.Helper.service'))
        section = installed['D-BUS Service']
        env = ' '.join(f'{k}={v}' for k, v in self.env_for_helper(PASSTHROUGH_IDLE_TIMEOUT='1').items()
                       if k.startswith(('PASSTHROUGH_', 'DBUS_SYSTEM_BUS_ADDRESS', 'G_DEBUG')))
        section['Exec'] = f'/usr/bin/env {env} {helpertest.HELPER}'
        self.service = os.path.join(self.get_services_dir(True), section['Name'] + '.service')
        with open(self.service, 'w') as f:
            installed.write(f)
        self.addCleanup(os.unlink, self.service)
        self.conn.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus',
                            'ReloadConfig', None, None, 0, -1, None)

    def owner(self):
        return self.conn.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus',
                                   'NameHasOwner', GLib.Variant('(s)', (helpertest.BUS_NAME,)), None, 0,
                                   -1, None).unpack()[0]

    def test_activated_on_demand_and_again_after_idle_exit(self):
        self.assertFalse(self.owner())
        self.assertIn('groups', json.loads(self.call('GetTopology')[0]))
        self.assertTrue(self.owner())
        deadline = time.monotonic() + 10
        while self.owner() and time.monotonic() < deadline:
            time.sleep(0.1)
        self.assertFalse(self.owner(), 'the helper exits when idle')
        self.allow(BIND)
        self.call('Bind', 's', (GPU,))
        self.assertEqual(self.read(f'sys/bus/pci/devices/{GPU}/driver_override'), 'vfio-pci\n')


class WithEngine(helpertest.HelperTestCase):
    '''GetStatus, Preview, Apply, Revert, Confirm allowed (needs the engine).'''

    def setUp(self):
        super().setUp()
        self.allow(CONFIGURE)

    def test_get_status_and_preview_need_no_authorization(self):
        self.allow()
        before = self.digest()
        status = json.loads(self.call('GetStatus')[0])
        self.assertEqual(status['state'], 'not-applied')
        plan = json.loads(self.call('Preview', 'asa{sv}', ([GPU], {}))[0])
        self.assertIn(GPU_AUDIO, plan['devices'])
        self.assertTrue(plan['changes'])
        for change in plan['changes']:
            # only changed lines with context, never the whole file
            self.assertNotIn('GRUB_TIMEOUT=5\nGRUB_DISTRIBUTOR', change.get('diff', ''))
        self.assertEqual(self.digest(), before)

    def test_preview_and_apply_by_ids(self):
        # select-ids (docs/select-ids.md): the GPU by its IDs, its audio by the slot rule
        by_address = json.loads(self.call('Preview', 'asa{sv}', ([GPU], {}))[0])
        ids = {'select-ids': GLib.Variant('as', ['10de:2184'])}
        by_ids = json.loads(self.call('Preview', 'asa{sv}', ([], ids))[0])
        self.assertEqual(by_ids, by_address)
        both = json.loads(self.call('Preview', 'asa{sv}', ([GPU], ids))[0])
        self.assertEqual(both['devices'], [GPU, GPU_AUDIO])
        status = json.loads(self.call('Apply', 'asa{sv}', ([], ids))[0])
        self.assertEqual(sorted(d['address'] for d in status['devices']), [GPU, GPU_AUDIO])

    def test_apply_then_revert(self):
        before = helpertest.helperfixture.tree_files(self.root)
        status = json.loads(self.call('Apply', 'asa{sv}', ([GPU], {}))[0])
        self.assertEqual(status['state'], 'applied')
        self.assertTrue(status['pending_reboot'])
        self.assertIn('vfio-pci.ids=10de:2184,10de:1aeb', self.read('etc/default/grub'))
        self.assertTrue(self.commands(), 'regeneration ran through the wrapper')
        status = json.loads(self.call('Revert', 'a{sv}', ({},))[0])
        self.assertEqual(status['state'], 'not-applied')
        after = helpertest.helperfixture.tree_files(self.root)
        for path in ('etc/default/grub', 'etc/initramfs-tools/modules'):
            self.assertEqual(after[path], before[path])

    def test_history_keeps_the_latest_entries(self):
        # a state file with a long past: the helper reads it on every call
        # and rewrites it on every Apply, so it must not grow without end
        old = [{'time': f'2020-01-01T00:00:{i % 60:02d}Z', 'action': 'apply' if i % 2 == 0 else 'revert',
                'devices': [GPU], 'commands_ran': True} for i in range(150)]
        path = os.path.join(self.root, 'var/lib/passthrough/state.json')
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w') as f:
            json.dump({'format': 1, 'applied': None, 'history': old}, f)
        self.assertEqual(len(json.loads(self.call('GetStatus')[0])['history']), 150)
        status = json.loads(self.call('Apply', 'asa{sv}', ([GPU], {}))[0])
        self.assertEqual(status['state'], 'applied')
        self.assertEqual(len(status['history']), 100)
        self.assertEqual(status['history'][-1]['action'], 'apply')
        self.assertEqual(status['history'][:-1], old[-99:])
        status = json.loads(self.call('Revert', 'a{sv}', ({},))[0])
        self.assertEqual(len(status['history']), 100)
        self.assertEqual(status['history'][-1]['action'], 'revert')

    def test_apply_with_a_stale_digest_is_plan_changed(self):
        before = self.digest()
        self.assertCallError(ERROR + 'PlanChanged', 'Apply', 'asa{sv}',
                             ([GPU], {'plan-digest': GLib.Variant('s', '0' * 64)}))
        self.assertEqual(self.digest(), before)

    def test_apply_with_the_reviewed_digest(self):
        import hashlib
        plan = self.call('Preview', 'asa{sv}', ([GPU], {}))[0]
        digest = hashlib.sha256(plan.encode()).hexdigest()
        status = json.loads(self.call('Apply', 'asa{sv}', ([GPU], {'plan-digest': GLib.Variant('s', digest)}))[0])
        self.assertEqual(status['state'], 'applied')

    def test_blocked_plan_is_refused(self):
        before = self.digest()
        self.assertCallError(ERROR + 'Blocked', 'Apply', 'asa{sv}', (['0000:02:00.0'], {}))
        self.assertEqual(self.digest(), before)

    def test_confirm_without_a_trial(self):
        before = self.digest()
        e = self.assertCallError(ERROR + 'Failed', 'Confirm', 'a{sv}', ({},))
        self.assertIn('no trial', e.message)
        self.assertEqual(self.digest(), before)

    def test_trial_then_confirm(self):
        status = json.loads(self.call('Apply', 'asa{sv}', ([GPU], {'trial': GLib.Variant('b', True)}))[0])
        self.assertEqual(status['state'], 'trial-armed')
        self.assertIn('grub-reboot', [c[2] for c in self.commands()])
        self.assertNotIn('vfio-pci.ids=', self.read('etc/default/grub'), 'the default entry stays as it was')
        status = json.loads(self.call('Confirm', 'a{sv}', ({},))[0])
        self.assertEqual(status['state'], 'applied')
        self.assertIn('vfio-pci.ids=', self.read('etc/default/grub'))

    def test_progress_carries_the_regeneration_output(self):
        progress = []
        sub = self.conn.signal_subscribe(helpertest.BUS_NAME, helpertest.INTERFACE, 'Progress',
                                         helpertest.OBJECT_PATH, None, 0,
                                         lambda *a: progress.append(a[5].unpack()))
        self.call('Apply', 'asa{sv}', ([GPU], {}))
        ctx = GLib.MainContext.default()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not any('ran: ' in p[3] for p in progress):
            ctx.iteration(False)
            time.sleep(0.01)
        self.conn.signal_unsubscribe(sub)
        messages = [p[3] for p in progress]
        self.assertTrue(any('update-initramfs' in m for m in messages), messages)
        # the wrapper's own output line, streamed through the helper
        self.assertTrue(any(m.startswith('ran: chroot') or 'ran: chroot' in m for m in messages), messages)
        self.assertEqual(len({p[0] for p in progress}), 1, 'one transaction id')

    def test_regeneration_failure_restores_the_files(self):
        self.stop_helper()
        self.start_helper(PASSTHROUGH_TEST_FAIL_ON='update-initramfs')
        grub = self.read('etc/default/grub')
        modules = self.read('etc/initramfs-tools/modules')
        e = self.assertCallError(ERROR + 'RegenerationFailed', 'Apply', 'asa{sv}', ([GPU], {}))
        self.assertIn('update-initramfs', e.message)
        self.assertEqual(self.read('etc/default/grub'), grub)
        self.assertEqual(self.read('etc/initramfs-tools/modules'), modules)
        self.assertEqual(json.loads(self.call('GetStatus')[0])['state'], 'not-applied')


class ConcurrentApply(helpertest.HelperTestCase):
    '''Two Apply calls at once: one runs, the other is Busy; no interleaving.'''

    helper_env = {'PASSTHROUGH_TEST_SLEEP': '1'}

    def setUp(self):
        super().setUp()
        self.allow(CONFIGURE)

    def test_two_applies(self):
        results = []
        barrier = threading.Barrier(2)

        def apply():
            conn = self.connect()
            barrier.wait()
            try:
                status = json.loads(self.call('Apply', 'asa{sv}', ([GPU], {}), conn=conn)[0])
                results.append(('ok', status['state']))
            except CallError as e:
                results.append((e.name, e.message))
            conn.close_sync(None)

        threads = [threading.Thread(target=apply) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual(sorted(r[0] for r in results), sorted(['ok', ERROR + 'Busy']), results)
        # the commands of one transaction only, each once, in order
        names = [c[2] for c in self.commands()]  # chroot ROOT COMMAND …
        self.assertEqual(names, ['update-initramfs', 'grub-mkconfig'])
        self.assertEqual(self.read('etc/default/grub').count('vfio-pci.ids='), 1)

    def test_status_says_applying_while_a_transaction_runs(self):
        # GetStatus needs no authorization and is answered while Apply runs
        # (each command of it takes a second here): it says "applying", not
        # "not-applied" with an unfinished transaction
        done = []

        def apply():
            conn = self.connect()
            try:
                done.append(json.loads(self.call('Apply', 'asa{sv}', ([GPU], {}), conn=conn)[0])['state'])
            finally:
                conn.close_sync(None)

        thread = threading.Thread(target=apply)
        thread.start()
        seen = []
        while thread.is_alive() and len(seen) < 400:
            seen.append(json.loads(self.call('GetStatus')[0])['state'])
            time.sleep(0.02)
        thread.join(60)
        self.assertEqual(done, ['applied'])
        self.assertIn('applying', seen)
        self.assertNotIn('not-applied', seen[seen.index('applying'):])
        self.assertEqual(json.loads(self.call('GetStatus')[0])['state'], 'applied')

if __name__ == '__main__':
    helpertest.main()
