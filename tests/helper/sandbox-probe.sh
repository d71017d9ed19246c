#!/bin/bash
# sandbox-probe.sh: run by test-unit-sandbox.py inside the helper unit's
# sandbox (every hardening property of passthrough-helper.service).  It does
# the helper's work on a fixture root, and checks on this machine's real
# /etc, /boot, /sys and devices that the sandbox leaves the rest of that work
# possible.  One line per check, "ok NAME" or "FAIL NAME: why"; the exit
# status is the number of failures.
#
#   sandbox-probe.sh FIXTURE_ROOT PASSTHROUGHCTL
#
# What this machine allows outside any sandbox comes from the test, so that
# only the sandbox's refusals fail: PROBE_HOST_ROUTES (lines of
# /proc/net/route), PROBE_DISK (a disk root can read, or empty),
# PROBE_MODULES (1 when the kernel loads modules).
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -u
root=$1
ctl=$2
failures=0

ok() { echo "ok $1"; }
fail() { echo "FAIL $1: $2"; failures=$((failures + 1)); }

# The sandbox is there at all: ProtectSystem=strict, the bounding set.
if [ -w /usr ]; then fail sandbox-applied "/usr is writable"; else ok sandbox-applied; fi

# 1. Apply on the fixture root: journal, backups, atomic writes, and the
#    regeneration commands doing an initramfs generator's work
#    (sandbox-regenerate.sh: ldd, cp -a, mknod, cpio, zstd, gzip).
if out=$("$ctl" --root "$root" apply --select 0000:01:00.0 2>&1) &&
   grep -q 'vfio-pci.ids=10de:2184,10de:1aeb' "$root/etc/default/grub" &&
   [ -s "$root/boot/initrd.img-sandbox.zst" ] && [ -s "$root/boot/initrd.img-sandbox.gz" ]; then
  ok apply-and-regenerate
else
  fail apply-and-regenerate "$out"
fi
if out=$("$ctl" --root "$root" revert 2>&1) && ! grep -q 'vfio-pci.ids' "$root/etc/default/grub"; then
  ok revert
else
  fail revert "$out"
fi

# 2. The real directories a regeneration and the helper write stay writable
#    (access(2) reports a read-only mount as EROFS without writing).
for dir in /etc /boot /boot/efi /efi /var/lib/passthrough /var/lib/initramfs-tools; do
  [ -d "$dir" ] || continue
  if [ -w "$dir" ]; then ok "writable-$dir"; else fail "writable-$dir" "read-only in the sandbox"; fi
done

# 3. /sys stays writable: driver_override, unbind and drivers_probe for Bind,
#    EFI variables for the trial (ProtectKernelTunables= would break these).
for attr in /sys/bus/pci/drivers_probe /sys/firmware/efi/efivars; do
  [ -e "$attr" ] || continue
  if [ -w "$attr" ]; then ok "writable-$attr"; else fail "writable-$attr" "read-only in the sandbox"; fi
done

# 4. Loading vfio-pci: finit_module(2) on a bad descriptor is EBADF when the
#    call is allowed; EPERM means the capability or the system call filter
#    forbids it (ProtectKernelModules=, a bounding set without CAP_SYS_MODULE).
finit_module() {
  /usr/bin/python3 -c '
import ctypes, errno
libc = ctypes.CDLL(None, use_errno=True)
r = libc.syscall(313, -1, b"", 0)   # finit_module on x86_64
print(errno.errorcode.get(ctypes.get_errno(), "?") if r < 0 else "loaded")'
}
if [ "${PROBE_MODULES:-}" = 1 ]; then
  result=$(finit_module)
  if [ "$result" = EBADF ]; then ok load-module; else fail load-module "finit_module: $result"; fi
fi

# 5. The immutable flag efivarfs puts on EFI variables can be cleared
#    (bootctl set-oneshot, efibootmgr): CAP_LINUX_IMMUTABLE.
flagged="$root/var/lib/passthrough/immutable-probe"
mkdir -p "${flagged%/*}"
: > "$flagged"
if out=$(chattr +i "$flagged" 2>&1 && chattr -i "$flagged" 2>&1); then
  ok immutable-flag
else
  fail immutable-flag "$out"
fi
chattr -i "$flagged" 2>/dev/null
rm -f "$flagged"

# 6. The disk is visible and readable, as grub-probe needs
#    (PrivateDevices= would hide it).
if [ -n "${PROBE_DISK:-}" ]; then
  if head -c 512 "$PROBE_DISK" > /dev/null 2>&1; then ok read-root-disk; else fail read-root-disk "cannot read $PROBE_DISK"; fi
fi

# 7. The routing table is the host's (the NIC of the default route is
#    refused for Bind; PrivateNetwork= would empty it).
if [ "$(wc -l < /proc/net/route)" -eq "$PROBE_HOST_ROUTES" ]; then
  ok host-routes
else
  fail host-routes "/proc/net/route has $(wc -l < /proc/net/route) lines, the host's $PROBE_HOST_ROUTES"
fi

exit "$failures"
