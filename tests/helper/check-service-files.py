#!/usr/bin/python3
# check-service-files.py: the files that install the helper agree with each
# other and with docs/dbus.md: the D-Bus service file names the bus name, root
# and the systemd unit; the unit is Type=dbus on that name and keeps /sys and
# modprobe usable; the bus policy lets only root own the name and opens only
# our interface, Introspectable, Peer and Properties.Get; each polkit action
# asks for an administrator and carries a SECURITY note; the names of
# src/core/pt-dbus-names.h are those of the interface's XML and of these files.
#
#   check-service-files.py SERVICE UNIT BUS_CONF POLICY HELPER
#
# SPDX-License-Identifier: GPL-3.0-or-later

import configparser
import re
import sys
import xml.etree.ElementTree as ET

NAME = 'com.example.Passthrough.Helper'
service_path, unit_path, conf_path, policy_path, helper = sys.argv[1:6]
failures = []


def check(ok, what):
    print(('ok   ' if ok else 'FAIL ') + what)
    if not ok:
        failures.append(what)


service = configparser.ConfigParser(interpolation=None)
service.optionxform = str
service.read(service_path)
s = service['D-BUS Service']
check(s.get('Name') == NAME, 'service file: Name=' + NAME)
check(s.get('User') == 'root', 'service file: User=root')
check(s.get('SystemdService') == 'passthrough-helper.service', 'service file: SystemdService=passthrough-helper.service')
check(s.get('Exec', '').endswith('/passthrough-helper'), 'service file: Exec= the installed helper')

unit = configparser.ConfigParser(interpolation=None, strict=False)
unit.optionxform = str
unit.read(unit_path)
u = unit['Service']
check(u.get('Type') == 'dbus', 'unit: Type=dbus')
check(u.get('BusName') == NAME, 'unit: BusName=' + NAME)
check(u.get('ExecStart') == helper, 'unit: ExecStart= the helper')
check(u.get('ProtectSystem') == 'strict', 'unit: ProtectSystem=strict')
check(u.get('KillMode', 'control-group') == 'control-group',
      'unit: KillMode=control-group (a regeneration command ends with a killed helper)')
check(u.get('TimeoutStartSec') == '30min',
      'unit: TimeoutStartSec=30min (the start-up recovery may regenerate for minutes)')
rw = u.get('ReadWritePaths', '').split()
for path in ('/etc', '/boot', '/var/lib/passthrough'):
    check(path in rw, f'unit: ReadWritePaths has {path}')
for breaking in ('ProtectKernelTunables', 'ProtectKernelModules', 'PrivateDevices', 'PrivateNetwork', 'ProtectClock'):
    check(u.get(breaking, 'no') in ('no', 'false'), f'unit: {breaking}= is off (it would break the helper)')
check(u.get('NoNewPrivileges') == 'yes', 'unit: NoNewPrivileges=yes')
check(set(u.get('RestrictAddressFamilies', '').split()) == {'AF_UNIX', 'AF_NETLINK'},
      'unit: RestrictAddressFamilies=AF_UNIX AF_NETLINK')
check('Install' not in unit, 'unit: no [Install], it is started by the bus only')

# The capabilities the work needs (the unit's comment says which part needs
# each); none that it does not.
NEEDED_CAPS = {'CAP_DAC_OVERRIDE', 'CAP_CHOWN', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_SYS_MODULE',
               'CAP_LINUX_IMMUTABLE', 'CAP_SYS_ADMIN'}
NEVER_CAPS = {'CAP_NET_ADMIN', 'CAP_NET_RAW', 'CAP_SYS_PTRACE', 'CAP_SYS_TIME', 'CAP_SYS_BOOT',
              'CAP_SYS_RAWIO', 'CAP_SETUID', 'CAP_SETGID', 'CAP_KILL', 'CAP_BPF', 'CAP_SYS_CHROOT'}
caps = set(u.get('CapabilityBoundingSet', '').split())
check(bool(caps) and not any(c.startswith('~') for c in caps), 'unit: CapabilityBoundingSet= is an allow list')
for cap in sorted(NEEDED_CAPS):
    check(cap in caps, f'unit: CapabilityBoundingSet= keeps {cap}')
for cap in sorted(NEVER_CAPS):
    check(cap not in caps, f'unit: CapabilityBoundingSet= drops {cap}')
# A deny list, and none of the groups the initramfs tools, modprobe,
# os-prober or the helper itself use.
filt = u.get('SystemCallFilter', '')
check(filt.startswith('~'), 'unit: SystemCallFilter= is a deny list')
for group in ('@module', '@mount', '@file-system', '@chown', '@privileged', '@system-service',
              '@basic-io', '@process', '@ipc', '@network-io'):
    check(group not in filt.lstrip('~').split(), f'unit: SystemCallFilter= does not deny {group}')
check(u.get('SystemCallErrorNumber') == 'EPERM', 'unit: a filtered call fails with EPERM instead of killing')

# Every sandboxing line says why, in a comment right above it or above the
# block of lines it starts.
with open(unit_path) as f:
    lines = f.read().split('\n')
in_service = False
for i, line in enumerate(lines):
    if line.startswith('['):
        in_service = line == '[Service]'
        continue
    if not in_service or not line or line.startswith('#') or '=' not in line:
        continue
    key = line.split('=', 1)[0]
    if key in ('Type', 'BusName', 'ExecStart', 'StateDirectory', 'StateDirectoryMode'):
        continue
    j = i - 1
    while j >= 0 and lines[j] and not lines[j].startswith('#'):
        j -= 1
    check(j >= 0 and lines[j].startswith('#'), f'unit: {key}= has a comment saying why')

conf = ET.parse(conf_path).getroot()
own = [(p.attrib, a.attrib) for p in conf.findall('policy') for a in p.findall('allow') if 'own' in a.attrib]
check(own == [({'user': 'root'}, {'own': NAME})], 'bus policy: only root owns the name')
sends = sorted((a.attrib.get('send_interface'), a.attrib.get('send_member')) for p in conf.findall('policy')
               if p.attrib.get('context') == 'default' for a in p.findall('allow'))
check(sends == [('com.example.Passthrough.Helper1', None), ('org.freedesktop.DBus.Introspectable', None),
                ('org.freedesktop.DBus.Peer', None), ('org.freedesktop.DBus.Properties', 'Get')],
      'bus policy: default may send to our interface, Introspectable, Peer, and Properties.Get only (Version)')
check(all(a.attrib.get('send_destination') == NAME for p in conf.findall('policy')
          for a in p.findall('allow') if 'send_interface' in a.attrib), 'bus policy: sends only to the helper')

with open(policy_path) as f:
    policy_text = f.read()
policy = ET.fromstring(policy_text)
actions = {a.attrib['id']: a for a in policy.findall('action')}
check(sorted(actions) == ['com.example.Passthrough.bind', 'com.example.Passthrough.configure'],
      'polkit: the two actions')
for aid, action in actions.items():
    d = action.find('defaults')
    check(d.findtext('allow_any') == 'auth_admin', f'polkit {aid}: allow_any auth_admin')
    check(d.findtext('allow_inactive') == 'auth_admin', f'polkit {aid}: allow_inactive auth_admin')
    check(d.findtext('allow_active') == 'auth_admin_keep', f'polkit {aid}: allow_active auth_admin_keep')
    check(bool(action.findtext('message')), f'polkit {aid}: has a message')
    check(re.search(r'<!--\s*SECURITY:[^>]*-->\s*<action id="' + re.escape(aid), policy_text) is not None,
          f'polkit {aid}: SECURITY note right before it')

# The one C header of the names (docs/dbus.md) against the files above.
import os
src = os.environ.get('PASSTHROUGH_SOURCE_ROOT', os.path.join(os.path.dirname(__file__), '..', '..'))
with open(os.path.join(src, 'src', 'core', 'pt-dbus-names.h')) as f:
    header = dict(re.findall(r'#define (PT_DBUS_\w+)\s+"([^"]*)"', f.read()))
iface = ET.parse(os.path.join(src, 'data', 'dbus', 'com.example.Passthrough.Helper1.xml')).getroot().find('interface')
check(header.get('PT_DBUS_HELPER_BUS_NAME') == NAME, 'pt-dbus-names.h: the bus name')
check(header.get('PT_DBUS_HELPER_INTERFACE') == iface.attrib['name'], 'pt-dbus-names.h: the interface of the XML')
check(header.get('PT_DBUS_HELPER_OBJECT_PATH') == '/' + NAME.replace('.', '/'), 'pt-dbus-names.h: the object path')
check(sorted(v for k, v in header.items() if k.startswith('PT_DBUS_ACTION_')) == sorted(actions),
      'pt-dbus-names.h: the polkit actions of the policy')
check([p.attrib for p in iface.findall('property')] == [{'name': 'Version', 'type': 's', 'access': 'read'}],
      'interface: one read-only property, Version')

sys.exit(1 if failures else 0)
