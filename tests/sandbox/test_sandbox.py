#!/usr/bin/python3
"""The built app in a bwrap sandbox shaped like Flatpak's — /sys without
kernel/iommu_groups, an empty /etc (fonts aside, as a runtime has them) and
/boot, the host's os-release at /run/host/os-release, and only the private
system bus of the helper tests to reach the machine — against the real helper
on a fixture root:

- the window says its data comes through the system helper and shows the same
  groups and devices as `passthroughctl --root ROOT list --json`, and the
  readiness checks of `passthroughctl --root ROOT check --json`;
- Preview and Apply (polkit allows) change the root, and Revert puts /etc
  and /boot back; a denied Apply says so and changes nothing;
- with no helper on the bus, the missing-helper page: its sentence, the
  package command for the host's distribution, the source build, the demo
  machines (one of them opens).

With PASSTHROUGH_PACKAGED_HELPER=DIR (tests/packages/test_deb.py) the same
checks run against the helper unpacked from the passthrough-helper .deb into
DIR, and PASSTHROUGH_APP is an app-only build (-Dhelper=false): each run has a
bus configured like a system bus (deny by default) with the package's own bus
policy and its D-Bus service file (Exec= moved below DIR), so the bus starts
the packaged helper when the app first calls it; the host's os-release is
Debian's, the distribution of the package."""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "gui"))
sys.path.insert(0, os.path.join(HERE, "..", "helper"))
import ptgui  # noqa: E402
from ptgui import App, check, find, wait_for  # noqa: E402

PACKAGED = os.environ.get("PASSTHROUGH_PACKAGED_HELPER")
HELPER_NAME = "com.example.Passthrough.Helper"
SERVICE_FILE = "usr/share/dbus-1/system-services/%s.service" % HELPER_NAME
POLICY_FILE = "usr/share/dbus-1/system.d/%s.conf" % HELPER_NAME
HELPER = (os.path.join(PACKAGED, "usr", "libexec", "passthrough-helper") if PACKAGED
          else os.path.join(ptgui.BUILD, "helper", "passthrough-helper"))
FEDORA = 'NAME="Fedora Linux"\nID=fedora\nVERSION_ID=39\n'
DEBIAN = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nID=debian\nVERSION_ID="12"\n'
HOST = DEBIAN if PACKAGED else FEDORA
INSTALL_COMMAND = "sudo %s install passthrough-helper" % ("apt" if PACKAGED else "dnf")


class PackagedBus:
    """A private bus configured like a system bus (helperfixture.
    system_bus_config) with the package's policy and, when ACTIVATABLE, its
    service file: Name= and User= as packaged, Exec= the packaged helper
    below PACKAGED (the file names /usr/libexec/passthrough-helper)."""

    def __init__(self, tmp, name, env, activatable=True):
        import configparser
        import helperfixture
        self.dir = os.path.join(tmp, "bus-" + name)
        os.makedirs(self.dir)
        servicedir = None
        if activatable:
            service = configparser.ConfigParser(interpolation=None)
            service.optionxform = str
            service.read(os.path.join(PACKAGED, SERVICE_FILE))
            entry = service["D-BUS Service"]
            check(entry["Name"] == HELPER_NAME and entry["User"] == "root",
                  "the packaged service file: %s" % dict(entry))
            check(os.path.join(PACKAGED, entry["Exec"].lstrip("/")) == HELPER,
                  "the packaged service file starts %s, not the packaged helper" % entry["Exec"])
            entry["Exec"] = HELPER
            os.makedirs(os.path.join(self.dir, "services"))
            with open(os.path.join(self.dir, "services", HELPER_NAME + ".service"), "w") as f:
                service.write(f, space_around_delimiters=False)
            servicedir = os.path.join(self.dir, "services")
        conf = os.path.join(self.dir, "bus.conf")
        socket = os.path.join(self.dir, "socket")
        with open(conf, "w") as f:
            f.write(helperfixture.system_bus_config(socket, os.path.join(PACKAGED, POLICY_FILE), servicedir))
        self.log = open(os.path.join(self.dir, "bus.log"), "ab")
        # The helper it starts finds the bus where a real one finds the system bus.
        env = dict(env, DBUS_SYSTEM_BUS_ADDRESS="unix:path=" + socket)
        self.daemon = subprocess.Popen(["dbus-daemon", "--nofork", "--config-file", conf, "--print-address"],
                                       stdout=subprocess.PIPE, stderr=self.log, text=True, env=env)
        self.address = self.daemon.stdout.readline().strip()
        check(self.address, "the packaged bus did not start (%s)" % self.log.name)

    def helper_pid(self):
        """The process that owns the helper's name, or None."""
        import dbus
        conn = dbus.bus.BusConnection(self.address)
        try:
            if not conn.name_has_owner(HELPER_NAME):
                return None
            return int(conn.call_blocking("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                          "GetConnectionUnixProcessID", "s", (HELPER_NAME,)))
        finally:
            conn.close()

    def stop(self):
        """SIGTERM to the helper the bus started (it exits once idle), then
        the bus."""
        pid = self.helper_pid()
        if pid is not None:
            os.kill(pid, 15)
            wait_for(lambda: not os.path.exists("/proc/%d" % pid), 30, what="the packaged helper to exit")
        self.daemon.terminate()
        self.daemon.wait(10)
        self.log.close()


def sandbox(tmp, system_bus, os_release, flatpak_info=False):
    """bwrap arguments for a sandbox like Flatpak's: a fresh root with /usr
    (the runtime), the built tree read-only (the app's /app), /sys with only
    bus, class, dev, devices and block (flatpak-run.c binds those), an
    empty /etc but for fonts (a runtime has its own), an empty /boot, a
    private /tmp with only the display, and the system bus socket."""
    args = ["bwrap", "--die-with-parent", "--ro-bind", "/usr", "/usr"]
    for link in ("bin", "lib", "lib32", "lib64", "sbin"):
        if os.path.islink("/" + link):
            args += ["--symlink", os.readlink("/" + link), "/" + link]
    # The private /tmp first: a checkout below /tmp is bound into it next.
    args += ["--tmpfs", "/tmp"]
    for tree in sorted({ptgui.SRC, ptgui.BUILD}):
        args += ["--ro-bind", tree, tree]
    args += ["--tmpfs", "/etc", "--ro-bind", "/etc/fonts", "/etc/fonts", "--dir", "/boot", "--tmpfs", "/sys"]
    for d in ("block", "bus", "class", "dev", "devices"):
        if os.path.exists("/sys/" + d):
            args += ["--ro-bind", "/sys/" + d, "/sys/" + d]
    args += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/run",
             "--ro-bind", os_release, "/run/host/os-release",
             "--ro-bind", "/tmp/.X11-unix", "/tmp/.X11-unix"]
    # This run's runtime, config and cache directories (run-gui-test.sh
    # makes them side by side); the fixture root stays out of reach.
    run_dir = os.path.dirname(os.environ["XDG_RUNTIME_DIR"])
    args += ["--bind", run_dir, run_dir]
    if os.environ.get("XAUTHORITY"):   # xvfb-run's cookie; Flatpak binds it too
        args += ["--ro-bind", os.environ["XAUTHORITY"], os.environ["XAUTHORITY"]]
    # The buses: Flatpak proxies them; here their sockets are bound in.
    for address in (system_bus, os.environ.get("DBUS_SESSION_BUS_ADDRESS", "")):
        for part in address.split(","):
            if part.startswith("unix:path="):
                sock = part[len("unix:path="):]
                args += ["--bind", sock, sock]
    if flatpak_info:
        info = os.path.join(tmp, "flatpak-info")
        with open(info, "w") as f:
            f.write("[Application]\nname=com.example.Passthrough\n")
        args += ["--ro-bind", info, "/.flatpak-info"]
    return args


def check_sandbox_shape(wrapper):
    """The sandbox really hides what the app must not read."""
    for probe, what in ((["test", "!", "-e", "/sys/kernel/iommu_groups"], "/sys/kernel/iommu_groups is hidden"),
                        (["sh", "-c", 'test -z "$(ls -A /etc | grep -v fonts)"'], "/etc is empty but for fonts"),
                        (["sh", "-c", 'test -z "$(ls -A /boot)"'], "/boot is empty"),

                        (["test", "-d", "/sys/bus/pci"], "/sys/bus/pci is there, as in Flatpak")):
        out = subprocess.run(wrapper + probe, capture_output=True, text=True, timeout=30)
        check(out.returncode == 0, "sandbox: %s failed (%s)" % (what, out.stderr.strip()))
    # /tmp: only what was bound in (display, X cookie, bus sockets, this run's directory)
    # (the fixture root lives in another temporary directory).
    allowed = {wrapper[i + 2].split("/")[2] for i, a in enumerate(wrapper)
               if a in ("--bind", "--ro-bind") and wrapper[i + 2].startswith("/tmp/")}
    seen = set(subprocess.run(wrapper + ["ls", "-A", "/tmp"], capture_output=True, text=True, timeout=30).stdout.split())
    check(seen <= allowed, "sandbox: /tmp holds %s beyond %s" % (seen - allowed, allowed))


def tree_by_group(app):
    """{group id: [addresses]} as the sidebar shows it, top to bottom."""
    rows = []
    for r in app.group_rows() + app.device_rows():
        try:
            y = ptgui.Atspi.Component.get_extents(r, ptgui.Atspi.CoordType.WINDOW).y
        except Exception:   # a row recycled by the list while we look
            continue
        rows.append((y, ptgui.name_of(r)))
    tree, current = {}, None
    for _, name in sorted(rows):
        if name.startswith("IOMMU group "):
            current = int(name.split(" ")[2])
            tree.setdefault(current, [])
        elif current is not None and name.split(" ", 1)[0] not in tree[current]:
            tree[current].append(name.split(" ", 1)[0])
    return tree


def quit_sandboxed(app):
    """Quit, and wait until the app has left the session bus: SIGTERM ends
    bwrap at once, but the app inside only dies after it (PDEATHSIG), and
    an instance started meanwhile would hand itself over to the dying one."""
    import dbus
    app.quit()
    session = dbus.SessionBus()
    wait_for(lambda: not session.name_has_owner(ptgui.APP_ID), 30, what="the sandboxed app to leave the session bus")


def wait_for_helper(bus):
    import dbus
    conn = dbus.bus.BusConnection(bus)
    try:
        wait_for(lambda: conn.name_has_owner(HELPER_NAME), 30, what="the helper on the system bus")
    finally:
        conn.close()


def run_with_helper(Bus, system_bus, allowed, tmp):
    import dbus
    import helperfixture
    import test_apply

    name = "allowed" if allowed else "denied"
    root = os.path.join(tmp, "root-" + name)
    helperfixture.make_root(root)
    env = dict(os.environ, PASSTHROUGH_ROOT=root,
               PASSTHROUGH_COMMAND_WRAPPER=os.path.join(ptgui.SRC, "tests", "helper", "record-command.sh"),
               PASSTHROUGH_TEST_LOG=os.path.join(tmp, "commands.log"), PASSTHROUGH_IDLE_TIMEOUT="120")
    bus = helper = None
    if PACKAGED:
        # A bus of its own: the helper it starts inherits its environment.
        bus = PackagedBus(tmp, name, env)
        system_bus = bus.address
        os.environ["DBUS_SYSTEM_BUS_ADDRESS"] = system_bus   # where the stand-in polkitd goes
    polkitd, polkit_obj = Bus.spawn_server_template("polkitd", {}, stdout=subprocess.DEVNULL)
    polkit_obj.SetAllowed(dbus.Array(["com.example.Passthrough.configure"] if allowed else [], signature="s"))
    os_release = os.path.join(tmp, "os-release")
    with open(os_release, "w") as f:
        f.write(HOST)
    log = open(os.path.join(tmp, "helper.log"), "ab")
    app = None
    try:
        if PACKAGED:
            check(bus.helper_pid() is None, "the helper runs before anyone called it")
        else:
            env["DBUS_SYSTEM_BUS_ADDRESS"] = system_bus
            helper = subprocess.Popen([HELPER], env=env, stdout=log, stderr=subprocess.STDOUT)
            wait_for_helper(system_bus)
        wrapper = sandbox(tmp, system_bus, os_release)
        check_sandbox_shape(wrapper)
        listing = ptgui.ctl_json("--root", root, "list")
        readiness = ptgui.ctl_json("--root", root, "check")
        # No PASSTHROUGH_ROOT for the app: it finds out by itself that it
        # cannot read the machine, and asks the helper.
        app_env = {"DBUS_SYSTEM_BUS_ADDRESS": system_bus}
        os.environ.pop("PASSTHROUGH_ROOT", None)
        app = App(env=app_env, wrapper=wrapper)
        wait_for(lambda: ptgui.name_of(app.window).endswith("this machine, through the system helper"), 30,
                 what="the title to name the helper (now %r)" % ptgui.name_of(app.window))
        # The root as the running helper keeps it: a helper the bus has
        # just started made its lock file in /var/lib/passthrough.
        before = helperfixture.tree_digest(root)
        etc_boot_before = test_apply.tree_digest(root)
        if allowed:
            want = {g["id"]: [d["address"] for d in g["devices"]] for g in listing["groups"]}
            # The rows on screen are the start of passthroughctl's tree…
            wait_for(lambda: (lambda t: len(t) >= 3 and all(want.get(g) == d for g, d in list(t.items())[:-1]))(
                tree_by_group(app)), 20, what="the tree %s to start as passthroughctl's %s" % (tree_by_group(app), want))
            app.screenshot("sandbox-tree")
            # …and each group, found by its number, holds the same devices.
            for gid, devices in want.items():
                app.search("iommu group %d" % gid)
                wait_for(lambda: tree_by_group(app).get(gid) == devices, 10,
                         what="group %d to hold %s" % (gid, devices))
            app.search("")
            app.action("readiness")
            messages = [c["message"] for c in readiness["checks"]]
            wait_for(lambda: all(m in ptgui.labels(app.window) for m in messages), 20,
                     what="the checks of passthroughctl check %s (labels: %s)" % (messages, ptgui.labels(app.window)))
            app.screenshot("sandbox-readiness")
        dlg = test_apply.choose_and_review(app)
        wait_for(lambda: ptgui.is_sensitive(ptgui.button(dlg, "Set Up")), 10, what="Set Up to be on")
        app.screenshot("sandbox-review-%s" % ("allowed" if allowed else "denied"))
        ptgui.act(ptgui.button(dlg, "Set Up"), "click")
        if allowed:
            wait_for(lambda: "Restart to finish" in ptgui.labels(dlg), 60,
                     what="“Restart to finish” (labels: %s)" % ptgui.labels(dlg))
            app.screenshot("sandbox-apply-done")
            check(helperfixture.tree_digest(root) != before, "Apply said it was done but the root did not change")
            grub = open(os.path.join(root, "etc", "default", "grub")).read()
            check("vfio-pci.ids=" in grub, "the GRUB defaults do not name vfio-pci:\n" + grub)
            ptgui.act(find(dlg, "push button", pred=lambda a: ptgui.name_of(a).replace("_", "").endswith("Close")), "click")
            # Revert: the sandbox cannot read the journal, so the dialog
            # lists what GetStatus says is configured; the helper undoes it.
            app.action("revert")
            rdlg = find(app.node, None, "Undo everything",
                        pred=lambda a: ptgui.role_of(a) in ("frame", "dialog", "window"), timeout=20)
            undo = find(rdlg, "push button", pred=lambda a: ptgui.name_of(a).replace("_", "").endswith("Undo"))
            wait_for(lambda: ptgui.is_sensitive(undo), 20, what="Undo to be on (labels: %s)" % ptgui.labels(rdlg))
            wait_for(lambda: any(t.startswith("Gives back to the host:") and "0000:01:00.0" in t for t in ptgui.labels(rdlg)),
                     10, what="the configured devices in the revert dialog")
            app.screenshot("sandbox-revert-review")
            ptgui.act(undo, "click")
            wait_for(lambda: "Restart to finish" in ptgui.labels(rdlg), 60,
                     what="“Restart to finish” after the revert (labels: %s)" % ptgui.labels(rdlg))
            check(test_apply.tree_digest(root) == etc_boot_before, "Revert did not put /etc and /boot back as they were")
        else:
            wait_for(lambda: any("password was refused" in t for t in ptgui.labels(dlg)), 30,
                     what="the refusal sentence (labels: %s)" % ptgui.labels(dlg))
            app.screenshot("sandbox-apply-denied")
            check(helperfixture.tree_digest(root) == before, "a refused Apply changed the root")
        if PACKAGED:
            # The bus started the packaged program, through the packaged files.
            pid = bus.helper_pid()
            check(pid is not None and os.path.realpath("/proc/%d/exe" % pid) == os.path.realpath(HELPER),
                  "the helper on the bus (pid %s) is not %s" % (pid, HELPER))
    finally:
        if app is not None:
            quit_sandboxed(app)
        if helper is not None:
            helper.terminate()
            helper.wait(30)
        if bus is not None:
            bus.stop()
        log.close()
        polkitd.terminate()
        polkitd.wait(10)


def run_without_helper(system_bus, tmp):
    os_release = os.path.join(tmp, "os-release")
    with open(os_release, "w") as f:
        f.write(HOST)
    wrapper = sandbox(tmp, system_bus, os_release, flatpak_info=True)
    app = App(env={"DBUS_SYSTEM_BUS_ADDRESS": system_bus}, wrapper=wrapper)
    try:
        find(app.window, None, "The System Helper Is Missing", timeout=30)
        texts = lambda: ptgui.labels(app.window)  # noqa: E731
        wait_for(lambda: any("the Passthrough helper" in t and "is not installed on this machine" in t for t in texts()),
                 10, what="the sentence (labels: %s)" % texts())
        check(INSTALL_COMMAND in texts(),
              "the host's package command %r is missing (labels: %s)" % (INSTALL_COMMAND, texts()))
        check(any("meson setup -Dapp=false" in t for t in texts()), "the source build is missing (labels: %s)" % texts())
        check("missing" in ptgui.name_of(app.window), "window title %r" % ptgui.name_of(app.window))
        app.screenshot("sandbox-no-helper")
        demo = find(app.window, "label", "Core i7-10700K on a Z490 board", timeout=10)
        app.click(demo)
        wait_for(lambda: "demo: Core i7-10700K on a Z490 board" in ptgui.name_of(app.window), 20,
                 what="the demo machine to open (title %r)" % ptgui.name_of(app.window))
        app.screenshot("sandbox-no-helper-demo")
    finally:
        quit_sandboxed(app)


def missing_prerequisite():
    """Why this machine cannot run the test, or None."""
    for module in ("dbusmock", "dbus", "helperfixture"):
        try:
            __import__(module)
        except ImportError as e:
            return str(e)
    if not os.access(HELPER, os.X_OK):
        return "the helper is not built (%s)" % HELPER
    if subprocess.run(["bwrap", "--ro-bind", "/", "/", "true"], capture_output=True).returncode != 0:
        return "bwrap cannot make a sandbox here (no user namespaces?)"
    return None


def main():
    reason = missing_prerequisite()
    if reason is not None:
        print("SKIP:", reason)
        sys.exit(77)
    import dbusmock

    class Bus(dbusmock.DBusTestCase):
        pass

    try:
        with tempfile.TemporaryDirectory() as tmp:
            if PACKAGED:
                # Before the package is installed: the bus has its policy
                # but cannot start the helper.
                bus = PackagedBus(tmp, "no-helper", os.environ, activatable=False)
                try:
                    run_without_helper(bus.address, tmp)
                finally:
                    bus.stop()
                system_bus = None   # each run below has its own bus
            else:
                Bus.start_system_bus()
                system_bus = os.environ["DBUS_SYSTEM_BUS_ADDRESS"]
                run_without_helper(system_bus, tmp)
            run_with_helper(Bus, system_bus, True, tmp)
            run_with_helper(Bus, system_bus, False, tmp)
    finally:
        Bus.tearDownClass()


ptgui.run(main)
