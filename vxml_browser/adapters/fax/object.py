"""Fax as VoiceXML platform objects (VoiceXML 2.0 §2.3.5 ``<object>``).

    <object name="fax" classid="builtin:fax/send">
      <param name="document" expr="'http://apps.example/prospectus.pdf'"/>
    </object>

- ``builtin:fax/send``: fetches ``document`` (PDF, TIFF or an image), converts it to TIFF-F and
  faxes it on the call.
- ``builtin:fax/receive``: receives a fax on the call and stores it whole in the fax store.
- ``builtin:fax/detect``: listens for a fax machine's tones (CNG, or CED with ``tone=ced``)
  for ``timeout`` seconds: an IVR can tell a fax caller from a voice caller.

The object's value (its shadow variables, ``fax.pages`` ...) is ``FaxResult.shadow()`` plus
``fax_id`` for a received fax; failures are ``error.fax.*`` events (``events.py``). The
platform calls ``handle_fax_object(call_audio, action)`` for an ``ObjectCall`` whose classid
starts with ``builtin:fax/``; ``call_audio`` is how the fax reaches the call's media (below).
"""

from __future__ import annotations

import asyncio
import logging
import os
import tempfile
import urllib.parse
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from ...core.actions import ObjectCall
from ...core.inputs import ObjectDone
from . import documents, events
from .session import FaxSession, FaxToneDetector
from .spandsp import FRAME_SAMPLES, SAMPLE_RATE
from .store import FaxStore, StoreError

log = logging.getLogger(__name__)

PREFIX = "builtin:fax/"
SEND = "builtin:fax/send"
RECEIVE = "builtin:fax/receive"
DETECT = "builtin:fax/detect"
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024


class CallAudio(Protocol):
    """A call's media as the fax objects need it (the SIP platform implements this per call).

    ``run_fax`` routes the call's audio through ``endpoint`` one 20 ms frame at a time:
    ``endpoint.receive(pcm)`` with each frame heard and ``endpoint.transmit(160)`` for each frame
    to send (8 kHz signed 16-bit PCM), until ``endpoint.done`` turns True or the call ends (then
    it calls ``endpoint.hangup()``), and returns. It does not hang up the call itself.
    """

    async def run_fax(self, endpoint: Any) -> None: ...


DocumentFetcher = Callable[[str], Awaitable[bytes]]


class FetchError(Exception):
    pass


async def fetch_document(url: str) -> bytes:
    """The default document fetcher: ``file:`` URLs and paths, ``http(s):`` with aiohttp."""
    parsed = urllib.parse.urlparse(url)
    if parsed.scheme in ("http", "https"):
        import aiohttp

        try:
            async with aiohttp.ClientSession() as client, client.get(
                    url, timeout=aiohttp.ClientTimeout(total=30)) as response:
                if response.status != 200:
                    raise FetchError(f"{url}: HTTP {response.status}")
                data = await response.content.read(MAX_DOCUMENT_BYTES + 1)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise FetchError(f"{url}: {exc}") from exc
    elif parsed.scheme in ("file", ""):
        path = urllib.parse.unquote(parsed.path) if parsed.scheme == "file" else url
        try:
            data = await asyncio.to_thread(_read, path)
        except OSError as exc:
            raise FetchError(f"{url}: {exc.strerror or exc}") from exc
    else:
        raise FetchError(f"{url}: unsupported scheme {parsed.scheme!r}")
    if len(data) > MAX_DOCUMENT_BYTES:
        raise FetchError(f"{url}: over {MAX_DOCUMENT_BYTES} bytes")
    return data


def _read(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read(MAX_DOCUMENT_BYTES + 1)


@dataclass(frozen=True, slots=True)
class FaxParams:
    """The ``<param>``s the fax objects take (names as written in VoiceXML)."""

    document: str | None = None  # send: the URL of the PDF/TIFF/image
    ident: str | None = None  # our station id (TSI/CSI), at most 20 characters
    header: str | None = None  # send: the header line printed on each page
    ecm: bool = True
    bitrate: int = 14400  # the top speed offered: 14400 (V.17), 9600 (V.29) or 4800 (V.27ter)
    timeout: float | None = None  # seconds of call time for the whole fax (detect: default 5)
    role: str | None = None  # "caller" or "answerer" (the T.30 role; default: by direction)
    maxbadrows: int = 20  # receive: a page with more damaged rows is refused (without ECM)
    tone: str = "cng"  # detect: "cng" (a calling fax) or "ced" (an answering fax)

    @classmethod
    def parse(cls, params: tuple[tuple[str, Any], ...]) -> FaxParams:
        values = dict(params)
        unknown = sorted(set(values) - set(cls.__dataclass_fields__))
        if unknown:
            raise ValueError(f"unknown param{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}")

        def text(name: str) -> str | None:
            v = values.get(name)
            return None if v is None else str(v)

        def flag(name: str, default: bool) -> bool:
            v = values.get(name, default)
            if isinstance(v, str):
                if v.lower() not in ("true", "false"):
                    raise ValueError(f"param {name} must be true or false, not {v!r}")
                return v.lower() == "true"
            return bool(v)

        def number(name: str, default: float | None) -> float | None:
            v = values.get(name, default)
            if v is None:
                return None
            s = str(v).strip().lower()
            scale = 0.001 if s.endswith("ms") else 1.0
            s = s.removesuffix("ms").removesuffix("s")
            try:
                return float(s) * scale
            except ValueError:
                raise ValueError(f"param {name} must be a number, not {v!r}") from None

        bitrate = int(number("bitrate", 14400) or 14400)
        if bitrate not in (4800, 7200, 9600, 12000, 14400):
            raise ValueError(f"param bitrate must be 4800, 7200, 9600, 12000 or 14400, not {bitrate}")
        role = text("role")
        if role not in (None, "caller", "answerer"):
            raise ValueError(f"param role must be caller or answerer, not {role!r}")
        tone = text("tone") or "cng"
        if tone not in ("cng", "ced"):
            raise ValueError(f"param tone must be cng or ced, not {tone!r}")
        return cls(document=text("document"), ident=text("ident"), header=text("header"),
                   ecm=flag("ecm", True), bitrate=bitrate, timeout=number("timeout", None),
                   role=role, maxbadrows=int(number("maxbadrows", 20) or 0), tone=tone)


class ToneListener:
    """A ``CallAudio`` endpoint that only listens, for ``builtin:fax/detect``."""

    def __init__(self, kind: str, timeout_s: float) -> None:
        self.detector = FaxToneDetector(kind)  # type: ignore[arg-type]
        self.limit = int(timeout_s * SAMPLE_RATE)
        self.samples = 0
        self.hung_up = False

    def receive(self, pcm: bytes) -> None:
        self.samples += len(pcm) // 2
        self.detector.feed(pcm)

    def transmit(self, samples: int = FRAME_SAMPLES) -> bytes:
        return bytes(samples * 2)

    @property
    def done(self) -> bool:
        return self.detector.heard or self.samples >= self.limit or self.hung_up

    def hangup(self) -> None:
        self.hung_up = True


async def handle_fax_object(
    call_audio: CallAudio,
    action: ObjectCall,
    *,
    store: FaxStore | None = None,
    fetch: DocumentFetcher = fetch_document,
    ident: str = "",
    header: str = "",
    call_id: str = "",
    base: str | None = None,
    workdir: str | None = None,
) -> ObjectDone:
    """Run a ``builtin:fax/*`` object on the call; the answer for the interpreter.

    ``store`` keeps received faxes (required for ``builtin:fax/receive``); ``fetch`` gets the
    document to send, its URL resolved against ``base`` (the current document's URI);
    ``ident`` and ``header`` are the platform's defaults for the params.
    """
    kind = action.classid.removeprefix(PREFIX) if action.classid.startswith(PREFIX) else None
    if kind not in ("send", "receive", "detect"):
        return ObjectDone(error="error.unsupported.objectname",
                          message=f"no fax object '{action.classid}' (builtin:fax/send,"
                                  " builtin:fax/receive, builtin:fax/detect)")
    try:
        params = FaxParams.parse(action.params)
    except ValueError as exc:
        return ObjectDone(error="error.semantic", message=f"{action.classid}: {exc}")
    if kind == "detect":
        return await _detect(call_audio, params)
    with tempfile.TemporaryDirectory(prefix="fax-", dir=workdir) as tmp:
        path = os.path.join(tmp, "fax.tif")
        if kind == "send":
            if not params.document:
                return ObjectDone(error="error.semantic",
                                  message=f"{SEND} needs <param name=\"document\">")
            url = urllib.parse.urljoin(base, params.document) if base else params.document
            try:
                data = await fetch(url)
            except FetchError as exc:
                return ObjectDone(error="error.badfetch", message=f"fax document: {exc}")
            try:
                pages = await asyncio.to_thread(documents.to_fax_tiff, data, path)
            except documents.DocumentError as exc:
                return ObjectDone(error=events.BADDOCUMENT,
                                  message=f"{params.document}: {exc}")
            log.info("fax %s: sending %s (%d pages)", call_id, params.document, pages)
        elif store is None:
            return ObjectDone(error="error.unsupported.objectname",
                              message="this platform has no fax store: builtin:fax/receive is off")
        session = FaxSession(
            kind, path, calling=None if params.role is None else params.role == "caller",
            ident=params.ident if params.ident is not None else ident,
            header=params.header if params.header is not None else header,
            ecm=params.ecm, timeout_s=params.timeout, max_bad_rows=params.maxbadrows,
            max_bit_rate=params.bitrate)
        try:
            await call_audio.run_fax(session)
        finally:
            session.hangup()
        result = session.result()
        log.info("fax %s: %s %s, %d pages, %d bit/s, %s", call_id, kind, result.status,
                 result.pages, result.bit_rate, result.message)
        if not result.ok:
            return ObjectDone(error=result.event, message=result.message)
        shadow = result.shadow()
        if kind == "receive":
            try:
                shadow["fax_id"] = await asyncio.to_thread(
                    store.save, path, direction="in", result=result, call_id=call_id,  # type: ignore[union-attr]
                    meta={"classid": action.classid})
            except StoreError as exc:
                return ObjectDone(error=events.STORE, message=str(exc))
        else:
            shadow["document"] = params.document
        return ObjectDone(result=shadow)


async def _detect(call_audio: CallAudio, params: FaxParams) -> ObjectDone:
    listener = ToneListener(params.tone, params.timeout if params.timeout is not None else 5.0)
    await call_audio.run_fax(listener)
    heard = listener.detector.heard
    return ObjectDone(result={"fax": heard, "tone": params.tone if heard else "",
                              "duration": round(listener.samples / SAMPLE_RATE, 2)})

