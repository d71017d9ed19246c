# Unit tests of the collection's passthroughctl helpers.
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.example.passthrough.plugins.module_utils.passthroughctl import (
    diff_of, issue_sentences, option_args, selection_args, sentence_of)


def test_selection_args_keeps_the_order():
    assert selection_args(['0000:01:00.0'], ['10de:1b80', '10de:10f0']) == [
        '--select', '0000:01:00.0', '--select-ids', '10de:1b80', '--select-ids', '10de:10f0']


def test_option_args_booleans_and_words():
    args, error = option_args({'acs_override': 'downstream', 'allow_last_gpu': True, 'iommu_pt': False})
    assert error is None
    assert args == ['--option', 'acs-override=downstream', '--option', 'allow-last-gpu=true',
                    '--option', 'iommu-pt=false']


def test_option_args_refuses_numbers_and_trial():
    assert option_args({'binding': 1})[0] is None
    assert 'state: trial' in option_args({'trial': True})[1]


def test_sentence_of_drops_the_program_name_and_the_usage_hint():
    stderr = 'passthroughctl: Refused; nothing was changed:\nRun \u201cpassthroughctl --help\u201d for usage.\n'
    assert sentence_of(stderr, '') == 'Refused; nothing was changed:'
    assert sentence_of('', '') == 'passthroughctl failed without saying why.'


def test_diff_of_each_file():
    plan = {'changes': [{'path': '/etc/kernel/cmdline', 'action': 'modify', 'diff': '@@ -1 +1 @@\n'},
                        {'path': '/etc/modprobe.d/passthrough.conf', 'action': 'delete', 'diff': ''}]}
    entries = diff_of(plan)
    assert entries[0]['prepared'] == '@@ -1 +1 @@\n'
    assert entries[1]['prepared'] == 'delete /etc/modprobe.d/passthrough.conf\n'


def test_issue_sentences():
    assert issue_sentences([{'code': 'boot-gpu', 'message': 'M.'}]) == ['[boot-gpu] M.']
    assert issue_sentences(None) == []
