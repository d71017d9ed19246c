#!/usr/bin/python3
# Writes tests/engine/snapshots/seedNNN.json: the machines of the five seeds
# (tests/engine/roots/SOURCES) in the `passthroughctl list --json` format,
# small enough to read.  Rerun after changing a machine here; the JSON files
# are committed so the tests need nothing but them.
# SPDX-License-Identifier: GPL-3.0-or-later
import json
import os

KIND = {'03': 'gpu', '0403': 'audio', '0c03': 'usb', '02': 'network', '01': 'storage', '06': 'bridge'}


def kind(cls):
    for prefix in ('0403', '0c03', '03', '02', '01', '06'):
        if cls.startswith(prefix):
            return KIND[prefix]
    return 'other'


def dev(addr, ids, cls, driver, name, boot_vga=False, holds=(), default_route=False,
        physfn=None, builtin=False):
    vendor, device = ids.split(':')
    return {'address': addr, 'vendor': vendor, 'device': device, 'class': cls,
            'kind': kind(cls), 'device_name': name, 'driver': driver,
            'driver_builtin': builtin, 'boot_vga': boot_vga, 'holds': list(holds),
            'default_route': default_route, 'physfn': physfn, 'virtfns': []}


def machine(cpu, cmdline, release, groups, iommu=True, ungrouped=()):
    return {'format': 1, 'cpu_vendor': cpu, 'cmdline': cmdline, 'kernel_release': release,
            'iommu': {'enabled': iommu, 'vendor': cpu if iommu else None},
            'groups': [{'id': gid, 'devices': devs} for gid, devs in groups],
            'ungrouped': list(ungrouped)}


# 000: Arch, systemd-boot, mkinitcpio; an RX 6600 for the guest (groups 22
# and 23 as in the seed), an NVIDIA host GPU; plus the cases the blockers need.
seed000 = machine('amd', 'initrd=\\initramfs-linux.img root=PARTUUID=8c1f0e54-7d2a-4b8e-9a61-3f0d5e2c7b19 quiet rw',
                  '6.6.8-arch1-1', [
    (0, [dev('0000:00:00.0', '1022:1480', '060000', None, 'Starship/Matisse Root Complex')]),
    (5, [dev('0000:00:14.0', '1022:790b', '0c0500', 'piix4_smbus', 'FCH SMBus Controller'),
         dev('0000:00:14.3', '1022:790e', '060100', None, 'FCH LPC Bridge')]),
    (14, [dev('0000:01:00.0', '144d:a80a', '010802', 'nvme', 'NVMe SSD Controller 980 PRO', holds=['root', 'boot'])]),
    (15, [dev('0000:03:00.0', '10de:2484', '030000', 'nvidia', 'GA104 [GeForce RTX 3070]', boot_vga=True),
          dev('0000:03:00.1', '10de:228b', '040300', 'snd_hda_intel', 'GA104 High Definition Audio Controller')]),
    (16, [dev('0000:05:00.0', '8086:15f3', '020000', 'igc', 'Ethernet Controller I225-V', default_route=True)]),
    (17, [dev('0000:06:00.0', '8086:1521', '020000', 'igb', 'I350 Gigabit Network Connection')]),
    (18, [dev('0000:06:10.0', '8086:1520', '020000', 'igbvf', 'I350 Ethernet Controller Virtual Function',
              physfn='0000:06:00.0')]),
    (19, [dev('0000:07:00.0', '8086:10d3', '020000', 'e1000e', '82574L Gigabit Network Connection')]),
    (21, [dev('0000:08:00.0', '8086:10d3', '020000', 'e1000e', '82574L Gigabit Network Connection')]),
    (22, [dev('0000:09:00.0', '1002:73ff', '030000', 'amdgpu', 'Navi 23 [Radeon RX 6600/6600 XT/6600M]')]),
    (23, [dev('0000:09:00.1', '1002:ab28', '040300', 'snd_hda_intel', 'Navi 21/23 HDMI/DP Audio Controller')]),
    (25, [dev('0000:0c:00.0', '1b21:2142', '0c0330', 'xhci_hcd', 'ASM2142 USB 3.1 Host Controller'),
          dev('0000:0d:00.0', '1b21:0612', '010601', 'ahci', 'ASM1062 Serial ATA Controller')]),
])

# 001: Fedora Silverblue on X570: W6600 for the host, 6800 XT with USB-C and
# the onboard 1 GbE for the guest; AMD.
seed001 = machine('amd', 'BOOT_IMAGE=(hd0,gpt2)/ostree/fedora-3c5e/vmlinuz-6.5.6-300.fc39.x86_64 rhgb quiet '
                  'root=UUID=2d7f4a63-91c0-4e0b-8a27-5b9f3e6d1c48 rootflags=subvol=root rw '
                  'ostree=/ostree/boot.1/fedora/3c5e/0', '6.5.6-300.fc39.x86_64', [
    (14, [dev('0000:01:00.0', '144d:a80a', '010802', 'nvme', 'NVMe SSD Controller 980 PRO', holds=['root', 'boot', 'efi'])]),
    (19, [dev('0000:04:00.0', '8086:15f3', '020000', 'igc', 'Ethernet Controller I225-V', default_route=True)]),
    (20, [dev('0000:05:00.0', '8086:1539', '020000', 'igb', 'I211 Gigabit Network Connection')]),
    (30, [dev('0000:0b:00.0', '1002:73e3', '030000', 'amdgpu', 'Navi 23 WKS-XL [Radeon PRO W6600]', boot_vga=True),
          dev('0000:0b:00.1', '1002:ab28', '040300', 'snd_hda_intel', 'Navi 21/23 HDMI/DP Audio Controller')]),
    (31, [dev('0000:0e:00.0', '1002:73bf', '030000', 'amdgpu', 'Navi 21 [Radeon RX 6800/6800 XT / 6900 XT]')]),
    (32, [dev('0000:0e:00.1', '1002:ab28', '040300', 'snd_hda_intel', 'Navi 21/23 HDMI/DP Audio Controller')]),
    (33, [dev('0000:0e:00.2', '1002:73a6', '0c0330', 'xhci_hcd', 'Navi 21 USB')]),
    (34, [dev('0000:0e:00.3', '1002:73a4', '0c8000', 'ucsi_ccg', 'Navi 21 USB-C UCSI')]),
])

# 002: Pop!_OS with kernelstub; i7-8700K, the IOMMU not turned on yet (the
# seed adds intel_iommu=on), RTX 2080 Ti for the guest, RX 590 for the host.
seed002 = machine('intel', 'initrd=\\EFI\\Pop_OS-4b1c6f0e\\initrd.img root=UUID=5e2a9d71-0c3b-4f86-b1e4-7a9c2d0f3b65 ro quiet loglevel=0 systemd.show_status=false splash',
                  '6.6.6-76060606-generic', [], iommu=False, ungrouped=[
    dev('0000:00:02.0', '8086:3e92', '030000', 'i915', 'CoffeeLake-S GT2 [UHD Graphics 630]'),
    dev('0000:00:17.0', '8086:a282', '010601', 'ahci', '200 Series PCH SATA controller [AHCI mode]'),
    dev('0000:01:00.0', '10de:1e07', '030000', 'nvidia', 'TU102 [GeForce RTX 2080 Ti Rev. A]'),
    dev('0000:01:00.1', '10de:10f7', '040300', 'snd_hda_intel', 'TU102 High Definition Audio Controller'),
    dev('0000:01:00.2', '10de:1ad6', '0c0330', 'xhci_hcd', 'TU102 USB 3.1 Host Controller'),
    dev('0000:01:00.3', '10de:1ad7', '0c8000', 'nvidia-gpu', 'TU102 USB Type-C UCSI Controller'),
    dev('0000:02:00.0', '1002:67df', '030000', 'amdgpu', 'Ellesmere [Radeon RX 470/480/570/570X/580/580X/590]', boot_vga=True),
    dev('0000:02:00.1', '1002:aaf0', '040300', 'snd_hda_intel', 'Ellesmere HDMI Audio [Radeon RX 470/480 / 570/580/590]'),
    dev('0000:04:00.0', '144d:a808', '010802', 'nvme', 'NVMe SSD Controller SM981/PM981/PM983', holds=['root', 'efi']),
    dev('0000:05:00.0', '8086:15b8', '020000', 'e1000e', 'Ethernet Connection (2) I219-V', default_route=True),
])

# 003: Fedora 29 on Threadripper X399 (the seed's 40-group map, the groups
# that matter): GTX 1080 for the guest in group 14, the Renesas USB card in
# group 33, GTX 1060 for the host; group 13 holds the onboard devices with
# two identical I211 NICs.
seed003 = machine('amd', 'BOOT_IMAGE=/vmlinuz-4.20.16-200.fc29.x86_64 root=/dev/mapper/fedora-root ro '
                  'resume=/dev/mapper/fedora-swap rd.lvm.lv=fedora/root rd.lvm.lv=fedora/swap rhgb quiet',
                  '4.20.16-200.fc29.x86_64', [
    (10, [dev('0000:00:14.0', '1022:790b', '0c0500', 'piix4_smbus', 'FCH SMBus Controller'),
          dev('0000:00:14.3', '1022:790e', '060100', None, 'FCH LPC Bridge')]),
    (13, [dev('0000:01:00.0', '1022:43ba', '0c0330', 'xhci_hcd', 'X399 Series Chipset USB 3.1 xHCI Controller'),
          dev('0000:01:00.1', '1022:43b6', '010601', 'ahci', 'X399 Series Chipset SATA Controller'),
          dev('0000:01:00.2', '1022:43b1', '060400', 'pcieport', 'X399 Series Chipset PCIe Bridge'),
          dev('0000:04:00.0', '8086:1539', '020000', 'igb', 'I211 Gigabit Network Connection', default_route=True),
          dev('0000:05:00.0', '8086:24fb', '028000', 'iwlwifi', 'Dual Band Wireless-AC 3168NGW [Stone Peak]'),
          dev('0000:06:00.0', '8086:1539', '020000', 'igb', 'I211 Gigabit Network Connection')]),
    (14, [dev('0000:08:00.0', '10de:1b80', '030000', 'nouveau', 'GP104 [GeForce GTX 1080]'),
          dev('0000:08:00.1', '10de:10f0', '040300', 'snd_hda_intel', 'GP104 High Definition Audio Controller')]),
    (32, [dev('0000:41:00.0', '144d:a804', '010802', 'nvme', 'NVMe SSD Controller SM961/PM961',
              holds=['root', 'boot', 'swap', 'volume'])]),
    (33, [dev('0000:42:00.0', '1912:0014', '0c0330', 'xhci_hcd', 'uPD720201 USB 3.0 Host Controller')]),
    (34, [dev('0000:43:00.0', '10de:1c03', '030000', 'nouveau', 'GP106 [GeForce GTX 1060 6GB]', boot_vga=True),
          dev('0000:43:00.1', '10de:10f1', '040300', 'snd_hda_intel', 'GP106 High Definition Audio Controller')]),
])

# 004: Proxmox VE with GRUB; a GTX 750 (10de:1381) for the guest as in the
# seed's lspci, the board's ASPEED BMC display for the host.
seed004 = machine('amd', 'BOOT_IMAGE=/boot/vmlinuz-6.8.12-4-pve root=/dev/mapper/pve-root ro quiet',
                  '6.8.12-4-pve', [
    (3, [dev('0000:02:00.0', '1a03:2000', '030000', 'ast', 'ASPEED Graphics Family', boot_vga=True)]),
    (8, [dev('0000:04:00.0', '1000:0097', '010700', 'mpt3sas', 'SAS3008 PCI-Express Fusion-MPT SAS-3',
             holds=['root', 'volume'])]),
    (9, [dev('0000:05:00.0', '8086:1533', '020000', 'igb', 'I210 Gigabit Network Connection', default_route=True)]),
    (12, [dev('0000:01:00.0', '10de:1381', '030000', 'nouveau', 'GM107 [GeForce GTX 750]'),
          dev('0000:01:00.1', '10de:0fbc', '040300', 'snd_hda_intel', 'GM107 High Definition Audio Controller [GeForce 940MX]')]),
])

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'snapshots')
for name, m in [('seed000', seed000), ('seed001', seed001), ('seed002', seed002),
                ('seed003', seed003), ('seed004', seed004)]:
    with open(os.path.join(here, name + '.json'), 'w') as f:
        json.dump(m, f, indent=2)
        f.write('\n')
