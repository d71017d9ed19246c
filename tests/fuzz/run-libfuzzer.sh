#!/bin/sh
# Real fuzzing with libFuzzer, outside meson (no option needed).
#
#   tests/fuzz/run-libfuzzer.sh [SECONDS] [more libFuzzer arguments]
#
#   FUZZ_TARGET=edit      (default) fuzz-edit.c: the editors, readers and
#                         renderers of pt-edit.h; FUZZ_EDITOR=NAME fuzzes one
#                         of them alone (see fuzz-edit.c)
#   FUZZ_TARGET=snapshot  fuzz-snapshot.c: the snapshot reader
#   FUZZ_BUILD_ONLY=1     build $FUZZ_WORKDIR/fuzz-TARGET, gather its seeds, stop
#   FUZZ_SKIP_BUILD=1     use what an earlier run built and gathered
#                         (tests/bench/fuzz-all.sh)
#
# SECONDS 0 runs until -runs=N (given after it) or a crash.  Needs clang and
# libclang-rt-14-dev (Debian 12).  Builds the harness with the core sources
# it needs under ASan+UBSan into $FUZZ_WORKDIR (default _build-fuzz) and keeps
# new inputs in $FUZZ_WORKDIR/new-corpus-NAME and crashers in
# $FUZZ_WORKDIR/artifacts-NAME (NAME: the target, or edit-EDITOR).  The edit
# target starts from tests/fuzz/corpus, tests/edit/files and every file of
# tests/corpus/ (when it exists; SOURCES files are no inputs), the snapshot
# target from tests/fuzz/corpus-snapshot, data/demo and tests/engine/snapshots.
# Copy a crasher into the target's corpus folder once it is fixed, so CI
# replays it.
set -eu
seconds=${1:-60}
[ $# -gt 0 ] && shift
src=$(cd "$(dirname "$0")/../.." && pwd)
work=${FUZZ_WORKDIR:-$src/_build-fuzz}
target=${FUZZ_TARGET:-edit}
name=$target${FUZZ_EDITOR:+-$FUZZ_EDITOR}
cc=${CC_FUZZ:-clang}
seed_copies=$work/seeds-$target

case "$target" in
  edit)
    max_len=4096
    seed_dirs="$src/tests/fuzz/corpus $src/tests/edit/files $src/tests/corpus"
    ;;
  snapshot)
    max_len=16384
    seed_dirs="$src/tests/fuzz/corpus-snapshot $src/data/demo $src/tests/engine/snapshots"
    ;;
  *)
    echo "run-libfuzzer.sh: FUZZ_TARGET is edit or snapshot, not $target" >&2
    exit 2
    ;;
esac

if [ "${FUZZ_SKIP_BUILD:-0}" != 1 ] || [ ! -x "$work/fuzz-$target" ]; then
  mkdir -p "$work"
  # the build's config.h holds nothing the fuzzed code needs but this
  printf '#define GETTEXT_PACKAGE "passthrough"\n' > "$work/config.h"
  flags="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
    -fno-omit-frame-pointer -Wno-unknown-warning-option -Wno-incompatible-function-pointer-types"
  if [ "$target" = edit ]; then
    # shellcheck disable=SC2046,SC2086
    "$cc" $flags -I"$work" -I"$src/src/core" -I"$src/src/core/backends" $(pkg-config --cflags gio-2.0) \
      "$src/tests/fuzz/fuzz-edit.c" "$src"/src/core/backends/*.c \
      "$src/src/core/pt-cmdline.c" "$src/src/core/pt-error.c" \
      $(pkg-config --libs gio-2.0) -o "$work/fuzz-edit"
  else
    # the core's own files (not the engine's or the backends'): the reader,
    # the topology with its analysis, the sentences that `list` prints
    # shellcheck disable=SC2046,SC2086
    "$cc" $flags -I"$work" -I"$src/src/core" \
      $(pkg-config --cflags gio-2.0 gio-unix-2.0 json-glib-1.0 libpci) \
      "$src/tests/fuzz/fuzz-snapshot.c" "$src"/src/core/pt-*.c \
      $(pkg-config --libs gio-2.0 gio-unix-2.0 json-glib-1.0 libpci) -o "$work/fuzz-snapshot"
  fi
  # The seeds go into one folder, named after their paths, without SOURCES
  # (libFuzzer walks folders recursively and would take those too).
  rm -rf "$seed_copies"
  mkdir -p "$seed_copies"
  for dir in $seed_dirs; do
    [ -d "$dir" ] || continue
    find "$dir" -type f ! -name SOURCES | while read -r f; do
      rel=${f#"$src"/}
      cp "$f" "$seed_copies/$(printf '%s' "$rel" | tr '/' '_')"
    done
  done
fi
[ "${FUZZ_BUILD_ONLY:-0}" = 1 ] && exit 0

mkdir -p "$work/new-corpus-$name" "$work/artifacts-$name"
# -jobs/-workers write fuzz-N.log into the current directory: keep them in $work
cd "$work"
exec "$work/fuzz-$target" -max_total_time="$seconds" -max_len="$max_len" -timeout=10 \
  -artifact_prefix="$work/artifacts-$name/" "$@" \
  "$work/new-corpus-$name" "$seed_copies"
