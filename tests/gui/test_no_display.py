#!/usr/bin/python3
"""`passthrough` without a display (over SSH, on a console) prints one line
that says what to use instead and exits 1: no GTK criticals, no crash.
--version and --help still answer."""
import os
import subprocess
import sys
import tempfile

APP = os.environ.get("PASSTHROUGH_APP") or sys.argv[1]
SRC = os.environ.get("PASSTHROUGH_SOURCE_ROOT", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
LINE = "no display: run passthroughctl, or start it in a desktop session\n"


def run(args, **env_changes):
    with tempfile.TemporaryDirectory() as rt:
        env = {k: v for k, v in os.environ.items()
               if k not in ("DISPLAY", "WAYLAND_DISPLAY", "GDK_BACKEND", "DBUS_SESSION_BUS_ADDRESS")}
        env.update(XDG_RUNTIME_DIR=rt, LC_ALL="C.UTF-8", G_DEBUG="fatal-criticals", **env_changes)
        return subprocess.run([APP, *args], capture_output=True, text=True, env=env, timeout=60)


def main():
    failures = []
    demo = os.path.join(SRC, "data", "demo", "twin-gpu.json")
    for args, env in (([], {}),
                      (["--snapshot", demo], {}),
                      ([], {"DISPLAY": ":4242"}),                 # an X server that is not there
                      ([], {"WAYLAND_DISPLAY": "wayland-4242"})):  # nor a compositor
        r = run(args, **env)
        if (r.returncode, r.stdout, r.stderr) != (1, "", LINE):
            failures.append("%s %s: exit %d, stdout %r, stderr %r" % (args, env, r.returncode, r.stdout, r.stderr))
    r = run(["--version"])
    if r.returncode != 0 or not r.stdout.startswith("passthrough "):
        failures.append("--version without a display: exit %d, %r %r" % (r.returncode, r.stdout, r.stderr))
    r = run(["--help"])
    if r.returncode != 0 or "--snapshot" not in r.stdout:
        failures.append("--help without a display: exit %d, %r %r" % (r.returncode, r.stdout, r.stderr))
    for f in failures:
        print("FAIL:", f, file=sys.stderr)
    sys.exit(1 if failures else 0)


main()
