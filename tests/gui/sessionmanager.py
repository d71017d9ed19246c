#!/usr/bin/python3
"""A stand-in for the desktop's session manager (org.gnome.SessionManager)
on the test's private session bus, for the review's restart.

    sessionmanager.py CALLS_FILE [--cannot]

Answers CanShutdown with true (false with --cannot) and appends one line
"Reboot" to CALLS_FILE for each Reboot call, so a test can count them. It
prints "ready" once it owns the name. Only the methods the app uses: those
two, and RegisterClient, which GtkApplication calls at start on any
session manager it finds."""
import sys

from gi.repository import Gio, GLib

XML = """
<node>
  <interface name="org.gnome.SessionManager">
    <method name="CanShutdown"><arg type="b" direction="out"/></method>
    <method name="Reboot"/>
    <method name="RegisterClient">
      <arg type="s" direction="in"/><arg type="s" direction="in"/><arg type="o" direction="out"/>
    </method>
  </interface>
</node>"""


def main():
    calls, can = sys.argv[1], "--cannot" not in sys.argv[2:]
    loop = GLib.MainLoop()
    iface = Gio.DBusNodeInfo.new_for_xml(XML).interfaces[0]

    def on_call(conn, sender, path, interface, method, params, invocation):
        if method == "CanShutdown":
            invocation.return_value(GLib.Variant("(b)", (can,)))
        elif method == "RegisterClient":
            invocation.return_value(GLib.Variant("(o)", ("/org/gnome/SessionManager/Client1",)))
        elif method == "Reboot":
            with open(calls, "a") as f:
                f.write("Reboot\n")
            invocation.return_value(None)

    def on_bus(conn, name):
        conn.register_object("/org/gnome/SessionManager", iface, on_call, None, None)

    def on_name(conn, name):
        print("ready", flush=True)

    Gio.bus_own_name(Gio.BusType.SESSION, "org.gnome.SessionManager", Gio.BusNameOwnerFlags.NONE,
                     on_bus, on_name, lambda *a: loop.quit())
    loop.run()


if __name__ == "__main__":
    main()
