#!/bin/bash
# Builds the vm suite's guest: Debian bookworm (debootstrap minbase) with a stock kernel, the
# runtime libraries passthroughctl links against, GRUB's packages (so /etc/default/grub is the
# distribution's own), and the test agent. The result is cached in
#   $PASSTHROUGH_VM_CACHE/guest-<hash of this script and the agent>/rootfs
# and reused by every later run; a changed script makes a new one. ~2 min from nothing.
#
#   tests/vm/vm-build-guest.sh            build if not cached
#   FRESH=1 tests/vm/vm-build-guest.sh    build again even if cached
#
# Exits 77 (meson's "skipped") when the Debian mirror cannot be reached and nothing is cached.
set -euo pipefail
source "$(dirname "$0")/vm-lib.sh"
[ "$(id -u)" = 0 ] || vm_skip "building the guest needs root (debootstrap, chroot)"

G=$(vm_guest_dir)
R=$G/rootfs
mkdir -p "$VM_CACHE"
exec 9>"$VM_CACHE/build.lock"
flock 9                                   # one build at a time; a waiting run then reuses it
if [ "${FRESH:-0}" != 1 ] && [ -e "$G/.complete" ]; then
    vm_log "guest cached: $G"
    exit 0
fi
T0=$EPOCHREALTIME
rm -rf --one-file-system "$G"
mkdir -p "$G"
LOG=$G/build.log

# Is the mirror reachable? (apt's own downloader, so proxies configured for apt apply too)
if ! timeout 60 /usr/lib/apt/apt-helper download-file "$VM_MIRROR/dists/$VM_SUITE/Release" "$G/Release" >/dev/null 2>&1; then
    rm -rf --one-file-system "$G"
    vm_skip "cannot reach the Debian mirror $VM_MIRROR (needed once to build the guest with debootstrap; set PASSTHROUGH_VM_MIRROR to another one)"
fi
rm -f "$G/Release"

PKGS=(
  # a bootable minimal system; zstd as a standard Debian install has it (initramfs.conf says
  # COMPRESS=zstd; without it update-initramfs falls back to gzip, 4 s more to unpack under TCG)
  linux-image-amd64 kmod pciutils initramfs-tools systemd-sysv udev e2fsprogs procps zstd
  # what passthroughctl needs at run time
  libglib2.0-0 libjson-glib-1.0-0 libpci3 pci.ids libpolkit-gobject-1-0 libpolkit-agent-1-0
)
# GRUB as Debian installs it (its /etc/default/grub is what apply edits); dosfstools for the ESP.
# Installed by apt in the chroot after debootstrap, as the Debian installer does.
PKGS_LATER=(grub-efi-amd64 dosfstools)
t=$EPOCHREALTIME
vm_log "debootstrap --variant=minbase $VM_SUITE from $VM_MIRROR (log: $LOG)"
if ! timeout 1800 debootstrap --variant=minbase --include="$(IFS=,; echo "${PKGS[*]}")" \
        "$VM_SUITE" "$R" "$VM_MIRROR" >"$LOG" 2>&1; then
    tail -n 30 "$LOG" >&2
    vm_die "debootstrap failed (log: $LOG)"
fi
vm_log "debootstrap done in $(vm_secs "$t" "$EPOCHREALTIME")s"
t=$EPOCHREALTIME
printf '#!/bin/sh\nexit 101\n' > "$R/usr/sbin/policy-rc.d"; chmod +x "$R/usr/sbin/policy-rc.d"
vm_chroot "$R" apt-get install -y --no-install-recommends "${PKGS_LATER[@]}" >>"$LOG" 2>&1 \
    || { tail -n 30 "$LOG" >&2; vm_die "apt-get install ${PKGS_LATER[*]} in the guest failed (log: $LOG)"; }
rm -f "$R/usr/sbin/policy-rc.d"
vm_log "${PKGS_LATER[*]} installed in $(vm_secs "$t" "$EPOCHREALTIME")s"

# ---------------------------------------------------------------- configuration
echo pt-vm > "$R/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tpt-vm\n' > "$R/etc/hosts"
echo "LABEL=$VM_ROOT_LABEL / ext4 rw,errors=remount-ro 0 1" > "$R/etc/fstab"
chroot "$R" passwd -d root >/dev/null
# autologin on the serial console, for interactive debugging (vm-boot.sh -i); a test's boot
# (vm_boot passes opt/passthrough/poweroff) starts no getty: login and a shell cost TCG seconds
mkdir -p "$R/etc/systemd/system/serial-getty@ttyS0.service.d"
cat > "$R/etc/systemd/system/serial-getty@ttyS0.service.d/autologin.conf" <<'EOF'
[Unit]
ConditionPathExists=!/sys/firmware/qemu_fw_cfg/by_name/opt/passthrough/poweroff/raw

[Service]
ExecStart=
ExecStart=-/sbin/agetty --autologin root --keep-baud 115200,57600,38400,9600 - $TERM
EOF
# GRUB's defaults as the package ships them, with the console on the serial port as an
# installer would set it up for a headless machine.
[ -f "$R/etc/default/grub" ] || vm_die "grub-efi-amd64 left no /etc/default/grub"
sed -i 's/^GRUB_CMDLINE_LINUX=.*/GRUB_CMDLINE_LINUX="console=ttyS0,115200"/' "$R/etc/default/grub"
grep -q '^GRUB_CMDLINE_LINUX="console=ttyS0,115200"$' "$R/etc/default/grub" || vm_die "cannot set GRUB_CMDLINE_LINUX"
printf 'GRUB_TERMINAL="serial"\nGRUB_SERIAL_COMMAND="serial --unit=0 --speed=115200"\n' >> "$R/etc/default/grub"

install -m 0755 "$VM_DIR/vm-guest-agent" "$R/usr/local/sbin/pt-vm-agent"
cat > "$R/etc/systemd/system/pt-vm-agent.service" <<'EOF'
[Unit]
Description=Passthrough vm suite agent (runs fw_cfg opt/passthrough/script, output on ttyS1)
After=systemd-udev-trigger.service systemd-modules-load.service local-fs.target
Wants=systemd-udev-trigger.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/local/sbin/pt-vm-agent
TimeoutStartSec=infinity

[Install]
WantedBy=multi-user.target
EOF
ln -sf /etc/systemd/system/pt-vm-agent.service "$R/etc/systemd/system/multi-user.target.wants/pt-vm-agent.service"
echo qemu_fw_cfg > "$R/etc/modules-load.d/pt-vm.conf"
# nothing in the guest needs these at boot, and they cost TCG seconds (measured: e2scrub_reap
# 11 s, getty-static and the six VT gettys 10 s of a boot; the guest has no display: -display none)
for u in timers.target.wants/apt-daily.timer timers.target.wants/apt-daily-upgrade.timer \
         timers.target.wants/e2scrub_all.timer timers.target.wants/fstrim.timer \
         multi-user.target.wants/e2scrub_reap.service getty.target.wants/getty@tty1.service; do
    rm -f "$R/etc/systemd/system/$u"
done
ln -sf /dev/null "$R/etc/systemd/system/getty-static.service"
# KVM inside the guest: its CPU (-cpu max) offers vmx and svm, so udev loads kvm, kvm_intel and
# kvm_amd at every boot, ~6 s under TCG before udev settles; no test runs a nested guest
printf 'blacklist kvm_intel\nblacklist kvm_amd\n' > "$R/etc/modprobe.d/pt-vm-no-nested-kvm.conf"
chroot "$R" apt-get clean
rm -rf "$R/var/lib/apt/lists/"* "$R/var/cache/apt/"*.bin

kver=$(ls "$R/lib/modules" | sort -V | tail -n 1)
[ -n "$kver" ] && [ -s "$R/boot/vmlinuz-$kver" ] && [ -s "$R/boot/initrd.img-$kver" ] \
    || vm_die "no kernel/initramfs in $R/boot"
# the initramfs as Debian builds it with zstd installed (debootstrap may have made it before zstd
# was configured)
zstd_image() { [ "$(head -c 4 "$1" | od -An -tx1 | tr -d ' ')" = 28b52ffd ]; }
if ! zstd_image "$R/boot/initrd.img-$kver"; then
    t=$EPOCHREALTIME
    vm_chroot "$R" update-initramfs -u -k all >>"$LOG" 2>&1 || { tail -n 30 "$LOG" >&2; vm_die "update-initramfs in the guest failed (log: $LOG)"; }
    vm_log "initramfs rebuilt with zstd in $(vm_secs "$t" "$EPOCHREALTIME")s"
fi
zstd_image "$R/boot/initrd.img-$kver" || vm_die "the initramfs is not zstd-compressed"
touch "$G/.complete"
vm_log "guest built in $(vm_secs "$T0" "$EPOCHREALTIME")s: kernel $kver, $(du -sh "$R" | cut -f1), $G"
