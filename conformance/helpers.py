"""Server-side parts the copied suite lacks, written from what the test documents expect.

The official IR suite shipped ``.ircgi`` scripts and audio that no public copy kept (see the
suite README). None of the copied tests names an ``.ircgi`` any more (the cudl edits replaced
them), but five documents link to server resources that are absent. Each is rebuilt here as a
small aiohttp handler; ``HELPERS`` is the one table of them, and ``conformance/REPORT.md`` lists
it. Deliberately missing targets (``notExist.vxml``, ``1001NextAndNextItem.vxml``, ``a.wav``,
``assertion-561.js``: the tests expect error.badfetch) are *not* provided.
"""

from __future__ import annotations

import struct
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

VXML_TYPE = "application/voicexml+xml"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _vxml(body: str) -> web.Response:
    return web.Response(
        body=body.encode(), content_type=VXML_TYPE, charset="utf-8",
        headers={"Cache-Control": "no-store"},
    )


def silent_au(seconds: float = 0.5, rate: int = 8000) -> bytes:
    """A Sun/NeXT ``.au`` file (mu-law, mono) of silence: the "short audio file" a test asks for."""
    samples = int(seconds * rate)
    header = struct.pack(">4sIIIII", b".snd", 24, samples, 1, rate, 1)  # encoding 1 = 8-bit mu-law
    return header + b"\xff" * samples  # 0xFF is mu-law silence


async def app_root_doc(request: web.Request) -> web.StreamResponse:
    """``appRootDoc.vxml`` for test 397: an application root that declares ``appRootVar``.

    397 checks that a variable of the application root is visible from every narrower scope.
    """
    return _vxml(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<vxml version="2.0" xmlns="http://www.w3.org/2001/vxml">\n'
        "  <var name=\"appRootVar\" expr=\"'appRootValue'\"/>\n"
        "</vxml>\n"
    )


async def assert185_b(request: web.Request) -> web.StreamResponse:
    """``assert185-b.vxml`` for assertion 185: the target of a ``<submit>`` from a noinput handler.

    185: after a handler transfers control with ``<submit next="assert185-b.vxml#form3">``, the
    FIA starts the new form at its initialisation phase. So ``form3`` passes only if its form
    item variable was initialised (``<var expr>`` ran) and execution began at ``form3``, not at
    the first form of the document.
    """
    return _vxml(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<vxml version="2.0" xmlns="http://www.w3.org/2001/vxml">\n'
        "  <catch><prompt>fail</prompt><log>failure expression: <value expr=\"_event\"/></log><exit/></catch>\n"
        '  <form id="form1"><block><prompt>fail</prompt>'
        "<log>failure reason: submit did not go to the fragment #form3</log><exit/></block></form>\n"
        '  <form id="form3">\n'
        '    <var name="initialised" expr="true"/>\n'
        '    <block><if cond="initialised == true"><prompt>pass</prompt><exit/>'
        "<else/><prompt>fail</prompt><log>failure reason: form3 not initialised</log><exit/></if></block>\n"
        "  </form>\n"
        "</vxml>\n"
    )


async def a655b(request: web.Request) -> web.StreamResponse:
    """``a655b.txml`` for assertion 655: the document a subdialog's ``<goto>`` lands in.

    a655's comment: "a655b.txml: a short document which does a return from dialog a655,
    hopefully to this document (a655.txml)"; a655 then checks ``sb1.a655a`` and ``sb1.a655b``,
    the return properties set on the subdialog's form item variable.
    """
    return _vxml(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<vxml version="2.0" xmlns="http://www.w3.org/2001/vxml">\n'
        '  <form id="a655">\n'
        '    <var name="a655a" expr="true"/>\n'
        '    <var name="a655b" expr="true"/>\n'
        '    <block><return namelist="a655a a655b"/></block>\n'
        "  </form>\n"
        "</vxml>\n"
    )


async def a002_audio(request: web.Request) -> web.StreamResponse:
    """``a002_test1.au`` / ``a002_test2.au`` for assertion 2: short audio files (silence here).

    a002 sequences TTS and audio; its README comment names both files as web requirements.
    """
    return web.Response(body=silent_au(), content_type="audio/basic")


@dataclass(frozen=True, slots=True)
class Helper:
    """One rebuilt server-side part: the path it answers, its handler, and the test that needs it."""

    path: str
    handler: Handler
    test: str
    what: str


HELPERS: tuple[Helper, ...] = (
    Helper("vxml20/cudl-w3c/appRootDoc.vxml", app_root_doc, "cudl/397",
           "application root declaring appRootVar"),
    Helper("vxml20/cudl-w3c/assert185-b.vxml", assert185_b, "cudl/assert185",
           "submit target whose #form3 checks it was initialised"),
    Helper("vxml20/cudl-w3c/a655b.txml", a655b, "cudl/a655",
           "second document of a subdialog: returns a655a and a655b"),
    Helper("vxml20/cudl-w3c/a002_test1.au", a002_audio, "cudl/a002", "short audio file (silence)"),
    Helper("vxml20/cudl-w3c/a002_test2.au", a002_audio, "cudl/a002", "short audio file (silence)"),
)
"""Every server-side part the runner adds to the suite, by URL path under the suite root."""


def helper_table() -> dict[str, Handler]:
    """URL path (no leading slash) -> handler."""
    return {h.path: h.handler for h in HELPERS}
