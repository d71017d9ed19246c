#!/bin/sh
# PASSTHROUGH_COMMAND_WRAPPER for the helper's tests: records the command it
# is put in front of (one line, words separated by a tab) and does not run
# it.  PASSTHROUGH_TEST_SLEEP makes it take that long (Busy tests);
# PASSTHROUGH_TEST_FAIL_ON makes commands whose words include it fail.
# SPDX-License-Identifier: GPL-3.0-or-later
log=${PASSTHROUGH_TEST_LOG:?}
line=$(printf '%s\t' "$@")
printf '%s\n' "$line" >> "$log"
if [ -n "${PASSTHROUGH_TEST_SLEEP:-}" ]; then
  sleep "$PASSTHROUGH_TEST_SLEEP"
fi
if [ -n "${PASSTHROUGH_TEST_FAIL_ON:-}" ]; then
  for word in "$@"; do
    if [ "$word" = "$PASSTHROUGH_TEST_FAIL_ON" ]; then
      echo "failing on purpose: $*" >&2
      exit 1
    fi
  done
fi
echo "ran: $*"
exit 0
