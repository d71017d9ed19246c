#!/usr/bin/python3
"""The review shows the plan's fixes under each blocker, best first, never
one that selects what the host needs; a fix that is a plan option has a
button that sets it, and the plan comes again with it
(docs/fixes-and-guards.md)."""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ptgui  # noqa: E402
from ptgui import App, check, find, wait_for  # noqa: E402

FIXTURES = os.path.join(ptgui.SRC, "tests", "fixtures")
# a GTX 1050 Ti in a B450's chipset slot: its group also holds the SATA
# controller of a mounted /srv and the NIC of the default route
CHIPSET = os.path.join(FIXTURES, "machines", "gpu-chipset-group.machine")


def main():
    # The review shows the plan's fixes under its blocker, and a fix that is
    # an option sets it: the plan comes again with the override and its warning.
    with tempfile.TemporaryDirectory() as tmp:
        root = os.path.join(tmp, "root")
        subprocess.run(["/usr/bin/python3", os.path.join(FIXTURES, "make-sysfs.py"), CHIPSET, root],
                       check=True, timeout=120, capture_output=True)
        plan = ptgui.ctl_json("--root", root, "plan", "--select", "0000:05:00.0", "--trial")
        blocker = next(b for b in plan["blockers"] if b["code"] == "group-not-taken")
        app = App("--root", root)
        try:
            app.choose("0000:05:00.0")
            ptgui.act(find(app.window, "push button", "Review changes"), "click")
            dlg = find(app.node, None, "Review changes",
                       pred=lambda a: ptgui.role_of(a) in ("frame", "dialog", "window"), timeout=15)
            texts = lambda: [t.strip() for t in ptgui.labels(dlg)]  # noqa: E731
            for i, fix in enumerate(blocker["fixes"]):
                wait_for(lambda: "%d. %s" % (i + 1, fix["text"]) in texts(), 15,
                         what="fix %d of the blocker: %s" % (i + 1, fix["text"]))
            check(not any("as well" in t for t in texts()), "the review offers to select the host's devices")
            # The review starts with its summary in plain sentences, then the details.
            shown = texts()
            summary = next((i for i, t in enumerate(shown) if t.startswith("This cannot be set up yet")), None)
            check(summary is not None, "no summary: %s" % shown[:8])
            check(summary < shown.index(blocker["message"]), "the summary comes after the details: %s" % shown[:8])
            check("would go to vfio-pci" in shown[summary] and "keeps its screen on GPU 0000:07:00.0" in shown[summary],
                  "the summary does not say what goes and which GPU the host keeps: %s" % shown[summary])
            # its icon is named for a screen reader
            find(dlg, None, "Blocker", timeout=5)
            app.screenshot("fixes-review-blocker")
            use = find(dlg, "push button", pred=lambda a: ptgui.name_of(a).startswith("Use this option: Only if"))
            ptgui.act(use, "click")
            wait_for(lambda: any("pcie_acs_override=downstream,multifunction works only" in t for t in texts()), 20,
                     what="the plan again, with the ACS override's warning")
            check(not any(t.startswith("4. Only if nothing above") for t in texts()),
                  "the override is still offered once chosen")
            app.screenshot("fixes-review-override-chosen")
        finally:
            app.quit()


ptgui.run(main)
