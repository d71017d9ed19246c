#!/usr/bin/env bash
# bench-plan.sh: CPU time of a plan for seed 003's machine (Fedora 29,
# GRUB with BLS, dracut; target < 5 ms) and of apply --no-commands on seed
# 004's (Proxmox VE 8: Debian's GRUB and initramfs-tools, whose commands
# only regenerate; on seed 003 grubby sets the arguments, so --no-commands
# is refused there; target < 50 ms), measured in one process over many runs by
# tests/engine/bench-engine, then the whole passthroughctl process for
# comparison.  Prints figures; asserts nothing (HACKING.md).
#
#   tests/bench/bench-plan.sh [BUILD_DIR] [RUNS]     (default _build, 200)
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
. "$REPO/tests/bench/build-dir.sh"
BUILD=$(bench_build_dir "${1:-}" "$REPO")
cd "$REPO"
RUNS=${2:-200}
BENCH=$BUILD/tests/engine/bench-engine
CTL=$BUILD/src/cli/passthroughctl
[ -x "$BENCH" ] && [ -x "$CTL" ] || { echo "bench-plan.sh: build first ($BENCH, $CTL)" >&2; exit 1; }

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cp -a tests/engine/roots/seed003 "$WORK/root"
mkdir -p "$WORK/root/etc/dracut.conf.d" "$WORK/root/etc/modprobe.d"
cp -a tests/engine/roots/seed004 "$WORK/root4"
SNAP=tests/engine/snapshots/seed003.json
SELECT=(0000:08:00.0 0000:42:00.0)

echo "seed 003 (Fedora 29, GRUB with BLS, dracut), selecting ${SELECT[*]}:"
"$BENCH" plan "$WORK/root" "$SNAP" "$RUNS" "${SELECT[@]}"
echo "seed 004 (Proxmox VE 8, GRUB, initramfs-tools), selecting 0000:01:00.0:"
"$BENCH" plan "$WORK/root4" tests/engine/snapshots/seed004.json "$RUNS" 0000:01:00.0
"$BENCH" apply "$WORK/root4" tests/engine/snapshots/seed004.json "$((RUNS / 4))" 0000:01:00.0

# The whole command, start-up and snapshot loading included.
TIMEFORMAT='%3U %3S %3R'
n=50
t=$( { time (for _ in $(seq $n); do "$CTL" --root "$WORK/root" --snapshot "$SNAP" plan --json \
        --select "${SELECT[0]}" --select "${SELECT[1]}" >/dev/null; done) ; } 2>&1 )
read -r user sys real <<<"$t"
awk -v u="$user" -v s="$sys" -v r="$real" -v n=$n \
  'BEGIN { printf "passthroughctl plan (whole process): %.2f ms CPU, %.2f ms wall per run\n", (u+s)*1000/n, r*1000/n }'
