#!/usr/bin/env bash
# bench-list.sh: how fast `passthroughctl list --json` reads a big machine,
# next to the seeds' shell loop (one `lspci -nns` per device) and one
# `lspci -nn`, all pointed at the same generated sysfs tree.  Prints figures;
# asserts nothing (HACKING.md: speed targets are printed, never tested).
#
#   tests/bench/bench-list.sh [BUILD_DIR]        (default _build)
#
# Needs hyperfine and GNU time (/usr/bin/time, Debian package "time").
# SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
. "$REPO/tests/bench/build-dir.sh"
BUILD=$(bench_build_dir "${1:-}" "$REPO")
cd "$REPO"
CTL=$BUILD/src/cli/passthroughctl
[ -x "$CTL" ] || { echo "bench-list.sh: build first ($CTL is missing)" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "bench-list.sh: hyperfine is not installed" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench-list.sh: /usr/bin/time is missing (apt-get install time)" >&2; exit 1; }

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
ROOT=$WORK/root
/usr/bin/python3 tests/bench/make-big-machine.py > "$WORK/big.machine"
/usr/bin/python3 tests/fixtures/make-sysfs.py "$WORK/big.machine" "$ROOT"
LSPCI="lspci -A linux-sysfs -O sysfs.path=$ROOT/sys/bus/pci"

n_dev=$(ls "$ROOT/sys/bus/pci/devices" | wc -l)
n_grp=$(ls "$ROOT/sys/kernel/iommu_groups" | wc -l)
n_lspci=$($LSPCI -nn | wc -l)
n_ctl=$("$CTL" --root "$ROOT" list --json | grep -c '"address"')
echo "topology: $n_dev devices, $n_grp IOMMU groups (lspci sees $n_lspci, passthroughctl lists $n_ctl)"
if [ "$n_lspci" != "$n_dev" ] || [ "$n_ctl" != "$n_dev" ]; then
  echo "bench-list.sh: the tools do not see the same devices; the comparison would mean nothing" >&2
  exit 1
fi

# the seeds' loop, verbatim apart from the root it is pointed at
cat > "$WORK/seed-loop.sh" <<LOOP
shopt -s nullglob
for g in \$(find $ROOT/sys/kernel/iommu_groups/* -maxdepth 0 -type d | sort -V); do
    echo "IOMMU Group \${g##*/}:"
    for d in \$g/devices/*; do
        echo -e "\t\$($LSPCI -nns \${d##*/})"
    done;
done;
LOOP

export LC_ALL=C.UTF-8
# hyperfine's own report goes to stderr; the summary below to stdout
hyperfine --style basic -N --warmup 3 --runs 20 --export-json "$WORK/fast.json" \
  -n passthroughctl "$CTL --root $ROOT list --json" \
  -n lspci "$LSPCI -nn" >&2
hyperfine --style basic --warmup 0 --runs 2 --export-json "$WORK/loop.json" \
  -n seed-loop "bash $WORK/seed-loop.sh" >&2

rss_kb=$( { /usr/bin/time -v "$CTL" --root "$ROOT" list --json >/dev/null; } 2>&1 | awk -F': ' '/Maximum resident set size/ {print $2}')

/usr/bin/python3 - "$WORK/fast.json" "$WORK/loop.json" "$rss_kb" <<'PY'
import json, sys
res = {}
for path in sys.argv[1:3]:
    res.update({r['command']: r for r in json.load(open(path))['results']})
ctl, loop, lspci = (res[k]['mean'] for k in ('passthroughctl', 'seed-loop', 'lspci'))
cpu = {k: res[k]['user'] + res[k]['system'] for k in res}
rss_mb = int(sys.argv[3]) / 1024
for label, key in (("passthroughctl list --json", 'passthroughctl'), ("seeds' lspci -nns loop", 'seed-loop'),
                   ("one lspci -nn", 'lspci')):
    r = res[key]
    print(f"{label:<27}: {r['mean'] * 1000:9.1f} ms wall (± {r['stddev'] * 1000:.1f}), {cpu[key] * 1000:.1f} ms CPU")
print(f"speed-up over the loop      : {loop / ctl:9.1f}x   (target >= 100x)  {'met' if loop / ctl >= 100 else 'MISSED'}")
print(f"time relative to lspci -nn  : {ctl / lspci:9.2f}x wall, {cpu['passthroughctl'] / cpu['lspci']:.2f}x CPU"
      f"   (target <= 1.5x)  {'met' if ctl / lspci <= 1.5 else 'MISSED'}")
print(f"passthroughctl peak RSS     : {rss_mb:9.1f} MB  (target < 20 MB)  {'met' if rss_mb < 20 else 'MISSED'}")
PY

# Instructions are not disturbed by other load on the machine: BENCH_CALLGRIND=1
if [ -n "${BENCH_CALLGRIND:-}" ] && command -v valgrind >/dev/null; then
  for name in passthroughctl lspci; do
    if [ $name = passthroughctl ]; then cmd=("$CTL" --root "$ROOT" list --json); else cmd=($LSPCI -nn); fi
    valgrind --tool=callgrind --callgrind-out-file="$WORK/cg.$name" "${cmd[@]}" >/dev/null 2>"$WORK/cg.$name.log"
    printf '%-27s: %s instructions\n' "$name" "$(awk '/^summary:/ {print $2}' "$WORK/cg.$name")"
  done
fi
