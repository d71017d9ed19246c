#!/usr/bin/python3
"""Keyboard only: from the search entry, Tab reaches the tree (one Tab, not
one per row), the arrows reach a device row, Enter opens its page, Tab
reaches the "Pass through" switch and space toggles it, Tab reaches
"Review changes" and Enter opens the review, where Tab reaches the trial
switch. Focus is read from AT-SPI's FOCUSED state. Every focusable control
on the way has an accessible name (not empty, not a GTK type name)."""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "helper"))
import ptgui  # noqa: E402
from gi.repository import Atspi  # noqa: E402
from ptgui import check, find, focus_is, name_of, role_of, said, tab_to, top_window, wait_for  # noqa: E402

GPU = "0000:01:00.0"
# Roles a person operates; each needs a name a screen reader can say.
CONTROLS = {"push button", "toggle button", "check box", "radio button", "entry", "combo box", "spin button",
            "slider", "menu item", "link"}


def unnamed_controls(root):
    bad = []
    for a in ptgui.find_all(root, pred=lambda a: ptgui.has_state(a, Atspi.StateType.FOCUSABLE)):
        name = said(a).strip()
        if (role_of(a) in CONTROLS or ptgui.has_state(a, Atspi.StateType.FOCUSED)) and \
                (not name or name.startswith(("Gtk", "Adw"))):
            bad.append("%s %r" % (role_of(a), name))
    return bad


def main():
    try:
        import helperfixture
    except ImportError as e:
        print("SKIP: %s" % e)
        sys.exit(77)
    with tempfile.TemporaryDirectory() as tmp:
        root = os.path.join(tmp, "root")
        helperfixture.make_root(root)
        app = ptgui.App("--root", root)
        try:
            entry = find(app.window, "entry", "Search devices")
            app.click(entry)
            focus_is(app.window, lambda f: role_of(f) == "entry", "the search entry")
            Atspi.EditableText.set_text_contents(entry, GPU)
            wait_for(lambda: len(app.device_rows()) == 1, 10, what="the search to narrow the tree to %s" % GPU)

            # One Tab into the tree, on its first row (the group).
            app.key("Tab")
            focus_is(app.window, lambda f: said(f).startswith("IOMMU group 1"), "the group row in the tree")
            app.key("Down")
            focus_is(app.window, lambda f: said(f).startswith(GPU + " "), "the device row")
            # One Tab leaves the tree as a whole, Shift+Tab comes back to it.
            app.key("Tab")
            focus_is(app.window, lambda f: role_of(f) == "push button" and said(f).startswith("Readiness"),
                     "the Readiness button, one Tab after the tree")
            app.key("shift+Tab")
            focus_is(app.window, lambda f: role_of(f) == "list item", "the tree again")
            if not said(ptgui.focused(app.window)).startswith(GPU + " "):
                app.key("Down")
                focus_is(app.window, lambda f: said(f).startswith(GPU + " "), "the device row again")

            # Enter opens the page and takes the focus there.
            app.key("Return")
            find(app.window, "label", pred=lambda a: GPU in name_of(a) and "·" in name_of(a), timeout=10)
            app.screenshot("keyboard-device-page")
            n = tab_to(app, app.window, lambda f: role_of(f) == "check box" and name_of(f) == "Pass through to virtual machines",
                       "the Pass through switch", limit=5)
            print("Tab presses from the opened page to the switch:", n)
            sw = ptgui.focused(app.window)
            app.key("space")
            wait_for(lambda: ptgui.is_checked(sw), 5, what="space to turn the switch on")

            bad = unnamed_controls(app.window)
            check(not bad, "controls without an accessible name in the window: %s" % bad)

            tab_to(app, app.window, lambda f: role_of(f) == "push button" and name_of(f) == "Review changes",
                   "Review changes")
            app.screenshot("keyboard-review-focused")
            app.key("Return")
            dlg = top_window(app, "Review changes")
            wait_for(lambda: any("Computed here" in t for t in ptgui.labels(dlg)), 20, what="the plan")
            tab_to(app, dlg, lambda f: role_of(f) == "check box" and name_of(f) == "Try it once first (recommended)",
                   "the trial switch in the review")
            bad = unnamed_controls(dlg)
            check(not bad, "controls without an accessible name in the review: %s" % bad)
            app.screenshot("keyboard-review")
            app.key("Escape")
            wait_for(lambda: not ptgui.find_all(app.node, None, lambda a: name_of(a) == "Review changes"
                                                and role_of(a) in ("frame", "dialog", "window")), 10,
                     what="Escape to close the review")
        finally:
            app.quit()


if __name__ == "__main__":
    ptgui.run(main)
