# Shared helpers of the packages suite: a clean copy of the source tree
# (what a person's clone holds, without build directories), the output
# directory of a package build, and running commands with their output
# kept for the failure message.
# SPDX-License-Identifier: GPL-3.0-or-later
import glob
import os
import re
import shutil
import stat
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_ROOT = os.environ.get('PASSTHROUGH_SOURCE_ROOT', os.path.dirname(os.path.dirname(HERE)))
BUILD_ROOT = os.environ.get('PASSTHROUGH_BUILD_ROOT', os.path.join(SOURCE_ROOT, '_build'))


def work_dir(name):
    """An empty directory for one packaging format below the build tree."""
    path = os.path.join(BUILD_ROOT, 'tests', 'packages', name)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def clean_copy(dest):
    """The source tree as a clone has it: every file git tracks or would
    track (untracked work included, ignored build output left out); without
    git, everything but build directories."""
    if os.path.isdir(os.path.join(SOURCE_ROOT, '.git')) or os.path.isfile(os.path.join(SOURCE_ROOT, '.git')):
        files = subprocess.run(['git', '-C', SOURCE_ROOT, 'ls-files', '-z', '--cached', '--others',
                                '--exclude-standard'],
                               check=True, capture_output=True).stdout.decode().split('\0')
        for rel in files:
            if not rel:
                continue
            src = os.path.join(SOURCE_ROOT, rel)
            if not os.path.lexists(src):
                continue   # deleted in the work tree, not yet in git
            os.makedirs(os.path.join(dest, os.path.dirname(rel)), exist_ok=True)
            shutil.copy2(src, os.path.join(dest, rel), follow_symlinks=False)
    else:
        shutil.copytree(SOURCE_ROOT, dest, symlinks=True,
                        ignore=shutil.ignore_patterns('_build*', 'builddir*', '.git'))
    return dest


def run(cmd, timeout=1500, **kw):
    """Runs cmd; returns (CompletedProcess, seconds).  Output is text."""
    start = time.monotonic()
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)
    return r, time.monotonic() - start


def build_debs(work):
    """dpkg-buildpackage -us -uc -b in a clean copy below work; returns
    {'changes', 'helper', 'app'} paths and prints the build's time."""
    src = clean_copy(os.path.join(work, 'passthrough'))
    r, secs = run(['dpkg-buildpackage', '-us', '-uc', '-b'], cwd=src)
    print('dpkg-buildpackage: %.1f s' % secs, flush=True)
    if r.returncode != 0:
        raise RuntimeError('dpkg-buildpackage failed:\n' + tail(r))
    found = {'changes': glob.glob(os.path.join(work, '*.changes')),
             'helper': glob.glob(os.path.join(work, 'passthrough-helper_*.deb')),
             'app': glob.glob(os.path.join(work, 'passthrough_*.deb'))}
    return {k: v[0] for k, v in found.items()}


def build_app_only():
    """The app built without the helper (meson setup -Dhelper=false
    -Dtests=false, as for a Flatpak), below the build tree: only the app
    and its compiled settings schema are compiled; a second run in the same
    build tree recompiles what changed.  Returns the build directory."""
    build = os.path.join(BUILD_ROOT, 'tests', 'packages', 'app-only')
    if not os.path.exists(os.path.join(build, 'build.ninja')):
        shutil.rmtree(build, ignore_errors=True)
        r, _ = run(['meson', 'setup', '--prefix=/usr', '-Dhelper=false', '-Dtests=false', build, SOURCE_ROOT])
        if r.returncode != 0:
            raise RuntimeError('meson setup of the app-only build failed:\n' + tail(r))
    r, secs = run(['meson', 'compile', '-C', build, 'passthrough:executable', 'gsettings-compile-data_app'])
    print('app-only build: %.1f s' % secs, flush=True)
    if r.returncode != 0:
        raise RuntimeError('the app-only build failed:\n' + tail(r))
    return build


def unit_dir():
    """Where this machine's systemd reads units (meson takes the unit
    directory from pkg-config: /lib/systemd/system on Debian 12, /usr/lib/…
    on Fedora and Arch)."""
    r = subprocess.run(['pkg-config', '--variable=systemdsystemunitdir', 'systemd'],
                       capture_output=True, text=True)
    return r.stdout.strip() or '/usr/lib/systemd/system'


# What the removal scriptlets and hooks run inside the package's root: the
# shell, and the programs packaging/passthrough-removal-check.in calls
# (printf, echo and [ are the shell's own).
SCRIPTLET_TOOLS = ('sh', 'sed', 'grep', 'head', 'rm')


def copy_with_libraries(root, program):
    """Copies PROGRAM (a path or a name on PATH) to the same path below
    ROOT, with every shared library ldd names at the path ldd gives, so a
    process chrooted into ROOT can run it.  The directories are real ones,
    not this machine's merged-/usr links: a package that ships lib/… (the
    unit directory on Debian) unpacks into them without a conflict."""
    path = program if os.path.isabs(program) else shutil.which(program, path='/usr/bin:/bin')
    if path is None:
        raise RuntimeError('%s is not on this machine' % program)
    paths = [path]
    out = subprocess.run(['ldd', os.path.realpath(path)], capture_output=True, text=True).stdout
    for line in out.splitlines():
        m = re.search(r'=> (/\S+)', line) or re.match(r'\s*(/\S+)', line)
        if m:
            paths.append(m.group(1))
    for src in paths:
        dest = os.path.join(root, src.lstrip('/'))
        if not os.path.exists(dest):
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            shutil.copy2(os.path.realpath(src), dest)


def scriptlet_root(root):
    """Makes ROOT a system rpm and pacman can chroot into for scriptlets
    and hooks (both chroot into --root): /bin/sh, the tools of the removal
    check and their libraries, copied from this machine in about a second,
    no network; /tmp, /var/tmp and /dev/null.  The packaged passthroughctl brings its own binary; its
    libraries come from copy_with_libraries once it is installed."""
    for program in SCRIPTLET_TOOLS:
        copy_with_libraries(root, program)
    sh = os.path.join(root, 'bin', 'sh')
    if not os.path.exists(sh):
        os.makedirs(os.path.dirname(sh), exist_ok=True)
        shutil.copy2(os.path.realpath('/bin/sh'), sh)
    for d in ('tmp', 'var/tmp'):
        os.makedirs(os.path.join(root, d), mode=0o1777, exist_ok=True)
    # The check sends passthroughctl's errors to /dev/null: without it the
    # shell refuses the redirection and the check falls back to the text.
    null = os.path.join(root, 'dev', 'null')
    if not os.path.exists(null):
        os.makedirs(os.path.dirname(null), exist_ok=True)
        os.mknod(null, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        os.chmod(null, 0o666)


def tree(path, skip=()):
    """Every file below PATH (symlinks by target) with its content, but
    the directories in SKIP (a package manager's database)."""
    out = {}
    for top, dirs, files in os.walk(path):
        rel = os.path.relpath(top, path)
        if any(rel == s or rel.startswith(s + '/') for s in skip):
            continue
        for name in files + [d for d in dirs if os.path.islink(os.path.join(top, d))]:
            p = os.path.join(top, name)
            if os.path.islink(p):
                out[os.path.normpath(os.path.join(rel, name))] = os.readlink(p)
            else:
                with open(p, 'rb') as f:
                    out[os.path.normpath(os.path.join(rel, name))] = f.read()
    return out


def differences(a, b):
    """The paths whose content differs between two tree()s, sorted: a
    short failure message where assertEqual would diff megabytes of
    copied libraries."""
    return sorted(p for p in set(a) | set(b) if a.get(p) != b.get(p))


class PackageRoot:
    """A fixture root of tests/engine/roots that a package manager installs
    into, with an empty sysfs (the packaged passthroughctl reads the
    machine from the seed's snapshot when the test applies, and from the
    root itself when a scriptlet asks it).  SKIP: the package manager's
    own files, left out of tree()."""

    SKIP = ()

    def __init__(self, seed):
        sys.path.insert(0, os.path.join(os.path.dirname(HERE), 'engine'))
        from enginelib import Root, WRAPPER
        self.wrapper = WRAPPER
        self.root = Root(seed)
        self.path = self.root.path
        os.makedirs(os.path.join(self.path, 'sys/bus/pci/devices'), exist_ok=True)

    def ctl(self, *args, snapshot=True):
        """The packaged passthroughctl, commands recorded, not run."""
        cmd = [os.path.join(self.path, 'usr/bin/passthroughctl'), '--root', self.path]
        if snapshot:
            cmd += ['--snapshot', self.root.snapshot]
        env = dict(os.environ, PASSTHROUGH_COMMAND_WRAPPER=self.wrapper, PASSTHROUGH_TEST_LOG=self.root.log)
        r, _ = run(cmd + list(args), env=env, timeout=120)
        return r

    def state(self):
        return os.path.join(self.path, 'var/lib/passthrough')

    def tree(self):
        return tree(self.path, self.SKIP)

    def cleanup(self):
        self.root.cleanup()


class RemovalRule:
    """The removal rule (docs/packaging.md) as a package manager that
    chroots into its --root runs it, for a unittest.TestCase that also
    defines: SEED and SELECT (a fixture root and a device to apply),
    make_root() (a PackageRoot with scriptlet_root and installed()),
    install(), remove() and upgrade() (each a CompletedProcess), and
    refused(out) / upgraded(out) for what only that manager shows."""

    def setUp(self):
        self.r = self.make_root()
        self.addCleanup(self.r.cleanup)
        r = self.install()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertTrue(self.r.installed())
        copy_with_libraries(self.r.path, os.path.join(self.r.path, 'usr/bin/passthroughctl'))
        self.installed = self.r.tree()

    def apply(self):
        r = self.r.ctl('apply', '--select', self.SELECT)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertTrue(os.path.exists(os.path.join(self.r.state(), 'state.json')))

    def test_removal_refused_while_applied_then_allowed_after_revert(self):
        self.apply()
        applied = self.r.tree()
        r = self.remove()
        out = r.stdout + r.stderr
        self.assertNotEqual(r.returncode, 0, out)
        self.assertIn('Run "sudo passthroughctl revert" first', out)
        # "(applied)": the packaged passthroughctl answered inside the
        # root, not the check's fallback that reads the file as text.
        self.assertIn('a setup applied (applied)', out)
        self.refused(out)
        self.assertTrue(self.r.installed(), 'removed although the check refused:\n' + out)
        self.assertEqual(differences(self.r.tree(), applied), [])

        r = self.r.ctl('revert', snapshot=False)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        r = self.remove()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertFalse(self.r.installed())
        # No purge in these formats: --forget took /var/lib/passthrough.
        # Every boot file as before the install (the libraries the test
        # copied for the packaged passthroughctl aside).
        self.assertFalse(os.path.exists(self.r.state()))
        after = self.r.tree()
        added = set(self.installed) - set(self.r.original)
        self.assertEqual(differences({p: v for p, v in after.items() if p not in added}, self.r.original), [])

    def test_upgrade_keeps_the_applied_setup(self):
        self.apply()
        applied = self.r.tree()
        r = self.upgrade()
        out = r.stdout + r.stderr
        self.assertEqual(r.returncode, 0, out)
        self.upgraded(out)
        self.assertTrue(self.r.installed())
        self.assertEqual(differences(self.r.tree(), applied), [])
        r = self.r.ctl('status', '--json')
        self.assertIn('"state" : "applied"', r.stdout)
        r = self.r.ctl('revert', snapshot=False)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)


def tail(r, lines=40):
    return '\n'.join(((r.stdout or '') + (r.stderr or '')).splitlines()[-lines:])


if __name__ == '__main__':
    # tests/vm/vm-packages.sh: `pkglib.py deb DIR` builds the .debs into DIR
    # and prints the helper's path last.
    if len(sys.argv) != 3 or sys.argv[1] != 'deb':
        sys.exit('usage: pkglib.py deb DIR')
    os.makedirs(sys.argv[2], exist_ok=True)
    print(build_debs(os.path.abspath(sys.argv[2]))['helper'])
