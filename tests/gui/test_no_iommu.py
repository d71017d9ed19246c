#!/usr/bin/python3
"""A machine without IOMMU groups gets a status page that says so, explains
the fix, and offers the demo machines; choosing one shows its tree. A
snapshot that cannot be read is a sentence in the window."""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ptgui  # noqa: E402
from ptgui import App, check, find, wait_for  # noqa: E402

FIXTURES = os.path.join(ptgui.SRC, "tests", "fixtures")


def check_offers_demo(app, tmp, expect_title, expect_fix):
    find(app.window, "label", expect_title, timeout=15)
    desc = wait_for(lambda: next((t for t in ptgui.labels(app.window) if expect_fix in t), None), 10,
                    what="the explanation mentioning %r" % expect_fix)
    check("demo" in desc, "the explanation does not point at the demo machines: %r" % desc)
    row = find(app.window, "label", "Two gpus")
    return row


def main():
    with tempfile.TemporaryDirectory() as tmp:
        demo_dir = os.path.join(tmp, "demo")
        os.makedirs(demo_dir)
        shutil.copy(os.path.join(ptgui.MACHINES, "two-gpus.json"), demo_dir)
        env = {"PASSTHROUGH_DEMO_DIR": demo_dir}

        # A snapshot of a machine with the IOMMU off.
        app = App("--snapshot", os.path.join(ptgui.MACHINES, "no-iommu.json"), env=env)
        try:
            title = check_offers_demo(app, tmp, "This snapshot has no IOMMU groups", "intel_iommu=on")
            # Its devices are still listed, outside any group.
            wait_for(lambda: any(ptgui.name_of(r).startswith("0000:00:02.0 ") for r in app.device_rows()), 10,
                     what="the ungrouped devices in the sidebar")
            check(any(ptgui.name_of(g).startswith("Not in any IOMMU group") for g in
                      ptgui.find_all(app.window, pred=lambda a: ptgui.role_of(a) != "label")),
                  "no 'Not in any IOMMU group' row")
            app.screenshot("no-iommu-snapshot")
            # Choosing the demo shows its tree.
            app.click(title)
            wait_for(lambda: "two-gpus.json" in ptgui.name_of(app.window), 10, what="the demo machine's title")
            wait_for(lambda: any(ptgui.name_of(g).startswith("IOMMU group 15") for g in app.group_rows()), 10,
                     what="the demo's groups")
            app.screenshot("no-iommu-demo-opened")

            # An unreadable snapshot is a sentence in the window, and the
            # demo stays on screen.
            bad = os.path.join(tmp, "broken.json")
            with open(bad, "w") as f:
                f.write('{"format": 1, "groups": [{"id": 3, "devices": [{"address": "nonsense"}]}]}')
            app.action("open-snapshot", "<'%s'>" % bad)
            dialog = find(app.node, "dialog", timeout=10)
            find(dialog, "label", "Could not open the snapshot broken.json")
            wait_for(lambda: next((t for t in ptgui.labels(dialog) if "nonsense" in t and "not valid" in t), None),
                     10, what="the sentence saying what is wrong with broken.json")
            check("two-gpus.json" in ptgui.name_of(app.window), "a broken snapshot replaced the machine on screen")
            app.screenshot("snapshot-unreadable")
            ptgui.act(find(dialog, "push button", pred=lambda a: ptgui.name_of(a).endswith("Close")), "click")
            wait_for(lambda: not ptgui.find_all(app.node, "dialog"), 10, what="the dialog to close")
        finally:
            app.quit()

        # A fixture root of a machine with the IOMMU off, as the app sees
        # "this machine" there.
        machine = os.path.join(FIXTURES, "machines", "no-iommu.machine")
        if os.path.exists(os.path.join(FIXTURES, "make-sysfs.py")) and os.path.exists(machine):
            root = os.path.join(tmp, "root")
            subprocess.run(["/usr/bin/python3", os.path.join(FIXTURES, "make-sysfs.py"), machine, root],
                           check=True, timeout=120)
            cpu = ptgui.ctl_json("--root", root, "list").get("cpu_vendor")
            app = App("--root", root, env=env)
            try:
                check(root in ptgui.name_of(app.window), "the title does not name the root: %r" % ptgui.name_of(app.window))
                fix = "This is an Intel CPU" if cpu == "intel" else "This is an AMD CPU" if cpu == "amd" else "AMD-Vi"
                check_offers_demo(app, tmp, "The IOMMU is off", fix)
                app.screenshot("no-iommu-root")
            finally:
                app.quit()
        else:
            print("skipped the fixture root: tests/fixtures/make-sysfs.py or no-iommu.machine is missing")


ptgui.run(main)
