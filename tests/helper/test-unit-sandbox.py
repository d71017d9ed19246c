#!/usr/bin/python3
# test-unit-sandbox.py: the helper's work under every hardening property of
# its systemd unit, on this machine, without booting one.
#
# Each sandboxing line of passthrough-helper.service is passed to
# `systemd-run --wait --pipe -p KEY=VALUE`, which runs sandbox-probe.sh as a
# transient service: passthroughctl --root FIXTURE apply and revert with
# regeneration commands that do an initramfs generator's work
# (sandbox-regenerate.sh), and checks of what the rest of the work needs on
# the real system (/etc and /boot writable, /sys writable, finit_module
# allowed, the immutable flag of EFI variables clearable, the disk readable,
# the host's routes).  Then the same probe under one property changed at a
# time must fail on the matching check: the probe can tell.
#
# Without systemd as PID 1 (containers, CI runners, this project's build
# machine) the manager is systemd's own, started for the test: a per-user
# instance run as root inside a private mount namespace (unshare -m) with a
# tmpfs on /run/systemd, so nothing outside the test sees it.  As root it
# applies the same namespaces, capability bounding set and seccomp filters
# as the system manager.
#
#   test-unit-sandbox.py UNIT_FILE PASSTHROUGHCTL WORK_DIR
#
# Exit 77 (skipped) when not root or without systemd-run and unshare.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import configparser
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import helperfixture  # noqa: E402

# Lines of [Service] that are not sandboxing, or that a transient unit of a
# per-user manager takes another way (see transient_properties()).
NOT_SANDBOXING = {'Type', 'BusName', 'ExecStart', 'StateDirectory', 'StateDirectoryMode'}

# One property changed at a time, and the probe check that must then fail.
CONTROLS = [
    ('ReadOnlyPaths=/boot', 'writable-/boot'),
    ('ProtectKernelTunables=yes', 'writable-/sys/bus/pci/drivers_probe'),
    ('ProtectKernelModules=yes', 'load-module'),
    ('CapabilityBoundingSet=~CAP_SYS_MODULE', 'load-module'),
    ('CapabilityBoundingSet=~CAP_LINUX_IMMUTABLE', 'immutable-flag'),
    ('CapabilityBoundingSet=~CAP_MKNOD', 'apply-and-regenerate'),
    ('SystemCallFilter=~mknod mknodat', 'apply-and-regenerate'),
    ('PrivateDevices=yes', 'read-root-disk'),
    ('PrivateNetwork=yes', 'host-routes'),
]


def skip(why):
    print(f'SKIP: {why}')
    sys.exit(77)


def unit_properties(path):
    unit = configparser.ConfigParser(interpolation=None, strict=False)
    unit.optionxform = str
    unit.read(path)
    return [(k, v) for k, v in unit['Service'].items() if k not in NOT_SANDBOXING]


def transient_properties(props):
    '''KEY=VALUE arguments for systemd-run.  ReadWritePaths entries this
    machine does not have become optional ("-"), as a missing one would stop
    the unit; the state directory, which StateDirectory= makes writable under
    ProtectSystem=strict, is only there on a machine the helper ran on.'''
    out = []
    for key, value in props:
        if key == 'ReadWritePaths':
            value = ' '.join(p if p.startswith('-') or os.path.exists(p) else '-' + p for p in value.split())
        out.append(f'{key}={value}')
    return out


class Manager:
    '''systemd-run against the system manager when systemd is PID 1, or
    against a per-user manager of our own otherwise.'''

    def __init__(self, work):
        self.work = work
        self.proc = None
        self.system = os.path.isdir('/run/systemd/system') and \
            os.path.realpath('/proc/1/exe').endswith('/systemd')

    def start(self):
        if self.system:
            return
        runtime = os.path.join(self.work, 'runtime')
        os.makedirs(runtime, mode=0o700)
        # In the namespace: a tmpfs on /run/systemd with the marker the
        # manager looks for and the inaccessible nodes namespaces bind over
        # hidden paths (ProtectHome=, ProtectKernelLogs=).
        script = '''set -e
mount -t tmpfs -o mode=0755 tmpfs /run/systemd
mkdir -p /run/systemd/system /run/systemd/inaccessible/dir
chmod 000 /run/systemd/inaccessible/dir
mknod -m 000 /run/systemd/inaccessible/chr c 0 0
mknod -m 000 /run/systemd/inaccessible/blk b 0 0
mkfifo -m 000 /run/systemd/inaccessible/fifo
install -m 000 /dev/null /run/systemd/inaccessible/reg
exec /usr/lib/systemd/systemd --user
'''
        self.env = dict(os.environ, XDG_RUNTIME_DIR=runtime)
        # systemd-run --user talks to the manager through the user bus that
        # the manager's dbus.socket opens at $XDG_RUNTIME_DIR/bus.
        self.env.pop('DBUS_SESSION_BUS_ADDRESS', None)
        self.proc = subprocess.Popen(['unshare', '--mount', '--propagation', 'private', 'sh', '-c', script],
                                     env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True)
        sockets = [os.path.join(runtime, 'systemd', 'private'), os.path.join(runtime, 'bus')]
        deadline = time.monotonic() + 60
        while not all(os.path.exists(s) for s in sockets):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                skip('could not start a systemd manager for the test '
                     f'(exit status {self.proc.poll()})')
            time.sleep(0.05)

    def run(self, properties, argv, env):
        cmd = ['systemd-run', '--wait', '--pipe', '--quiet', '--collect']
        if not self.system:
            # systemd-run talks to the manager, which lives in the namespace:
            # enter it so that the manager's paths are the ones we name.
            cmd = ['nsenter', f'--mount=/proc/{self.manager_pid()}/ns/mnt'] + cmd + ['--user']
        for key, value in env.items():
            cmd += ['--setenv', f'{key}={value}']
        for prop in properties:
            cmd += ['-p', prop]
        return subprocess.run(cmd + ['--'] + argv, env=getattr(self, 'env', None),
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, timeout=300)

    def manager_pid(self):
        # unshare (without --fork) and sh both exec: the process is the manager.
        return self.proc.pid

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.manager_pid(), 15)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def host_facts():
    '''What this machine allows outside any sandbox (a VM may forbid reading
    its disk; a kernel without modules answers ENOSYS).'''
    import ctypes
    import errno
    facts = {}
    with open('/proc/net/route') as f:
        facts['PROBE_HOST_ROUTES'] = str(len(f.readlines()))
    disk = subprocess.run(['findmnt', '-no', 'SOURCE', '/'], stdout=subprocess.PIPE, text=True).stdout.strip()
    try:
        with open(disk, 'rb') as f:
            f.read(512)
        facts['PROBE_DISK'] = disk
    except OSError as e:
        print(f'n/a  read-root-disk: {disk or "the root disk"} cannot be read here even outside a sandbox ({e.strerror})')
        facts['PROBE_DISK'] = ''
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.syscall(313, -1, b'', 0) < 0 and ctypes.get_errno() == errno.EBADF:
        facts['PROBE_MODULES'] = '1'
    else:
        print(f'n/a  load-module: this kernel does not load modules ({os.strerror(ctypes.get_errno())})')
        facts['PROBE_MODULES'] = '0'
    return facts


# PrivateTmp= and ProtectHome= hide these from the unit: a checkout below
# one of them (a clone in /tmp, a build in ~) cannot be run from in place.
HIDDEN_BY_THE_UNIT = ('/tmp', '/var/tmp', '/home', '/root', '/run/user')


def hidden_by_the_unit(path):
    real = os.path.realpath(path)
    return any(real == h or real.startswith(h + '/') for h in HIDDEN_BY_THE_UNIT)


def stage(work, ctl):
    """Copies what runs under the unit into WORK (outside the hidden trees):
    passthroughctl (the core is linked in statically) and the two scripts."""
    bindir = os.path.join(work, 'bin')
    os.makedirs(bindir)
    for src in (ctl, os.path.join(HERE, 'sandbox-probe.sh'), os.path.join(HERE, 'sandbox-regenerate.sh')):
        shutil.copy2(src, bindir)
    return bindir, os.path.join(bindir, os.path.basename(ctl))


def probe(manager, properties, root, ctl, facts, log, scripts=HERE):
    if os.path.exists(root):
        shutil.rmtree(root)
    helperfixture.make_root(root)
    env = {
        'PASSTHROUGH_COMMAND_WRAPPER': os.path.join(scripts, 'sandbox-regenerate.sh'),
        'PASSTHROUGH_TEST_LOG': log,
        'PASSTHROUGH_SANDBOX_ROOT': root,
        **facts,
    }
    if os.environ.get('PASSTHROUGH_SANITIZER_BUILD'):
        # LeakSanitizer stops the finished program with ptrace, which the
        # unit's SystemCallFilter=~@debug refuses, as it should; the other
        # suites look for leaks, here ASan and UBSan still watch.
        env['ASAN_OPTIONS'] = os.environ.get('ASAN_OPTIONS', '') + ':detect_leaks=0'
    # The fixture stands in for / : its /etc, /boot and state directory are
    # written like the real ones the unit opens with ReadWritePaths=.
    extra = [f'ReadWritePaths={os.path.dirname(root)}']
    result = manager.run(properties + extra, [os.path.join(scripts, 'sandbox-probe.sh'), root, ctl], env)
    lines = result.stdout.splitlines()
    failed = {line.split(':')[0][len('FAIL '):] for line in lines if line.startswith('FAIL ')}
    passed = {line[len('ok '):] for line in lines if line.startswith('ok ')}
    return result, passed, failed


def main():
    unit_path, ctl, work_parent = sys.argv[1:4]
    if os.geteuid() != 0:
        skip('needs root (a systemd manager that applies namespaces and capabilities)')
    for tool in ('systemd-run', 'unshare', 'nsenter', 'cpio', 'zstd', 'chattr', 'findmnt'):
        if shutil.which(tool) is None:
            skip(f'{tool} is not installed')

    props = unit_properties(unit_path)
    properties = transient_properties(props)
    print('hardening of the unit, applied to each probe:')
    for p in properties:
        print('  ' + p)
    for key in ('CapabilityBoundingSet', 'SystemCallFilter', 'ProtectSystem', 'RestrictAddressFamilies'):
        if key not in dict(props):
            print(f'FAIL: the unit sets no {key}=')
            return 1

    # Not below /tmp, /var/tmp, /home or /root: the sandbox hides those.  A
    # build there works in /var/lib instead (this test runs as root only),
    # with what runs under the unit copied out of the build.
    scripts = HERE
    if any(hidden_by_the_unit(p) for p in (work_parent, ctl, HERE)):
        work_parent = '/var/lib/passthrough-unit-sandbox-test'
    os.makedirs(work_parent, exist_ok=True)
    work = tempfile.mkdtemp(prefix='unit-sandbox.', dir=work_parent)
    if hidden_by_the_unit(ctl) or hidden_by_the_unit(HERE):
        scripts, ctl = stage(work, ctl)
        print(f'the build is below a directory the unit hides: running copies from {scripts}')
    root = os.path.join(work, 'fixture', 'root')
    log = os.path.join(work, 'fixture', 'commands.log')
    facts = host_facts()
    manager = Manager(work)
    failures = 0
    try:
        manager.start()
        print('manager:', 'the system manager' if manager.system else
              'a per-user systemd of the test, in a private mount namespace')

        result, passed, failed = probe(manager, properties, root, ctl, facts, log, scripts)
        print(f'--- under the unit (exit status {result.returncode}):')
        print(result.stdout, end='')
        if result.returncode != 0 or failed or 'apply-and-regenerate' not in passed:
            print('FAIL: the helper\'s work does not succeed under the unit\'s hardening')
            failures += 1
        with open(log) as f:
            commands = f.read()
        for command in ('update-initramfs', 'grub-mkconfig'):
            if command not in commands:
                print(f'FAIL: {command} did not run through the sandboxed regeneration')
                failures += 1

        for change, check in CONTROLS:
            result, passed, failed = probe(manager, properties + [change], root, ctl, facts, log, scripts)
            if check in failed:
                print(f'ok   control: with {change} the probe fails on {check}')
            elif check not in passed:
                print(f'skip control: {change}: this machine has nothing for {check} to check')
            else:
                print(f'FAIL control: with {change} the check {check} still passes:\n{result.stdout}')
                failures += 1
    finally:
        manager.stop()
        shutil.rmtree(work, ignore_errors=True)
        if work_parent == '/var/lib/passthrough-unit-sandbox-test':
            try:
                os.rmdir(work_parent)
            except OSError:
                pass
    print('FAILED' if failures else 'PASSED')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
