#!/usr/bin/python3
# The Arch PKGBUILD (packaging/arch) read by `makepkg --printsrcinfo` and
# built for real by makepkg (Debian's makepkg package) as an unprivileged
# user, since makepkg refuses root: the user "ptbuild" is made when
# missing.  --nodeps because Arch's package names do not resolve here.
# Checks each package's file list, its dependencies and the pacman hook
# that refuses a removal while a setup is applied.
# SPDX-License-Identifier: GPL-3.0-or-later
import glob
import os
import pwd
import re
import shutil
import subprocess
import sys
import tarfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pkglib  # noqa: E402

ARCH_DIR = os.path.join(pkglib.SOURCE_ROOT, 'packaging', 'arch')
BUILD_USER = 'ptbuild'

HELPER_FILES = {
    'usr/bin/passthroughctl', 'usr/lib/passthrough-helper', 'usr/lib/passthrough-notifier',
    'usr/lib/passthrough-removal-check', 'usr/lib/initcpio/hooks/passthrough',
    'usr/lib/initcpio/install/passthrough', 'usr/lib/dracut/modules.d/90passthrough/module-setup.sh',
    'usr/lib/dracut/modules.d/90passthrough/passthrough-vfio.sh',
    'usr/share/dbus-1/system-services/com.example.Passthrough.Helper.service',
    'usr/share/dbus-1/system.d/com.example.Passthrough.Helper.conf',
    'usr/share/polkit-1/actions/com.example.Passthrough.policy',
    'usr/share/libalpm/hooks/passthrough-helper-remove.hook',
    'etc/xdg/autostart/com.example.Passthrough.Notifier.desktop',
}
APP_FILES = {
    'usr/bin/passthrough', 'usr/share/applications/com.example.Passthrough.desktop',
    'usr/share/metainfo/com.example.Passthrough.metainfo.xml',
    'usr/share/glib-2.0/schemas/com.example.Passthrough.gschema.xml',
    'usr/share/icons/hicolor/scalable/apps/com.example.Passthrough.svg',
    'usr/share/passthrough/demo/twin-gpu.json',
}


def pkgver():
    with open(os.path.join(ARCH_DIR, 'PKGBUILD')) as f:
        return re.search(r'(?m)^pkgver=(\S+)', f.read()).group(1)


def ensure_user():
    try:
        pwd.getpwnam(BUILD_USER)
    except KeyError:
        subprocess.run(['useradd', '--system', '--no-create-home', '--shell', '/usr/sbin/nologin',
                        BUILD_USER], check=True)


def as_user(cmd, cwd, timeout=1500):
    env = {'PATH': '/usr/bin:/bin:/usr/sbin:/sbin', 'HOME': cwd, 'LC_ALL': 'C.UTF-8'}
    return pkglib.run(['runuser', '-u', BUILD_USER, '--', 'env', '-i'] +
                      ['%s=%s' % kv for kv in env.items()] + cmd, cwd=cwd, timeout=timeout)


def members(pkg):
    with tarfile.open(pkg) as tar:
        return {m.name: m for m in tar.getmembers()}


def member_text(pkg, name):
    with tarfile.open(pkg) as tar:
        return tar.extractfile(name).read().decode()


_built = {}


def build_arch():
    """{'srcinfo', 'helper', 'app'}: makepkg --printsrcinfo's result and
    the packages of this run, built once per process."""
    if _built:
        return _built
    ensure_user()
    # The build tree may sit below directories the build user cannot
    # enter: makepkg works in a directory of its own (tearDownModule
    # removes it).
    work = pkglib.work_dir('arch')
    top = 'passthrough-' + pkgver()
    src = pkglib.clean_copy(os.path.join(work, 'tree', top))
    pkgdir = os.path.join('/tmp', 'passthrough-makepkg-%d' % os.getpid())
    shutil.rmtree(pkgdir, ignore_errors=True)
    os.makedirs(pkgdir)
    _built['pkgdir'] = pkgdir
    with tarfile.open(os.path.join(pkgdir, top + '.tar.gz'), 'w:gz') as tar:
        tar.add(src, arcname=top)
    for name in os.listdir(ARCH_DIR):
        shutil.copy(os.path.join(ARCH_DIR, name), pkgdir)
    subprocess.run(['chown', '-R', BUILD_USER, pkgdir], check=True)

    r, _ = as_user(['makepkg', '--printsrcinfo'], pkgdir)
    _built['srcinfo'] = r
    r, secs = as_user(['makepkg', '--nodeps', '--noconfirm', '--nocolor'], pkgdir)
    print('makepkg: %.1f s' % secs)
    if r.returncode != 0:
        raise AssertionError('makepkg failed:\n' + pkglib.tail(r, 60))
    pkgs = glob.glob(os.path.join(pkgdir, '*.pkg.tar*'))
    _built['helper'] = [p for p in pkgs if os.path.basename(p).startswith('passthrough-helper-')][0]
    _built['app'] = [p for p in pkgs if re.match(r'passthrough-\d', os.path.basename(p))][0]
    return _built


def tearDownModule():
    if 'pkgdir' in _built:
        shutil.rmtree(_built['pkgdir'], ignore_errors=True)


NEEDS_MAKEPKG = unittest.skipUnless(shutil.which('makepkg') and shutil.which('runuser'),
                                    'needs makepkg (Debian package makepkg)')


@NEEDS_MAKEPKG
@unittest.skipUnless(os.geteuid() == 0, 'makes the unprivileged build user')
class ArchPackages(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        built = build_arch()
        cls.srcinfo, cls.helper, cls.app = built['srcinfo'], built['helper'], built['app']

    def test_srcinfo(self):
        r = self.srcinfo
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('pkgbase = passthrough', r.stdout)
        self.assertIn('pkgname = passthrough-helper', r.stdout)
        self.assertRegex(r.stdout, r'(?m)^pkgname = passthrough$')
        self.assertIn('install = passthrough-helper.install', r.stdout)
        self.assertIn('depends = passthrough-helper=%s-1' % pkgver(), r.stdout)

    def test_file_lists(self):
        helper = members(self.helper)
        app = members(self.app)
        # The unit directory is the build machine's (pkg-config): /usr/lib/… on Arch.
        for path in HELPER_FILES | {pkglib.unit_dir().lstrip('/') + '/passthrough-helper.service'}:
            self.assertIn(path, helper)
        for path in APP_FILES:
            self.assertIn(path, app)
        self.assertTrue(any(p.startswith('usr/share/man/man1/passthrough.1') for p in app))
        self.assertFalse(set(helper) & APP_FILES)
        self.assertFalse(set(app) & HELPER_FILES)
        self.assertFalse([p for p in list(helper) + list(app) if 'initramfs-tools' in p
                          and 'share/passthrough/demo/' not in p])
        self.assertTrue(any(p.startswith('usr/share/man/man1/passthroughctl.1') for p in helper))
        self.assertEqual(helper['usr/lib/passthrough-removal-check'].mode & 0o111, 0o111)
        self.assertEqual(helper['usr/lib/passthrough-helper'].uid, 0)
        self.assertIn('.INSTALL', helper)

    def test_removal_hook_runs_the_packaged_check(self):
        hook = member_text(self.helper, 'usr/share/libalpm/hooks/passthrough-helper-remove.hook')
        self.assertIn('Operation = Remove', hook)
        self.assertIn('When = PreTransaction', hook)
        self.assertRegex(hook, r'(?m)^AbortOnFail$')
        exec_path = re.search(r'(?m)^Exec = (\S+)', hook).group(1)
        self.assertIn(exec_path.lstrip('/'), members(self.helper))
        # The paths the helper's files name are the package's own.
        service = member_text(self.helper, 'usr/share/dbus-1/system-services/com.example.Passthrough.Helper.service')
        self.assertIn('Exec=/usr/lib/passthrough-helper', service)
        pkginfo = member_text(self.app, '.PKGINFO')
        self.assertIn('depend = passthrough-helper=%s-1' % pkgver(), pkginfo)


PACMAN_CONF = """[options]
Architecture = auto
SigLevel = Never
LocalFileSigLevel = Never
"""


class PacmanRoot(pkglib.PackageRoot):
    """A fixture root pacman installs into with --root: pacman chroots into
    it for install scriptlets (skipped silently where the root has no
    /bin/sh) and hooks, so it holds the removal check's tools
    (pkglib.scriptlet_root).  Its database, cache and log live below it, a
    pacman.conf that takes unsigned local packages beside it; hooks come
    from the root's /usr/share/libalpm/hooks, as on Arch."""

    SKIP = ('var/lib/pacman', 'var/cache/pacman', 'var/log')

    def __init__(self, seed):
        super().__init__(seed)
        pkglib.scriptlet_root(self.path)
        os.makedirs(os.path.join(self.path, 'var/lib/pacman'))
        self.etc = os.path.join(self.root.tmp, 'pacman')
        self.conf = os.path.join(self.etc, 'pacman.conf')
        os.makedirs(self.etc)
        with open(self.conf, 'w') as f:
            f.write(PACMAN_CONF)
        self.original = self.tree()

    def pacman(self, *args):
        p = self.path
        r, _ = pkglib.run(['pacman', '--root', p, '--dbpath', p + '/var/lib/pacman', '--config', self.conf,
                           '--cachedir', p + '/var/cache/pacman/pkg', '--logfile', p + '/var/log/pacman.log',
                           '--gpgdir', self.etc + '/gnupg', '--hookdir', self.etc + '/hooks',
                           '--noconfirm', '--color', 'never', *args], timeout=120)
        return r

    def installed(self):
        return self.pacman('-Q', 'passthrough-helper').returncode == 0


@NEEDS_MAKEPKG
@unittest.skipUnless(shutil.which('pacman'), 'needs pacman (Debian package pacman-package-manager)')
@unittest.skipUnless(os.geteuid() == 0, 'makes the build user; pacman --root chroots for hooks')
class PacmanHooks(pkglib.RemovalRule, unittest.TestCase):
    """The PreTransaction hook and the install scriptlet as pacman runs
    them, chrooted into the root, where the packaged check asks the
    packaged passthroughctl.  -Udd: the root has none of Arch's packages
    (glib2, polkit, …); the scriptlets need only the copied tools."""

    # Arch with systemd-boot and mkinitcpio.
    SEED, SELECT = 'seed000', '0000:09:00.0'

    @classmethod
    def setUpClass(cls):
        cls.helper = build_arch()['helper']

    def make_root(self):
        return PacmanRoot(self.SEED)

    def install(self):
        r = self.r.pacman('-Udd', self.helper)
        # post_install ran inside the root.
        self.assertIn('Passthrough: run "passthroughctl check"', r.stdout)
        return r

    def remove(self):
        return self.r.pacman('-R', 'passthrough-helper')

    def upgrade(self):
        # The same package again: an Upgrade operation, not a Remove, so
        # the hook does not run.
        return self.r.pacman('-Udd', self.helper)

    def refused(self, out):
        self.assertIn('Checking that Passthrough has nothing applied', out)
        self.assertIn('failed to run transaction hooks', out)

    def upgraded(self, out):
        self.assertIn('reinstalling passthrough-helper', out)
        self.assertNotIn('Checking that Passthrough has nothing applied', out)


if __name__ == '__main__':
    unittest.main(verbosity=2)
