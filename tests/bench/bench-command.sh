#!/bin/bash
# bench-command.sh: PASSTHROUGH_COMMAND_WRAPPER for bench-helper.py.  Stands
# in for the regeneration commands (it does not run them; with
# BENCH_COMMAND_SECONDS it takes that long, as a real one would) and writes
# when it started and ended, so that the bench can take the commands' own
# time out of Apply's.  Starting bash itself (before the first line) is left in the
# overhead: the figure errs on the slow side.
# SPDX-License-Identifier: GPL-3.0-or-later
start=$EPOCHREALTIME
if [ "${BENCH_COMMAND_SECONDS:-0}" != 0 ]; then
  sleep "$BENCH_COMMAND_SECONDS"
fi
printf '%s %s %s\n' "$start" "$EPOCHREALTIME" "$*" >> "${BENCH_COMMAND_LOG:?}"
