#!/usr/bin/python3
# The helper's door: a table of bad calls, each with the error name it must
# get, and after each: nothing under the root changed and no command ran.
# polkit allows everything here, so every refusal comes from validation.
#
# SPDX-License-Identifier: GPL-3.0-or-later

from gi.repository import GLib

import helpertest
from helpertest import ERROR

BUS_INVALID = 'org.freedesktop.DBus.Error.InvalidArgs'    # GDBus: wrong signature
INVALID = ERROR + 'InvalidArgs'
UNKNOWN = ERROR + 'UnknownDevice'
GPU = '0000:01:00.0'
V = GLib.Variant


def many(n):
    return [f'0000:{b:02x}:{d:02x}.{f}' for b in range(0, 8) for d in range(0, 32) for f in range(0, 8)][:n]


# (name, method, signature, args, expected error name)
TABLE = [
    # wrong D-Bus types: refused by GDBus before our code runs
    ('apply-string-not-array', 'Apply', 'sa{sv}', (GPU, {}), BUS_INVALID),
    ('apply-missing-options', 'Apply', 'as', ([GPU],), BUS_INVALID),
    ('apply-bytes-with-nul', 'Apply', 'aaya{sv}', ([b'0000:01:00.0\x00rm'], {}), BUS_INVALID),
    ('preview-options-a{ss}', 'Preview', 'asa{ss}', ([GPU], {'trial': 'true'}), BUS_INVALID),
    ('bind-array', 'Bind', 'as', ([GPU],), BUS_INVALID),
    ('bind-int', 'Bind', 'i', (1,), BUS_INVALID),
    ('unbind-two-strings', 'Unbind', 'ss', (GPU, GPU), BUS_INVALID),
    ('revert-array', 'Revert', 'as', ([GPU],), BUS_INVALID),
    ('confirm-no-args', 'Confirm', '', (), BUS_INVALID),
    ('topology-with-arg', 'GetTopology', 's', ('/',), BUS_INVALID),
    # addresses: format, size, injection
    ('apply-empty-list', 'Apply', 'asa{sv}', ([], {}), INVALID),
    ('apply-short-form', 'Apply', 'asa{sv}', (['01:00.0'], {}), INVALID),
    ('apply-newline', 'Apply', 'asa{sv}', (['0000:01:00.0\n'], {}), INVALID),
    ('apply-newline-second-line', 'Apply', 'asa{sv}', (['0000:01:00.0\nGRUB_CMDLINE_LINUX="init=/bin/sh"'], {}), INVALID),
    ('apply-trailing-space', 'Apply', 'asa{sv}', (['0000:01:00.0 '], {}), INVALID),
    ('apply-tab', 'Apply', 'asa{sv}', (['0000:01:00.0\t'], {}), INVALID),
    ('apply-path', 'Apply', 'asa{sv}', (['../../etc'], {}), INVALID),
    ('apply-shell', 'Apply', 'asa{sv}', (['$(reboot)'], {}), INVALID),
    ('apply-semicolon', 'Apply', 'asa{sv}', (['0000:01:00.0;reboot'], {}), INVALID),
    ('apply-comma-list', 'Apply', 'asa{sv}', (['0000:01:00.0,0000:01:00.1'], {}), INVALID),
    ('apply-upper-case', 'Apply', 'asa{sv}', (['0000:01:00.A'], {}), INVALID),
    ('apply-function-8', 'Apply', 'asa{sv}', (['0000:01:00.8'], {}), INVALID),
    ('apply-slot-32', 'Apply', 'asa{sv}', (['0000:01:20.0'], {}), INVALID),
    ('apply-overlong', 'Apply', 'asa{sv}', (['0' * 300], {}), INVALID),
    ('apply-non-ascii', 'Apply', 'asa{sv}', (['0000:01:00.0\u00e9'], {}), INVALID),
    ('apply-empty-string', 'Apply', 'asa{sv}', ([''], {}), INVALID),
    ('apply-65-addresses', 'Apply', 'asa{sv}', (many(65), {}), INVALID),
    ('apply-duplicate', 'Apply', 'asa{sv}', ([GPU, GPU], {}), INVALID),
    ('apply-bad-after-good', 'Apply', 'asa{sv}', ([GPU, '0000:01:00.1\n'], {}), INVALID),
    ('preview-65-addresses', 'Preview', 'asa{sv}', (many(65), {}), INVALID),
    ('preview-escape', 'Preview', 'asa{sv}', (['\x1b[2J'], {}), INVALID),
    ('bind-newline', 'Bind', 's', ('0000:01:00.0\n',), INVALID),
    ('bind-path', 'Bind', 's', ('../../../sys/bus/pci/drivers_probe',), INVALID),
    ('bind-empty', 'Bind', 's', ('',), INVALID),
    ('unbind-shell', 'Unbind', 's', ('$(reboot)',), INVALID),
    ('unbind-overlong', 'Unbind', 's', ('0000:01:00.0' * 40,), INVALID),
    # addresses that are well formed but not on this machine
    ('apply-unknown', 'Apply', 'asa{sv}', (['0000:09:00.0'], {}), UNKNOWN),
    ('preview-one-unknown', 'Preview', 'asa{sv}', ([GPU, '0000:0a:00.0'], {}), UNKNOWN),
    ('bind-unknown', 'Bind', 's', ('0000:09:00.0',), UNKNOWN),
    ('unbind-other-domain', 'Unbind', 's', ('0001:01:00.0',), UNKNOWN),
    # options: unknown keys, wrong types, values outside their grammar
    ('option-unknown-key', 'Apply', 'asa{sv}', ([GPU], {'evil': V('s', 'x')}), INVALID),
    ('option-root-key', 'Apply', 'asa{sv}', ([GPU], {'root': V('s', '/')}), INVALID),
    ('option-iommu-pt-string', 'Apply', 'asa{sv}', ([GPU], {'iommu-pt': V('s', 'true')}), INVALID),
    ('option-binding-bool', 'Apply', 'asa{sv}', ([GPU], {'binding': V('b', True)}), INVALID),
    ('option-binding-grammar', 'Apply', 'asa{sv}', ([GPU], {'binding': V('s', 'vfio')}), INVALID),
    ('option-bootloader-newline', 'Apply', 'asa{sv}',
     ([GPU], {'bootloader': V('s', 'grub\nGRUB_CMDLINE_LINUX="init=/bin/sh"')}), INVALID),
    ('option-acs-shell', 'Apply', 'asa{sv}', ([GPU], {'acs-override': V('s', '$(reboot)')}), INVALID),
    ('option-digest-int', 'Apply', 'asa{sv}', ([GPU], {'plan-digest': V('i', 5)}), INVALID),
    ('option-trial-string', 'Apply', 'asa{sv}', ([GPU], {'trial': V('s', 'yes')}), INVALID),
    ('option-empty-key', 'Apply', 'asa{sv}', ([GPU], {'': V('b', True)}), INVALID),
    ('option-key-newline', 'Apply', 'asa{sv}', ([GPU], {'iommu-pt\n': V('b', True)}), INVALID),
    ('option-overlong-value', 'Apply', 'asa{sv}', ([GPU], {'binding': V('s', 'x' * 1000)}), INVALID),
    ('option-nested-variant', 'Apply', 'asa{sv}', ([GPU], {'trial': V('v', V('b', True))}), INVALID),
    ('option-disable-vga-int', 'Preview', 'asa{sv}', ([GPU], {'disable-vga': V('i', 1)}), INVALID),
    # select-ids (docs/select-ids.md): a list of vendor:device IDs
    ('select-ids-string', 'Preview', 'asa{sv}', ([], {'select-ids': V('s', '10de:2184')}), INVALID),
    ('select-ids-empty-list', 'Apply', 'asa{sv}', ([], {'select-ids': V('as', [])}), INVALID),
    ('select-ids-malformed', 'Preview', 'asa{sv}', ([], {'select-ids': V('as', ['10de:21'])}), INVALID),
    ('select-ids-newline', 'Apply', 'asa{sv}', ([], {'select-ids': V('as', ['10de:2184\nrm'])}), INVALID),
    ('select-ids-overlong', 'Apply', 'asa{sv}', ([], {'select-ids': V('as', ['1' * 300])}), INVALID),
    ('select-ids-65', 'Apply', 'asa{sv}', ([], {'select-ids': V('as', ['10de:2184'] * 65)}), INVALID),
    ('select-ids-bad-address-too', 'Apply', 'asa{sv}', (['01:00.0'], {'select-ids': V('as', ['10de:2184'])}), INVALID),
    ('select-ids-unknown', 'Apply', 'asa{sv}', ([], {'select-ids': V('as', ['10de:ffff'])}), UNKNOWN),
    ('revert-select-ids', 'Revert', 'a{sv}', ({'select-ids': V('as', ['10de:2184'])},), INVALID),
    ('revert-with-option', 'Revert', 'a{sv}', ({'trial': V('b', True)},), INVALID),
    ('revert-unknown-option', 'Revert', 'a{sv}', ({'evil': V('s', '')},), INVALID),
    ('confirm-with-option', 'Confirm', 'a{sv}', ({'iommu-pt': V('s', 'no')},), INVALID),
]


class BadInput(helpertest.HelperTestCase):

    def setUp(self):
        super().setUp()
        self.polkitd_obj.AllowUnknown(True)

    def test_table_is_large_enough(self):
        self.assertGreaterEqual(len(TABLE), 40)
        self.assertEqual(len({row[0] for row in TABLE}), len(TABLE))

    def test_bad_input(self):
        before = self.digest()
        for name, method, signature, args, expected in TABLE:
            with self.subTest(name):
                e = self.assertCallError(expected, method, signature, args)
                self.assertTrue(e.message.strip(), 'the error is a sentence')
                if expected.startswith(ERROR):
                    # a sentence, not a dump: one line, ends with a full stop
                    self.assertNotIn('\n', e.message)
                    self.assertTrue(e.message.endswith('.'), e.message)
                self.assertEqual(self.digest(), before, f'{name} changed the root')
                self.assertEqual(self.commands(), [], f'{name} ran a command')
        # and the helper is still there and still answers
        self.assertIsNone(self.helper.poll())
        self.assertTrue(self.call('GetTopology')[0].startswith('{'))


if __name__ == '__main__':
    helpertest.main()
