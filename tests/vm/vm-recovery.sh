#!/bin/bash
# Recovery proved in the guest, with the root helper installed as a package puts it (its D-Bus
# service, the hardened systemd unit, polkitd) — see README.md here.
#
#   vm-recovery.sh killed            (suite vm-helper; one boot) "tester" applies; while the helper's
#     update-initramfs runs in the guest (minutes under TCG: a real long command), the helper's
#     main PID gets SIGKILL. The unit's KillMode=control-group must end the command's processes
#     within seconds; the next activation (GetStatus on the system bus, as tester) answers at once
#     with "applying" while the helper recovers behind its name (a Revert meanwhile is Busy): the
#     journal's files are byte for byte as before, the journal and the `running` note are gone,
#     the regeneration is asked for again, and status says not-applied.
#   vm-recovery.sh initramfs-stale   (suite vm-full; three boots) a kernel update whose initramfs
#     was built before the setup: bookworm-security's newer linux-image installed into the rootfs
#     in a host chroot with Debian's own configuration, its files held out of the guest while apply
#     regenerates, then put back. Boot 2 runs the older kernel: status says needs-repair,
#     initramfs-stale naming the new kernel's image; `passthroughctl repair` through the helper;
#     its regeneration in a host chroot puts vfio into the new image (lsinitramfs); boot 3 runs the
#     new kernel with the NIC on vfio-pci and status applied.
# Exit 77 (skipped) when this machine cannot run QEMU or build the guest, with the reason.
set -euo pipefail
# The whole script is one brace group, read before it runs: editing the file while a run is going
# does not change what that run does.
{
source "$(dirname "$0")/vm-lib.sh"

SCENARIO=${1:?usage: vm-recovery.sh killed|initramfs-stale}
case $SCENARIO in
    killed) NAME=vm-helper-killed ;;
    initramfs-stale) NAME=vm-initramfs-stale ;;
    *) vm_die "unknown scenario $SCENARIO" ;;
esac
vm_helper_test_begin "$NAME"
NIC=0000:02:00.0

# ---------------------------------------------------------------- killed
if [ "$SCENARIO" = killed ]; then
t=$EPOCHREALTIME
vm_copy_rootfs "$VM_GUEST_ROOTFS" "$R"
vm_install_helper "$R" "$STAGE" com.example.Passthrough.configure
vm_install_defer "$R"
# the apply's update-initramfs runs in the guest (the one to kill); the recovery's is deferred
touch "$R/var/lib/pt-vm/run-once"
vm_log "rootfs copy with the helper installed in $(vm_secs "$t" "$EPOCHREALTIME")s"

SCRIPT=$WORK/guest-killed.sh
{ echo '#!/bin/bash'; echo "$GUEST_HELPERS"; } > "$SCRIPT"
cat >> "$SCRIPT" <<'GUEST'
# the files an apply may touch, and the images; compared after the recovery
hashes() { find /etc/default /etc/modprobe.d /etc/initramfs-tools /etc/kernel /boot -xdev -type f 2>/dev/null | sort | xargs -r sha256sum; }
hashes > /run/pt-before.sha
echo "=== BEGIN BEFORE"; cat /run/pt-before.sha; echo "=== END BEFORE"
echo "DRIVER-BEFORE $(drv 0000:02:00.0)"
as_tester apply --select 0000:02:00.0 > /run/pt-apply.out 2>&1 &
apply_pid=$!
# wait until the helper's running note names an update-initramfs that has started its children
pid= t0=$SECONDS
while [ $((SECONDS - t0)) -lt 600 ]; do
    if [ -s /var/lib/passthrough/running ]; then
        p=$(cut -d' ' -f1 /var/lib/passthrough/running)
        if tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null | grep -q 'update-initramfs' \
           && [ "$(pgrep -g "$p" | wc -l)" -ge 3 ]; then pid=$p; break; fi
    fi
    sleep 0.2
done
echo "COMMAND-PID ${pid:-none} after $((SECONDS - t0)) s"
[ -n "$pid" ] || { cat /run/pt-apply.out; exit 0; }
sleep 3
main=$(systemctl show -p MainPID --value passthrough-helper)
cg=$(systemctl show -p ControlGroup --value passthrough-helper)
echo "MAIN-PID $main"
echo "=== BEGIN GROUP"; ps -e -o pid=,pgid=,etimes=,args= | awk -v g="$pid" '$2 == g'; echo "=== END GROUP"
echo "CGROUP-PROCS $(wc -l < "/sys/fs/cgroup$cg/cgroup.procs")"
echo "=== BEGIN RUNNING-NOTE"; cat /var/lib/passthrough/running; echo "=== END RUNNING-NOTE"
kill -9 "$main"
k=$EPOCHREALTIME gone=
for i in $(seq 300); do
    if [ -z "$(pgrep -g "$pid")" ] && { [ ! -e "/sys/fs/cgroup$cg/cgroup.procs" ] || [ ! -s "/sys/fs/cgroup$cg/cgroup.procs" ]; }; then
        gone=$(awk -v a="$k" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.1f", b-a}'); break
    fi
    sleep 0.1
done
echo "GONE-AFTER ${gone:-never}"
echo "=== BEGIN LEFT"; pgrep -a -g "$pid"; echo "=== END LEFT"
wait "$apply_pid"; echo "APPLY-RC $?"
echo "=== BEGIN APPLY"; cat /run/pt-apply.out; echo "=== END APPLY"
echo "UNIT-AFTER-KILL $(systemctl show passthrough-helper -p ActiveState -p Result -p KillMode | sort | tr '\n' ' ')"
echo "=== BEGIN STATE-DIR"; ls -1 /var/lib/passthrough; echo "=== END STATE-DIR"
cp /var/lib/passthrough/journal.json /run/pt-journal.json 2>/dev/null
# the next activation: GetStatus needs no authorization; the helper owns its name first and
# recovers behind it, so this call answers ("applying") while the recovery regenerates
a=$EPOCHREALTIME
runuser -u tester -- busctl --system --timeout=600 call com.example.Passthrough.Helper \
    /com/example/Passthrough/Helper com.example.Passthrough.Helper1 GetStatus > /run/pt-getstatus.out 2>&1
echo "GETSTATUS-RC $? after $(awk -v a="$a" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.1f", b-a}') s"
echo "=== BEGIN GETSTATUS"; head -c 600 /run/pt-getstatus.out; echo; echo "=== END GETSTATUS"
# a change asked for meanwhile is Busy with its reason (no authorization is asked first)
runuser -u tester -- busctl --system --timeout=60 call com.example.Passthrough.Helper \
    /com/example/Passthrough/Helper com.example.Passthrough.Helper1 Revert 'a{sv}' 0 > /run/pt-revert-busy.out 2>&1
echo "REVERT-DURING-RC $?"
echo "=== BEGIN REVERT-DURING"; head -c 400 /run/pt-revert-busy.out; echo; echo "=== END REVERT-DURING"
# the recovery as it goes: GetStatus every 2 s until it no longer says applying
echo "=== BEGIN RECOVERING"
while :; do
    el=$(awk -v a="$a" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.1f", b-a}')
    st=$(runuser -u tester -- busctl --system --timeout=60 call com.example.Passthrough.Helper \
         /com/example/Passthrough/Helper com.example.Passthrough.Helper1 GetStatus 2>&1 |
         grep -o '\\"state\\" *: *\\"[a-z-]*' | grep -o '[a-z-]*$' | head -n 1)
    m=$(systemctl show -p MainPID --value passthrough-helper)
    echo "t=${el}s state=${st:-?} unit=$(systemctl show -p ActiveState --value passthrough-helper) main=$m children=$(ps -o args= --ppid "$m" 2>/dev/null | tr '\n' '|')"
    [ "$st" = applying ] || break
    [ "$(awk -v a="$a" -v b="$EPOCHREALTIME" 'BEGIN{print (b-a > 900)}')" = 1 ] && break
    sleep 2
done
echo "=== END RECOVERING"
echo "RECOVERED-AFTER $(awk -v a="$a" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.1f", b-a}') ${st:-?}"
echo "=== BEGIN STATE-DIR-AFTER"; ls -1 /var/lib/passthrough; echo "=== END STATE-DIR-AFTER"
echo "=== BEGIN JOURNAL-FILES"
grep -o '"path" *: *"[^"]*"' /run/pt-journal.json | sed 's/.*: *"\(.*\)"/\1/'
echo "=== END JOURNAL-FILES"
hashes > /run/pt-after.sha
echo "=== BEGIN HASH-DIFF"; diff /run/pt-before.sha /run/pt-after.sha; echo "=== END HASH-DIFF"
echo "=== BEGIN STATUS"; passthroughctl status --json; echo "=== END STATUS"
echo "=== BEGIN HELPER-LOG"; journalctl -b -u passthrough-helper -u dbus --no-pager -o short-monotonic | tail -n 60; echo "=== END HELPER-LOG"
GUEST
echo "$VM_DEFER_REPORT" >> "$SCRIPT"

vm_make_disk "$R" "$DISK"
vm_boot 1-killed "$DISK" "$SCRIPT" "$(vm_disk_grub_cmdline "$DISK" "$WORK")"
LOG=$VM_LOG/1-killed.agent.log
for s in GROUP APPLY GETSTATUS REVERT-DURING RECOVERING STATE-DIR STATE-DIR-AFTER JOURNAL-FILES HASH-DIFF HELPER-LOG DEFERRED; do
    echo "== $s:"; vm_section "$LOG" "$s" | sed 's/^/  | /'
done
grep '^COMMAND-PID\|^GONE-AFTER\|^UNIT-AFTER\|^GETSTATUS-RC\|^CGROUP' "$LOG" | sed 's/^/  /'
[ "$(val DRIVER-BEFORE)" = e1000e ] && ok "$NIC on e1000e before" || bad "before: '$(val DRIVER-BEFORE)'"
cpid=$(val COMMAND-PID | cut -d' ' -f1)
[ -n "$cpid" ] && [ "$cpid" != none ] && ok "update-initramfs ran in the guest under the helper (pid $cpid, its group of $(vm_section "$LOG" GROUP | wc -l) processes)" \
    || bad "update-initramfs never ran under the helper"
gone=$(val GONE-AFTER)
# "within seconds": systemd's stop of the unit (SIGTERM to the control group, SIGKILL after
# TimeoutStopSec, 90 s) — anything below 30 s is the control-group kill, not a natural end
[ -n "$gone" ] && [ "$gone" != never ] && awk -v g="$gone" 'BEGIN{exit !(g < 30)}' \
    && ok "the command's process group and the unit's control group were empty ${gone} s after kill -9 of the helper" \
    || bad "the command outlived the killed helper (gone after: '$gone')"
vm_section "$LOG" LEFT | grep -q . && bad "processes of the command left: $(vm_section "$LOG" LEFT | tr '\n' ' ')" || true
case $(val UNIT-AFTER-KILL) in
    *KillMode=control-group*) ok "the unit: $(val UNIT-AFTER-KILL)" ;;
    *) bad "unit after the kill: '$(val UNIT-AFTER-KILL)'" ;;
esac
[ "$(val APPLY-RC)" != 0 ] && ok "tester's apply reported the failure (exit $(val APPLY-RC))" || bad "apply exit 0 although the helper was killed"
vm_section "$LOG" STATE-DIR | grep -qx journal.json && ok "the killed transaction left its journal" || bad "no journal after the kill"
# The helper owns its name first and recovers behind it: the activating call answers at once
# (well within the bus's 25 s activation time-out), saying "applying"; a change meanwhile is Busy.
grc=$(val GETSTATUS-RC | cut -d' ' -f1)
gsecs=$(val GETSTATUS-RC | sed -n 's/.*after \([0-9.]*\) s/\1/p')
if [ "$grc" = 0 ] && awk -v g="${gsecs:-99}" 'BEGIN{exit !(g < 20)}'; then
    ok "GetStatus as tester activated the helper and answered during the recovery ($(val GETSTATUS-RC))"
else bad "the activating GetStatus: $(val GETSTATUS-RC): $(vm_section "$LOG" GETSTATUS | head -n 1 | cut -c1-160)"; fi
vm_section "$LOG" GETSTATUS | grep -q '\\"state\\" *: *\\"applying\\"' \
    && ok "it said the state is applying while the recovery ran" \
    || bad "the activating GetStatus did not say applying: $(vm_section "$LOG" GETSTATUS | head -c 200)"
# (busctl prints the error's message, not its name: the sentence is Busy's own, helper/pt-helper.c)
vm_section "$LOG" REVERT-DURING | grep -q 'still undoing a change that was cut off' \
    && [ "$(val REVERT-DURING-RC)" != 0 ] \
    && ok "Revert during the recovery: refused as Busy ($(vm_section "$LOG" REVERT-DURING | head -n 1 | cut -c1-120))" \
    || bad "Revert during the recovery: $(vm_section "$LOG" REVERT-DURING | head -n 1 | cut -c1-160)"
case $(val RECOVERED-AFTER) in
    *" not-applied") ok "the recovery ended and the status moved on to not-applied $(val RECOVERED-AFTER | cut -d' ' -f1) s after the activation" ;;
    *) bad "the recovery did not end as expected: '$(val RECOVERED-AFTER)' (RECOVERING above)" ;;
esac
if vm_section "$LOG" STATE-DIR-AFTER | grep -qx 'journal.json\|running'; then
    bad "journal or running note left after the recovery: $(vm_section "$LOG" STATE-DIR-AFTER | tr '\n' ' ')"
else ok "the recovery finished the journal and removed the running note"; fi
jfiles=$(vm_section "$LOG" JOURNAL-FILES)
[ -n "$jfiles" ] && ok "the journal named: $(echo "$jfiles" | tr '\n' ' ')" || bad "cannot read the journal's files"
diffs=$(vm_section "$LOG" HASH-DIFF | sed -n 's/^[<>] [0-9a-f]*  //p' | sort -u)
lost=
for f in $jfiles $(vm_section "$LOG" BEFORE | sed -n 's|^[0-9a-f]*  \(/boot/initrd.img-[^ ]*\)$|\1|p'); do
    echo "$diffs" | grep -qx "$f" && lost+=" $f"
done
[ -z "$lost" ] && ok "every file the journal names, and every initramfs image, byte for byte as before" || bad "changed after the recovery:$lost"
other=$(echo "$diffs" | grep -v -x -F "$(printf '%s\n' $jfiles)" || true)
[ -z "$other" ] || echo "  note  other differences, outside the journal (the killed run's leftovers, what the recovery's regeneration wrote): $(echo "$other" | tr '\n' ' ')"
state=$(vm_section "$LOG" STATUS | sed -n 's/^ *"state" *: *"\([^"]*\)".*/\1/p' | head -n 1)
[ "$state" = not-applied ] && ok "status after the recovery: not-applied" || bad "status after the recovery: '$state'"
vm_section "$LOG" DEFERRED | grep -q '^update-initramfs' && ok "the recovery ran the regeneration again ($(vm_section "$LOG" DEFERRED | head -n 1), carried out on the host in a real run)" \
    || bad "the recovery did not regenerate again"
vm_test_end "$FAILS" "$R" "$DISK" "$STAGE"
exit 0
fi

# ---------------------------------------------------------------- initramfs-stale
# Debian's security archive, where kernel updates of bookworm come from (the host's apt source for
# it, else deb.debian.org)
SEC_MIRROR=${PASSTHROUGH_VM_SECURITY_MIRROR:-$(sed -n 's/^URIs:[[:space:]]*//p; s/^deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\?\([^[:space:]]\+\).*/\2/p' \
    /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null | grep -- '-security' | head -n 1 || true)}
SEC_MIRROR=${SEC_MIRROR:-http://deb.debian.org/debian-security}

t=$EPOCHREALTIME
vm_copy_rootfs "$VM_GUEST_ROOTFS" "$R"
vm_install_helper "$R" "$STAGE" com.example.Passthrough.configure
vm_install_defer "$R"
vm_log "rootfs copy with the helper installed in $(vm_secs "$t" "$EPOCHREALTIME")s"
OLDK=$(find "$R/boot" -maxdepth 1 -name 'vmlinuz-*' -printf '%f\n' | sed 's/^vmlinuz-//' | sort -V | tail -n 1)
[ -n "$OLDK" ] || vm_die "no kernel in the guest's /boot"

# The kernel update, before the setup: the newest linux-image of bookworm-security, installed in a
# chroot with the guest's configuration as Debian ships it (its postinst builds the initramfs).
t=$EPOCHREALTIME
echo "deb $SEC_MIRROR $VM_SUITE-security main" > "$R/etc/apt/sources.list.d/pt-vm-security.list"
vm_chroot "$R" apt-get update -qq > "$VM_LOG/apt-kernel.log" 2>&1 \
    || { tail -n 20 "$VM_LOG/apt-kernel.log" >&2; vm_skip "cannot reach $SEC_MIRROR for a kernel update (log: $VM_LOG/apt-kernel.log)"; }
NEWPKG=$(vm_chroot "$R" apt-cache show linux-image-amd64 | sed -n 's/^Depends: \(linux-image-[0-9][^ ,]*\).*/\1/p' | sort -V | tail -n 1)
NEWK=${NEWPKG#linux-image-}
[ -n "$NEWK" ] || vm_die "cannot tell the newest kernel package (apt-cache show linux-image-amd64)"
[ "$(printf '%s\n' "$OLDK" "$NEWK" | sort -V | tail -n 1)" = "$NEWK" ] && [ "$NEWK" != "$OLDK" ] \
    || vm_skip "the archive has no kernel newer than the guest's $OLDK (newest: $NEWK)"
vm_chroot "$R" apt-get install -y -qq --no-install-recommends "$NEWPKG" >> "$VM_LOG/apt-kernel.log" 2>&1 \
    || { tail -n 20 "$VM_LOG/apt-kernel.log" >&2; vm_die "apt-get install $NEWPKG in the chroot failed (log: $VM_LOG/apt-kernel.log)"; }
rm -f "$R/etc/apt/sources.list.d/pt-vm-security.list"
[ -f "$R/boot/initrd.img-$NEWK" ] || vm_die "$NEWPKG's postinst built no /boot/initrd.img-$NEWK"
vm_log "kernel update $NEWPKG (download, unpack, its initramfs) in the chroot in $(vm_secs "$t" "$EPOCHREALTIME")s"
vm_chroot "$R" lsinitramfs "/boot/initrd.img-$NEWK" > "$VM_LOG/lsinitramfs-$NEWK-before.txt"
# (Debian's MODULES=most puts the vfio modules in every image; what a setup adds is the modprobe
# configuration that loads vfio-pci ahead of the NIC's driver and hands it the device)
grep -q 'etc/modprobe.d/passthrough.conf' "$VM_LOG/lsinitramfs-$NEWK-before.txt" \
    && bad "the new kernel's initramfs already has passthrough.conf before any setup" \
    || ok "$NEWK installed, its initramfs built with Debian's configuration: no passthrough.conf in it"

# Held out of the guest while the setup is applied, so apply's `update-initramfs -u -k all`
# (versions from /var/lib/initramfs-tools) does not rebuild its image: a setup that regenerated
# only some kernels' images, and an image that predates it.
HELD=$WORK/held
rm -rf --one-file-system "$HELD"
held=("boot/vmlinuz-$NEWK" "boot/initrd.img-$NEWK" "boot/config-$NEWK" "boot/System.map-$NEWK"
      "usr/lib/modules/$NEWK" "var/lib/initramfs-tools/$NEWK")
for f in "${held[@]}"; do
    [ -e "$R/$f" ] || continue
    mkdir -p "$HELD/$(dirname "$f")"
    mv "$R/$f" "$HELD/$f"
done
IMAGE_MTIME=$(stat -c %Y "$HELD/boot/initrd.img-$NEWK")

{ echo '#!/bin/bash'; echo "$GUEST_HELPERS"; } > "$WORK/guest-apply.sh"
cat >> "$WORK/guest-apply.sh" <<'GUEST'
echo "KERNEL $(uname -r)"
echo "DRIVER-BEFORE $(drv 0000:02:00.0)"
echo "=== BEGIN APPLY"; as_tester apply --select 0000:02:00.0; echo "APPLY-RC $?"; echo "=== END APPLY"
echo "SETUP-MTIME $(stat -c %Y /etc/modprobe.d/passthrough.conf 2>/dev/null)"
GUEST
echo "$VM_DEFER_REPORT" >> "$WORK/guest-apply.sh"

{ echo '#!/bin/bash'; echo "$GUEST_HELPERS"; } > "$WORK/guest-stale.sh"
cat >> "$WORK/guest-stale.sh" <<'GUEST'
echo "KERNEL $(uname -r)"
echo "DRIVER $(drv 0000:02:00.0)"
ls -l --time-style=+%s /boot | sed 's/^/BOOT-LS /'
echo "=== BEGIN STATUS-JSON"; passthroughctl status --json; echo "=== END STATUS-JSON"
echo "=== BEGIN STATUS"; passthroughctl status; echo "STATUS-RC $?"; echo "=== END STATUS"
# through the helper, as root (the stored selection is in the 0700 state directory)
echo "=== BEGIN REPAIR"; LC_ALL=C.UTF-8 passthroughctl repair; echo "REPAIR-RC $?"; echo "=== END REPAIR"
echo "=== BEGIN STATUS-AFTER"; passthroughctl status --json; echo "=== END STATUS-AFTER"
echo "=== BEGIN HELPER-LOG"; journalctl -b -u passthrough-helper --no-pager | tail -n 30; echo "=== END HELPER-LOG"
GUEST
echo "$VM_DEFER_REPORT" >> "$WORK/guest-stale.sh"

{ echo '#!/bin/bash'; echo "$GUEST_HELPERS"; } > "$WORK/guest-new.sh"
cat >> "$WORK/guest-new.sh" <<'GUEST'
echo "KERNEL $(uname -r)"
echo "DRIVER $(drv 0000:02:00.0)"
g=$(basename "$(readlink /sys/bus/pci/devices/0000:02:00.0/iommu_group)")
[ -e "/dev/vfio/$g" ] && echo "VFIODEV yes" || echo "VFIODEV no"
echo "E1000E-LINES $(dmesg | grep -c 'e1000e 0000:02:00.0')"
echo "=== BEGIN STATUS-JSON"; passthroughctl status --json; echo "=== END STATUS-JSON"
GUEST

# boot 1: the setup, on the older kernel
vm_make_disk "$R" "$DISK"
vm_boot 1-apply "$DISK" "$WORK/guest-apply.sh" "$(vm_disk_grub_cmdline "$DISK" "$WORK")"
LOG=$VM_LOG/1-apply.agent.log
echo "== APPLY:"; vm_section "$LOG" APPLY | sed 's/^/  | /'
[ "$(val KERNEL)" = "$OLDK" ] && ok "1-apply runs $OLDK" || bad "1-apply runs '$(val KERNEL)'"
[ "$(val DRIVER-BEFORE)" = e1000e ] && ok "$NIC on e1000e before" || bad "before: '$(val DRIVER-BEFORE)'"
[ "$(val APPLY-RC)" = 0 ] && ok "tester's apply through the helper" || bad "apply exit $(val APPLY-RC)"
setup=$(val SETUP-MTIME)
[ -n "$setup" ] && [ "$IMAGE_MTIME" -lt "$setup" ] && ok "the new kernel's image ($IMAGE_MTIME) predates the setup ($setup)" \
    || bad "image mtime $IMAGE_MTIME, setup '$setup'"
vm_run_deferred 1-apply "$DISK" "$R"

# the restart: the guest's state (its /etc is back in R already), then the kernel update's files
t=$EPOCHREALTIME
vm_disk_clean "$DISK"
for d in /var/lib/passthrough /boot/grub; do
    tmp=$(mktemp -d "$WORK/pull.XXXXXX")
    vm_debugfs "$DISK" -R "rdump $d $tmp"
    [ -d "$tmp/${d##*/}" ] || vm_die "cannot read $d from $DISK"
    rm -rf --one-file-system "${R:?}$d"
    mv "$tmp/${d##*/}" "$R$d"
    rmdir "$tmp"
done
[ -f "$R/var/lib/passthrough/state.json" ] || vm_die "no state.json on the disk after apply"
for f in "${held[@]}"; do [ -e "$HELD/$f" ] && mv "$HELD/$f" "$R/$f"; done
vm_make_disk "$R" "$DISK"
vm_log "the guest's state and the kernel update into a new disk in $(vm_secs "$t" "$EPOCHREALTIME")s"

# boot 2: the older kernel again (the update not booted yet): status, repair
VM_KVER=$OLDK vm_boot 2-stale "$DISK" "$WORK/guest-stale.sh" "$(vm_disk_grub_cmdline "$DISK" "$WORK")"
LOG=$VM_LOG/2-stale.agent.log
for s in STATUS REPAIR STATUS-AFTER; do echo "== $s:"; vm_section "$LOG" "$s" | sed 's/^/  | /'; done
[ "$(val KERNEL)" = "$OLDK" ] && ok "2-stale runs $OLDK, with $NEWK installed" || bad "2-stale runs '$(val KERNEL)'"
[ "$(val DRIVER)" = vfio-pci ] && ok "$NIC on vfio-pci under $OLDK (its image was regenerated)" || bad "2-stale driver '$(val DRIVER)'"
sj=$(vm_section "$LOG" STATUS-JSON | tr -d '\n')
state=$(echo "$sj" | grep -o '"state" *: *"[^"]*"' | head -n 1 | sed 's/.*"\([^"]*\)"$/\1/')
[ "$state" = needs-repair ] && ok "status --json: state needs-repair" || bad "status --json state '$state'"
echo "$sj" | grep -o '"reason" *: *"[^"]*"' | grep -q '"initramfs-stale"' && ok "reason initramfs-stale" \
    || bad "no initramfs-stale reason: $(echo "$sj" | grep -o '"repair" *:.*' | head -c 400)"
echo "$sj" | grep -q "/boot/initrd.img-$NEWK" && ok "the reason names /boot/initrd.img-$NEWK" || bad "the reason does not name the new kernel's image"
echo "$sj" | grep -q "/boot/initrd.img-$OLDK" && bad "the running kernel's image is called stale" || ok "the running kernel's image is not called stale"
[ "$(val REPAIR-RC)" = 0 ] && ok "passthroughctl repair through the helper" || bad "repair exit $(val REPAIR-RC)"
vm_section "$LOG" DEFERRED | grep -q '^update-initramfs' && ok "repair regenerates: $(vm_section "$LOG" DEFERRED | head -n 1)" \
    || bad "repair ran no update-initramfs"
vm_run_deferred 2-stale "$DISK" "$R"
vm_chroot "$R" lsinitramfs "/boot/initrd.img-$NEWK" > "$VM_LOG/lsinitramfs-$NEWK-after.txt"
grep -q '/vfio-pci.ko\|/vfio_pci.ko' "$VM_LOG/lsinitramfs-$NEWK-after.txt" && grep -q 'etc/modprobe.d/passthrough.conf' "$VM_LOG/lsinitramfs-$NEWK-after.txt" \
    && ok "after repair $NEWK's initramfs has vfio-pci and passthrough.conf (lsinitramfs)" \
    || bad "after repair $NEWK's initramfs lacks vfio-pci or passthrough.conf"

# boot 3: the new kernel
vm_boot 3-new-kernel "$DISK" "$WORK/guest-new.sh" "$(vm_disk_grub_cmdline "$DISK" "$WORK")"
LOG=$VM_LOG/3-new-kernel.agent.log
[ "$(val KERNEL)" = "$NEWK" ] && ok "3-new-kernel runs $NEWK" || bad "3-new-kernel runs '$(val KERNEL)'"
[ "$(val DRIVER)" = vfio-pci ] && [ "$(val VFIODEV)" = yes ] && ok "$NIC on vfio-pci under $NEWK, /dev/vfio/<group> present" \
    || bad "3-new-kernel: driver '$(val DRIVER)', vfio device '$(val VFIODEV)'"
[ "$(val E1000E-LINES)" = 0 ] && ok "e1000e never touched $NIC" || bad "e1000e printed $(val E1000E-LINES) line(s) about $NIC"
sj=$(vm_section "$LOG" STATUS-JSON | tr -d '\n')
state=$(echo "$sj" | grep -o '"state" *: *"[^"]*"' | head -n 1 | sed 's/.*"\([^"]*\)"$/\1/')
[ "$state" = applied ] && ok "status --json: applied" || bad "3-new-kernel status '$state'"
echo "$sj" | grep -q '"repair" *: *\[ *\]' && ok "no repair reasons left" || bad "repair reasons left: $(echo "$sj" | grep -o '"repair" *:.*' | head -c 300)"
vm_test_end "$FAILS" "$R" "$DISK" "$STAGE" "$HELD"
exit 0
}
