#!/usr/bin/python
# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: facts
short_description: Passthrough's view of a host as facts
version_added: "1.0.0"
description:
  - Sets C(ansible_facts.passthrough) with the host's IOMMU groups and devices
    (C(topology), from C(passthroughctl list --json)), whether it is ready for passthrough
    (C(readiness), C(check --json)) and what is configured against what the running kernel
    shows (C(status), C(status --json)).
  - Reads only; check mode runs it as usual.
options:
  root:
    description: A directory holding a whole system to read instead of the running one (C(--root)).
    type: path
  snapshot:
    description:
      - Read the machine from this C(list --json) file (C(--snapshot)) instead of C(/sys).
        A snapshot describes devices, not a running kernel, so C(readiness) is then C(null).
    type: path
  passthroughctl:
    description: The C(passthroughctl) program to run.
    type: str
    default: passthroughctl
requirements:
  - Passthrough (C(passthroughctl)) on the managed host
author:
  - Passthrough developers (@example)
'''

EXAMPLES = r'''
- name: Read Passthrough's facts
  example.passthrough.facts:

- name: Hosts whose devices are not all on vfio-pci
  ansible.builtin.debug:
    msg: "{{ ansible_facts.passthrough.status.devices | rejectattr('ok') | map(attribute='address') | list }}"
'''

RETURN = r'''
ansible_facts:
  description: Facts under the key C(passthrough).
  returned: always
  type: complex
  contains:
    passthrough:
      description: C(topology), C(readiness) and C(status), each the JSON C(passthroughctl) prints.
      returned: always
      type: dict
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.example.passthrough.plugins.module_utils.passthroughctl import (
    EXIT_REFUSED, Passthroughctl, PassthroughctlError)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            root=dict(type='path'),
            snapshot=dict(type='path'),
            passthroughctl=dict(type='str', default='passthroughctl'),
        ),
        supports_check_mode=True,
    )
    ctl = Passthroughctl(module, module.params['passthroughctl'], module.params['root'],
                         module.params['snapshot'])
    try:
        facts = dict(
            topology=ctl.run_json(['list']),
            # check and status exit 1 for "not ready" and "not bound": answers all the same.
            readiness=None if module.params['snapshot'] else ctl.run_json(['check'], ok_codes=(0, EXIT_REFUSED)),
            status=ctl.run_json(['status'], ok_codes=(0, EXIT_REFUSED)),
        )
    except PassthroughctlError as e:
        module.fail_json(msg=e.message, cmd=e.cmd, rc=e.rc, stdout=e.stdout, stderr=e.stderr)
    module.exit_json(changed=False, ansible_facts=dict(passthrough=facts))


if __name__ == '__main__':
    main()
