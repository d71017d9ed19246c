#!/usr/bin/python3
"""A device page's advice for a shared IOMMU group is the plan's fixes
(docs/fixes-and-guards.md), best first: another slot and the firmware
before anything else, the ACS override last, and never "pass them all
through" when the group holds what the host needs (the twin-GPU demo:
02:00.0's group holds the boot GPU)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ptgui  # noqa: E402
from ptgui import App, check, wait_for  # noqa: E402



def fix_labels(app):
    wait_for(lambda: any(t.startswith("What you can do") for t in ptgui.labels(app.window)), 15,
             what="the fixes under the group sentence")
    shown = ptgui.labels(app.window)
    after = shown[next(i for i, t in enumerate(shown) if t.startswith("What you can do")) + 1:]
    fixes = []
    for t in after:   # the numbered labels right under the heading
        if not (len(t) > 3 and t[0].isdigit() and t[1:3] == ". "):
            break
        fixes.append(t)
    return fixes


def main():
    app = App("--snapshot", os.path.join(ptgui.SRC, "data", "demo", "twin-gpu.json"))
    try:
        app.open_device("0000:02:00.0")
        fixes = fix_labels(app)
        labels = ptgui.labels(app.window)
        check(any("shares group 1" in t and "a group goes to a virtual machine whole" in t for t in labels),
              "the group sentence: %s" % labels)
        check(not any("pass them all" in t for t in labels), "the old advice is back")
        check(fixes[0].startswith("1. Move"), "another slot first: %s" % fixes)
        check(not any("as well" in f for f in fixes), "a fix selects the boot GPU: %s" % fixes)
        check(any("not an option" in f and "0000:01:00.0" in f and "firmware boots on" in f for f in fixes),
              "no fix says why the group cannot go whole: %s" % fixes)
        check("ACS override" in fixes[-1], "the ACS override last: %s" % fixes)
        app.screenshot("fixes-group-holds-boot-gpu")
    finally:
        app.quit()

    # A group whose other device holds nothing: selecting it is offered,
    # third, after another slot and the firmware.
    app = App("--snapshot", os.path.join(ptgui.MACHINES, "two-gpus.json"))
    try:
        app.open_device("0000:0b:00.0")
        fixes = fix_labels(app)
        check([f[:3] for f in fixes] == ["1. ", "2. ", "3. ", "4. "], "four fixes: %s" % fixes)
        check(fixes[0].startswith("1. Move GPU 0000:0b:00.0"), "another slot first: %s" % fixes)
        check("0000:0c:00.0 as well" in fixes[2], "selecting the SATA controller third: %s" % fixes)
        check("ACS override" in fixes[3], "the ACS override last: %s" % fixes)
        app.screenshot("fixes-harmless-group")
    finally:
        app.quit()


ptgui.run(main)
