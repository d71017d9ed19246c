#!/bin/sh
# sandbox-regenerate.sh: PASSTHROUGH_COMMAND_WRAPPER for test-unit-sandbox.py.
# In front of each command the engine runs (chroot ROOT update-initramfs …,
# chroot ROOT update-grub …) it does, inside the unit's sandbox, what an
# initramfs generator does on a real system, then records the command:
# a staging directory in /var/tmp, the shell and the libraries ldd names,
# device nodes made with mknod, a newc cpio archive compressed with zstd and
# gzip, written into the fixture's /boot.  Any step refused by the sandbox
# fails the command, and with it the Apply.
# SPDX-License-Identifier: GPL-3.0-or-later
set -eu
log=${PASSTHROUGH_TEST_LOG:?}
root=${PASSTHROUGH_SANDBOX_ROOT:?}

stage=$(mktemp -d /var/tmp/pt-sandbox-initramfs.XXXXXX)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin" "$stage/dev" "$stage/lib"
cp -a /bin/sh "$stage/bin/"
for lib in $(ldd /bin/sh | grep -o '/[^ ]*'); do
  cp -aL "$lib" "$stage/lib/"
done
mknod -m 0600 "$stage/dev/console" c 5 1
mknod -m 0666 "$stage/dev/null" c 1 3
(cd "$stage" && find . | cpio -o -H newc --quiet) > "$stage.cpio"
zstd -q -f -3 "$stage.cpio" -o "$root/boot/initrd.img-sandbox.zst"
gzip -c "$stage.cpio" > "$root/boot/initrd.img-sandbox.gz"
rm -f "$stage.cpio"
printf '%s\t' "$@" >> "$log"
printf '\n' >> "$log"
echo "regenerated in the sandbox: $*"
