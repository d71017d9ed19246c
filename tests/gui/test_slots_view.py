#!/usr/bin/python3
"""The slot list (docs/machine-knowledge.md): from the device page of a card
whose group is shared ("Show Slots…") and from the main menu, one row per
slot of `passthroughctl slots --json` with its name, port, group, link and
what sits there, ✓ or ✗ with the same `why`, the card's own slot marked,
and the free slots that would give it a group of its own named first. On
slots-z690: the GTX 1050 in PCIE3 (behind the chipset, no ACS) shares
group 8 with the I225-V; PCIE2 and PCIE4 are free and isolated."""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ptgui  # noqa: E402
from gi.repository import GLib  # noqa: E402
from ptgui import App, check, find, top_window, wait_for  # noqa: E402

FIXTURES = os.path.join(ptgui.SRC, "tests", "fixtures")
GTX = "0000:04:00.0"


def title_of(slot):
    return "%s (%s)" % (slot["slot"], slot["port"]) if slot["slot"] else "Port " + slot["port"]


def check_list(win, slots, card_port):
    def look():
        labels = ptgui.labels(win)
        return labels if all(title_of(s) in labels for s in slots) else None
    labels = wait_for(look, 30, what="a row per slot (labels: %s)" % ptgui.labels(win))
    for s in slots:
        i = labels.index(title_of(s))
        sub = labels[i + 1]
        check(s["why"] in sub, "the row of %s does not say why: %r" % (s["port"], sub))
        group = "IOMMU group %d" % s["group"] if s["group"] is not None else "a new IOMMU group"
        check(group in sub, "the row of %s does not name %s: %r" % (s["port"], group, sub))
        if s["link"]["width"]:
            check("x%d, %s" % (s["link"]["width"], s["link"]["speed"]) in sub, "no link in %r" % sub)
        check(("Free" in sub) == (not s["devices"]), "free or not: %r" % sub)
        for d in s["devices"]:
            check(d in sub, "%s not named in the row of %s: %r" % (d, s["port"], sub))
    icons = [ptgui.name_of(a) for a in ptgui.find_all(win, "image")
             if ptgui.name_of(a) in ("A group of its own", "A shared group")]
    check(icons == ["A group of its own" if s["isolated"] else "A shared group" for s in slots],
          "✓/✗ per slot: %s" % icons)
    marks = [t for t in labels if t == "This card"]
    check(len(marks) == (1 if card_port else 0), "the card marked once: %s" % labels)
    return labels


def main():
    with tempfile.TemporaryDirectory() as tmp:
        root = os.path.join(tmp, "slots-z690")
        subprocess.run(["/usr/bin/python3", os.path.join(FIXTURES, "make-sysfs.py"),
                        os.path.join(FIXTURES, "machines", "slots-z690.machine"), root],
                       check=True, timeout=120, stdout=subprocess.DEVNULL)
        slots = ptgui.ctl_json("--root", root, "slots")["slots"]
        [here] = [s for s in slots if GTX in s["devices"]]
        check(not here["isolated"] and here["slot"] == "PCIE3", "the fixture changed: %s" % here)
        free = [title_of(s) for s in slots if s["isolated"] and not s["devices"]]
        check(free == ["PCIE2 (0000:00:01.1)", "PCIE4 (0000:07:10.0)"], "the free slots: %s" % free)

        app = App("--root", root)
        try:
            app.open_device(GTX)
            ptgui.act(find(app.window, "push button", "Show Slots…"), "click")
            win = top_window(app, "Slots")
            labels = check_list(win, slots, here["port"])
            i = labels.index("This card")
            check(labels[i - 2] == title_of(here), "the mark is not on PCIE3's row: %s" % labels[i - 3:i + 1])
            summary = next(t for t in labels if t.startswith("GPU %s sits in" % GTX))
            check("PCIE3 (0000:00:1c.0)" in summary and "shares" in summary and " and ".join(free) in summary,
                  "the summary: %r" % summary)
            app.screenshot("slots-from-device-page")
            app.key("Escape")
            wait_for(lambda: not ptgui.find_all(app.node, None, pred=lambda a: ptgui.name_of(a) == "Slots"
                                                and ptgui.role_of(a) in ("frame", "dialog", "window")),
                     10, what="Escape to close the slots")

            # a card with a group of its own: its slot is ✓ and marked
            app.open_device("0000:01:00.0")
            check(not any(t == "Show Slots…" for t in ptgui.labels(app.window)), "the button on an isolated card")
            # the main menu reaches the list for the device on screen
            def slots_item(a):
                return ptgui.name_of(a).replace("_", "").startswith("Slots for a Card")
            app.key("F10")
            item = find(app.node, "menu item", pred=slots_item)
            try:
                ptgui.act(item, "click")
            except ptgui.Failure:   # no action on a model button: the keyboard, as a person would
                ptgui.tab_to(app, app.node, slots_item, "the Slots menu item", key="Down")
                app.key("Return")
            except GLib.GError:   # the menu closes with its item: the reply may never come; the window tells
                pass
            win = top_window(app, "Slots")
            labels = check_list(win, slots, "0000:00:01.0")
            check(any(t.startswith("GPU 0000:01:00.0 sits in PCIE1 (0000:00:01.0), where it has an IOMMU group of its own")
                      for t in labels), "the summary of the RTX: %s" % labels)
        finally:
            app.quit()


ptgui.run(main)
