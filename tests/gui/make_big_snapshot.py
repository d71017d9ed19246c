#!/usr/bin/python3
"""make_big_snapshot.py N OUT.json: a synthetic machine with N PCI functions.

For the collapsed-tree GUI test and tests/bench/bench-app.sh. Deterministic:
the same N gives the same file. GPUs come with their HDMI audio function,
every eighth group is shared by two slots, and IDs repeat across cards so
"same IDs" shows up too.
"""
import json
import sys

KINDS = [
    ("030000", "10de", "2204", "NVIDIA Corporation", "GA102 [GeForce RTX 3090]", "VGA compatible controller", "nouveau"),
    ("010802", "144d", "a808", "Samsung Electronics Co Ltd", "NVMe SSD Controller SM981/PM981/PM983", "Non-Volatile memory controller", "nvme"),
    ("020000", "8086", "1539", "Intel Corporation", "I211 Gigabit Network Connection", "Ethernet controller", "igb"),
    ("0c0330", "1022", "149c", "Advanced Micro Devices, Inc. [AMD]", "Matisse USB 3.0 Host Controller", "USB controller", "xhci_hcd"),
    ("030000", "1002", "73ff", "Advanced Micro Devices, Inc. [AMD/ATI]", "Navi 23 [Radeon RX 6600/6600 XT/6600M]", "VGA compatible controller", "amdgpu"),
    ("010601", "1022", "7901", "Advanced Micro Devices, Inc. [AMD]", "FCH SATA Controller [AHCI mode]", "SATA controller", "ahci"),
]
AUDIO = {"10de": ("1aef", "GA102 High Definition Audio Controller"), "1002": ("ab28", "Navi 21/23 HDMI/DP Audio Controller")}


def device(address, cls, vendor, dev, vname, dname, cname, driver):
    return {"address": address, "vendor": vendor, "device": dev, "class": cls, "revision": "00",
            "vendor_name": vname, "device_name": dname, "class_name": cname, "driver": driver}


def make(n):
    groups = []
    count = 0
    slot = 0
    gid = 0
    first_gpu = True
    while count < n:
        bus_a = 1 + slot // 32
        dev_a = slot % 32
        slot += 1
        cls, vendor, did, vname, dname, cname, driver = KINDS[slot % len(KINDS)]
        address = "0000:%02x:%02x.0" % (bus_a, dev_a)
        devs = [device(address, cls, vendor, did, vname, dname, cname, driver)]
        if cls == "030000" and first_gpu:
            devs[0]["boot_vga"] = True
            first_gpu = False
        if cls == "030000" and count + 2 <= n:
            aid, aname = AUDIO[vendor]
            devs.append(device("0000:%02x:%02x.1" % (bus_a, dev_a), "040300", vendor, aid, vname, aname,
                               "Audio device", "snd_hda_intel"))
        if gid % 8 == 7 and count + len(devs) < n:
            # a second slot in the same group: a shared group
            bus_b = 1 + slot // 32
            dev_b = slot % 32
            slot += 1
            c2 = KINDS[(slot + 3) % len(KINDS)]
            devs.append(device("0000:%02x:%02x.0" % (bus_b, dev_b), *c2))
        devs = devs[: n - count]
        groups.append({"id": gid, "devices": devs})
        count += len(devs)
        gid += 1
    return {"format": 1, "cpu_vendor": "amd", "cmdline": "BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro",
            "kernel_release": "6.1.0-13-amd64", "iommu": {"enabled": True, "vendor": "amd"},
            "groups": groups, "ungrouped": []}


if __name__ == "__main__":
    n = int(sys.argv[1])
    with open(sys.argv[2], "w") as f:
        json.dump(make(n), f, indent=1)
        f.write("\n")
