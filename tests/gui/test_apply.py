#!/usr/bin/python3
"""Apply and Revert from the window, through the real helper on a private
system bus with python-dbusmock's polkitd: allowed, the plan shown is the
helper's Preview, Apply runs with progress and ends in "Restart to finish",
and the fixture root really changed; denied, the window says the password
was refused and nothing changed."""
import hashlib
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import helperbus  # noqa: E402
import ptgui  # noqa: E402
from ptgui import button, check, find, top_window, wait_for  # noqa: E402

GPU = "0000:01:00.0"


def tree_digest(root):
    h = hashlib.sha256()
    for d in ("etc", "boot"):
        for dirpath, dirs, files in sorted(os.walk(os.path.join(root, d))):
            dirs.sort()
            for f in sorted(files):
                p = os.path.join(dirpath, f)
                h.update(p.encode())
                if os.path.isfile(p) and not os.path.islink(p):
                    h.update(open(p, "rb").read())
    return h.hexdigest()


def choose_and_review(app):
    app.choose(GPU)
    ptgui.act(find(app.window, "push button", "Review changes"), "click")
    dlg = top_window(app, "Review changes")
    wait_for(lambda: any("The helper computed this plan" in t for t in ptgui.labels(dlg)), 20,
             what="the helper's plan (labels: %s)" % ptgui.labels(dlg))
    # This test is about the direct apply; the trial has test_trial.py.
    trial = find(dlg, "check box", "Try it once first (recommended)")
    ptgui.act(trial, "toggle")
    wait_for(lambda: not ptgui.is_checked(trial), 10, what="the trial off")
    # custom.cfg stays in the plan either way (the "without passthrough" way back);
    # the trial is the one-shot grub-reboot.
    wait_for(lambda: not ptgui.has_label_starting(dlg, "grub-reboot") and "/etc/default/grub" in ptgui.labels(dlg), 20,
             what="the plan without the trial (labels: %s)" % ptgui.labels(dlg))
    return dlg


def main():
    with helperbus.system_bus() as bus:
        for allowed in (True, False):
            bus.allow(*([helperbus.CONFIGURE] if allowed else []))
            with helperbus.machine(bus) as m:
                root = m.root
                before = tree_digest(root)
                with helperbus.running(m.app()) as app:
                    check(ptgui.name_of(app.window).endswith("this machine"), "title %r" % ptgui.name_of(app.window))
                    dlg = choose_and_review(app)
                    wait_for(lambda: ptgui.is_sensitive(button(dlg, "Set Up")), 10, what="Set Up to be on")
                    app.screenshot("apply-review-%s" % ("allowed" if allowed else "denied"))
                    ptgui.act(button(dlg, "Set Up"), "click")
                    if not allowed:
                        wait_for(lambda: any("password was refused" in t for t in ptgui.labels(dlg)), 30,
                                 what="the refusal sentence (labels: %s)" % ptgui.labels(dlg))
                        app.screenshot("apply-denied")
                        check(tree_digest(root) == before, "a refused Apply changed the root")
                        continue
                    wait_for(lambda: "Restart to finish" in ptgui.labels(dlg), 60,
                             what="“Restart to finish” (labels: %s)" % ptgui.labels(dlg))
                    app.screenshot("apply-done")
                    check(tree_digest(root) != before, "Apply said it was done but the root did not change")
                    ptgui.act(button(dlg, "Close"), "click")
                    # The sidebar now says what the helper's GetStatus says.
                    wait_for(lambda: any(t.startswith("Restart to finish:") or "on vfio-pci, as configured" in t
                                         for t in ptgui.labels(app.window)), 20,
                             what="the configured state in the sidebar")
                    app.screenshot("apply-status")
                    # Revert: the same review, then the helper undoes it all.
                    app.action("revert")
                    rdlg = top_window(app, "Undo everything")
                    undo = button(rdlg, "Undo")
                    wait_for(lambda: ptgui.is_sensitive(undo), 20, what="Undo to be on (labels: %s)" % ptgui.labels(rdlg))
                    wait_for(lambda: "/etc/default/grub" in ptgui.labels(rdlg), 10, what="the files revert touches")
                    app.screenshot("revert-review")
                    ptgui.act(undo, "click")
                    wait_for(lambda: "Restart to finish" in ptgui.labels(rdlg), 60,
                             what="“Restart to finish” after the revert (labels: %s)" % ptgui.labels(rdlg))
                    check(tree_digest(root) == before, "Revert did not put /etc and /boot back as they were")


if __name__ == "__main__":
    ptgui.run(main)
