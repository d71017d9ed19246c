#!/usr/bin/env bash
# fuzz-all.sh: libFuzzer on the snapshot reader (fuzz-snapshot.c), on every
# editor of fuzz-edit.c alone (FUZZ_EDITOR) and on its readers and
# renderers, FUZZ_RUNS executions each; then a table: target, executions,
# seconds, new corpus items, crashes.  Not part of CI: with ASan and UBSan a
# million executions of one editor take a quarter to half an hour of one
# core here, so the table takes hours.  Run it niced:
#
#   nice -n 10 tests/bench/fuzz-all.sh                  (FUZZ_RUNS=1000000)
#   FUZZ_RUNS=10000 FUZZ_ONLY="cmdline snapshot" tests/bench/fuzz-all.sh
#   FUZZ_SECONDS=120 tests/bench/fuzz-all.sh            (a time budget a target
#                                                        instead of FUZZ_RUNS)
#   FUZZ_JOBS=2 ...                                     (targets at once)
#
# Builds with tests/fuzz/run-libfuzzer.sh into $FUZZ_WORKDIR (default
# _build-fuzz), installing clang and libclang-rt-14-dev first if they are
# missing.  Each target keeps its own new-corpus-NAME and artifacts-NAME
# there (see run-libfuzzer.sh), so a second run goes on from the first.
# libFuzzer runs in fork mode and goes on after a crash (-ignore_crashes),
# so a target with a known bug still gets its executions; each crasher is
# run again afterwards and the table is followed by what each kind of crash
# said and how often.  The fuzzing runs without LeakSanitizer (its check
# after every input that allocated more than it freed halves the speed);
# afterwards each target's new corpus is run once more with it, and a leak
# counts as a crash.  Minimise a crasher with `$FUZZ_WORKDIR/fuzz-TARGET -minimize_crash=1
# -runs=20000 FILE` (FUZZ_EDITOR=NAME for an editor's), and once it is fixed
# copy it into tests/fuzz/corpus (editors) or tests/fuzz/corpus-snapshot so
# the fuzz suite replays it.  Logs: $FUZZ_WORKDIR/logs.
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail
cd "$(dirname "$0")/../.."
SRC=$PWD
RUNS=${FUZZ_RUNS:-1000000}
SECONDS_EACH=${FUZZ_SECONDS:-}
if [ -n "$SECONDS_EACH" ]; then budget=(-max_total_time="$SECONDS_EACH"); what="$SECONDS_EACH seconds"
else budget=(-runs="$RUNS"); what="$RUNS executions"; fi
JOBS=${FUZZ_JOBS:-1}
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

# The editors, by the names of fuzz-edit.c's table.
mapfile -t editors < <(sed -n 's/^  { "\([a-z-]*\)", [a-z_]*, \(TRUE\|FALSE\), \(TRUE\|FALSE\) },.*/\1/p' \
                         "$SRC/tests/fuzz/fuzz-edit.c")
[ ${#editors[@]} -gt 0 ] || { echo "fuzz-all.sh: no editors found in fuzz-edit.c" >&2; exit 1; }
all=(snapshot "${editors[@]}" readers renderers)
targets=("${all[@]}")
if [ -n "${FUZZ_ONLY:-}" ]; then read -r -a targets <<< "$FUZZ_ONLY"; fi
# A name that is no target would fuzz nothing and count every run as a
# crash ("names no editor"): refuse it before anything is built.
for t in "${targets[@]}"; do
  case " ${all[*]} " in
    *" $t "*) ;;
    *) echo "fuzz-all.sh: FUZZ_ONLY names “$t”, which is no target; the targets are: ${all[*]}" >&2
       exit 2 ;;
  esac
done

mkdir -p "$WORK/logs"
FUZZ_BUILD_ONLY=1 FUZZ_TARGET=edit sh "$RUNNER"
FUZZ_BUILD_ONLY=1 FUZZ_TARGET=snapshot sh "$RUNNER"

count_files() { find "$1" -type f 2>/dev/null | wc -l; }

# One target: fuzz, replay the new corpus with LeakSanitizer, write the
# table's row to logs/NAME.row and the crashers to logs/NAME.crashers.
fuzz_one() {
  local t=$1 target editor name start end execs items crashes
  if [ "$t" = snapshot ]; then target=snapshot; editor=; else target=edit; editor=$t; fi
  name=$target${editor:+-$editor}
  mkdir -p "$WORK/new-corpus-$name" "$WORK/artifacts-$name"
  local corpus=$WORK/new-corpus-$name artifacts=$WORK/artifacts-$name log=$WORK/logs/$t.log
  local items_before crashes_before
  items_before=$(count_files "$corpus")
  crashes_before=$(count_files "$artifacts")
  touch "$WORK/logs/$t.start"
  start=$(date +%s.%N)
  FUZZ_SKIP_BUILD=1 FUZZ_TARGET=$target FUZZ_EDITOR=$editor sh "$RUNNER" 0 \
    "${budget[@]}" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
    -detect_leaks=0 >"$log" 2>&1 || true
  end=$(date +%s.%N)
  execs=$(sed -n 's/^INFO: fuzzed for \([0-9]*\) iterations.*/\1/p' "$log" | tail -n 1)
  if [ -z "$execs" ]; then   # stopped otherwise: its last status line
    execs=$(grep -o '^#[0-9]*' "$log" | tail -n 1 | tr -d '#')
  fi
  (cd "$WORK" && FUZZ_EDITOR=$editor "$WORK/fuzz-$target" -runs=0 -detect_leaks=1 \
     -artifact_prefix="$artifacts/" "$corpus" >"$WORK/logs/$t.leaks.log" 2>&1) || true
  items=$(( $(count_files "$corpus") - items_before ))
  crashes=$(( $(count_files "$artifacts") - crashes_before ))
  find "$artifacts" -type f -newer "$WORK/logs/$t.start" > "$WORK/logs/$t.crashers"
  # what each crasher says, once more on its own: the harness's check, or
  # the sanitizer's verdict
  local out said
  while read -r f; do
    [ -n "$f" ] || continue
    out=$(cd "$WORK" && FUZZ_EDITOR=$editor "$WORK/fuzz-$target" -runs=1 "$f" 2>&1 || true)
    said=$(printf '%s\n' "$out" |
             grep -E '^fuzz-(edit|snapshot): |ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error' |
             sed -e 's/^==[0-9]*==//' -e 's/ on address 0x[0-9a-f]*.*//' | head -n 1 || true)
    echo "${said:-no report (passes now)}"
  done < "$WORK/logs/$t.crashers" | sort | uniq -c | sed "s/^/$t: /" > "$WORK/logs/$t.kinds"
  printf '%-16s %12s %9.0f %17s %8s\n' "$t" "${execs:-?}" \
    "$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')" "$items" "$crashes" > "$WORK/logs/$t.row"
  echo "done: $(cat "$WORK/logs/$t.row")"
}

for t in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n || true; done
  echo "fuzzing $t ($what) ..."
  fuzz_one "$t" &
done
wait

echo
printf '%-16s %12s %9s %17s %8s\n' target executions seconds "new corpus items" crashes
for t in "${targets[@]}"; do cat "$WORK/logs/$t.row"; done
for t in "${targets[@]}"; do cat "$WORK/logs/$t.kinds"; done
echo "crashers: $WORK/artifacts-*/ (files newer than logs/TARGET.start)"
