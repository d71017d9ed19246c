#!/bin/bash
# vm-full: the Ansible collection (contrib/ansible, docs/ansible.md) against a booted kernel.
# ansible-playbook on the host drives the vm suite's guest over SSH with the role
# example.passthrough.vfio_host (tests/vm/vm-ansible.yml), selecting the e1000e NIC 0000:02:00.0
# by its IDs 8086:10d3: the trial is armed (the helper runs update-grub, update-initramfs and
# grub-reboot in the guest), ansible.builtin.reboot restarts the guest, the facts say the kernel
# bound the NIC to vfio-pci, the setup is confirmed. The same playbook again must change nothing
# (its recap says changed=0). Then, over SSH: the NIC on vfio-pci with its /dev/vfio node, GRUB's
# command line with the IDs, no e1000e line about it, status "applied" with the NIC bound.
#
# The guest: a private copy of the cached rootfs with the helper installed as the vm-helper tests
# do, openssh-server and python3 (apt in a host chroot through the mirror), the test's own SSH key
# for root (polkit authorizes root's passthroughctl calls), and a second network card for SSH: a
# virtio-net NIC at 0000:00:09.0 on QEMU user networking, 127.0.0.1:<free port> forwarded to the
# guest's port 22, given a static address by systemd-networkd. That NIC is not the device under
# test. Booted as vm-grub boots: 0-install (direct kernel, -no-reboot) installs GRUB on the ESP;
# then ONE QEMU process without -no-reboot, OVMF -> GRUB from the disk, which lives through the
# guest's restarts and is powered off at the end.
#
# Regeneration in the guest, for real: nothing is deferred to the host here (the role waits for
# the helper's commands). With Debian's initramfs.conf (MODULES=most, zstd -9) update-initramfs
# takes ~7-10 minutes under TCG; this guest's own configuration makes it a test's length:
# MODULES=dep (the modules this machine needs, not most of them) and COMPRESSLEVEL=1 (zstd -1).
# Measured (2026-12-07, host load 12-19): 822.5 s, still the longest step (Debian's defaults were
# not timed in that run; tests/vm/README.md has the earlier figures); the test passed in 56 min.
# Each command the helper runs is timed by a wrapper (PASSTHROUGH_COMMAND_WRAPPER in a drop-in of
# the helper's unit) that runs it unchanged; the times are printed at the end.
#
# Exit 77 (skipped) when this machine cannot run QEMU, has no OVMF, no ansible-playbook or ssh,
# or cannot build the guest.
set -euo pipefail
source "$(dirname "$0")/vm-lib.sh"

NAME=vm-ansible
SELECT=0000:02:00.0
IDS=8086:10d3
T0=$EPOCHREALTIME
export VM_TWIN_NIC=0

vm_require_host
vm_require_ovmf
for t in ansible-playbook ansible ssh ssh-keygen; do
    command -v "$t" >/dev/null 2>&1 \
        || vm_skip "no $t on this host (Debian packages ansible-core and openssh-client): the test drives the guest with ansible-playbook over SSH"
done
vm_test_begin "$NAME"
[ -x "$BUILD_ROOT/helper/passthrough-helper" ] || vm_skip "the helper is not built (meson option helper=false?)"
COLLECTION=$(cd "$VM_DIR/../../contrib/ansible" && pwd)
[ -f "$COLLECTION/galaxy.yml" ] || vm_die "no collection at $COLLECTION"

FAILS=0
ok()  { echo "  ok    $*"; }
bad() { echo "  FAIL  $*"; FAILS=$((FAILS + 1)); }

# ---------------------------------------------------------------- the guest's rootfs
vm_ensure_guest
R=$WORK/rootfs
DISK=$WORK/disk.img
t=$EPOCHREALTIME
vm_copy_rootfs "$VM_GUEST_ROOTFS" "$R"
# no service of the new packages may start in the host's chroot (sshd on the host's port 22)
printf '#!/bin/sh\nexit 101\n' > "$R/usr/sbin/policy-rc.d"
chmod +x "$R/usr/sbin/policy-rc.d"
VM_EXTRA_PKGS="openssh-server python3" vm_install_helper "$R" "$STAGE" com.example.Passthrough.configure
rm -f "$R/usr/sbin/policy-rc.d"
[ -x "$R/usr/sbin/sshd" ] && [ -x "$R/usr/bin/python3" ] || vm_die "openssh-server or python3 missing in the guest after apt"
vm_log "rootfs copy with the helper, dbus, polkitd, openssh-server and python3 in $(vm_secs "$t" "$EPOCHREALTIME")s"

# root logs in with the test's key only
rm -f "$WORK/id_ed25519" "$WORK/id_ed25519.pub"
ssh-keygen -q -t ed25519 -N '' -C pt-vm-ansible -f "$WORK/id_ed25519"
install -d -m 0700 "$R/root/.ssh"
install -m 0600 "$WORK/id_ed25519.pub" "$R/root/.ssh/authorized_keys"
install -D -m 0644 /dev/stdin "$R/etc/ssh/sshd_config.d/pt-vm.conf" <<'EOF'
# vm-ansible: root with the test's key, nothing else
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UseDNS no
EOF
# the SSH NIC (virtio_net; the e1000e under test has no configuration): QEMU user networking's
# fixed addresses, no DHCP to wait for
install -D -m 0644 /dev/stdin "$R/etc/systemd/network/50-pt-vm-ssh.network" <<'EOF'
[Match]
Driver=virtio_net

[Network]
Address=10.0.2.15/24
Gateway=10.0.2.2
LinkLocalAddressing=no
IPv6AcceptRA=no
EOF
vm_chroot "$R" systemctl enable systemd-networkd.service >"$VM_LOG/enable.log" 2>&1 \
    || { cat "$VM_LOG/enable.log" >&2; vm_die "cannot enable systemd-networkd in the guest"; }
# (nothing here waits for the network: a start must not hang on the e1000e that has no address)
rm -f "$R/etc/systemd/system/network-online.target.wants/systemd-networkd-wait-online.service"
[ -L "$R/etc/systemd/system/multi-user.target.wants/ssh.service" ] \
    || vm_die "openssh-server's unit is not enabled in the guest"

# a TCG guest on a busy 2-core host starts slowly (measured at load 12-14: udev 300 s into the
# start, systemd-networkd failed on systemd's default 90 s start timeout, so no SSH): the units of
# this guest get 15 minutes, as its boots are given elsewhere (vm_boot's 900 s)
install -D -m 0644 /dev/stdin "$R/etc/systemd/system.conf.d/pt-vm-slow.conf" <<'EOF'
# vm-ansible: a TCG guest on a busy host
[Manager]
DefaultTimeoutStartSec=900s
DefaultDeviceTimeoutSec=900s
EOF

# update-initramfs in the guest at a test's length (see the header), as a person would configure
# a machine of their own: the modules this machine needs, zstd's fastest level
sed -i 's/^MODULES=.*/MODULES=dep/' "$R/etc/initramfs-tools/initramfs.conf"
echo 'COMPRESSLEVEL=1' >> "$R/etc/initramfs-tools/initramfs.conf"
grep -qx MODULES=dep "$R/etc/initramfs-tools/initramfs.conf" || vm_die "cannot set MODULES=dep"

# every command the helper runs, timed (and run as it is)
install -D -m 0755 /dev/stdin "$R/usr/local/sbin/pt-vm-time" <<'EOF'
#!/bin/sh
# vm-ansible: the helper's PASSTHROUGH_COMMAND_WRAPPER; runs the command unchanged and appends
# "<seconds> rc=<exit code> <argv>" to /var/lib/pt-vm/times
t0=$(cut -d' ' -f1 /proc/uptime)
"$@"
rc=$?
t1=$(cut -d' ' -f1 /proc/uptime)
echo "$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}') rc=$rc $*" >> /var/lib/pt-vm/times
exit $rc
EOF
mkdir -p "$R/var/lib/pt-vm"
install -D -m 0644 /dev/stdin "$R/etc/systemd/system/passthrough-helper.service.d/pt-vm.conf" <<'EOF'
# vm-ansible: each command the helper runs is timed (/usr/local/sbin/pt-vm-time)
[Service]
Environment=PASSTHROUGH_COMMAND_WRAPPER=/usr/local/sbin/pt-vm-time
ReadWritePaths=/var/lib/pt-vm
EOF
# a one-second menu instead of five, as vm-grub has it
sed -i 's/^GRUB_TIMEOUT=.*/GRUB_TIMEOUT=1/' "$R/etc/default/grub"

# ---------------------------------------------------------------- 0. GRUB on the ESP
cp "$VM_OVMF_VARS" "$WORK/ovmf-vars.fd"
vm_grub_install_script > "$WORK/0-install.sh"
vm_make_disk "$R" "$DISK"
vm_boot 0-install "$DISK" "$WORK/0-install.sh" "$(vm_grub_cmdline "$R")"
grep -q '^=== PT-AGENT done rc=0' "$VM_LOG/0-install.agent.log" \
    || { cat "$VM_LOG/0-install.agent.log" >&2; vm_die "installing GRUB in the guest failed"; }
vm_disk_clean "$DISK"

# ---------------------------------------------------------------- the guest that stays up
PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
QPID=
stop_guest() {
    [ -n "$QPID" ] || return 0
    kill "$QPID" 2>/dev/null || true
    wait "$QPID" 2>/dev/null || true
    QPID=
    vm_unlock_guest
}
trap stop_guest EXIT
trap 'exit 1' TERM INT
vm_lock_guest guest
# the agent prints the report of tests/vm/vm-guest-report.sh at every start (ttyS1), with the
# units that failed and the journal of the network and sshd; no poweroff: the guest stays up
{
    cat "$VM_DIR/vm-guest-report.sh"
    echo 'echo "=== BEGIN FAILED-UNITS"; systemctl --failed --no-legend --no-pager; echo "=== END FAILED-UNITS"'
    echo 'echo "=== BEGIN NET-JOURNAL"; journalctl -b -u systemd-networkd -u ssh --no-pager | tail -n 30; echo "=== END NET-JOURNAL"'
} > "$WORK/guest-report.sh"
VM_UEFI_VARS=$WORK/ovmf-vars.fd VM_SSH_PORT=$PORT VM_PERSIST=1 \
    vm_qemu_cmd guest "$DISK" "$WORK/guest-report.sh" ""
CON=$VM_LOG/guest.console.log AGENT=$VM_LOG/guest.agent.log
"${VM_QEMU_CMD[@]}" </dev/null >"$VM_LOG/guest.qemu.log" 2>&1 &
QPID=$!
tg=$EPOCHREALTIME

SSH=(ssh -i "$WORK/id_ed25519" -p "$PORT" -o BatchMode=yes -o StrictHostKeyChecking=no
     -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=10 root@127.0.0.1)
# wait_ssh WHAT: until the guest answers over SSH (or QEMU exits, the kernel panics, 20 minutes)
wait_ssh() {
    local t=$EPOCHREALTIME end=$((SECONDS + 1200))
    while ! "${SSH[@]}" true 2>/dev/null; do
        kill -0 "$QPID" 2>/dev/null || { tail -n 30 "$CON" >&2; vm_die "QEMU exited before $1 answered over SSH (log: $VM_LOG/guest.qemu.log)"; }
        grep -qE '^\(initramfs\) |Kernel panic - not syncing|emergency mode' "$CON" 2>/dev/null \
            && { tail -n 30 "$CON" >&2; vm_die "the guest is stuck ($1; console: $CON)"; }
        [ $SECONDS -lt $end ] || { tail -n 30 "$CON" >&2; vm_die "no SSH from the guest within 20 minutes ($1)"; }
        sleep 3
    done
    vm_log "$1: SSH answers after $(vm_secs "$t" "$EPOCHREALTIME")s"
}
wait_ssh "1-before"
VM_BOOTS+=("1-before (until SSH answered) $(vm_secs "$tg" "$EPOCHREALTIME")s")
"${SSH[@]}" "readlink /sys/bus/pci/devices/$SELECT/driver; passthroughctl status --json" >"$VM_LOG/1-before.txt" 2>&1 || true
grep -q '/e1000e$' "$VM_LOG/1-before.txt" && ok "1-before: $SELECT on e1000e" || bad "1-before: $SELECT not on e1000e: $(head -n 1 "$VM_LOG/1-before.txt")"

# ---------------------------------------------------------------- the playbook, twice
mkdir -p "$WORK/collections/ansible_collections/example"
ln -sfn "$COLLECTION" "$WORK/collections/ansible_collections/example/passthrough"
cat > "$WORK/inventory.ini" <<EOF
[pt_vm]
pt-vm ansible_host=127.0.0.1 ansible_port=$PORT ansible_user=root ansible_ssh_private_key_file=$WORK/id_ed25519 ansible_python_interpreter=/usr/bin/python3 pt_ids='["$IDS"]'
EOF
export ANSIBLE_COLLECTIONS_PATH=$WORK/collections ANSIBLE_HOME=$WORK/ansible-home \
    ANSIBLE_TIMEOUT=120 ANSIBLE_HOST_KEY_CHECKING=False ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 ANSIBLE_RETRY_FILES_ENABLED=False \
    ANSIBLE_SSH_ARGS="-o ControlMaster=auto -o ControlPersist=60s -o UserKnownHostsFile=/dev/null -o ServerAliveInterval=30" \
    ANSIBLE_SSH_CONTROL_PATH_DIR=$WORK/cp ANSIBLE_LOCAL_TEMP=$WORK/ansible-tmp

# play RUN: ansible-playbook vm-ansible.yml -v, its output in $VM_LOG/RUN.log; sets RECAP
play() {
    local t=$EPOCHREALTIME rc=0
    echo "== $1: ansible-playbook tests/vm/vm-ansible.yml"
    ansible-playbook -v -i "$WORK/inventory.ini" "$VM_DIR/vm-ansible.yml" >"$VM_LOG/$1.log" 2>&1 || rc=$?
    RECAP=$(sed -n 's/^pt-vm *: *//p' "$VM_LOG/$1.log" | tail -n 1)
    echo "  rc=$rc in $(vm_secs "$t" "$EPOCHREALTIME")s; recap: ${RECAP:-(none)}"
    # each task and what it gave
    task_results "$1" | sed 's/^/  | /'
    [ "$rc" = 0 ] || { tail -n 40 "$VM_LOG/$1.log" >&2; bad "$1: ansible-playbook exited $rc (log: $VM_LOG/$1.log)"; }
    PLAY_SECS+=("$1 $(vm_secs "$t" "$EPOCHREALTIME")s")
}
PLAY_SECS=()
# "<result> <task name>" for every task of a run, from the default callback's output
task_results() {
    awk '/^TASK \[/ { sub(/^TASK \[/, ""); sub(/\] \**$/, ""); task = $0; next }
         task != "" && match($0, /^(ok|changed|skipping|failed|fatal): \[pt-vm\]/) {
             r = $0; sub(/:.*/, "", r); print r " " task; task = "" }' "$VM_LOG/$1.log"
}
recap() { sed -n "s/.*\\b$1=\\([0-9]*\\).*/\\1/p" <<<"$RECAP"; }
result_of() { task_results "$1" | awk -v t="$2" '{ r = $1; $1 = ""; sub(/^ /, ""); if ($0 == "example.passthrough.vfio_host : " t) print r }'; }

play run-1
[ "$(recap failed)" = 0 ] && [ "$(recap unreachable)" = 0 ] && ok "run-1: failed=0 unreachable=0" \
    || bad "run-1: recap '$RECAP'"
for task in "Arm a one-shot trial start of the setup" "Start the trial" "Make the setup the default start"; do
    got=$(result_of run-1 "$task")
    [ "$got" = changed ] && ok "run-1: '$task' changed" || bad "run-1: '$task' gave '${got:-nothing}', expected changed"
done
got=$(result_of run-1 "Check that every device is on vfio-pci and the host kept its screen")
[ "$got" = ok ] && ok "run-1: the role's check passed (every device on vfio-pci)" || bad "run-1: the role's check gave '${got:-nothing}'"
got=$(result_of run-1 "Fail the host")
[ "$got" = skipping ] || [ -z "$got" ] && ok "run-1: the trial did not fall back" || bad "run-1: 'Fail the host' gave $got"
# the reboot module's own measure of the restart
grep '"rebooted": true' "$VM_LOG/run-1.log" | sed -n 's/.*"elapsed": \([0-9]*\).*/\1/p' | head -n 1 \
    | while read -r s; do echo "  ansible.builtin.reboot: the trial start took ${s}s (its 'elapsed')"; done

play run-2
[ "$(recap changed)" = 0 ] && ok "run-2: changed=0" || bad "run-2: recap '$RECAP', expected changed=0"
[ "$(recap failed)" = 0 ] && [ "$(recap unreachable)" = 0 ] && ok "run-2: failed=0 unreachable=0" || bad "run-2: recap '$RECAP'"
for task in "Arm a one-shot trial start of the setup" "Make the setup the default start"; do
    got=$(result_of run-2 "$task")
    [ "$got" = ok ] && ok "run-2: '$task' ok, unchanged" || bad "run-2: '$task' gave '${got:-nothing}', expected ok"
done
got=$(result_of run-2 "Start the trial")
[ "$got" = skipping ] && ok "run-2: no restart" || bad "run-2: 'Start the trial' gave '${got:-nothing}', expected skipping"

# ---------------------------------------------------------------- in the guest
# guest_check BOOT: the NIC on vfio-pci with its /dev/vfio node, status applied (confirmed),
# GRUB's command line with the IDs, e1000e never touched the NIC
guest_check() {
    local f=$VM_LOG/$1.txt drv state
    "${SSH[@]}" "readlink /sys/bus/pci/devices/$SELECT/driver; g=\$(basename \$(readlink /sys/bus/pci/devices/$SELECT/iommu_group)); [ -c /dev/vfio/\$g ] && echo VFIODEV yes; echo CMDLINE \$(cat /proc/cmdline); dmesg | grep -c 'e1000e $SELECT' | sed 's/^/E1000E-LINES /'; echo '=== BEGIN STATUSJSON'; passthroughctl status --json; echo '=== END STATUSJSON'; passthroughctl status" >"$f" 2>&1 || true
    drv=$(head -n 1 "$f"); drv=${drv##*/}
    [ "$drv" = vfio-pci ] && ok "$1: $SELECT on vfio-pci" || bad "$1: $SELECT on '$drv'"
    grep -qx 'VFIODEV yes' "$f" && ok "$1: its /dev/vfio node exists" || bad "$1: no /dev/vfio node for its group"
    grep -q "^CMDLINE .*BOOT_IMAGE=.*vfio-pci.ids=$IDS" "$f" && ok "$1: GRUB started it with vfio-pci.ids=$IDS" \
        || bad "$1: command line: $(grep '^CMDLINE' "$f")"
    grep -qx 'E1000E-LINES 0' "$f" && ok "$1: e1000e never touched $SELECT (dmesg)" || bad "$1: e1000e wrote about $SELECT (dmesg)"
    state=$(vm_section "$f" STATUSJSON | /usr/bin/python3 -c 'import json,sys
try: d=json.load(sys.stdin)
except Exception: print("(no JSON)"); sys.exit(0)
print(d["state"], " ".join(x["address"] + "=" + x["result"] for x in d["devices"]))')
    [ "$state" = "applied $SELECT=bound" ] && ok "$1: passthroughctl status: applied, $SELECT bound (confirmed)" \
        || bad "$1: passthroughctl status: '$state', expected 'applied $SELECT=bound'"
    sed -n '/=== END STATUSJSON/,$p' "$f" | tail -n +2 | sed 's/^/  | /'
}
guest_check 2-trial-confirmed
"${SSH[@]}" 'cat /var/lib/pt-vm/times' >"$VM_LOG/command-times.txt" 2>&1 || true
echo "  what the helper ran in the guest (seconds, exit code, command):"
sed 's/^/  | /' "$VM_LOG/command-times.txt"
grep -q ' rc=0 update-initramfs ' "$VM_LOG/command-times.txt" && ok "update-initramfs ran in the guest" \
    || bad "no successful update-initramfs in the guest's command log"

# (one more restart into the confirmed default entry is vm-grub's 5-confirmed: at load 12-19 a
# start of this guest took 12 minutes, so it is not repeated here)

# ---------------------------------------------------------------- the end
"${SSH[@]}" 'systemctl poweroff' >/dev/null 2>&1 || true
for _ in $(seq 120); do kill -0 "$QPID" 2>/dev/null || break; sleep 1; done
stop_guest
grep -c '^=== PT-AGENT start' "$AGENT" | sed 's/^/  guest starts reported by the agent: /'
sed -n 's/^=== PT-AGENT cmdline /  start: /p' "$AGENT"
for p in "${PLAY_SECS[@]}"; do echo "  ansible-playbook $p"; done
vm_test_end "$FAILS" "$R" "$DISK" "$STAGE" "$WORK/id_ed25519" "$WORK/id_ed25519.pub" "$WORK/collections" "$WORK/ansible-home" "$WORK/ansible-tmp" "$WORK/cp"
