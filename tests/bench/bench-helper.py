#!/usr/bin/python3
# bench-helper.py: the root helper's speed on a private system bus (see
# bench-helper.sh).  Prints figures; asserts nothing.
#
#   bench-helper.py HELPER [BASELINE_HELPER]
#
# With a baseline (the helper of another build, e.g. main's), both are
# measured in alternate rounds on the same bus, so that the load of a shared
# machine weighs on both alike.
#
# SPDX-License-Identifier: GPL-3.0-or-later

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
RSS_ROUNDS = int(os.environ.get('BENCH_RSS_ROUNDS', '200'))
WRAPPER = os.path.join(HERE, 'bench-command.sh')
SELECTION = GLib.Variant('(asa{sv})', (['0000:01:00.0'], {}))
NO_OPTIONS = GLib.Variant('(a{sv})', ({},))


def ms(seconds):
    return f'{seconds * 1000:.1f} ms'


def p90(samples):
    return statistics.quantiles(samples, n=10, method='inclusive')[-1]


def summary(label, samples, target=None):
    line = (f'  {label}: median {ms(statistics.median(samples))}, p90 {ms(p90(samples))}, '
            f'min {ms(min(samples))}, max {ms(max(samples))} ({len(samples)} runs)')
    return line + (f' — target < {target} ms' if target else '')


class Bench:
    def __init__(self, helpers):
        self.work = tempfile.mkdtemp(prefix='pt-bench-helper.')
        self.root = os.path.join(self.work, 'root')
        self.command_log = os.path.join(self.work, 'commands.log')
        helperfixture.make_root(self.root)
        dbusmock.DBusTestCase.start_system_bus()
        self.address = os.environ['DBUS_SYSTEM_BUS_ADDRESS']
        self.polkitd, obj = dbusmock.DBusTestCase.spawn_server_template(
            'polkitd', {}, stdout=open(os.devnull, 'w'))
        obj.AllowUnknown(True)
        self.service = os.path.join(dbusmock.DBusTestCase.get_services_dir(True), NAME + '.service')
        self.bus = dbus.bus.BusConnection(self.address)
        self.conn = Gio.DBusConnection.new_for_address_sync(
            self.address, Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
            Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)
        self.helpers = helpers
        self.current = None

    def use(self, helper, command_seconds=0):
        '''D-Bus activation, as on a real system (minus systemd): the bus
        starts @helper on the first call to the name.  The regeneration
        commands are replaced by bench-command.sh, which records how long
        they took.'''
        key = (helper, command_seconds)
        if self.current == key:
            return
        self.stop_helper()
        with open(self.service, 'w') as f:
            f.write('[D-BUS Service]\n'
                    f'Name={NAME}\n'
                    f'Exec=/usr/bin/env DBUS_SYSTEM_BUS_ADDRESS={self.address} PASSTHROUGH_ROOT={self.root} '
                    f'PASSTHROUGH_COMMAND_WRAPPER={WRAPPER} BENCH_COMMAND_LOG={self.command_log} '
                    f'BENCH_COMMAND_SECONDS={command_seconds} PASSTHROUGH_IDLE_TIMEOUT=60 {helper}\n'
                    'User=root\n')
        self.bus.get_object('org.freedesktop.DBus', '/org/freedesktop/DBus').ReloadConfig(
            dbus_interface='org.freedesktop.DBus')
        self.current = key

    def call(self, method, params=None):
        return self.conn.call_sync(NAME, PATH, IFACE, method, params, None,
                                   Gio.DBusCallFlags.NONE, -1, None).unpack()

    def bus_call(self, method, *args):
        return self.conn.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus',
                                   method, GLib.Variant('(s)', args), None, Gio.DBusCallFlags.NONE,
                                   -1, None).unpack()[0]

    def helper_pid(self):
        return self.bus_call('GetConnectionUnixProcessID', NAME)

    def stop_helper(self):
        if not self.bus_call('NameHasOwner', NAME):
            return
        pid = self.helper_pid()
        os.kill(pid, signal.SIGTERM)
        while self.bus_call('NameHasOwner', NAME):
            time.sleep(0.005)
        for _ in range(400):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.005)

    def commands_time(self):
        '''The commands' own time since the last call, from their log.'''
        if not os.path.exists(self.command_log):
            return 0.0, 0
        with open(self.command_log) as f:
            spans = [line.split(' ', 2) for line in f if line.strip()]
        os.unlink(self.command_log)
        return sum(float(end) - float(start) for start, end, _ in spans), len(spans)

    def activation(self, helper):
        self.use(helper)
        self.stop_helper()
        start = time.perf_counter()
        self.call('GetStatus')
        return time.perf_counter() - start

    def cpu_seconds(self, pid):
        '''User and system time of the helper (all its threads, not the
        commands it ran), in clock ticks turned into seconds.'''
        with open(f'/proc/{pid}/stat') as f:
            fields = f.read().rsplit(')', 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')

    def polkit_round_trip(self):
        '''One CheckAuthorization to the polkitd mock (Python), which every
        Apply makes: on a real system polkitd is C, so this part of the
        figure is the test bed's.'''
        subject = ('system-bus-name', {'name': GLib.Variant('s', self.conn.get_unique_name())})
        params = GLib.Variant('((sa{sv})sa{ss}us)', (subject, 'com.example.Passthrough.configure', {}, 0, ''))
        start = time.perf_counter()
        self.conn.call_sync('org.freedesktop.PolicyKit1', '/org/freedesktop/PolicyKit1/Authority',
                            'org.freedesktop.PolicyKit1.Authority', 'CheckAuthorization', params, None,
                            Gio.DBusCallFlags.NONE, -1, None)
        return time.perf_counter() - start

    def apply(self, helper, command_seconds=0):
        '''Apply's wall time, its commands' own time, the helper's CPU time
        for it, and the Revert after it (wall time; its commands are the same
        regeneration).'''
        self.use(helper, command_seconds)
        self.call('GetStatus')      # activated before the clock starts
        self.commands_time()
        pid = self.helper_pid()
        cpu = self.cpu_seconds(pid)
        start = time.perf_counter()
        self.call('Apply', SELECTION)
        wall = time.perf_counter() - start
        cpu = self.cpu_seconds(pid) - cpu
        commands, count = self.commands_time()
        start = time.perf_counter()
        self.call('Revert', NO_OPTIONS)
        revert = time.perf_counter() - start
        revert_commands, _ = self.commands_time()
        return wall, commands, count, revert - revert_commands, cpu

    def fsync_latency(self):
        '''What one small write-and-fsync costs on the fixture's file system
        right now: the load of the machine, in the unit that Apply pays
        about 20 times.'''
        samples = []
        path = os.path.join(self.work, 'fsync-probe')
        for _ in range(ROUNDS):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.write(fd, b'x' * 4096)
            start = time.perf_counter()
            os.fsync(fd)
            samples.append(time.perf_counter() - start)
            os.close(fd)
        os.unlink(path)
        return samples

    def rss_growth(self, helper):
        '''Resident memory of one long-lived helper over many calls (a
        figure, not a test: valgrind's verdict is tests/helper's).'''
        self.use(helper)
        self.stop_helper()
        self.call('GetStatus')
        pid = self.helper_pid()

        def rss_kb():
            with open(f'/proc/{pid}/status') as f:
                return next(int(line.split()[1]) for line in f if line.startswith('VmRSS:'))
        for _ in range(10):     # thread pool and caches warm
            self.call('Apply', SELECTION)
            self.call('Revert', NO_OPTIONS)
        first = rss_kb()
        for _ in range(RSS_ROUNDS):
            self.call('GetStatus')
            self.call('Preview', SELECTION)
            self.call('Apply', SELECTION)
            self.call('Revert', NO_OPTIONS)
        return first, rss_kb()

    def close(self):
        self.stop_helper()
        self.polkitd.terminate()
        self.polkitd.wait()
        dbusmock.DBusTestCase.tearDownClass()


def main(helpers):
    bench = Bench(helpers)
    try:
        run(bench, helpers)
    finally:
        bench.close()


def run(bench, helpers):
    names = ['this build', 'baseline'][:len(helpers)]
    print(f'fixture root: {len(helperfixture.DEVICES)} PCI functions, GRUB + initramfs-tools; '
          f'{ROUNDS} rounds, helpers in alternate rounds')
    for name, helper in zip(names, helpers):
        print(f'  {name}: {helper}')

    activation = {h: [] for h in helpers}
    overhead = {h: [] for h in helpers}
    wall = {h: [] for h in helpers}
    revert = {h: [] for h in helpers}
    commands = {h: [] for h in helpers}
    cpu = {h: [] for h in helpers}
    count = 0
    for _ in range(ROUNDS):
        for helper in helpers:
            activation[helper].append(bench.activation(helper))
        for helper in helpers:
            w, c, count, r, t = bench.apply(helper)
            cpu[helper].append(t)
            wall[helper].append(w)
            commands[helper].append(c)
            overhead[helper].append(w - c)
            revert[helper].append(r)
    fsync = bench.fsync_latency()
    polkit = [bench.polkit_round_trip() for _ in range(ROUNDS)]

    print(f'one 4 KiB write + fsync on this file system now: median {ms(statistics.median(fsync))}, '
          f'p90 {ms(p90(fsync))}')
    print(f'one CheckAuthorization to the polkitd mock (Python; every Apply makes one): '
          f'median {ms(statistics.median(polkit))}, p90 {ms(p90(polkit))}')
    for name, helper in zip(names, helpers):
        print(f'{name}:')
        print(summary('activation to first reply (GetStatus, helper not running)', activation[helper], 100))
        print(summary(f'Apply overhead (wall time minus its {count} stand-in regeneration commands\' '
                      'own time)', overhead[helper], 50))
        print(f'    Apply wall time median {ms(statistics.median(wall[helper]))}, of which the commands '
              f'{ms(statistics.median(commands[helper]))}; the helper\'s CPU time for it: mean '
              f'{ms(statistics.mean(cpu[helper]))} (clock ticks of {ms(1 / os.sysconf("SC_CLK_TCK"))})')
        print(summary('Revert overhead', revert[helper]))

    # The subtraction holds for commands that take time: 100 ms each.
    slow = [bench.apply(helpers[0], 0.1) for _ in range(max(3, ROUNDS // 4))]
    print(f'this build with stand-in commands of 100 ms each: Apply wall median '
          f'{ms(statistics.median([s[0] for s in slow]))}, overhead median '
          f'{ms(statistics.median([s[0] - s[1] for s in slow]))}')

    if RSS_ROUNDS > 0:
        for name, helper in zip(names, helpers):
            first, last = bench.rss_growth(helper)
            print(f'{name}: RSS of one helper {first} kB after warm-up, {last} kB after {RSS_ROUNDS} more '
                  f'rounds of GetStatus+Preview+Apply+Revert ({(last - first) / RSS_ROUNDS:.1f} kB a round)')


if __name__ == '__main__':
    main(sys.argv[1:])
