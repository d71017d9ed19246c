#!/usr/bin/python3
"""Activating a device row shows its page: the group sentence names every
shares_group_with device by full address, the identical-IDs sentence names
every same_ids_as device, the boot GPU says so, and the pass-through switch
takes the slot's other functions along."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ptgui  # noqa: E402
from ptgui import App, check, find, wait_for  # noqa: E402

SNAPSHOT = os.path.join(ptgui.MACHINES, "two-gpus.json")


def page_labels(app):
    return ptgui.labels(app.window)


def label_containing(app, *parts):
    return wait_for(lambda: next((t for t in page_labels(app) if all(p in t for p in parts)), None), 10,
                    what="a label containing %s (labels: %s)" % (parts, page_labels(app)))


def switch(app):
    return find(app.window, "check box", "Pass through to virtual machines")


def main():
    data = ptgui.ctl_json("--snapshot", SNAPSHOT, "list")
    by_addr = {d["address"]: d for g in data["groups"] for d in g["devices"]}
    app = App("--snapshot", SNAPSHOT)
    try:
        # Shared group: the RTX 3090 at 0b:00.0 shares group 15 with the SATA controller.
        app.open_device("0000:0b:00.0")
        shares = by_addr["0000:0b:00.0"]["shares_group_with"]
        same = by_addr["0000:0b:00.0"]["same_ids_as"]
        check(shares and same, "the test machine lost its shared group or its twin card")
        label_containing(app, "shares group 15", *shares)
        label_containing(app, "same IDs", *same)
        app.screenshot("device-shared-group")

        # Identical IDs seen from the twin.
        app.open_device("0000:0d:00.1")
        label_containing(app, "same IDs", *by_addr["0000:0d:00.1"]["same_ids_as"])

        # The boot GPU.
        app.open_device("0000:0a:00.0")
        label_containing(app, "boot GPU")
        label_containing(app, "alone in group 14") if not by_addr["0000:0a:00.0"]["slot_functions"] else \
            label_containing(app, "0000:0a:00.1", "Takes")
        sw = switch(app)
        check(not ptgui.is_checked(sw), "the switch starts on")
        review = find(app.window, "push button", "Review changes")
        check(not ptgui.is_sensitive(review), "Review changes is on with nothing chosen")

        # The switch takes the slot's HDMI audio along.
        ptgui.act(sw, "toggle")
        wait_for(lambda: ptgui.is_checked(switch(app)), 10, what="the switch on")
        label_containing(app, "vfio-pci")
        wait_for(lambda: ptgui.is_sensitive(review), 10, what="Review changes to turn on")
        app.screenshot("device-boot-gpu-chosen")
        app.open_device("0000:0a:00.1")
        wait_for(lambda: ptgui.is_checked(switch(app)), 10, what="the audio function chosen along with its GPU")

        # And turning the audio function off drops the whole slot.
        ptgui.act(switch(app), "toggle")
        wait_for(lambda: not ptgui.is_checked(switch(app)), 10, what="the switch off")
        app.open_device("0000:0a:00.0")
        wait_for(lambda: not ptgui.is_checked(switch(app)), 10, what="the GPU dropped with its audio function")
        wait_for(lambda: not ptgui.is_sensitive(review), 10, what="Review changes to turn off again")

        # A bridge cannot be chosen.
        app.open_device("0000:00:01.2")
        # The header label may already match from the row; wait for the page itself.
        wait_for(lambda: not ptgui.is_sensitive(switch(app)), 10, what="a bridge's switch to be off")
        label_containing(app, "bridge")

        # A device that holds the root filesystem says so.
        app.open_device("0000:01:00.0")
        label_containing(app, "root filesystem", "host needs it")
        app.screenshot("device-holds-root")
    finally:
        app.quit()


ptgui.run(main)
