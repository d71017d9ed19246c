#!/bin/bash
# vm-full: the Debian packages on a real system (docs/packaging.md).  The .debs are built from a
# clean copy of the tree (tests/packages/pkglib.py) and installed with `apt-get install ./…deb`;
# nothing of the build directory is copied into the guest.
#
#   host chroot: apt-get install ./passthrough-helper_*.deb (its dependencies from the mirror; the
#           update-initramfs trigger runs there, at the host's speed: 10 minutes inside TCG)
#   boot 1: "tester" applies 0000:02:00.0 through the packaged helper (systemd activation of the
#           packaged unit, the guest's polkitd reading the packaged policy); `apt-get remove
#           passthrough-helper` as root is refused with "passthroughctl revert", the package stays
#   boot 2: the machine boots with the setup: 0000:02:00.0 on vfio-pci; `apt-get install
#           --reinstall ./…deb` (an upgrade) keeps the state byte for byte; tester reverts;
#           `apt-get purge passthrough-helper` goes through
#   boot 3: 0000:02:00.0 on e1000e, /var/lib/passthrough gone, and every file Passthrough or the
#           package touched as before the install
# The helper's update-initramfs (and the purge's trigger) are carried out in a host chroot after
# each boot (tests/vm/vm-guest-defer); while apt runs in the guest, update_initramfs=no keeps the
# trigger from regenerating there.  Exit 77 (skipped) when QEMU, the guest or dpkg-buildpackage
# cannot run here.
set -euo pipefail
source "$(dirname "$0")/vm-lib.sh"

NAME=vm-packages
T0=$EPOCHREALTIME
vm_require_host
command -v dpkg-buildpackage >/dev/null && command -v dh >/dev/null \
    || vm_skip "dpkg-buildpackage and debhelper are not installed"
vm_test_begin "$NAME"
vm_ensure_guest
R=$WORK/rootfs
DISK=$WORK/disk.img
DEBS=$WORK/debs

t=$EPOCHREALTIME
rm -rf --one-file-system "$DEBS"
HELPER_DEB=$(/usr/bin/python3 "$VM_DIR/../packages/pkglib.py" deb "$DEBS" 2>"$VM_LOG/dpkg-buildpackage.log" | tail -n 1) \
    || { tail -n 30 "$VM_LOG/dpkg-buildpackage.log" >&2; vm_die "dpkg-buildpackage failed"; }
[ -f "$HELPER_DEB" ] || vm_die "no passthrough-helper .deb built"
vm_log "dpkg-buildpackage in $(vm_secs "$t" "$EPOCHREALTIME")s: $(basename "$HELPER_DEB")"

# What Passthrough and the package touch, as a list of "sha256  path" (boot 3 compares).
MANIFEST='manifest() {
    for p in /etc/default/grub /etc/initramfs-tools /etc/modprobe.d /etc/modules /etc/xdg \
             /etc/dracut.conf.d /boot/grub/custom.cfg /usr/share/initramfs-tools \
             /usr/lib/dracut /usr/libexec /usr/bin/passthroughctl /usr/share/dbus-1 \
             /usr/share/polkit-1/actions /lib/systemd/system/passthrough-helper.service \
             /var/lib/passthrough; do
        [ -e "$p" ] || continue
        find "$p" -type f -print0 | sort -z | xargs -0 -r sha256sum
    done
}'

t=$EPOCHREALTIME
vm_copy_rootfs "$VM_GUEST_ROOTFS" "$R"
cp /etc/resolv.conf "$R/etc/resolv.conf"
# The dependencies first, so the manifest before the install holds them (a purge keeps them).
vm_chroot "$R" sh -c 'apt-get update -qq && apt-get install -y -qq --no-install-recommends "$@"' apt \
    dbus polkitd pci.ids libjson-glib-1.0-0 libpci3 libpolkit-agent-1-0 libpolkit-gobject-1-0 \
    >"$VM_LOG/apt.log" 2>&1 || { tail -n 20 "$VM_LOG/apt.log" >&2; vm_skip "cannot install the dependencies into the guest (log: $VM_LOG/apt.log)"; }
vm_chroot "$R" useradd -m -s /bin/bash tester
install -D -m 0644 /dev/stdin "$R/etc/polkit-1/rules.d/50-passthrough-vm-test.rules" <<'RULES'
// vm-packages: "tester" may configure the machine through the helper.
polkit.addRule(function(action, subject) {
    if (action.id == "com.example.Passthrough.configure" && subject.user == "tester")
        return polkit.Result.YES;
});
RULES
vm_install_defer "$R"
vm_chroot "$R" bash -c "$MANIFEST"'; manifest' > "$WORK/manifest-before"
cp "$HELPER_DEB" "$R/root/"
vm_chroot "$R" apt-get install -y --no-install-recommends "./root/$(basename "$HELPER_DEB")" \
    >"$VM_LOG/apt-install.log" 2>&1 || { tail -n 20 "$VM_LOG/apt-install.log" >&2; vm_die "apt-get install ./$(basename "$HELPER_DEB") failed in the chroot"; }
grep -q 'update-initramfs' "$VM_LOG/apt-install.log" \
    && echo "  ok    the install's trigger rebuilt the initramfs (chroot)" \
    || vm_die "the install did not rebuild the initramfs (log: $VM_LOG/apt-install.log)"
vm_log "guest rootfs with the package installed in $(vm_secs "$t" "$EPOCHREALTIME")s"

GUEST_HELPERS+='# apt in the guest: the update-initramfs trigger would take 10 minutes under TCG; the host runs it.
quiet_trigger() { sed -i "s/^update_initramfs=.*/update_initramfs=no/" /etc/initramfs-tools/update-initramfs.conf; }
loud_trigger() { sed -i "s/^update_initramfs=.*/update_initramfs=yes/" /etc/initramfs-tools/update-initramfs.conf; }
pkg() { dpkg-query -W -f="\${db:Status-Abbrev}" passthrough-helper 2>/dev/null | tr -d " "; }
'
DEB_NAME=$(basename "$HELPER_DEB")
cat > "$WORK/guest-1.sh" <<GUEST
#!/bin/bash
$GUEST_HELPERS
GUEST
cat >> "$WORK/guest-1.sh" <<'GUEST'
echo "DRIVER-BEFORE $(drv 0000:02:00.0)"
echo "=== BEGIN APPLY"; as_tester apply --select 0000:02:00.0; echo "APPLY-RC $?"; echo "=== END APPLY"
echo "UNIT $(systemctl show passthrough-helper -p FragmentPath | sed 's/^FragmentPath=//')"
sha256sum /var/lib/passthrough/state.json | cut -d' ' -f1 | sed 's/^/STATE /'
quiet_trigger
echo "=== BEGIN REMOVE"; apt-get remove -y passthrough-helper 2>&1; echo "REMOVE-RC $?"; echo "=== END REMOVE"
loud_trigger
echo "PKG $(pkg)"
[ -x /usr/bin/passthroughctl ] && echo "CTL present" || echo "CTL missing"
echo "=== BEGIN JOURNAL"; journalctl -b -u passthrough-helper --no-pager | tail -n 40; echo "=== END JOURNAL"
GUEST
echo "$VM_DEFER_REPORT" >> "$WORK/guest-1.sh"
cat > "$WORK/guest-2.sh" <<GUEST
#!/bin/bash
$GUEST_HELPERS
DEB=/root/$DEB_NAME
GUEST
cat >> "$WORK/guest-2.sh" <<'GUEST'
echo "DRIVER-APPLIED $(drv 0000:02:00.0)"
sha256sum /var/lib/passthrough/state.json | cut -d' ' -f1 | sed 's/^/STATE-BOOT2 /'
quiet_trigger
echo "=== BEGIN REINSTALL"; apt-get install -y --reinstall "$DEB" 2>&1; echo "REINSTALL-RC $?"; echo "=== END REINSTALL"
sha256sum /var/lib/passthrough/state.json | cut -d' ' -f1 | sed 's/^/STATE-UPGRADED /'
loud_trigger
echo "=== BEGIN REVERT"; as_tester revert; echo "REVERT-RC $?"; echo "=== END REVERT"
quiet_trigger
echo "=== BEGIN PURGE"; apt-get purge -y passthrough-helper 2>&1; echo "PURGE-RC $?"; echo "=== END PURGE"
loud_trigger
echo "PKG-PURGED $(pkg)"
[ -e /var/lib/passthrough ] && echo "STATEDIR present" || echo "STATEDIR gone"
# the purge's trigger, carried out on the host with the rest (once: the revert's may be there)
grep -q '^update-initramfs' /var/lib/pt-vm/deferred 2>/dev/null || echo "update-initramfs -u" >> /var/lib/pt-vm/deferred
GUEST
echo "$VM_DEFER_REPORT" >> "$WORK/guest-2.sh"
cat > "$WORK/guest-3.sh" <<GUEST
#!/bin/bash
$GUEST_HELPERS
$MANIFEST
GUEST
cat >> "$WORK/guest-3.sh" <<'GUEST'
echo "DRIVER-PURGED $(drv 0000:02:00.0)"
echo "=== BEGIN MANIFEST"; manifest; echo "=== END MANIFEST"
GUEST

vm_make_disk "$R" "$DISK"
vm_boot 1-apply-remove "$DISK" "$WORK/guest-1.sh" "$(vm_disk_grub_cmdline "$DISK" "$WORK")"
LOG=$VM_LOG/1-apply-remove.agent.log
for s in APPLY REMOVE; do echo "== $s:"; vm_section "$LOG" "$s" | sed 's/^/  | /'; done
[ "$(val DRIVER-BEFORE)" = e1000e ] && ok "0000:02:00.0 on e1000e before" || bad "before: '$(val DRIVER-BEFORE)'"
[ "$(val APPLY-RC)" = 0 ] && ok "tester's apply succeeded through the packaged helper" \
    || { bad "apply exit $(val APPLY-RC)"; vm_section "$LOG" JOURNAL | sed 's/^/  | /'; }
case $(val UNIT) in
    /lib/systemd/system/passthrough-helper.service|/usr/lib/systemd/system/passthrough-helper.service)
        ok "the packaged unit ran the helper ($(val UNIT))" ;;
    *) bad "unit: '$(val UNIT)'" ;;
esac
[ "$(val REMOVE-RC)" != 0 ] && vm_section "$LOG" REMOVE | grep -q 'passthroughctl revert' \
    && ok "apt-get remove refused while applied, naming passthroughctl revert" || bad "remove: exit $(val REMOVE-RC)"
case $(val PKG) in ii|ri) ok "the package stays installed ($(val PKG))" ;; *) bad "package state '$(val PKG)'" ;; esac
grep -q '^CTL present$' "$LOG" && ok "passthroughctl still there" || bad "passthroughctl gone"
STATE1=$(val STATE)
vm_run_deferred 1-apply-remove "$DISK" "$R"

vm_boot 2-applied "$DISK" "$WORK/guest-2.sh" "$(vm_disk_grub_cmdline "$DISK" "$WORK")"
LOG=$VM_LOG/2-applied.agent.log
for s in REINSTALL REVERT PURGE; do echo "== $s:"; vm_section "$LOG" "$s" | tail -n 15 | sed 's/^/  | /'; done
[ "$(val DRIVER-APPLIED)" = vfio-pci ] && ok "the refused removal left a working setup: 0000:02:00.0 on vfio-pci" \
    || bad "applied: '$(val DRIVER-APPLIED)'"
[ "$(val REINSTALL-RC)" = 0 ] && [ -n "$STATE1" ] && [ "$(val STATE-UPGRADED)" = "$STATE1" ] \
    && ok "an upgrade (reinstall) kept state.json byte for byte" || bad "reinstall exit $(val REINSTALL-RC), state '$(val STATE-UPGRADED)' vs '$STATE1'"
[ "$(val REVERT-RC)" = 0 ] && ok "tester's revert succeeded" || bad "revert exit $(val REVERT-RC)"
[ "$(val PURGE-RC)" = 0 ] && ok "apt-get purge went through once nothing was applied" || bad "purge exit $(val PURGE-RC)"
[ -z "$(val PKG-PURGED)" ] && ok "the package is gone" || bad "package state after purge '$(val PKG-PURGED)'"
grep -q '^STATEDIR gone$' "$LOG" && ok "/var/lib/passthrough removed by the purge" || bad "/var/lib/passthrough still there"
# The purge took our initramfs-tools files off the disk: the host chroot rebuilds from the guest's.
rm -rf --one-file-system "$R/usr/share/initramfs-tools"
t=$(mktemp -d "$WORK/itools.XXXXXX")
vm_debugfs "$DISK" -R "rdump /usr/share/initramfs-tools $t"
mv "$t/initramfs-tools" "$R/usr/share/initramfs-tools"; rmdir "$t"
[ ! -e "$R/usr/share/initramfs-tools/hooks/passthrough" ] || bad "the purged hook is still on the disk"
vm_run_deferred 2-applied "$DISK" "$R"

vm_boot 3-purged "$DISK" "$WORK/guest-3.sh" "$(vm_disk_grub_cmdline "$DISK" "$WORK")"
LOG=$VM_LOG/3-purged.agent.log
[ "$(val DRIVER-PURGED)" = e1000e ] && ok "after the purge and a restart 0000:02:00.0 is on e1000e" || bad "purged: '$(val DRIVER-PURGED)'"
vm_section "$LOG" MANIFEST > "$WORK/manifest-after"
if diff -u "$WORK/manifest-before" "$WORK/manifest-after" > "$VM_LOG/manifest.diff"; then
    ok "every file Passthrough or the package touched is as before the install ($(wc -l < "$WORK/manifest-before") files)"
else
    bad "files differ from before the install:"; sed 's/^/  | /' "$VM_LOG/manifest.diff" | head -n 40
fi
vm_test_end "$FAILS" "$R" "$DISK" "$DEBS"
