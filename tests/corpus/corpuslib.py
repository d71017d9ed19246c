# The corpus suite's machinery: which fixture root each published file goes
# into, running passthroughctl on it, and reading the result back the way
# the boot loader, initramfs generator or modprobe would.
#
# Everything here returns problems as sentences instead of asserting, so
# that one file's run can report every way it went wrong, in a worker
# thread, and the unittest side turns them into one sub-test failure.
# SPDX-License-Identifier: GPL-3.0-or-later
import collections
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ENGINE = os.path.join(os.path.dirname(HERE), 'engine')
sys.path.insert(0, ENGINE)
from enginelib import Root  # noqa: E402

# The GPU each seed machine passes through (the first selection of
# tests/engine/test_seeds.py).  seed001's 0e:00.0 shares its IDs with
# another card, so its audio function is bound by address: the suite sees
# both binding modes.
SEED_GPU = {
    'seed000': '0000:09:00.0',
    'seed001': '0000:0e:00.0',
    'seed002': '0000:01:00.0',
    'seed003': '0000:08:00.0',
    'seed004': '0000:01:00.0',
}

# Distribution names of the SOURCES files, by the seed whose boot path they
# share.  Void and Gentoo use dracut, as the Fedora seed does.
FAMILY = {
    'arch': 'arch', 'manjaro': 'arch', 'cachyos': 'arch', 'endeavouros': 'arch', 'garuda': 'arch',
    'artix': 'arch', 'omarchy': 'arch', 'crystal': 'arch',
    'debian': 'debian', 'ubuntu': 'debian', 'proxmox': 'proxmox', 'elementary': 'debian',
    'mint': 'debian', 'devuan': 'debian', 'kali': 'debian', 'pop': 'pop',
    'fedora': 'fedora', 'rhel': 'fedora', 'centos': 'fedora', 'rocky': 'fedora', 'alma': 'fedora',
    'opensuse': 'fedora', 'suse': 'fedora', 'nobara': 'fedora', 'bazzite': 'fedora',
    'void': 'dracut', 'gentoo': 'dracut', 'slackware': 'dracut',
}

MODULE_NAMES = {'vfio_pci', 'vfio', 'vfio_iommu_type1', 'vfio_virqfd', 'pci_stub'}
# Kernel parameters Passthrough sets or replaces: a line of the person's
# file carrying one of them may change.
MANAGED_KEYS = {'intel_iommu', 'amd_iommu', 'iommu', 'rd.driver.pre', 'vfio_pci.ids', 'pci_stub.ids',
                'passthrough.vfio', 'video', 'initcall_blacklist', 'pcie_acs_override',
                'vfio_iommu_type1.allow_unsafe_interrupts', 'vfio_pci.disable_vga'}
# Parameters where only the last one counts: two of them is one too many.
LAST_WINS_KEYS = {'vfio_pci.ids', 'pci_stub.ids', 'passthrough.vfio', 'pcie_acs_override',
                  'vfio_pci.disable_vga', 'vfio_iommu_type1.allow_unsafe_interrupts'}

SANITIZER_MARKS = ('AddressSanitizer', 'LeakSanitizer', 'UndefinedBehaviorSanitizer', 'runtime error:',
                   'ThreadSanitizer', 'MemorySanitizer')
BAD_MARKS = ('(null)', 'CRITICAL', 'Traceback', '** (passthroughctl', 'GLib-CRITICAL', 'GLib-WARNING')

SHELL_ENV = {'PATH': '/usr/bin:/bin', 'LC_ALL': 'C.UTF-8', 'HOME': '/nonexistent'}


class Stop(Exception):
    """The rest of this file's run makes no sense after this problem."""


# ---- the corpus ----------------------------------------------------------

class Case:
    def __init__(self, fmt, name, path, row, variant=''):
        self.fmt = fmt
        self.name = name
        self.path = path
        self.row = row or {}
        self.variant = variant
        self.distro = (self.row.get('distro') or 'unknown').strip().lower()
        self.family = FAMILY.get(self.distro, 'unknown')
        self.id = '%s/%s' % (fmt, name) + (' [%s]' % variant if variant else '')
        self.companions = []   # other corpus files of the same system (BLS)

    @property
    def source_path(self):
        """Where the file lived on the person's system, from SOURCES."""
        src = self.row.get('source', '').strip()
        if not src:
            return ''
        if '@' in src:
            return src.split()[-1]
        return src.rstrip('/').rsplit('/', 1)[-1]

    def source_repo(self):
        src = self.row.get('source', '').strip()
        return src.split()[0] if '@' in src else src

    def data(self):
        with open(self.path, 'rb') as f:
            return f.read()

    def text(self):
        return self.data().decode('utf-8', 'replace')


def read_sources(fmt_dir):
    rows = {}
    path = os.path.join(fmt_dir, 'SOURCES')
    if not os.path.exists(path):
        return rows
    with open(path, encoding='utf-8') as f:
        lines = f.read().splitlines()
    if not lines:
        return rows
    header = lines[0].split('\t')
    for line in lines[1:]:
        if not line.strip():
            continue
        cells = line.split('\t')
        rows[cells[0]] = dict(zip(header, cells + [''] * (len(header) - len(cells))))
    return rows


def corpus_files(fmt_dir):
    out = []
    for name in sorted(os.listdir(fmt_dir)):
        p = os.path.join(fmt_dir, name)
        if name == 'SOURCES' or name.startswith(('.', 'README')) or not os.path.isfile(p):
            continue
        out.append(name)
    return out


def discover(corpus_dir=HERE):
    """Every corpus file as a case; a mkinitcpio.conf that lists vfio
    modules twice: edited in place, and beside the drop-in folder."""
    cases = []
    for fmt in sorted(os.listdir(corpus_dir)):
        fmt_dir = os.path.join(corpus_dir, fmt)
        if not os.path.isdir(fmt_dir) or fmt.startswith(('_', '.')):
            continue
        rows = read_sources(fmt_dir)
        fmt_cases = []
        for name in corpus_files(fmt_dir):
            row = rows.get(name)
            path = os.path.join(fmt_dir, name)
            if fmt == 'mkinitcpio' and 'mkinitcpio.conf.d' not in (row or {}).get('source', ''):
                # Edited in place where there is no drop-in folder; with the
                # folder the file is left alone, which only matters when it
                # lists vfio modules itself (ours come on top).
                fmt_cases.append(Case(fmt, name, path, row, 'edited in place'))
                with open(path, 'rb') as f:
                    if re.search(rb'^[ \t]*MODULES[+]?=.*vfio', f.read(), re.M):
                        fmt_cases.append(Case(fmt, name, path, row, 'drop-in folder'))
            else:
                fmt_cases.append(Case(fmt, name, path, row))
        if fmt == 'bls':
            # A BLS entry and the grubenv of the same machine belong together.
            for c in fmt_cases:
                c.companions = [o for o in fmt_cases if o is not c and o.source_repo() == c.source_repo()
                                and o.name.endswith('.grubenv') != c.name.endswith('.grubenv')]
        cases.extend(fmt_cases)
    return cases


# ---- fixture roots -------------------------------------------------------

MINIMAL_GRUB_CFG = """### BEGIN /etc/grub.d/10_linux ###
menuentry '%(title)s' --class gnu-linux --class gnu --class os $menuentry_id_option 'gnulinux-simple-0f1e' {
\tload_video
\tinsmod gzio
\tinsmod part_gpt
\tinsmod ext2
\tset root='hd0,gpt2'
\techo\t'Loading Linux %(kernel)s ...'
\tlinux\t/boot/vmlinuz-%(kernel)s root=%(root)s ro  quiet
\techo\t'Loading initial ramdisk ...'
\tinitrd\t/boot/initrd.img-%(kernel)s
}
### END /etc/grub.d/10_linux ###
"""

FEDORA_GRUB_CFG = """set root='hd0,gpt2'
insmod blscfg
blscfg
"""


class Setup:
    """A fixture root for one case, and what the detection should find."""

    def __init__(self, seed, bootloader, initramfs):
        self.seed = seed
        self.bootloader = bootloader
        self.initramfs = initramfs
        self.remove = []          # paths to delete from the seed root
        self.files = {}           # path -> bytes
        self.placed = []          # the corpus files' paths in the root
        self.intel = False        # an Intel CPU without the IOMMU on


def _fedora_grub(setup):
    """Fedora 29's /boot/grub2: grub.cfg running blscfg, and grubenv with
    the arguments the BLS entries take from $kernelopts."""
    setup.files.setdefault('boot/grub2/grub.cfg', FEDORA_GRUB_CFG.encode())
    opts = ('root=/dev/mapper/fedora-root ro resume=/dev/mapper/fedora-swap rd.lvm.lv=fedora/root '
            'rd.lvm.lv=fedora/swap rhgb quiet')
    env = '# GRUB Environment Block\nkernelopts=%s\n' % opts
    setup.files.setdefault('boot/grub2/grubenv', (env + '#' * (1024 - len(env))).encode())


def _place(setup, case, rel):
    setup.files[rel] = case.data()
    setup.placed.append(rel)


def _strip_boot_image(root):
    cmdline = root.read('proc/cmdline').split()
    root.write('proc/cmdline', ' '.join(t for t in cmdline if not t.startswith('BOOT_IMAGE=')) + '\n')


def _modprobe_name(case):
    base = os.path.basename(case.source_path)
    return base if base.endswith('.conf') and base != 'passthrough.conf' else case.name


# Distribution-neutral modprobe files take turns over the seeds, so every
# root gets some.
_NEUTRAL_SEEDS = ['seed000', 'seed001', 'seed002', 'seed003', 'seed004']
_MODPROBE_SEED = {'arch': 'seed000', 'debian': 'seed004', 'proxmox': 'seed004', 'pop': 'seed002',
                  'fedora': 'seed003'}
_SEED_BOOT = {
    'seed000': ('systemd-boot', 'mkinitcpio'),
    'seed001': ('rpm-ostree', 'dracut'),
    'seed002': ('kernelstub', 'initramfs-tools'),
    'seed003': ('grub-bls', 'dracut'),
    'seed004': ('grub', 'initramfs-tools'),
}


def setup_for(case, neutral_index=0):
    fmt, fam = case.fmt, case.family
    text = case.text()
    if fmt == 'grub-default':
        if fam in ('fedora',):
            s = Setup('seed003', 'grub-bls' if re.search(r'^\s*GRUB_ENABLE_BLSCFG=["\']?true', text, re.M)
                      else 'grub', 'dracut')
        elif fam == 'arch':
            s = Setup('seed000', 'grub', 'mkinitcpio')
            s.remove = ['boot/loader']
            s.files['boot/grub/grub.cfg'] = (MINIMAL_GRUB_CFG % {
                'title': 'Arch Linux', 'kernel': 'linux', 'root': 'UUID=8c1f0e54'}).encode()
            s.files['proc/cmdline'] = (b'BOOT_IMAGE=/vmlinuz-linux root=PARTUUID=8c1f0e54-7d2a-4b8e-9a61-'
                                       b'3f0d5e2c7b19 quiet rw\n')
        else:
            s = Setup('seed004', 'grub', 'initramfs-tools')
            s.files['boot/grub/grub.cfg'] = (MINIMAL_GRUB_CFG % {
                'title': 'Proxmox VE GNU/Linux', 'kernel': '6.8.12-4-pve', 'root': '/dev/mapper/pve-root'}).encode()
        _place(s, case, 'etc/default/grub')
    elif fmt == 'mkinitcpio':
        s = Setup('seed000', 'systemd-boot', 'mkinitcpio')
        if 'mkinitcpio.conf.d' in case.row.get('source', ''):
            _place(s, case, 'etc/mkinitcpio.conf.d/' + os.path.basename(case.source_path))
        else:
            if case.variant == 'edited in place':
                s.remove = ['etc/mkinitcpio.conf.d']
            _place(s, case, 'etc/mkinitcpio.conf')
    elif fmt == 'sdboot' and fam == 'pop' and not case.name.endswith('.loader.conf'):
        # Pop!_OS: kernelstub writes this entry, and owns it
        s = Setup('seed002', 'kernelstub', 'initramfs-tools')
        _place(s, case, 'boot/efi/loader/entries/Pop_OS-current.conf')
    elif fmt == 'sdboot':
        s = Setup('seed000', 'systemd-boot', 'mkinitcpio')
        if case.name.endswith('.loader.conf'):
            _place(s, case, 'boot/loader/loader.conf')
        else:
            name = os.path.basename(case.source_path)
            if not name.endswith('.conf') or name.startswith('passthrough-'):
                name = 'arch.conf'
            s.remove = ['boot/loader/entries/arch.conf']
            _place(s, case, 'boot/loader/entries/' + name)
    elif fmt == 'bls':
        s = Setup('seed003', 'grub-bls', 'dracut')
        entries = [c for c in [case] + case.companions if not c.name.endswith('.grubenv')]
        envs = [c for c in [case] + case.companions if c.name.endswith('.grubenv')]
        if entries:
            s.remove = ['boot/loader/entries']
            for c in entries:
                name = os.path.basename(c.source_path)
                if not name.endswith('.conf'):
                    name = c.name
                _place(s, c, 'boot/loader/entries/' + name)
        for c in envs[:1]:
            _place(s, c, 'boot/grub2/grubenv')
    elif fmt == 'dracut':
        s = Setup('seed003', 'grub-bls', 'dracut')
        base = os.path.basename(case.source_path)
        if base == 'dracut.conf':
            _place(s, case, 'etc/dracut.conf')
        elif base.endswith('.conf.example'):
            # a distribution's drop-in, installed under /usr/lib
            _place(s, case, 'usr/lib/dracut/dracut.conf.d/01-dist.conf')
        else:
            _place(s, case, 'etc/dracut.conf.d/' + (base if base.endswith('.conf') else case.name))
    elif fmt == 'modprobe':
        seed = _MODPROBE_SEED.get(fam) or _NEUTRAL_SEEDS[neutral_index % len(_NEUTRAL_SEEDS)]
        s = Setup(seed, *_SEED_BOOT[seed])
        _place(s, case, 'etc/modprobe.d/' + _modprobe_name(case))
    elif fmt == 'modules':
        seed = 'seed002' if fam == 'pop' else 'seed004'
        s = Setup(seed, *_SEED_BOOT[seed])
        _place(s, case, 'etc/modules' if case.name.endswith('.etc-modules') else 'etc/initramfs-tools/modules')
    elif fmt == 'kernel-cmdline':
        if fam == 'proxmox':
            s = Setup('seed004', 'kernel-cmdline', 'initramfs-tools')
            s.remove = ['etc/default/grub']
            s.files['etc/kernel/proxmox-boot-uuids'] = b'6C4A-2B1F\n'
        elif fam in ('debian', 'pop'):
            s = Setup('seed004', 'kernel-cmdline', 'initramfs-tools')
            s.remove = ['etc/default/grub']
        elif fam == 'arch':
            # systemd-boot with unified kernel images: loader.conf, no entries
            s = Setup('seed000', 'systemd-boot', 'mkinitcpio')
            s.remove = ['boot/loader/entries/arch.conf', 'boot/loader/entries/arch-fallback.conf']
        else:
            s = Setup('seed003', 'kernel-cmdline', 'dracut')
            s.remove = ['etc/default/grub']
        _place(s, case, 'etc/kernel/cmdline')
    elif fmt in ('refind', 'limine'):
        if fam in ('debian', 'proxmox', 'pop'):
            s = Setup('seed004', fmt, 'initramfs-tools')
            s.remove = ['etc/default/grub']
        elif fam in ('fedora', 'dracut'):
            s = Setup('seed003', fmt, 'dracut')
            s.remove = ['etc/default/grub']
        else:
            s = Setup('seed000', fmt, 'mkinitcpio')
            s.remove = ['boot/loader']
        if fmt == 'refind':
            _place(s, case, 'boot/refind_linux.conf')
        elif case.name.endswith('.default') or case.source_path.endswith('default/limine'):
            _place(s, case, 'etc/default/limine')
        elif case.name.endswith('.cfg'):
            _place(s, case, 'boot/limine.cfg')
        else:
            _place(s, case, 'boot/limine.conf')
    elif fmt == 'kernelstub':
        s = Setup('seed002', 'kernelstub', 'initramfs-tools')
        _place(s, case, 'etc/kernelstub/configuration')
    elif fmt == 'booster':
        s = Setup('seed000', 'systemd-boot', 'booster')
        s.remove = ['etc/mkinitcpio.conf', 'etc/mkinitcpio.conf.d']
        _place(s, case, 'etc/booster.yaml')
    else:
        raise Stop('no fixture root is known for the format "%s"' % fmt)

    if s.seed == 'seed003' and s.bootloader in ('grub', 'grub-bls'):
        _fedora_grub(s)

    # Files that already switch the Intel IOMMU on are tried on an Intel
    # machine, where Passthrough must add intel_iommu=on itself.
    if fmt in ('grub-default', 'sdboot', 'bls', 'kernel-cmdline', 'refind', 'limine', 'kernelstub') and \
            any('intel_iommu' in (s.files[p].decode('utf-8', 'replace')) for p in s.placed):
        s.intel = True
    return s


def build_root(case, setup):
    root = Root(setup.seed)
    for rel in setup.remove:
        p = root.file(rel)
        if os.path.isdir(p) and not os.path.islink(p):
            shutil.rmtree(p)
        elif os.path.lexists(p):
            os.unlink(p)
    for rel, data in setup.files.items():
        p = root.file(rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, 'wb') as f:
            f.write(data)
    if setup.bootloader not in ('grub', 'grub-bls') and os.path.exists(root.file('proc/cmdline')):
        _strip_boot_image(root)
    if setup.intel:
        with open(root.snapshot, encoding='utf-8') as f:
            snap = json.load(f)
        snap['cpu_vendor'] = 'intel'
        snap['iommu'] = {'enabled': False, 'vendor': None}
        root.snapshot = os.path.join(root.tmp, 'snapshot-intel.json')
        with open(root.snapshot, 'w', encoding='utf-8') as f:
            json.dump(snap, f)
    return root


def tree(path, state=False):
    """{relative path: what it is} for every file, folder and link below
    @path.  Passthrough's own state (var/lib/passthrough) only with @state,
    and never its lock file."""
    out = {}
    for top, dirs, files in os.walk(path):
        rel_top = os.path.relpath(top, path)
        rel_top = '' if rel_top == '.' else rel_top
        keep = []
        for d in sorted(dirs):
            rel = os.path.join(rel_top, d)
            p = os.path.join(top, d)
            if not state and (rel in ('var', 'var/lib') or rel == 'var/lib/passthrough'):
                if rel != 'var/lib/passthrough':
                    keep.append(d)
                continue
            if os.path.islink(p):
                out[rel] = 'link:' + os.readlink(p)
                continue
            out[rel] = 'dir:%o' % (os.stat(p).st_mode & 0o7777)
            keep.append(d)
        dirs[:] = keep
        for name in files:
            rel = os.path.join(rel_top, name)
            p = os.path.join(top, name)
            if rel == 'var/lib/passthrough/lock':
                continue
            if os.path.islink(p):
                out[rel] = 'link:' + os.readlink(p)
                continue
            with open(p, 'rb') as f:
                digest = hashlib.sha256(f.read()).hexdigest()
            out[rel] = 'file:%o:%s' % (os.stat(p).st_mode & 0o7777, digest)
    return out


def tree_diff(a, b):
    keys = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
    parts = []
    for k in keys[:8]:
        if k not in a:
            parts.append('%s appeared' % k)
        elif k not in b:
            parts.append('%s vanished' % k)
        else:
            parts.append('%s changed (%s -> %s)' % (k, a[k][:14], b[k][:14]))
    if len(keys) > 8:
        parts.append('and %d more' % (len(keys) - 8))
    return ', '.join(parts)


def copy_without_state(src, dst):
    def ignore(d, names):
        rel = os.path.relpath(d, src)
        if rel == os.path.join('var', 'lib'):
            return [n for n in names if n == 'passthrough']
        return []
    shutil.copytree(src, dst, symlinks=True, ignore=ignore)


# ---- words on a command line ---------------------------------------------

def split_cmdline(text):
    """Kernel parameters: blank-separated, double quotes keep blanks."""
    out, cur, quoted, have = [], [], False, False
    for ch in text:
        if ch == '"':
            quoted = not quoted
            cur.append(ch)
            have = True
        elif ch.isspace() and not quoted:
            if have:
                out.append(''.join(cur))
            cur, have = [], False
        else:
            cur.append(ch)
            have = True
    if have:
        out.append(''.join(cur))
    return out


def param_key(token):
    """The parameter's name as the kernel compares it ('-' and '_' alike)."""
    return token.split('=', 1)[0].replace('-', '_')


def param_value(token):
    v = token.split('=', 1)[1] if '=' in token else ''
    if len(v) >= 2 and v[0] == '"' and v[-1] == '"':
        v = v[1:-1]
    return v


def module_name(word):
    return word.strip().rstrip('?').replace('-', '_')


# ---- reading the result the way each tool reads it -----------------------

def _shell(argv, cwd):
    try:
        r = subprocess.run(argv, capture_output=True, text=True, env=SHELL_ENV, cwd=cwd,
                           stdin=subprocess.DEVNULL, timeout=20)
    except subprocess.TimeoutExpired:
        return None, 'timed out'
    if r.returncode != 0:
        return None, (r.stderr.strip().splitlines() or ['exit %d' % r.returncode])[-1]
    return r.stdout, None


def grub_cmdline(path, cwd, shell='dash'):
    """grub-mkconfig sources /etc/default/grub with /bin/sh and puts both
    variables on the normal entries.  /bin/sh is dash on Debian and its
    derivatives, bash (in POSIX mode) on Arch and Fedora.  Without
    grub-mkconfig's set -e: a command in the file that reads the host's
    /etc (Fedora's GRUB_DISTRIBUTOR) must not hide the rest."""
    sh = ['/bin/dash'] if shell == 'dash' else ['/bin/bash', '--posix']
    return _shell(sh + ['-c', 'set -a; . "$1"; '
                        'printf %s "$GRUB_CMDLINE_LINUX $GRUB_CMDLINE_LINUX_DEFAULT"', 'sh', path], cwd)


def mkinitcpio_modules(main, dropins, cwd):
    """mkinitcpio sources its config with bash, then each drop-in."""
    script = ('. "$1" || exit 3; shift; for f; do . "$f" || exit 3; done; '
              'printf "%s\\n" "${MODULES[@]}"')
    out, err = _shell(['/bin/bash', '-c', script, 'bash', main] + dropins, cwd)
    if out is None:
        return None, err
    return [module_name(w) for w in out.split()], None


def dracut_vars(files, cwd):
    """dracut sources dracut.conf and then every drop-in in name order."""
    script = ('for f; do . "$f" || exit 3; done; '
              'printf "%s\\037" "$force_drivers" "$add_drivers" "$drivers" "$omit_drivers"')
    out, err = _shell(['/bin/bash', '-c', script, 'bash'] + files, cwd)
    if out is None:
        return None, err
    parts = out.split('\037')
    names = ['force_drivers', 'add_drivers', 'drivers', 'omit_drivers']
    return {n: [module_name(w) for w in parts[i].split()] for i, n in enumerate(names)}, None


def default_limine_cmdline(path, cwd):
    """limine-entry-tool reads KERNEL_CMDLINE[default] (bash); VoidBR's
    update-limine reads LIMINE_CMDLINE_LINUX(_DEFAULT) like GRUB's."""
    script = ('declare -A KERNEL_CMDLINE; . "$1" || exit 3; '
              'if [ "${#KERNEL_CMDLINE[@]}" -gt 0 ] || [ -z "${LIMINE_CMDLINE_LINUX_DEFAULT+x}${LIMINE_CMDLINE_LINUX+x}" ]; '
              'then printf %s "${KERNEL_CMDLINE[default]}"; '
              'else printf %s "$LIMINE_CMDLINE_LINUX $LIMINE_CMDLINE_LINUX_DEFAULT"; fi')
    return _shell(['/bin/bash', '-c', script, 'bash', path], cwd)


def entry_options(text):
    """A loader entry's command line: systemd-boot (and GRUB's blscfg) join
    every "options" line with a blank; a value in double quotes loses them."""
    opts = []
    for line in text.splitlines():
        s = line.strip()
        if not s or s.startswith('#'):
            continue
        m = re.match(r'(\S+)[ \t]+(.*)$', s)
        if not m or m.group(1) != 'options':
            continue
        v = m.group(2).rstrip()
        if len(v) >= 2 and v[0] == '"' and v[-1] == '"':
            v = v[1:-1]
        opts.append(v)
    return ' '.join(opts)


def grubenv_vars(text):
    out = {}
    for line in text.splitlines():
        if line.startswith('#') or '=' not in line:
            continue
        k, v = line.split('=', 1)
        out[k] = v
    return out


def expand_grub_vars(text, env):
    return re.sub(r'\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?', lambda m: env.get(m.group(1), ''), text)


def refind_option_lines(text):
    out = []
    for line in text.splitlines():
        s = line.strip()
        if not s or s.startswith('#'):
            continue
        fields = re.findall(r'"([^"]*)"|(\S+)', s)
        fields = [a if a or not b else b for a, b in fields]
        if len(fields) >= 2:
            out.append(fields[1])
    return out


def limine_cmdlines(text):
    """Every entry's command line in limine.conf ("cmdline:", Limine 8) or
    limine.cfg ("CMDLINE=", older); ${NAME} macros expanded."""
    macros = {}
    for line in text.splitlines():
        m = re.match(r'\s*\$\{([A-Za-z0-9_]+)\}\s*=\s*(.*)$', line)
        if m:
            macros[m.group(1)] = m.group(2).rstrip()
    out = []
    for line in text.splitlines():
        s = line.strip()
        if s.startswith('#'):
            continue
        m = re.match(r'(?i)(kernel_cmdline|cmdline)\s*[:=]\s?(.*)$', s)
        if m:
            out.append(re.sub(r'\$\{([A-Za-z0-9_]+)\}', lambda x: macros.get(x.group(1), x.group(0)),
                              m.group(2)))
    return out


def initramfs_tools_modules(text):
    """initramfs-tools: grep '^[^#]' then "read module args" per line."""
    out = []
    for line in text.splitlines():
        if not line or line.startswith('#'):
            continue
        words = line.split()
        if words:
            out.append(module_name(words[0]))
    return out


def booster_force_load(text):
    """booster.yaml's top-level modules_force_load: a comma-separated list."""
    for line in text.splitlines():
        m = re.match(r'modules_force_load\s*:\s*(.*)$', line)
        if m:
            v = re.sub(r'\s+#.*$', '', m.group(1)).strip().strip('"\'')
            return [module_name(w) for w in v.split(',') if w.strip()]
    return []


def modprobe_options(root_path):
    """(module, option words) of every "options" line in etc/modprobe.d, in
    the order modprobe reads the files; kmod puts the command line's
    module parameters after them, so a later value wins."""
    d = os.path.join(root_path, 'etc', 'modprobe.d')
    out = []
    if not os.path.isdir(d):
        return out
    for name in sorted(os.listdir(d)):
        if not name.endswith('.conf'):
            continue
        with open(os.path.join(d, name), encoding='utf-8', errors='replace') as f:
            text = f.read().replace('\\\n', ' ')
        for line in text.splitlines():
            words = line.split()
            if len(words) >= 2 and words[0] == 'options' and not line.lstrip().startswith('#'):
                out.append((module_name(words[1]), words[2:]))
    return out


def simulate_commands(tokens, commands, kind):
    """What grubby, kernelstub or rpm-ostree would make of @tokens; the
    stand-in never runs them."""
    tokens = list(tokens)
    for argv in commands:
        if not argv:
            continue
        if argv[0] == 'grubby' and kind == 'grubby':
            for a in argv[1:]:
                if a.startswith('--args='):
                    for t in split_cmdline(a[len('--args='):]):
                        same = [i for i, o in enumerate(tokens) if param_key(o) == param_key(t)]
                        if same:   # grubby replaces a parameter's value
                            tokens[same[-1]] = t
                        else:
                            tokens.append(t)
                elif a.startswith('--remove-args='):
                    gone = split_cmdline(a[len('--remove-args='):])
                    tokens = [o for o in tokens if o not in gone and param_key(o) not in
                              [param_key(g) for g in gone if '=' not in g]]
        elif argv[0] == 'kernelstub' and kind == 'kernelstub' and len(argv) >= 3:
            words = split_cmdline(argv[2])
            if argv[1] == '-a':
                tokens += [w for w in words if w not in tokens]
            elif argv[1] == '-d':
                tokens = [o for o in tokens if o not in words]
        elif argv[:2] == ['rpm-ostree', 'kargs'] and kind == 'rpm-ostree':
            for a in argv[2:]:
                if a.startswith('--append-if-missing=') and a.split('=', 1)[1] not in tokens:
                    tokens.append(a.split('=', 1)[1])
                elif a.startswith('--delete-if-present='):
                    tokens = [o for o in tokens if o != a.split('=', 1)[1]]
    return tokens


def _read(root_path, rel):
    p = os.path.join(root_path, rel)
    if not os.path.isfile(p):
        return None
    with open(p, encoding='utf-8', errors='replace') as f:
        return f.read()


def effective(root_path, setup, commands, cwd):
    """The boot's view of the root: {'cmdline': [(where, tokens)],
    'modules': [(where, {variable: names})], 'modprobe': [...], 'errors'}."""
    eff = {'cmdline': [], 'modules': [], 'modprobe': modprobe_options(root_path), 'errors': []}
    commands = commands or []
    boot = setup.bootloader

    def cmdline(where, text):
        eff['cmdline'].append((where, split_cmdline(text)))

    if boot in ('grub', 'grub-bls'):
        out, err = grub_cmdline(os.path.join(root_path, 'etc/default/grub'), cwd,
                                'dash' if setup.seed in ('seed002', 'seed004') else 'bash')
        if out is None:
            eff['errors'].append('/etc/default/grub cannot be sourced by /bin/sh: %s' % err)
        else:
            cmdline('/etc/default/grub', out)
    if boot == 'grub-bls':
        env = grubenv_vars(_read(root_path, 'boot/grub2/grubenv') or '')
        d = os.path.join(root_path, 'boot/loader/entries')
        for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
            if not name.endswith('.conf') or name.startswith('passthrough-'):
                continue
            opts = expand_grub_vars(entry_options(_read(root_path, 'boot/loader/entries/' + name)), env)
            eff['cmdline'].append(('/boot/loader/entries/%s (after grubby)' % name,
                                   simulate_commands(split_cmdline(opts), commands, 'grubby')))
    if boot == 'systemd-boot':
        for esp in ('boot/efi', 'efi', 'boot'):
            if os.path.exists(os.path.join(root_path, esp, 'loader/loader.conf')):
                d = os.path.join(root_path, esp, 'loader/entries')
                for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
                    if not name.endswith('.conf') or 'fallback' in name or name.startswith('passthrough-'):
                        continue
                    cmdline('/%s/loader/entries/%s' % (esp, name),
                            entry_options(_read(root_path, '%s/loader/entries/%s' % (esp, name))))
                break
    if boot in ('systemd-boot', 'kernel-cmdline') and _read(root_path, 'etc/kernel/cmdline') is not None:
        # kernel-install and proxmox-boot-tool: the words of the file;
        # lines starting with # are left out
        text = _read(root_path, 'etc/kernel/cmdline')
        cmdline('/etc/kernel/cmdline',
                ' '.join(l for l in text.splitlines() if not l.lstrip().startswith('#')))
    if boot == 'limine':
        for rel in ('boot/limine.conf', 'boot/limine/limine.conf', 'boot/efi/limine.conf', 'efi/limine.conf',
                    'boot/EFI/BOOT/limine.conf', 'boot/limine.cfg'):
            text = _read(root_path, rel)
            if text is not None:
                for i, line in enumerate(limine_cmdlines(text)):
                    cmdline('/%s entry %d' % (rel, i + 1), line)
        if os.path.exists(os.path.join(root_path, 'etc/default/limine')):
            out, err = default_limine_cmdline(os.path.join(root_path, 'etc/default/limine'), cwd)
            if out is None:
                eff['errors'].append('/etc/default/limine cannot be sourced by bash: %s' % err)
            else:
                cmdline('/etc/default/limine', out)
    if boot == 'refind':
        for i, line in enumerate(refind_option_lines(_read(root_path, 'boot/refind_linux.conf') or '')):
            cmdline('/boot/refind_linux.conf line %d' % (i + 1), line)
    if boot == 'kernelstub':
        try:
            conf = json.loads(_read(root_path, 'etc/kernelstub/configuration') or '')
            opts = list(conf['user']['kernel_options'])
        except (ValueError, KeyError, TypeError) as e:
            eff['errors'].append('/etc/kernelstub/configuration is not kernelstub\'s JSON: %s' % e)
            opts = []
        eff['cmdline'].append(('kernelstub user options (after kernelstub)',
                               simulate_commands(opts, commands, 'kernelstub')))
    if boot == 'rpm-ostree':
        eff['cmdline'].append(('rpm-ostree kargs (after rpm-ostree)',
                               simulate_commands(split_cmdline(_read(root_path, 'proc/cmdline') or ''),
                                                 commands, 'rpm-ostree')))

    init = setup.initramfs
    if init == 'mkinitcpio':
        d = os.path.join(root_path, 'etc/mkinitcpio.conf.d')
        dropins = [os.path.join(d, n) for n in sorted(os.listdir(d)) if n.endswith('.conf')] \
            if os.path.isdir(d) else []
        mods, err = mkinitcpio_modules(os.path.join(root_path, 'etc/mkinitcpio.conf'), dropins, cwd)
        if mods is None:
            eff['errors'].append('mkinitcpio.conf cannot be sourced by bash: %s' % err)
        else:
            eff['modules'].append(('MODULES of mkinitcpio', {'MODULES': mods}))
    elif init == 'dracut':
        files = []
        if os.path.exists(os.path.join(root_path, 'etc/dracut.conf')):
            files.append(os.path.join(root_path, 'etc/dracut.conf'))
        by_name = {}
        for d in ('usr/lib/dracut/dracut.conf.d', 'etc/dracut.conf.d'):   # /etc wins a name
            full = os.path.join(root_path, d)
            for n in os.listdir(full) if os.path.isdir(full) else []:
                if n.endswith('.conf'):
                    by_name[n] = os.path.join(full, n)
        files += [by_name[n] for n in sorted(by_name)]
        v, err = dracut_vars(files, cwd)
        if v is None:
            eff['errors'].append('the dracut configuration cannot be sourced by bash: %s' % err)
        else:
            omit = set(v.pop('omit_drivers'))
            v = {k: [m for m in mods if m not in omit] for k, mods in v.items()}
            eff['modules'].append(('dracut drivers', v))
    elif init == 'initramfs-tools':
        eff['modules'].append(('/etc/initramfs-tools/modules',
                               {'lines': initramfs_tools_modules(_read(root_path, 'etc/initramfs-tools/modules') or '')}))
    elif init == 'booster':
        eff['modules'].append(('booster modules_force_load',
                               {'modules_force_load': booster_force_load(_read(root_path, 'etc/booster.yaml') or '')}))
    # the same complaint in the hand-made copy is the same complaint
    eff['errors'] = [e.replace(root_path, '') for e in eff['errors']]
    return eff


# ---- judging the result ---------------------------------------------------

def intel_iommu_on(tokens):
    state = None
    for t in tokens:
        if param_key(t) == 'intel_iommu':
            for v in param_value(t).split(','):
                if v in ('on', '1'):
                    state = True
                elif v in ('off', '0'):
                    state = False
    return bool(state)


def last_value(values):
    return values[-1] if values else ''


def check_effect(plan, eff, snapshot):
    """Does the root, read as the boot reads it, do what the plan says?"""
    problems = list(eff['errors'])
    args = plan.get('kernel_args') or []
    cpu = (snapshot.get('cpu_vendor') or '').lower()
    iommu = snapshot.get('iommu') or {}
    need_intel = cpu in ('intel', 'genuineintel') and not (iommu.get('enabled') and iommu.get('vendor') == 'intel')
    if ('intel_iommu=on' in args) != need_intel:
        problems.append('the plan %s intel_iommu=on, but the CPU is %s with the IOMMU %s' % (
            'adds' if 'intel_iommu=on' in args else 'does not add', cpu or 'unknown',
            'on' if iommu.get('enabled') else 'off'))

    modprobe_ids = {'vfio_pci': [], 'pci_stub': []}
    for mod, words in eff['modprobe']:
        for w in words:
            if mod in modprobe_ids and w.startswith('ids='):
                modprobe_ids[mod].append(w[4:])

    views = eff['cmdline']
    if plan.get('bootloader') not in (None, 'none') and not views and not eff['errors']:
        problems.append('no command line was found to read back for bootloader %s' % plan.get('bootloader'))
    for where, tokens in views:
        if need_intel and not intel_iommu_on(tokens):
            problems.append('%s does not switch the Intel IOMMU on (no effective intel_iommu=on)' % where)
        for a in args:
            k = param_key(a)
            if k in ('vfio_pci.ids', 'pci_stub.ids', 'passthrough.vfio', 'intel_iommu'):
                continue
            if k == 'rd.driver.pre':
                pre = [module_name(x) for t in tokens if param_key(t) == k for x in param_value(t).split(',')]
                if 'vfio_pci' not in pre:
                    problems.append('%s lacks rd.driver.pre=vfio_pci' % where)
            elif a not in tokens:
                problems.append('%s lacks %s' % (where, a))
        for d in plan.get('device_details') or []:
            ids = (d.get('ids') or '').lower()
            if d.get('binding') == 'address':
                vals = [param_value(t) for t in tokens if param_key(t) == 'passthrough.vfio']
                if '%s@%s' % (d['address'], ids) not in last_value(vals).lower().split(','):
                    problems.append('%s does not bind %s by address (passthrough.vfio=%s)' % (
                        where, d['address'], last_value(vals)))
                continue
            mod = 'pci_stub' if d.get('driver_after') == 'pci-stub' else 'vfio_pci'
            vals = modprobe_ids[mod] + [param_value(t) for t in tokens if param_key(t) == mod + '.ids']
            if ids not in last_value(vals).lower().split(','):
                problems.append('%s does not give %s (%s) to %s: the effective %s.ids is "%s"' % (
                    where, d['address'], ids, d.get('driver_after'), mod.replace('_', '-'), last_value(vals)))
    if not views and plan.get('bootloader') in (None, 'none'):
        for d in plan.get('device_details') or []:
            mod = 'pci_stub' if d.get('driver_after') == 'pci-stub' else 'vfio_pci'
            if (d.get('ids') or '').lower() not in last_value(modprobe_ids[mod]).lower().split(','):
                problems.append('no command line, and modprobe.d does not give %s to %s' % (d['address'], mod))

    want = ['vfio_pci', 'vfio', 'vfio_iommu_type1']
    release = snapshot.get('kernel_release') or ''
    m = re.match(r'(\d+)\.(\d+)', release)
    if m and (int(m.group(1)), int(m.group(2))) < (6, 2):
        want.append('vfio_virqfd')
    for where, variables in eff['modules']:
        have = set(x for mods in variables.values() for x in mods)
        missing = [x for x in want if x not in have]
        if missing:
            problems.append('%s lacks %s' % (where, ' '.join(missing)))
    return problems


def ids_last_covers(tokens, key):
    """Whether the last KEY=… names every ID an earlier one named."""
    lists = [set(t.split('=', 1)[1].strip('"\'').lower().split(',')) for t in tokens
             if '=' in t and param_key(t) == key]
    return all(earlier <= lists[-1] for earlier in lists[:-1])


def check_twice(eff, base):
    """Nothing of ours twice: no word more often than in the person's own
    file (at least once), no last-wins parameter given twice."""
    problems = []
    base_cmd = dict(base['cmdline']) if base else {}
    for where, tokens in eff['cmdline']:
        before = collections.Counter(base_cmd.get(where, []))
        before_keys = collections.Counter(param_key(t) for t in base_cmd.get(where, []))
        now = collections.Counter(tokens)
        for t, n in now.items():
            if n > max(1, before[t]):
                problems.append('%s has %s %d times' % (where, t, n))
        keys = collections.Counter(param_key(t) for t in tokens if '=' in t)
        for k, n in keys.items():
            if k in LAST_WINS_KEYS and n > max(1, before_keys[k]):
                if k in ('vfio_pci.ids', 'pci_stub.ids') and ids_last_covers(tokens, k):
                    # a hand-written list kept as it was, and ours last with
                    # its IDs too: what the kernel keeps binds them all
                    continue
                problems.append('%s sets %s %d times (the kernel takes only the last)' % (where, k, n))
    base_mods = dict(base['modules']) if base else {}
    for where, variables in eff['modules']:
        for var, mods in variables.items():
            before = collections.Counter(base_mods.get(where, {}).get(var, []))
            for mod, n in collections.Counter(mods).items():
                if mod in MODULE_NAMES and n > max(1, before[mod]):
                    problems.append('%s has %s %d times in %s' % (where, mod, n, var))
    return problems


def carries_managed(line):
    for w in re.split(r'[\s"\'()\[\]]+', line):
        if '=' in w and param_key(w.lstrip('#')) in MANAGED_KEYS:
            return True
    for w in re.split(r'[\s"\'()\[\],:=+]+', line):
        if module_name(w.lstrip('#')) in MODULE_NAMES:
            return True
    return False


def without_ours(line, ours):
    s = line
    for w in sorted(ours, key=len, reverse=True):
        s = re.sub(r'(?<![^\s"\'(),=:\[\]])' + re.escape(w) + r'(?![^\s"\'(),\[\]])', '', s)
    s = re.sub(r',{2,}', ',', s)
    s = re.sub(r'([\s"\'(:=]),', r'\1', s)
    s = re.sub(r',(?=[\s"\')]|$)', '', s)
    s = re.sub(r'\s+', ' ', s)
    s = re.sub(r'([("\'=])\s+', r'\1', s)
    s = re.sub(r'\s+([)"\'])', r'\1', s)
    return s.strip()


def lost_lines(before, after, ours):
    """Lines of @before that carry nothing we manage and that @after no
    longer has, in order (our own words taken out of both first)."""
    after_norm = [without_ours(l, ours) for l in after.splitlines()]
    pos, lost = 0, []
    for n, line in enumerate(before.splitlines(), 1):
        if carries_managed(line):
            continue
        want = without_ours(line, ours)
        try:
            pos = after_norm.index(want, pos) + 1
        except ValueError:
            lost.append('line %d %r' % (n, line[:80]))
    return lost


# ---- one corpus file, start to end --------------------------------------

class Fresh(Root):
    """A root that is already there (the hand-made copy), run like Root."""

    def __init__(self, path, tmp, snapshot, seed):   # noqa: the copy exists already
        self.seed = seed
        self.tmp = tmp
        self.path = path
        self.log = os.path.join(tmp, 'commands-handmade.log')
        self.snapshot = snapshot


class Result:
    def __init__(self, case):
        self.case = case
        self.problems = []
        self.refused = None       # the refusal's words, when it was refused as expected
        self.seconds = 0.0
        self.seed = None
        self.binding = None

    def problem(self, msg):
        self.problems.append(msg)

    def stop(self, msg):
        self.problems.append(msg)
        raise Stop(msg)


def clear_sentence(text):
    """One line, a finished sentence, nothing that reads like a bug."""
    lines = [l for l in text.strip().splitlines() if l.strip()]
    if len(lines) != 1:
        return False
    line = lines[0].strip()
    if any(m in line for m in BAD_MARKS):
        return False
    return bool(re.search(r'[.!?][”"’)]?$', line))


def ctl(res, root, label, *args, snapshot=True):
    try:
        r = root.run(*args, snapshot=snapshot)
    except subprocess.TimeoutExpired:
        res.stop('%s hung (no answer within the time limit)' % label)
    except AssertionError as e:   # memcheck under --setup valgrind
        res.stop('%s: %s' % (label, str(e)[:600]))
    if r.returncode < 0 or r.returncode >= 128:
        sig = -r.returncode if r.returncode < 0 else r.returncode - 128
        res.stop('%s crashed (signal %d): %s' % (label, sig, r.stderr.strip()[-300:]))
    for m in SANITIZER_MARKS:
        if m in r.stderr:
            res.stop('%s: sanitizer report: %s' % (label, r.stderr.strip()[:600]))
    for m in BAD_MARKS:
        if m in r.stdout or m in r.stderr:
            res.problem('%s printed "%s": %s' % (label, m, (r.stderr or r.stdout).strip()[:300]))
    if r.returncode not in (0, 1):
        res.stop('%s exited %d: %s' % (label, r.returncode, r.stderr.strip()[:300]))
    return r


def parse_plan(res, r, label):
    """(plan, refusal): the JSON plan, and the words of a refusal if any."""
    plan = None
    try:
        plan = json.loads(r.stdout) if r.stdout.strip() else None
    except ValueError:
        res.stop('%s answered neither JSON nor a refusal: %s' % (label, r.stdout.strip()[:200]))
    if plan is None:
        if r.returncode != 1:
            res.stop('%s exited %d without JSON' % (label, r.returncode))
        if not clear_sentence(r.stderr):
            res.stop('%s refused without a clear one-line sentence: %r' % (label, r.stderr.strip()[:300]))
        return None, r.stderr.strip()
    if not isinstance(plan, dict) or 'changes' not in plan:
        res.stop('%s printed JSON that is not a plan: %s' % (label, r.stdout.strip()[:200]))
    blockers = plan.get('blockers') or []
    for b in blockers:
        if not clear_sentence(b.get('message') or ''):
            res.problem('%s: blocker %s is not a clear sentence: %r' % (label, b.get('code'), b.get('message')))
    if blockers:
        if r.returncode != 1:
            res.problem('%s has blockers but exited %d' % (label, r.returncode))
        return plan, '; '.join('[%s] %s' % (b.get('code'), b.get('message')) for b in blockers)
    if r.returncode != 0:
        res.problem('%s exited %d for a plan without blockers: %s' % (label, r.returncode, r.stderr.strip()[:200]))
    return plan, None


def run_case(case, expected_refusal=None, neutral_index=0, hooks=None):
    import time
    res = Result(case)
    start = time.monotonic()
    roots = []
    try:
        setup = setup_for(case, neutral_index)
        res.seed = setup.seed
        root = build_root(case, setup)
        roots.append(root)
        _pipeline(res, case, setup, root, expected_refusal, hooks or {})
    except Stop:
        pass
    finally:
        for r in roots:
            r.cleanup()
        res.seconds = time.monotonic() - start
    return res


# Boot paths where a tool's command (grubby, kernelstub, rpm-ostree) is what
# puts the arguments on the command line: apply --no-commands refuses there,
# so apply runs the commands, through the recording stand-in that never runs
# the real tool, and the result is read with their effect worked out.
EDIT_COMMAND_BOOT = ('grub-bls', 'kernelstub', 'rpm-ostree')


def _pipeline(res, case, setup, root, expected_refusal, hooks):
    gpu = SEED_GPU[setup.seed]
    apply = ['apply', '--select', gpu] if setup.bootloader in EDIT_COMMAND_BOOT else \
        ['apply', '--no-commands', '--select', gpu]
    with open(root.snapshot, encoding='utf-8') as f:
        snap = json.load(f)
    cwd = root.tmp
    original = tree(root.path, state=True)
    original_files = tree(root.path)
    base = effective(root.path, setup, [], cwd)
    unreadable = set(base['errors'])

    warned_ids = []   # once the first plan warned, the hand-made copy carries the same

    def judge(prefix, plan, eff):
        eff = dict(eff, errors=[e for e in eff['errors'] if e not in unreadable])
        for p in check_effect(plan, eff, snap):
            if unreadable and p.startswith('no command line was found'):
                continue   # the person's own file could not be read back either
            res.problem(prefix + p)
        if any(w.get('code') == 'ids-given-twice' for w in (plan or {}).get('warnings', [])):
            warned_ids.append(True)
        told = bool(warned_ids)
        for p in check_twice(eff, base):
            if told and 'times (the kernel takes only the last)' in p:
                continue   # a per-entry file (rEFInd, Limine) the plan warns about by name
            res.problem(prefix + p)

    # the plan: writes nothing, finds the boot path the file belongs to
    r = ctl(res, root, 'plan', 'plan', '--json', '--select', gpu)
    if tree(root.path, state=True) != original:
        res.problem('plan wrote to the root: ' + tree_diff(original, tree(root.path, state=True)))
    plan, refusal = parse_plan(res, r, 'plan')
    if plan is not None:
        res.binding = plan.get('binding')
        for key, want in (('bootloader', setup.bootloader), ('initramfs', setup.initramfs)):
            if plan.get(key) != want:
                res.problem('the plan found %s "%s" where the file puts it on "%s" (%s)' % (
                    key, plan.get(key), want, plan.get('bootloader_evidence') or 'no evidence'))
    if refusal is not None:
        if expected_refusal is None:
            res.stop('refused: ' + refusal[:400])
        res.refused = refusal
        r = ctl(res, root, 'apply', *apply)
        if r.returncode != 1 or not clear_sentence(r.stderr):
            res.problem('apply of a refused plan exited %d with %r' % (r.returncode, r.stderr.strip()[:200]))
        # (the state folder and its lock may appear: apply locks before it plans)
        if tree(root.path) != original_files or os.path.exists(root.file('var/lib/passthrough/state.json')):
            res.problem('a refused apply changed the root: ' + tree_diff(original, tree(root.path, state=True)))
        return
    if expected_refusal is not None:
        res.problem('the table of expected refusals says "%s", but the plan has no blocker' % expected_refusal)

    # apply, and again: the second changes no byte, Passthrough's state included
    root.clear_commands()
    r = ctl(res, root, 'apply', *apply)
    if r.returncode != 0:
        res.stop('apply failed (exit %d): %s' % (r.returncode, r.stderr.strip()[:300]))
    ran = root.commands()
    after = tree(root.path, state=True)
    r = ctl(res, root, 'second apply', *apply)
    if r.returncode != 0:
        res.problem('the second apply failed (exit %d): %s' % (r.returncode, r.stderr.strip()[:300]))
    elif tree(root.path, state=True) != after:
        res.problem('the second apply changed ' + tree_diff(after, tree(root.path, state=True)))
    elif root.commands() != ran:
        res.problem('the second apply ran %s' % root.commands()[len(ran):])
    if hooks.get('after_apply'):   # the harness's own test puts a fault in here
        hooks['after_apply'](root, setup)

    # the person's lines are all still there
    for rel in setup.placed:
        p = root.file(rel)
        if not os.path.exists(p):
            res.problem('apply removed /%s' % rel)
            continue
        with open(p, encoding='utf-8', errors='replace') as f:
            now = f.read()
        ours = list(plan.get('kernel_args') or []) + ['vfio_pci', 'vfio', 'vfio_iommu_type1', 'vfio_virqfd']
        lost = lost_lines(setup.files[rel].decode('utf-8', 'replace'), now, ours)
        if lost:
            res.problem('apply lost or rewrote lines of /%s: %s' % (rel, '; '.join(lost[:4])))

    judge('', plan, effective(root.path, setup, ran, cwd))

    # the hand-made copy: the same files without Passthrough's state
    hm_tmp = tempfile.mkdtemp(prefix='pt-corpus-hm-', dir=root.tmp)
    hm_path = os.path.join(hm_tmp, 'root')
    copy_without_state(root.path, hm_path)

    r = ctl(res, root, 'revert', 'revert', snapshot=False)
    if r.returncode != 0:
        res.problem('revert failed (exit %d): %s' % (r.returncode, r.stderr.strip()[:300]))
    if hooks.get('after_revert'):
        hooks['after_revert'](root, setup)
    got = tree(root.path)
    if got != original_files:
        res.problem('revert did not give the root back byte for byte: ' + tree_diff(original_files, got))

    hm = Fresh(hm_path, hm_tmp, root.snapshot, setup.seed)
    hm_before = tree(hm_path)
    r = ctl(res, hm, 'hand-made plan', 'plan', '--json', '--select', gpu)
    hm_plan, refusal = parse_plan(res, r, 'hand-made plan')
    if refusal is not None:
        res.stop('the hand-made copy (files already set up, no state) is refused: ' + refusal[:300])
    r = ctl(res, hm, 'hand-made apply', *apply)
    if r.returncode != 0:
        res.stop('apply on the hand-made copy failed (exit %d): %s' % (r.returncode, r.stderr.strip()[:300]))
    judge('hand-made copy: ', hm_plan, effective(hm_path, setup, hm.commands(), cwd))
    r = ctl(res, hm, 'hand-made revert', 'revert', snapshot=False)
    if r.returncode != 0:
        res.problem('hand-made copy: revert failed (exit %d): %s' % (r.returncode, r.stderr.strip()[:300]))
    got = tree(hm_path)
    if got != hm_before:
        res.problem('hand-made copy: revert did not give it back byte for byte: ' + tree_diff(hm_before, got))


# ---- faults on real files ------------------------------------------------

# The transaction's fault points (src/core/engine/pt-transaction.c's header):
# the process _exit(99)s there.  after-write-N past the last file never
# fires; such a run is told apart by its exit code.
FAULT_STEPS = ('after-journal', 'after-write-1', 'after-write-2', 'after-write-3',
               'before-commands', 'after-commands', 'after-state')


def _wholly_before_or_after(before, after, now):
    """The paths of @now that are neither as in @before nor as in @after."""
    return [k for k in sorted(set(before) | set(after) | set(now))
            if now.get(k) not in (before.get(k), after.get(k))]


def _fault_pass(res, label, make_root, apply):
    """Apply on a fresh copy from @make_root once cleanly (the 'after'), then
    once per fault step: killed there, every file is wholly before or after,
    and the next revert gives the copy back byte for byte."""
    root = make_root()
    before = tree(root.path)
    r = ctl(res, root, label + ' apply', *apply)
    if r.returncode != 0:
        res.stop('%s: apply failed (exit %d): %s' % (label, r.returncode, r.stderr.strip()[:200]))
    after = tree(root.path)
    fired = 0
    for step in FAULT_STEPS:
        root = make_root()
        try:
            r = root.run(*apply, fault=step)
        except subprocess.TimeoutExpired:
            res.stop('%s: apply killed at %s hung' % (label, step))
        if r.returncode not in (0, 99):
            res.problem('%s: apply with a fault at %s exited %d: %s' % (
                label, step, r.returncode, r.stderr.strip()[:200]))
            continue
        fired += r.returncode == 99
        odd = _wholly_before_or_after(before, after, tree(root.path))
        if odd:
            res.problem('%s: killed at %s, half written: %s' % (label, step, ', '.join(odd[:4])))
        r = ctl(res, root, '%s revert after %s' % (label, step), 'revert', snapshot=False)
        if r.returncode != 0:
            res.problem('%s: revert after a kill at %s failed (exit %d): %s' % (
                label, step, r.returncode, r.stderr.strip()[:200]))
        got = tree(root.path)
        if got != before:
            res.problem('%s: killed at %s, revert did not give it back byte for byte: %s' % (
                label, step, tree_diff(before, got)))
        if os.path.exists(root.file('var/lib/passthrough/journal.json')):
            res.problem('%s: killed at %s, the journal is still there after revert' % (label, step))
    if fired < 4:   # journal, a write, commands, state at least
        res.problem('%s: only %d fault points fired' % (label, fired))


def run_faults(case, neutral_index=0):
    """A corpus file's apply killed at every fault point, on its root as
    published and on the hand-made copy (its files after an apply, without
    Passthrough's state: the adopt path)."""
    import time
    res = Result(case)
    start = time.monotonic()
    made = []

    def fresh_from(src, seed, snapshot):
        def make():
            tmp = tempfile.mkdtemp(prefix='pt-corpus-fault-')
            path = os.path.join(tmp, 'root')
            copy_without_state(src, path)
            r = Fresh(path, tmp, snapshot, seed)
            made.append(r)
            return r
        return make

    try:
        setup = setup_for(case, neutral_index)
        res.seed = setup.seed
        root = build_root(case, setup)
        made.append(root)
        gpu = SEED_GPU[setup.seed]
        apply = ['apply', '--select', gpu] if setup.bootloader in EDIT_COMMAND_BOOT else \
            ['apply', '--no-commands', '--select', gpu]
        _fault_pass(res, 'as published', fresh_from(root.path, setup.seed, root.snapshot), apply)
        r = ctl(res, root, 'apply', *apply)
        if r.returncode != 0:
            res.stop('apply failed (exit %d): %s' % (r.returncode, r.stderr.strip()[:200]))
        _fault_pass(res, 'hand-made copy', fresh_from(root.path, setup.seed, root.snapshot), apply)
    except Stop:
        pass
    finally:
        for r in made:
            r.cleanup()
        res.seconds = time.monotonic() - start
    return res
