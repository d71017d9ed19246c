#!/usr/bin/python3
"""While another change holds Passthrough's lock, the status says "applying"
(docs/faults.md) and the sidebar says a change is being made; once the lock
is free again, the sidebar moves on by itself (the app asks again while it
says "applying"; tests/engine/test_faults.py checks the state itself)."""
import fcntl
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import helperbus  # noqa: E402
import ptgui  # noqa: E402

RUNNING = "A change is being made right now. Its result shows here when it has finished."


def main():
    with helperbus.system_bus(helperbus.CONFIGURE) as bus:
        with helperbus.machine(bus) as m:
            os.makedirs(m.path("var/lib/passthrough"), exist_ok=True)
            with open(m.path("var/lib/passthrough/lock"), "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                with helperbus.running(m.app()) as app:
                    app.says(RUNNING)
                    fcntl.flock(lock, fcntl.LOCK_UN)
                    ptgui.wait_for(lambda: not any(RUNNING in t for t in ptgui.labels(app.window)), 20,
                                   what="the sidebar to move on from %r" % RUNNING)


if __name__ == "__main__":
    main()
