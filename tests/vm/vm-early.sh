#!/bin/bash
# vm-full: the early by-address binding on a real kernel, where the vm suite does not go.
#
#   vm-early.sh dracut-by-address   the guest switched to dracut (apt-get install dracut in a chroot of
#       its private rootfs copy); two identical e1000e NICs, only 0000:08:00.0 chosen, so the plan
#       binds by address and needs our dracut module (90passthrough, pre-udev hook).
#         1-before    dracut's initramfs, both NICs on e1000e; the snapshot
#         apply       on the host (passthroughctl --root COPY), dracut --regenerate-all in a chroot
#         2-applied   08:00.0 on vfio-pci without e1000e ever probing it, 02:00.0 on e1000e, the hook's
#                     kernel log line; status applied, the device bound
#         revert      on the host, dracut again
#         3-reverted  both NICs on e1000e, status not-applied
#   vm-early.sh hardware-change     initramfs-tools (the guest's own), by address for 0000:08:00.0
#       with its twin present; then another card (QEMU's e1000, 8086:100e) in that slot.
#         1-before    both NICs on e1000e; the snapshot
#         apply       on the host, update-initramfs in a chroot
#         2-swapped   the e1000 at 08:00.0 keeps its own driver, the early script logged that it left
#                     it alone, status says failed for 08:00.0 naming 8086:10d3 and 8086:100e
#         3-back      the twin back in the slot: bound to vfio-pci again, status bound
#
# Direct kernel boots as vm-bind.sh does them: the command line GRUB would build from the copy's
# /etc/default/grub, the initramfs regenerated in a host chroot (minutes under TCG in the guest).
# Exit 77 (skipped) when this machine cannot run QEMU or reach the mirror for dracut.
set -euo pipefail
source "$(dirname "$0")/vm-lib.sh"

SCENARIO=${1:?usage: vm-early.sh dracut-by-address|hardware-change}
case $SCENARIO in
    dracut-by-address|hardware-change) ;;
    *) vm_die "unknown scenario $SCENARIO" ;;
esac
SELECT=0000:08:00.0
TWIN=0000:02:00.0
IDS=8086:10d3           # QEMU's e1000e
OTHER_MODEL=e1000       # QEMU's e1000 (82540EM): another card for the same slot
OTHER_IDS=8086:100e
OTHER_DRIVER=e1000
export VM_TWIN_NIC=1
T0=$EPOCHREALTIME

vm_require_host
vm_test_begin "vm-$SCENARIO"
vm_ensure_guest
R=$WORK/rootfs
DISK=$WORK/disk.img
t=$EPOCHREALTIME
vm_copy_rootfs "$VM_GUEST_ROOTFS" "$R"
install -D -m 0755 "$(find "$STAGE" -name passthroughctl -type f | head -n 1)" "$R/usr/bin/passthroughctl"
vm_install_early_boot "$R" "$STAGE"
vm_chroot "$R" passthroughctl --version >/dev/null \
    || vm_die "the built passthroughctl does not run in the guest (missing runtime library?)"
vm_log "rootfs copy with passthroughctl and the early-boot files in $(vm_secs "$t" "$EPOCHREALTIME")s"
if [ "$SCENARIO" = dracut-by-address ]; then
    [ -x "$R/usr/lib/dracut/modules.d/90passthrough/module-setup.sh" ] \
        || vm_die "meson install put no dracut module 90passthrough into the stage (data/early-boot/)"
    vm_use_dracut "$R"
    [ -x "$R/usr/bin/dracut" ] && [ ! -e "$R/usr/sbin/update-initramfs" ] \
        && echo "  the guest uses dracut now (initramfs-tools removed)" \
        || vm_die "apt did not replace initramfs-tools with dracut"
    kver=$(ls "$R/lib/modules" | sort -V | tail -n 1)
    vm_chroot "$R" lsinitrd "/boot/initrd.img-$kver" > "$VM_LOG/lsinitrd-before.txt" 2>&1 \
        && grep -q '^dracut modules:' "$VM_LOG/lsinitrd-before.txt" \
        || vm_die "/boot/initrd.img-$kver is not dracut's (see $VM_LOG/lsinitrd-before.txt)"
fi

FAILS=0
ok()  { echo "  ok    $*"; }
bad() { echo "  FAIL  $*"; FAILS=$((FAILS + 1)); }

# the report (drivers, dmesg, snapshot, status) and `status --json`
GUEST=$WORK/guest.sh
{
    cat "$VM_DIR/vm-guest-report.sh"
    echo 'echo "=== BEGIN STATUSJSON"; passthroughctl status --json; echo "=== END STATUSJSON"'
} > "$GUEST"

boot() { # name
    vm_make_disk "$R" "$DISK"
    vm_boot "$1" "$DISK" "$GUEST" "$(vm_grub_cmdline "$R")"
    vm_section "$VM_LOG/$1.agent.log" DMESG > "$VM_LOG/$1.dmesg"
    grep '^=== PT-AGENT cmdline' "$VM_LOG/$1.agent.log" | sed 's/^=== PT-AGENT /  guest /'
}
driver_of() { awk -v a="$2" '$1=="DRIVER" && $2==a {print $4}' "$VM_LOG/$1.agent.log"; }
ids_of()    { awk -v a="$2" '$1=="DRIVER" && $2==a {print $3}' "$VM_LOG/$1.agent.log"; }
json_get() { # boot python-expression-on-d
    vm_section "$VM_LOG/$1.agent.log" STATUSJSON \
        | /usr/bin/python3 -c 'import json,sys
try: d=json.load(sys.stdin)
except Exception: print("(no JSON)"); sys.exit(0)
print(eval(sys.argv[1]))' "$2"
}
device_json() { # boot field: that field of $SELECT in status --json
    json_get "$1" 'next((str(x.get("'"$2"'")) for x in d.get("devices", []) if x["address"] == "'"$SELECT"'"), "(not listed)")'
}
expect_driver() { # boot address driver
    local got; got=$(driver_of "$1" "$2")
    [ "$got" = "$3" ] && ok "$2 ($(ids_of "$1" "$2")) on $3" || bad "$2 on '${got:-absent}', expected $3"
}
expect_state() { # boot state
    local got; got=$(json_get "$1" 'd["state"]')
    [ "$got" = "$2" ] && ok "passthroughctl status: $2" || bad "passthroughctl status says '$got', expected $2"
}
expect_bound() { # boot: $SELECT on vfio-pci from the early script, its native driver never on it
    expect_driver "$1" "$SELECT" vfio-pci
    grep -q "^VFIODEV $SELECT [0-9]* yes$" "$VM_LOG/$1.agent.log" && ok "its /dev/vfio node exists" || bad "no /dev/vfio node for its group"
    grep -qF "e1000e $SELECT" "$VM_LOG/$1.dmesg" \
        && { bad "e1000e touched $SELECT (dmesg):"; grep -F "e1000e $SELECT" "$VM_LOG/$1.dmesg" | head -n 3 | sed 's/^/        /'; } \
        || ok "e1000e never touched $SELECT (no 'e1000e $SELECT' in dmesg)"
    grep -qF "passthrough: $SELECT set to vfio-pci" "$VM_LOG/$1.dmesg" \
        && ok "the early script bound it: $(grep -F "passthrough: $SELECT set to vfio-pci" "$VM_LOG/$1.dmesg" | head -n 1)" \
        || bad "dmesg has no 'passthrough: $SELECT set to vfio-pci' from the early script"
    [ "$(awk '$1=="DRIVER" && $4=="vfio-pci"' "$VM_LOG/$1.agent.log" | wc -l)" = 1 ] \
        && ok "nothing else on vfio-pci" || bad "vfio-pci holds other devices too"
    [ "$(device_json "$1" result)" = bound ] && ok "status --json: $SELECT bound" \
        || bad "status --json: $SELECT is '$(device_json "$1" result)' ($(device_json "$1" reason)), expected bound"
}
show_status() { echo "  status (text):"; vm_section "$VM_LOG/$1.agent.log" STATUS | sed 's/^/  | /'; }

# ---------------------------------------------------------------- 1. before
boot 1-before
echo "== 1-before: checks"
expect_driver 1-before "$TWIN" e1000e
expect_driver 1-before "$SELECT" e1000e
[ "$(ids_of 1-before "$SELECT")" = "$IDS" ] && [ "$(ids_of 1-before "$TWIN")" = "$IDS" ] \
    && ok "both NICs are $IDS: only the address tells them apart" || bad "the NICs are not both $IDS"
[ "$(awk '$1=="DRIVER" && $4=="vfio-pci"' "$VM_LOG/1-before.agent.log" | wc -l)" = 0 ] \
    && ok "nothing on vfio-pci" || bad "something is on vfio-pci before apply"
SNAP=$VM_LOG/snapshot.json
vm_section "$VM_LOG/1-before.agent.log" SNAPSHOT > "$SNAP"
grep -q '^SNAPSHOT-RC 0$' "$VM_LOG/1-before.agent.log" && [ -s "$SNAP" ] \
    || vm_die "passthroughctl list --json failed in the guest (see $VM_LOG/1-before.agent.log)"

# ---------------------------------------------------------------- apply (host)
PT=("$PASSTHROUGHCTL" --root "$R" --snapshot "$SNAP")
cp -a "$R/etc/default/grub" "$WORK/grub.orig"
"${PT[@]}" plan --select "$SELECT" --json > "$VM_LOG/plan.json" 2>"$VM_LOG/plan.err" \
    || { cat "$VM_LOG/plan.err" "$VM_LOG/plan.json" >&2; vm_die "plan --select $SELECT failed"; }
"${PT[@]}" plan --select "$SELECT" > "$VM_LOG/plan.txt" 2>&1 || true
echo "== plan:"; sed 's/^/  | /' "$VM_LOG/plan.txt"
plan_field() { /usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$VM_LOG/plan.json" "$1"; }
got=$(plan_field 'd["binding"]')
[ "$got" = address ] && ok "plan binds by address" || bad "plan binds by '$got', expected address"
got=$(plan_field '" ".join(sorted(d["devices"]))')
[ "$got" = "$SELECT" ] && ok "plan devices: $got" || bad "plan devices '$got', expected $SELECT"
if [ "$SCENARIO" = dracut-by-address ]; then
    REGEN=(dracut --regenerate-all --force)
    grep -q 'dracut' "$VM_LOG/plan.txt" && ok "the plan works with dracut" || bad "the plan never names dracut"
    grep -q 'update-initramfs' "$VM_LOG/plan.txt" && bad "the plan runs update-initramfs on a dracut guest" || ok "no update-initramfs in the plan"
else
    REGEN=(update-initramfs -u -k all)
fi
"${PT[@]}" apply --select "$SELECT" --no-commands > "$VM_LOG/apply.log" 2>&1 \
    || { cat "$VM_LOG/apply.log" >&2; vm_die "apply --select $SELECT --no-commands failed"; }
echo "== what apply changed in /etc:"
diff -ruN --no-dereference "$VM_GUEST_ROOTFS/etc" "$R/etc" 2>&1 | grep -v '^Only in\|^Binary' | sed 's/^/  | /' | head -n 60 || true
vm_regenerate "$R" applied "${REGEN[@]}"
if [ "$SCENARIO" = dracut-by-address ]; then
    vm_chroot "$R" lsinitrd "/boot/initrd.img-$kver" > "$VM_LOG/lsinitrd-applied.txt" 2>&1 || true
    grep -q 'hooks/pre-udev/00-passthrough-vfio.sh' "$VM_LOG/lsinitrd-applied.txt" \
        && ok "the initramfs carries our pre-udev hook (lsinitrd)" || bad "lsinitrd shows no hooks/pre-udev/00-passthrough-vfio.sh"
    grep -q 'vfio-pci.ko\|vfio_pci.ko' "$VM_LOG/lsinitrd-applied.txt" \
        && ok "the initramfs carries vfio-pci" || bad "lsinitrd shows no vfio-pci module"
fi

# ---------------------------------------------------------------- 2. the applied boot
if [ "$SCENARIO" = dracut-by-address ]; then
    boot 2-applied
    echo "== 2-applied: checks"
    expect_bound 2-applied
    expect_driver 2-applied "$TWIN" e1000e
    expect_state 2-applied applied
    show_status 2-applied

    "${PT[@]}" revert --no-commands > "$VM_LOG/revert.log" 2>&1 \
        || { cat "$VM_LOG/revert.log" >&2; vm_die "revert --no-commands failed"; }
    cmp -s "$WORK/grub.orig" "$R/etc/default/grub" && ok "/etc/default/grub is byte for byte as before apply" \
        || bad "/etc/default/grub differs after revert"
    vm_regenerate "$R" reverted "${REGEN[@]}"
    boot 3-reverted
    echo "== 3-reverted: checks"
    expect_driver 3-reverted "$TWIN" e1000e
    expect_driver 3-reverted "$SELECT" e1000e
    grep -qF "e1000e $SELECT" "$VM_LOG/3-reverted.dmesg" && ok "dmesg: e1000e probed $SELECT again" \
        || bad "dmesg has no 'e1000e $SELECT' line after revert"
    expect_state 3-reverted not-applied
else
    VM_TWIN_NIC_MODEL=$OTHER_MODEL boot 2-swapped
    echo "== 2-swapped ($OTHER_MODEL in $SELECT's slot): checks"
    got=$(ids_of 2-swapped "$SELECT")
    [ "$got" = "$OTHER_IDS" ] && ok "$SELECT is another card now: $got" || vm_die "$SELECT shows '$got', not the $OTHER_MODEL ($OTHER_IDS)"
    expect_driver 2-swapped "$SELECT" "$OTHER_DRIVER"
    expect_driver 2-swapped "$TWIN" e1000e
    [ "$(awk '$1=="DRIVER" && $4=="vfio-pci"' "$VM_LOG/2-swapped.agent.log" | wc -l)" = 0 ] \
        && ok "nothing on vfio-pci" || bad "something is on vfio-pci"
    grep -qF "passthrough: $SELECT is not $IDS, left alone" "$VM_LOG/2-swapped.dmesg" \
        && ok "the early script left it alone: $(grep -F "passthrough: $SELECT is not" "$VM_LOG/2-swapped.dmesg" | head -n 1)" \
        || bad "dmesg has no 'passthrough: $SELECT is not $IDS, left alone'"
    grep -qF "passthrough.vfio=$SELECT@$IDS" <<<"$(sed -n 's/^=== PT-AGENT cmdline //p' "$VM_LOG/2-swapped.agent.log")" \
        && ok "the command line still asks for $SELECT@$IDS" || bad "the command line lacks passthrough.vfio=$SELECT@$IDS"
    res=$(device_json 2-swapped result); reason=$(device_json 2-swapped reason)
    [ "$res" = failed ] && ok "status --json: $SELECT failed: $reason" || bad "status --json: $SELECT is '$res' ($reason), expected failed"
    grep -qi "$IDS" <<<"$reason" && grep -qi "$OTHER_IDS" <<<"$reason" \
        && ok "the reason names the configured $IDS and the present $OTHER_IDS" || bad "the reason does not name both $IDS and $OTHER_IDS: '$reason'"
    [ "$(device_json 2-swapped ids)" = "$IDS" ] && ok "ids: $IDS" || bad "ids '$(device_json 2-swapped ids)', expected $IDS"
    [ "$(device_json 2-swapped ids_now)" = "$OTHER_IDS" ] && ok "ids_now: $OTHER_IDS" || bad "ids_now '$(device_json 2-swapped ids_now)', expected $OTHER_IDS"
    show_status 2-swapped

    boot 3-back
    echo "== 3-back (the twin in the slot again): checks"
    expect_bound 3-back
    expect_driver 3-back "$TWIN" e1000e
    expect_state 3-back applied
    show_status 3-back
fi

vm_test_end "$FAILS" "$R" "$DISK" "$STAGE"
