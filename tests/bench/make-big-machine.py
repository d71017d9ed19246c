#!/usr/bin/python3
# Prints a machine description (tests/fixtures/make-sysfs.py's format) with
# 1,024 PCI functions: 16 dual-port 82599 cards behind their own root ports,
# each physical function with 30 SR-IOV virtual functions in groups of their
# own, plus a host bridge and chipset devices.  Used by bench-list.sh.
#
# SPDX-License-Identifier: GPL-3.0-or-later

CARDS = 16
VFS_PER_PF = 30


def main():
    lines = ['name big-sriov', 'cpu intel', 'iommu intel', 'interrupt-remapping on',
             'kernel 6.1.0-13-amd64', 'vfio module',
             'cmdline BOOT_IMAGE=/vmlinuz-6.1.0-13-amd64 root=/dev/nvme0n1p2 ro intel_iommu=on iommu=pt']
    group = 0
    count = 0

    def pci(text):
        nonlocal group, count
        lines.append(f'{text} group={group}')
        group += 1
        count += 1

    pci('pci 00:00.0 0600 8086:2020 rev=04 driver=skx_uncore')
    for card in range(CARDS):
        bus = 0x10 + card * 2
        dev, fn = 1 + card // 4, card % 4
        pci(f'pci 00:{dev:02x}.{fn} 0604 8086:2030 rev=04 bus={bus:02x} driver=pcieport')
        for pf in range(2):
            pci(f'pci {bus:02x}:00.{pf} 0200 8086:10fb rev=01 subsys=8086:0003 driver=ixgbe reset=flr')
        for i in range(VFS_PER_PF):
            for pf in range(2):
                devfn = 0x80 + 2 * i + pf
                pci(f'pci {bus:02x}:{devfn >> 3:02x}.{devfn & 7} 0200 8086:10ed rev=01 subsys=8086:0c03 '
                    f'physfn={bus:02x}:00.{pf} driver={"ixgbevf" if i % 2 else "vfio-pci"} reset=flr')
    # chipset devices to make the count exact
    extra = [('14.0', '0c03 8086:a1af', 'xhci_hcd'), ('16.0', '0780 8086:a1ba', 'mei_me'),
             ('17.0', '0106 8086:a182', 'ahci'), ('1f.0', '0601 8086:a1c2', None),
             ('1f.2', '0580 8086:a1a1', None), ('1f.4', '0c05 8086:a1a3', 'i801_smbus'),
             ('1f.5', '0c80 8086:a1a4', None)]
    for slot, ids, drv in extra:
        pci(f'pci 00:{slot} {ids} rev=09' + (f' driver={drv}' if drv else ''))
    pci('pci 00:1c.0 0604 8086:a190 rev=f9 bus=01 driver=pcieport')
    pci('pci 01:00.0 0108 144d:a808 subsys=144d:a801 driver=nvme reset=flr')
    bus = 2
    while count < 1024:
        pci(f'pci 00:1d.{bus - 2} 0604 8086:a198 rev=f9 bus={bus:02x} driver=pcieport')
        if count < 1024:
            pci(f'pci {bus:02x}:00.0 0200 8086:1533 rev=03 subsys=15d9:1533 driver=igb reset=flr')
        bus += 1
    lines += ['disk nvme0n1 at=01:00.0 type=nvme', 'part nvme0n1p1 mount=/boot/efi fs=vfat',
              'part nvme0n1p2 mount=/ fs=ext4', 'net eno1 at=02:00.0 default-route']
    print('\n'.join(lines))


if __name__ == '__main__':
    main()
