# Shared helpers of the packages suite: a clean copy of the source tree
# (what a person's clone holds, without build directories), the output
# directory of a package build, and running commands with their output
# kept for the failure message.
# SPDX-License-Identifier: GPL-3.0-or-later
import glob
import os
import shutil
import subprocess
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


def unit_dir():
    """Where this machine's systemd reads units (meson takes the unit
    directory from pkg-config: /lib/systemd/system on Debian 12, /usr/lib/…
    on Fedora and Arch)."""
    r = subprocess.run(['pkg-config', '--variable=systemdsystemunitdir', 'systemd'],
                       capture_output=True, text=True)
    return r.stdout.strip() or '/usr/lib/systemd/system'


def tail(r, lines=40):
    return '\n'.join(((r.stdout or '') + (r.stderr or '')).splitlines()[-lines:])


if __name__ == '__main__':
    # tests/vm/vm-packages.sh: `pkglib.py deb DIR` builds the .debs into DIR
    # and prints the helper's path last.
    import sys
    if len(sys.argv) != 3 or sys.argv[1] != 'deb':
        sys.exit('usage: pkglib.py deb DIR')
    os.makedirs(sys.argv[2], exist_ok=True)
    print(build_debs(os.path.abspath(sys.argv[2]))['helper'])
