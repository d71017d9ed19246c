#!/usr/bin/python3
# The Ansible collection (contrib/ansible) end to end: ansible-playbook runs
# example.passthrough.vfio over four inventory hosts on a local connection,
# each with `root` a private copy of a fixture root of another distribution
# and boot path (tests/engine/roots), and the engine's recording stand-in in
# place of every regeneration command:
#   debian  seed004  GRUB + initramfs-tools (Proxmox VE on Debian 12)
#   arch    seed000  systemd-boot + mkinitcpio
#   fedora  seed003  GRUB with BLS + dracut
#   blocked seed003 again, selecting the NVMe drive that holds / (a blocker)
# Check mode with --diff, the first run, the second, state absent, a trial
# and its confirmation; a blocked host fails alone while the others go on.
# SPDX-License-Identifier: GPL-3.0-or-later
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'engine'))
import enginelib  # noqa: E402

SOURCE_ROOT = enginelib.SOURCE_ROOT
COLLECTION = os.path.join(SOURCE_ROOT, 'contrib', 'ansible')
PLAYBOOK = os.path.join(HERE, 'playbook.yml')

HOSTS = {
    # name: (seed, ids, devices the plan covers, the regeneration command's name)
    'debian': ('seed004', ['10de:1381'], ['0000:01:00.0', '0000:01:00.1'], 'update-initramfs'),
    'arch': ('seed000', ['1002:73ff'], ['0000:09:00.0', '0000:09:00.1'], 'mkinitcpio'),
    'fedora': ('seed003', ['10de:1b80'], ['0000:08:00.0', '0000:08:00.1'], 'dracut'),
    'blocked': ('seed003', ['144d:a804'], None, None),
}
GOOD = [h for h in HOSTS if HOSTS[h][2] is not None]

failures = []
last_run = {'process': None, 'shown': True}


def check(cond, what):
    print(('ok   ' if cond else 'FAIL ') + what)
    if not cond:
        failures.append(what)
        if not last_run['shown']:
            # what ansible-playbook said, once for each run that failed a check
            last_run['shown'] = True
            print('--- ansible-playbook stdout (end) ---\n' + last_run['process'].stdout[-4000:])
            print('--- stderr (end) ---\n' + last_run['process'].stderr[-2000:])


class Fleet:
    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix='pt-ansible-')
        collections = os.path.join(self.tmp, 'collections', 'ansible_collections', 'example')
        os.makedirs(collections)
        os.symlink(COLLECTION, os.path.join(collections, 'passthrough'))
        self.roots = {h: enginelib.Root(HOSTS[h][0]) for h in HOSTS}
        self.original = {h: r.tree() for h, r in self.roots.items()}
        self.inventory = os.path.join(self.tmp, 'inventory.json')
        hosts = {}
        for h, r in self.roots.items():
            hosts[h] = {
                'ansible_connection': 'local',
                'ansible_python_interpreter': '/usr/bin/python3',
                'pt_root': r.path,
                'pt_snapshot': r.snapshot,
                'pt_ids': HOSTS[h][1],
            }
        with open(self.inventory, 'w', encoding='utf-8') as f:
            json.dump({'all': {'hosts': hosts, 'vars': {
                'passthroughctl': enginelib.CTL,
                'command_wrapper': enginelib.WRAPPER}}}, f)
        self.env = dict(os.environ)
        self.env.update({
            'ANSIBLE_COLLECTIONS_PATH': os.path.join(self.tmp, 'collections'),
            'ANSIBLE_HOME': os.path.join(self.tmp, 'ansible-home'),
            'ANSIBLE_LOCAL_TEMP': os.path.join(self.tmp, 'ansible-tmp'),
            'ANSIBLE_REMOTE_TEMP': os.path.join(self.tmp, 'ansible-tmp'),
            'ANSIBLE_NOCOLOR': '1',
            'ANSIBLE_RETRY_FILES_ENABLED': '0',
            'ANSIBLE_PIPELINING': '1',
            'ANSIBLE_DEPRECATION_WARNINGS': '0',
            'ANSIBLE_LOCALHOST_WARNING': '0',
            'ANSIBLE_CONFIG': os.path.join(self.tmp, 'none.cfg'),
            'PATH': '/usr/bin:/bin:/usr/sbin:/sbin',
            'ANSIBLE_CALLBACK_PLUGINS': os.path.join(HERE, 'callback_plugins'),
            'ANSIBLE_CALLBACKS_ENABLED': 'pt_results',
            'PT_RESULTS_DIR': os.path.join(self.tmp, 'results'),
        })
        os.makedirs(self.env['PT_RESULTS_DIR'])
        for name in ('PYTHONPATH', 'PYTHONHOME', 'ANSIBLE_STDOUT_CALLBACK'):
            self.env.pop(name, None)

    def cleanup(self):
        for r in self.roots.values():
            r.cleanup()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def play(self, state, *extra, limit=None, extra_vars=None):
        results_dir = self.env['PT_RESULTS_DIR']
        for name in os.listdir(results_dir):
            os.unlink(os.path.join(results_dir, name))
        variables = {'vfio_state': state}
        variables.update(extra_vars or {})
        cmd = ['ansible-playbook', '-i', self.inventory, PLAYBOOK, '-e', json.dumps(variables)]
        if limit:
            cmd += ['--limit', limit]
        cmd += list(extra)
        start = time.monotonic()
        p = subprocess.run(cmd, env=self.env, cwd=self.tmp, capture_output=True, text=True)
        print('# %s %s: exit %d, %.1f s' % (state, ' '.join(extra), p.returncode, time.monotonic() - start))
        last_run.update(process=p, shown=False)
        results = {}
        for h in self.roots:
            for action in ('vfio', 'facts'):
                path = os.path.join(results_dir, '%s.%s.json' % (h, action))
                if os.path.exists(path):
                    with open(path, encoding='utf-8') as f:
                        results[h if action == 'vfio' else h + '.facts'] = json.load(f)
        recap = dict(re.findall(r'^(\w+)\s+: (ok=.*)$', p.stdout, re.M))
        return p, results, recap

    def trees(self):
        return {h: r.tree() for h, r in self.roots.items()}


def unchanged(res, host):
    return res.get(host, {}).get('changed') is False and not res.get(host, {}).get('failed')


def failed_in_recap(recap, host):
    m = re.search(r'failed=(\d+)', recap.get(host, ''))
    return m is not None and m.group(1) != '0'


def main():
    if shutil.which('ansible-playbook', path='/usr/bin:/bin') is None:
        print('ansible-playbook is missing: install ansible-core (build-aux/dev deps does)')
        return 77
    fleet = Fleet()
    try:
        run(fleet)
    finally:
        fleet.cleanup()
    if failures:
        print('%d check(s) failed' % len(failures))
        return 1
    return 0


def run(fleet):
    started = time.monotonic()
    good = ','.join(GOOD)

    # Check mode with --diff: the plan and every file's diff, nothing written.
    p, res, recap = fleet.play('present', '--check', '--diff')
    check(p.returncode != 0, 'check mode: the blocked host makes the run fail')
    for h in GOOD:
        check(res.get(h, {}).get('changed') is True, '%s: check mode reports changed' % h)
        check(res.get(h, {}).get('devices') == HOSTS[h][2], '%s: check mode names the devices' % h)
        check(bool(res.get(h, {}).get('plan', {}).get('changes')), '%s: check mode returns the plan' % h)
        check(not failed_in_recap(recap, h), '%s: not failed in check mode' % h)
    check('+++ ' in p.stdout or '@@' in p.stdout, 'check mode with --diff shows the files\' diffs')
    check('vfio-pci.ids=10de:1381,10de:0fbc' in p.stdout, 'the diff shows the Debian host\'s IDs')
    check(fleet.trees() == fleet.original, 'check mode changed no file on any host')
    check(all(not os.path.exists(r.path + '.commands.log') for r in fleet.roots.values()),
          'check mode ran no command')

    # First run: changed on each good host, the blocked one fails alone.
    p, res, recap = fleet.play('present')
    check(p.returncode == 2, 'first run: ansible-playbook exits 2 for the failed host (got %d)' % p.returncode)
    for h in GOOD:
        r = res.get(h, {})
        check(r.get('changed') is True, '%s: first run changed' % h)
        check(r.get('reboot_required') is True, '%s: a restart is required' % h)
        check(r.get('binding') == 'ids', '%s: bound by IDs' % h)
        check(r.get('devices') == HOSTS[h][2], '%s: devices %s' % (h, r.get('devices')))
        check(r.get('status', {}).get('state') == 'applied', '%s: status applied' % h)
        check(not failed_in_recap(recap, h), '%s: not failed while another host was blocked' % h)
        log = fleet.roots[h].path + '.commands.log'
        logged = open(log, encoding='utf-8').read() if os.path.exists(log) else ''
        check(HOSTS[h][3] in logged, '%s: %s was run' % (h, HOSTS[h][3]))
    blocked = res.get('blocked', {})
    check(blocked.get('failed') is True, 'blocked: the task failed')
    check('holds your root filesystem' in blocked.get('msg', ''), 'blocked: the blocker\'s sentence is the message')
    check([b['code'] for b in blocked.get('blockers', [])] == ['host-needs-device'], 'blocked: blockers returned')
    check(failed_in_recap(recap, 'blocked'), 'blocked: failed in the recap')
    after_first = fleet.trees()
    for h in GOOD:
        check(after_first[h] != fleet.original[h], '%s: files changed' % h)
    check(after_first['blocked'] == fleet.original['blocked'], 'blocked: no file changed')

    # Second run, same arguments: nothing changes.  The facts module too.
    p, res, recap = fleet.play('present', limit=good, extra_vars={'read_facts': True})
    check(p.returncode == 0, 'second run succeeds')
    for h in GOOD:
        check(unchanged(res, h), '%s: second run reports changed: false' % h)
    check(fleet.trees() == after_first, 'second run changed no file')
    for h in GOOD:
        facts = res.get(h + '.facts', {}).get('ansible_facts', {}).get('passthrough', {})
        check(facts.get('status', {}).get('state') == 'applied', '%s: facts status applied' % h)
        check(bool(facts.get('topology', {}).get('groups')), '%s: facts topology has groups' % h)
        check('readiness' in facts and facts['readiness'] is None, '%s: readiness null from a snapshot' % h)

    # state: absent in check mode shows what revert would change, changes nothing.
    p, res, recap = fleet.play('absent', '--check', '--diff', limit=good)
    for h in GOOD:
        check(res.get(h, {}).get('changed') is True, '%s: absent in check mode reports changed' % h)
    check('vfio-pci.ids=10de:1381,10de:0fbc' in p.stdout, 'absent --diff shows the lines that go')
    check(fleet.trees() == after_first, 'absent in check mode changed nothing')

    # state: absent gives every byte back; a second time changes nothing.
    p, res, recap = fleet.play('absent', limit=good)
    check(p.returncode == 0, 'absent succeeds')
    for h in GOOD:
        check(res.get(h, {}).get('changed') is True, '%s: absent changed' % h)
    check(fleet.trees() == fleet.original, 'absent: every file is back byte for byte on every host')
    # In one run: Fedora's absent again is unchanged; a trial on Arch's
    # systemd-boot is armed; the Debian GRUB fixture has no grub.cfg to copy a
    # trial entry from, so its trial fails with that sentence, alone.
    p, res, recap = fleet.play('absent', limit=good, extra_vars={'pt_override': {
        'arch': {'state': 'trial'}, 'debian': {'state': 'trial'}}})
    check(unchanged(res, 'fedora'), 'fedora: absent again reports changed: false')
    check(res.get('arch', {}).get('status', {}).get('state') == 'trial-armed', 'arch: trial armed')
    check(res.get('arch', {}).get('changed') is True, 'arch: trial changed')
    check(not failed_in_recap(recap, 'arch'), 'arch: not failed beside the failed Debian trial')
    check('grub.cfg is missing' in res.get('debian', {}).get('msg', ''),
          'debian: the trial fails with the engine\'s sentence: %s' % res.get('debian', {}).get('msg'))
    check(fleet.trees()['debian'] == fleet.original['debian'], 'debian: the refused trial changed nothing')
    check(fleet.trees()['fedora'] == fleet.original['fedora'], 'fedora: absent again changed nothing')
    armed = fleet.trees()['arch']
    p, res, recap = fleet.play('trial', limit='arch')
    check(unchanged(res, 'arch'), 'arch: trial again reports changed: false')
    check(fleet.trees()['arch'] == armed, 'arch: trial again changed no file')
    p, res, recap = fleet.play('confirmed', '--check', '--diff', limit='arch')
    check(res.get('arch', {}).get('changed') is True, 'arch: confirmed in check mode reports changed')
    check(fleet.trees()['arch'] == armed, 'arch: confirmed in check mode changed no file')
    p, res, recap = fleet.play('confirmed', limit='arch')
    check(res.get('arch', {}).get('changed') is True, 'arch: confirmed changed')
    check(res.get('arch', {}).get('status', {}).get('state') == 'applied', 'arch: confirmed: applied')
    # In one run: Arch's confirmed again is unchanged, while bad input on the
    # other two fails with a sentence and changes nothing, on each host alone.
    confirmed = fleet.trees()['arch']
    p, res, recap = fleet.play('confirmed', limit=good, extra_vars={'pt_override': {
        'debian': {'state': 'present', 'options': {'iommu_passthrough': True}},
        'fedora': {'state': 'present', 'ids': ['10de:13']}}})
    check(unchanged(res, 'arch'), 'arch: confirmed again reports changed: false')
    check(fleet.trees()['arch'] == confirmed, 'arch: confirmed again changed no file')
    msg = res.get('debian', {}).get('msg', '')
    check('Unknown option' in msg and 'iommu-pt' in msg, 'an unknown option fails naming the known ones: %s' % msg)
    msg = res.get('fedora', {}).get('msg', '')
    check('vendor:device' in msg, 'a malformed ID fails with its sentence: %s' % msg)
    check(failed_in_recap(recap, 'debian') and failed_in_recap(recap, 'fedora'), 'both bad hosts failed')
    check(fleet.trees()['debian'] == fleet.original['debian'] and
          fleet.trees()['fedora'] == fleet.original['fedora'], 'bad input changed nothing')
    p, res, recap = fleet.play('absent', limit='arch')
    check(fleet.trees() == fleet.original, 'absent after the confirmed trial: every byte back on every host')
    print('# the suite took %.1f s' % (time.monotonic() - started))


if __name__ == '__main__':
    sys.exit(main())
