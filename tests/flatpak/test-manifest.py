#!/usr/bin/python3
"""The Flatpak manifest parses with flatpak-builder and asks for no more
than the sandboxed app needs: the helper on the system bus and a display."""
import json
import subprocess
import sys
import unittest

MANIFEST = sys.argv.pop(1)


class ManifestTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        out = subprocess.run(["flatpak-builder", "--show-manifest", MANIFEST],
                             check=True, capture_output=True, text=True, timeout=30)
        cls.manifest = json.loads(out.stdout)

    def test_identity(self):
        self.assertEqual(self.manifest["id"], "com.example.Passthrough")
        self.assertEqual(self.manifest["command"], "passthrough")
        self.assertEqual(self.manifest["runtime"], "org.gnome.Platform")
        # GNOME 44 brings GTK 4.10 and libadwaita 1.3, above our floor (4.8, 1.2)
        self.assertGreaterEqual(int(self.manifest["runtime-version"]), 43)

    def test_finish_args_are_narrow(self):
        args = self.manifest["finish-args"]
        self.assertIn("--system-talk-name=com.example.Passthrough.Helper", args)
        self.assertIn("--share=ipc", args)
        for arg in args:
            self.assertFalse(arg.startswith("--filesystem"), arg)
            self.assertNotIn(arg, ("--device=all", "--socket=system-bus", "--socket=session-bus",
                                   "--share=network"))
            self.assertFalse(arg.startswith("--talk-name=org.freedesktop.Flatpak"), arg)
        self.assertEqual([a for a in args if a.startswith("--system-talk-name")],
                         ["--system-talk-name=com.example.Passthrough.Helper"])
        # The review's "Restart Now" asks the desktop's session manager (docs/guided-app.md):
        # that one name on the session bus, no other.
        self.assertEqual([a for a in args if a.startswith("--talk-name")], ["--talk-name=org.gnome.SessionManager"])

    def test_builds_the_app_only(self):
        ours = self.manifest["modules"][-1]
        self.assertEqual(ours["buildsystem"], "meson")
        self.assertIn("-Dhelper=false", ours["config-opts"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
