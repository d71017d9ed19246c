#!/bin/bash
# vm-full: every boot path proved by the kernel. The guest boots OVMF → the boot loader on its own
# disk, so the command line of every boot is the boot loader's choice; `passthroughctl` runs in the
# guest as the unprivileged user "tester" (a polkit rule allows com.example.Passthrough.configure),
# through the guest's system bus and the installed root helper.
#
#   vm-bootpath.sh grub     GRUB (grub-efi-amd64, /etc/default/grub + update-grub), with the
#                           one-shot trial (custom.cfg + grub-reboot):
#     0-install    direct kernel boot: ESP formatted, grub-install --removable, update-grub
#     1-before     OVMF → GRUB: 0000:02:00.0 on e1000e, status not-applied; apply --trial
#                  → status trial-armed
#     2-trial      the trial entry, once: vfio-pci.ids on the command line, 0000:02:00.0 on
#                  vfio-pci, status trial-booted; powered off WITHOUT confirming (a failed trial)
#     3-fell-back  the old default: no tokens, e1000e, status trial-fell-back; apply --trial again
#     4-trial      trial-booted, vfio-pci; confirm → status applied
#     5-confirmed  the default entry now carries the tokens: vfio-pci, status applied; revert
#     6-reverted   no tokens, e1000e probed it again, status not-applied, /etc/default/grub byte
#                  for byte as in 1-before
#
#   vm-bootpath.sh sdboot-kernel-install   Debian's systemd-boot package: entries on the ESP made by
#                           kernel-install from /etc/kernel/cmdline, one-shot trial with bootctl
#                           set-oneshot (an EFI variable in OVMF's store):
#     0-install    no boot: in a host chroot, the ESP formatted (the guest's mkfs.vfat), in fstab,
#                  /etc/kernel/cmdline, bootctl install and kernel-install add onto a tmpfs at
#                  /boot/efi, its files written into the disk's ESP (mtools)
#     1-before     OVMF → systemd-boot: e1000e, not-applied; apply --trial → trial-armed
#     2-trial      the trial entry, once: vfio-pci, trial-booted; powered off without confirming
#     3-fell-back  the old default entry: e1000e, trial-fell-back; apply --trial again
#     4-trial      trial-booted, vfio-pci; confirm → applied; then a further update-initramfs
#                  (the trap: Debian's hook runs kernel-install, which rewrites every entry's
#                  options from /etc/kernel/cmdline): the entries keep our tokens
#     5-confirmed  the default entry, rewritten by that update, carries the tokens: vfio-pci,
#                  applied; revert → not-applied, entries without our tokens
#     6-reverted   e1000e probed it again, not-applied
#
#   vm-bootpath.sh sdboot-hand-written   systemd-boot as on Arch: the ESP is /boot (kernel and
#                           initramfs on it), one entry written by hand (linux /vmlinuz-…, initrd
#                           /initrd.img-…, options …), no kernel-install hooks (the systemd-boot
#                           package's are removed) and no /etc/kernel/cmdline; 0-install in a host
#                           chroot as for sdboot-kernel-install (the tmpfs at /boot), then four boots:
#     1-before     e1000e, not-applied; apply --trial → trial-armed
#     2-trial      trial-booted, vfio-pci; confirm → applied; a further update-initramfs
#     3-confirmed  applied, vfio-pci; revert → not-applied
#     4-reverted   e1000e, not-applied
#                           (no fallen-back trial: sdboot-kernel-install proves that fall-back of
#                           bootctl set-oneshot), and: the plan edits the entry and never
#                           /etc/kernel/cmdline, which no step creates; the further update-initramfs
#                           only replaces the initramfs on the ESP, the entry keeps our tokens; after
#                           revert loader.conf and the entry are byte for byte as 0-install wrote them
#
# update-initramfs alone is carried out on the host (tests/vm/vm-guest-defer says how and why; for
# systemd-boot with the files of the disk's ESP in the chroot, so the distribution's kernel-install hook
# runs as it would in the guest); update-grub, grub-reboot, bootctl and every other command run in
# the guest, under the helper's unit.
# Exit 77 (skipped) when this machine cannot run QEMU, has no OVMF or cannot build the guest.
set -euo pipefail
source "$(dirname "$0")/vm-lib.sh"

SCENARIO=${1:?usage: vm-bootpath.sh grub|sdboot-kernel-install|sdboot-hand-written}
# ESP: where the guest mounts its ESP
case $SCENARIO in
    grub)
        LOADER=GRUB; LOADER_MARK='BOOT_IMAGE='; EXTRA_PKGS=; ESP=/boot/efi ;;
    sdboot-kernel-install)
        # systemd-boot adds initrd= to the command line; Debian's systemd-boot package makes the
        # entries with kernel-install and runs it again from every update-initramfs (the trap)
        LOADER=systemd-boot; LOADER_MARK='initrd='; EXTRA_PKGS=systemd-boot; ESP=/boot/efi ;;
    sdboot-hand-written)
        # bootctl from the same package, its kernel-install hooks removed: nothing rewrites the
        # entry, which is the truth
        LOADER=systemd-boot; LOADER_MARK='initrd='; EXTRA_PKGS=systemd-boot; ESP=/boot ;;
    *) vm_die "unknown scenario $SCENARIO" ;;
esac
# FALL_BACK=yes: a first trial powered off without confirming, the fallen-back boot, a second trial
FALL_BACK=yes
[ "$SCENARIO" != sdboot-hand-written ] || FALL_BACK=no
NAME=vm-$SCENARIO
SELECT=0000:02:00.0
IDS=8086:10d3
T0=$EPOCHREALTIME
export VM_TWIN_NIC=0

vm_require_host
vm_require_ovmf
if [ "$LOADER" = systemd-boot ]; then
    command -v mcopy >/dev/null 2>&1 \
        || vm_skip "no mtools (Debian package mtools): the kernel-install hooks of the deferred update-initramfs need the files of the disk's ESP in the host chroot"
fi
vm_test_begin "$NAME"
[ -x "$BUILD_ROOT/helper/passthrough-helper" ] || vm_skip "the helper is not built (meson option helper=false?)"

vm_ensure_guest
R=$WORK/rootfs
DISK=$WORK/disk.img
t=$EPOCHREALTIME
vm_copy_rootfs "$VM_GUEST_ROOTFS" "$R"
VM_EXTRA_PKGS=$EXTRA_PKGS vm_install_helper "$R" "$STAGE" com.example.Passthrough.configure
vm_install_defer "$R"
if [ "$SCENARIO" = sdboot-hand-written ]; then
    # as an admin disables them (Arch has none): no update-initramfs or kernel update runs
    # kernel-install
    rm -f "$R/etc/initramfs/post-update.d/systemd-boot" "$R/etc/kernel/postinst.d/zz-systemd-boot" \
        "$R/etc/kernel/postrm.d/zz-systemd-boot"
fi
# a one-second menu instead of five: six boots through GRUB
sed -i 's/^GRUB_TIMEOUT=.*/GRUB_TIMEOUT=1/' "$R/etc/default/grub"
vm_log "rootfs copy with the helper installed in $(vm_secs "$t" "$EPOCHREALTIME")s"

FAILS=0
ok()  { echo "  ok    $*"; }
bad() { echo "  FAIL  $*"; FAILS=$((FAILS + 1)); }

# ---------------------------------------------------------------- one boot
# guest_script NAME ACTION...: the report (drivers, dmesg, status), then $GUEST_FIRST (shell, as
# root), then, when given, ACTION run as tester through the helper, and `status --json` after it;
# then $GUEST_EXTRA (shell, as root).
guest_script() {
    local name=$1; shift
    {
        # The agent starts after local-fs.target, which does not wait for a nofail mount: wait
        # for the ESP as a person's session would find it (measured: /boot/efi mounted 7.8 s
        # after the agent's unit started), or the action plans without the boot entries.
        echo "findmnt -n $ESP >/dev/null || { echo 'ESP-WAIT $ESP'; systemctl start $ESP; findmnt -n $ESP; }"
        cat "$VM_DIR/vm-guest-report.sh"
        echo 'echo "=== BEGIN STATUSJSON"; passthroughctl status --json; echo "=== END STATUSJSON"'
        echo 'sha256sum /etc/default/grub | sed "s/^/GRUB-SHA /"'
        echo 'echo "KERNEL-CMDLINE $([ -e /etc/kernel/cmdline ] && echo present || echo absent)"'
        [ -z "${GUEST_FIRST:-}" ] || echo "$GUEST_FIRST"
        if [ $# -gt 0 ]; then
            printf 'echo "=== BEGIN ACTION"; runuser -u tester -- env LC_ALL=C.UTF-8 passthroughctl %s; echo "ACTION-RC $?"; echo "=== END ACTION"\n' "$*"
            echo 'echo "=== BEGIN AFTERJSON"; passthroughctl status --json; echo "=== END AFTERJSON"'
            echo 'echo "=== BEGIN JOURNAL"; journalctl -b -u passthrough-helper --no-pager | tail -n 40; echo "=== END JOURNAL"'
        fi
        [ -z "${GUEST_EXTRA:-}" ] || echo "$GUEST_EXTRA"
        echo "$VM_DEFER_REPORT"
    } > "$WORK/$name.sh"
    echo "$WORK/$name.sh"
}

run_deferred() { # boot-name
    VM_DEFER_ESP=$([ "$LOADER" = systemd-boot ] && echo "$ESP") vm_run_deferred "$1" "$DISK" "$R"
}

boot() { # name action...
    local name=$1; shift
    vm_boot "$name" "$DISK" "$(guest_script "$name" "$@")" ""
    vm_section "$VM_LOG/$name.agent.log" DMESG > "$VM_LOG/$name.dmesg"
    CMDLINE=$(sed -n 's/^=== PT-AGENT cmdline //p' "$VM_LOG/$name.agent.log")
    echo "  guest /proc/cmdline: $CMDLINE"
    if [ $# -gt 0 ]; then
        echo "  passthroughctl $* (as tester):"
        vm_section "$VM_LOG/$name.agent.log" ACTION | sed 's/^/  | /'
    fi
}

json_get() { # boot section python-expression-on-d
    vm_section "$VM_LOG/$1.agent.log" "$2" \
        | /usr/bin/python3 -c 'import json,sys
try: d=json.load(sys.stdin)
except Exception: print("(no JSON)"); sys.exit(0)
print(eval(sys.argv[1]))' "$3"
}
driver_of() { awk -v a="$2" '$1=="DRIVER" && $2==a {print $4}' "$VM_LOG/$1.agent.log"; }

# check NAME DRIVER STATE TOKENS(yes|no)
check() {
    local name=$1 want=$2 state=$3 tokens=$4 got
    echo "== $name: checks"
    got=$(driver_of "$name" "$SELECT")
    [ "$got" = "$want" ] && ok "$SELECT on $want" || bad "$SELECT on '${got:-absent}', expected $want"
    grep -q "$LOADER_MARK" <<<"$CMDLINE" && ok "booted through $LOADER ($LOADER_MARK on the command line)" \
        || bad "the command line has no $LOADER_MARK: not booted through $LOADER"
    if [ "$tokens" = yes ]; then
        grep -q "vfio-pci.ids=$IDS" <<<"$CMDLINE" && ok "the command line carries vfio-pci.ids=$IDS" \
            || bad "the command line lacks vfio-pci.ids=$IDS"
    else
        grep -q 'vfio-pci.ids=' <<<"$CMDLINE" && bad "the command line still carries vfio-pci.ids=" \
            || ok "no vfio-pci.ids= on the command line"
    fi
    if [ "$want" = vfio-pci ]; then
        grep -q "^VFIODEV $SELECT [0-9]* yes$" "$VM_LOG/$name.agent.log" && ok "its /dev/vfio node exists" || bad "no /dev/vfio node for its group"
        grep -qF "e1000e $SELECT" "$VM_LOG/$name.dmesg" && bad "e1000e touched $SELECT (dmesg)" || ok "e1000e never touched $SELECT (dmesg)"
    else
        grep -qF "e1000e $SELECT" "$VM_LOG/$name.dmesg" && ok "dmesg: e1000e probed $SELECT" || bad "dmesg has no 'e1000e $SELECT' line"
    fi
    got=$(json_get "$name" STATUSJSON 'd["state"]')
    [ "$got" = "$state" ] && ok "passthroughctl status: $state" || bad "passthroughctl status says '$got', expected $state"
    check_result "$name" STATUSJSON "$(expected_result "$state" "$want")"
    if [ "$SCENARIO" = sdboot-hand-written ]; then
        grep -qx 'KERNEL-CMDLINE absent' "$VM_LOG/$name.agent.log" && ok "no /etc/kernel/cmdline in the guest" \
            || bad "the guest has an /etc/kernel/cmdline (nothing here reads it)"
    fi
    echo "  status (text):"; vm_section "$VM_LOG/$name.agent.log" STATUS | sed 's/^/  | /'
}

# What status must say of the chosen device in a state: bound on vfio-pci where the boot binds it,
# inactive after a trial that fell back, pending while a restart waits, absent when nothing is set up.
expected_result() { # state driver
    case $1 in
        not-applied) echo none ;;
        trial-fell-back) echo inactive ;;
        trial-armed) echo pending ;;
        *) [ "$2" = vfio-pci ] && echo bound || echo failed ;;
    esac
}

# check_result NAME SECTION RESULT: the per-device result of `status --json` for $SELECT
check_result() {
    local got
    got=$(json_get "$1" "$2" 'next((x["result"] + ("" if x["reason"] is None else ": " + x["reason"]) for x in d["devices"] if x["address"] == "'"$SELECT"'"), "none")')
    case $got in
        "$3"|"$3: "*) ok "status of $SELECT: $got" ;;
        *) bad "status of $SELECT: '$got', expected $3" ;;
    esac
}

# check_action NAME STATE-AFTER
check_action() {
    local name=$1 state=$2 rc got
    rc=$(sed -n 's/^ACTION-RC //p' "$VM_LOG/$name.agent.log")
    [ "$rc" = 0 ] && ok "the action succeeded through the helper" \
        || { bad "the action exited '$rc'"; vm_section "$VM_LOG/$name.agent.log" JOURNAL | sed 's/^/  | /'; }
    got=$(json_get "$name" AFTERJSON 'd["state"]')
    [ "$got" = "$state" ] && ok "status after it: $state" || bad "status after it: '$got', expected $state"
    # right after an action nothing has restarted: what it set up is pending, or still bound
    case $state in
        not-applied) check_result "$name" AFTERJSON none ;;
        trial-armed) check_result "$name" AFTERJSON pending ;;
    esac
}

# ---------------------------------------------------------------- 0. the boot loader
# The ESP (p1, left empty by the disk image) formatted, in fstab, the boot loader installed to the
# removable path EFI/BOOT/BOOTX64.EFI (OVMF finds it without an NVRAM entry).
cp "$VM_OVMF_VARS" "$WORK/ovmf-vars.fd"
if [ "$LOADER" = GRUB ]; then
    vm_grub_install_script > "$WORK/0-install.sh"
    vm_make_disk "$R" "$DISK"
    vm_boot 0-install "$DISK" "$WORK/0-install.sh" "$(vm_grub_cmdline "$R")"
    grep -q '^=== PT-AGENT done rc=0' "$VM_LOG/0-install.agent.log" \
        || { cat "$VM_LOG/0-install.agent.log" >&2; vm_die "installing $LOADER in the guest failed"; }
else
    # systemd-boot from the host, in a chroot of the rootfs copy (no guest boot: bootctl install
    # --no-variables and kernel-install need no running system), onto a tmpfs at the ESP's mount
    # point whose files then go into the disk's ESP, as the deferred regenerations do. The
    # first boot through OVMF (1-before) shows that the firmware found and started it.
    t=$EPOCHREALTIME
    ESP_SERIAL=5054A001                                  # the FAT volume id: UUID=5054-A001
    k=$(ls "$R/lib/modules" | sort -V | tail -n 1)
    cl="root=LABEL=$VM_ROOT_LABEL ro $(vm_grub_cmdline "$R")"
    if [ "$ESP" = /boot ]; then
        # as an Arch install has it: the ESP is /boot and holds the kernels and initramfs images
        # (the root's /boot keeps its copies underneath, unused); no nofail: without its /boot
        # the system must not boot on
        echo "UUID=${ESP_SERIAL:0:4}-${ESP_SERIAL:4} /boot vfat umask=0077,x-systemd.device-timeout=600 0 2" >> "$R/etc/fstab"
        mkdir -p "$WORK/boot-files"
        cp -p "$R"/boot/vmlinuz-* "$R"/boot/initrd.img-* "$R"/boot/config-* "$R"/boot/System.map-* "$WORK/boot-files/"
    else
        mkdir -p "$R/boot/efi"
        # nofail as the installer writes it (see the GRUB case for the device timeout)
        echo "UUID=${ESP_SERIAL:0:4}-${ESP_SERIAL:4} /boot/efi vfat umask=0077,nofail,x-systemd.device-timeout=600 0 1" >> "$R/etc/fstab"
        # as the Debian installer leaves it: the command line in /etc/kernel/cmdline, one entry
        # per kernel made by kernel-install
        echo "$cl" > "$R/etc/kernel/cmdline"
    fi
    vm_make_disk "$R" "$DISK"
    vm_esp_format "$DISK" "$R" "$ESP_SERIAL"
    vm_esp_mount "$DISK" "$R" "$ESP"
    in_chroot() { SYSTEMD_ESP_PATH=$ESP SYSTEMD_RELAX_ESP_CHECKS=1 vm_chroot "$R" "$@" >>"$VM_LOG/0-install.log" 2>&1 \
        || { vm_esp_unmount "$DISK" "$R" "$ESP" discard; tail -n 20 "$VM_LOG/0-install.log" >&2; vm_die "0-install: '$*' failed in the chroot"; }; }
    if [ "$ESP" = /boot ]; then
        cp -p "$WORK"/boot-files/* "$R/boot/"
        in_chroot bootctl install --esp-path=/boot --no-variables
        # the entry written by hand, as the Arch wiki says, and made the default in loader.conf
        printf 'title   Debian GNU/Linux\nlinux   /vmlinuz-%s\ninitrd  /initrd.img-%s\noptions %s\n' "$k" "$k" "$cl" \
            > "$R/boot/loader/entries/debian.conf"
        echo "default debian.conf" >> "$R/boot/loader/loader.conf"
    else
        in_chroot bootctl install --esp-path=/boot/efi --no-variables
        in_chroot kernel-install add "$k" "/boot/vmlinuz-$k" "/boot/initrd.img-$k"
    fi
    { head -n 20 "$R$ESP"/loader/loader.conf "$R$ESP"/loader/entries/*.conf; (cd "$R$ESP" && find . -type f); } \
        | tee -a "$VM_LOG/0-install.log" | sed 's/^/  | /'
    echo "== 0-install: checks"
    [ -s "$R$ESP/EFI/BOOT/BOOTX64.EFI" ] && ok "bootctl installed EFI/BOOT/BOOTX64.EFI (the removable path OVMF starts)" \
        || bad "no EFI/BOOT/BOOTX64.EFI on the ESP"
    # (kernel-install appends systemd.machine_id=, as it does in the guest)
    n=$(grep -lE "^options +$cl( |\$)" "$R$ESP"/loader/entries/*.conf 2>/dev/null | wc -l || true)
    [ "$n" = 1 ] && ok "one entry with 'options $cl'" || bad "$n entries with 'options $cl' on the ESP"
    vm_esp_unmount "$DISK" "$R" "$ESP"
    rm -rf "$WORK/boot-files"
    echo "== 0-install: no boot, installed in a host chroot in $(vm_secs "$t" "$EPOCHREALTIME")s"
fi
export VM_UEFI_VARS=$WORK/ovmf-vars.fd
echo "== $LOADER installed on the ESP; every later boot: OVMF → $LOADER → kernel"
if [ "$LOADER" = systemd-boot ]; then
    # loader.conf and the entries as installed, for the byte-for-byte check after revert
    mkdir -p "$WORK/esp-installed"
    vm_esp_pull "$DISK" "$WORK/esp-installed"
fi

# ---------------------------------------------------------------- 1..6
# what a plain apply would change, in the guest before anything is set up
GUEST_FIRST="echo '=== BEGIN PLANJSON'; passthroughctl plan --select $SELECT --json; echo '=== END PLANJSON'" \
    boot 1-before apply --trial --select "$SELECT"
check 1-before e1000e not-applied no
if [ "$LOADER" = systemd-boot ]; then
    # kernel-install rewrites the entries from /etc/kernel/cmdline, so the plan edits both; where
    # nothing reads /etc/kernel/cmdline the entry alone is the truth
    got=$(json_get 1-before PLANJSON '" ".join(c["path"] for c in d["changes"])')
    echo "  the plan changes: $got"
    grep -q "$ESP/loader/entries/" <<<"$got" && ok "the plan edits the entries under $ESP/loader/entries" \
        || bad "the plan edits no entry under $ESP/loader/entries"
    if [ "$SCENARIO" = sdboot-hand-written ]; then
        grep -qw /etc/kernel/cmdline <<<"$got" && bad "the plan writes /etc/kernel/cmdline, which nothing reads here" \
            || ok "the plan does not write /etc/kernel/cmdline"
    else
        grep -qw /etc/kernel/cmdline <<<"$got" && ok "the plan writes /etc/kernel/cmdline too" \
            || bad "the plan leaves /etc/kernel/cmdline alone: kernel-install would undo the entries"
    fi
fi
check_action 1-before trial-armed
GRUB_BEFORE=$(awk '$1=="GRUB-SHA"{print $2}' "$VM_LOG/1-before.agent.log")
run_deferred 1-before

if [ "$FALL_BACK" = yes ]; then
    boot 2-trial
    check 2-trial vfio-pci trial-booted yes
    echo "  (powered off without confirming: a trial that failed)"

    boot 3-fell-back apply --trial --select "$SELECT"
    check 3-fell-back e1000e trial-fell-back no
    check_action 3-fell-back trial-armed
    run_deferred 3-fell-back
    TRIAL=4-trial CONFIRMED=5-confirmed REVERTED=6-reverted
else
    # the fall-back of a trial that was never confirmed is vm-sdboot-kernel-install's (the same
    # bootctl set-oneshot): here the first trial is confirmed
    TRIAL=2-trial CONFIRMED=3-confirmed REVERTED=4-reverted
fi

# confirmed in the trial boot, where the NIC is already on vfio-pci (the softdep must stay)
if [ "$LOADER" = systemd-boot ]; then
    # and then the trap: a later update-initramfs (a kernel update does the same) runs
    # kernel-install, which rewrites every entry's options from /etc/kernel/cmdline; with
    # hand-written entries it only replaces the initramfs on the ESP
    GUEST_EXTRA='/usr/local/sbin/pt-vm-defer update-initramfs -u -k all' boot $TRIAL confirm
else
    boot $TRIAL confirm
fi
check $TRIAL vfio-pci trial-booted yes
check_action $TRIAL applied
run_deferred $TRIAL
if [ "$LOADER" = systemd-boot ]; then
    n=0
    for e in "$VM_LOG"/$TRIAL.entries/*.conf; do
        case $e in
            */passthrough-trial.conf) bad "the trial entry is still on the ESP after confirm"; continue ;;
            */passthrough-way-back.conf)
                # the permanent way back: the same kernel without our tokens, by design
                grep -q 'vfio-pci' "$e" && bad "the way-back entry carries vfio-pci" \
                    || ok "the way-back entry ${e##*/} is there, without our tokens"
                continue ;;
        esac
        n=$((n + 1))
        grep -q "^options .*vfio-pci.ids=$IDS" "$e" && ok "after a further update-initramfs ${e##*/} still carries vfio-pci.ids=$IDS" \
            || { bad "${e##*/} lost our tokens in a further update-initramfs:"; sed 's/^/        /' "$e"; }
    done
    [ $n -gt 0 ] || bad "no boot entry on the ESP after update-initramfs"
fi

boot $CONFIRMED revert
check $CONFIRMED vfio-pci applied yes
check_action $CONFIRMED not-applied
run_deferred $CONFIRMED
if [ "$LOADER" = systemd-boot ]; then
    for e in "$VM_LOG"/$CONFIRMED.entries/*.conf; do
        grep -q 'vfio-pci' "$e" && bad "${e##*/} still carries vfio-pci after revert" || ok "${e##*/} without our tokens after revert"
    done
fi

boot $REVERTED
check $REVERTED e1000e not-applied no
[ "$(awk '$1=="GRUB-SHA"{print $2}' "$VM_LOG/$REVERTED.agent.log")" = "$GRUB_BEFORE" ] \
    && ok "/etc/default/grub byte for byte as before apply" || bad "/etc/default/grub differs from 1-before"
if [ "$SCENARIO" = sdboot-hand-written ]; then
    mkdir -p "$WORK/esp-reverted"
    vm_esp_pull "$DISK" "$WORK/esp-reverted"
    for f in loader/loader.conf loader/entries; do
        diff -r "$WORK/esp-installed/$f" "$WORK/esp-reverted/$f" >"$VM_LOG/esp-after-revert.diff" \
            && ok "$ESP/$f byte for byte as 0-install wrote it" \
            || { bad "$ESP/$f differs after revert:"; sed 's/^/        /' "$VM_LOG/esp-after-revert.diff"; }
    done
fi

vm_test_end "$FAILS" "$R" "$DISK" "$STAGE" "$WORK/esp-installed" "$WORK/esp-reverted"
