#!/usr/bin/python
# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: vfio
short_description: Pass PCI devices through to virtual machines with Passthrough
version_added: "1.0.0"
description:
  - Hands PCI devices to C(vfio-pci) at the next start through Passthrough's engine
    (C(passthroughctl)), which edits the boot loader's command line, C(modprobe.d) and the
    initramfs configuration, with the files' diffs, a one-shot trial start, confirmation and a
    revert that gives back every byte.
  - Every rule (which functions go together, binding by IDs or by address, what blocks)
    is the engine's; the module runs C(passthroughctl --json) and reports what it says.
  - A second run with the same arguments changes nothing and reports C(changed=false).
options:
  devices:
    description:
      - PCI addresses to pass through, as C(0000:01:00.0) or C(01:00.0). The other
        functions of each device's slot come along.
    type: list
    elements: str
    default: []
  ids:
    description:
      - C(vendor:device) pairs such as C(10de:1b80). Every device of the host with those
        IDs is selected (bridges never), each with its slot's functions
        (C(passthroughctl --select-ids)). A host without such a device fails.
    type: list
    elements: str
    default: []
  state:
    description:
      - C(present) applies the setup as the default start.
      - C(trial) arms it for the next start only; a start that does not come up right
        falls back to the old default by itself.
      - C(confirmed) makes a trial that has been started the default. Without O(root) a
        trial that has not been started yet is refused, and so is one that fell back.
      - C(absent) undoes everything Passthrough changed, byte for byte.
    type: str
    choices: [present, trial, confirmed, absent]
    default: present
  options:
    description:
      - The plan's options, as Passthrough's helper names them, with C(_) for C(-)
        (C(binding), C(iommu_pt), C(acs_override), C(unsafe_interrupts), C(disable_vga),
        C(framebuffer_off), C(usb_pci_stub), C(allow_last_gpu), C(bootloader)). Values are
        booleans or words; an unknown key fails with the list of known ones.
    type: dict
    default: {}
  root:
    description:
      - A directory holding a whole system (an image being built, a chroot, a mounted disk)
        to configure instead of the running one, as C(passthroughctl --root).
    type: path
  snapshot:
    description:
      - The machine the system will run on, as C(passthroughctl list --json) saved it
        (C(--snapshot)). Needed with O(root) when the image's own C(/sys) is not that
        machine, as for an image built elsewhere. Only with O(root).
    type: path
  regenerate:
    description:
      - Run the commands that regenerate the initramfs and the boot loader's files.
      - C(false) is only allowed with O(root), for image builders that run them later
        (C(--no-commands)); the engine refuses it where a command is what puts the
        arguments on the boot entries.
    type: bool
    default: true
  passthroughctl:
    description: The C(passthroughctl) program to run.
    type: str
    default: passthroughctl
notes:
  - Check mode returns the plan and changes nothing; with C(--diff) each file's diff is shown.
  - Blockers (a device the host needs, a group not taken whole, ...) fail the task with
    their sentences and change nothing.
  - Without O(root) the change goes through Passthrough's root helper, which polkit
    authorizes; run the task as root (C(become)).
requirements:
  - Passthrough (C(passthroughctl)) on the managed host
author:
  - Passthrough developers (@example)
'''

EXAMPLES = r'''
- name: Arm a trial start for every GTX 1070 of the fleet
  example.passthrough.vfio:
    ids: ["10de:1b80"]
    state: trial
  become: true

- name: Configure an image being built, without running its tools
  example.passthrough.vfio:
    root: /srv/images/vdi-node
    snapshot: /srv/images/vdi-node.machine.json
    devices: ["0000:41:00.0"]
    options:
      binding: ids
      iommu_pt: true
    regenerate: false

- name: Undo everything
  example.passthrough.vfio:
    state: absent
  become: true
'''

RETURN = r'''
changed:
  description: Whether the files, the state or the boot entries changed (or would, in check mode).
  returned: always
  type: bool
reboot_required:
  description: Whether the setup takes effect only at the next start.
  returned: always
  type: bool
devices:
  description: The devices the setup covers (the selection with its slots' functions).
  returned: always
  type: list
  elements: str
  sample: ["0000:01:00.0", "0000:01:00.1"]
binding:
  description: How the devices are bound, C(ids) or C(address) (C(none) for C(absent)).
  returned: always
  type: str
warnings:
  description: The plan's warnings as C([code] sentence).
  returned: when there are any
  type: list
  elements: str
plan:
  description: The plan as C(passthroughctl plan --json) prints it (files with diffs, commands, warnings, blockers).
  returned: always
  type: dict
status:
  description: C(passthroughctl status --json) after the task (before it, in check mode).
  returned: always
  type: dict
blockers:
  description: The blockers that failed the task, as the plan gives them.
  returned: failed
  type: list
  elements: dict
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.example.passthrough.plugins.module_utils.passthroughctl import (
    EXIT_REFUSED, Passthroughctl, PassthroughctlError, diff_of, issue_sentences, option_args,
    selection_args)

TRIAL_STATES = ('trial-armed', 'trial-booted')


def configured_devices(status):
    return sorted(d['address'] for d in status.get('devices', []))


def finish(module, changed, plan, status, reboot_required):
    result = dict(changed=changed, plan=plan, status=status,
                  devices=list(plan.get('devices', [])) if not plan.get('revert') else configured_devices(status),
                  binding=plan.get('binding'), reboot_required=reboot_required)
    warnings = issue_sentences(plan.get('warnings'))
    if warnings:
        result['warnings'] = warnings
    if module._diff and changed:
        result['diff'] = diff_of(plan)
    module.exit_json(**result)


def plan_for(ctl, module, selection, options, trial):
    args = ['plan'] + selection + options + (['--trial'] if trial else [])
    plan = ctl.run_json(args, ok_codes=(0, EXIT_REFUSED))
    if plan.get('blockers'):
        module.fail_json(msg=' '.join(issue_sentences(plan['blockers'])),
                         blockers=plan['blockers'], plan=plan, changed=False)
    return plan


def run_present(module, ctl, status, selection, options, no_commands):
    trial = module.params['state'] == 'trial'
    plan = plan_for(ctl, module, selection, options, trial)
    same = sorted(plan['devices']) == configured_devices(status)
    done = False
    if same and not plan['changes']:
        done = status['state'] == ('trial-armed' if trial else 'applied') or \
            (trial and status['state'] == 'trial-booted')
    if trial and not done and same and status['state'] == 'applied':
        # The setup already is the default start: there is nothing to try.
        done = not plan_for(ctl, module, selection, options, False)['changes']
    if done:
        finish(module, False, plan, status, bool(status.get('pending_reboot')))
    if module.check_mode:
        finish(module, True, plan, status, True)
    after = ctl.run_json(['apply'] + selection + options + (['--trial'] if trial else []) + no_commands)
    finish(module, True, plan, after, bool(after.get('pending_reboot', True)))


def run_confirmed(module, ctl, status, selection, options, no_commands):
    state = status['state']
    if selection:
        plan = plan_for(ctl, module, selection, options, state in TRIAL_STATES)
        if sorted(plan['devices']) != configured_devices(status):
            module.fail_json(msg='The setup on this host covers %s, not %s; arm a trial of these devices first '
                                 '(state: trial).' % (', '.join(configured_devices(status)) or 'no device',
                                                       ', '.join(plan['devices'])), changed=False, status=status)
    else:
        plan = ctl.run_json(['plan', '--revert'])
        plan = dict(plan, devices=configured_devices(status), revert=False, changes=[], commands=[])
    if state == 'applied':
        finish(module, False, plan, status, bool(status.get('pending_reboot')))
    if state == 'trial-fell-back':
        module.fail_json(msg='The trial start fell back: this host started its old setup again, so there is '
                             'nothing to confirm. Find out why (the console, the journal of that start) before '
                             'trying again with state: trial, or undo it with state: absent.',
                         changed=False, status=status)
    if state == 'trial-armed' and not module.params['root']:
        module.fail_json(msg='The trial is armed but this host has not started it yet: restart it, check that '
                             'the devices are on vfio-pci, then confirm.', changed=False, status=status)
    if state not in TRIAL_STATES:
        module.fail_json(msg='There is no trial to confirm on this host (its state is %s); arm one with '
                             'state: trial, or apply directly with state: present.' % state,
                         changed=False, status=status)
    if module.check_mode:
        finish(module, True, plan, status, False)
    after = ctl.run_json(['confirm'] + no_commands)
    finish(module, True, plan, after, bool(after.get('pending_reboot', False)))


def run_absent(module, ctl, status, no_commands):
    plan = ctl.run_json(['plan', '--revert'])
    if status['state'] == 'not-applied' and not plan['changes'] and not plan['commands'] \
            and not status.get('unfinished_transaction'):
        finish(module, False, plan, status, False)
    if module.check_mode:
        finish(module, True, plan, status, bool(plan['changes']))
    after = ctl.run_json(['revert'] + no_commands)
    finish(module, True, plan, after, bool(plan['changes']))


def main():
    module = AnsibleModule(
        argument_spec=dict(
            devices=dict(type='list', elements='str', default=[]),
            ids=dict(type='list', elements='str', default=[]),
            state=dict(type='str', default='present', choices=['present', 'trial', 'confirmed', 'absent']),
            options=dict(type='dict', default={}),
            root=dict(type='path'),
            snapshot=dict(type='path'),
            regenerate=dict(type='bool', default=True),
            passthroughctl=dict(type='str', default='passthroughctl'),
        ),
        supports_check_mode=True,
    )
    p = module.params
    state = p['state']
    selection = selection_args(p['devices'], p['ids'])
    options, error = option_args(p['options'])
    if error:
        module.fail_json(msg=error)
    if state in ('present', 'trial') and not selection:
        module.fail_json(msg='Which devices? Give devices (PCI addresses) or ids (vendor:device pairs).')
    if state == 'absent' and (selection or options):
        module.fail_json(msg='state: absent undoes the whole setup; it takes no devices, ids or options.')
    if not p['regenerate'] and not p['root']:
        module.fail_json(msg='regenerate: false works only with root (a system that is not running); on a '
                             'running host the initramfs must be regenerated for the setup to start.')
    if p['snapshot'] and not p['root']:
        module.fail_json(msg='snapshot works only with root: a running host is read as it is.')
    no_commands = [] if p['regenerate'] else ['--no-commands']

    ctl = Passthroughctl(module, p['passthroughctl'], p['root'], p['snapshot'])
    try:
        # status exits 1 when a configured device is not bound yet: still an answer.
        status = ctl.run_json(['status'], ok_codes=(0, EXIT_REFUSED))
        if state == 'absent':
            run_absent(module, ctl, status, no_commands)
        elif state == 'confirmed':
            run_confirmed(module, ctl, status, selection, options, no_commands)
        else:
            run_present(module, ctl, status, selection, options, no_commands)
    except PassthroughctlError as e:
        module.fail_json(msg=e.message, cmd=e.cmd, rc=e.rc, stdout=e.stdout, stderr=e.stderr,
                         changed=False, plan=e.data if isinstance(e.data, dict) and 'changes' in e.data else None)


if __name__ == '__main__':
    main()
