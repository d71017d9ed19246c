#!/usr/bin/python3
"""Apply and Revert from the window, through the real helper on a private
system bus with python-dbusmock's polkitd: allowed, the plan shown is the
helper's Preview, Apply runs with progress and ends in "Restart to finish",
and the fixture root really changed; denied, the window says the password
was refused and nothing changed."""
import hashlib
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "helper"))
import ptgui  # noqa: E402
from ptgui import App, check, find, wait_for  # noqa: E402

GPU = "0000:01:00.0"
HELPER = os.path.join(ptgui.BUILD, "helper", "passthrough-helper")


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


def review_window(app):
    return find(app.node, None, "Review changes",
                pred=lambda a: ptgui.role_of(a) in ("frame", "dialog", "window"), timeout=20)


def choose_and_review(app):
    app.search(GPU)
    row = wait_for(lambda: next((r for r in app.device_rows() if ptgui.name_of(r).startswith(GPU + " ")), None),
                   10, what="the row of %s" % GPU)
    app.click(row)
    sw = find(app.window, "check box", "Pass through to virtual machines")
    ptgui.act(sw, "toggle")
    wait_for(lambda: ptgui.is_checked(sw), 10, what="the switch on")
    ptgui.act(find(app.window, "push button", "Review changes"), "click")
    dlg = review_window(app)
    wait_for(lambda: any("The helper computed this plan" in t for t in ptgui.labels(dlg)), 20,
             what="the helper's plan (labels: %s)" % ptgui.labels(dlg))
    return dlg


def apply_button(dlg):
    return find(dlg, "push button", pred=lambda a: ptgui.name_of(a).replace("_", "").endswith("Apply"))


def main():
    try:
        import dbusmock
        import helperfixture
    except ImportError as e:
        print("SKIP: %s" % e)
        sys.exit(77)
    if not os.access(HELPER, os.X_OK):
        print("SKIP: the helper is not built (%s)" % HELPER)
        sys.exit(77)

    class Bus(dbusmock.DBusTestCase):
        pass

    Bus.start_system_bus()
    system_bus = os.environ["DBUS_SYSTEM_BUS_ADDRESS"]
    try:
        for allowed in (True, False):
            polkitd, polkit_obj = Bus.spawn_server_template("polkitd", {}, stdout=subprocess.DEVNULL)
            import dbus
            polkit_obj.SetAllowed(dbus.Array(["com.example.Passthrough.configure"] if allowed else [], signature="s"))
            with tempfile.TemporaryDirectory() as tmp:
                root = os.path.join(tmp, "root")
                helperfixture.make_root(root)
                log = open(os.path.join(tmp, "helper.log"), "wb")
                env = dict(os.environ, PASSTHROUGH_ROOT=root, DBUS_SYSTEM_BUS_ADDRESS=system_bus,
                           PASSTHROUGH_COMMAND_WRAPPER=os.path.join(ptgui.SRC, "tests", "helper", "record-command.sh"),
                           PASSTHROUGH_TEST_LOG=os.path.join(tmp, "commands.log"), PASSTHROUGH_IDLE_TIMEOUT="60")
                helper = subprocess.Popen([HELPER], env=env, stdout=log, stderr=subprocess.STDOUT)
                before = tree_digest(root)
                app = App(env={"PASSTHROUGH_ROOT": root, "DBUS_SYSTEM_BUS_ADDRESS": system_bus})
                try:
                    check(ptgui.name_of(app.window).endswith("this machine"), "title %r" % ptgui.name_of(app.window))
                    dlg = choose_and_review(app)
                    wait_for(lambda: ptgui.is_sensitive(apply_button(dlg)), 10, what="Apply to be on")
                    app.screenshot("apply-review-%s" % ("allowed" if allowed else "denied"))
                    ptgui.act(apply_button(dlg), "click")
                    if allowed:
                        wait_for(lambda: "Restart to finish" in ptgui.labels(dlg), 60,
                                 what="“Restart to finish” (labels: %s)" % ptgui.labels(dlg))
                        app.screenshot("apply-done")
                        check(tree_digest(root) != before, "Apply said it was done but the root did not change")
                        ptgui.act(find(dlg, "push button", pred=lambda a: ptgui.name_of(a).replace("_", "").endswith("Close")),
                                  "click")
                        # The sidebar now says what the helper's GetStatus says.
                        wait_for(lambda: any(t.startswith("Restart to finish:") or "on vfio-pci, as configured" in t
                                             for t in ptgui.labels(app.window)), 20,
                                 what="the configured state in the sidebar")
                        app.screenshot("apply-status")
                        # Revert: the same review, then the helper undoes it all.
                        app.action("revert")
                        rdlg = find(app.node, None, "Undo everything",
                                    pred=lambda a: ptgui.role_of(a) in ("frame", "dialog", "window"), timeout=20)
                        undo = find(rdlg, "push button", pred=lambda a: ptgui.name_of(a).replace("_", "").endswith("Undo"))
                        wait_for(lambda: ptgui.is_sensitive(undo), 20,
                                 what="Undo to be on (labels: %s)" % ptgui.labels(rdlg))
                        wait_for(lambda: "/etc/default/grub" in ptgui.labels(rdlg), 10, what="the files revert touches")
                        app.screenshot("revert-review")
                        ptgui.act(undo, "click")
                        wait_for(lambda: "Restart to finish" in ptgui.labels(rdlg), 60,
                                 what="“Restart to finish” after the revert (labels: %s)" % ptgui.labels(rdlg))
                        check(tree_digest(root) == before, "Revert did not put /etc and /boot back as they were")
                    else:
                        wait_for(lambda: any("password was refused" in t for t in ptgui.labels(dlg)), 30,
                                 what="the refusal sentence (labels: %s)" % ptgui.labels(dlg))
                        app.screenshot("apply-denied")
                        check(tree_digest(root) == before, "a refused Apply changed the root")
                finally:
                    app.quit()
                    helper.terminate()
                    helper.wait(30)
                    log.close()
            polkitd.terminate()
            polkitd.wait(10)
    finally:
        Bus.tearDownClass()


if __name__ == "__main__":
    ptgui.run(main)
