#!/bin/bash
# Runs INSIDE the guest (handed in by vm_boot through fw_cfg; output on ttyS1).
# Prints, in sections the host test parses:
#   DRIVER <address> <vendor>:<device> <driver or ->     one line per PCI function, from sysfs
#   GROUP <address> <iommu group or ->                   from sysfs
#   VFIODEV <address> <group> yes|no                     does /dev/vfio/<group> exist (vfio-pci devices)
#   LSPCI      `lspci -nnk`
#   DMESG      the whole kernel log
#   SNAPSHOT   `passthroughctl list --json` of the running guest (when passthroughctl is installed)
#   STATUS     `passthroughctl status` (when passthroughctl has it)
set -u
shopt -s nullglob
mark() { echo "=== T $1 uptime=$(cut -d' ' -f1 /proc/uptime)s"; }
mark sysfs
for d in /sys/bus/pci/devices/*; do
    a=${d##*/}
    # shell built-ins only: every fork+exec costs under TCG
    drv= grp=
    [ -e "$d/driver" ] && drv=$(cd -P "$d/driver" && echo "${PWD##*/}")
    [ -e "$d/iommu_group" ] && grp=$(cd -P "$d/iommu_group" && echo "${PWD##*/}")
    read -r ven < "$d/vendor"; read -r dev < "$d/device"
    echo "DRIVER $a ${ven#0x}:${dev#0x} ${drv:--}"
    echo "GROUP $a ${grp:--}"
    if [ "$drv" = vfio-pci ]; then
        echo "VFIODEV $a $grp $([ -c "/dev/vfio/$grp" ] && echo yes || echo no)"
    fi
done
mark lspci
echo "=== BEGIN LSPCI"
lspci -nnk
echo "=== END LSPCI"
mark dmesg
echo "=== BEGIN DMESG"
dmesg
echo "=== END DMESG"
if command -v passthroughctl >/dev/null; then
    mark snapshot
    echo "=== BEGIN SNAPSHOT"
    passthroughctl list --json; rc=$?
    echo "=== END SNAPSHOT"
    echo "SNAPSHOT-RC $rc"
    if passthroughctl --help 2>&1 | grep -q '^ *status'; then
        mark status
        echo "=== BEGIN STATUS"
        passthroughctl status; rc=$?
        echo "=== END STATUS"
        echo "STATUS-RC $rc"
    fi
fi
mark end
