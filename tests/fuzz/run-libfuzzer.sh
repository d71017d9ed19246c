#!/bin/sh
# Real fuzzing of the editors with libFuzzer, outside meson (no option needed).
#
#   tests/fuzz/run-libfuzzer.sh [SECONDS] [more libFuzzer arguments]
#
# Needs clang and libclang-rt-14-dev (Debian 12).  Builds fuzz-edit.c with
# the core's editor sources under ASan+UBSan into $FUZZ_WORKDIR (default
# _build-fuzz), starts from tests/fuzz/corpus and tests/edit/files, keeps new
# inputs in $FUZZ_WORKDIR/new-corpus and crashers in $FUZZ_WORKDIR/artifacts.
# Copy a crasher into tests/fuzz/corpus once it is fixed, so CI replays it.
set -eu
seconds=${1:-60}
[ $# -gt 0 ] && shift
src=$(cd "$(dirname "$0")/../.." && pwd)
work=${FUZZ_WORKDIR:-$src/_build-fuzz}
cc=${CC_FUZZ:-clang}

mkdir -p "$work/new-corpus" "$work/artifacts"
: > "$work/config.h"
# shellcheck disable=SC2046
"$cc" -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -I"$work" -I"$src/src/core" -I"$src/src/core/backends" $(pkg-config --cflags gio-2.0) \
  "$src/tests/fuzz/fuzz-edit.c" "$src"/src/core/backends/*.c \
  "$src/src/core/pt-cmdline.c" "$src/src/core/pt-error.c" \
  $(pkg-config --libs gio-2.0) -o "$work/fuzz-edit"

# -jobs/-workers write fuzz-N.log into the current directory: keep them in $work
cd "$work"
exec "$work/fuzz-edit" -max_total_time="$seconds" -max_len=4096 -timeout=10 \
  -artifact_prefix="$work/artifacts/" "$@" \
  "$work/new-corpus" "$src/tests/fuzz/corpus" "$src/tests/edit/files"
