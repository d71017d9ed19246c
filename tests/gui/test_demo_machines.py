#!/usr/bin/python3
"""The bundled demo machines: the picker names each from its data
(pt_describe_machine: "Threadripper 1900X on an X399 board"), and a demo's
review plans against the small root beside its snapshot (data/demo/twin-gpu/ for twin-gpu.json),
so it shows that distribution's GRUB diff, never this machine's files or
"no bootloader found" (docs/guided-app.md, "Demo machines")."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ptgui  # noqa: E402
from ptgui import App, check, find, wait_for  # noqa: E402

DEMO = os.path.join(ptgui.SRC, "data", "demo")
NAMES = {
    "threadripper-x399": "Threadripper 1900X on an X399 board",
    "twin-gpu": "Core i7-9700K on a Z390 board",
    "arch-navi23": "Core i7-10700K on a Z490 board",
    "laptop-optimus": "XPS 15 9500 with Core i7-10750H",
}


def main():
    # the names come from the snapshots' processor and board fields
    for stem in NAMES:
        with open(os.path.join(DEMO, stem + ".json")) as f:
            data = json.load(f)
        check(data["cpu_model"] and data["board_name"], "%s lacks its machine fields" % stem)
    # a snapshot without IOMMU groups offers the demos
    app = App("--snapshot", os.path.join(ptgui.MACHINES, "no-iommu.json"), env={"PASSTHROUGH_DEMO_DIR": DEMO})
    try:
        rows = {stem: find(app.window, "label", name, timeout=15) for stem, name in NAMES.items()}
        check(not any(t in ("Threadripper x399", "Twin gpu") for t in ptgui.labels(app.window)),
              "the picker still shows file names")
        app.screenshot("demo-picker-names")
        app.click(rows["threadripper-x399"])
        # the window is named after the demo's machine, not its file
        wait_for(lambda: "demo: Threadripper 1900X on an X399 board" in ptgui.name_of(app.window), 10,
                 what="the demo opened (window: %r)" % ptgui.name_of(app.window))
        check(".json" not in ptgui.name_of(app.window), "the window title shows a file name")
        app.says("demo's own boot files")
        # the GTX 1080 in group 14: its review is the plan passthroughctl gives
        # with the demo's root, Fedora 29's GRUB with BLS and dracut (the
        # review asks for the trial first)
        demo = ["--root", os.path.join(DEMO, "threadripper-x399"),
                "--snapshot", os.path.join(DEMO, "threadripper-x399.json")]
        plan = ptgui.ctl_json(*demo, "plan", "--select", "0000:08:00.0", "--trial")
        check(plan["bootloader"] == "grub-bls" and plan["initramfs"] == "dracut",
              "the demo's root is not Fedora's GRUB with dracut: %s, %s" % (plan["bootloader"], plan["initramfs"]))
        check(not plan["blockers"], "the demo's plan is blocked: %s" % plan["blockers"])
        app.choose("0000:08:00.0")
        ptgui.act(find(app.window, "push button", "Review changes"), "click")
        dlg = find(app.node, None, "Review changes",
                   pred=lambda a: ptgui.role_of(a) in ("frame", "dialog", "window"), timeout=15)
        texts = lambda: [t.strip() for t in ptgui.labels(dlg)]  # noqa: E731
        for change in plan["changes"]:
            wait_for(lambda: change["path"] in texts(), 20,
                     what="the demo's %s in the review (labels: %s)" % (change["path"], texts()[:30]))
            wait_for(lambda: change["diff"].strip() in texts(), 10, what="the diff of %s" % change["path"])
        check(any(c["path"].startswith("/boot/loader/entries/") for c in plan["changes"]),
              "no GRUB (BLS) entry in the demo's plan: %s" % [c["path"] for c in plan["changes"]])
        shown = texts()
        check(not any("no bootloader" in t.lower() for t in shown), "the review found no bootloader")
        # what a snapshot cannot tell is said as such, not warned about
        check(not any("Interrupt remapping is off" in t for t in shown), "the review guesses interrupt remapping")
        note = plan["not_known"][0]["message"]
        check(note.startswith("Interrupt remapping: not known from a snapshot"), "the plan's note: %r" % note)
        check(note in shown, "the review does not say what a snapshot cannot tell")
        find(dlg, None, "Note", timeout=5)
        app.screenshot("demo-review-grub-diff")
        # --framebuffer-off with a GPU that is not the boot GPU: the plan's
        # warning and its fix show in the review (the Advanced option)
        fb = ptgui.ctl_json(*demo, "plan", "--select", "0000:08:00.0", "--trial", "--framebuffer-off")
        warning = next(w for w in fb["warnings"] if w["code"] == "framebuffer-off-not-boot-gpu")
        app.click(find(dlg, "label", "Advanced"))
        switch = find(dlg, "check box", pred=lambda a: ptgui.name_of(a).startswith("Turn off the firmware framebuffer"),
                      timeout=10)
        ptgui.act(switch, "toggle")
        wait_for(lambda: warning["message"] in texts(), 20, what="the framebuffer-off-not-boot-gpu warning")
        check("1. " + warning["fixes"][0]["text"] in texts(), "the warning's fix is not shown")
        app.screenshot("demo-review-framebuffer-warning")
    finally:
        app.quit()


if __name__ == "__main__":
    ptgui.run(main)
