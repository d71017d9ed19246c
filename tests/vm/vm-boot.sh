#!/bin/bash
# Boot the vm suite's guest by hand (for debugging; the tests call vm_boot from vm-lib.sh).
#
#   tests/vm/vm-boot.sh [-r ROOTFS] [-s SCRIPT] [-a "extra cmdline"] [-I intel|amd|none] [-w] [-i]
#
#   -r ROOTFS  a guest rootfs directory (default: the cached guest, built if missing); a disk
#              image is made from it under $PASSTHROUGH_VM_CACHE/manual/
#   -s SCRIPT  run SCRIPT in the guest (default: tests/vm/vm-guest-report.sh), then power off
#   -a ARGS    appended to the command line GRUB would build from ROOTFS's /etc/default/grub
#   -I         the emulated IOMMU (default intel)
#   -w         add the twin NIC (a second e1000e 8086:10d3 at 0000:08:00.0)
#   -i         interactive: serial console on this terminal (autologin root); leave with poweroff
# Logs go to $PASSTHROUGH_VM_CACHE/manual/logs.
set -euo pipefail
source "$(dirname "$0")/vm-lib.sh"
[ "$(id -u)" = 0 ] || vm_die "run as root"
ROOTFS= SCRIPT=$VM_DIR/vm-guest-report.sh EXTRA=
while getopts "r:s:a:I:wi" o; do
    case $o in
        r) ROOTFS=$OPTARG ;; s) SCRIPT=$OPTARG ;; a) EXTRA=$OPTARG ;; I) export VM_IOMMU=$OPTARG ;;
        w) export VM_TWIN_NIC=1 ;; i) export VM_INTERACTIVE=1 ;;
        *) sed -n '2,16p' "$0"; exit 2 ;;
    esac
done
if [ -z "$ROOTFS" ]; then vm_ensure_guest; ROOTFS=$VM_GUEST_ROOTFS; fi
M=$VM_CACHE/manual
VM_LOG=$M/logs
mkdir -p "$VM_LOG"
vm_make_disk "$ROOTFS" "$M/disk.img"
name=manual-$(date +%H%M%S)
rc=0
vm_boot "$name" "$M/disk.img" "$SCRIPT" "$(vm_grub_cmdline "$ROOTFS") $EXTRA" || rc=$?
[ "${VM_INTERACTIVE:-0}" = 1 ] || cat "$VM_LOG/$name.agent.log"
exit $rc
