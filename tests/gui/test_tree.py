#!/usr/bin/python3
"""The sidebar tree shows the same groups and devices as `passthroughctl
list --json` for the same snapshot, and search narrows it by address, name
fragment, vvvv:dddd, driver and group — also inside collapsed groups."""
import glob
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ptgui  # noqa: E402
from ptgui import App, check, wait_for  # noqa: E402


def display_name(d):
    # pt_device_dup_display_name: device name, else class name, else the IDs.
    return d.get("device_name") or d.get("class_name") or "Device %s:%s" % (d["vendor"], d["device"])


def rows_in_order(app):
    seen = {}
    for r in app.group_rows() + app.device_rows():
        y = ptgui.Atspi.Component.get_extents(r, ptgui.Atspi.CoordType.WINDOW).y
        name = ptgui.name_of(r)
        key = " ".join(name.split(" ")[:3]) if name.startswith("IOMMU group") else name.split(" ", 1)[0]
        seen[key] = min(y, seen.get(key, y))
    return [k for k, _ in sorted(seen.items(), key=lambda kv: kv[1])]


def shown_addresses(app):
    return sorted({ptgui.name_of(r).split(" ", 1)[0] for r in app.device_rows()})


def expect_rows(app, query, expected, shot=None):
    app.search(query)
    wait_for(lambda: shown_addresses(app) == sorted(expected), 10,
                   what="rows for %r to be %s (now %s)" % (query, sorted(expected), shown_addresses(app)))
    if shot:
        app.screenshot(shot)


def gpu_rank(group):
    gpus = [d for d in group["devices"] if d["kind"] == "gpu" and not d["physfn"]]
    if any(not d["boot_vga"] for d in gpus):
        return 0
    return 1 if gpus else 2


def gpus_first(groups):
    return sorted(groups, key=gpu_rank)   # stable: passthroughctl's order within each rank


def check_snapshot(path, per_device_limit, shot, title=None):
    data = ptgui.ctl_json("--snapshot", path, "list")
    devices = [(g["id"], d) for g in data["groups"] for d in g["devices"]]
    app = App("--snapshot", path)
    try:
        # a snapshot by its file; a bundled demo by its machine
        title = title or os.path.basename(path)
        check(title in ptgui.name_of(app.window), "window title %r does not name the snapshot (%r)"
              % (ptgui.name_of(app.window), title))
        if len(devices) <= 256:
            # Machines up to 256 devices start expanded. The rows on screen, top to
            # bottom, are the start of passthroughctl's order with the groups
            # of GPUs first (those that can go, then the host's screen): each
            # group, then its devices.
            want = []
            for g in gpus_first(data["groups"]):
                want.append("IOMMU group %d" % g["id"])
                want += [d["address"] for d in g["devices"]]
            got = wait_for(lambda: (lambda r: r if len(r) >= 6 else None)(rows_in_order(app)), 10, what="rows on screen")
            check(got == want[:len(got)], "rows on screen %s are not the start of %s" % (got, want))
            app.screenshot(shot)
        step = max(1, len(devices) // per_device_limit)
        for gid, d in devices[::step]:
            # Only ~200 rows exist at once: narrow to the device first.
            app.search(d["address"])
            label = "%s %s" % (d["address"], display_name(d))
            wait_for(lambda: next((r for r in app.device_rows() if ptgui.name_of(r).startswith(label)), None), 10,
                     what="a row labelled %r" % label)
            # The row can show before the filter has dropped the others: wait
            # for the list to settle rather than reading it once.
            wait_for(lambda: len(app.device_rows()) == 1, 10,
                     what="searching %s to show one device row (now %d)" % (d["address"], len(app.device_rows())))
            wait_for(lambda: (lambda gs: len(gs) == 1 and (gs[0] + " ").startswith("IOMMU group %d " % gid))(
                         [ptgui.name_of(g) for g in app.group_rows()]), 10,
                     what="device %s under IOMMU group %d only (now %s)"
                          % (d["address"], gid, [ptgui.name_of(g) for g in app.group_rows()]))
    finally:
        app.quit()


def main():
    check_snapshot(os.path.join(ptgui.MACHINES, "two-gpus.json"), 40, "tree-two-gpus")
    for demo in sorted(glob.glob(os.path.join(ptgui.SRC, "data", "demo", "*.json")))[:3]:
        check_snapshot(demo, 8, "tree-demo-" + os.path.basename(demo)[:-5], title="demo: ")

    # Searches on the two-GPU machine, by each thing a person might type.
    app = App("--snapshot", os.path.join(ptgui.MACHINES, "two-gpus.json"))
    try:
        expect_rows(app, "0000:0b:00", ["0000:0b:00.0", "0000:0b:00.1"])
        expect_rows(app, "0b:00.1", ["0000:0b:00.1"])
        expect_rows(app, "rtx 3090", ["0000:0b:00.0", "0000:0d:00.0"], shot="search-name")
        expect_rows(app, "10de:1aef", ["0000:0b:00.1", "0000:0d:00.1"], shot="search-ids")
        expect_rows(app, "snd_hda_intel", ["0000:0a:00.1", "0000:0b:00.1"])
        expect_rows(app, "vfio-pci", ["0000:0d:00.0", "0000:0d:00.1"])
        expect_rows(app, "group 15", ["0000:00:01.2", "0000:0b:00.0", "0000:0b:00.1", "0000:0c:00.0"])
        expect_rows(app, "no such device", [])
        ptgui.find(app.window, "label", "No Matching Devices")
        app.screenshot("search-nothing")
        # The filter: only GPUs.
        app.search("")
        app.action("filter", "<'gpus'>")
        wait_for(lambda: shown_addresses(app) == ["0000:0a:00.0", "0000:0b:00.0", "0000:0d:00.0"], 10, what="only GPUs")
        app.screenshot("filter-gpus")
        # Not the default-route NIC (05:00.0), the boot GPU nor its audio
        # (0a:00.x), the NVMe of / (01:00.0), group 15's cards (0b, 0c).
        app.action("filter", "<'passable'>")
        wait_for(lambda: shown_addresses(app) == ["0000:06:00.0", "0000:0d:00.0", "0000:0d:00.1"], 10,
                 what="only what can be passed through (now %s)" % shown_addresses(app))
        app.action("filter", "<'all'>")
    finally:
        app.quit()

    # A large machine starts collapsed; search still finds devices inside.
    with tempfile.TemporaryDirectory() as tmp:
        big = os.path.join(tmp, "big.json")
        subprocess.run([sys.executable, os.path.join(os.path.dirname(__file__), "make_big_snapshot.py"), "300", big],
                       check=True, timeout=60)
        app = App("--snapshot", big)
        try:
            check(app.device_rows() == [], "a 300-device machine should start with its groups collapsed")
            data = ptgui.ctl_json("--snapshot", big, "list")
            want = sorted(d["address"] for g in data["groups"] for d in g["devices"] if "0000:05:1f" in d["address"])
            check(len(want) == 2, "the generated machine has no GPU at 0000:05:1f")
            expect_rows(app, "0000:05:1f", want, shot="search-collapsed")

            # A click on a group's row opens it, and a second closes it; the
            # row says whether it is open.
            app.search("")
            first = gpus_first(data["groups"])[0]
            inside = [d["address"] for d in first["devices"]]
            title = "IOMMU group %d " % first["id"]

            def group_row():
                return next((g for g in app.group_rows() if ptgui.name_of(g).startswith(title)), None)
            wait_for(lambda: app.device_rows() == [] and group_row() is not None, 10,
                     what="the collapsed tree again, with the row of %s" % title.strip())
            check(not ptgui.has_state(group_row(), ptgui.Atspi.StateType.EXPANDED), "%s says it is open" % title.strip())
            app.click(group_row())
            wait_for(lambda: shown_addresses(app) == sorted(inside), 10,
                     what="the devices of %s after a click (now %s)" % (title.strip(), shown_addresses(app)))
            check(ptgui.has_state(group_row(), ptgui.Atspi.StateType.EXPANDED), "%s does not say it is open" % title.strip())
            app.screenshot("tree-group-opened")
            app.click(group_row())
            wait_for(lambda: app.device_rows() == [], 10, what="%s closed after a second click" % title.strip())
        finally:
            app.quit()


ptgui.run(main)
