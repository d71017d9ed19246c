#!/usr/bin/python3
"""The review shows what `passthroughctl plan` shows for the same root and
selection: the devices, each file's diff, the commands, the warnings and
the blockers; on another root it only inspects, so Apply is off and the
window says why. The VM export is the other end of the same selection."""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ptgui  # noqa: E402
from ptgui import App, check, find, wait_for  # noqa: E402

FIXTURES = os.path.join(ptgui.SRC, "tests", "fixtures")
MACHINE = os.path.join(FIXTURES, "machines", "arch-navi23.machine")


def review_window(app):
    return find(app.node, None, "Review changes",
                pred=lambda a: ptgui.role_of(a) in ("frame", "dialog", "window"), timeout=15)


def main():
    if not (os.path.exists(os.path.join(FIXTURES, "make-sysfs.py")) and os.path.exists(MACHINE)):
        print("SKIP: tests/fixtures/make-sysfs.py or %s is missing" % MACHINE)
        sys.exit(77)
    with tempfile.TemporaryDirectory() as tmp:
        root = os.path.join(tmp, "root")
        subprocess.run(["/usr/bin/python3", os.path.join(FIXTURES, "make-sysfs.py"), MACHINE, root],
                       check=True, timeout=120, capture_output=True)
        listing = ptgui.ctl_json("--root", root, "list")
        gpu = next(d for g in listing["groups"] for d in g["devices"]
                   if d["kind"] == "gpu" and not d["boot_vga"] and not d["shares_group_with"])
        address = gpu["address"]
        # The review asks for the safe first boot by default, and for the
        # plain plan only where the plan says a trial cannot work.
        plan = ptgui.ctl_json("--root", root, "plan", "--select", address, "--trial")
        if any(b["code"] == "trial-unavailable" for b in plan["blockers"]):
            plan = ptgui.ctl_json("--root", root, "plan", "--select", address)

        app = App("--root", root)
        try:
            app.choose(address)
            ptgui.act(find(app.window, "push button", "Review changes"), "click")
            dlg = review_window(app)
            texts = lambda: [t.strip() for t in ptgui.labels(dlg)]  # noqa: E731
            # Every device of the plan, by full address.
            wait_for(lambda: any(all(d in t for d in plan["devices"]) for t in texts()), 15,
                     what="a sentence naming %s (labels: %s)" % (plan["devices"], texts()))
            # Every file with the very diff passthroughctl prints.
            for change in plan["changes"]:
                wait_for(lambda: change["path"] in texts(), 10, what="the path %s" % change["path"])
                if change.get("diff"):
                    wait_for(lambda: change["diff"].strip() in texts(), 10,
                             what="the diff of %s as passthroughctl prints it" % change["path"])
            for cmd in plan["commands"]:
                check(any(cmd[0] in t and cmd[-1] in t for t in texts()), "the command %s is not shown" % cmd)
            for issue in plan["warnings"] + plan["blockers"]:
                wait_for(lambda: issue["message"] in texts(), 10, what="the %s message" % issue["code"])
            # Another root: inspect only.
            wait_for(lambda: any("Set Up and Bind are off" in t for t in texts()), 10, what="the inspect-only reason")
            apply = find(dlg, "push button", pred=lambda a: ptgui.name_of(a).replace("_", "").endswith("Set Up"))
            check(not ptgui.is_sensitive(apply), "Set Up is on for another root")
            app.screenshot("review")
            ptgui.act(find(dlg, "push button", pred=lambda a: ptgui.name_of(a).replace("_", "").endswith("Cancel")), "click")
            wait_for(lambda: not ptgui.find_all(app.node, None, lambda a: ptgui.name_of(a) == "Review changes"
                                                and ptgui.role_of(a) in ("frame", "dialog", "window")), 10,
                     what="the review to close")

            # The VM side of the same selection.
            app.action("export-vm")
            exp = find(app.node, None, "Export for Virtual Machines",
                       pred=lambda a: ptgui.role_of(a) in ("frame", "dialog", "window"), timeout=15)
            dom, bus, rest = address.split(":")
            slot, fn = rest.split(".")
            xml = "<address domain='0x%s' bus='0x%s' slot='0x%s' function='0x%s'/>" % (dom, bus, slot, fn)
            wait_for(lambda: any(xml in t for t in ptgui.labels(exp)), 10, what="the libvirt <hostdev> for %s" % address)
            wait_for(lambda: any("-device vfio-pci,host=%s" % address in t for t in ptgui.labels(exp)), 10,
                     what="the QEMU argument")
            wait_for(lambda: any(t.startswith("hostpci0: %s:%s:%s" % (dom, bus, slot)) for t in ptgui.labels(exp)), 10,
                     what="the Proxmox line")
            for label in ("Copy libvirt XML", "Copy QEMU arguments", "Copy Proxmox lines"):
                find(exp, "push button", label)
            app.screenshot("export-vm")
        finally:
            app.quit()


ptgui.run(main)
