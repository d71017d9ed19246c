#!/usr/bin/python3
"""The sidebar opens with the machine's graphics cards on top, each with a
one-line verdict (ready / shares its group / the host's screen), on a
machine whose GPUs sit in late groups (the Threadripper demo: groups 14 and
34 of 40), beside the four steps; and search understands the words people use for kinds."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ptgui  # noqa: E402
from ptgui import App, check, wait_for  # noqa: E402

Atspi = ptgui.Atspi


def shown_addresses(app):
    return sorted({ptgui.name_of(r).split(" ", 1)[0] for r in app.device_rows()})


def expect_rows(app, query, expected):
    app.search(query)
    wait_for(lambda: shown_addresses(app) == sorted(expected), 10,
             what="rows for %r to be %s (now %s)" % (query, sorted(expected), shown_addresses(app)))


def top_rows(app):
    """Device rows inside the window, top to bottom."""
    height = Atspi.Component.get_extents(app.window, Atspi.CoordType.WINDOW).height
    rows = []
    for r in app.device_rows():
        y = Atspi.Component.get_extents(r, Atspi.CoordType.WINDOW).y
        if 0 <= y < height:
            rows.append((y, ptgui.name_of(r)))
    return [name for _, name in sorted(rows)]


def main():
    demo = os.path.join(ptgui.SRC, "data", "demo", "threadripper-x399.json")
    data = ptgui.ctl_json("--snapshot", demo, "list")
    gpus = [d for g in data["groups"] for d in g["devices"] if d["kind"] == "gpu"]
    late = [g["id"] for g in data["groups"] if any(d["kind"] == "gpu" for d in g["devices"])]
    check(min(late) > 10, "the demo's GPUs are no longer in late groups: %s" % late)
    app = App("--snapshot", demo)
    try:
        rows = wait_for(lambda: top_rows(app) or None, 20, what="device rows on screen")
        passable = [d for d in gpus if not d["boot_vga"]][0]
        check(rows[0].startswith(passable["address"] + " "), "the first row is not the GPU %s: %s"
              % (passable["address"], rows[:3]))
        verdict = "shares its group" if passable["shares_group_with"] else "ready"
        check(", %s · " % verdict in rows[0], "the GPU row has no verdict %r: %s" % (verdict, rows[0]))
        boot = [d for d in gpus if d["boot_vga"]][0]
        check(any(r.startswith(boot["address"] + " ") and ", the host's screen · " in r for r in rows),
              "the boot GPU %s is not on the first screen with its verdict: %s" % (boot["address"], rows))
        # The first screen answers "what do I click first": four steps, the
        # first with its button.
        for step in ("1. Check this machine", "2. Choose the card", "3. Review what will happen",
                     "4. Restart, then keep or undo"):
            app.says(step)
        ptgui.button(app.window, "Check")
        app.screenshot("gpus-first-threadripper")
        expect_rows(app, "gpu", [d["address"] for d in gpus])
        expect_rows(app, "graphics", [d["address"] for d in gpus])
    finally:
        app.quit()

    app = App("--snapshot", os.path.join(ptgui.MACHINES, "two-gpus.json"))
    try:
        gpus = ["0000:0a:00.0", "0000:0b:00.0", "0000:0d:00.0"]
        expect_rows(app, "gpu", gpus)
        expect_rows(app, "video", gpus)
        expect_rows(app, "audio", ["0000:0a:00.1", "0000:0b:00.1", "0000:0d:00.1"])
        expect_rows(app, "usb", ["0000:06:00.0"])
        expect_rows(app, "network", ["0000:05:00.0"])
        expect_rows(app, "nvme", ["0000:01:00.0"])
        expect_rows(app, "radeon", ["0000:0a:00.0"])
        app.screenshot("search-graphics-words")
    finally:
        app.quit()


ptgui.run(main)
