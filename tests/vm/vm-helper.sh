#!/bin/bash
# The vm suite: the root helper on a real system — the guest's own system bus activates the
# installed passthrough-helper through its D-Bus service file and the hardened systemd unit, and
# the guest's real polkitd reads the installed .policy.
#
#   vm-helper.sh bind    "tester" has a polkit rule for com.example.Passthrough.bind only:
#     passthroughctl bind 0000:02:00.0    → the e1000e NIC is on vfio-pci at once (driver_override,
#                                           unbind, drivers_probe, modprobe vfio-pci — all under
#                                           ProtectSystem=strict, NoNewPrivileges, …)
#     passthroughctl bind 0000:01:00.0    → refused (Blocked): the boot GPU
#     passthroughctl unbind 0000:02:00.0  → back on e1000e
#     passthroughctl apply --select …     → refused by polkit (auth_admin, no agent): nothing changes
#     One boot.
#   vm-helper.sh apply   "tester" has a rule for com.example.Passthrough.configure only:
#     boot 1: passthroughctl apply --select 0000:02:00.0 (the helper runs update-grub in the
#             guest, under the unit; its update-initramfs is carried out in a chroot on the host
#             after the boot: tests/vm/vm-guest-defer); passthroughctl bind is refused
#     boot 2 (the guest's own new initramfs and command line): 0000:02:00.0 on vfio-pci;
#             passthroughctl revert
#     boot 3: 0000:02:00.0 back on e1000e, /etc/default/grub byte for byte as before
#     Three boots and two host-chroot initramfs rebuilds: vm-full.
# Exit 77 (skipped) when this machine cannot run QEMU or build the guest, with the reason.
set -euo pipefail
source "$(dirname "$0")/vm-lib.sh"

SCENARIO=${1:?usage: vm-helper.sh bind|apply}
case $SCENARIO in
    bind)  ACTION=com.example.Passthrough.bind ;;
    apply) ACTION=com.example.Passthrough.configure ;;
    *) vm_die "unknown scenario $SCENARIO" ;;
esac
NAME=vm-helper-$SCENARIO
vm_helper_test_begin "$NAME"
t=$EPOCHREALTIME
vm_copy_rootfs "$VM_GUEST_ROOTFS" "$R"
vm_install_helper "$R" "$STAGE" "$ACTION"
[ "$SCENARIO" = apply ] && vm_install_defer "$R"
vm_log "rootfs copy with the helper installed in $(vm_secs "$t" "$EPOCHREALTIME")s"

if [ "$SCENARIO" = bind ]; then
SCRIPT=$WORK/guest-script.sh
cat > "$SCRIPT" <<'GUEST'
#!/bin/bash
# runs in the guest (pt-vm-agent), output parsed by vm-helper.sh
set -u
drv() { local d; d=$(readlink "/sys/bus/pci/devices/$1/driver" 2>/dev/null); echo "${d##*/}"; }
as_tester() { runuser -u tester -- env LC_ALL=C.UTF-8 passthroughctl "$@"; }
systemctl is-active dbus polkit | sed 's/^/SERVICE /'
echo "DRIVER-BEFORE $(drv 0000:02:00.0)"
grub_before=$(sha256sum /etc/default/grub)
echo "=== BEGIN BIND"; as_tester bind 0000:02:00.0; echo "BIND-RC $?"; echo "=== END BIND"
echo "DRIVER-BOUND $(drv 0000:02:00.0)"
echo "OVERRIDE $(cat /sys/bus/pci/devices/0000:02:00.0/driver_override)"
echo "UNIT $(systemctl show passthrough-helper -p ActiveState -p ProtectSystem -p NoNewPrivileges -p ProtectKernelTunables | sort | tr '\n' ' ')"
echo "=== BEGIN BLOCKED"; as_tester bind 0000:01:00.0; echo "BLOCKED-RC $?"; echo "=== END BLOCKED"
echo "=== BEGIN UNBIND"; as_tester unbind 0000:02:00.0; echo "UNBIND-RC $?"; echo "=== END UNBIND"
echo "DRIVER-AFTER $(drv 0000:02:00.0)"
echo "=== BEGIN APPLY"; as_tester apply --select 0000:02:00.0; echo "APPLY-RC $?"; echo "=== END APPLY"
[ "$grub_before" = "$(sha256sum /etc/default/grub)" ] && echo "GRUB unchanged" || echo "GRUB changed"
echo "=== BEGIN JOURNAL"; journalctl -b -u passthrough-helper -u dbus --no-pager | tail -n 40; echo "=== END JOURNAL"
GUEST

vm_make_disk "$R" "$DISK"
vm_boot 1-bind "$DISK" "$SCRIPT" "$(vm_grub_cmdline "$R") intel_iommu=on iommu=pt"
LOG=$VM_LOG/1-bind.agent.log

for s in BIND BLOCKED UNBIND APPLY; do echo "== $s:"; vm_section "$LOG" "$s" | sed 's/^/  | /'; done
[ "$(val DRIVER-BEFORE)" = e1000e ] && ok "0000:02:00.0 on e1000e before" || bad "before: '$(val DRIVER-BEFORE)'"
[ "$(val BIND-RC)" = 0 ] && ok "tester's bind succeeded through the helper" || bad "bind exit $(val BIND-RC)"
[ "$(val DRIVER-BOUND)" = vfio-pci ] && ok "0000:02:00.0 on vfio-pci after bind" || bad "after bind: '$(val DRIVER-BOUND)'"
unit=$(val UNIT)
[ "$unit" = "ActiveState=active NoNewPrivileges=yes ProtectKernelTunables=no ProtectSystem=strict " ] && ok "the helper ran under the hardened unit ($unit)" || bad "unit: '$unit'"
[ "$(val BLOCKED-RC)" = 1 ] && vm_section "$LOG" BLOCKED | grep -q 'firmware boots on' \
    && ok "the boot GPU is refused" || bad "boot GPU: exit $(val BLOCKED-RC)"
[ "$(val UNBIND-RC)" = 0 ] && ok "unbind succeeded" || bad "unbind exit $(val UNBIND-RC)"
[ "$(val DRIVER-AFTER)" = e1000e ] && ok "0000:02:00.0 back on e1000e" || bad "after unbind: '$(val DRIVER-AFTER)'"
[ "$(val APPLY-RC)" = 1 ] && vm_section "$LOG" APPLY | grep -q 'Not authorized' \
    && ok "apply refused by the real polkitd (no configure rule for tester)" || bad "apply: exit $(val APPLY-RC)"
grep -q '^GRUB unchanged$' "$LOG" && ok "/etc/default/grub unchanged" || bad "/etc/default/grub changed"
else
cat > "$WORK/guest-apply.sh" <<GUEST
#!/bin/bash
$GUEST_HELPERS
GUEST
cat >> "$WORK/guest-apply.sh" <<'GUEST'
echo "DRIVER-BEFORE $(drv 0000:02:00.0)"
sha256sum /etc/default/grub | cut -d' ' -f1 | sed 's/^/GRUB-BEFORE /'
echo "=== BEGIN APPLY"; as_tester apply --select 0000:02:00.0; echo "APPLY-RC $?"; echo "=== END APPLY"
echo "=== BEGIN BIND"; as_tester bind 0000:02:00.0; echo "BIND-RC $?"; echo "=== END BIND"
echo "UNIT $(systemctl show passthrough-helper -p ProtectSystem -p NoNewPrivileges | sort | tr '\n' ' ')"
echo "=== BEGIN JOURNAL"; journalctl -b -u passthrough-helper --no-pager | tail -n 60; echo "=== END JOURNAL"
GUEST
echo "$VM_DEFER_REPORT" >> "$WORK/guest-apply.sh"
cat > "$WORK/guest-revert.sh" <<GUEST
#!/bin/bash
$GUEST_HELPERS
GUEST
cat >> "$WORK/guest-revert.sh" <<'GUEST'
echo "DRIVER-APPLIED $(drv 0000:02:00.0)"
echo "=== BEGIN STATUS"; as_tester status; echo "STATUS-RC $?"; echo "=== END STATUS"
echo "=== BEGIN REVERT"; as_tester revert; echo "REVERT-RC $?"; echo "=== END REVERT"
echo "=== BEGIN JOURNAL"; journalctl -b -u passthrough-helper --no-pager | tail -n 60; echo "=== END JOURNAL"
GUEST
echo "$VM_DEFER_REPORT" >> "$WORK/guest-revert.sh"
cat > "$WORK/guest-after.sh" <<GUEST
#!/bin/bash
$GUEST_HELPERS
GUEST
cat >> "$WORK/guest-after.sh" <<'GUEST'
echo "DRIVER-REVERTED $(drv 0000:02:00.0)"
sha256sum /etc/default/grub | cut -d' ' -f1 | sed 's/^/GRUB-AFTER /'
GUEST

vm_make_disk "$R" "$DISK"
vm_boot 1-apply "$DISK" "$WORK/guest-apply.sh" "$(vm_disk_grub_cmdline "$DISK" "$WORK")"
LOG=$VM_LOG/1-apply.agent.log
for s in APPLY BIND; do echo "== $s:"; vm_section "$LOG" "$s" | sed 's/^/  | /'; done
[ "$(val DRIVER-BEFORE)" = e1000e ] && ok "0000:02:00.0 on e1000e before" || bad "before: '$(val DRIVER-BEFORE)'"
[ "$(val APPLY-RC)" = 0 ] && ok "tester's apply succeeded through the helper (regeneration under the unit)" \
    || { bad "apply exit $(val APPLY-RC)"; vm_section "$LOG" JOURNAL | sed 's/^/  | /'; }
[ "$(val BIND-RC)" = 1 ] && vm_section "$LOG" BIND | grep -q 'Not authorized' \
    && ok "bind refused by the real polkitd (no bind rule for tester)" || bad "bind: exit $(val BIND-RC)"
[ "$(val UNIT)" = "NoNewPrivileges=yes ProtectSystem=strict " ] && ok "hardened unit: $(val UNIT)" || bad "unit: '$(val UNIT)'"
GRUB_BEFORE=$(val GRUB-BEFORE)
vm_run_deferred 1-apply "$DISK" "$R"
echo "  guest command line now: $(vm_disk_grub_cmdline "$DISK" "$WORK")"

vm_boot 2-applied "$DISK" "$WORK/guest-revert.sh" "$(vm_disk_grub_cmdline "$DISK" "$WORK")"
LOG=$VM_LOG/2-applied.agent.log
for s in STATUS REVERT; do echo "== $s:"; vm_section "$LOG" "$s" | sed 's/^/  | /'; done
[ "$(val DRIVER-APPLIED)" = vfio-pci ] && ok "after the reboot 0000:02:00.0 is on vfio-pci" || bad "applied: '$(val DRIVER-APPLIED)'"
[ "$(val REVERT-RC)" = 0 ] && ok "tester's revert succeeded through the helper" \
    || { bad "revert exit $(val REVERT-RC)"; vm_section "$LOG" JOURNAL | sed 's/^/  | /'; }
vm_run_deferred 2-applied "$DISK" "$R"

vm_boot 3-reverted "$DISK" "$WORK/guest-after.sh" "$(vm_disk_grub_cmdline "$DISK" "$WORK")"
LOG=$VM_LOG/3-reverted.agent.log
[ "$(val DRIVER-REVERTED)" = e1000e ] && ok "after revert and reboot 0000:02:00.0 is on e1000e" || bad "reverted: '$(val DRIVER-REVERTED)'"
[ -n "$GRUB_BEFORE" ] && [ "$(val GRUB-AFTER)" = "$GRUB_BEFORE" ] && ok "/etc/default/grub byte for byte as before" \
    || bad "/etc/default/grub differs after revert"
fi
vm_test_end "$FAILS" "$R" "$DISK" "$STAGE"
