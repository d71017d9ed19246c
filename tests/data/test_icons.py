#!/usr/bin/python3
"""The app icons exist, are SVG, and the symbolic ones are 16×16 and use a
single colour (GTK recolours symbolic icons; a second colour would stay)."""
import os
import re
import sys
import xml.etree.ElementTree as ET

src = sys.argv[1]
icons = [os.path.join(src, "data", "app", "icons", "com.example.Passthrough.svg"),
         os.path.join(src, "data", "app", "icons", "com.example.Passthrough-symbolic.svg")]
icons += [os.path.join(src, "src", "app", "icons", n) for n in sorted(os.listdir(os.path.join(src, "src", "app", "icons")))]
failed = False
for path in icons:
    root = ET.parse(path).getroot()
    if not root.tag.endswith("svg"):
        print("%s is not an SVG" % path)
        failed = True
        continue
    if path.endswith("-symbolic.svg"):
        if root.get("width") != "16" or root.get("height") != "16":
            print("%s is not 16×16" % path)
            failed = True
        colours = set(re.findall(r'(?:fill|stroke)="(#[0-9a-fA-F]{3,6})"', open(path).read()))
        if len(colours) > 1:
            print("%s uses several colours: %s" % (path, colours))
            failed = True
print("checked %d icons" % len(icons))
sys.exit(1 if failed else 0)
