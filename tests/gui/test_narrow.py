#!/usr/bin/python3
"""A narrow window (400 px, a phone or half a laptop screen) and what a
screen reader hears, on a snapshot with three GPUs (tests/gui/machines/two-gpus.json,
small enough that walking the window stays quick on a loaded machine):

- folded, the device list has its own "Review changes" (the content's
  header is off screen), once a device is chosen, reached from
  the window's first control (the main menu, where GTK puts the focus at
  start) in at most 4 Tab presses: the filter menu, the search entry, the
  tree (one stop as a whole, tests/gui/test_keyboard.py) and the button;
- on the device page the header's "Review changes" stays inside the
  window, and the expert controls are in an "Advanced" area below the
  explanation of the IOMMU group, folded, each with its consequence;
- the review fits 400 px with its main button inside it;
- a chosen device's row says so in its accessible name, an unchosen one
  does not; every status icon beside a sentence has a name (Blocker,
  Warning, Note, Fine), never GTK's type name."""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ptgui  # noqa: E402
from gi.repository import Atspi  # noqa: E402
from ptgui import check, find, name_of, role_of, said, top_window, wait_for  # noqa: E402

DEMO = os.path.join(ptgui.MACHINES, "two-gpus.json")
# An RTX 3090 in a group of its own; the other 3090, whose group holds a
# SATA controller; the boot GPU.
GPU, AUDIO, OTHER, BOOT_GPU = "0000:0d:00.0", "0000:0d:00.1", "0000:0b:00.0", "0000:0a:00.0"
CHOSEN = " · chosen to pass through"
WIDTH = 400
# The controls before the list's Review, from the window's first one: the
# filter menu, the search entry, the tree, then the button itself.
MAX_TABS = 4


START = time.monotonic()


def step(what):
    """What the test does next, with the seconds since its start (the log
    of a slow run says where the time went)."""
    print("%6.1f s  %s" % (time.monotonic() - START, what), flush=True)


def resize(title, width, height):
    wid = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", title], capture_output=True,
                         text=True, timeout=30).stdout.split()
    check(wid, "no X window for %s" % title)
    subprocess.run(["xdotool", "windowsize", wid[0], str(width), str(height)], check=True, timeout=30)


def extents(a):
    return Atspi.Component.get_extents(a, Atspi.CoordType.WINDOW)


def inside(a, top):
    e, w = extents(a), extents(top)
    return e.width > 0 and e.x >= 0 and e.x + e.width <= w.width and e.y >= 0 and e.y + e.height <= w.height


def review_buttons(root):
    """The "Review changes" buttons on screen: GTK 4.8 keeps the last extents
    of a widget the folded leaflet hides, outside the window."""
    return ptgui.find_all(root, "push button", lambda a: name_of(a) == "Review changes" and inside(a, root))


def unnamed_status_icons(root):
    """Images beside a sentence (a label with text in the same box), outside
    list rows, whose name is empty or GTK's type name."""
    bad = []
    for img in ptgui.find_all(root, "image"):
        parent = img.get_parent()
        sentence = [c for c in (parent.get_child_at_index(i) for i in range(parent.get_child_count()))
                    if c is not None and role_of(c) == "label" and name_of(c)]
        up, in_row = parent, False
        while up is not None and not in_row:
            in_row = role_of(up) in ("list item", "push button")
            up = up.get_parent()
        name = name_of(img)
        if sentence and not in_row and (not name or name.startswith(("Gtk", "Adw"))):
            bad.append("%r beside %r" % (name, name_of(sentence[0])[:60]))
    return bad


def main():
    app = ptgui.App("--snapshot", DEMO)
    try:
        resize("^Passthrough", WIDTH, 720)
        wait_for(lambda: extents(app.window).width <= WIDTH + 20, 20, what="the window at %d px" % WIDTH)
        # Folded, the list is on screen and the content's header is not: with
        # nothing chosen, nothing to review.
        find(app.window, "list", "IOMMU groups and devices")
        check(not review_buttons(app.window), "a Review changes on screen before a device is chosen")
        app.screenshot("narrow-list")
        step("the device page")

        # The device page: folded, the page replaces the list.
        app.choose(GPU)
        wait_for(lambda: extents(app.window).width <= WIDTH + 20, 10,
                 what="the device page to fit %d px (the window is %d px)" % (WIDTH, extents(app.window).width))
        header_review = wait_for(lambda: (review_buttons(app.window) or [None])[0], 10, what="the page's Review changes")
        check(inside(header_review, app.window) and ptgui.is_sensitive(header_review),
              "the page's Review changes is not on, inside the window")
        # The page's own scroll pane: walking it, not the whole window, is quicker.
        page = ptgui.find(app.window, "check box", "Pass through to virtual machines")
        while role_of(page) != "scroll pane":
            page = page.get_parent()
        heading = find(page, "label", "IOMMU group")
        advanced = find(page, None, "Advanced", pred=lambda a: role_of(a) == "list item", timeout=10)
        check(extents(advanced).y > extents(heading).y, "the Advanced area is above the IOMMU group's explanation")
        check(not ptgui.find_all(page, "push button", lambda a: name_of(a) == "Hand to vfio-pci now"),
              "the runtime bind is not folded away")
        app.click(advanced)
        find(page, "push button", "Hand to vfio-pci now")
        texts = ptgui.labels(page)
        check(any(t.startswith(("For a virtual machine that starts now:", "Binding is off here.")) for t in texts),
              "the runtime bind says nothing of its consequence")
        bad = unnamed_status_icons(page)
        check(not bad, "status icons without a name on the device page: %s" % bad)
        app.screenshot("narrow-device-advanced")
        step("back to the list")

        # Back to the list: the chosen rows say so, the list's Review is on.
        ptgui.act(find(app.window, "push button", "Back to the devices"), "click")
        wait_for(lambda: (lambda b: b[0] if b and ptgui.is_sensitive(b[0]) else None)(review_buttons(app.window)),
                                  10, what="the list's own Review changes, on")
        # One search shows both cards' slots: the chosen one's rows say so, the other's do not.
        app.search("nvidia")
        both = (GPU, AUDIO, OTHER, OTHER[:-1] + "1")
        rows = wait_for(lambda: (lambda r: r if all(a in r for a in both) else None)(
            {name_of(a)[:12]: name_of(a) for a in app.device_rows()}), 20, what="the rows of both cards' slots")
        for address in (GPU, AUDIO):
            check(rows[address].endswith(CHOSEN), "the row of %s does not say it is chosen: %r" % (address, rows[address]))
        for address in both[2:]:
            check(not rows[address].endswith(CHOSEN), "the unchosen row of %s says it is chosen" % address)
        step("the whole list")
        app.search("")
        wait_for(lambda: len(app.device_rows()) > 4, 10, what="the whole list again")

        # From the window's first control, Tab by Tab.
        step("Tab from the main menu")
        # The focus goes to the main menu the way a person puts it there: its
        # menu opened with the pointer and closed with Escape.
        menu = find(app.window, "push button", "Main menu")
        app.click(menu)
        app.key("Escape")
        wait_for(lambda: any(ptgui.has_state(a, Atspi.StateType.FOCUSED) for a in ptgui.walk(menu)), 10,
                 what="the focus on the main menu")
        # (By the focused node: the hidden header's button keeps stale extents
        # inside a 400 px window, so "the" Review button found earlier may be it.)
        n = ptgui.tab_to(app, app.window, lambda f: role_of(f) == "push button" and name_of(f) == "Review changes",
                         "Review changes", limit=12)
        print("Tab presses from the main menu to Review changes at %d px: %d" % (WIDTH, n))
        check(n <= MAX_TABS, "Review changes takes %d Tab presses from the main menu (at most %d)" % (n, MAX_TABS))
        app.screenshot("narrow-review-focused")

        # The review, as narrow: its main button stays inside.
        step("the review")
        app.key("Return")
        dlg = top_window(app, "Review changes")
        resize("^Review changes$", WIDTH, 700)
        main_button = find(dlg, "push button", pred=lambda a: name_of(a).replace("_", "").startswith("Set Up"))
        wait_for(lambda: extents(dlg).width <= WIDTH + 20, 10, what="the review at %d px" % WIDTH)
        wait_for(lambda: any("GPU %s" % GPU in t and "go to vfio-pci" in t for t in ptgui.labels(dlg)), 30, what="the summary")
        check(inside(main_button, dlg), "the review's main button is outside the %d px window" % WIDTH)
        bad = unnamed_status_icons(dlg)
        check(not bad, "status icons without a name in the review: %s" % bad)
        check(any(name_of(a) in ("Blocker", "Warning", "Note") for a in ptgui.find_all(dlg, "image")),
              "the review shows no named status icon")
        app.screenshot("narrow-review")

        # The boot GPU's page warns, with a named icon.
        app.key("Escape")
        wait_for(lambda: not ptgui.find_all(app.node, None, lambda a: name_of(a) == "Review changes"
                                            and role_of(a) in ("frame", "dialog", "window")), 10, what="the review to close")
        step("the boot GPU's page")
        app.open_device(BOOT_GPU)
        find(app.window, "image", "Warning")
        bad = unnamed_status_icons(app.window)
        check(not bad, "status icons without a name on the boot GPU's page: %s" % bad)
    finally:
        app.quit()


if __name__ == "__main__":
    ptgui.run(main)
