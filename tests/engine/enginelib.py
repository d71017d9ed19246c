# Shared helpers of the engine tests: fixture roots copied from
# tests/engine/roots, the seed snapshots, running passthroughctl with the
# recording stand-in for every command, and hashing whole trees.
# SPDX-License-Identifier: GPL-3.0-or-later
import hashlib
import json
import os
import shutil
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CTL = os.environ.get('PASSTHROUGHCTL') or os.path.join(
    os.environ.get('PASSTHROUGH_BUILD_ROOT', ''), 'src', 'cli', 'passthroughctl')
BUILD_ROOT = os.environ.get('PASSTHROUGH_BUILD_ROOT', '')
WRAPPER = os.path.join(HERE, 'record-command')
SOURCE_ROOT = os.environ.get('PASSTHROUGH_SOURCE_ROOT', os.path.dirname(os.path.dirname(HERE)))
VALGRIND_EXIT = 97

# Directories a distribution ships empty (git keeps no empty directories).
EMPTY_DIRS = {
    'seed000': ['etc/mkinitcpio.conf.d', 'etc/modprobe.d'],
    'seed001': ['etc/dracut.conf.d', 'etc/modprobe.d'],
    'seed002': ['etc/modprobe.d'],
    'seed003': ['etc/dracut.conf.d', 'etc/modprobe.d'],
    'seed004': [],
    # test_truthful.py: GRUB reading its configuration on the EFI system partition or not
    'grub-esp-rocky8': ['etc/dracut.conf.d', 'etc/modprobe.d'],
    'grub-esp-fedora36': ['etc/dracut.conf.d', 'etc/modprobe.d'],
    'grub-esp-centos7': ['etc/dracut.conf.d', 'etc/modprobe.d'],
}


def snapshot(seed):
    return os.path.join(HERE, 'snapshots', seed + '.json')


class Root:
    """A private copy of a seed's fixture root."""

    def __init__(self, seed):
        self.seed = seed
        self.tmp = tempfile.mkdtemp(prefix='pt-engine-')
        self.path = os.path.join(self.tmp, 'root')
        shutil.copytree(os.path.join(HERE, 'roots', seed), self.path, symlinks=True)
        for d in EMPTY_DIRS[seed]:
            os.makedirs(os.path.join(self.path, d), exist_ok=True)
        self.log = os.path.join(self.tmp, 'commands.log')
        self.snapshot = snapshot(seed)

    def cleanup(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def file(self, rel):
        return os.path.join(self.path, rel.lstrip('/'))

    def read(self, rel):
        with open(self.file(rel), encoding='utf-8') as f:
            return f.read()

    def write(self, rel, text):
        os.makedirs(os.path.dirname(self.file(rel)), exist_ok=True)
        with open(self.file(rel), 'w', encoding='utf-8') as f:
            f.write(text)

    def run(self, *args, env=None, snapshot=True, fail=None, fault=None):
        cmd = [CTL, '--root', self.path]
        if snapshot:
            cmd += ['--snapshot', self.snapshot if snapshot is True else snapshot]
        cmd += list(args)
        e = dict(os.environ)
        e['PASSTHROUGH_COMMAND_WRAPPER'] = WRAPPER
        e['PASSTHROUGH_TEST_LOG'] = self.log
        e.pop('PASSTHROUGH_TEST_FAIL', None)
        e.pop('PASSTHROUGH_FAULT', None)
        if fail:
            e['PASSTHROUGH_TEST_FAIL'] = fail
        if fault:
            e['PASSTHROUGH_FAULT'] = fault
        if env:
            e.update(env)
        # Under `meson test --setup valgrind` (PASSTHROUGH_VALGRIND) every
        # run goes through memcheck; a crash test's _exit(99) is left as is.
        log = None
        if os.environ.get('PASSTHROUGH_VALGRIND') and not fault:
            fd, log = tempfile.mkstemp(prefix='pt-valgrind-', suffix='.log', dir=self.tmp)
            os.close(fd)
            cmd = ['valgrind', '--error-exitcode=%d' % VALGRIND_EXIT, '--leak-check=full',
                   '--errors-for-leak-kinds=definite', '--log-file=' + log,
                   '--suppressions=' + os.path.join(SOURCE_ROOT, 'tests', 'valgrind.supp')] + cmd
        r = subprocess.run(cmd, capture_output=True, text=True, env=e, timeout=1200 if log else 60)
        if log and r.returncode == VALGRIND_EXIT:
            with open(log) as f:
                raise AssertionError('memcheck found errors in passthroughctl %s:\n%s' % (args, f.read()[-4000:]))
        return r

    def commands(self):
        """Recorded commands, without the "chroot ROOT" in front."""
        if not os.path.exists(self.log):
            return []
        out = []
        with open(self.log, encoding='utf-8') as f:
            for line in f:
                argv = line.rstrip('\n').split('\t')[:-1]
                assert argv[:2] == ['chroot', self.path], argv
                out.append(argv[2:])
        return out

    def clear_commands(self):
        if os.path.exists(self.log):
            os.unlink(self.log)

    def tree(self, skip_state=True):
        """{relative path: sha256} of every file (symlinks by target)."""
        result = {}
        for top, dirs, files in os.walk(self.path):
            rel_top = os.path.relpath(top, self.path)
            if skip_state and rel_top.startswith('var'):
                continue
            for name in files:
                if rel_top == 'var/lib/passthrough' and name == 'lock':
                    continue   # the flock file, empty, created by the first transaction
                p = os.path.join(top, name)
                rel = os.path.normpath(os.path.join(rel_top, name))
                if os.path.islink(p):
                    result[rel] = 'link:' + os.readlink(p)
                else:
                    with open(p, 'rb') as f:
                        result[rel] = hashlib.sha256(f.read()).hexdigest()
        return result


def original_tree(seed):
    r = Root(seed)
    try:
        return r.tree()
    finally:
        r.cleanup()


def load_json(text):
    return json.loads(text)
