#!/usr/bin/python3
# The RPM spec (packaging/rpm/passthrough.spec) built for real with
# `rpmbuild -bb --nodeps` on this Debian machine: Fedora's BuildRequires do
# not resolve here (hence --nodeps) and Fedora's %meson, %_unitdir and
# %systemd_* macros stand in from rpm-macros.in.  Checks each RPM's file
# list, its requirements, and its scriptlets as rpm runs them: the helper
# RPM installed with `rpm --root` into a fixture root that can run them
# (pkglib.scriptlet_root), an erase refused while a setup is applied, let
# through after a revert, an upgrade that keeps the state.
# SPDX-License-Identifier: GPL-3.0-or-later
import glob
import os
import re
import shutil
import subprocess
import sys
import tarfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pkglib  # noqa: E402

SPEC = os.path.join(pkglib.SOURCE_ROOT, 'packaging', 'rpm', 'passthrough.spec')

HELPER_FILES = {
    '/usr/bin/passthroughctl', '/usr/libexec/passthrough-helper', '/usr/libexec/passthrough-notifier',
    '/usr/libexec/passthrough-removal-check',
    '/usr/share/dbus-1/system-services/com.example.Passthrough.Helper.service',
    '/usr/share/dbus-1/system.d/com.example.Passthrough.Helper.conf',
    '/usr/share/dbus-1/interfaces/com.example.Passthrough.Helper1.xml',
    '/usr/share/polkit-1/actions/com.example.Passthrough.policy',
    '/usr/lib/dracut/modules.d/90passthrough', '/usr/lib/dracut/modules.d/90passthrough/module-setup.sh',
    '/usr/lib/dracut/modules.d/90passthrough/passthrough-vfio.sh',
    '/etc/xdg/autostart/com.example.Passthrough.Notifier.desktop',
}
APP_FILES = {
    '/usr/bin/passthrough', '/usr/share/applications/com.example.Passthrough.desktop',
    '/usr/share/metainfo/com.example.Passthrough.metainfo.xml',
    '/usr/share/glib-2.0/schemas/com.example.Passthrough.gschema.xml',
    '/usr/share/icons/hicolor/scalable/apps/com.example.Passthrough.svg',
    '/usr/share/icons/hicolor/symbolic/apps/com.example.Passthrough-symbolic.svg',
    '/usr/share/passthrough/demo/twin-gpu.json',
}


def query(rpm, *args):
    return subprocess.run(['rpm', '-qp', *args, rpm], check=True, capture_output=True, text=True).stdout


_built = {}


def build_rpms():
    """{'helper', 'app'}: the RPMs of this run, built once per process."""
    if _built:
        return _built
    work = pkglib.work_dir('rpm')
    with open(SPEC) as f:
        version = re.search(r'(?m)^Version:\s*(\S+)', f.read()).group(1)
    top = 'passthrough-' + version
    src = pkglib.clean_copy(os.path.join(work, top))
    os.makedirs(os.path.join(work, 'SOURCES'))
    with tarfile.open(os.path.join(work, 'SOURCES', top + '.tar.gz'), 'w:gz') as tar:
        tar.add(src, arcname=top)
    macros = os.path.join(work, 'macros')
    with open(os.path.join(pkglib.HERE, 'rpm-macros.in')) as f, open(macros, 'w') as out:
        out.write(f.read().replace('@UNITDIR@', pkglib.unit_dir()))
    r, secs = pkglib.run(['rpmbuild', '-bb', '--nodeps', '--load', macros,
                          '--define', '_topdir ' + work, SPEC])
    print('rpmbuild: %.1f s' % secs)
    if r.returncode != 0:
        raise AssertionError('rpmbuild failed:\n' + pkglib.tail(r, 60))
    rpms = glob.glob(os.path.join(work, 'RPMS', '*', '*.rpm'))
    _built['helper'] = [p for p in rpms if os.path.basename(p).startswith('passthrough-helper-')
                        and 'debug' not in p][0]
    _built['app'] = [p for p in rpms if re.match(r'passthrough-\d', os.path.basename(p))][0]
    return _built


@unittest.skipUnless(shutil.which('rpmbuild'), 'needs rpmbuild (Debian package rpm)')
class RpmPackages(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        built = build_rpms()
        cls.helper, cls.app = built['helper'], built['app']

    def test_file_lists(self):
        helper = set(query(self.helper, '-l').split())
        app = set(query(self.app, '-l').split())
        for path in HELPER_FILES | {pkglib.unit_dir() + '/passthrough-helper.service'}:
            self.assertIn(path, helper)
        self.assertTrue(any(p.startswith('/usr/share/man/man1/passthroughctl.1') for p in helper))
        self.assertTrue(any(p.startswith('/usr/share/man/man8/passthrough-helper.8') for p in helper))
        for path in APP_FILES:
            self.assertIn(path, app)
        self.assertTrue(any(p.startswith('/usr/share/man/man1/passthrough.1') for p in app))
        self.assertFalse(helper & APP_FILES)
        self.assertFalse(app & HELPER_FILES)
        # No other generator's files on Fedora (the demo machines' roots are data).
        self.assertFalse([p for p in helper | app if ('initramfs-tools' in p or 'initcpio' in p)
                          and '/share/passthrough/demo/' not in p])

    def test_requirements(self):
        app = query(self.app, '--requires')
        version = query(self.helper, '--qf', '%{VERSION}-%{RELEASE}')
        self.assertRegex(app, r'passthrough-helper\S* = ' + re.escape(version))
        helper = query(self.helper, '--requires')
        for name in ('hwdata', 'polkit', 'dbus'):
            self.assertRegex(helper, r'(?m)^%s\b' % re.escape(name))

    def test_preun_runs_the_packaged_check(self):
        scripts = query(self.helper, '--scripts')
        preun = re.search(r'(?ms)^preuninstall scriptlet \(using [^)]*\):\n(.*?)(?=^\w+ scriptlet \(using|\Z)',
                          scripts).group(1)
        self.assertIn('if [ "$1" -eq 0 ]; then', preun)
        self.assertIn('/usr/libexec/passthrough-removal-check --forget / || exit 1', preun)


class RpmRoot(pkglib.PackageRoot):
    """A fixture root rpm installs into with --root: rpm chroots into it
    for every scriptlet, so it holds /bin/sh and the removal check's tools
    (pkglib.scriptlet_root).  The database is the root's /var/lib/rpm; rpm
    writes each scriptlet to /var/tmp and, with -vv, leaves it there."""

    SKIP = ('var/lib/rpm', 'var/tmp')

    def __init__(self, seed):
        super().__init__(seed)
        pkglib.scriptlet_root(self.path)
        os.makedirs(os.path.join(self.path, 'var/lib/rpm'))
        self.original = self.tree()

    def rpm(self, *args):
        r, _ = pkglib.run(['rpm', '--root', self.path, '--dbpath', '/var/lib/rpm', *args], timeout=120)
        return r

    def installed(self):
        return self.rpm('-q', 'passthrough-helper').returncode == 0


@unittest.skipUnless(shutil.which('rpmbuild'), 'needs rpmbuild (Debian package rpm)')
@unittest.skipUnless(os.geteuid() == 0, 'rpm --root chroots into the root for scriptlets')
class RpmScriptlets(pkglib.RemovalRule, unittest.TestCase):
    """%preun as rpm runs it: chrooted into the root, where the packaged
    passthrough-removal-check asks the packaged passthroughctl.  --nodeps:
    the root has none of Fedora's packages (hwdata, polkit, dbus, /bin/sh
    as a package); the scriptlets need only the copied tools."""

    # Fedora 29 with GRUB and dracut (grubby, dracut recorded).
    SEED, SELECT = 'seed003', '0000:08:00.0'

    @classmethod
    def setUpClass(cls):
        cls.helper = build_rpms()['helper']

    def make_root(self):
        return RpmRoot(self.SEED)

    def install(self):
        return self.r.rpm('-i', '--nodeps', self.helper)

    def remove(self):
        return self.r.rpm('-e', 'passthrough-helper')

    def upgrade(self):
        # The same package again: rpm installs the new instance and erases
        # the old one with $1 = 1, which checks nothing.
        return self.r.rpm('-U', '--replacepkgs', '--nodeps', '-vv', self.helper)

    def refused(self, out):
        self.assertIn('error: %preun(passthrough-helper', out)

    def upgraded(self, out):
        # The old instance's %preun ran (chrooted, through /bin/sh) and passed.
        self.assertRegex(out, r'%preun\(passthrough-helper-[^)]*\): waitpid\(\d+\) rc \d+ status 0\n')


if __name__ == '__main__':
    unittest.main(verbosity=2)
