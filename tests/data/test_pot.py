#!/usr/bin/python3
"""The translation template builds from po/POTFILES.in (what `meson compile
passthrough-pot` runs), and no file with translatable text is missing from
POTFILES.in."""
import os
import re
import subprocess
import sys
import tempfile

src = sys.argv[1]
potfiles = os.path.join(src, "po", "POTFILES.in")
listed = [l.strip() for l in open(potfiles) if l.strip() and not l.startswith("#")]

failed = False
for path in listed:
    if not os.path.exists(os.path.join(src, path)):
        print("POTFILES.in lists %s, which does not exist" % path)
        failed = True

# Every C file with _(" or N_(" and every .ui file with translatable="yes"
# must be listed, or its text never reaches translators.
for top in ("src", "helper", "data"):
    for dirpath, _, files in os.walk(os.path.join(src, top)):
        for name in files:
            rel = os.path.relpath(os.path.join(dirpath, name), src)
            if not (name.endswith(".c") or name.endswith(".ui")):
                continue
            text = open(os.path.join(src, rel), encoding="utf-8", errors="replace").read()
            if (name.endswith(".c") and re.search(r'\bN?_\s*\("', text)) or \
               (name.endswith(".ui") and 'translatable="yes"' in text):
                if rel not in listed:
                    print("%s has translatable text but is not in po/POTFILES.in" % rel)
                    failed = True

with tempfile.TemporaryDirectory() as tmp:
    pot = os.path.join(tmp, "passthrough.pot")
    existing = [p for p in listed if os.path.exists(os.path.join(src, p))]
    r = subprocess.run(["xgettext", "--package-name=passthrough", "--from-code=UTF-8", "--add-comments",
                        "--keyword=_", "--keyword=N_", "--keyword=C_:1c,2", "--keyword=NC_:1c,2",
                        "--keyword=g_dngettext:2,3", "--keyword=ngettext:1,2",
                        "-o", pot, "-D", src, *existing], capture_output=True, text=True, timeout=100)
    if r.returncode != 0:
        print("xgettext failed:\n" + r.stderr)
        failed = True
    else:
        body = open(pot, encoding="utf-8").read()
        n = body.count('\nmsgid "') - 1
        print("the template has %d messages" % n)
        for must in ("Search devices", "Pass through to virtual machines", "Review changes"):
            if 'msgid "%s"' % must not in body:
                print("the template lacks %r" % must)
                failed = True

sys.exit(1 if failed else 0)
