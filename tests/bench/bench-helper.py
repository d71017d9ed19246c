#!/usr/bin/python3
# bench-helper.py: the root helper's speed on a private system bus (see
# bench-helper.sh).  Prints figures; asserts nothing.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import json
import os
import signal
import statistics
import sys
import tempfile
import time

import dbus
import dbusmock
from gi.repository import Gio, GLib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'helper'))
import helperfixture  # noqa: E402

NAME = 'com.example.Passthrough.Helper'
PATH = '/com/example/Passthrough/Helper'
IFACE = 'com.example.Passthrough.Helper1'
ROUNDS = int(os.environ.get('BENCH_ROUNDS', '20'))


def ms(seconds):
    return f'{seconds * 1000:.1f} ms'


def summary(label, samples, target):
    print(f'{label}: median {ms(statistics.median(samples))}, min {ms(min(samples))}, '
          f'max {ms(max(samples))} over {len(samples)} runs (target < {target} ms)')


def main(helper):
    work = tempfile.mkdtemp(prefix='pt-bench-helper.')
    root = os.path.join(work, 'root')
    helperfixture.make_root(root)

    dbusmock.DBusTestCase.start_system_bus()
    address = os.environ['DBUS_SYSTEM_BUS_ADDRESS']
    polkitd, polkitd_obj = dbusmock.DBusTestCase.spawn_server_template('polkitd', {}, stdout=open(os.devnull, 'w'))
    polkitd_obj.AllowUnknown(True)

    # D-Bus activation, as on a real system (minus systemd): the bus starts
    # the helper on the first call to its name.  The commands the engine
    # runs (update-grub, update-initramfs) are replaced by /bin/true, so the
    # Apply figure is the helper's own overhead.
    service = os.path.join(dbusmock.DBusTestCase.get_services_dir(True), NAME + '.service')
    with open(service, 'w') as f:
        f.write('[D-BUS Service]\n'
                f'Name={NAME}\n'
                f'Exec=/usr/bin/env DBUS_SYSTEM_BUS_ADDRESS={address} PASSTHROUGH_ROOT={root} '
                f'PASSTHROUGH_COMMAND_WRAPPER=/bin/true PASSTHROUGH_IDLE_TIMEOUT=30 {helper}\n'
                'User=root\n')
    bus = dbus.bus.BusConnection(address)
    bus.get_object('org.freedesktop.DBus', '/org/freedesktop/DBus').ReloadConfig(
        dbus_interface='org.freedesktop.DBus')

    conn = Gio.DBusConnection.new_for_address_sync(
        address, Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
        Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)

    def call(method, params=None):
        return conn.call_sync(NAME, PATH, IFACE, method, params, None,
                              Gio.DBusCallFlags.NONE, -1, None).unpack()

    def bus_call(method, *args):
        return conn.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus',
                              method, GLib.Variant('(s)', args), None, Gio.DBusCallFlags.NONE,
                              -1, None).unpack()[0]

    def stop_helper():
        pid = bus_call('GetConnectionUnixProcessID', NAME)
        os.kill(pid, signal.SIGTERM)
        while bus_call('NameHasOwner', NAME):
            time.sleep(0.005)
        # the process is gone from the bus; let it finish exiting
        for _ in range(200):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.005)

    print(f'helper: {helper}')
    print(f'fixture root: {len(helperfixture.DEVICES)} PCI functions, GRUB + initramfs-tools')

    activation, warm_topology, warm_status = [], [], []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        call('GetStatus')
        activation.append(time.perf_counter() - start)
        start = time.perf_counter()
        call('GetStatus')
        warm_status.append(time.perf_counter() - start)
        start = time.perf_counter()
        call('GetTopology')
        warm_topology.append(time.perf_counter() - start)
        stop_helper()
    summary('activation to first reply (GetStatus, helper not running)', activation, 100)
    print(f'  warm GetStatus: median {ms(statistics.median(warm_status))}; '
          f'warm GetTopology: median {ms(statistics.median(warm_topology))}')

    selection = GLib.Variant('(asa{sv})', (['0000:01:00.0'], {}))
    call('GetStatus')
    apply_times, revert_times = [], []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        call('Apply', selection)
        apply_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        call('Revert', GLib.Variant('(a{sv})', ({},)))
        revert_times.append(time.perf_counter() - start)
    preview_times = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        plan = json.loads(call('Preview', selection)[0])
        preview_times.append(time.perf_counter() - start)
    summary(f'Apply, whole call with its {len(plan["commands"])} regeneration commands as /bin/true '
            f'({len(plan["changes"])} files)', apply_times, 50)
    print(f'  Revert: median {ms(statistics.median(revert_times))}; Preview (validation, rescan, '
          f'plan, no writes): median {ms(statistics.median(preview_times))}')

    stop_helper()
    polkitd.terminate()
    polkitd.wait()
    dbusmock.DBusTestCase.tearDownClass()


if __name__ == '__main__':
    main(sys.argv[1])
