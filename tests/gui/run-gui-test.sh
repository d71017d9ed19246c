#!/bin/bash
# run-gui-test.sh APP SCHEMA_DIR SCRIPT: one hermetic run of a GUI test —
# its own X server (Xvfb), session bus, a11y bus and runtime directory, so
# that tests run side by side and nothing of the caller's session (its
# Wayland display, its buses, its settings) reaches the app under test.
# PASSTHROUGH_GUI_TIMEOUT: seconds before the run is stopped (290: under
# meson's test timeouts; tests/packages/test_deb.py gives its run more).
set -u
app=$1 schema_dir=$2 script=$3
shift 3

RUN=$(mktemp -d)
trap 'rm -rf "$RUN"' EXIT
mkdir -m 700 "$RUN/rt"
export XDG_RUNTIME_DIR=$RUN/rt XDG_CONFIG_HOME=$RUN/cfg XDG_CACHE_HOME=$RUN/cache XDG_DATA_HOME=$RUN/data
unset WAYLAND_DISPLAY AT_SPI_BUS_ADDRESS DBUS_SESSION_BUS_ADDRESS GTK_A11Y
export GDK_BACKEND=x11 GSK_RENDERER=cairo
export PASSTHROUGH_APP=$app GSETTINGS_SCHEMA_DIR=$schema_dir
# GSettings must not fall back to a memory backend silently, nor write to $HOME.
export GSETTINGS_BACKEND=keyfile

timeout -k 5 "${PASSTHROUGH_GUI_TIMEOUT:-290}" xvfb-run -a -s "-screen 0 1280x800x24 -noreset" \
    dbus-run-session -- /usr/bin/python3 "$script" "$@"
