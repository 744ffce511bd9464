"""The pjsua2 thread: the one place that touches PJSIP in a worker process.

Design (issue 5; ARCHITECTURE.md "pjsua2"):

* One ``Engine`` per process owns the pjsua2 ``Endpoint``. It runs on its own thread, created and
  registered with PJSIP there, and every pjsua2 object (calls, players, recorders) is created,
  used and destroyed on that thread only.
* PJSIP runs with no threads of its own (``uaConfig.threadCnt = 0``, ``medConfig.threadCnt = 0``,
  ``medConfig.hasIoqueue = False``): the engine thread polls ``libHandleEvents`` and SIP and RTP
  callbacks (incoming call, call state, DTMF, INFO) run on it, inside that poll. This is the
  only mode in which the 2.10 wheel survives Python callbacks, and it is the same design under
  2.15, so one adapter serves both wheels. Audio itself never reaches Python: players, recorders
  and the conference bridge are driven by the null sound device's C clock thread.
* The asyncio loop never calls pjsua2. It sends commands through a ``queue.SimpleQueue`` of
  callables (``Engine.run`` returns an ``asyncio.Future``) that the engine thread runs between
  polls; the engine hands events back with ``loop.call_soon_threadsafe``.
* What needs a timer in PJSIP terms but a callback that would land on the clock thread (a
  player's end of file) is polled: the engine knows each prompt's duration and checks the clock.
* DTMF barge-in happens on the engine thread, in the DTMF callback itself: the current player is
  disconnected before the digit is even posted to the loop, so playback stops at once.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .config import SipCredential

log = logging.getLogger(__name__)

NO_LOOP = 1  # PJMEDIA_FILE_NO_LOOP


def pjsua2_module() -> Any:
    import pjsua2

    return pjsua2


def wheel_version() -> str:
    pj = pjsua2_module()
    return "2.15" if hasattr(pj, "AudioMediaPort") else "2.10"


# Calls one process can hold, by wheel (measured: DEPENDENCIES.md); the build's PJSUA_MAX_CALLS
# wins over ``uaConfig.maxCalls``.
WHEEL_MAX_CALLS = {"2.15": 4, "2.10": 31}
PORT_REST_S = 1.0  # an idle media port rests this long before another call gets it


def max_calls() -> int:
    return WHEEL_MAX_CALLS[wheel_version()]


@dataclass(frozen=True, slots=True)
class EngineConfig:
    host: str = "127.0.0.1"
    port: int = 5070
    rtp_port: int = 20000
    rtp_port_range: int = 200
    max_calls: int = 32
    clock_rate: int = 8000
    codecs: tuple[str, ...] = ("PCMU/8000", "PCMA/8000", "G722/16000")
    poll_ms: int = 10
    user_agent: str = "vxml-browser"
    log_level: int = 0
    credentials: tuple[SipCredential, ...] = ()  # answer 401/407 on outbound INVITEs (RFC 3261 §22.2)


def parse_headers(message: str) -> dict[str, list[str]]:
    """Header fields of a SIP message (names lower-case, compact forms expanded)."""
    compact = {"f": "from", "t": "to", "m": "contact", "i": "call-id", "c": "content-type",
               "l": "content-length", "v": "via", "k": "supported"}
    head = message.split("\r\n\r\n", 1)[0].split("\n\n", 1)[0]
    headers: dict[str, list[str]] = {}
    last = ""
    for line in head.splitlines()[1:]:
        if line[:1] in (" ", "\t") and last:
            headers[last][-1] += " " + line.strip()
            continue
        name, sep, value = line.partition(":")
        if not sep:
            continue
        name = name.strip().lower()
        name = compact.get(name, name)
        headers.setdefault(name, []).append(value.strip())
        last = name
    return headers


def message_body(message: str) -> str:
    for sep in ("\r\n\r\n", "\n\n"):
        if sep in message:
            return message.split(sep, 1)[1]
    return ""


def sdp_offer_ok(sdp: str) -> bool:
    """Whether an SDP offer gives a connection address to every media description, at session
    level or in each (RFC 4566 §5.7). Answering a re-INVITE's offer without one killed the 2.10
    worker (SIGSEGV; found by fuzz/targets/sip_udp.py). An initial INVITE's offer is answered
    inside pjsua before any Python code runs: there both wheels still abort."""
    session, media = False, []
    for line in sdp.splitlines():
        if line.startswith("m="):
            media.append(False)
        elif line.startswith("c="):
            if media:
                media[-1] = True
            else:
                session = True
    return session or all(media)


def info_digit(content_type: str, body: str) -> str | None:
    """The key of a SIP INFO DTMF body: application/dtmf-relay (Signal=5) or application/dtmf."""
    ctype = content_type.split(";")[0].strip().lower()
    if ctype == "application/dtmf-relay":
        m = re.search(r"(?im)^\s*signal\s*=\s*(\S)", body)
        return m.group(1).upper() if m else None
    if ctype == "application/dtmf":
        text = body.strip()
        if text.isdigit() and len(text) <= 2 and int(text) in range(16):
            return "0123456789*#ABCD"[int(text)]
        return text[:1].upper() or None
    return None


@dataclass
class EngineLeg:
    """The engine's state for one call leg (engine thread only)."""

    key: int
    call: Any
    sink: Callable[[str, Any], None]
    inbound: bool
    media: Any = None
    players: deque[tuple[str, float, bool, int]] = field(default_factory=deque)
    player: Any = None
    player_end: float = 0.0
    player_bargein: bool = True
    player_token: int = 0
    recorder: Any = None
    bridged: int | None = None
    disconnected: bool = False
    last_info: str = ""
    dialog: dict[str, str] = field(default_factory=dict)  # From/To with tags, as sent
    port: Any = None  # an AudioMediaPort taking the caller's audio (2.15 only)
    fax: Any = None  # an AudioMediaPort carrying a fax both ways (2.15 only)
    feeds: set[int] = field(default_factory=set)  # legs that hear this one by ``connect``


class Engine:
    """Owns pjsua2 on its own thread; see the module docstring for the design."""

    def __init__(self, config: EngineConfig, loop: asyncio.AbstractEventLoop,
                 on_incoming: Callable[[int, dict[str, Any]], Callable[[str, Any], None]]) -> None:
        self.config = config
        self.loop = loop
        self.on_incoming = on_incoming
        self.commands: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self.legs: dict[int, EngineLeg] = {}
        self.ready = threading.Event()
        self.stopping = False
        self.error: BaseException | None = None
        self._next_key = 1
        self._thread = threading.Thread(target=self._main, name="pjsua2", daemon=True)
        self.pj: Any = None
        self.ep: Any = None
        self.account: Any = None
        self.version = ""
        self.native_info_relay = False
        self.busy_until = 0.0
        self.releases_gil = True
        # AudioMediaPorts (2.15) by clock rate: idle ones with the time they were given back,
        # and every one made, kept until the library is destroyed (see _take_port)
        self._idle_ports: dict[int, deque[tuple[float, Any]]] = {}
        self._all_ports: list[Any] = []

    # -- the asyncio side ----------------------------------------------------------------------
    def start(self) -> None:
        self._thread.start()
        self.ready.wait(10)
        if self.error:
            raise RuntimeError(f"pjsua2 did not start: {self.error}")

    def run(self, fn: Callable[..., Any], *args: Any) -> asyncio.Future[Any]:
        """Run ``fn(*args)`` on the engine thread; the future gets its result or exception."""
        fut: asyncio.Future[Any] = self.loop.create_future()

        def job() -> None:
            try:
                result = fn(*args)
            except BaseException as exc:  # handed to the loop, not raised on the engine thread
                # without its traceback: its frames hold this thread's pjsua2 objects, and in the
                # cycle future -> exception -> frames -> future the loop's garbage collector freed
                # them there (pj_thread_this assertion: the worker aborted; found by sip_udp)
                self.post(_set_exception, fut, exc.with_traceback(None))
            else:
                self.post(_set_result, fut, result)

        self.commands.put(job)
        return fut

    def submit(self, fn: Callable[..., Any], *args: Any) -> None:
        """Run ``fn(*args)`` on the engine thread; no answer."""
        self.commands.put(lambda: fn(*args))

    def stop(self) -> None:
        self.stopping = True
        self._thread.join(10)

    # -- the engine thread ---------------------------------------------------------------------
    def post(self, fn: Callable[..., Any], *args: Any) -> None:
        """Run ``fn(*args)`` on the loop, after everything posted before (how a leg's events,
        given to its sink on this thread, reach the asyncio side)."""
        self.busy_until = time.monotonic() + 0.15
        try:
            self.loop.call_soon_threadsafe(fn, *args)
        except RuntimeError:  # the loop is closed: the process is going down
            pass

    def _main(self) -> None:
        try:
            self._init()
        except BaseException as exc:
            self.error = exc
            self.ready.set()
            return
        self.ready.set()
        poll = self.config.poll_ms
        try:
            while not self.stopping:
                self._drain()
                # After an event went to the loop an answer (a command) is likely soon: poll
                # with a short timeout for a while so it waits for no more than ~1 ms.
                busy = time.monotonic() < self.busy_until
                if self.releases_gil:
                    self.ep.libHandleEvents(1 if busy else poll)
                else:
                    # this wheel holds the GIL inside libHandleEvents (it was built without
                    # SWIG threads): never block in it, sleep in Python so the loop runs
                    self.ep.libHandleEvents(0)
                    time.sleep(0.001 if busy else poll / 1000)
                self._tick()
        finally:
            self._shutdown()

    def _drain(self) -> None:
        while True:
            try:
                job = self.commands.get_nowait()
            except queue.Empty:
                return
            try:
                job()
            except Exception:
                log.exception("engine command failed")

    def _init(self) -> None:
        pj = self.pj = pjsua2_module()
        self.version = wheel_version()
        # Both wheels (2.10 and 2.15, measured) parse application/dtmf-relay INFO themselves and
        # call onDtmfDigit; application/dtmf is left to ``on_tsx``.
        self.native_info_relay = True
        # 2.15 releases the GIL while libHandleEvents waits; 2.10 does not (measured: another
        # Python thread ran 5x slower beside a blocking libHandleEvents(50) on 2.10)
        self.releases_gil = self.version != "2.10"
        cfg = self.config
        ep = self.ep = pj.Endpoint()
        ep.libCreate()
        ep_cfg = pj.EpConfig()
        ep_cfg.uaConfig.threadCnt = 0
        ep_cfg.uaConfig.mainThreadOnly = False
        ep_cfg.uaConfig.maxCalls = min(cfg.max_calls, WHEEL_MAX_CALLS[self.version])
        ep_cfg.uaConfig.userAgent = cfg.user_agent
        ep_cfg.medConfig.threadCnt = 0
        ep_cfg.medConfig.hasIoqueue = False
        ep_cfg.medConfig.clockRate = cfg.clock_rate
        ep_cfg.medConfig.sndClockRate = cfg.clock_rate
        ep_cfg.medConfig.maxMediaPorts = max(254, cfg.max_calls * 8)
        ep_cfg.medConfig.noVad = True
        ep_cfg.medConfig.ecTailLen = 0
        ep_cfg.logConfig.level = cfg.log_level
        ep_cfg.logConfig.consoleLevel = cfg.log_level
        ep.libInit(ep_cfg)
        tcfg = pj.TransportConfig()
        tcfg.port = cfg.port
        tcfg.boundAddress = cfg.host
        tcfg.publicAddress = cfg.host
        ep.transportCreate(pj.PJSIP_TRANSPORT_UDP, tcfg)
        ep.libStart()
        ep.audDevManager().setNullDev()
        self._set_codecs()
        acfg = pj.AccountConfig()
        acfg.idUri = f"sip:ivr@{cfg.host}:{cfg.port}"
        acfg.regConfig.registerOnAdd = False
        acfg.mediaConfig.transportConfig.port = cfg.rtp_port
        acfg.mediaConfig.transportConfig.portRange = cfg.rtp_port_range
        acfg.mediaConfig.transportConfig.boundAddress = cfg.host
        acfg.mediaConfig.transportConfig.publicAddress = cfg.host
        for cred in cfg.credentials:  # PJSIP resends a challenged request with the realm's digest
            acfg.sipConfig.authCreds.append(pj.AuthCredInfo("digest", cred.realm, cred.username, 0, cred.password))
        self.account = _Account(self)
        self.account.create(acfg, True)

    def _set_codecs(self) -> None:
        wanted = {c.lower(): 255 - i for i, c in enumerate(self.config.codecs)}
        for info in self.ep.codecEnum2():
            cid = info.codecId
            name = cid.rsplit("/", 1)[0] if cid.count("/") > 1 else cid
            self.ep.codecSetPriority(cid, wanted.get(name.lower(), 0))

    def _shutdown(self) -> None:
        try:
            self.ep.hangupAllCalls()
            for _ in range(20):
                self.ep.libHandleEvents(10)
            for leg in list(self.legs.values()):
                self._release(leg)
            self.legs.clear()
            # the calls are gone: no frames reach the ports now, so they may be destroyed
            self._idle_ports.clear()
            self._all_ports.clear()
            self.account = None
            self.ep.libDestroy()
        except Exception:
            log.exception("pjsua2 shutdown")

    def _tick(self) -> None:
        now = time.monotonic()
        for leg in list(self.legs.values()):
            if leg.player is not None and now >= leg.player_end:
                token = leg.player_token
                self._stop_player(leg)
                leg.sink("played", token)
                self._next_player(leg)

    # -- legs ------------------------------------------------------------------------------------
    def new_key(self) -> int:
        key = self._next_key
        self._next_key += 1
        return key

    def incoming(self, call_id: int, message: str) -> None:
        call = _Call(self, self.account, call_id)
        key = self.new_key()
        call.key = key
        info = call.getInfo()
        headers = parse_headers(message)
        details = {
            "local_uri": info.localUri, "remote_uri": info.remoteUri,
            "local_contact": info.localContact, "remote_contact": info.remoteContact,
            "call_id": info.callIdString, "headers": headers,
            "request_uri": message.split("\n", 1)[0].split(" ")[1] if " " in message else "",
        }
        sink = self.on_incoming(key, details)
        self.legs[key] = EngineLeg(key, call, sink, inbound=True)
        self.answer(key, 180)

    def answer(self, key: int, code: int = 200, headers: dict[str, str] | None = None) -> None:
        leg = self.legs[key]
        prm = self.pj.CallOpParam()
        prm.statusCode = code
        self._headers(prm.txOption, headers)
        leg.call.answer(prm)

    def hangup(self, key: int, code: int = 0) -> None:
        leg = self.legs.get(key)
        if leg is None or leg.disconnected:
            return
        prm = self.pj.CallOpParam()
        if code:
            prm.statusCode = code
        try:
            leg.call.hangup(prm)
        except Exception as exc:  # already gone
            log.debug("hangup %s: %s", key, exc)

    def redirect(self, key: int, target: str) -> None:
        """Answer an unanswered call with 302 Moved Temporarily to ``target``."""
        self.answer(key, 302, {"Contact": f"<{target}>"})

    def make_call(self, dest: str, sink: Callable[[str, Any], None],
                  headers: dict[str, str] | None = None) -> int:
        return self.make_call_keyed(self.new_key(), dest, sink, headers)

    def make_call_keyed(self, key: int, dest: str, sink: Callable[[str, Any], None],
                        headers: dict[str, str] | None = None) -> int:
        call = _Call(self, self.account)
        call.key = key
        self.legs[key] = EngineLeg(key, call, sink, inbound=False)
        prm = self.pj.CallOpParam(True)
        self._headers(prm.txOption, headers)
        try:
            call.makeCall(dest, prm)
        except Exception:
            del self.legs[key]
            raise
        return key

    def xfer(self, key: int, dest: str, headers: dict[str, str] | None = None) -> None:
        prm = self.pj.CallOpParam()
        self._headers(prm.txOption, headers)
        self.legs[key].call.xfer(dest, prm)

    def xfer_replaces(self, key: int, other: int) -> None:
        prm = self.pj.CallOpParam()
        self.legs[key].call.xferReplaces(self.legs[other].call, prm)

    def _headers(self, tx: Any, headers: dict[str, str] | None) -> None:
        if not headers:
            return
        vec = self.pj.SipHeaderVector()
        for name, value in headers.items():
            h = self.pj.SipHeader()
            h.hName = name
            h.hValue = value
            vec.append(h)
        tx.headers = vec

    def send_dtmf(self, key: int, digits: str, method: str = "rfc2833") -> None:
        leg = self.legs[key]
        if method == "rfc2833":
            leg.call.dialDtmf(digits)
            return
        prm = self.pj.CallSendDtmfParam()
        prm.method = self.pj.PJSUA_DTMF_METHOD_SIP_INFO
        prm.digits = digits
        prm.duration = 160
        leg.call.sendDtmf(prm)

    def send_info(self, key: int, content_type: str, body: str) -> None:
        prm = self.pj.CallSendRequestParam()
        prm.method = "INFO"
        prm.txOption.contentType = content_type
        prm.txOption.msgBody = body
        self.legs[key].call.sendRequest(prm)

    # -- media -------------------------------------------------------------------------------------
    def play(self, key: int, path: str, seconds: float, bargein: bool, token: int) -> None:
        """Queue a WAV file on the leg; ``played`` is posted with ``token`` when it ends."""
        leg = self.legs.get(key)
        if leg is None:
            return
        leg.players.append((path, seconds, bargein, token))
        if leg.player is None:
            self._next_player(leg)

    def _next_player(self, leg: EngineLeg) -> None:
        while leg.players and leg.player is None:
            path, seconds, bargein, token = leg.players.popleft()
            if leg.media is None or leg.disconnected:
                leg.sink("played", token)
                continue
            try:
                player = self.pj.AudioMediaPlayer()
                player.createPlayer(path, NO_LOOP)
                player.startTransmit(leg.media)
            except Exception as exc:
                log.warning("cannot play %s: %s", path, exc)
                leg.sink("played", token)
                continue
            log.debug("playing %s on leg %s", path, leg.key)
            leg.player = player
            leg.player_end = time.monotonic() + seconds
            leg.player_bargein = bargein
            leg.player_token = token

    def _stop_player(self, leg: EngineLeg) -> None:
        player, leg.player = leg.player, None
        if player is not None and leg.media is not None:
            _stop_transmit(player, leg.media)

    def stop_play(self, key: int) -> None:
        """Stop the current prompt and drop the queued ones (each still reports ``played``)."""
        leg = self.legs.get(key)
        if leg is None:
            return
        if leg.player is not None:
            token = leg.player_token
            self._stop_player(leg)
            leg.sink("played", token)
        while leg.players:
            leg.sink("played", leg.players.popleft()[3])

    def stop_token(self, key: int, token: int) -> None:
        """Stop one queued or playing clip (fetchaudio when the document arrived)."""
        leg = self.legs.get(key)
        if leg is None:
            return
        if leg.player is not None and leg.player_token == token:
            self._stop_player(leg)
            leg.sink("played", token)
            self._next_player(leg)
            return
        for item in list(leg.players):
            if item[3] == token:
                leg.players.remove(item)
                leg.sink("played", token)

    def barge(self, leg: EngineLeg) -> None:
        """A caller key stops bargeable prompts at once (VoiceXML 2.0 §4.1.5)."""
        if leg.player is not None and leg.player_bargein:
            token = leg.player_token
            self._stop_player(leg)
            leg.sink("played", token)
            while leg.players and leg.players[0][2]:
                leg.sink("played", leg.players.popleft()[3])
            self._next_player(leg)

    def start_record(self, key: int, path: str) -> None:
        leg = self.legs[key]
        rec = self.pj.AudioMediaRecorder()
        rec.createRecorder(path)
        if leg.media is not None:
            leg.media.startTransmit(rec)
        leg.recorder = rec

    def stop_record(self, key: int) -> None:
        leg = self.legs.get(key)
        if leg is None or leg.recorder is None:
            return
        rec, leg.recorder = leg.recorder, None
        if leg.media is not None:
            _stop_transmit(leg.media, rec)
        del rec  # closing the recorder writes the WAV header

    def bridge(self, a: int, b: int) -> None:
        la, lb = self.legs[a], self.legs[b]
        self._stop_player(la)
        la.bridged, lb.bridged = b, a
        if la.media is not None and lb.media is not None:
            la.media.startTransmit(lb.media)
            lb.media.startTransmit(la.media)

    def unbridge(self, a: int) -> None:
        la = self.legs.get(a)
        if la is None or la.bridged is None:
            return
        lb = self.legs.get(la.bridged)
        la.bridged = None
        if lb is None:
            return
        lb.bridged = None
        for x, y in ((la, lb), (lb, la)):
            if x.media is not None and y.media is not None:
                _stop_transmit(x.media, y.media)

    def connect(self, src: int, dst: int) -> bool:
        """One-way audio: leg ``dst`` hears leg ``src`` (a supervisor's listen, whisper and
        barge paths beside a ``bridge``). False, and nothing done, unless both legs have media."""
        media = self._live_media(src, dst)
        if media is None:
            return False
        media[0].startTransmit(media[1])
        self.legs[src].feeds.add(dst)
        return True

    def disconnect(self, src: int, dst: int) -> None:
        """Undo ``connect``. Nothing when either leg is gone: ``stopTransmit`` on the media of a
        DISCONNECTED call aborts the process (docs/DEPENDENCIES.md), and its port has left the
        bridge with its paths anyway."""
        leg = self.legs.get(src)
        if leg is not None:
            leg.feeds.discard(dst)
        media = self._live_media(src, dst)
        if media is not None:
            _stop_transmit(*media)

    def _live_media(self, *keys: int) -> list[Any] | None:
        """The legs' AudioMedia, or None when one of them is not up or already gone."""
        media = []
        for key in keys:
            leg = self.legs.get(key)
            if leg is None or leg.disconnected or leg.media is None:
                return None
            media.append(leg.media)
        return media

    def rx_packets(self, key: int) -> int | None:
        """Packets (RTP, and RTCP reports) received so far on the leg's audio stream; None
        without one (a bridge watches this to tell a far end whose media stopped:
        ``network_disconnect``)."""
        leg = self.legs.get(key)
        if leg is None or leg.call is None or leg.disconnected:
            return None
        info = leg.call.getInfo()
        for i, mi in enumerate(info.media):
            if mi.type == self.pj.PJMEDIA_TYPE_AUDIO and mi.status == self.pj.PJSUA_CALL_MEDIA_ACTIVE:
                # RTP packets in, plus RTCP reports in (they update our tx stats): a live far end
                # that suppresses silence still sends RTCP every ~5 s
                rtcp = leg.call.getStreamStat(i).rtcp
                return int(rtcp.rxStat.pkt) + int(rtcp.txStat.updateCount)
        return None

    # -- caller audio for speech recognition (2.15's AudioMediaPort) ---------------------------------
    @property
    def has_frames(self) -> bool:
        return hasattr(self.pj, "AudioMediaPort") if self.pj is not None else False

    def listen(self, key: int) -> None:
        """Send the caller's audio (PCM16 frames of 20 ms) to the loop as ``audio`` events. The
        port's ``onFrameReceived`` runs on the bridge's clock thread: only 2.15 survives that."""
        leg = self.legs.get(key)
        if leg is None or leg.media is None or leg.port is not None:
            return
        if not self.has_frames:
            raise RuntimeError(f"pjsua2 {self.version} has no AudioMediaPort: no speech input")
        port = self._take_port(self.config.clock_rate, leg, None)
        try:
            leg.media.startTransmit(port)
        except Exception:
            self._give_port(port)
            raise
        leg.port = port

    def fax(self, key: int, endpoint: Any) -> None:
        """Route the call's audio both ways through a fax endpoint (``adapters/fax``: receive,
        transmit, done), one 20 ms frame at a time on the clock thread; prompts stop first."""
        leg = self.legs.get(key)
        if leg is None or leg.media is None:
            raise RuntimeError("the call has no audio")
        if not self.has_frames:
            raise RuntimeError(f"pjsua2 {self.version} has no AudioMediaPort: no fax")
        self.stop_play(key)
        port = self._take_port(8000, leg, endpoint)
        leg.fax = port  # given back by stop_fax or _release, even if a connection fails here
        leg.media.startTransmit(port)
        port.startTransmit(leg.media)

    def stop_fax(self, key: int) -> None:
        leg = self.legs.get(key)
        if leg is None or leg.fax is None:
            return
        port, leg.fax = leg.fax, None
        if leg.media is not None:
            _stop_transmit(leg.media, port)
            _stop_transmit(port, leg.media)
        self._give_port(port)

    def _take_port(self, rate: int, leg: EngineLeg, endpoint: Any) -> Any:
        """A media port for ``leg`` (listening, or a fax ``endpoint`` both ways): an idle one of
        this rate that has rested ``PORT_REST_S``, else a new one.

        Ports are reused, never destroyed while the library runs: destroying one frees its
        Python object while the bridge's clock thread may be calling ``onFrameReceived`` on
        it, which crashed the process (segfaults in libpython on the clock thread, an
        AttributeError 'leg' before that) when listening calls ended under load. The rest
        lets frames still in flight from the previous call's media drain into nothing."""
        idle = self._idle_ports.setdefault(rate, deque())
        now = time.monotonic()
        if idle and now - idle[0][0] >= PORT_REST_S:
            port = idle.popleft()[1]
        else:
            fmt = self.pj.MediaFormatAudio()
            fmt.type = self.pj.PJMEDIA_TYPE_AUDIO
            fmt.clockRate = rate
            fmt.channelCount = 1
            fmt.bitsPerSample = 16
            fmt.frameTimeUsec = 20000
            port = _Port()
            port.rate = rate
            port.createPort(f"port{len(self._all_ports)}", fmt)
            self._all_ports.append(port)
        port.use = (leg, endpoint, [False])
        return port

    def _give_port(self, port: Any) -> None:
        """Back to the idle ports: frames that still arrive are dropped (``use`` is None)."""
        if port.use is None:
            return
        port.use = None
        self._idle_ports.setdefault(port.rate, deque()).append((time.monotonic(), port))

    def _release(self, leg: EngineLeg) -> None:
        for port in (leg.fax, leg.port):
            if port is not None:
                self._give_port(port)
        leg.fax = None
        leg.port = None
        self._stop_player(leg)
        leg.players.clear()
        if leg.recorder is not None:
            self.stop_record(leg.key)
        leg.media = None
        leg.call = None

    # -- callbacks (engine thread, inside libHandleEvents) -------------------------------------------
    def on_state(self, call: Any) -> None:
        leg = self.legs.get(call.key)
        if leg is None:
            return
        info = call.getInfo()
        state = info.state
        pj = self.pj
        if state == pj.PJSIP_INV_STATE_CONFIRMED:
            # the dialog as a supervisor needs it to end the call if this process dies
            leg.sink("confirmed", {"call_id": info.callIdString,
                                   "local": leg.dialog.get("local", info.localUri),
                                   "remote": leg.dialog.get("remote", info.remoteUri),
                                   "contact": info.remoteContact})
        elif state == pj.PJSIP_INV_STATE_EARLY:
            leg.sink("early", info.lastStatusCode)
        elif state == pj.PJSIP_INV_STATE_DISCONNECTED:
            # The call's media port is gone: drop players and recorders without disconnecting
            # them from it (destroying a port removes it from the bridge).
            leg.disconnected = True
            leg.media = None
            other = self.legs.get(leg.bridged) if leg.bridged is not None else None
            if other is not None:
                other.bridged = None
                leg.bridged = None
            if leg.bridged is not None:
                self.unbridge(leg.key)
            self.stop_play(leg.key)
            if leg.recorder is not None:
                self.stop_record(leg.key)
            self._release(leg)
            del self.legs[leg.key]
            leg.sink("disconnected", (info.lastStatusCode, info.lastReason))

    def on_media(self, call: Any) -> None:
        """The call's audio came up or changed: an answer, or a re-INVITE (hold, resume, another
        codec). A stream pjsua makes anew gets a new bridge slot, maybe the old one's number, so
        every path of the leg is connected again (``_connect_again``; connecting a path that is
        there already does nothing). With no stream left (port 0, an error) the leg has no
        media: prompts are skipped instead of sent to a slot that is gone (fuzz/REPORT.md
        ``sip-play-to-a-gone-bridge-slot-abort``)."""
        leg = self.legs.get(call.key)
        if leg is None:
            return
        pj = self.pj
        live = (pj.PJSUA_CALL_MEDIA_ACTIVE, pj.PJSUA_CALL_MEDIA_LOCAL_HOLD, pj.PJSUA_CALL_MEDIA_REMOTE_HOLD)
        info = call.getInfo()
        for i, mi in enumerate(info.media):
            if mi.type == pj.PJMEDIA_TYPE_AUDIO and mi.status in live:
                leg.media = pj.AudioMedia.typecastFromMedia(call.getMedia(i))
                self._connect_again(leg)
                if mi.status == pj.PJSUA_CALL_MEDIA_ACTIVE:
                    leg.sink("media", None)
                    if leg.player is None:
                        self._next_player(leg)
                return
        if leg.media is not None:
            log.info("leg %s has no audio stream any more", leg.key)
        leg.media = None

    def _connect_again(self, leg: EngineLeg) -> None:
        """Every path the leg has, to its current ``media``: the prompt playing, the recorder,
        the listening and fax ports, the bridged leg both ways, supervisors' listen paths."""
        media = leg.media
        paths = [(leg.player, media), (media, leg.recorder), (media, leg.port), (media, leg.fax),
                 (leg.fax, media)]
        peer = self.legs.get(leg.bridged) if leg.bridged is not None else None
        if peer is not None and peer.media is not None and not peer.disconnected:
            paths += [(media, peer.media), (peer.media, media)]
        for other in self.legs.values():
            if other is leg or other.media is None or other.disconnected:
                continue
            if other.key in leg.feeds:
                paths.append((media, other.media))
            if leg.key in other.feeds:
                paths.append((other.media, media))
        for src, dst in paths:
            if src is None or dst is None:
                continue
            try:
                src.startTransmit(dst)
            except Exception as exc:  # a path that cannot be made is lost, not the call
                log.warning("leg %s: cannot connect its audio again: %s", leg.key, exc)

    def on_dtmf(self, call: Any, digit: str, method: str) -> None:
        leg = self.legs.get(call.key)
        if leg is None:
            return
        log.debug("dtmf %s %s on leg %s", digit, method, leg.key)
        if leg.bridged is None:
            self.barge(leg)
        leg.sink("dtmf", (digit.upper(), method))

    def on_tsx(self, call: Any, prm: Any) -> None:
        """Incoming in-dialog requests: SIP INFO DTMF (application/dtmf-relay, application/dtmf)."""
        leg = self.legs.get(call.key)
        if leg is None:
            return
        try:
            body = prm.e.body.tsxState
            if body.type == self.pj.PJSIP_EVENT_TX_MSG and leg.inbound and not leg.dialog:
                self._note_dialog(leg, body.src.tdata.wholeMsg)
                return
            if body.type != self.pj.PJSIP_EVENT_RX_MSG:
                return
            msg = body.src.rdata.wholeMsg
        except Exception:
            return
        if not msg.startswith("INFO "):
            return
        headers = parse_headers(msg)
        cseq = (headers.get("cseq") or [""])[0]
        if cseq == leg.last_info:  # a retransmission
            return
        leg.last_info = cseq
        ctype = (headers.get("content-type") or [""])[0]
        if self.native_info_relay and ctype.lower().startswith("application/dtmf-relay"):
            return  # this wheel reports it through onDtmfDigit itself
        digit = info_digit(ctype, message_body(msg))
        if digit:
            self.on_dtmf(call, digit, "info")

    def _note_dialog(self, leg: EngineLeg, msg: str) -> None:
        """Our 200 OK to the INVITE carries both tags: keep From/To for a supervisor's BYE."""
        if not msg.startswith("SIP/2.0 200"):
            return
        headers = parse_headers(msg)
        if "INVITE" not in (headers.get("cseq") or [""])[0]:
            return
        leg.dialog = {"local": (headers.get("to") or [""])[0], "remote": (headers.get("from") or [""])[0]}

    def on_transfer_status(self, call: Any, code: int, final: bool) -> None:
        leg = self.legs.get(call.key)
        if leg is not None:
            leg.sink("xfer", (code, final))


def _stop_transmit(src: Any, dst: Any) -> None:
    """``src.stopTransmit(dst)``, where a path already gone (a port that left the bridge) is no
    error. Never call it with a DISCONNECTED call's media: that aborts (docs/DEPENDENCIES.md)."""
    try:
        src.stopTransmit(dst)
    except Exception as exc:
        log.debug("stopTransmit: %s", exc)


def _set_result(fut: asyncio.Future[Any], value: Any) -> None:
    if not fut.done():
        fut.set_result(value)


def _set_exception(fut: asyncio.Future[Any], exc: BaseException) -> None:
    if not fut.done():
        fut.set_exception(exc)


def _make_classes() -> tuple[type, type]:
    pj = pjsua2_module()

    class Account(pj.Account):  # type: ignore[misc, name-defined]
        def __init__(self, engine: Engine) -> None:
            super().__init__()
            self.engine = engine

        def onIncomingCall(self, prm: Any) -> None:  # noqa: N802 (pjsua2 names)
            self.engine.incoming(prm.callId, prm.rdata.wholeMsg)

    class Call(pj.Call):  # type: ignore[misc, name-defined]
        def __init__(self, engine: Engine, account: Any, call_id: int | None = None) -> None:
            if call_id is None:
                super().__init__(account)
            else:
                super().__init__(account, call_id)
            self.engine = engine
            self.key = 0

        def onCallState(self, prm: Any) -> None:  # noqa: N802
            self.engine.on_state(self)

        def onCallMediaState(self, prm: Any) -> None:  # noqa: N802
            self.engine.on_media(self)

        def onDtmfDigit(self, prm: Any) -> None:  # noqa: N802
            self.engine.on_dtmf(self, prm.digit, "rfc2833")

        def onCallTsxState(self, prm: Any) -> None:  # noqa: N802
            self.engine.on_tsx(self, prm)

        def onCallTransferStatus(self, prm: Any) -> None:  # noqa: N802
            prm.cont = True
            self.engine.on_transfer_status(self, prm.statusCode, prm.finalNotify)

        def onCallRxOffer(self, prm: Any) -> None:  # noqa: N802
            # a re-INVITE or UPDATE offer: refused (488) when pjmedia would abort answering it
            if not sdp_offer_ok(prm.offer.wholeSdp):
                prm.statusCode = 488

        def onCallTransferRequest(self, prm: Any) -> None:  # noqa: N802
            # A REFER from the far end (RFC 3515): the platform never acts on one. pjsua's default
            # (202, then it dials Refer-To itself) makes a call no Call object here owns, and the
            # 2.10 wheel then dies (SIGSEGV, found by fuzz/targets/sip_udp.py): decline it.
            prm.statusCode = 603

        def onCallReplaceRequest(self, prm: Any) -> None:  # noqa: N802
            # An INVITE with Replaces (RFC 3891) for one of our calls: not taken over, same reason.
            prm.statusCode = 603

    return Account, Call


_classes: tuple[type, type] | None = None
_port_class: type | None = None


def _Port() -> Any:  # noqa: N802
    """An AudioMediaPort whose frames go where its ``use`` says: ``(leg, None, told)`` sends the
    caller's audio to the leg as ``audio`` events; ``(leg, endpoint, told)`` runs a fax
    endpoint both ways and tells the leg ``fax_done`` once; ``None``: idle, frames dropped.
    ``use`` is one attribute, swapped whole, so the clock thread never sees half a change."""
    global _port_class
    if _port_class is None:
        pj = pjsua2_module()

        class Port(pj.AudioMediaPort):  # type: ignore[misc, name-defined]
            use: tuple[EngineLeg, Any, list[bool]] | None = None
            rate = 8000

            def onFrameReceived(self, frame: Any) -> None:  # noqa: N802 (clock thread)
                # An exception here is raised on PJSIP's clock thread: drop the frame instead.
                use = self.use
                if use is None or frame.type != pj.PJMEDIA_FRAME_TYPE_AUDIO or not frame.size:
                    return
                leg, endpoint, told = use
                if endpoint is None:
                    leg.sink("audio", bytes(frame.buf))
                    return
                endpoint.receive(bytes(frame.buf))
                if endpoint.done and not told[0]:
                    told[0] = True
                    leg.sink("fax_done", None)

            def onFrameRequested(self, frame: Any) -> None:  # noqa: N802 (clock thread)
                use = self.use
                if use is None or use[1] is None:
                    return
                frame.type = pj.PJMEDIA_FRAME_TYPE_AUDIO
                frame.buf = pj.ByteVector(use[1].transmit(160))

        _port_class = Port
    return _port_class()


def _Account(engine: Engine) -> Any:  # noqa: N802
    global _classes
    if _classes is None:
        _classes = _make_classes()
    return _classes[0](engine)


def _Call(engine: Engine, account: Any, call_id: int | None = None) -> Any:  # noqa: N802
    global _classes
    if _classes is None:
        _classes = _make_classes()
    return _classes[1](engine, account, call_id)


def pjsua2_available() -> bool:
    try:
        pjsua2_module()
    except ImportError:
        return False
    return True


__all__ = ["Engine", "EngineConfig", "EngineLeg", "info_digit", "parse_headers"]
