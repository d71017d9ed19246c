#!/usr/bin/python3
# The collection's own checks, offline: ansible-test units (the modules' unit
# tests, Debian's pytest) and the sanity tests that need no download, in a
# copy of contrib/ansible laid out as ansible_collections/example/passthrough.
# On Debian 12's ansible-core 2.14 the skipped sanity tests set up a
# virtualenv and fetch pip (docs/ansible.md).
# SPDX-License-Identifier: GPL-3.0-or-later
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_ROOT = os.environ.get('PASSTHROUGH_SOURCE_ROOT', os.path.dirname(os.path.dirname(HERE)))
NEEDS_PIP = ['ansible-doc', 'import', 'pep8', 'pylint', 'runtime-metadata', 'validate-modules', 'yamllint']


def main():
    if shutil.which('ansible-test', path='/usr/bin:/bin') is None:
        print('ansible-test is missing: install ansible-core (build-aux/dev deps does)')
        return 77
    tmp = tempfile.mkdtemp(prefix='pt-ansible-test-')
    try:
        collection = os.path.join(tmp, 'ansible_collections', 'example', 'passthrough')
        shutil.copytree(os.path.join(SOURCE_ROOT, 'contrib', 'ansible'), collection)
        env = dict(os.environ, HOME=tmp, PATH='/usr/bin:/bin:/usr/sbin:/sbin')
        env.pop('PYTHONPATH', None)
        python = '%d.%d' % sys.version_info[:2]
        failed = 0
        for args in (['units'], ['sanity'] + [a for t in NEEDS_PIP for a in ('--skip-test', t)]):
            cmd = ['ansible-test'] + args + ['--local', '--python', python]
            p = subprocess.run(cmd, cwd=collection, env=env, capture_output=True, text=True)
            print('$ ' + ' '.join(cmd) + '\n' + p.stdout + p.stderr)
            print('# exit %d' % p.returncode)
            if p.returncode != 0:
                failed += 1
        # ansible-doc itself (its sanity test needs pip): each module's
        # DOCUMENTATION, EXAMPLES and RETURN parse and render.
        for module in ('vfio', 'facts'):
            cmd = ['ansible-doc', 'example.passthrough.' + module]
            p = subprocess.run(cmd, env=dict(env, ANSIBLE_COLLECTIONS_PATH=tmp), capture_output=True, text=True)
            ok = p.returncode == 0 and 'RETURN VALUES' in p.stdout and 'EXAMPLES' in p.stdout
            print('$ %s: exit %d, %d lines%s' % (' '.join(cmd), p.returncode, len(p.stdout.splitlines()),
                                                 '' if ok else '\n' + p.stdout + p.stderr))
            failed += 0 if ok else 1
        if shutil.which('yamllint', path='/usr/bin:/bin') is not None:
            cmd = ['yamllint', '-d', '{extends: default, rules: {line-length: {max: 120}}}', '.']
            p = subprocess.run(cmd, cwd=collection, env=env, capture_output=True, text=True)
            print('$ ' + ' '.join(cmd) + ': exit %d\n%s' % (p.returncode, p.stdout))
            failed += 1 if p.returncode != 0 else 0
        return 1 if failed else 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
