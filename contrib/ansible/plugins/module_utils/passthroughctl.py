# -*- coding: utf-8 -*-
# Running passthroughctl for the collection's modules.  Every rule (which
# devices go together, what a plan changes, what a state means) is the
# engine's; this file only builds the command line and reads the JSON.
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

from ansible.module_utils.six import string_types

# passthroughctl's exit codes: 0 done, 1 refused / failed / not ready, 2 usage.
EXIT_REFUSED = 1


class PassthroughctlError(Exception):
    """passthroughctl refused or failed: its own sentence, and what it printed."""

    def __init__(self, message, cmd, rc, stdout, stderr, data=None):
        super(PassthroughctlError, self).__init__(message)
        self.message = message
        self.cmd = cmd
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr
        self.data = data


def sentence_of(stderr, stdout):
    """The lines passthroughctl wrote for a person, without its name."""
    lines = []
    for line in (stderr or '').splitlines():
        line = line.strip()
        if line.startswith('passthroughctl: '):
            line = line[len('passthroughctl: '):]
        if line and not line.startswith('Run \u201cpassthroughctl --help\u201d'):
            lines.append(line)
    if not lines and stdout:
        lines.append(stdout.strip())
    return ' '.join(lines) or 'passthroughctl failed without saying why.'


class Passthroughctl(object):
    """passthroughctl with this task's --root and --snapshot."""

    def __init__(self, module, executable='passthroughctl', root=None, snapshot=None):
        self.module = module
        found = module.get_bin_path(executable, required=False)
        if found is None:
            module.fail_json(msg='passthroughctl was not found (looked for "%s"); install Passthrough on '
                                 'this host, or give its path in the passthroughctl option.' % executable)
        self.executable = found
        self.global_args = []
        if root:
            self.global_args += ['--root', root]
        if snapshot:
            self.global_args += ['--snapshot', snapshot]

    def command(self, args):
        return [self.executable] + self.global_args + list(args) + ['--json']

    def run_json(self, args, ok_codes=(0,)):
        """The JSON passthroughctl printed; PassthroughctlError when it exits
        with a code outside @ok_codes or prints no JSON."""
        cmd = self.command(args)
        rc, stdout, stderr = self.module.run_command(cmd)
        data = None
        try:
            data = json.loads(stdout) if stdout.strip() else None
        except ValueError:
            data = None
        if rc not in ok_codes or data is None:
            raise PassthroughctlError(sentence_of(stderr, '' if data is not None else stdout),
                                      cmd, rc, stdout, stderr, data)
        return data


def selection_args(devices, ids):
    args = []
    for address in devices or []:
        args += ['--select', address]
    for pair in ids or []:
        args += ['--select-ids', pair]
    return args


def option_args(options):
    """The module's options (helper keys with _ for -) as passthroughctl's
    --option KEY=VALUE; the engine's allow-list judges keys and types.
    Returns (args, error sentence or None)."""
    args = []
    for key in sorted(options or {}):
        value = options[key]
        name = key.replace('_', '-')
        if name in ('trial', 'plan-digest'):
            return None, ('The option "%s" is not set by hand here: state: trial arms a trial, and the module '
                          'plans and applies in one step.' % key)
        if isinstance(value, bool):
            text = 'true' if value else 'false'
        elif isinstance(value, string_types):
            text = value
        else:
            return None, ('The option "%s" takes true, false or a word (as the helper does), not %r.' % (key, value))
        args += ['--option', '%s=%s' % (name, text)]
    return args, None


def diff_of(plan):
    """Ansible's diff entries for each file of a plan."""
    return [{'before_header': change['path'], 'after_header': change['path'],
             'prepared': change.get('diff') or '%s %s\n' % (change['action'], change['path'])}
            for change in plan.get('changes', [])]


def issue_sentences(issues):
    return ['[%s] %s' % (issue['code'], issue['message']) for issue in issues or []]
