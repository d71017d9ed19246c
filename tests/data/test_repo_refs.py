#!/usr/bin/python3
"""The repository stands on its own (docs/README.md):

1. no file refers to notes kept outside it: a sibling folder of notes
   beside the checkout, an absolute path on the machine it was written on, or the
   design notes the project started from;
2. every repository path a comment cites (`docs/…`, `tests/…`, `src/…`,
   `helper/…`, `data/…`, `build-aux/…`, `HACKING.md`) exists, so a reader
   who follows one finds it;
3. the helper's D-Bus names are spelled in one C header only,
   src/core/pt-dbus-names.h (docs/dbus.md, "Names, defined once").

Run with the source root as its argument (meson does)."""
import os
import re
import subprocess
import sys
import unittest

SRC = os.path.abspath(sys.argv.pop(1) if len(sys.argv) > 1 else
                      os.path.join(os.path.dirname(__file__), '..', '..'))

# Built from parts so that this file does not match itself.
OUTSIDE = [re.compile(p) for p in (
    r'\.\./' + 'shared',
    r'/work/' + r'(shared|wt|main)\b',
    r'\b' + 'DESIGN' + r'\.md\b',
    r'\b' + 'STYLE' + r'\.md\b',
    r'\b' + 'wave3' + r'-contracts',
    r'\bvm' + r'lab',
    r'(?<![\w.-])' + 'seeds' + r'/',
    r'(?<![\w.-])' + 'research' + r'/',
)]

CITED = re.compile(r'(?<![\w./-])((?:docs|tests|src|helper|data|build-aux)/[\w./+-]*[\w+-]|HACKING\.md)')
# A path with a placeholder names a family of files, not one to look up.
PLACEHOLDER = re.compile(r'NNN|<|\*|…|\{|XXX')

SKIP_DIRS = {'.git', 'subprojects'}
TEXT_SUFFIXES = ('.c', '.h', '.py', '.sh', '.build', '.txt', '.md', '.xml', '.in', '.ui', '.json',
                 '.conf', '.service', '.policy', '.desktop', '.1', '.8', '.head', '.tail', '')


def tracked_files():
    """git's list where there is a checkout; every file of the tree (a
    release tarball) otherwise, without build directories."""
    try:
        out = subprocess.run(['git', '-C', SRC, 'ls-files', '-z'], capture_output=True, check=True).stdout
        files = [f for f in out.decode().split('\0') if f]
        if files:
            return files
    except (OSError, subprocess.CalledProcessError):
        pass
    files = []
    for dirpath, dirs, names in os.walk(SRC):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.startswith('_build')
                   and not os.path.exists(os.path.join(dirpath, d, 'meson-info'))]
        files += [os.path.relpath(os.path.join(dirpath, n), SRC) for n in names]
    return files


def read_text(rel):
    path = os.path.join(SRC, rel)
    if os.path.islink(path) or not os.path.isfile(path):
        return None
    with open(path, 'rb') as f:
        data = f.read()
    if b'\0' in data:
        return None
    return data.decode('utf-8', errors='replace')


def comments(rel, text):
    """The comment text of a source or build file; all of a document."""
    name = os.path.basename(rel)
    if name.endswith(('.c', '.h')):
        return '\n'.join(re.findall(r'/\*.*?\*/|//[^\n]*', text, re.S))
    if name.endswith(('.xml', '.ui', '.policy.in', '.conf')):
        return '\n'.join(re.findall(r'<!--.*?-->', text, re.S))
    if name.endswith(('.py', '.sh', '.build', '.txt', '.head', '.tail')) or name in ('meson.build', 'dev', 'run'):
        return '\n'.join(m for m in re.findall(r'#[^\n]*', text))
    if name.endswith('.md') or name in ('SOURCES', 'README'):
        return text
    return ''


class RepoRefs(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.files = tracked_files()
        cls.texts = {}
        for rel in cls.files:
            # Published files kept as test data say what they say.
            if rel.startswith('tests/corpus/') and not rel.endswith(('.py', 'SOURCES', 'README.md')):
                continue
            text = read_text(rel)
            if text is not None:
                cls.texts[rel] = text

    def test_nothing_outside_the_repository(self):
        found = []
        for rel, text in self.texts.items():
            for pattern in OUTSIDE:
                for m in pattern.finditer(text):
                    line = text.count('\n', 0, m.start()) + 1
                    found.append(f'{rel}:{line}: {m.group(0)!r}')
        self.assertEqual(found, [], 'files that refer to notes outside the repository '
                         '(cite a page under docs/ instead):\n' + '\n'.join(found))

    def test_cited_paths_exist(self):
        missing = []
        for rel, text in self.texts.items():
            if rel.startswith('tests/corpus/'):
                continue
            body = comments(rel, text)
            for m in CITED.finditer(body):
                cited = m.group(1).rstrip('.')
                if PLACEHOLDER.search(cited) or PLACEHOLDER.search(body[m.end():m.end() + 1]):
                    continue
                # a configured file (X.in) or a program built from X.c counts
                if not any(os.path.exists(os.path.join(SRC, cited + ext)) for ext in ('', '.in', '.c')):
                    missing.append(f'{rel}: {cited}')
        self.assertEqual(sorted(set(missing)), [], 'comments cite paths that do not exist:\n' +
                         '\n'.join(sorted(set(missing))))

    def test_dbus_names_in_one_header(self):
        names = re.compile(r'"(com\.example\.Passthrough\.(Helper1?|Error\.\w*)|/com/example/Passthrough/Helper)"')
        spelled = []
        for rel, text in self.texts.items():
            if not rel.endswith(('.c', '.h')) or rel.startswith('tests/'):
                continue
            if rel == 'src/core/pt-dbus-names.h':
                continue
            for m in names.finditer(text):
                spelled.append(f'{rel}: {m.group(0)}')
        self.assertEqual(spelled, [], 'D-Bus names spelled outside src/core/pt-dbus-names.h:\n' +
                         '\n'.join(spelled))


if __name__ == '__main__':
    unittest.main(verbosity=2)
