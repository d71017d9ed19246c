#!/usr/bin/env bash
# fuzz-all.sh: libFuzzer on every editor of fuzz-edit.c (one at a time,
# FUZZ_EDITOR), on its readers and renderers, and on the snapshot reader
# (fuzz-snapshot.c), FUZZ_RUNS executions each; then prints a table: target,
# executions, seconds, new corpus items, crashes.  Not part of CI: with
# ASan and UBSan a million executions of one editor take 10-25 minutes on
# one core here, so the whole table takes hours.  Run it niced:
#
#   nice -n 10 tests/bench/fuzz-all.sh                 (FUZZ_RUNS=1000000)
#   FUZZ_RUNS=10000 FUZZ_ONLY="cmdline snapshot" tests/bench/fuzz-all.sh
#
# Builds with tests/fuzz/run-libfuzzer.sh into $FUZZ_WORKDIR (default
# _build-fuzz), installing clang and libclang-rt-14-dev first if they are
# missing.  The fuzzing runs without LeakSanitizer (its check after each
# input that allocated more than it freed halves the speed); afterwards each
# target's new corpus and crashers are run once more with it on, and a leak
# counts as a crash.  Crashers stay in $FUZZ_WORKDIR/artifacts-TARGET;
# minimise one with `FUZZ_WORKDIR/fuzz-TARGET -minimize_crash=1 -runs=20000
# FILE`, and once fixed copy it into tests/fuzz/corpus (editors) or
# tests/fuzz/corpus-snapshot so the fuzz suite replays it.  Logs are in
# $FUZZ_WORKDIR/logs.
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail
cd "$(dirname "$0")/../.."
SRC=$PWD
RUNS=${FUZZ_RUNS:-1000000}
export FUZZ_WORKDIR=${FUZZ_WORKDIR:-$SRC/_build-fuzz}
WORK=$FUZZ_WORKDIR
RUNNER=$SRC/tests/fuzz/run-libfuzzer.sh

need_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

missing=()
for pkg in clang libclang-rt-14-dev; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing ${missing[*]}"
  need_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    -o DPkg::Lock::Timeout=600 "${missing[@]}" >/dev/null
fi

mkdir -p "$WORK/logs"
FUZZ_BUILD_ONLY=1 FUZZ_TARGET=edit sh "$RUNNER"
FUZZ_BUILD_ONLY=1 FUZZ_TARGET=snapshot sh "$RUNNER"

# The editors, by the names of fuzz-edit.c's table.
mapfile -t editors < <(sed -n 's/^  { "\([a-z-]*\)", [a-z_]*, \(TRUE\|FALSE\), \(TRUE\|FALSE\) },.*/\1/p' \
                         "$SRC/tests/fuzz/fuzz-edit.c")
[ ${#editors[@]} -gt 0 ] || { echo "fuzz-all.sh: no editors found in fuzz-edit.c" >&2; exit 1; }
targets=(snapshot "${editors[@]}" readers renderers)
if [ -n "${FUZZ_ONLY:-}" ]; then read -r -a targets <<< "$FUZZ_ONLY"; fi

count_files() { find "$1" -type f 2>/dev/null | wc -l; }

rows=()
crash_files=()
for name in "${targets[@]}"; do
  if [ "$name" = snapshot ]; then target=snapshot; editor=; else target=edit; editor=$name; fi
  corpus=$WORK/new-corpus-$target
  artifacts=$WORK/artifacts-$target
  log=$WORK/logs/$name.log
  mkdir -p "$corpus" "$artifacts"
  items_before=$(count_files "$corpus")
  crashes_before=$(count_files "$artifacts")
  echo "fuzzing $name ($RUNS executions) ..."
  start=$(date +%s.%N)
  FUZZ_SKIP_BUILD=1 FUZZ_TARGET=$target FUZZ_EDITOR=$editor sh "$RUNNER" 0 \
    -runs="$RUNS" -detect_leaks=0 -print_final_stats=1 >"$log" 2>&1 || true
  end=$(date +%s.%N)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  if [ -z "$execs" ]; then   # stopped by a crash: the last status line
    execs=$(grep -o '^#[0-9]*' "$log" | tail -n 1 | tr -d '#')
  fi
  # every new input and crasher once more, with LeakSanitizer
  (cd "$WORK" && FUZZ_EDITOR=$editor "$WORK/fuzz-$target" -runs=0 -detect_leaks=1 \
     -artifact_prefix="$artifacts/" "$corpus" >"$WORK/logs/$name.leaks.log" 2>&1) || true
  items=$(( $(count_files "$corpus") - items_before ))
  crashes=$(( $(count_files "$artifacts") - crashes_before ))
  if [ "$crashes" -gt 0 ]; then
    while read -r f; do crash_files+=("$name: $f"); done < <(find "$artifacts" -type f -newermt "@${start%.*}")
  fi
  rows+=("$(printf '%-16s %12s %9.0f %17s %8s' "$name" "${execs:-?}" \
            "$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')" "$items" "$crashes")")
done

echo
printf '%-16s %12s %9s %17s %8s\n' target executions seconds "new corpus items" crashes
for row in "${rows[@]}"; do echo "$row"; done
for f in "${crash_files[@]}"; do echo "crasher $f"; done
