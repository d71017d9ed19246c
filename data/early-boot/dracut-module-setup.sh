#!/bin/bash
# Passthrough's dracut module: the early binding by PCI address at
# pre-udev (before udev loads host drivers), and the vfio modules.
# Harmless without passthrough.vfio= on the command line.
# SPDX-License-Identifier: GPL-3.0-or-later

check() {
    return 0
}

depends() {
    return 0
}

installkernel() {
    hostonly='' instmods vfio_pci vfio vfio_iommu_type1
}

install() {
    inst_hook pre-udev 00 "$moddir/passthrough-vfio.sh"
}
