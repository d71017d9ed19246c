# A callback of tests/ansible/test_playbook.py: each host's result of the
# collection's modules, failed or not, as JSON in $PT_RESULTS_DIR/HOST.ACTION.json
# (one extra module run per host, as a copy task would be, costs seconds on a
# loaded machine).
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = '''
    name: pt_results
    type: aggregate
    short_description: save the collection's task results for the test
    description: Writes each host's example.passthrough result to $PT_RESULTS_DIR.
'''


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'pt_results'
    CALLBACK_NEEDS_ENABLED = True

    def _save(self, result, failed):
        action = result._task.action
        if not action.startswith('example.passthrough.'):
            return
        directory = os.environ['PT_RESULTS_DIR']
        name = '%s.%s.json' % (result._host.get_name(), action.rsplit('.', 1)[1])
        saved = dict(result._result, failed=failed)
        with open(os.path.join(directory, name), 'w') as f:
            json.dump(saved, f)

    def v2_runner_on_ok(self, result):
        self._save(result, False)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._save(result, True)
