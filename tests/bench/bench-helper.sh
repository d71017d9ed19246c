#!/usr/bin/env bash
# bench-helper.sh: the root helper on a private system bus — time from the
# first call (the bus activates the helper through a service file) to its
# reply, Apply's overhead (its wall time minus the time its regeneration
# commands took; they are stood in for by bench-command.sh), the fsync cost
# of the machine at the time, and the helper's RSS over many calls.  Prints
# median and p90; asserts nothing (HACKING.md).
#
#   tests/bench/bench-helper.sh [BUILD_DIR] [BASELINE_BUILD_DIR]
#       (default _build; with a baseline, e.g. a build of main, both helpers
#       are measured in alternate rounds of the same run)
#   BENCH_ROUNDS=N for another number of runs (default 20)
#   BENCH_RSS_ROUNDS=N for the RSS figure's rounds (default 200; 0: none)
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
. "$REPO/tests/bench/build-dir.sh"
BUILD=$(bench_build_dir "${1:-}" "$REPO")
cd "$REPO"
HELPERS=("$BUILD/helper/passthrough-helper")
if [ -n "${2:-}" ]; then
  HELPERS+=("$(bench_build_dir "$2" "$REPO")/helper/passthrough-helper")
fi
for helper in "${HELPERS[@]}"; do
  [ -x "$helper" ] || { echo "bench-helper.sh: build first ($helper is missing)" >&2; exit 1; }
done
exec /usr/bin/python3 tests/bench/bench-helper.py "${HELPERS[@]}"
