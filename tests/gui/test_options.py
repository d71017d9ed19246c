#!/usr/bin/python3
"""Plan options in the review, through the real helper's Preview: binding
by PCI address instead of by ID changes the diff shown (passthrough.vfio=
with address@IDs instead of vfio-pci.ids=), and Apply carries that option
with the reviewed plan's digest, so the helper writes exactly the plan on
screen. Where the plan says a trial cannot work (GRUB's grubenv on btrfs),
the trial switch is off and insensitive, says why in the plan's words, and
the plan shown is the one without the trial; the ACS override, chosen from
the keyboard, shows its security warning and goes into the plan."""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import helperbus  # noqa: E402
import ptgui  # noqa: E402
from ptgui import button, check, find, top_window, wait_for  # noqa: E402

GPU = "0000:01:00.0"
BY_IDS = "vfio-pci.ids=10de:2184,10de:1aeb"
BY_ADDRESS = "passthrough.vfio=0000:01:00.0@10de:2184,0000:01:00.1@10de:1aeb"


def shown(dlg, text):
    return any(text in t for t in ptgui.labels(dlg))


def main():
    with helperbus.system_bus(helperbus.CONFIGURE) as bus, helperbus.machine(bus) as m, \
            helperbus.running(m.app()) as app:
        app.choose(GPU)
        ptgui.act(find(app.window, "push button", "Review changes"), "click")
        dlg = top_window(app, "Review changes")
        wait_for(lambda: shown(dlg, BY_IDS), 20, what="binding by ID in the diff (labels: %s)" % ptgui.labels(dlg))
        check(not shown(dlg, "passthrough.vfio="), "the plan binds by address before it was asked to")

        # The binding is an expert control, in the folded Advanced area;
        # its combo row opens a list; the keyboard picks its third item.
        app.click(find(dlg, None, "Advanced", pred=lambda a: ptgui.role_of(a) != "label"), within=dlg)
        app.click(find(dlg, None, "Bind the devices by", pred=lambda a: ptgui.role_of(a) != "label"), within=dlg)
        wait_for(lambda: ptgui.find_all(dlg, pred=lambda a: ptgui.name_of(a) == "PCI address"), 10,
                 what="the list of bindings")
        app.key("Down", "Down", "Return")
        wait_for(lambda: shown(dlg, BY_ADDRESS), 20, what="binding by address in the diff (labels: %s)" % ptgui.labels(dlg))
        check(not shown(dlg, BY_IDS), "the diff still binds by ID")
        wait_for(lambda: shown(dlg, "Binding by PCI address (passthrough.vfio=), as you asked."), 10,
                 what="the binding sentence")
        app.screenshot("options-by-address")

        wait_for(lambda: ptgui.is_sensitive(button(dlg, "Set Up")), 20, what="Set Up to be on")
        ptgui.act(button(dlg, "Set Up"), "click")
        wait_for(lambda: shown(dlg, "Restart to try the new setup"), 60,
                 what="the end of Apply (labels: %s)" % ptgui.labels(dlg))
        cfg = m.read("boot/grub/custom.cfg")
        check(BY_ADDRESS in cfg and BY_IDS not in cfg, "the helper did not apply the reviewed option:\n" + cfg)

    trial_unavailable()


def trial_unavailable():
    import helperfixture
    with tempfile.TemporaryDirectory() as tmp:
        root = os.path.join(tmp, "root")
        helperfixture.make_root(root)
        # / on btrfs with /boot on it: GRUB cannot clear a one-shot choice there.
        with open(os.path.join(root, "proc/self/mountinfo"), "w") as f:
            f.write("22 1 259:1 /@ / rw,relatime shared:1 - btrfs /dev/nvme0n1p1 rw,ssd\n")
        with helperbus.running(ptgui.App("--root", root)) as app:
            app.choose(GPU)
            ptgui.act(find(app.window, "push button", "Review changes"), "click")
            dlg = top_window(app, "Review changes")
            wait_for(lambda: shown(dlg, "Not available here: A one-shot trial is not safe here"), 20,
                     what="why there is no trial (labels: %s)" % ptgui.labels(dlg))
            check(shown(dlg, "btrfs"), "the reason does not name btrfs: %s" % ptgui.labels(dlg))
            trial = find(dlg, "check box", "Try it once first (recommended)")
            check(not ptgui.is_checked(trial) and not ptgui.is_sensitive(trial), "the trial switch is still on or usable")
            wait_for(lambda: "/etc/default/grub" in ptgui.labels(dlg), 20, what="the plan without the trial")
            check(not ptgui.has_label_starting(dlg, "grub-reboot"), "the plan still arms the trial")
            check(not any(t.startswith("A one-shot trial") for t in ptgui.labels(dlg)),
                  "the trial's reason is shown as a blocker too")
            check(not shown(dlg, "--trial"), "the window gives command-line advice")
            app.screenshot("options-no-trial")

            # The ACS override, chosen from the keyboard, comes with its security warning.
            app.click(find(dlg, None, "Advanced", pred=lambda a: ptgui.role_of(a) != "label"), within=dlg)
            ptgui.tab_to(app, dlg, lambda f: ptgui.said(f).startswith("ACS override"), "the ACS override row", limit=20)
            app.key("Return")
            wait_for(lambda: ptgui.find_all(dlg, pred=lambda a: ptgui.name_of(a) == "Downstream ports"), 10,
                     what="the list of ACS overrides")
            app.key("Down", "Return")
            wait_for(lambda: shown(dlg, "pcie_acs_override=downstream"), 20,
                     what="the ACS override in the diff (labels: %s)" % ptgui.labels(dlg))
            check(shown(dlg, "Security: the ACS override makes the kernel treat devices as isolated"),
                  "no security warning with the ACS override")
            app.screenshot("options-acs")


ptgui.run(main)
