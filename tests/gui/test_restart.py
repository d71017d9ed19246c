#!/usr/bin/python3
"""The review's main button says what happens, through the real helper on a
private system bus: with a session manager (tests/gui/sessionmanager.py
playing org.gnome.SessionManager on the test's own session bus) that says it
can restart, the button reads "Set Up and Restart…", and after the setup a
"Restart Now" button asks the session manager to restart exactly once per
press (never by itself); with one that says it cannot, or with none at all,
the button reads "Set Up" and no restart is offered."""
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import helperbus  # noqa: E402
import ptgui  # noqa: E402
from ptgui import check, find, top_window, wait_for  # noqa: E402

GPU = "0000:01:00.0"
AFTER_APPLY = "Restart to try the new setup"


def main_button(dlg):
    """The review's end button: the one that is neither Cancel nor Close."""
    return find(dlg, "push button", pred=lambda a: ptgui.name_of(a).replace("_", "").startswith("Set Up"))


def main_label(dlg):
    # GTK 4.8 may give a mnemonic button its label twice: "_Set Up Set Up".
    name = ptgui.name_of(main_button(dlg)).replace("_", "")
    half = len(name) // 2
    return name[half + 1:] if name[:half] == name[half + 1:] else name


def restart_buttons(dlg):
    return ptgui.find_all(dlg, "push button", lambda a: ptgui.name_of(a).replace("_", "").endswith("Restart Now"))


def review(app):
    app.choose(GPU)
    ptgui.act(find(app.window, "push button", "Review changes"), "click")
    dlg = top_window(app, "Review changes")
    wait_for(lambda: any("The helper computed this plan" in t for t in ptgui.labels(dlg)), 30,
             what="the helper's plan (labels: %s)" % ptgui.labels(dlg))
    wait_for(lambda: ptgui.is_sensitive(main_button(dlg)), 20, what="the main button to be on")
    return dlg


def reboots(calls):
    try:
        with open(calls) as f:
            return f.read().count("Reboot")
    except FileNotFoundError:
        return 0


class SessionManager:
    def __init__(self, calls, *args):
        self.proc = subprocess.Popen([sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                                   "sessionmanager.py"), calls, *args],
                                     stdout=subprocess.PIPE, text=True)
        check(self.proc.stdout.readline().strip() == "ready", "the stand-in session manager did not start")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


def main():
    tmp = tempfile.mkdtemp()
    calls = os.path.join(tmp, "calls")
    with helperbus.system_bus(helperbus.CONFIGURE) as bus:
        # ---- a session manager that can restart ---------------------------
        sm = SessionManager(calls)
        try:
            with helperbus.machine(bus) as m, helperbus.running(m.app()) as app:
                dlg = review(app)
                wait_for(lambda: main_label(dlg) == "Set Up and Restart…", 10,
                         what="“Set Up and Restart…” (the button says %r)" % main_label(dlg))
                check(not restart_buttons(dlg), "a Restart Now button before the setup")
                app.screenshot("restart-review")
                ptgui.act(main_button(dlg), "click")
                wait_for(lambda: any(t.startswith(AFTER_APPLY) for t in ptgui.labels(dlg)), 60,
                         what="the after-apply words (labels: %s)" % ptgui.labels(dlg))
                restart = wait_for(lambda: (restart_buttons(dlg) or [None])[0], 10, what="the Restart Now button")
                app.screenshot("restart-done")
                check(reboots(calls) == 0, "the setup restarted by itself, before the person read the result")
                ptgui.act(restart, "click")
                wait_for(lambda: reboots(calls) == 1, 10, what="one Reboot call to the session manager")
                # The reply turns the button on again; still exactly one call.
                wait_for(lambda: ptgui.is_sensitive(restart), 10, what="Restart Now on again")
                time.sleep(0.5)
                check(reboots(calls) == 1, "Restart Now called Reboot %d times" % reboots(calls))
        finally:
            sm.stop()

        # ---- a session manager that says it cannot restart: "Set Up" -----
        sm = SessionManager(calls, "--cannot")
        try:
            with helperbus.machine(bus) as m, helperbus.running(m.app()) as app:
                dlg = review(app)
                check(main_label(dlg) == "Set Up", "the button says %r with a session manager that cannot restart"
                      % main_label(dlg))
        finally:
            sm.stop()

        # ---- no session manager at all: "Set Up", and no Restart Now ------
        with helperbus.machine(bus) as m, helperbus.running(m.app()) as app:
            dlg = review(app)
            check(main_label(dlg) == "Set Up", "the button says %r without a session manager" % main_label(dlg))
            ptgui.act(main_button(dlg), "click")
            wait_for(lambda: any(t.startswith(AFTER_APPLY) for t in ptgui.labels(dlg)), 60,
                     what="the after-apply words (labels: %s)" % ptgui.labels(dlg))
            app.screenshot("restart-none-done")
            check(not restart_buttons(dlg), "Restart Now without a session manager to restart with")
        check(reboots(calls) == 1, "Reboot was called without a press")


if __name__ == "__main__":
    ptgui.run(main)
