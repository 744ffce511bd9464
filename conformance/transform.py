"""txml -> VoiceXML with the suite's own stylesheet (``vxml20/cudl-w3c/irtest.xslt``).

The W3C tests are written with ``conf:`` placeholders (``conf:pass``, ``conf:speech``,
``conf:grammar`` ...); the official stylesheet turns them into VoiceXML prompts, grammars, logs
and exits. The stylesheet is applied with lxml, never edited.

One probe is added to its output (``add_pass_probes``): before each ``<prompt>pass</prompt><exit/>``
a ``<log label="conformance">pass</log>``. Several tests pass inside a
``connection.disconnect.*`` handler, after the caller is gone, where no prompt can be played
any more (the stylesheet's ``conf:fail`` already logs its reason; ``conf:pass`` logs nothing).
The log makes such a pass observable; it changes nothing else the test does.
"""

from __future__ import annotations

import threading
from pathlib import Path

from lxml import etree

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)

VXML_NS = "http://www.w3.org/2001/vxml"
PROBE_LABEL = "conformance"


def add_pass_probes(root: etree._Element) -> int:
    """Insert ``<log label="conformance">pass</log>`` before each pass prompt; returns how many.

    A pass prompt is the stylesheet's ``conf:pass`` output: ``<prompt>pass</prompt>`` followed
    by ``<exit/>``.
    """
    count = 0
    for prompt in list(root.iter(f"{{{VXML_NS}}}prompt")):
        nxt = prompt.getnext()
        if (len(prompt) == 0 and (prompt.text or "").strip() == "pass" and not prompt.attrib
                and nxt is not None and nxt.tag == f"{{{VXML_NS}}}exit"):
            log = etree.Element(f"{{{VXML_NS}}}log", label=PROBE_LABEL)
            log.text = "pass"
            prompt.addprevious(log)
            count += 1
    return count


class Transformer:
    """Applies ``irtest.xslt`` to ``.txml`` files and caches results by path and mtime.

    lxml XSLT objects must not be shared between threads, so each thread gets its own.
    """

    def __init__(self, xslt_path: Path) -> None:
        self.xslt_path = xslt_path
        self._xslt_doc = etree.parse(str(xslt_path), _PARSER)
        self._local = threading.local()
        self._cache: dict[tuple[Path, int], bytes] = {}
        self._lock = threading.Lock()

    def _xslt(self) -> etree.XSLT:
        xslt = getattr(self._local, "xslt", None)
        if xslt is None:
            xslt = etree.XSLT(self._xslt_doc)
            self._local.xslt = xslt
        return xslt

    def transform_bytes(self, txml: bytes, base_url: str | None = None) -> bytes:
        """Transform one test document given as bytes; raises ``etree.XMLSyntaxError`` if malformed."""
        doc = etree.fromstring(txml, _PARSER, base_url=base_url).getroottree()
        result = self._xslt()(doc)
        root = result.getroot()
        if root is not None:
            add_pass_probes(root)
        return etree.tostring(result, xml_declaration=True, encoding="UTF-8")

    def transform(self, path: Path) -> bytes:
        """The VoiceXML for a ``.txml`` file (cached until the file changes)."""
        key = (path, path.stat().st_mtime_ns)
        with self._lock:
            cached = self._cache.get(key)
        if cached is not None:
            return cached
        out = self.transform_bytes(path.read_bytes(), base_url=path.as_uri())
        with self._lock:
            self._cache[key] = out
        return out
