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


@unittest.skipUnless(shutil.which('makepkg') and shutil.which('runuser'), 'needs makepkg (Debian package makepkg)')
@unittest.skipUnless(os.geteuid() == 0, 'makes the unprivileged build user')
class ArchPackages(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        ensure_user()
        # The build tree may sit below directories the build user cannot
        # enter: makepkg works in a directory of its own.
        cls.work = pkglib.work_dir('arch')
        top = 'passthrough-' + pkgver()
        src = pkglib.clean_copy(os.path.join(cls.work, 'tree', top))
        cls.pkgdir = os.path.join('/tmp', 'passthrough-makepkg-%d' % os.getpid())
        shutil.rmtree(cls.pkgdir, ignore_errors=True)
        os.makedirs(cls.pkgdir)
        with tarfile.open(os.path.join(cls.pkgdir, top + '.tar.gz'), 'w:gz') as tar:
            tar.add(src, arcname=top)
        for name in os.listdir(ARCH_DIR):
            shutil.copy(os.path.join(ARCH_DIR, name), cls.pkgdir)
        subprocess.run(['chown', '-R', BUILD_USER, cls.pkgdir], check=True)

        r, _ = as_user(['makepkg', '--printsrcinfo'], cls.pkgdir)
        cls.srcinfo = r
        r, secs = as_user(['makepkg', '--nodeps', '--noconfirm', '--nocolor'], cls.pkgdir)
        print('makepkg: %.1f s' % secs)
        if r.returncode != 0:
            raise AssertionError('makepkg failed:\n' + pkglib.tail(r, 60))
        pkgs = glob.glob(os.path.join(cls.pkgdir, '*.pkg.tar*'))
        cls.helper = [p for p in pkgs if os.path.basename(p).startswith('passthrough-helper-')][0]
        cls.app = [p for p in pkgs if re.match(r'passthrough-\d', os.path.basename(p))][0]

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.pkgdir, ignore_errors=True)

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
        self.assertFalse([p for p in list(helper) + list(app) if 'initramfs-tools' in p])
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


if __name__ == '__main__':
    unittest.main(verbosity=2)
