"""helperbus: the real passthrough-helper on a private system bus, with
python-dbusmock's polkitd deciding, on a fixture root of its own — the
setup the GUI tests of Apply, the trial and Bind share."""
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile

import ptgui

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "helper"))

HELPER = os.path.join(ptgui.BUILD, "helper", "passthrough-helper")
CONFIGURE = "com.example.Passthrough.configure"
BIND = "com.example.Passthrough.bind"


def require():
    """Exit 77 (skip) when dbusmock, the fixture or the helper is missing."""
    try:
        import dbusmock  # noqa: F401
        import helperfixture  # noqa: F401
    except ImportError as e:
        print("SKIP: %s" % e)
        sys.exit(77)
    if not os.access(HELPER, os.X_OK):
        print("SKIP: the helper is not built (%s)" % HELPER)
        sys.exit(77)


class SystemBus:
    """One private system bus for the whole test; tear_down() at the end."""

    def __init__(self):
        import dbusmock

        class Bus(dbusmock.DBusTestCase):
            pass
        self._bus = Bus
        Bus.start_system_bus()
        self.address = os.environ["DBUS_SYSTEM_BUS_ADDRESS"]
        self.polkitd = None

    def allow(self, *actions):
        """(Re)starts polkitd allowing exactly ACTIONS."""
        import dbus
        self.stop_polkit()
        self.polkitd, obj = self._bus.spawn_server_template("polkitd", {}, stdout=subprocess.DEVNULL)
        obj.SetAllowed(dbus.Array(list(actions), signature="s"))

    def stop_polkit(self):
        if self.polkitd is not None:
            self.polkitd.terminate()
            self.polkitd.wait(10)
            self.polkitd = None

    def tear_down(self):
        self.stop_polkit()
        self._bus.tearDownClass()


class Machine:
    """A fixture root (tests/helper/helperfixture.py) and the helper serving it."""

    def __init__(self, bus):
        import helperfixture
        self.bus = bus
        self.tmp = tempfile.mkdtemp(prefix="pt-gui-")
        self.root = os.path.join(self.tmp, "root")
        helperfixture.make_root(self.root)
        self.write("proc/sys/kernel/random/boot_id", "5d3e0a9c-before\n")
        self.cmdline = self.read("proc/cmdline").strip()
        self.helper = None
        self.log = None

    def path(self, rel):
        return os.path.join(self.root, rel)

    def read(self, rel):
        with open(self.path(rel), encoding="utf-8") as f:
            return f.read()

    def write(self, rel, text):
        os.makedirs(os.path.dirname(self.path(rel)), exist_ok=True)
        with open(self.path(rel), "w", encoding="utf-8") as f:
            f.write(text)

    def start_helper(self):
        # The private bus cannot activate the helper again once it exits idle,
        # and on a loaded machine (2 cores, several GUI tests) a minute can pass
        # between two of its calls: the app then says "not installed". The
        # helper is stopped when the machine is cleaned up, so 10 minutes.
        self.log = open(os.path.join(self.tmp, "helper.log"), "ab")
        env = dict(os.environ, PASSTHROUGH_ROOT=self.root, DBUS_SYSTEM_BUS_ADDRESS=self.bus.address,
                   PASSTHROUGH_COMMAND_WRAPPER=os.path.join(ptgui.SRC, "tests", "helper", "record-command.sh"),
                   PASSTHROUGH_TEST_LOG=os.path.join(self.tmp, "commands.log"), PASSTHROUGH_IDLE_TIMEOUT="600")
        self.helper = subprocess.Popen([HELPER], env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def app(self, *args):
        """The app on this machine, talking to this helper."""
        return ptgui.App(*args, env={"PASSTHROUGH_ROOT": self.root, "DBUS_SYSTEM_BUS_ADDRESS": self.bus.address})

    def set_driver(self, address, driver):
        """What the kernel would show: ADDRESS now bound to DRIVER."""
        link = self.path("sys/bus/pci/devices/%s/driver" % address)
        real = os.path.realpath(self.path("sys/bus/pci/devices/" + address))
        os.makedirs(self.path("sys/bus/pci/drivers/" + driver), exist_ok=True)
        link = os.path.join(real, "driver")
        if os.path.lexists(link):
            os.unlink(link)
        os.symlink(os.path.relpath(self.path("sys/bus/pci/drivers/" + driver), real), link)

    def boot(self, boot_id, extra_args=""):
        """A restart: a new boot id, and the command line of the entry that booted."""
        self.write("proc/sys/kernel/random/boot_id", boot_id + "\n")
        self.write("proc/cmdline", self.cmdline + (" " + extra_args if extra_args else "") + "\n")

    def stop(self):
        if self.helper is not None:
            self.helper.terminate()
            self.helper.wait(30)
            self.helper = None
        if self.log is not None:
            self.log.close()
            self.log = None

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)


@contextlib.contextmanager
def system_bus(*allowed):
    """A private system bus whose polkitd allows ALLOWED, torn down after."""
    require()
    bus = SystemBus()
    try:
        bus.allow(*allowed)
        yield bus
    finally:
        bus.tear_down()


@contextlib.contextmanager
def machine(bus):
    """A fixture root with the helper serving it, removed after."""
    m = Machine(bus)
    try:
        m.start_helper()
        yield m
    finally:
        m.cleanup()


@contextlib.contextmanager
def running(app):
    """APP until the block ends (the app is quit, whatever happens)."""
    try:
        yield app
    finally:
        app.quit()
