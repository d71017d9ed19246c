"""ptgui: drive the real Passthrough window through AT-SPI (GTK 4.8).

What works and what does not on GTK 4.8 is in tests/gui/README.md; the
helpers here follow it: find by role and name, require non-zero extents,
poll with a deadline, never sleep a fixed time.
"""
import json
import os
import re
import subprocess
import sys
import time

import gi
gi.require_version("Atspi", "2.0")
from gi.repository import Atspi, GLib  # noqa: E402

APP = os.environ.get("PASSTHROUGH_APP", "")
CTL = os.environ.get("PASSTHROUGHCTL", "")
SRC = os.environ.get("PASSTHROUGH_SOURCE_ROOT", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
BUILD = os.environ.get("PASSTHROUGH_BUILD_ROOT", "")
MACHINES = os.path.join(SRC, "tests", "gui", "machines")
APP_ID = "com.example.Passthrough"


class Failure(Exception):
    pass


def check(cond, message):
    if not cond:
        raise Failure(message)


def wait_for(fn, timeout=10, what=None):
    end = time.monotonic() + timeout
    last = None
    while time.monotonic() < end:
        try:
            v = fn()
            if v:
                return v
        except Exception as e:  # nodes vanish between calls
            last = e
        time.sleep(0.05)
    raise Failure("timed out waiting for %s%s" % (what or fn, " (%s)" % last if last else ""))


def walk(n):
    yield n
    try:
        count = n.get_child_count()
    except Exception:
        return
    for i in range(count):
        try:
            c = n.get_child_at_index(i)
        except Exception:
            c = None
        if c is not None:
            yield from walk(c)


def visible(a):
    try:
        e = Atspi.Component.get_extents(a, Atspi.CoordType.WINDOW)
        return e.width > 0 and e.height > 0
    except Exception:
        return False


def name_of(a):
    try:
        return a.get_name() or ""
    except Exception:
        return ""


def role_of(a):
    try:
        return a.get_role_name()
    except Exception:
        return ""


def find_all(root, role=None, pred=lambda a: True, only_visible=True):
    out = []
    for a in walk(root):
        if role is not None and role_of(a) != role:
            continue
        if not pred(a):
            continue
        if only_visible and not visible(a):
            continue
        out.append(a)
    return out


def find(root, role=None, name=None, pred=lambda a: True, timeout=10):
    def look():
        for a in find_all(root, role, lambda a: (name is None or name_of(a) == name) and pred(a)):
            return a
    return wait_for(look, timeout, what="%s %r" % (role, name))


def has_label_starting(root, prefix):
    return any(t.startswith(prefix) for t in labels(root))


def act(a, action):
    for i in range(Atspi.Action.get_n_actions(a)):
        if Atspi.Action.get_action_name(a, i) == action:
            return Atspi.Action.do_action(a, i)
    raise Failure("no action %s on %s %r" % (action, role_of(a), name_of(a)))


def is_checked(a):
    return a.get_state_set().contains(Atspi.StateType.CHECKED)


def is_sensitive(a):
    return a.get_state_set().contains(Atspi.StateType.SENSITIVE)


def labels(root):
    return [name_of(a) for a in find_all(root, "label")]


def has_state(a, state):
    try:
        return a.get_state_set().contains(state)
    except Exception:
        return False


def focused(root):
    """The node under ROOT with the FOCUSED state, or None. Only nodes on
    screen: GTK 4.8 can leave the state on a widget of a hidden page."""
    return next((a for a in walk(root) if has_state(a, Atspi.StateType.FOCUSED) and visible(a)), None)


def said(a):
    """What a screen reader says for A: its name, or on GTK 4.8's nameless
    list rows, the name of the row inside."""
    if a is None:
        return ""
    return name_of(a) or next((name_of(c) for c in walk(a) if name_of(c)), "")


def focus_is(root, pred, what, timeout=5):
    return wait_for(lambda: (lambda f: f if f is not None and pred(f) else None)(focused(root)), timeout,
                    what="focus on %s (focused: %s %r)" % (what, *(lambda f: (role_of(f), said(f)) if f else (None, None))(focused(root))))


def tab_to(app, root, pred, what, limit=40, key="Tab"):
    """Press KEY until PRED holds for the focused node; the number of presses."""
    for n in range(1, limit + 1):
        app.key(key)
        try:
            focus_is(root, pred, what, timeout=1)
            return n
        except Failure:
            continue
    raise Failure("%s is not reachable with %d × %s (focus ends on %s %r)" %
                        (what, limit, key, role_of(focused(root)), name_of(focused(root))))


def button(root, text):
    """The button that reads TEXT; on GTK 4.8 a mnemonic button's name may
    carry its label twice ("_Apply Apply"), so match the end."""
    return find(root, "push button", pred=lambda a: name_of(a).replace("_", "").endswith(text))


def top_window(app, title, timeout=20):
    """A dialog or window of APP by its title."""
    return find(app.node, None, title, pred=lambda a: role_of(a) in ("frame", "dialog", "window"), timeout=timeout)


def ctl_json(*args):
    out = subprocess.run([CTL, *args, "--json"], capture_output=True, text=True, timeout=60)
    check(out.returncode in (0, 1), "passthroughctl %s failed: %s" % (" ".join(args), out.stderr))
    return json.loads(out.stdout)


def _child_named_like(a, depth=2):
    """Whether a child (or grandchild) of A has A's name: then A only
    repeats it (the tree expander is labelled by the row inside it)."""
    name = name_of(a)
    try:
        for i in range(a.get_child_count()):
            c = a.get_child_at_index(i)
            if c is None:
                continue
            if name_of(c) == name or (depth > 1 and _child_named_like_name(c, name, depth - 1)):
                return True
    except Exception:
        pass
    return False


def _child_named_like_name(a, name, depth):
    try:
        for i in range(a.get_child_count()):
            c = a.get_child_at_index(i)
            if c is not None and (name_of(c) == name or (depth > 1 and _child_named_like_name(c, name, depth - 1))):
                return True
    except Exception:
        pass
    return False


def descends_from(pid, ancestor):
    """PID is ANCESTOR or one of its descendants (an app started through a
    wrapper such as bwrap runs as a child of the process we started)."""
    for _ in range(16):
        if pid == ancestor:
            return True
        try:
            with open("/proc/%d/stat" % pid) as f:
                pid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            return False
        if pid <= 1:
            return False
    return False


_apps = []


class App:
    """The passthrough program, started with ARGS, found on the a11y bus."""

    def __init__(self, *args, env=None, wrapper=()):
        _apps.append(self)
        check(APP and os.path.exists(APP), "PASSTHROUGH_APP is not set to the built app")
        e = dict(os.environ)
        e.update(env or {})
        self.proc = subprocess.Popen([*wrapper, APP, *args], env=e, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        desk = Atspi.get_desktop(0)

        def app_node():
            if self.proc.poll() is not None:
                # Read once: the deadline loop calls this again and again.
                if getattr(self, "early_stderr", None) is None:
                    self.early_stderr = self.proc.stderr.read()
                raise Failure("the app exited early: %s" % self.early_stderr)
            for i in range(desk.get_child_count()):
                a = desk.get_child_at_index(i)
                # By process: a quit instance may linger on the registry.
                if a is not None and name_of(a) == "passthrough" and descends_from(a.get_process_id(), self.proc.pid) \
                        and a.get_child_count() > 0:
                    return a
        self.node = wait_for(app_node, 20, what="the app on the a11y bus")
        self.window = find(self.node, "frame", pred=lambda a: name_of(a).startswith("Passthrough"), timeout=20)

    def action(self, name, param=None):
        """An application action over the session bus (setup only)."""
        params = "[]" if param is None else "[%s]" % param
        subprocess.run(["gdbus", "call", "--session", "--dest", APP_ID, "--object-path", "/com/example/Passthrough",
                        "--method", "org.gtk.Actions.Activate", name, params, "{}"],
                       check=True, capture_output=True, timeout=30)

    def search(self, text):
        entry = find(self.window, "entry", "Search devices")
        Atspi.EditableText.set_text_contents(entry, text)
        return entry

    def sidebar(self):
        # Walk only the list: the whole window is several times larger.
        if getattr(self, "_sidebar", None) is None:
            self._sidebar = find(self.window, "list", "IOMMU groups and devices")
        return self._sidebar

    def device_rows(self):
        # GTK 4.8 list items are nameless: the name is on the row's child
        # (the tree expander around it computes the same name: skip it).
        return [a for a in find_all(self.sidebar(), pred=lambda a: name_of(a)[:5] == "0000:" and role_of(a) != "label"
                                    and not _child_named_like(a))]

    def group_rows(self):
        return [a for a in find_all(self.sidebar(), pred=lambda a: name_of(a).startswith("IOMMU group ")
                                    and role_of(a) != "label" and not _child_named_like(a))]

    def open_device(self, address):
        """Search for ADDRESS, click its row, wait for its page."""
        self.search(address)
        # The entry applies a search 150 ms after the last key, and the list then
        # replaces its rows: a row found before that is gone by the time it is
        # clicked. Wait for the list to hold only ADDRESS's row (addresses are
        # unique), then click it.
        def narrowed():
            rows = self.device_rows()
            return rows[0] if rows and all(name_of(r).startswith(address + " ") for r in rows) else None
        # Under load the list may still be settling when the pointer arrives, and
        # the click lands on nothing or on a row already destroyed: look for the
        # row again and click again.
        for attempt in range(3):
            row = wait_for(narrowed, 10, what="the list narrowed to the row of %s" % address)
            try:
                self.click(row)
                find(self.window, "label", pred=lambda a: address in name_of(a) and "·" in name_of(a), timeout=10)
                return
            except (Failure, GLib.GError):
                if attempt == 2:
                    raise

    def choose(self, address):
        """Open ADDRESS and turn on "Pass through to virtual machines"."""
        self.open_device(address)
        sw = find(self.window, "check box", "Pass through to virtual machines")
        act(sw, "toggle")
        wait_for(lambda: is_checked(sw), 10, what="the switch on")

    def says(self, text, timeout=30):
        """The first label of the main window that contains TEXT, waiting for it."""
        return wait_for(lambda: next((t for t in labels(self.window) if text in t), None), timeout,
                        what="%r in the window (labels: %s)" % (text, labels(self.window)))

    def click(self, node, within=None):
        """Click the middle of NODE with the X pointer (list rows have no action).
        WITHIN: the top-level NODE is in (a dialog), when not the main window."""
        top = within if within is not None else self.window
        title = "^%s$" % re.escape(name_of(top)) if within is not None else "^Passthrough"
        e = Atspi.Component.get_extents(node, Atspi.CoordType.WINDOW)
        wid = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", title], capture_output=True,
                             text=True, timeout=30).stdout.split()
        check(wid, "no X window for %s" % title)
        geo = dict(line.split("=") for line in subprocess.run(["xdotool", "getwindowgeometry", "--shell", wid[0]],
                                                              capture_output=True, text=True, timeout=30).stdout.split())
        fe = Atspi.Component.get_extents(top, Atspi.CoordType.WINDOW)
        margin = (int(geo["WIDTH"]) - fe.width) // 2
        x = int(geo["X"]) + margin + e.x + e.width // 2
        y = int(geo["Y"]) + margin + e.y + e.height // 2
        subprocess.run(["xdotool", "mousemove", str(x), str(y), "click", "1"], check=True, timeout=30)

    def key(self, *keys):
        """Press KEYS (xdotool names) in the window that has the X focus."""
        subprocess.run(["xdotool", "key", "--delay", "80", *keys], check=True, timeout=30)

    def screenshot(self, name):
        out_dir = os.path.join(BUILD or "/tmp", "tests", "gui", "shots")
        os.makedirs(out_dir, exist_ok=True)
        path = os.path.join(out_dir, name + ".png")
        subprocess.run(["import", "-window", "root", path], check=True, timeout=30)
        print("screenshot:", path)
        return path

    def quit(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


def run(main):
    """Run MAIN(); print the failure and exit 1, as meson expects."""
    try:
        main()
    except BaseException as e:
        if not isinstance(e, Failure):
            import traceback
            traceback.print_exc()
        live = [app for app in _apps if app.proc.poll() is None]
        if live:
            # What the window showed when it failed: the first thing to look at.
            try:
                live[-1].screenshot("failed-" + os.path.splitext(os.path.basename(sys.argv[0]))[0])
            except Exception:
                pass
        for app in _apps:
            if app.proc.poll() is not None and app.proc.returncode not in (0, -15):
                print("the app exited with %d; its messages:\n%s" % (app.proc.returncode, app.proc.stderr.read()[-4000:]),
                      file=sys.stderr)
            app.quit()
        print("FAIL:", e, file=sys.stderr)
        sys.exit(1)
    print("PASS")
