#!/usr/bin/python3
"""Health after an update in the window (docs/machine-knowledge.md): a setup
whose restart came up without its kernel arguments (a tool rewrote
/etc/default/grub) is `needs-repair`; the sidebar says so with each
reason's sentence, as `status --json` has them, and "Repair…" opens the
review headed "Repair the setup" of the stored selection with the stored options (no trial, the
regeneration forced) through the real helper on a private system bus;
Apply puts the arguments back, and the sidebar then says "Restart to
finish"."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import helperbus  # noqa: E402
import ptgui  # noqa: E402
from ptgui import button, check, find, top_window, wait_for  # noqa: E402

GPU = "0000:01:00.0"
BANNER = "The setup needs repair: the running system no longer carries what was applied."


def ctl(root, *args):
    r = subprocess.run([ptgui.CTL, "--root", root, *args], capture_output=True, text=True, timeout=120)
    return r


def main():
    with helperbus.system_bus(helperbus.CONFIGURE) as bus:
        with helperbus.machine(bus) as m:
            grub = m.read("etc/default/grub")
            # applied (as root would, on the same root the helper serves) ...
            r = ctl(m.root, "apply", "--select", GPU, "--no-commands", "--framebuffer-off")
            check(r.returncode == 0, "apply: %s%s" % (r.stdout, r.stderr))
            check("vfio-pci" in m.read("etc/default/grub"), "apply did not write the arguments")
            # ... then a tool rewrote the file and the machine restarted without them
            m.write("etc/default/grub", grub)
            m.boot("9a41-after-the-update")
            status = ptgui.ctl_json("--root", m.root, "status")
            check(status["state"] == "needs-repair", "the fixture is not needs-repair: %s" % status)
            reasons = [r["message"] for r in status["repair"]]
            check([r["reason"] for r in status["repair"]] == ["kernel-args-lost"], "reasons: %s" % status["repair"])
            check(status["setup"]["selection"] == [GPU] and status["setup"]["options"]["framebuffer-off"] is True,
                  "the stored setup in status: %s" % status.get("setup"))

            with helperbus.running(m.app()) as app:
                app.says(BANNER)
                for message in reasons:
                    app.says(message)
                app.screenshot("repair-banner")
                # the helper quits after a minute without calls, and the
                # private bus cannot start it again: a fresh one for the review
                m.stop()
                m.start_helper()
                ptgui.act(button(app.window, "Repair…"), "click")
                # the review says what it is for
                dlg = top_window(app, "Repair the setup")
                wait_for(lambda: any("The helper computed this plan" in t for t in ptgui.labels(dlg)), 60,
                         what="the helper's plan (labels: %s)" % ptgui.labels(dlg))
                # the summary says what the options without a switch do (repair's regenerate)
                check(any("The initramfs and the boot menu are built again, even where every file is right." in t
                          for t in ptgui.labels(dlg)), "the summary does not say regenerate: %s" % ptgui.labels(dlg))
                # the stored options, no trial
                check(not ptgui.is_checked(find(dlg, "check box", "Try it once first (recommended)")), "a trial repair")
                fb = ptgui.find_all(dlg, "check box", only_visible=False,
                                    pred=lambda a: ptgui.name_of(a).startswith("Turn off the firmware framebuffer"))
                check(fb and ptgui.is_checked(fb[0]), "the stored framebuffer-off is not on")
                wait_for(lambda: "/etc/default/grub" in ptgui.labels(dlg), 30,
                         what="the file repair writes again (labels: %s)" % ptgui.labels(dlg))
                wait_for(lambda: ptgui.is_sensitive(button(dlg, "Set Up")), 20, what="Set Up to be on")
                app.screenshot("repair-review")
                m.stop()
                m.start_helper()
                ptgui.act(button(dlg, "Set Up"), "click")
                wait_for(lambda: "Restart to finish" in ptgui.labels(dlg), 90,
                         what="“Restart to finish” (labels: %s)" % ptgui.labels(dlg))
                ptgui.act(button(dlg, "Close"), "click")
                app.says("Restart to finish:")
                check(not any(BANNER == t for t in ptgui.labels(app.window)), "the banner stayed after the repair")
                app.screenshot("repair-done")
            cfg = m.read("etc/default/grub")
            check("vfio-pci" in cfg and "video=efifb:off" in cfg, "repair did not put the arguments back:\n" + cfg)
            after = ptgui.ctl_json("--root", m.root, "status")
            check(after["state"] == "applied" and after["pending_reboot"], "after the repair: %s" % after)


if __name__ == "__main__":
    ptgui.run(main)
