#!/bin/bash
# The vm suite: passthroughctl's apply and revert, proved on a real kernel.
#
#   vm-bind.sh by-id        the guest's NIC 0000:02:00.0 (unique IDs 8086:10d3): binding by ID
#   vm-bind.sh by-address   two identical NICs (0000:02:00.0 and 0000:08:00.0, both 8086:10d3);
#                           only 0000:08:00.0 is chosen, so the IDs cannot say which: by address
#
# Each run, on a private copy of the cached guest rootfs:
#   1. install the freshly built passthroughctl ($PASSTHROUGHCTL) and the project's initramfs-tools
#      files (from `meson install --destdir`) into the copy, make the disk, boot ("before"):
#      capture `passthroughctl list --json` in the guest as the snapshot and every device's driver
#   2. on the host: passthroughctl --root COPY --snapshot SNAPSHOT plan/apply --select ADDR
#      --no-commands; update-initramfs -u -k all in a chroot of the copy; new disk; boot
#      ("applied") with the kernel command line GRUB would build from the copy's /etc/default/grub;
#      assert: exactly the chosen device (and the other functions of its slot) on vfio-pci, its
#      VFIO group usable, the native driver never bound it, every other device on its old driver
#   3. passthroughctl --root COPY revert; regenerate; disk; boot ("reverted"); assert: every device
#      back on the driver it had before, /etc/default/grub byte for byte as it was
# Exit 77 (skipped) when this machine cannot run QEMU or build the guest, with the reason.
set -euo pipefail
source "$(dirname "$0")/vm-lib.sh"

SCENARIO=${1:?usage: vm-bind.sh by-id|by-address}
case $SCENARIO in
    by-id)      SELECT=0000:02:00.0; EXPECT_BINDING=ids;     export VM_TWIN_NIC=0 ;;
    by-address) SELECT=0000:08:00.0; EXPECT_BINDING=address; export VM_TWIN_NIC=1 ;;
    *) vm_die "unknown scenario $SCENARIO" ;;
esac
NAME=vm-bind-$SCENARIO
T0=$EPOCHREALTIME

vm_require_host
BUILD_ROOT=${PASSTHROUGH_BUILD_ROOT:-$(cd "$(dirname "$PASSTHROUGHCTL")/../.." && pwd)}
VM_LOG=$BUILD_ROOT/tests/vm/$NAME
# per build directory: two checkouts (or build dirs) may run the suite at the same time
WORK=$VM_CACHE/work/$(printf %s "$BUILD_ROOT" | sha256sum | cut -c1-8)-$NAME
rm -rf --one-file-system "$VM_LOG"
mkdir -p "$VM_LOG" "$WORK"
echo "== $NAME: logs in $VM_LOG, work files in $WORK"

help=$("$PASSTHROUGHCTL" --help 2>&1 || true)
for c in plan apply revert; do
    grep -Eq "^ +$c( |$)" <<<"$help" \
        || vm_skip "the built passthroughctl has no '$c' command yet (src/cli/cmd-$c.c, the engine issue); nothing to prove on a kernel"
done

# ---------------------------------------------------------------- the project, installed
# as a package would put it: `meson install` into a staging dir, then the pieces the guest needs.
STAGE=$WORK/stage
rm -rf --one-file-system "$STAGE"
meson install -C "$BUILD_ROOT" --destdir "$STAGE" >"$VM_LOG/meson-install.log" 2>&1 \
    || { tail -n 20 "$VM_LOG/meson-install.log" >&2; vm_die "meson install --destdir failed (log: $VM_LOG/meson-install.log)"; }
# (the demo machines' roots under share/passthrough/demo are data, not the build's hooks)
mapfile -t IFT_DIRS < <(find "$STAGE" -path "*/share/passthrough/demo" -prune -o -type d -name initramfs-tools -print -prune | sort)
IFT_FILES=$(for d in "${IFT_DIRS[@]}"; do find "$d" -type f; done)
echo "== initramfs-tools files the build installs:"; echo "${IFT_FILES:-  (none)}" | sed "s|$STAGE||"
if [ "$SCENARIO" = by-address ] && ! grep -q '/scripts/init-top/' <<<"$IFT_FILES"; then
    vm_skip "the build installs no initramfs-tools init-top script (data/early-boot/, installed by meson under share/initramfs-tools/scripts/init-top/): binding by address at boot has nothing to run; found: ${IFT_FILES:-nothing under */initramfs-tools/}"
fi

# ---------------------------------------------------------------- the guest
vm_ensure_guest
R=$WORK/rootfs
DISK=$WORK/disk.img
t=$EPOCHREALTIME
vm_copy_rootfs "$VM_GUEST_ROOTFS" "$R"
install -D -m 0755 "$PASSTHROUGHCTL" "$R/usr/bin/passthroughctl"
for d in "${IFT_DIRS[@]}"; do
    # …/usr/share/initramfs-tools → /usr/share/initramfs-tools, …/etc/initramfs-tools → /etc/…
    case $d in
        */share/initramfs-tools) dst=$R/usr/share/initramfs-tools ;;
        */etc/initramfs-tools)   dst=$R/etc/initramfs-tools ;;
        *) vm_die "unexpected install location $d" ;;
    esac
    cp -a "$d/." "$dst/"
done
vm_chroot "$R" passthroughctl --version >/dev/null \
    || vm_die "the built passthroughctl does not run in the guest (missing runtime library?)"
vm_log "rootfs copy with passthroughctl in $(vm_secs "$t" "$EPOCHREALTIME")s"
REPORT=$VM_DIR/vm-guest-report.sh

# ---------------------------------------------------------------- checks on a boot's report
declare -A BEFORE=()
drivers_of() { # boot-name → "address ids driver" lines
    awk '$1=="DRIVER"{print $2, $3, $4}' "$VM_LOG/$1.agent.log"
}
FAILS=0
in_list() { local x=$1 y; shift; for y in "$@"; do [ "$x" = "$y" ] && return 0; done; return 1; }
ok()   { echo "  ok    $*"; }
bad()  { echo "  FAIL  $*"; FAILS=$((FAILS + 1)); }

boot_from_grub() { # name
    local cl
    cl=$(vm_grub_cmdline "$R")
    vm_make_disk "$R" "$DISK"
    vm_boot "$1" "$DISK" "$REPORT" "$cl"
    vm_section "$VM_LOG/$1.agent.log" DMESG > "$VM_LOG/$1.dmesg"
    grep '^=== PT-AGENT cmdline' "$VM_LOG/$1.agent.log" | sed 's/^=== PT-AGENT /  guest /'
}

# ---------------------------------------------------------------- 1. before
boot_from_grub 1-before
echo "== 1-before: drivers"
while read -r a ids drv; do
    BEFORE[$a]=$drv
    printf '  %s %s %s\n' "$a" "$ids" "$drv"
done < <(drivers_of 1-before)
[ ${#BEFORE[@]} -ge 10 ] || vm_die "the guest shows only ${#BEFORE[@]} PCI functions"
for a in "${!BEFORE[@]}"; do
    [ "${BEFORE[$a]}" != vfio-pci ] || bad "$a is on vfio-pci before anything was applied"
done
for a in 0000:02:00.0 $([ "$VM_TWIN_NIC" = 1 ] && echo 0000:08:00.0); do
    [ "${BEFORE[$a]:-}" = e1000e ] || vm_die "$a is not on e1000e before apply (${BEFORE[$a]:-absent})"
done
SNAP=$VM_LOG/snapshot.json
vm_section "$VM_LOG/1-before.agent.log" SNAPSHOT > "$SNAP"
grep -q '^SNAPSHOT-RC 0$' "$VM_LOG/1-before.agent.log" && [ -s "$SNAP" ] \
    || vm_die "passthroughctl list --json failed in the guest (see $VM_LOG/1-before.agent.log)"
ngroups=$(grep -c '^GROUP .* [0-9][0-9]*$' "$VM_LOG/1-before.agent.log" || true)
echo "  snapshot: $SNAP ($(wc -c < "$SNAP") bytes), $ngroups functions in IOMMU groups"
[ "$ngroups" -gt 0 ] || vm_die "the guest kernel formed no IOMMU groups"

# The chosen device and the other functions of its slot: what must end on vfio-pci.
slot=${SELECT%.*}
EXPECT=()
for a in "${!BEFORE[@]}"; do [ "${a%.*}" = "$slot" ] && EXPECT+=("$a"); done
mapfile -t EXPECT < <(printf '%s\n' "${EXPECT[@]}" | sort)
echo "  to bind: ${EXPECT[*]}"

# ---------------------------------------------------------------- 2. apply
PT=("$PASSTHROUGHCTL" --root "$R" --snapshot "$SNAP")
cp -a "$R/etc/default/grub" "$WORK/grub.orig"
"${PT[@]}" plan --select "$SELECT" --json > "$VM_LOG/plan.json" 2>"$VM_LOG/plan.err" \
    || { cat "$VM_LOG/plan.err" "$VM_LOG/plan.json" >&2; vm_die "plan --select $SELECT failed"; }
"${PT[@]}" plan --select "$SELECT" > "$VM_LOG/plan.txt" 2>&1 || true
echo "== plan (text, $VM_LOG/plan.txt):"; sed 's/^/  | /' "$VM_LOG/plan.txt"
plan_binding=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["binding"])' "$VM_LOG/plan.json")
mapfile -t plan_devices < <(/usr/bin/python3 -c 'import json,sys; print("\n".join(sorted(json.load(open(sys.argv[1]))["devices"])))' "$VM_LOG/plan.json")
[ "$plan_binding" = "$EXPECT_BINDING" ] && ok "plan binds by $plan_binding" || bad "plan binds by '$plan_binding', expected $EXPECT_BINDING"
[ "${plan_devices[*]}" = "${EXPECT[*]}" ] && ok "plan devices: ${plan_devices[*]}" || bad "plan devices '${plan_devices[*]}', expected '${EXPECT[*]}'"

t=$EPOCHREALTIME
"${PT[@]}" apply --select "$SELECT" --no-commands > "$VM_LOG/apply.log" 2>&1 \
    || { cat "$VM_LOG/apply.log" >&2; vm_die "apply --select $SELECT --no-commands failed"; }
vm_log "apply in $(vm_secs "$t" "$EPOCHREALTIME")s"
echo "== what apply changed in the guest rootfs:"
diff -ruN --no-dereference "$VM_GUEST_ROOTFS/etc" "$R/etc" 2>&1 | sed 's/^/  | /' | head -n 80 || true
echo "== kernel command line from the applied /etc/default/grub: $(vm_grub_cmdline "$R")"

regenerate() { # label
    local t=$EPOCHREALTIME
    vm_chroot "$R" update-initramfs -u -k all > "$VM_LOG/update-initramfs-$1.log" 2>&1 \
        || { tail -n 20 "$VM_LOG/update-initramfs-$1.log" >&2; vm_die "update-initramfs in the chroot failed"; }
    vm_log "update-initramfs -u -k all (chroot) in $(vm_secs "$t" "$EPOCHREALTIME")s"
}
regenerate applied
boot_from_grub 2-applied
echo "== 2-applied: checks"
declare -A NOW=()
while read -r a ids drv; do NOW[$a]=$drv; done < <(drivers_of 2-applied)
for a in $(printf '%s\n' "${!BEFORE[@]}" | sort); do
    if in_list "$a" "${EXPECT[@]}"; then
        [ "${NOW[$a]:-}" = vfio-pci ] && ok "$a on vfio-pci (was ${BEFORE[$a]})" || bad "$a on '${NOW[$a]:-absent}', expected vfio-pci"
        grep -q "^VFIODEV $a [0-9]* yes$" "$VM_LOG/2-applied.agent.log" \
            && ok "$a: /dev/vfio/$(awk -v a="$a" '$1=="VFIODEV" && $2==a {print $3}' "$VM_LOG/2-applied.agent.log") exists" \
            || bad "$a: no /dev/vfio node for its group"
        native=${BEFORE[$a]}
        if grep -qF "$native $a" "$VM_LOG/2-applied.dmesg"; then
            bad "$native touched $a before vfio-pci got it:"
            grep -F "$native $a" "$VM_LOG/2-applied.dmesg" | head -n 5 | sed 's/^/        /'
        else
            ok "$native never touched $a (dmesg has no '$native $a' line)"
        fi
    else
        [ "${NOW[$a]:-}" = "${BEFORE[$a]}" ] && ok "$a keeps ${BEFORE[$a]}" || bad "$a on '${NOW[$a]:-absent}', was ${BEFORE[$a]}"
    fi
done
if [ "$SCENARIO" = by-address ]; then
    grep -qF "passthrough: $SELECT set to vfio-pci" "$VM_LOG/2-applied.dmesg" \
        && ok "the early init-top script bound it (dmesg: 'passthrough: $SELECT set to vfio-pci')" \
        || bad "dmesg has no 'passthrough: $SELECT set to vfio-pci' from the early script"
fi
[ "$(awk '$1=="DRIVER" && $4=="vfio-pci"' "$VM_LOG/2-applied.agent.log" | wc -l)" = "${#EXPECT[@]}" ] \
    && ok "exactly ${#EXPECT[@]} function(s) on vfio-pci" || bad "vfio-pci holds other devices too"
echo "  lspci -nnk (applied):"
vm_section "$VM_LOG/2-applied.agent.log" LSPCI | grep -A3 -E "^(${slot#0000:})" | sed 's/^/  | /' || true
echo "  passthroughctl status in the guest:"
vm_section "$VM_LOG/2-applied.agent.log" STATUS | sed 's/^/  | /'
grep -q '^STATUS-RC 0$' "$VM_LOG/2-applied.agent.log" \
    && ok "passthroughctl status in the guest: everything as configured (exit 0)" \
    || bad "passthroughctl status in the guest exits $(awk '$1=="STATUS-RC"{print $2}' "$VM_LOG/2-applied.agent.log"), not 0"

# ---------------------------------------------------------------- 3. revert
t=$EPOCHREALTIME
"${PT[@]}" revert --no-commands > "$VM_LOG/revert.log" 2>&1 \
    || { cat "$VM_LOG/revert.log" >&2; vm_die "revert --no-commands failed"; }
vm_log "revert in $(vm_secs "$t" "$EPOCHREALTIME")s"
cmp -s "$WORK/grub.orig" "$R/etc/default/grub" && ok "/etc/default/grub is byte for byte as before apply" \
    || { bad "/etc/default/grub differs after revert:"; diff -u "$WORK/grub.orig" "$R/etc/default/grub" | sed 's/^/        /'; }
left=$(diff -rq --no-dereference "$VM_GUEST_ROOTFS/etc" "$R/etc" 2>&1 || true)
[ -z "$left" ] && ok "/etc is as the guest image shipped it" || { echo "  note: /etc after revert differs from the image:"; echo "$left" | sed 's/^/        /'; }
regenerate reverted
boot_from_grub 3-reverted
echo "== 3-reverted: checks"
declare -A AFTER=()
while read -r a ids drv; do AFTER[$a]=$drv; done < <(drivers_of 3-reverted)
for a in $(printf '%s\n' "${!BEFORE[@]}" | sort); do
    [ "${AFTER[$a]:-}" = "${BEFORE[$a]}" ] && ok "$a back on ${BEFORE[$a]}" || bad "$a on '${AFTER[$a]:-absent}', was ${BEFORE[$a]}"
done
for a in "${EXPECT[@]}"; do
    grep -qF "${BEFORE[$a]} $a" "$VM_LOG/3-reverted.dmesg" \
        && ok "dmesg: ${BEFORE[$a]} probed $a again" || bad "dmesg has no '${BEFORE[$a]} $a' line after revert"
done

# ---------------------------------------------------------------- summary
echo "== $NAME summary"
for b in "${VM_BOOTS[@]}"; do echo "  boot $b"; done
echo "  total ${NAME}: $(vm_secs "$T0" "$EPOCHREALTIME")s, $FAILS failed check(s)"
[ "$FAILS" = 0 ] || exit 1
rm -rf --one-file-system "$R" "$DISK" "$STAGE"
echo "PASS $NAME"
