# build-dir.sh: sourced by the bench scripts before they change to the
# repository.  bench_build_dir GIVEN REPO prints the build directory as an
# absolute path: GIVEN as it is when absolute, else relative to where the
# script was started, else (as these scripts always took it) relative to the
# repository; REPO/_build when GIVEN is empty.  Says which places it tried
# when none is a directory.
# SPDX-License-Identifier: GPL-3.0-or-later
bench_build_dir() {
  local given=$1 repo=$2
  if [ -z "$given" ]; then
    given=$repo/_build
  elif [ ! -d "$given" ] && [ "${given#/}" = "$given" ] && [ -d "$repo/$given" ]; then
    given=$repo/$given
  fi
  if [ ! -d "$given" ]; then
    echo "$(basename "$0"): the build directory $given does not exist (give it absolute, or relative to $PWD or to $repo; build with meson first)" >&2
    return 1
  fi
  (cd "$given" && pwd)
}
