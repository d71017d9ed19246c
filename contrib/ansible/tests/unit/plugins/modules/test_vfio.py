# Unit tests of example.passthrough.vfio: which passthroughctl commands each
# state and answer lead to, with passthroughctl replaced by canned JSON.
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

import pytest

from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes

from ansible_collections.example.passthrough.plugins.modules import vfio

DEVICES = ['0000:01:00.0', '0000:01:00.1']


class Exit(Exception):
    pass


class Fail(Exception):
    pass


def status(state, devices=(), pending=False):
    return {'state': state, 'devices': [{'address': a, 'ok': False} for a in devices],
            'pending_reboot': pending, 'unfinished_transaction': False}


def plan(changes=True, blockers=(), devices=DEVICES, revert=False):
    return {'revert': revert, 'devices': list(devices) if not revert else [], 'binding': 'ids',
            'changes': [{'path': '/etc/default/grub', 'action': 'modify',
                         'diff': '--- a/etc/default/grub\n+++ b/etc/default/grub\n'}] if changes else [],
            'commands': [['update-grub']] if changes else [],
            'warnings': [{'code': 'way-back-unavailable', 'message': 'No way back.', 'devices': []}],
            'blockers': list(blockers)}


class FakeCtl(object):
    """passthroughctl's answers by command name; records every call."""

    def __init__(self, answers):
        self.answers = answers
        self.calls = []

    def __call__(self, module, cmd, **kwargs):
        args = cmd[1:]
        self.calls.append(args)
        words = [a for a in args if not a.startswith('-')]
        # the first word after the global options' values is the command
        name = next(w for w in words if w in ('status', 'plan', 'apply', 'confirm', 'revert', 'list', 'check'))
        if name == 'plan' and '--revert' in args:
            name = 'plan-revert'
        answer = self.answers[name]
        if isinstance(answer, tuple):
            return answer
        return 0, json.dumps(answer), ''

    def commands(self):
        return [next(w for w in c if w in ('status', 'plan', 'apply', 'confirm', 'revert')) for c in self.calls]


@pytest.fixture
def run(monkeypatch):
    def runner(params, answers, check_mode=False, diff=False):
        fake = FakeCtl(answers)
        args = dict(params, passthroughctl='/usr/bin/passthroughctl', _ansible_check_mode=check_mode,
                    _ansible_diff=diff)
        monkeypatch.setattr(basic, '_ANSIBLE_ARGS', to_bytes(json.dumps({'ANSIBLE_MODULE_ARGS': args})))
        monkeypatch.setattr(basic.AnsibleModule, 'get_bin_path', lambda self, name, required=False: name)
        monkeypatch.setattr(basic.AnsibleModule, 'run_command', lambda self, cmd, **kw: fake(self, cmd, **kw))

        def exit_json(self, **kwargs):
            raise Exit(kwargs)

        def fail_json(self, **kwargs):
            raise Fail(kwargs)
        monkeypatch.setattr(basic.AnsibleModule, 'exit_json', exit_json)
        monkeypatch.setattr(basic.AnsibleModule, 'fail_json', fail_json)
        with pytest.raises((Exit, Fail)) as caught:
            vfio.main()
        return caught.type is Exit, caught.value.args[0], fake
    return runner


def test_present_applies_when_the_plan_changes_files(run):
    ok, result, fake = run({'ids': ['10de:1381'], 'root': '/img'},
                           {'status': status('not-applied'), 'plan': plan(),
                            'apply': status('applied', DEVICES, pending=True)})
    assert ok and result['changed'] and result['reboot_required']
    assert result['devices'] == DEVICES and result['binding'] == 'ids'
    assert result['warnings'] == ['[way-back-unavailable] No way back.']
    assert fake.commands() == ['status', 'plan', 'apply']
    assert ['--select-ids', '10de:1381'] == fake.calls[2][fake.calls[2].index('--select-ids'):][:2]
    assert fake.calls[2][:2] == ['--root', '/img']


def test_present_again_changes_nothing(run):
    ok, result, fake = run({'devices': ['0000:01:00.0']},
                           {'status': status('applied', DEVICES), 'plan': plan(changes=False)})
    assert ok and result['changed'] is False
    assert 'apply' not in fake.commands()


def test_same_files_but_no_state_is_adopted(run):
    # A hand-made setup: the files need nothing, but the state is written.
    ok, result, fake = run({'devices': ['0000:01:00.0']},
                           {'status': status('not-applied'), 'plan': plan(changes=False),
                            'apply': status('applied', DEVICES)})
    assert ok and result['changed'] and fake.commands()[-1] == 'apply'


def test_check_mode_returns_the_plan_and_the_diff(run):
    ok, result, fake = run({'devices': ['0000:01:00.0']},
                           {'status': status('not-applied'), 'plan': plan()}, check_mode=True, diff=True)
    assert ok and result['changed']
    assert result['diff'][0]['before_header'] == '/etc/default/grub'
    assert '+++ b/etc/default/grub' in result['diff'][0]['prepared']
    assert fake.commands() == ['status', 'plan']


def test_blockers_fail_with_their_sentences(run):
    blocker = {'code': 'host-needs-device', 'message': 'Device 0000:41:00.0 holds your root filesystem.',
               'devices': ['0000:41:00.0']}
    ok, result, fake = run({'ids': ['144d:a804']},
                           {'status': status('not-applied'), 'plan': (1, json.dumps(plan(blockers=[blocker])), '')})
    assert not ok
    assert result['msg'] == '[host-needs-device] Device 0000:41:00.0 holds your root filesystem.'
    assert result['blockers'] == [blocker]
    assert 'apply' not in fake.commands()


def test_options_go_through_with_dashes(run):
    ok, result, fake = run({'devices': ['0000:01:00.0'], 'options': {'iommu_pt': False, 'binding': 'address'}},
                           {'status': status('applied', DEVICES), 'plan': plan(changes=False)})
    planned = fake.calls[1]
    assert ['--option', 'binding=address', '--option', 'iommu-pt=false'] == \
        planned[planned.index('--option'):planned.index('--option') + 4]


@pytest.mark.parametrize('options', [{'trial': True}, {'plan_digest': 'x'}, {'binding': 3}])
def test_options_the_module_does_not_take(run, options):
    ok, result, fake = run({'devices': ['0000:01:00.0'], 'options': options}, {})
    assert not ok and fake.calls == []


def test_passthroughctl_sentence_is_the_message(run):
    stderr = 'passthroughctl: \u201c10de:13\u201d is not a vendor:device pair.\nRun \u201cpassthroughctl --help\u201d for usage.\n'
    ok, result, fake = run({'ids': ['10de:13']}, {'status': status('not-applied'), 'plan': (2, '', stderr)})
    assert not ok and result['msg'] == '\u201c10de:13\u201d is not a vendor:device pair.' and result['rc'] == 2


def test_regenerate_false_needs_root(run):
    ok, result, fake = run({'devices': ['0000:01:00.0'], 'regenerate': False}, {})
    assert not ok and 'root' in result['msg'] and fake.calls == []


def test_regenerate_false_passes_no_commands(run):
    ok, result, fake = run({'devices': ['0000:01:00.0'], 'regenerate': False, 'root': '/img'},
                           {'status': status('not-applied'), 'plan': plan(), 'apply': status('applied', DEVICES)})
    assert ok and '--no-commands' in fake.calls[-1]


def test_absent_when_nothing_is_set_up(run):
    ok, result, fake = run({'state': 'absent'},
                           {'status': status('not-applied'), 'plan-revert': plan(changes=False, revert=True)})
    assert ok and result['changed'] is False and 'revert' not in fake.commands()


def test_absent_reverts(run):
    ok, result, fake = run({'state': 'absent'},
                           {'status': status('applied', DEVICES), 'plan-revert': plan(revert=True),
                            'revert': status('not-applied')})
    assert ok and result['changed'] and fake.commands()[-1] == 'revert'
    assert result['devices'] == []


def test_trial_already_armed_is_unchanged(run):
    ok, result, fake = run({'devices': ['0000:01:00.0'], 'state': 'trial'},
                           {'status': status('trial-armed', DEVICES), 'plan': plan(changes=False)})
    assert ok and result['changed'] is False
    assert '--trial' in fake.calls[1]


@pytest.mark.parametrize('state,root,words', [
    ('trial-fell-back', None, 'fell back'),
    ('trial-armed', None, 'has not started it yet'),
    ('not-applied', None, 'no trial to confirm'),
])
def test_confirmed_refuses(run, state, root, words):
    params = {'state': 'confirmed'}
    if root:
        params['root'] = root
    ok, result, fake = run(params, {'status': status(state, DEVICES), 'plan-revert': plan(changes=False, revert=True)})
    assert not ok and words in result['msg'] and 'confirm' not in fake.commands()


def test_confirmed_after_a_booted_trial(run):
    ok, result, fake = run({'state': 'confirmed'},
                           {'status': status('trial-booted', DEVICES), 'plan-revert': plan(changes=False, revert=True),
                            'confirm': status('applied', DEVICES)})
    assert ok and result['changed'] and fake.commands()[-1] == 'confirm'
    assert result['devices'] == DEVICES


def test_confirmed_trial_of_other_devices(run):
    ok, result, fake = run({'state': 'confirmed', 'devices': ['0000:02:00.0']},
                           {'status': status('trial-booted', DEVICES),
                            'plan': plan(changes=False, devices=['0000:02:00.0'])})
    assert not ok and '0000:02:00.0' in result['msg'] and 'confirm' not in fake.commands()
