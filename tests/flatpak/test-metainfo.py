#!/usr/bin/python3
"""The AppStream metainfo has what a software centre needs for the Flatpak
(launchable, content rating, releases, the binary it provides, screenshots)
and tells people that the host helper is required; each screenshot is an
image of the real window kept in data/app/screenshots."""
import os
import struct
import sys
import unittest
import xml.etree.ElementTree as ET

METAINFO = sys.argv.pop(1)
SRC = os.path.dirname(os.path.abspath(METAINFO))


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    return struct.unpack(">II", head[16:24])


class MetainfoTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.root = ET.parse(METAINFO).getroot()

    def test_launchable_and_provides(self):
        launchable = self.root.find("launchable")
        self.assertEqual(launchable.get("type"), "desktop-id")
        self.assertEqual(launchable.text, "com.example.Passthrough.desktop")
        self.assertTrue(os.path.exists(os.path.join(SRC, "data", "app", launchable.text + ".in")))
        self.assertIn("passthrough", [b.text for b in self.root.findall("provides/binary")])

    def test_content_rating_and_releases(self):
        self.assertEqual(self.root.find("content_rating").get("type"), "oars-1.1")
        releases = self.root.findall("releases/release")
        self.assertTrue(releases)
        for r in releases:
            self.assertTrue(r.get("version") and r.get("date"), ET.tostring(r))

    def test_says_the_host_helper_is_required(self):
        text = " ".join("".join(p.itertext()) for p in self.root.findall("description/p"))
        self.assertIn("passthrough-helper", text)
        self.assertIn("host", text)
        self.assertIn("Flatpak", text)
        self.assertIsNotNone(self.root.find("requires"))

    def test_screenshots_are_of_the_real_window(self):
        shots = self.root.findall("screenshots/screenshot")
        self.assertGreaterEqual(len(shots), 3)
        self.assertEqual(sum(1 for s in shots if s.get("type") == "default"), 1)
        for s in shots:
            image = s.find("image")
            self.assertTrue(s.find("caption").text.strip())
            name = image.text.rsplit("/", 1)[1]
            path = os.path.join(SRC, "data", "app", "screenshots", name)
            self.assertTrue(os.path.exists(path), "%s is not in data/app/screenshots" % name)
            self.assertEqual(png_size(path), (int(image.get("width")), int(image.get("height"))), name)


if __name__ == "__main__":
    unittest.main(verbosity=2)
