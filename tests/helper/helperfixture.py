# helperfixture.py: a small fixture root for the helper's tests — one Debian 12
# desktop with GRUB and initramfs-tools (the layout of HACKING.md), and what a
# root D-Bus helper needs on top: driver_override, unbind and drivers_probe
# files, DRM connectors with their status, a mounted NVMe disk and the NIC of
# the default route.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import hashlib
import os

KERNEL = '6.1.0-18-amd64'

# address, class, vendor, device, group, driver, extra
DEVICES = [
    ('0000:00:00.0', 0x060000, 0x8086, 0x3e30, 0, None, {}),
    ('0000:00:01.0', 0x060400, 0x8086, 0x1901, 1, 'pcieport', {}),
    ('0000:00:02.0', 0x030000, 0x8086, 0x3e92, 2, 'i915', {'boot_vga': '1'}),
    # the GPU to pass through, with its HDMI audio, below 00:01.0
    ('0000:01:00.0', 0x030000, 0x10de, 0x2184, 1, 'nouveau', {'boot_vga': '0', 'reset_method': 'bus'}),
    ('0000:01:00.1', 0x040300, 0x10de, 0x1aeb, 1, 'snd_hda_intel', {'reset_method': 'bus'}),
    ('0000:00:1b.0', 0x060400, 0x8086, 0xa340, 3, 'pcieport', {}),
    ('0000:02:00.0', 0x010802, 0x144d, 0xa808, 3, 'nvme', {}),
    ('0000:00:1c.0', 0x060400, 0x8086, 0xa338, 4, 'pcieport', {}),
    ('0000:03:00.0', 0x020000, 0x8086, 0x15bc, 4, 'igb', {}),
    # a second add-in GPU with a monitor plugged in
    ('0000:00:1d.0', 0x060400, 0x8086, 0xa330, 5, 'pcieport', {}),
    ('0000:04:00.0', 0x030000, 0x1002, 0x73ff, 5, 'amdgpu', {'boot_vga': '0', 'reset_method': 'flr'}),
    ('0000:04:00.1', 0x040300, 0x1002, 0xab28, 5, 'snd_hda_intel', {}),
    ('0000:00:14.0', 0x0c0330, 0x8086, 0xa36d, 6, 'xhci_hcd', {}),
]

BRIDGE_OF = {'0000:01': '0000:00:01.0', '0000:02': '0000:00:1b.0',
             '0000:03': '0000:00:1c.0', '0000:04': '0000:00:1d.0'}

GRUB = '''# If you change this file, run 'update-grub' afterwards to update
# /boot/grub/grub.cfg.
# For full documentation of the options in this file, see:
#   info -f grub -n 'Simple configuration'

GRUB_DEFAULT=0
GRUB_TIMEOUT=5
GRUB_DISTRIBUTOR=`lsb_release -i -s 2> /dev/null || echo Debian`
GRUB_CMDLINE_LINUX_DEFAULT="quiet"
GRUB_CMDLINE_LINUX=""
'''

INITRAMFS_MODULES = '''# List of modules that you want to include in your initramfs.
# They will be loaded at boot time in the order below.
#
# Syntax:  module_name [args ...]
#
# You must run update-initramfs(8) to effect this change.
#
# Examples:
#
# raid1
# sd_mod
'''


def write(root, rel, text, mode=0o644):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w' if isinstance(text, str) else 'wb') as f:
        f.write(text)
    os.chmod(path, mode)


def link(root, rel, target):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    os.symlink(target, path)


def device_dir(addr):
    parts = ['devices', 'pci0000:00']
    bridge = BRIDGE_OF.get(addr[:7])
    if bridge:
        parts.append(bridge)
    parts.append(addr)
    return '/'.join(parts)


def relative(from_rel_dir, to_rel):
    return os.path.relpath(to_rel, from_rel_dir)


def make_root(root):
    sysd = 'sys'
    for addr, cls, ven, dev, group, driver, extra in DEVICES:
        d = f'{sysd}/{device_dir(addr)}'
        write(root, f'{d}/vendor', f'0x{ven:04x}\n')
        write(root, f'{d}/device', f'0x{dev:04x}\n')
        write(root, f'{d}/subsystem_vendor', f'0x{ven:04x}\n')
        write(root, f'{d}/subsystem_device', '0x0000\n')
        write(root, f'{d}/class', f'0x{cls:06x}\n')
        write(root, f'{d}/revision', '0x01\n')
        write(root, f'{d}/driver_override', '(null)\n')
        for key, value in extra.items():
            write(root, f'{d}/{key}', value + '\n')
        if driver:
            drv = f'{sysd}/bus/pci/drivers/{driver}'
            os.makedirs(os.path.join(root, drv), exist_ok=True)
            if not os.path.exists(os.path.join(root, drv, 'unbind')):
                write(root, f'{drv}/unbind', '', 0o200)
                write(root, f'{drv}/bind', '', 0o200)
            link(root, f'{d}/driver', relative(d, drv))
        grp = f'{sysd}/kernel/iommu_groups/{group}/devices'
        os.makedirs(os.path.join(root, grp), exist_ok=True)
        link(root, f'{d}/iommu_group', relative(d, f'{sysd}/kernel/iommu_groups/{group}'))
        link(root, f'{grp}/{addr}', relative(grp, d))
        link(root, f'{sysd}/bus/pci/devices/{addr}', relative(f'{sysd}/bus/pci/devices', d))
    os.makedirs(os.path.join(root, 'sys/bus/pci/drivers/vfio-pci'), exist_ok=True)
    write(root, 'sys/bus/pci/drivers/vfio-pci/unbind', '', 0o200)
    write(root, 'sys/bus/pci/drivers_probe', '', 0o200)
    os.makedirs(os.path.join(root, 'sys/class/iommu/dmar0'), exist_ok=True)

    # NVMe holding / and the NIC of the default route
    nvme = f'sys/{device_dir("0000:02:00.0")}/nvme/nvme0/nvme0n1'
    write(root, f'{nvme}/dev', '259:0\n')
    write(root, f'{nvme}/nvme0n1p1/dev', '259:1\n')
    write(root, f'{nvme}/nvme0n1p1/partition', '1\n')
    link(root, 'sys/class/block/nvme0n1', relative('sys/class/block', nvme))
    link(root, 'sys/class/block/nvme0n1p1', relative('sys/class/block', f'{nvme}/nvme0n1p1'))
    link(root, 'sys/dev/block/259:1', relative('sys/dev/block', f'{nvme}/nvme0n1p1'))
    link(root, 'sys/block/nvme0n1', relative('sys/block', nvme))
    net = f'sys/{device_dir("0000:03:00.0")}/net/enp3s0'
    os.makedirs(os.path.join(root, net), exist_ok=True)
    link(root, 'sys/class/net/enp3s0', relative('sys/class/net', net))

    # DRM: a monitor on the AMD card, none on the NVIDIA card
    for card, addr, conn, status in (('card0', '0000:00:02.0', 'eDP-1', 'connected'),
                                     ('card1', '0000:01:00.0', 'HDMI-A-1', 'disconnected'),
                                     ('card2', '0000:04:00.0', 'DP-1', 'connected')):
        cdir = f'sys/{device_dir(addr)}/drm/{card}'
        write(root, f'{cdir}/{card}-{conn}/status', status + '\n')
        link(root, f'{cdir}/device', '../..')
        link(root, f'sys/class/drm/{card}', relative('sys/class/drm', cdir))
        link(root, f'sys/class/drm/{card}-{conn}', relative('sys/class/drm', f'{cdir}/{card}-{conn}'))

    write(root, 'proc/cmdline', f'BOOT_IMAGE=/vmlinuz-{KERNEL} root=UUID=6c1f0c5e-2a57-4b7e-9d0e-3f5a1b2c4d6e ro quiet\n')
    write(root, 'proc/cpuinfo', 'processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu vme de pse vmx\n\n')
    write(root, 'proc/interrupts', '           CPU0\n 24:          0  IR-PCI-MSI 1048576-edge      nvme0q0\n')
    write(root, 'proc/self/mountinfo',
          '22 1 259:1 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p1 rw\n')
    write(root, 'proc/swaps', 'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n')
    write(root, 'proc/net/route',
          'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n'
          'enp3s0\t00000000\t0100A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n')
    write(root, 'proc/sys/kernel/osrelease', KERNEL + '\n')
    write(root, f'lib/modules/{KERNEL}/modules.builtin', 'kernel/drivers/pci/pcie/portdrv.ko\n')
    write(root, f'lib/modules/{KERNEL}/modules.dep',
          'kernel/drivers/vfio/pci/vfio-pci.ko: kernel/drivers/vfio/vfio.ko\n'
          'kernel/drivers/vfio/vfio.ko:\n'
          'kernel/drivers/gpu/drm/nouveau/nouveau.ko:\n')
    write(root, 'etc/os-release', 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n')
    write(root, 'etc/default/grub', GRUB)
    write(root, 'etc/initramfs-tools/modules', INITRAMFS_MODULES)
    write(root, 'etc/initramfs-tools/initramfs.conf', 'MODULES=most\nBUSYBOX=auto\nCOMPRESS=zstd\n')
    os.makedirs(os.path.join(root, 'etc/modprobe.d'), exist_ok=True)
    write(root, 'etc/fstab', 'UUID=6c1f0c5e-2a57-4b7e-9d0e-3f5a1b2c4d6e / ext4 errors=remount-ro 0 1\n')
    write(root, 'boot/grub/grub.cfg', f'# generated\nmenuentry "Debian GNU/Linux" {{\n\tlinux /boot/vmlinuz-{KERNEL} root=UUID=6c1f0c5e-2a57-4b7e-9d0e-3f5a1b2c4d6e ro quiet\n}}\n')
    write(root, f'boot/vmlinuz-{KERNEL}', 'kernel\n')
    write(root, f'boot/initrd.img-{KERNEL}', 'initrd\n')
    write(root, f'boot/config-{KERNEL}', 'CONFIG_VFIO_PCI=m\n')
    os.makedirs(os.path.join(root, 'var/lib'), exist_ok=True)
    os.makedirs(os.path.join(root, 'run'), exist_ok=True)


def tree_digest(root, skip=()):
    '''Every path, type, mode, link target and content under root, hashed:
    equal digests mean byte-identical trees.'''
    h = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(dirnames + filenames):
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root)
            if any(rel == s or rel.startswith(s + '/') for s in skip):
                continue
            st = os.lstat(path)
            h.update(f'{rel}\0{st.st_mode:o}\0'.encode())
            if os.path.islink(path):
                h.update(os.readlink(path).encode())
            elif os.path.isfile(path):
                with open(path, 'rb') as f:
                    h.update(f.read())
            h.update(b'\0')
    return h.hexdigest()


def tree_files(root):
    '''{relative path: bytes} for every regular file under root.'''
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in filenames:
            path = os.path.join(dirpath, name)
            if os.path.isfile(path) and not os.path.islink(path):
                with open(path, 'rb') as f:
                    out[os.path.relpath(path, root)] = f.read()
    return out


def system_bus_config(socket, policy, servicedir=None):
    '''A dbus-daemon configuration like a system bus's: dbus's system.conf
    default policy (no one owns names or calls methods unless a policy file
    allows it), root may run the stand-in polkitd, POLICY (the helper's bus
    policy file) is included; with SERVICEDIR the bus starts the services
    whose files are there (no <servicehelper>, no systemd: it runs Exec=
    itself, with its own environment).'''
    services = f'  <servicedir>{servicedir}</servicedir>\n' if servicedir else ''
    return f'''<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
{services}  <!-- the default policy of a system bus (dbus's system.conf) -->
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
  </policy>
  <!-- the stand-in polkitd, as root -->
  <policy user="root">
    <allow own="org.freedesktop.PolicyKit1"/>
    <allow send_destination="org.freedesktop.PolicyKit1"/>
  </policy>
  <include>{policy}</include>
</busconfig>
'''
