#!/usr/bin/python3
"""Each trap the core finds (docs/machine-knowledge.md) on its device page,
in the same words as `passthroughctl check --json`, with its fixes: on a
fixture root of slots-z690 with the files the kernel would show added
(BOOTFB in proc/iomem and a resizable BAR on the RTX 4090, d3cold_allowed
and a process holding the GTX 1050's render node, QEMU in the DMI), on
gpu-chipset-group (an RX 580: reset-bug), on a guest without an IOMMU
(the no-IOMMU page says: the host, or a vIOMMU) and on one with a vIOMMU
(the Four Steps page says it first). An option fix's button
chooses the card and opens the review with the option on, whose plan then
carries it; the last-GPU blocker's allow-last-gpu is a switch in it."""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ptgui  # noqa: E402
from ptgui import App, check, find, top_window, wait_for  # noqa: E402

FIXTURES = os.path.join(ptgui.SRC, "tests", "fixtures")
RTX, GTX, RX580 = "0000:01:00.0", "0000:04:00.0", "0000:07:00.0"


def make_root(tmp, machine):
    root = os.path.join(tmp, machine)
    subprocess.run(["/usr/bin/python3", os.path.join(FIXTURES, "make-sysfs.py"),
                    os.path.join(FIXTURES, "machines", machine + ".machine"), root],
                   check=True, timeout=120, stdout=subprocess.DEVNULL)
    return root


def write(root, rel, text):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def device_dir(root, address):
    return os.path.realpath(os.path.join(root, "sys/bus/pci/devices", address))


def add_traps(root):
    """The files of tests/cli/test_traps.py, all on one machine."""
    write(root, "proc/iomem", "6000000000-600fffffff : PCI Bus 0000:01\n"
                              "  6000000000-600fffffff : 0000:01:00.0\n"
                              "    6000000000-60002fffff : BOOTFB\n")
    write(root, os.path.join(device_dir(root, RTX), "resource1_resize"), "0000000000007fc0\n")
    write(root, os.path.join(device_dir(root, RTX), "resource"),
          "0x0000000084000000 0x0000000084ffffff 0x0000000000040200\n"
          "0x0000006000000000 0x000000600fffffff 0x000000000014220c\n"
          + "0x0000000000000000 0x0000000000000000 0x0000000000000000\n" * 11)
    write(root, os.path.join(device_dir(root, GTX), "d3cold_allowed"), "1\n")
    os.makedirs(os.path.join(device_dir(root, GTX), "drm", "renderD129"))
    write(root, "proc/4242/comm", "glxgears\n")
    os.makedirs(os.path.join(root, "proc/4242/fd"))
    os.symlink("/dev/dri/renderD129", os.path.join(root, "proc/4242/fd/3"))
    write(root, "sys/class/dmi/id/sys_vendor", "QEMU\n")


def traps_of(root, address):
    r = subprocess.run([ptgui.CTL, "--root", root, "check", "--json"], capture_output=True, text=True, timeout=60)
    check(r.returncode in (0, 1), "check failed: %s" % r.stderr)
    return [t for t in json.loads(r.stdout)["traps"] if not t["devices"] or address in t["devices"]]


def all_shown(root, texts, timeout=30):
    """Wait until every one of TEXTS is a label under ROOT (one walk a try)."""
    def look():
        labels = ptgui.labels(root)
        return labels if all(any(t in label for label in labels) for t in texts) else None
    return wait_for(look, timeout, what="%s in the window (labels: %s)" % (texts, ptgui.labels(root)))


def shows_traps(app, root, address, codes):
    """Every trap of ADDRESS (and of the machine), sentence and fixes, as check says them."""
    traps = traps_of(root, address)
    check(sorted(t["code"] for t in traps) == sorted(codes), "check's traps of %s: %s" % (address, traps))
    app.open_device(address)
    texts = ["Known traps"]
    for t in traps:
        texts.append(t["message"])
        texts += ["%d. %s" % (i + 1, fix["text"]) for i, fix in enumerate(t["fixes"])]
    labels = all_shown(app.window, texts)
    check(labels.count("Known traps") == 1, "one heading: %s" % labels)
    for t in traps:
        for fix in t["fixes"]:
            if fix["option"] is not None:
                find(app.window, "push button", "Use this option: " + fix["text"])
    return traps


def main():
    with tempfile.TemporaryDirectory() as tmp:
        root = make_root(tmp, "slots-z690")
        add_traps(root)
        app = App("--root", root)
        try:
            # the RTX 4090: its BARs hold the boot framebuffer; a resizable BAR (information)
            traps = shows_traps(app, root, RTX, ["boot-framebuffer", "rebar", "virtual-machine"])
            check(any("BAR can" in t["message"] for t in traps), "the BOOTFB sentence changed: %s" % traps)
            app.screenshot("traps-boot-framebuffer")
            # the GTX 1050: d3cold and in use by a named process
            traps = shows_traps(app, root, GTX, ["d3cold", "in-use", "virtual-machine"])
            check(any("in use by glxgears (pid 4242)" in t["message"] for t in traps), "the holder: %s" % traps)
            app.screenshot("traps-d3cold-in-use")

        finally:
            app.quit()


def main_option():
    with tempfile.TemporaryDirectory() as tmp:
        root = make_root(tmp, "slots-z690")
        add_traps(root)
        app = App("--root", root)
        try:
            # the option fix: the card chosen, the review with the option on and in its plan
            app.open_device(GTX)
            [d3] = [t for t in traps_of(root, GTX) if t["code"] == "d3cold"]
            fix = d3["fixes"][0]
            check(fix["option"] == {"key": "disable-idle-d3", "value": True}, "the d3cold fix: %s" % fix)
            ptgui.act(find(app.window, "push button", "Use this option: " + fix["text"]), "click")
            dlg = top_window(app, "Review changes", timeout=90)   # planned here first: slow on a loaded machine
            # the fix unfolds the kernel options it set
            sw = find(dlg, "check box", "Keep idle devices out of D3cold (disable_idle_d3=1)", timeout=30)
            wait_for(lambda: ptgui.is_checked(sw), 10, what="the option on in the review")
            # in the diff of the modprobe file, not only in the switch's title
            wait_for(lambda: any("+options vfio-pci disable_idle_d3=1" in t for t in ptgui.labels(dlg)), 30,
                     what="the option in the plan's files (labels: %s)" % ptgui.labels(dlg))
            wait_for(lambda: not any(d3["message"] == t for t in ptgui.labels(dlg)), 10,
                     what="the d3cold warning gone from the plan with its fix")
            check(ptgui.is_checked(find(app.window, "check box", "Pass through to virtual machines")),
                  "the option fix did not choose the card")
            app.screenshot("traps-option-in-review")
        finally:
            app.quit()


def main_machine():
    with tempfile.TemporaryDirectory() as tmp:
        # reset-bug: an RX 580 without vendor-reset
        root = make_root(tmp, "gpu-chipset-group")
        app = App("--root", root)
        try:
            shows_traps(app, root, RX580, ["reset-bug"])
            app.screenshot("traps-reset-bug")
            # both GPUs: the last-gpu blocker, its allow-last-gpu fix a switch in the blocker
            app.choose(RX580)
            app.choose("0000:05:00.0")
            # a card without traps has no heading
            app.says("shares group 15")
            check("Known traps" not in ptgui.labels(app.window), "a heading without traps")
            ptgui.act(find(app.window, "push button", "Review changes"), "click")
            dlg = top_window(app, "Review changes", timeout=90)
            allow = find(dlg, "check box", pred=lambda a: ptgui.name_of(a).startswith("Allow it (--allow-last-gpu)"),
                         timeout=60)
            check(not ptgui.is_checked(allow), "the switch starts on")
            app.screenshot("traps-last-gpu-switch")
            ptgui.act(allow, "toggle")
            # the same option as the one in the Advanced area, unfolded now that it is on
            def option_on():
                option = ptgui.find_all(dlg, "check box", only_visible=False,
                                        pred=lambda a: ptgui.name_of(a) == "Allow the host's last GPU (headless host)")
                return option and ptgui.is_checked(option[0])
            wait_for(option_on, 30, what="the option on in the review")
            wait_for(lambda: not any(t.startswith("Allow it (--allow-last-gpu)") for t in ptgui.labels(dlg)), 60,
                     what="the blocker gone with the option (labels: %s)" % ptgui.labels(dlg))
        finally:
            app.quit()


def main_vm():
    with tempfile.TemporaryDirectory() as tmp:
        # a guest without an IOMMU: the host, or a vIOMMU; not firmware menus
        root = make_root(tmp, "no-iommu")
        with open(os.path.join(root, "proc/cpuinfo")) as f:
            cpuinfo = f.read()
        check("flags\t\t: fpu" in cpuinfo, "the no-iommu fixture's cpuinfo changed")
        write(root, "proc/cpuinfo", cpuinfo.replace("flags\t\t: fpu", "flags\t\t: fpu hypervisor"))
        app = App("--root", root)
        try:
            find(app.window, "label", "This is a virtual machine without an IOMMU", timeout=15)
            app.says("give this VM a vIOMMU")
            check(not any("firmware setup" in t for t in ptgui.labels(app.window)), "firmware menus for a guest")
            app.screenshot("traps-virtual-machine-no-iommu")
        finally:
            app.quit()

        # a guest with a vIOMMU (the vm suite's q35, QEMU in its DMI): the
        # first screen says so above the four steps, as check does
        root = make_root(tmp, "qemu-q35")
        write(root, "sys/class/dmi/id/sys_vendor", "QEMU\n")
        vm = [t for t in traps_of(root, "") if t["code"] == "virtual-machine"]
        check(len(vm) == 1 and len(vm[0]["fixes"]) == 1, "check's traps of the guest: %s" % vm)
        app = App("--root", root)
        try:
            find(app.window, "list", "Four steps", timeout=15)
            all_shown(app.window, ["%s %s" % (vm[0]["message"], vm[0]["fixes"][0]["text"])])
            find(app.window, "image", "Warning")
            app.screenshot("traps-virtual-machine-four-steps")
        finally:
            app.quit()


# four parts, four meson tests (gui-traps-page, gui-traps-option,
# gui-traps-machine, gui-traps-vm): each fits the runner's time on a loaded machine
if __name__ == "__main__":
    ptgui.run({"option": main_option, "machine": main_machine, "vm": main_vm}.get(sys.argv[1] if sys.argv[1:] else "", main))
