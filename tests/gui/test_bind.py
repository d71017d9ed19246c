#!/usr/bin/python3
"""Bind and Unbind from the device page, through the real helper on a
private system bus with dbusmock's polkitd and a fixture root: allowed, the
GPU and its audio function get driver_override=vfio-pci and then lose it
again, and the page says so; the helper's own refusal (a GPU with a display
connected) is the sentence in the window and changes nothing; a refused
password says so and changes nothing; with --root the buttons are off and
the page says why."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import helperbus  # noqa: E402
import ptgui  # noqa: E402
from ptgui import button, check, find  # noqa: E402

GPU, AUDIO = "0000:01:00.0", "0000:01:00.1"
DISPLAY_GPU = "0000:04:00.0"


def overrides(m):
    return [m.read("sys/bus/pci/devices/%s/driver_override" % a) for a in (GPU, AUDIO)]


def main():
    # ---- allowed: bind, unbind, and a refusal by the helper -----------
    with helperbus.system_bus(helperbus.BIND) as bus:
        with helperbus.machine(bus) as m, helperbus.running(m.app()) as app:
            app.open_device(GPU)
            # The runtime bind is an expert control, in the page's Advanced area.
            app.click(find(app.window, None, "Advanced", pred=lambda a: ptgui.role_of(a) != "label"))
            ptgui.act(button(app.window, "Hand to vfio-pci now"), "click")
            app.says("are on vfio-pci now, ready for a virtual machine")
            app.screenshot("bind-done")
            check(overrides(m) == ["vfio-pci\n", "vfio-pci\n"], "driver_override after Bind: %r" % overrides(m))
            check(m.read("sys/bus/pci/drivers/nouveau/unbind") == GPU + "\n", "the GPU was not taken from nouveau")

            ptgui.act(button(app.window, "Give back to the host"), "click")
            app.says("are back with their own drivers")
            check(overrides(m) == ["\n", "\n"], "driver_override after Unbind: %r" % overrides(m))

            before = m.read("sys/bus/pci/devices/%s/driver_override" % DISPLAY_GPU)
            app.open_device(DISPLAY_GPU)
            ptgui.act(button(app.window, "Hand to vfio-pci now"), "click")
            refusal = app.says("The helper refused:")
            check("display connected" in refusal and "Nothing was changed." in refusal,
                  "the refusal does not say why: %r" % refusal)
            app.screenshot("bind-refused")
            check(m.read("sys/bus/pci/devices/%s/driver_override" % DISPLAY_GPU) == before,
                  "a refused Bind changed driver_override")

        # ---- denied by polkit ------------------------------------------
        bus.allow()
        with helperbus.machine(bus) as m:
            with helperbus.running(m.app()) as app:
                app.open_device(GPU)
                app.click(find(app.window, None, "Advanced", pred=lambda a: ptgui.role_of(a) != "label"))
                ptgui.act(button(app.window, "Hand to vfio-pci now"), "click")
                app.says("The password was refused")
                app.screenshot("bind-denied")
                check(overrides(m) == ["(null)\n", "(null)\n"], "a denied Bind changed driver_override: %r" % overrides(m))

            # ---- another root: inspect only -----------------------------
            with helperbus.running(ptgui.App("--root", m.root, env={"DBUS_SYSTEM_BUS_ADDRESS": bus.address})) as app:
                app.open_device(GPU)
                app.click(find(app.window, None, "Advanced", pred=lambda a: ptgui.role_of(a) != "label"))
                app.says("Binding is off here.")
                check(not ptgui.is_sensitive(button(app.window, "Hand to vfio-pci now")), "Bind is on for another root")
                check(not ptgui.is_sensitive(button(app.window, "Give back to the host")), "Unbind is on for another root")
                app.screenshot("bind-inspect-only")


ptgui.run(main)
