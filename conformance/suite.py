"""The W3C VoiceXML IR test suite on disk: which tests there are and where each one starts.

The suite data lives outside the repository (``/work/shared/conformance/w3c-vxml``, see its
README) and is only ever read. An *entry test* is a ``.txml`` file that contains ``conf:pass`` in
one of the folders of ``SUITE_FOLDERS`` (173 in all). Some of them are only reached from a driver
document (``528a1`` goes to ``528a2``, ``a72-var-driver`` to its leaves); running such a file on
its own would test nothing, so each test *starts* at the root of the link graph that reaches it.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

DEFAULT_SUITE_DIR = Path("/work/shared/conformance/w3c-vxml")

CONF_NS = "http://www.w3.org/2002/vxml-conformance"


@dataclass(frozen=True, slots=True)
class SuiteFolder:
    """One folder of entry tests: its short suite name, path and VoiceXML version."""

    suite: str
    path: str
    spec: str
    per_assertion: bool
    """True when the folder holds one sub-folder per assertion (the JVoiceXML copies)."""


SUITE_FOLDERS: tuple[SuiteFolder, ...] = (
    SuiteFolder("cudl", "vxml20/cudl-w3c", "2.0", False),
    SuiteFolder("cudl-history", "vxml20/cudl-w3c-history/missing-from-cudl-w3c", "2.0", False),
    SuiteFolder("jvxml20", "vxml20/jvoicexml-irp_vxml20", "2.0", True),
    SuiteFolder("jvxml21", "vxml21/jvoicexml-irp_vxml21", "2.1", True),
)
"""The folders a run reads; ``earliest-variants/`` (edited duplicates) is deliberately absent."""

XSLT_PATH = "vxml20/cudl-w3c/irtest.xslt"

_DOC_REF = re.compile(r"([A-Za-z0-9_.-]+)\.(?:txml|vxml)\b")


@dataclass(frozen=True, slots=True)
class SuiteTest:
    """One entry test: the ``conf:pass`` file, and the document the call starts at."""

    id: str
    suite: str
    spec: str
    path: Path
    entry: Path

    @property
    def stem(self) -> str:
        """The file name without ``.txml`` (the name the W3C and the suite's links use)."""
        return self.path.stem

    def relpath(self, suite_dir: Path) -> str:
        """The entry document's path under the suite directory (the server's URL path)."""
        return self.entry.relative_to(suite_dir).as_posix()


def has_conf_pass(path: Path) -> bool:
    """True when a ``.txml`` file contains the ``conf:pass`` success indicator."""
    return b"conf:pass" in path.read_bytes()


def document_refs(path: Path) -> set[str]:
    """Stems of the ``.txml``/``.vxml`` documents a test file names in attributes or scripts.

    Comments are ignored (they mention other tests in prose). URIs such as
    ``http://localhost/vxml/528a2.vxml#second`` count by their file name.
    """
    try:
        root = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        return set()
    found: set[str] = set()
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        texts: Iterable[str] = list(el.attrib.values())
        if etree.QName(el).localname == "script" and el.text:
            texts = [*texts, el.text]
        for text in texts:
            found.update(m.group(1) for m in _DOC_REF.finditer(text))
    found.discard(path.stem)
    return found


def _entry_for(stem: str, parents: dict[str, set[str]]) -> str:
    """The root of the link graph that reaches ``stem`` (``stem`` itself when nothing links to it).

    Among several roots the one sharing the longest name prefix wins (``1001`` for
    ``1001Second``), then the first by name; a file reached only through a cycle starts itself.
    """
    if not parents.get(stem):
        return stem
    seen = {stem}
    queue = deque([stem])
    roots: list[str] = []
    while queue:
        node = queue.popleft()
        for parent in sorted(parents.get(node, ())):
            if parent in seen:
                continue
            seen.add(parent)
            if parents.get(parent):
                queue.append(parent)
            else:
                roots.append(parent)
    if not roots:
        return stem

    def prefix(other: str) -> int:
        n = 0
        for a, b in zip(stem, other, strict=False):
            if a != b:
                break
            n += 1
        return n

    return sorted(roots, key=lambda r: (-prefix(r), r))[0]


def _folder_tests(folder: SuiteFolder, directory: Path) -> list[SuiteTest]:
    files = {p.stem: p for p in sorted(directory.glob("*.txml"))}
    parents: dict[str, set[str]] = {}
    for stem, path in files.items():
        for ref in document_refs(path):
            if ref in files:
                parents.setdefault(ref, set()).add(stem)
    tests = []
    for stem, path in files.items():
        if not has_conf_pass(path):
            continue
        entry = files[_entry_for(stem, parents)]
        tests.append(SuiteTest(f"{folder.suite}/{stem}", folder.suite, folder.spec, path, entry))
    return tests


def discover(suite_dir: Path = DEFAULT_SUITE_DIR) -> list[SuiteTest]:
    """All entry tests of the suite, in folder then name order."""
    tests: list[SuiteTest] = []
    for folder in SUITE_FOLDERS:
        base = suite_dir / folder.path
        if not base.is_dir():
            continue
        dirs = sorted((d for d in base.iterdir() if d.is_dir()), key=_natural) if folder.per_assertion else [base]
        for directory in dirs:
            tests.extend(_folder_tests(folder, directory))
    return tests


def _natural(path: Path) -> tuple[int, str]:
    return (int(path.name), "") if path.name.isdigit() else (1 << 30, path.name)


def select(tests: list[SuiteTest], only: Iterable[str] | None) -> list[SuiteTest]:
    """Tests named by ``--only``: a full id (``cudl/1001Second``) or a bare stem (``1001Second``)."""
    wanted = list(only or ())
    if not wanted:
        return tests
    return [t for t in tests if any(w == t.id or w == t.stem for w in wanted)]
