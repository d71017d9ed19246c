# fixturelib.py: shared by the CLI tests: fixture roots built from the
# machine descriptions at test time, and passthroughctl runs.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import importlib.util
import json
import os
import subprocess
import tempfile

SOURCE_ROOT = os.environ.get('PASSTHROUGH_SOURCE_ROOT',
                             os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..')))
BUILD_ROOT = os.environ.get('PASSTHROUGH_BUILD_ROOT', os.path.join(SOURCE_ROOT, '_build'))
CTL = os.environ.get('PASSTHROUGHCTL', os.path.join(BUILD_ROOT, 'src', 'cli', 'passthroughctl'))
MACHINES = os.path.join(SOURCE_ROOT, 'tests', 'fixtures', 'machines')
DEMO = os.path.join(SOURCE_ROOT, 'data', 'demo')

_spec = importlib.util.spec_from_file_location(
    'make_sysfs', os.path.join(SOURCE_ROOT, 'tests', 'fixtures', 'make-sysfs.py'))
make_sysfs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_sysfs)


def machine_names():
    return sorted(f[:-len('.machine')] for f in os.listdir(MACHINES) if f.endswith('.machine'))


def load_machine(name):
    path = os.path.join(MACHINES, name + '.machine')
    with open(path) as f:
        return make_sysfs.parse_machine(f.read(), path)


class Roots:
    """Fixture roots in one temporary directory, built on first use."""

    def __init__(self):
        self.tmp = tempfile.TemporaryDirectory(prefix='pt-fixtures-')
        self.built = {}

    def get(self, name):
        if name not in self.built:
            root = os.path.join(self.tmp.name, name)
            make_sysfs.build_root(load_machine(name), root)
            self.built[name] = root
        return self.built[name]

    def cleanup(self):
        self.tmp.cleanup()


VALGRIND_EXIT = 99


def run(*args, env=None, cwd=None):
    """Runs passthroughctl; under `meson test --setup valgrind` (which sets
    PASSTHROUGH_VALGRIND) every run goes through memcheck, with its report in a
    file so that stdout and stderr stay what the tests check."""
    e = dict(os.environ)
    e.setdefault('LC_ALL', 'C.UTF-8')
    if env:
        e.update(env)
    cmd = [CTL, *args]
    log = None
    if os.environ.get('PASSTHROUGH_VALGRIND'):
        fd, log = tempfile.mkstemp(prefix='pt-valgrind-', suffix='.log')
        os.close(fd)
        cmd = ['valgrind', f'--error-exitcode={VALGRIND_EXIT}', '--leak-check=full',
               '--errors-for-leak-kinds=definite', f'--log-file={log}',
               '--suppressions=' + os.path.join(SOURCE_ROOT, 'tests', 'valgrind.supp'), *cmd]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, env=e, cwd=cwd,
                           timeout=1200 if log else 120)
        if log and r.returncode == VALGRIND_EXIT:
            with open(log) as f:
                raise AssertionError(f'memcheck found errors in passthroughctl {args}:\n{f.read()[-4000:]}')
        return r
    finally:
        if log:
            os.unlink(log)


def list_json(root):
    r = run('--root', root, 'list', '--json')
    if r.returncode != 0:
        raise AssertionError(f'list --json on {root} failed ({r.returncode}): {r.stderr}')
    return json.loads(r.stdout)


def devices_by_address(data):
    out = {}
    for g in data['groups']:
        for d in g['devices']:
            out[d['address']] = dict(d, group=g['id'])
    for d in data.get('ungrouped', []):
        out[d['address']] = dict(d, group=None)
    return out


def groups(data):
    return {g['id']: sorted(d['address'] for d in g['devices']) for g in data['groups']}
