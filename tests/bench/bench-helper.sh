#!/usr/bin/env bash
# bench-helper.sh: the root helper on a private system bus — time from the
# first call (the bus activates the helper through a service file) to its
# reply, and Apply's overhead with the regeneration commands replaced by
# /bin/true.  Prints figures; asserts nothing (HACKING.md).
#
#   tests/bench/bench-helper.sh [BUILD_DIR]        (default _build)
#   BENCH_ROUNDS=N for another number of runs (default 20)
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${1:-_build}
HELPER=$PWD/$BUILD/helper/passthrough-helper
[ -x "$HELPER" ] || { echo "bench-helper.sh: build first ($HELPER is missing)" >&2; exit 1; }
exec /usr/bin/python3 tests/bench/bench-helper.py "$HELPER"
