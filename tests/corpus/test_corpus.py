#!/usr/bin/python3
# Real published configuration files (tests/corpus/<format>/, where each
# came from in its SOURCES) through passthroughctl, one sub-test a file:
#  - the file goes into a fixture root of its distribution's boot path
#    (corpuslib.setup_for), built from a seed root of tests/engine/roots;
#  - plan --json never crashes and answers a plan or a clear refusal, and
#    finds the boot path the file belongs to;
#  - apply --no-commands, then again: the second changes no byte;
#  - every line of the person's file that carries nothing we manage is
#    still there, in order;
#  - the result, read the way the boot loader / initramfs generator /
#    modprobe reads it, switches the IOMMU on where the CPU needs it, binds
#    the chosen devices the way the plan says and loads the vfio modules;
#    nothing of ours appears twice;
#  - revert gives every file back byte for byte;
#  - the hand-made case: the applied files copied into a root without
#    Passthrough's state are planned and applied again without adding
#    anything twice, and revert there gives that root back byte for byte;
#  - faults (FaultTest, on two files a format): apply killed at every fault
#    point of the transaction, on the file as published and on its
#    hand-made copy, leaves every file wholly before or after, and the next
#    revert gives the root back byte for byte.
# Files run in parallel (PASSTHROUGH_CORPUS_JOBS, default 3 workers).
# PASSTHROUGH_CORPUS_ONLY=SUBSTRING runs the files whose id contains it.
# SPDX-License-Identifier: GPL-3.0-or-later
import concurrent.futures
import os
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpuslib  # noqa: E402
from corpuslib import Case, HERE  # noqa: E402

# Fixture roots on tmpfs where there is one: apply fsyncs every file it
# writes, which costs more than everything else here on a disk.
if not os.environ.get('TMPDIR') and os.access('/dev/shm', os.W_OK):
    tempfile.tempdir = '/dev/shm'

# Files the tool may refuse, with the reason the refusal is right.  The
# refusal must still be a clear sentence and apply must change nothing; a
# file listed here that is no longer refused fails, so the table stays true.
EXPECTED_REFUSALS = {
    'grub-default/023-arch-backslash-continuation-acs-pci-stub.grub':
        'GRUB_CMDLINE_LINUX_DEFAULT continues over lines with backslashes; rewriting it could change '
        'what the shell reads, so the person is asked to simplify it',
    'limine/005-hobby-os-limine-protocol.conf':
        'no entry boots Linux (a hobby kernel on the Limine protocol, no cmdline line): there is no '
        'command line to add to',
    'limine/011-old-syntax-hobby-kernel-no-eol.cfg':
        'the same in the older limine.cfg syntax: a hobby kernel, no CMDLINE= line, nothing boots Linux',
}

FORMATS = ['grub-default', 'mkinitcpio', 'sdboot', 'bls', 'dracut', 'modprobe', 'modules',
           'kernel-cmdline', 'refind', 'limine', 'kernelstub', 'booster']

_results = None
_runtime = 0.0


def all_cases():
    cases = corpuslib.discover()
    only = os.environ.get('PASSTHROUGH_CORPUS_ONLY')
    if only:
        cases = [c for c in cases if only in c.id]
    return cases


def run_all():
    """Every case once, in a small thread pool (each run is a subprocess)."""
    global _results, _runtime
    if _results is not None:
        return _results
    cases = all_cases()
    jobs = int(os.environ.get('PASSTHROUGH_CORPUS_JOBS', '3'))
    neutral = {}
    start = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {}
        for c in cases:
            n = 0
            if c.fmt == 'modprobe' and c.family not in ('arch', 'debian', 'proxmox', 'pop', 'fedora'):
                n = neutral.setdefault(c.fmt, 0)
                neutral[c.fmt] += 1
            futures[c.id] = pool.submit(corpuslib.run_case, c, EXPECTED_REFUSALS.get(c.id), n)
        _results = {cid: f.result() for cid, f in futures.items()}
    _runtime = time.monotonic() - start
    per_fmt = {}
    for r in _results.values():
        per_fmt.setdefault(r.case.fmt, [0, 0])
        per_fmt[r.case.fmt][0] += 1
        per_fmt[r.case.fmt][1] += bool(r.problems)
    sys.stderr.write('corpus: %d files in %.1f s with %d workers; %s\n' % (
        len(_results), _runtime, jobs,
        ', '.join('%s %d (%d failing)' % (f, n, bad) for f, (n, bad) in sorted(per_fmt.items()))))
    return _results


class CorpusTest(unittest.TestCase):
    def check_format(self, fmt):
        results = [r for r in run_all().values() if r.case.fmt == fmt]
        if not results:
            self.skipTest('no %s files in tests/corpus/%s' % (fmt, fmt))
        for r in results:
            with self.subTest(file=r.case.id):
                if r.problems:
                    self.fail('%s (on %s, %s binding):\n  - %s' % (
                        r.case.id, r.seed, r.binding, '\n  - '.join(r.problems)))


for _fmt in FORMATS:
    def _test(self, fmt=_fmt):
        self.check_format(fmt)
    _test.__name__ = 'test_' + _fmt.replace('-', '_')
    setattr(CorpusTest, _test.__name__, _test)


def fault_cases():
    """Per format, the first file that already carries a vfio setup (the
    adopt path) and the first that does not; refused files left out."""
    picked = {}
    for c in all_cases():
        if c.id in EXPECTED_REFUSALS:
            continue
        kind = 'vfio' in c.text().lower()
        picked.setdefault((c.fmt, kind), c)
    return [picked[k] for k in sorted(picked)]


class FaultTest(unittest.TestCase):
    """A kill at every fault point of apply on real files, as published and
    on their hand-made copy: every file wholly before or after, and the next
    revert gives the root back byte for byte (corpuslib.run_faults)."""

    def test_kill_at_every_step(self):
        cases = fault_cases()
        jobs = int(os.environ.get('PASSTHROUGH_CORPUS_JOBS', '3'))
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            results = list(pool.map(corpuslib.run_faults, cases))
        sys.stderr.write('corpus faults: %d files, %d fault points each, twice\n' % (
            len(results), len(corpuslib.FAULT_STEPS)))
        self.assertGreaterEqual(len(results), 2 * 6)
        for r in results:
            with self.subTest(file=r.case.id):
                if r.problems:
                    self.fail('%s (on %s):\n  - %s' % (r.case.id, r.seed, '\n  - '.join(r.problems)))


class SourcesTest(unittest.TestCase):
    def test_every_file_has_its_source_and_every_source_its_file(self):
        for fmt in sorted(os.listdir(HERE)):
            d = os.path.join(HERE, fmt)
            if not os.path.isdir(d) or fmt.startswith(('_', '.')):
                continue
            with self.subTest(format=fmt):
                self.assertIn(fmt, FORMATS, 'tests/corpus/%s is a format this suite does not know' % fmt)
                rows = corpuslib.read_sources(d)
                files = corpuslib.corpus_files(d)
                self.assertEqual(sorted(set(files) - set(rows)), [], '%s: files without a SOURCES row' % fmt)
                self.assertEqual(sorted(set(rows) - set(files)), [], '%s: SOURCES rows without a file' % fmt)

    def test_expected_refusals_name_real_files(self):
        ids = {c.id for c in corpuslib.discover()}
        for cid in EXPECTED_REFUSALS:
            self.assertIn(cid, ids, 'EXPECTED_REFUSALS names %s, which is not in the corpus' % cid)


class HarnessTest(unittest.TestCase):
    """The suite must fail when the engine misbehaves: known answers for
    the readers, and a run with a fault put in on purpose."""

    def test_readers(self):
        self.assertEqual(corpuslib.entry_options('title x\noptions a b\n# options c\noptions\t"d e"\n'), 'a b d e')
        self.assertEqual(corpuslib.split_cmdline(' a  b="c d" e'), ['a', 'b="c d"', 'e'])
        self.assertEqual(corpuslib.refind_option_lines('# c\n"Boot"  "ro quiet"\n"Single" "ro single"\n'),
                         ['ro quiet', 'ro single'])
        self.assertEqual(corpuslib.limine_cmdlines('${A}=x\n/E\n  cmdline: ${A} y\n#cmdline: z\n'), ['x y'])
        self.assertEqual(corpuslib.booster_force_load('modules_force_load: vfio,vfio-pci\n'), ['vfio', 'vfio_pci'])
        self.assertEqual(corpuslib.initramfs_tools_modules('# x\nvfio-pci ids=1\n\nvfio\n'), ['vfio_pci', 'vfio'])
        self.assertTrue(corpuslib.intel_iommu_on(['intel_iommu=igfx_off', 'intel_iommu=on']))
        self.assertFalse(corpuslib.intel_iommu_on(['intel_iommu=on', 'intel_iommu=off']))
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, 'grub')
            with open(p, 'w') as f:
                f.write("GRUB_CMDLINE_LINUX='a'\nGRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX b\"\n")
            self.assertEqual(corpuslib.grub_cmdline(p, d), ('a a b', None))
            with open(p, 'w') as f:
                f.write('MODULES="a b"\n')
            self.assertEqual(corpuslib.mkinitcpio_modules(p, [], d), (['a', 'b'], None))
        self.assertEqual(corpuslib.lost_lines('# keep\nX="quiet"\nY=1\n', 'X="quiet iommu=pt"\n# keep\n',
                                              ['iommu=pt']),
                         ["line 2 'X=\"quiet\"'", "line 3 'Y=1'"])
        twice = corpuslib.check_twice(
            {'cmdline': [('f', ['vfio-pci.ids=1:2,3:4', 'vfio_pci.ids=1:2'])], 'modules': []},
            {'cmdline': [], 'modules': []})
        self.assertEqual(twice, ['f sets vfio_pci.ids 2 times (the kernel takes only the last)'])

    def test_half_written_is_told(self):
        before = {'etc/default/grub': 'file:644:a', 'etc/modules': 'file:644:b'}
        after = {'etc/default/grub': 'file:644:c', 'etc/modules': 'file:644:b', 'etc/x.conf': 'file:644:d'}
        self.assertEqual(corpuslib._wholly_before_or_after(before, after, after), [])
        self.assertEqual(corpuslib._wholly_before_or_after(before, after, before), [])
        half = dict(after, **{'etc/default/grub': 'file:644:e'})
        self.assertEqual(corpuslib._wholly_before_or_after(before, after, half), ['etc/default/grub'])

    def synthetic_case(self, d):
        # seed 004's own /etc/default/grub as a corpus file of Proxmox
        p = os.path.join(d, '000-harness.grub')
        with open(os.path.join(corpuslib.ENGINE, 'roots', 'seed004', 'etc', 'default', 'grub'), 'rb') as f:
            data = f.read()
        with open(p, 'wb') as f:
            f.write(data)
        return Case('grub-default', '000-harness.grub', p, {'distro': 'proxmox', 'source': 'etc/default/grub'})

    def test_a_clean_run_passes(self):
        with tempfile.TemporaryDirectory() as d:
            r = corpuslib.run_case(self.synthetic_case(d))
        self.assertEqual(r.problems, [])

    def test_a_byte_changed_after_revert_fails(self):
        def corrupt(root, setup):
            p = root.file('etc/default/grub')
            with open(p, 'rb') as f:
                data = bytearray(f.read())
            data[10] ^= 0x20
            with open(p, 'wb') as f:
                f.write(data)
        with tempfile.TemporaryDirectory() as d:
            r = corpuslib.run_case(self.synthetic_case(d), hooks={'after_revert': corrupt})
        self.assertTrue(any(p.startswith('revert did not give the root back') and 'etc/default/grub' in p
                            for p in r.problems), r.problems)

    def test_a_token_added_twice_and_a_lost_line_fail(self):
        def meddle(root, setup):
            p = root.file('etc/default/grub')
            with open(p, encoding='utf-8') as f:
                text = f.read()
            text = text.replace('GRUB_CMDLINE_LINUX=""', 'GRUB_CMDLINE_LINUX="iommu=pt"')
            text = text.replace('GRUB_TIMEOUT=5\n', '')
            # a later value without the audio function's ID: the last one counts
            text += 'GRUB_CMDLINE_LINUX_DEFAULT="$GRUB_CMDLINE_LINUX_DEFAULT vfio-pci.ids=10de:1381"\n'
            with open(p, 'w', encoding='utf-8') as f:
                f.write(text)
        with tempfile.TemporaryDirectory() as d:
            r = corpuslib.run_case(self.synthetic_case(d), hooks={'after_apply': meddle})
        joined = '\n'.join(r.problems)
        self.assertIn('/etc/default/grub has iommu=pt 2 times', joined)
        self.assertIn('sets vfio_pci.ids 2 times', joined)
        self.assertIn('GRUB_TIMEOUT=5', joined)
        self.assertIn('does not give 0000:01:00.1 (10de:0fbc) to vfio-pci', joined)


if __name__ == '__main__':
    unittest.main(verbosity=2)
