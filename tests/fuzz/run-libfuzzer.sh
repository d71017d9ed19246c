#!/bin/sh
# Real fuzzing with libFuzzer, outside meson (no option needed).
#
#   tests/fuzz/run-libfuzzer.sh [SECONDS] [more libFuzzer arguments]
#
#   FUZZ_TARGET=edit      (default) fuzz-edit.c: the editors, readers and
#                         renderers of pt-edit.h; FUZZ_EDITOR=NAME picks one
#                         (see fuzz-edit.c)
#   FUZZ_TARGET=snapshot  fuzz-snapshot.c: the snapshot reader
#   FUZZ_BUILD_ONLY=1     build $FUZZ_WORKDIR/fuzz-TARGET and stop
#   FUZZ_SKIP_BUILD=1     use the one built before (tests/bench/fuzz-all.sh)
#
# SECONDS 0 runs until -runs=N (given after it) or a crash.  Needs clang and
# libclang-rt-14-dev (Debian 12).  Builds the harness with the core sources
# it needs under ASan+UBSan into $FUZZ_WORKDIR (default _build-fuzz), keeps
# new inputs in $FUZZ_WORKDIR/new-corpus-TARGET and crashers in
# $FUZZ_WORKDIR/artifacts-TARGET.  The edit target starts from
# tests/fuzz/corpus, tests/edit/files and every file of tests/corpus/ (when
# it exists; SOURCES files are no inputs), the snapshot target from
# tests/fuzz/corpus-snapshot, data/demo and tests/engine/snapshots.  Copy a
# crasher into the target's corpus folder once it is fixed, so CI replays it.
set -eu
seconds=${1:-60}
[ $# -gt 0 ] && shift
src=$(cd "$(dirname "$0")/../.." && pwd)
work=${FUZZ_WORKDIR:-$src/_build-fuzz}
target=${FUZZ_TARGET:-edit}
cc=${CC_FUZZ:-clang}

mkdir -p "$work/new-corpus-$target" "$work/artifacts-$target" "$work/seeds-$target"
# the build's config.h holds nothing the fuzzed code needs but this
printf '#define GETTEXT_PACKAGE "passthrough"\n' > "$work/config.h"

# Seeds are copied into one folder, named after their path, without SOURCES
# (libFuzzer would read those too: it walks folders recursively).
copy_seeds() {
  for dir in "$@"; do
    [ -d "$dir" ] || continue
    find "$dir" -type f ! -name SOURCES | while read -r f; do
      rel=${f#"$src"/}
      cp "$f" "$work/seeds-$target/$(printf '%s' "$rel" | tr '/' '_')"
    done
  done
}

build() {
  [ "${FUZZ_SKIP_BUILD:-0}" = 1 ] && [ -x "$work/fuzz-$target" ] && return 0
  "$@"
}

flags="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
  -Wno-unknown-warning-option -Wno-incompatible-function-pointer-types"
case "$target" in
  edit)
    # shellcheck disable=SC2046,SC2086
    build "$cc" $flags -I"$work" -I"$src/src/core" -I"$src/src/core/backends" $(pkg-config --cflags gio-2.0) \
      "$src/tests/fuzz/fuzz-edit.c" "$src"/src/core/backends/*.c \
      "$src/src/core/pt-cmdline.c" "$src/src/core/pt-error.c" \
      $(pkg-config --libs gio-2.0) -o "$work/fuzz-edit"
    copy_seeds "$src/tests/fuzz/corpus" "$src/tests/edit/files" "$src/tests/corpus"
    max_len=4096
    ;;
  snapshot)
    # the core's own files (not the engine's or the backends'): the reader,
    # the topology with its analysis, the sentences that `list` prints
    # shellcheck disable=SC2046,SC2086
    build "$cc" $flags -I"$work" -I"$src/src/core" \
      $(pkg-config --cflags gio-2.0 gio-unix-2.0 json-glib-1.0 libpci) \
      "$src/tests/fuzz/fuzz-snapshot.c" "$src"/src/core/pt-*.c \
      $(pkg-config --libs gio-2.0 gio-unix-2.0 json-glib-1.0 libpci) -o "$work/fuzz-snapshot"
    copy_seeds "$src/tests/fuzz/corpus-snapshot" "$src/data/demo" "$src/tests/engine/snapshots"
    max_len=16384
    ;;
  *)
    echo "run-libfuzzer.sh: FUZZ_TARGET is edit or snapshot, not $target" >&2
    exit 2
    ;;
esac
[ "${FUZZ_BUILD_ONLY:-0}" = 1 ] && exit 0

# -jobs/-workers write fuzz-N.log into the current directory: keep them in $work
cd "$work"
exec "$work/fuzz-$target" -max_total_time="$seconds" -max_len="$max_len" -timeout=10 \
  -artifact_prefix="$work/artifacts-$target/" "$@" \
  "$work/new-corpus-$target" "$work/seeds-$target"
