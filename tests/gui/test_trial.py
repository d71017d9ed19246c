#!/usr/bin/python3
"""The safe first boot from the window, through the real helper on a
private system bus (dbusmock's polkitd) and a fixture root: Apply with the
trial (on by default) ends in the exact words a frightened person needs and
leaves the default boot entry alone; the sidebar says "restart to try";
after a simulated trial start it shows per device whether it is on vfio-pci
and whether the host kept its screen, and "Keep this setup" makes it the
default (after a refused password that changed nothing); a later start
where a device's own driver came first says which and why. Then a trial that fell back: the next start of the app says what
happened and offers Undo and Try again; Try again arms the trial again, and
Undo gives everything back."""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import helperbus  # noqa: E402
import ptgui  # noqa: E402
from ptgui import button, check, find, top_window, wait_for  # noqa: E402

GPU, AUDIO = "0000:01:00.0", "0000:01:00.1"
# the review's last page, under its title "Restart to try the new setup"
AFTER_APPLY = ("The next start uses the new setup once. If the screen stays dark or the machine does not start, "
               "just restart again: it will come back as it is now.")
# the sidebar's words for an armed trial
ARMED = ("Restart to try the new setup. If the screen stays dark or the machine does not start, "
         "just restart again: it will come back as it is now.")


def review(app):
    app.choose(GPU)
    ptgui.act(find(app.window, "push button", "Review changes"), "click")
    return top_window(app, "Review changes")


def trial_args(machine):
    """The kernel arguments of the trial entry, as GRUB would boot them."""
    cfg = machine.read("boot/grub/custom.cfg")
    linux = re.search(r"^\s*linux\s+(.*)$", cfg, re.M)
    check(linux is not None, "no linux line in the trial entry:\n" + cfg)
    return " ".join(w for w in linux.group(1).split() if w not in machine.cmdline.split() and not w.startswith("/"))


def apply_trial(app, dlg, shot, shown="/boot/grub/custom.cfg"):
    trial = find(dlg, "check box", "Try it once first (recommended)")
    check(ptgui.is_checked(trial), "the trial is not on by default")
    wait_for(lambda: shown in ptgui.labels(dlg), 20,
             what="%r in the plan (labels: %s)" % (shown, ptgui.labels(dlg)))
    wait_for(lambda: ptgui.is_sensitive(button(dlg, "Set Up")), 10, what="Set Up to be on")
    app.screenshot(shot + "-review")
    ptgui.act(button(dlg, "Set Up"), "click")
    wait_for(lambda: AFTER_APPLY in ptgui.labels(dlg), 60, what="the after-apply words (labels: %s)" % ptgui.labels(dlg))
    app.screenshot(shot + "-done")
    ptgui.act(button(dlg, "Close"), "click")


def main():
    with helperbus.system_bus(helperbus.CONFIGURE) as bus:
        # ---- armed, booted, kept -----------------------------------------
        with helperbus.machine(bus) as m:
            grub_before = m.read("etc/default/grub")
            with helperbus.running(m.app()) as app:
                apply_trial(app, review(app), "trial")
                check(m.read("etc/default/grub") == grub_before, "the trial changed the default entry")
                check("Passthrough trial" in m.read("boot/grub/custom.cfg"), "no trial entry in custom.cfg")
                app.says(ARMED)
                app.screenshot("trial-armed")

            # The trial start: GRUB booted the one-shot entry, vfio-pci took the slot.
            args = trial_args(m)
            m.boot("7f2e-trial", args)
            m.set_driver(GPU, "vfio-pci")
            m.set_driver(AUDIO, "vfio-pci")
            with helperbus.running(m.app()) as app:
                app.says("This is the trial start of the new setup")
                app.says("✓ %s is on vfio-pci." % GPU)
                app.says("✓ %s is on vfio-pci." % AUDIO)
                app.says("✓ The host still has its screen.")
                # The decision comes as a dialog of its own, with the
                # per-device result: "Keep this setup" suggested, "Undo" plain.
                ask = top_window(app, "Keep This Setup?")
                wait_for(lambda: any("✓ %s is on vfio-pci." % GPU in t for t in ptgui.labels(ask)), 10,
                         what="the per-device result in the dialog (labels: %s)" % ptgui.labels(ask))
                button(ask, "Undo")
                app.screenshot("trial-booted")
                # A refused password keeps the trial as it is, and says so.
                bus.allow()
                grub_trial = m.read("etc/default/grub")
                ptgui.act(button(ask, "Keep this setup"), "click")
                app.says("The password was refused or the authentication was cancelled. Nothing was changed.")
                app.screenshot("trial-keep-denied")
                check(m.read("etc/default/grub") == grub_trial, "a refused Keep changed /etc/default/grub")
                check(os.path.exists(m.path("boot/grub/custom.cfg")), "a refused Keep removed the trial entry")
                bus.allow(helperbus.CONFIGURE)
                ptgui.act(button(app.window, "Keep this setup"), "click")
                app.says("Kept: the new setup is now the normal start of this machine.", 60)
                app.says("2 devices are on vfio-pci, as configured.")
                app.screenshot("trial-kept")
                check("vfio-pci.ids=10de:2184,10de:1aeb" in m.read("etc/default/grub"),
                      "Keep this setup did not make the arguments the default:\n" + m.read("etc/default/grub"))
                kept = m.read("boot/grub/custom.cfg")
                check("Passthrough trial" not in kept, "the trial entry is still there:\n" + kept)
                check("without passthrough" in kept, "Keep left no way back in the boot menu:\n" + kept)

            # A later start where the audio function's own driver came first:
            # the sidebar names it and says why, in the helper's words.
            m.boot("41c8-later", args)
            m.set_driver(AUDIO, "snd_hda_intel")
            with helperbus.running(m.app()) as app:
                app.says("Not as configured: %s is on snd_hda_intel, not vfio-pci." % AUDIO)
                app.says("snd_hda_intel took it before vfio-pci could: the initramfs may be older than the setup. "
                         "Regenerate the initramfs and restart.")
                app.screenshot("applied-not-bound")

        # ---- armed, fell back: undo or try again -------------------------
        with helperbus.machine(bus) as m:
            grub_before = m.read("etc/default/grub")
            with helperbus.running(m.app()) as app:
                apply_trial(app, review(app), "fallback")
            # The trial start never came up; the start after it was the old default.
            m.boot("0b1c-fell-back")
            with helperbus.running(m.app()) as app:
                app.says("did not finish, so the machine came back as it was")
                app.screenshot("trial-fell-back")
                button(app.window, "Undo")
                ptgui.act(button(app.window, "Try again"), "click")
                dlg = top_window(app, "Review changes")
                # Everything is in place already: only the one-shot choice again.
                apply_trial(app, dlg, "try-again", shown="grub-reboot 'Passthrough trial'")
                app.says(ARMED)
                # and now Undo, through the same review as the menu's
                ptgui.act(button(app.window, "Undo"), "click")
                rdlg = top_window(app, "Undo everything")
                undo = button(rdlg, "Undo")
                wait_for(lambda: ptgui.is_sensitive(undo), 20, what="Undo to be on (labels: %s)" % ptgui.labels(rdlg))
                ptgui.act(undo, "click")
                wait_for(lambda: "Restart to finish" in ptgui.labels(rdlg), 60,
                         what="the end of the undo (labels: %s)" % ptgui.labels(rdlg))
                check(m.read("etc/default/grub") == grub_before, "Undo changed /etc/default/grub")
                check(not os.path.exists(m.path("boot/grub/custom.cfg")) or
                      "Passthrough trial" not in m.read("boot/grub/custom.cfg"), "Undo left the trial entry")
                ptgui.act(button(rdlg, "Close"), "click")
                wait_for(lambda: not any("Restart to try" in t for t in ptgui.labels(app.window)), 20,
                         what="the trial gone from the sidebar")


ptgui.run(main)
