"""Target ``sip_udp``: malformed and out-of-dialog SIP datagrams into a live ``vxml-browser sip``
worker on 127.0.0.1, beside a held call that must not notice.

The bytes drive a generator of RFC 3261 messages (§7 syntax, §8.1.1 the mandatory header fields):
requests with every method and unknown ones, responses to nothing, broken start lines, missing,
duplicated, oversized and malformed header fields (Via, CSeq, Max-Forwards, Call-ID, From/To tags,
Contact, compact forms, folding), Content-Length too short, too long or not a number, SDP that is
garbage (RFC 4566: bad m= and c= lines, ports, payload types, thousands of lines), INFO DTMF bodies
with odd keys, NOTIFY and REFER bodies, out-of-dialog BYE/ACK/CANCEL/INFO/NOTIFY/REFER with random
Call-IDs, in-dialog-looking requests reusing the Call-ID and tags of live "victim" calls that the
harness holds itself, INVITE floods with bad SDP, truncated and binary datagrams and 64 KB ones;
then line- and byte-level mutations of any of those.

The harness (``Live``): the e2e app server (tests/e2e/app.py) on a thread, one ``vxml-browser sip``
worker process serving tests/e2e/ivr/main.vxml, one UDP peer socket that sends the fuzz and behaves
like a polite UA towards what comes back (it ACKs and BYEs each call the worker answers, answers the
worker's requests, refuses its INVITEs), and in a campaign a pjsua2 caller (tests/e2e/ua.py) that
holds a call through the whole storm, then presses 1 and 1234# at the menu.

Rules, checked after each batch: the worker process is alive, answers an OPTIONS within a few
seconds (no hang), and its log holds no Python traceback or ERROR line. At the end of a campaign
the held call went through the sales form (the app server received account 1234 from it), heard
audio after its keys, and a fresh call after the storm does the same."""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script
    sys.path.insert(0, str(ROOT))

from fuzz.findings import Known  # noqa: E402
from fuzz.targets._base import Chooser, Finding  # noqa: E402
from vxml_browser.adapters.sip.engine import parse_headers, sdp_offer_ok  # noqa: E402

NAME = "sip_udp"
DESCRIPTION = ("malformed and out-of-dialog SIP over UDP into a live `vxml-browser sip` worker, "
               "beside a held pjsua2 call")
BATCH = 25  # inputs between two liveness checks
BATCH_BYTES = 100_000  # or fewer: the worker's receive buffer (rmem_default, 208 KB) must hold them
PROBE_WAITS_S = (0.5, 1.0, 2.0, 3.0)  # the OPTIONS tries before a hang is declared
MAX_DATAGRAM = 65507  # the largest UDP payload over IPv4
VICTIMS = 2  # live calls whose Call-ID and tags the fuzz reuses (they may be hung up by it)
# (``--victims 1`` on the 2.15 wheel: 4 calls per process, the held, the fresh and a fuzz call)

METHODS = ("INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "INFO", "NOTIFY", "REFER", "UPDATE",
           "PRACK", "SUBSCRIBE", "MESSAGE", "REGISTER", "PUBLISH")
ODD_METHODS = ("FOO", "invite", "INVITE\x00", "I" * 300, "", "BYE BYE", "SIP/2.0", "\xff\xfe",
               "INVITE;x", "OPTIONS\t")
VERSIONS = ("SIP/2.0", "SIP/2.0", "SIP/2.0", "SIP/3.0", "HTTP/1.1", "", "SIP/2.0 extra", "sip/2.0",
            "SIP/2.00", "SIP/")
USERS = ("ivr", "1000", "", "x" * 300, "%00", "a@b", "\xff", "ivr;user=phone", "+15551234")
STATUSES = ("100 Trying", "180 Ringing", "183 Session Progress", "200 OK", "202 Accepted",
            "302 Moved", "401 Unauthorized", "407 Proxy Auth", "481 No Dialog", "486 Busy",
            "487 Terminated", "500 Oops", "603 Decline", "999 Odd", "abc", "", "2000 Big",
            "-1 Neg", "200", "099 Low")
DTMF_BODIES = (("application/dtmf-relay", "Signal=5\r\nDuration=160\r\n"),
               ("application/dtmf-relay", "Signal=\r\n"), ("application/dtmf-relay", "Signal=ß\r\n"),
               ("application/dtmf-relay", "Signal=\x00\r\nDuration=-1\r\n"),
               ("application/dtmf-relay", "Duration=99999999999999999999\r\n"),
               ("application/dtmf", "11"), ("application/dtmf", "99"), ("application/dtmf", "ß"),
               ("application/dtmf", ""), ("application/dtmf", "\xff\xfe"), ("application/dtmf", "-1"),
               ("application/dtmf", "١"), ("application/dtmf;x", "5"), ("text/plain", "hello"))
SIPFRAGS = ("SIP/2.0 200 OK\r\n", "SIP/2.0 100 Trying", "garbage", "", "SIP/2.0 999\r\n")
CONTENT_LENGTHS = ("right", "right", "right", "0", "-1", "abc", "99999999999999999999", "100000",
                   "short", "long", "none", "twice")


SDP_LINE = re.compile(rb"v=0|o=\S+ \d+ \d+ IN IP4 [\d.]+|s=\S.*|c=IN IP4 \d+\.\d+\.\d+\.\d+|t=\d+ \d+|"
                      rb"m=audio \d{1,5} RTP/AVP( \d{1,3})+|a=[a-z-]+(:\S.*)?|b=AS:\d+")


def broken_sdp(datagram: bytes) -> bool:
    """Whether the datagram carries an SDP body with a line outside the plain RFC 4566 shapes, or
    more media lines than pjmedia takes (PJMEDIA_MAX_SDP_MEDIA, 16)."""
    head, *body = re.split(rb"\r?\n\r?\n", datagram, maxsplit=1)
    if not body or not (re.search(rb"(?im)^(c|content-type)\s*:.*sdp", head) or re.search(rb"(?m)^[a-z]=", body[0])):
        return False
    lines = [line for line in re.split(rb"\r?\n", body[0]) if line]
    return (not lines or lines[0] != b"v=0" or sum(line.startswith(b"m=") for line in lines) > 16
            or not all(SDP_LINE.fullmatch(line) for line in lines))


def _sdp_without_connection(datagram: bytes) -> bool:
    head, *body = re.split(rb"\r?\n\r?\n", datagram, maxsplit=1)
    return bool(body) and b"m=" in body[0] and not sdp_offer_ok(body[0].decode("latin-1"))


KNOWN_SIP: dict[str, tuple[Callable[[bytes], bool], str]] = {
    "pjsip-2.10-sdp-parse-abort": (broken_sdp, r"pjmedia_sdp_parse: Assertion"),
    "pjsip-2.15-dtmf-relay-nul-abort": (lambda d: b"dtmf-relay" in d and b"Signal=\x00" in d,
                                        r"pj_strstr: Assertion"),
    "pjsip-2.15-response-to-ack-abort": (lambda d: False, r"pjsip_endpt_create_response: Assertion"),
    "pjsip-sdp-offer-without-connection-abort": (lambda d: _sdp_without_connection(d), r"create_answer: Assertion"),
    "pjsip-ioqueue-exhausted-abort": (lambda d: False, r"pj_ioqueue_register_sock2: Assertion"),
    "pjsip-2.10-dlg-respond-abort": (lambda d: False, r"pjsip_dlg_respond: Assertion"),
    "pjsip-2.10-rx-data-free-cloned-abort": (lambda d: False, r"pjsip_rx_data_free_cloned: Assertion"),
    "sip-play-to-a-gone-bridge-slot-abort": (lambda d: False, r"pjmedia_conf_connect_port: Assertion"),
}
"""Known worker crashes: (does a datagram look like a cause, what the worker's log says). A
campaign on the 2.10 wheel holds such datagrams back (so the held call lives to be checked) and
counts a crash whose log matches as known, not new. Each is described in ``SIP_FINDINGS``."""

SIP_FINDINGS = (
    Known(
        "pjsip-2.10-sdp-parse-abort", "sip_udp",
        "One UDP datagram kills a SIP worker on the default pjsua2 2.10 wheel, with every call it "
        "holds: an INVITE whose SDP has an attribute line without a name (`a=`), an empty `m=` "
        "line, or other malformed lines makes pjmedia_sdp_parse fail an assertion (abort, SIGABRT) "
        "before any Python code sees the call. The 2.15 wheel answers the same datagrams and lives.",
        "INVITE sip:ivr@W SIP/2.0 ... Content-Type: application/sdp ... v=0 o=x 1 1 IN IP4 127.0.0.1 "
        "s=- c=IN IP4 127.0.0.1 t=0 0 m=audio 4000 RTP/AVP 0 a=",
        "pinned on a bare worker; the two shapes shown are refused with 488 by the pool's Kamailio "
        "since efaec84 (tests/e2e/test_sip_pool.py), other malformed lines are not screened yet",
        "test_an_sdp_attribute_without_a_name_does_not_kill_the_worker",
        "Not reachable from Python (the assertion is in the wheel's C code before onIncomingCall). "
        "Either run the workers on a pjsua2 >= 2.11 build (2.15 survives; its wheel's 4-call limit "
        "is the obstacle: a build with PJSUA_MAX_CALLS raised), or screen SDP before pjsip: Kamailio "
        "in front (pool mode) rejecting INVITE/UPDATE bodies that fail an SDP line check with 400, "
        "with record_route so in-dialog re-INVITEs pass it too.",
    ),
    Known(
        "pjsip-2.15-dtmf-relay-nul-abort", "sip_udp",
        "On the 2.15 wheel one SIP INFO in a live call's dialog (its Call-ID and tags: anyone who "
        "sees or guesses them) kills the worker with all its calls: an application/dtmf-relay body "
        "with a NUL right after `Signal=` fails an assertion in pj_strstr (abort) inside pjsua's own "
        "INFO DTMF parser, before onDtmfDigit. 2.10 answers it.",
        "INFO (in dialog) ... Content-Type: application/dtmf-relay ... Signal=\\x00\\r\\n",
        "pinned", "test_a_dtmf_relay_info_with_a_nul_signal_does_not_kill_the_215_worker",
        "C code of the wheel (pjsua_call.c's INFO handler); not reachable from Python. Screen INFO "
        "bodies before pjsip (a front proxy), or build pjsua2 with the handler off and parse "
        "dtmf-relay in engine.on_tsx (it already parses application/dtmf).",
    ),
    Known(
        "sip-far-end-refer-segfault", "sip_udp",
        "One REFER in a live call's dialog killed the 2.10 worker (SIGSEGV in libHandleEvents, all "
        "its calls lost): pjsua's default accepted it (202) and dialled Refer-To itself, a call no "
        "Call object of the engine owned. An INVITE with Replaces naming a live call is the same "
        "path. 3 deaths in 20 s of in-dialog fuzz before; 0 in 112,000 datagrams after.",
        "REFER sip:ivr@W SIP/2.0 (the call's Call-ID and tags) ... Refer-To: <sip:x@127.0.0.1:P>",
        "fixed in aae3e98", "test_a_refer_from_the_caller_is_declined_and_the_worker_lives",
        "vxml_browser/adapters/sip/engine.py: the Call class declines onCallTransferRequest and "
        "onCallReplaceRequest with 603 (the platform never acts on a far end's REFER).",
    ),
    Known(
        "sip-answer-failure-traceback", "sip_udp",
        "An INVITE whose offer pjsua takes (180) but cannot answer (the 200 fails: 488 Not "
        "Acceptable Here) raised pjsua2.Error out of SipCall.answer: a platform-error traceback "
        "in the worker log and a call record with cause platform-error.",
        "(an INVITE from an INVITE flood of the storm)", "fixed in 25c22e5",
        "test_a_storm_of_malformed_sip_leaves_the_worker_and_its_calls_whole",
        "vxml_browser/adapters/sip/call.py SipCall.answer: a failed answer logs a warning and "
        "hangs the leg up; the session hears a hangup.",
    ),
    Known(
        "pjsip-sdp-offer-without-connection-abort", "sip_udp",
        "One INVITE kills the worker on both wheels: an SDP offer with a media line but no c= "
        "line (RFC 4566 §5.7 requires one per media or at session level) fails an assertion in "
        "pjmedia's create_answer, inside pjsua before onIncomingCall. The same offer in a "
        "re-INVITE SIGSEGV'd the 2.10 worker; that path is fixed (engine onCallRxOffer: 488).",
        "INVITE ... v=0 o=x 1 1 IN IP4 127.0.0.1 s=- t=0 0 m=application 0 RTP/AVP 8",
        "pinned on a bare worker (initial INVITE); refused with 488 by the pool's Kamailio "
        "since efaec84 (tests/e2e/test_sip_pool.py); re-INVITE fixed in d47a20e",
        "test_an_invite_offer_without_a_connection_address_does_not_kill_the_worker",
        "Not reachable from Python for the initial INVITE: screen SDP before pjsip (front proxy) "
        "or a pjsip build where create_answer returns an error instead of asserting.",
    ),
    Known(
        "pjsip-ioqueue-exhausted-abort", "sip_udp",
        "Twice in 300 s on 2.10 and seen on 2.15 in a manual replay: pj_ioqueue_register_sock2 "
        "fails an assertion (the select ioqueue's 64 handles are used up: each call holds RTP and "
        "RTCP sockets, and INVITE floods leave calls ringing or unacknowledged for up to 32 s).",
        "(not isolated: INVITE floods beside live calls)", "open",
        "test_a_storm_of_malformed_sip_leaves_the_worker_and_its_calls_whole",
        "engine.py EngineConfig: keep 2 x max_calls + transports under the wheel's "
        "PJ_IOQUEUE_MAX_HANDLES (64: at most ~28 calls on 2.10), or a build with epoll.",
    ),
    Known(
        "pjsip-2.10-dlg-respond-abort", "sip_udp",
        "Once in 300 s on 2.10: pjsip_dlg_respond fails an assertion (a response in a dialog "
        "without its transaction).", "(not isolated)", "open",
        "test_a_storm_of_malformed_sip_leaves_the_worker_and_its_calls_whole",
        "In pjsip 2.10; the batch is in fuzz/crashes/.",
    ),
    Known(
        "pjsip-2.10-rx-data-free-cloned-abort", "sip_udp",
        "Once in 300 s on 2.10: pjsip_rx_data_free_cloned fails an assertion (a NULL rdata).",
        "(not isolated)", "open", "test_a_storm_of_malformed_sip_leaves_the_worker_and_its_calls_whole",
        "In pjsip 2.10; the batch is in fuzz/crashes/.",
    ),
    Known(
        "sip-pjsua2-object-freed-on-loop-thread", "sip_udp",
        "Once in 300 s on 2.10 the worker aborted in pj_thread_this (pjlib called from a thread "
        "it does not know) while the asyncio loop's garbage collector ran: a failed engine "
        "command's exception carried its traceback to the loop, and the cycle future -> "
        "exception -> frames -> future held the engine thread's pjsua2 objects, freed there.",
        "(not isolated: the stack showed 'Garbage-collecting' on the loop thread)",
        "fixed in 8ceed2d (the cause read from the stack; not reproduced on demand)",
        "test_a_storm_of_malformed_sip_leaves_the_worker_and_its_calls_whole",
        "vxml_browser/adapters/sip/engine.py Engine.run: the exception goes to the loop "
        "`with_traceback(None)`.",
    ),
    Known(
        "sip-play-to-a-gone-bridge-slot-abort", "sip_udp",
        "Once in 300 s on 2.10 (after the fixes above): pjmedia_conf_connect_port fails an "
        "assertion (a slot beyond the bridge) when Engine._next_player starts a prompt "
        "(player.startTransmit(leg.media)): the leg's AudioMedia is kept after its stream changed "
        "or went away. A re-INVITE with port 0 (488) did not reproduce it.",
        "(not isolated: in-dialog fuzz on victim calls)", "open",
        "test_a_storm_of_malformed_sip_leaves_the_worker_and_its_calls_whole",
        "engine.py on_media: drop leg.media when no audio stream is active or held any more "
        "(status NONE or ERROR), so prompts are skipped instead of sent to a stale slot.",
    ),
    Known(
        "pjsip-2.15-response-to-ack-abort", "sip_udp",
        "On the 2.15 wheel the worker died three times in a 20 s campaign with an assertion in "
        "pjsip_endpt_create_response (a response being built for an ACK). Not reproduced by "
        "replaying the batch on a fresh worker with fresh victim calls: it needs the run's call "
        "states. The batches (ACKs out of and in a victim's dialog, CANCELs, REFERs) are in "
        "fuzz/crashes/.",
        "(not isolated)", "open", "test_a_storm_of_malformed_sip_leaves_the_worker_and_its_calls_whole",
        "In pjsip (2.15); isolate with a debug build and a core dump.",
    ),
)
"""The sip_udp findings, in fuzz/findings.py's form (fuzz/run.py adds them to the report)."""


def known_crash(problem: str) -> str | None:
    return next((k for k, (_, sig) in KNOWN_SIP.items() if re.search(sig, problem)), None)


def withheld(datagram: bytes) -> str | None:
    """The known crash a datagram may cause (a campaign on 2.10 holds it back), or None."""
    return next((k for k, (looks, _) in KNOWN_SIP.items() if looks(datagram)), None)


@dataclass
class Dialog:
    """A call the peer placed (a victim) or the worker answered: what an in-dialog request needs."""

    call_id: str
    local_tag: str  # ours (From of our requests)
    remote_tag: str = ""  # the worker's To tag, from its 2xx
    target: str = ""  # the worker's Contact
    cseq: int = 1
    confirmed: bool = False
    placed_at: float = field(default_factory=time.monotonic)


@dataclass
class Context:
    """What the generator needs from the harness: addresses and the victims' dialogs."""

    peer_port: int
    worker_port: int
    rtp_port: int
    victims: list[Dialog] = field(default_factory=list)

    @property
    def worker(self) -> str:
        return f"127.0.0.1:{self.worker_port}"

    @property
    def me(self) -> str:
        return f"127.0.0.1:{self.peer_port}"


def token(c: Chooser, n: int = 10) -> str:
    """A random-looking token (branch, tag, Call-ID) from the bytes."""
    return "".join("abcdefghijklmnopqrstuvwxyz0123456789"[c.pick(36)] for _ in range(n)) or "x"


def sdp(c: Chooser, ctx: Context) -> str:
    """An SDP offer (RFC 4566): valid, or broken in one of the ways a parser must survive."""
    port = c.choice((str(ctx.rtp_port), str(ctx.rtp_port), "0", "70000", "-1", "abc", "9" * 30))
    addr = c.choice(("127.0.0.1", "127.0.0.1", "0.0.0.0", "999.1.1.1", "::1", "", "127.0.0.1/127"))
    nettype = c.choice(("IN IP4", "IN IP4", "IN IP6", "XX IP9", "IN"))
    pts = c.choice(("0 8 101", "0", "8", "9", "101", "200", "", "0 0 0 0", "96", "18 3 4 97"))
    proto = c.choice(("RTP/AVP", "RTP/AVP", "RTP/SAVP", "UDP/TLS/RTP/SAVPF", "TCP", ""))
    media = c.choice(("audio", "audio", "video", "image", "application", ""))
    lines = ["v=0", f"o=fuzz 1 1 {nettype} {addr}", "s=-", f"c={nettype} {addr}", "t=0 0",
             f"m={media} {port} {proto} {pts}", "a=rtpmap:101 telephone-event/8000", "a=fmtp:101 0-15",
             c.choice(("a=sendrecv", "a=sendonly", "a=recvonly", "a=inactive", "a=ptime:0",
                       "a=rtpmap:0 PCMU/0", "a=rtpmap:x", "a=crypto:1 AES_CM_128 inline:!!!",
                       "a=rtcp:0", "a=rtpmap:96 opus/48000/2", "b=AS:-1"))]
    for _ in range(c.pick(4)):
        op = c.pick(6)
        if op == 0 and len(lines) > 1:
            del lines[c.pick(len(lines))]
        elif op == 1:
            lines.insert(c.pick(len(lines) + 1), c.text(40))
        elif op == 2:
            lines.extend([f"m=audio {ctx.rtp_port + 2 * i} RTP/AVP 0" for i in range(c.pick(4) * 100)])
        elif op == 3:
            lines.append("a=" + "x" * (c.pick(4) * 3000))
        elif op == 4:
            lines[c.pick(len(lines))] = c.choice(("v=1", "m=", "c=", "o=", "=", "x", ""))
        else:
            lines.reverse()
    return "\r\n".join(lines) + c.choice(("\r\n", "\r\n", "\n", ""))


def _body(c: Chooser, method: str, ctx: Context) -> tuple[str, str, list[str]]:
    """Content type, body and extra header fields suiting ``method``."""
    if method in ("INVITE", "UPDATE", "PRACK") or c.flag(12):
        return c.choice(("application/sdp", "application/sdp", "text/plain", "application/sdp;x")), \
            sdp(c, ctx), []
    if method == "INFO":
        ctype, body = c.choice(DTMF_BODIES)
        return ctype, body, []
    if method == "NOTIFY":
        return "message/sipfrag", c.choice(SIPFRAGS), [c.choice(("Event: refer", "Event: x", "Event:",
                                                                 "Event: refer;id=abc")),
                                                        "Subscription-State: active"]
    if method == "REFER":  # a target that is our own peer (it refuses), never anyone else's port
        to = c.choice((f"<sip:x@{ctx.me}>", f"<sip:x@{ctx.me}?Replaces=abc%3Bto-tag%3D1>",
                       "<sip:x@127.0.0.1:9>", "<>", "garbage", f"sip:{ctx.me}", "<tel:+1>"))
        return "", "", [f"Refer-To: {to}", c.choice(("Referred-By: <sip:f@x>", "Refer-Sub: false", ""))]
    if method == "MESSAGE":
        return "text/plain", c.text(64), []
    return "", "", []


def _content_length(c: Chooser, body: bytes) -> list[str]:
    kind = c.choice(CONTENT_LENGTHS)
    n = len(body)
    values = {"right": [str(n)], "short": [str(max(0, n - 1 - c.pick(50)))], "long": [str(n + 1 + c.pick(500))],
              "none": [], "twice": [str(n), str(n + 7)]}
    return [f"Content-Length: {v}" for v in values.get(kind, [kind])]


BAD_VALUES = {
    "via": ("SIP/2.0/UDP {me}", "SIP/2.0/UDP {me};branch=", "SIP/2.0/TCP {me};branch=z9hG4bKx",
            "SIP/2.0/UDP {me};branch=z9hG4bK;rport=abc", "SIP/2.0/UDP", "garbage", "",
            "SIP/2.0/UDP {me};branch=z9hG4bK1, SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK2",
            "SIP/2.0/UDP [::1]:9;branch=z9hG4bKv6", "SIP/2.0/UDP {me};received=999.1.1.1;branch=z9hG4bKr"),
    "cseq": ("abc INVITE", "99999999999999999999 INVITE", "-1 INVITE", "1", "1 FOO", "", "1 INVITE x",
             "4294967296 BYE"),
    "max-forwards": ("0", "-1", "abc", "99999999999", ""),
    "call-id": ("", " ", "@", "x" * 5000, "\x00"),
    "from": ("<sip:fuzz@{me}>", "<>", "garbage", "<sip:fuzz@{me}>;tag=", "\"\\\" <sip:q@x>;tag=1",
             "sip:fuzz@{me};tag=1;tag=2", "<sip:" + "a" * 3000 + "@x>;tag=1", "<sips:fuzz@{me}>;tag=s"),
    "to": ("<sip:ivr@{worker}>;tag=nosuch", "<>", "garbage", "<sip:ivr@{worker}>;tag=",
           "<tel:+1555>", "<sip:ivr@{worker}>;tag=1;tag=2"),
    "contact": ("*", "<>", "garbage", "<sip:fuzz@127.0.0.1:0>", "<sip:fuzz@{me}>;expires=-1",
                "<sip:fuzz@[::1]:9>", "<sip:fuzz@{me}>, <sip:other@{me}>", "<sips:fuzz@{me};transport=tls>"),
    "content-type": ("application/sdp", "", "garbage", "multipart/mixed;boundary=x", "application/dtmf-relay"),
}
EXTRA = ("Require: 100rel", "Require: nosuch", "Supported: timer, replaces", "Session-Expires: 1",
         "Session-Expires: abc", "Min-SE: 99999999", "Replaces: abc;to-tag=1;from-tag=2", "Replaces: ;;;",
         "Route: <sip:127.0.0.1:9;lr>", "Record-Route: <sip:{me};lr>", "Authorization: Digest x",
         "Expires: -1", "Allow: FOO", "User-to-User: 00;encoding=hex", "P-Asserted-Identity: <>",
         "X-Long: " + "v" * 9000, "NoColon", ": empty", "\x00: x", "X-Folded: a\r\n b", "X-Bin: \xff\xfe")
COMPACT = {"via": "v", "from": "f", "to": "t", "call-id": "i", "contact": "m", "content-type": "c",
           "content-length": "l"}


def request(c: Chooser, ctx: Context, method: str, dialog: Dialog | None = None) -> bytes:
    """A request: well formed first, then broken in a few chosen places (RFC 3261 §7.1, §8.1.1)."""
    branch = "z9hG4bK" + token(c)
    if dialog is not None:
        call_id, ours, theirs = dialog.call_id, dialog.local_tag, dialog.remote_tag
        tags = c.choice(("right", "right", "swapped", "no-to-tag", "wrong", "call-id-only"))
        if tags == "swapped":
            ours, theirs = theirs, ours
        elif tags == "no-to-tag":
            theirs = ""
        elif tags in ("wrong", "call-id-only"):
            theirs = token(c, 6)
            ours = token(c, 6) if tags == "call-id-only" else ours
        cseq = dialog.cseq + c.choice((1, 1, 0, -1, 1000, 2**31))
        ruri = dialog.target or f"sip:ivr@{ctx.worker}"
    else:
        call_id, ours, theirs = token(c, 16) + "@fuzz", token(c, 6), c.choice(("", "", token(c, 6)))
        cseq = c.choice((1, 1, 2, 0, 2**31 - 1))
        ruri = f"sip:{c.choice(USERS)}@{ctx.worker}" if not c.flag(10) else c.choice(
            ("sips:ivr@" + ctx.worker, "tel:+15551234", "<sip:ivr@x>", "*", "", "sip:", "sip:@",
             f"sip:ivr@{ctx.worker};transport=tcp", "sip:ivr@127.0.0.1:9"))
    if method == "ACK" and dialog is None and c.flag(3):
        cseq_method = "INVITE"
    else:
        cseq_method = method if not c.flag(20) else c.choice(METHODS)
    ctype, body, extra = _body(c, method, ctx)
    fields = [f"Via: SIP/2.0/UDP {ctx.me};rport;branch={branch}", "Max-Forwards: 70",
              f"From: <sip:fuzz@{ctx.me}>;tag={ours}",
              f"To: <sip:ivr@{ctx.worker}>" + (f";tag={theirs}" if theirs else ""),
              f"Call-ID: {call_id}", f"CSeq: {cseq} {cseq_method}", f"Contact: <sip:fuzz@{ctx.me}>"]
    if ctype:
        fields.append(f"Content-Type: {ctype}")
    fields += extra
    version = c.choice(VERSIONS) if c.flag(8) else "SIP/2.0"
    if c.flag(10):
        method = c.choice(ODD_METHODS)
    return _assemble(c, ctx, f"{method} {ruri} {version}", fields, body)


def replaces(c: Chooser, ctx: Context, victim: Dialog) -> bytes:
    """An INVITE whose Replaces header names a victim's dialog (tags right or swapped)."""
    tags = (victim.remote_tag, victim.local_tag) if not c.flag(4) else (victim.local_tag, victim.remote_tag)
    extra = f"Replaces: {victim.call_id};to-tag={tags[0]};from-tag={tags[1]}"
    msg = request(c, ctx, "INVITE")
    return msg.replace(b"\r\nMax-Forwards:", f"\r\n{extra}\r\nMax-Forwards:".encode(), 1)


def response(c: Chooser, ctx: Context, dialog: Dialog | None = None) -> bytes:
    """A response that answers no request of the worker's, or one in a victim's dialog."""
    call_id = dialog.call_id if dialog is not None else token(c, 16) + "@fuzz"
    status = c.choice(STATUSES)
    method = c.choice(METHODS)
    fields = [f"Via: SIP/2.0/UDP {ctx.worker};branch=z9hG4bK{token(c)}",
              f"From: <sip:ivr@{ctx.worker}>;tag={dialog.remote_tag if dialog else token(c, 6)}",
              f"To: <sip:fuzz@{ctx.me}>;tag={dialog.local_tag if dialog else token(c, 6)}",
              f"Call-ID: {call_id}", f"CSeq: {c.choice((1, 2, 101, 0))} {method}",
              f"Contact: <sip:fuzz@{ctx.me}>"]
    ctype, body, extra = _body(c, method, ctx) if c.flag(3) else ("", "", [])
    if ctype:
        fields.append(f"Content-Type: {ctype}")
    return _assemble(c, ctx, f"{c.choice(VERSIONS) if c.flag(8) else 'SIP/2.0'} {status}", fields + extra, body)


def _assemble(c: Chooser, ctx: Context, start: str, fields: list[str], body: str) -> bytes:
    """Header fields broken in a few places, a Content-Length (right or not), the body."""
    raw_body = body.encode("utf-8", "surrogateescape")
    for _ in range(c.pick(4) if c.flag(2) else 0):
        op = c.pick(7)
        i = c.pick(len(fields)) if fields else 0
        name = fields[i].split(":", 1)[0].lower() if fields else ""
        if op == 0 and fields:  # missing
            del fields[i]
        elif op == 1 and fields:  # duplicated
            fields.insert(i, fields[i])
        elif op == 2 and name in BAD_VALUES:  # a bad value
            value = c.choice(BAD_VALUES[name]).format(me=ctx.me, worker=ctx.worker)
            fields[i] = f"{fields[i].split(':', 1)[0]}: {value}"
        elif op == 3 and fields:  # oversized
            fields[i] += ";x=" + "y" * (c.pick(8) * 2000 + 1)
        elif op == 4 and name in COMPACT:
            fields[i] = COMPACT[name] + ":" + fields[i].split(":", 1)[1]
        elif op == 5:
            fields.insert(i, c.choice(EXTRA).format(me=ctx.me))
        else:  # many header fields
            fields.extend(f"X-H{n}: {n}" for n in range(c.pick(5) * 400))
    fields += _content_length(c, raw_body)
    head = "\r\n".join([start, *fields]).encode("utf-8", "surrogateescape")
    return head + c.choice((b"\r\n\r\n", b"\r\n\r\n", b"\n\n", b"\r\n", b"")) + raw_body


def mutate(c: Chooser, data: bytes) -> bytes:
    """Line- and byte-level damage: lines dropped, repeated, swapped, cut; bytes flipped, binary
    inserted, the datagram truncated."""
    lines = data.split(b"\r\n")
    for _ in range(1 + c.pick(4)):
        op = c.pick(7)
        i = c.pick(len(lines))
        if op == 0 and len(lines) > 1:
            del lines[i]
        elif op == 1:
            lines.insert(i, lines[i] * (1 + c.pick(3)))
        elif op == 2:
            j = c.pick(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == 3:
            lines[i] = lines[i][: c.pick(max(1, len(lines[i])))]
        elif op == 4:
            lines[i] = lines[i] + bytes(c.byte() for _ in range(c.pick(16)))
        elif op == 5 and lines[i]:
            b = bytearray(lines[i])
            b[c.pick(len(b))] = c.byte()
            lines[i] = bytes(b)
        else:
            lines.insert(i, b"")
    out = b"\r\n".join(lines)
    return out[: c.pick(len(out)) + 1] if c.flag(8) else out


KINDS: tuple[int, ...] | None = None
"""Only these kinds of input (``datagrams_from``'s first choice, 0-11), to isolate a finding."""


def datagrams_from(c: Chooser, ctx: Context) -> list[bytes]:
    """One fuzz input: usually one datagram, several for a flood."""
    kind = c.pick(12) if KINDS is None else KINDS[c.pick(len(KINDS))]
    live = [d for d in ctx.victims if d.confirmed]
    if kind <= 3:  # out of dialog, any method (BYE/ACK/CANCEL/INFO/NOTIFY/REFER with random Call-IDs)
        out = [request(c, ctx, c.choice(METHODS))]
    elif kind <= 5 and live:  # in-dialog-looking: a victim's Call-ID and tags
        victim = c.choice(live)
        if c.flag(8):  # a new INVITE that would take the victim's call over (RFC 3891 Replaces)
            out = [replaces(c, ctx, victim)]
        else:
            out = [request(c, ctx, c.choice(METHODS), victim) if not c.flag(5) else response(c, ctx, victim)]
    elif kind == 6:
        out = [response(c, ctx)]
    elif kind == 7:  # an INVITE flood with bad SDP
        out = [request(c, ctx, "INVITE") for _ in range(2 + c.pick(20))]
    elif kind == 8:  # raw: binary, empty, 64 KB
        size = c.choice((0, 1, 7, 100, 1400, 9000, MAX_DATAGRAM))
        seed = bytes(c.byte() for _ in range(8)) or b"\x00"
        out = [(seed * (size // len(seed) + 1))[:size]]
    elif kind == 9:  # a big but well-formed-looking request, up to the UDP maximum
        base = request(c, ctx, c.choice(("INVITE", "OPTIONS", "INFO", "MESSAGE")))
        out = [(base + b"x" * MAX_DATAGRAM)[: c.choice((MAX_DATAGRAM, 65000, 40000, 4097))]]
    else:  # damaged
        out = [mutate(c, request(c, ctx, c.choice(METHODS), c.choice(live) if live and c.flag(3) else None))]
    return [d[:MAX_DATAGRAM] for d in out]


# -- the harness -----------------------------------------------------------------------------------

def _reply(msg: str, headers: dict[str, list[str]], code: str) -> bytes:
    """A response to one of the worker's requests (RFC 3261 §8.2.6: Via, From, To, Call-ID, CSeq copied)."""
    lines = [f"SIP/2.0 {code}"]
    for name in ("via", "from", "to", "call-id", "cseq"):
        for value in headers.get(name, []):
            if name == "to" and ";tag=" not in value:
                value += ";tag=peer"
            lines.append(f"{name.title()}: {value}")
    return ("\r\n".join([*lines, "Content-Length: 0"]) + "\r\n\r\n").encode()


def _tag(value: str) -> str:
    m = re.search(r";\s*tag=([^;>\s]+)", value)
    return m.group(1) if m else ""


class Peer:
    """Our side of the wire: one UDP socket that sends the fuzz and answers what comes back as a
    polite UA would: ACK then BYE for each call the worker answers (ACK only for a victim), 200 to
    its requests, 486 to its INVITEs (a REFER's target)."""

    def __init__(self, worker_port: int) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
        self.rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # where offers point: a sink
        self.rtp.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.worker = ("127.0.0.1", worker_port)
        self.ctx = Context(self.port, worker_port, self.rtp.getsockname()[1])
        self.finals: dict[str, int] = {}  # Call-ID -> last status
        self.ended: set[str] = set()  # Call-IDs the worker hung up or refused
        self.cond = threading.Condition()
        self.sent = 0
        self.received = 0
        self.closed = False
        threading.Thread(target=self._loop, daemon=True, name="sip-fuzz-peer").start()

    def close(self) -> None:
        self.closed = True
        self.sock.close()
        self.rtp.close()

    def send(self, data: bytes, to: tuple[str, int] | None = None) -> None:
        try:
            self.sock.sendto(data, to or self.worker)
            self.sent += 1
        except OSError:
            pass

    def _loop(self) -> None:
        while not self.closed:
            try:
                data, _ = self.sock.recvfrom(70000)
            except OSError:
                return
            self.received += 1
            try:
                self._handle(data.decode("utf-8", "replace"))
            except Exception:  # a message of the worker we cannot read is not the worker's fault
                continue

    def _handle(self, msg: str) -> None:
        first = msg.split("\r\n", 1)[0]
        headers = parse_headers(msg)
        call_id = (headers.get("call-id") or [""])[0]
        if not first.startswith("SIP/2.0 "):
            method = first.split(" ", 1)[0]
            if method == "BYE":
                self.ended.add(call_id)
            if method != "ACK":
                self.send(_reply(msg, headers, "486 Busy Here" if method == "INVITE" else "200 OK"))
            return
        code = int(first.split()[1])
        cseq = (headers.get("cseq") or ["0 X"])[0].split()
        if cseq[-1] == "INVITE" and 200 <= code < 300:
            self._confirm(headers, call_id, int(cseq[0]))
        elif (cseq[-1] == "BYE" and code < 300) or (cseq[-1] == "INVITE" and code >= 300 and not any(
                d.call_id == call_id and d.confirmed for d in self.ctx.victims)):
            self.ended.add(call_id)
        with self.cond:
            self.finals[call_id] = code
            self.cond.notify_all()

    def _confirm(self, headers: dict[str, list[str]], call_id: str, cseq: int) -> None:
        """ACK a 2xx (RFC 3261 §13.2.2.4); then BYE it unless it is a victim's."""
        contact = re.search(r"<([^>]+)>", (headers.get("contact") or [""])[0])
        target = contact.group(1) if contact else f"sip:ivr@{self.ctx.worker}"
        frm, to = headers["from"][0], headers["to"][0]
        victim = next((d for d in self.ctx.victims if d.call_id == call_id), None)

        def req(method: str, n: int) -> bytes:
            branch = "z9hG4bK" + "".join(random.choices("abcdef0123456789", k=12))
            return (f"{method} {target} SIP/2.0\r\nVia: SIP/2.0/UDP {self.ctx.me};rport;branch={branch}\r\n"
                    f"Max-Forwards: 70\r\nFrom: {frm}\r\nTo: {to}\r\nCall-ID: {call_id}\r\n"
                    f"CSeq: {n} {method}\r\nContent-Length: 0\r\n\r\n").encode()

        self.send(req("ACK", cseq))
        if victim is not None:
            victim.remote_tag, victim.target, victim.cseq, victim.confirmed = _tag(to), target, cseq, True
        else:
            self.send(req("BYE", cseq + 1))

    def ask(self, data: bytes, call_id: str, wait_s: float) -> int | None:
        """Send a request and wait for a final response in its Call-ID."""
        with self.cond:
            self.finals.pop(call_id, None)
        self.send(data)
        with self.cond:
            self.cond.wait_for(lambda: self.finals.get(call_id, 0) >= 200, wait_s)
            return self.finals.get(call_id)


def options(ctx: Context, call_id: str) -> bytes:
    branch = "z9hG4bK" + "".join(random.choices("abcdef0123456789", k=12))
    return (f"OPTIONS sip:ivr@{ctx.worker} SIP/2.0\r\nVia: SIP/2.0/UDP {ctx.me};rport;branch={branch}\r\n"
            f"Max-Forwards: 70\r\nFrom: <sip:probe@{ctx.me}>;tag=probe\r\nTo: <sip:ivr@{ctx.worker}>\r\n"
            f"Call-ID: {call_id}\r\nCSeq: 1 OPTIONS\r\nAccept: application/sdp\r\nContent-Length: 0\r\n\r\n").encode()


def invite(ctx: Context, dialog: Dialog) -> bytes:
    """A well-formed INVITE with a PCMU offer (a victim call)."""
    body = (f"v=0\r\no=fuzz 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
            f"m=audio {ctx.rtp_port} RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n")
    return (f"INVITE sip:ivr@{ctx.worker} SIP/2.0\r\nVia: SIP/2.0/UDP {ctx.me};rport;branch=z9hG4bK{dialog.call_id[:8]}\r\n"
            f"Max-Forwards: 70\r\nFrom: <sip:victim@{ctx.me}>;tag={dialog.local_tag}\r\n"
            f"To: <sip:ivr@{ctx.worker}>\r\nCall-ID: {dialog.call_id}\r\nCSeq: 1 INVITE\r\n"
            f"Contact: <sip:victim@{ctx.me}>\r\nContent-Type: application/sdp\r\n"
            f"Content-Length: {len(body)}\r\n\r\n{body}").encode()


@dataclass
class Stats:
    inputs: int = 0
    datagrams: int = 0
    probes: int = 0
    answers: int = 0  # messages the worker sent the peer
    victims: int = 0  # victim calls placed
    restarts: int = 0
    findings: list[dict[str, str]] = field(default_factory=list)
    known: dict[str, int] = field(default_factory=dict)  # known crashes hit, by id
    withheld: int = 0  # datagrams held back because they match a known crash
    held: str = ""  # the held call's verdict
    fresh: str = ""  # the fresh call's verdict


class Live:
    """The app server, one ``vxml-browser sip`` worker and the peer; restarted after a death."""

    def __init__(self, tmp: str | None = None, extra: str = "") -> None:
        from tests.e2e.app import AppServer

        self.extra = extra  # more [sip] settings (pjsua2_path: the 2.15 wheel)
        self.victims = VICTIMS
        self.replies = 0  # messages the worker sent the peers before the last restart
        self.tmp = tmp or tempfile.mkdtemp(prefix="sip-fuzz-")
        self.own_tmp = tmp is None
        self.app = AppServer().start()
        self.platform: Any = None
        self.peer: Peer | None = None
        self.log_offset = 0
        self.probes = 0
        self.start()

    def start(self) -> None:
        from tests.e2e.conftest import Platform

        os.environ.setdefault("PYTHONFAULTHANDLER", "1")  # a worker that segfaults logs its threads' stacks
        self.platform = Platform(self.app, self.tmp, extra=self.extra)
        self.peer = Peer(self.platform.port)
        self.log_offset = 0

    def restart(self) -> None:
        self.replies += self.peer.received if self.peer is not None else 0
        self.stop_platform()
        self.start()

    def end_victims(self) -> None:
        """BYE every victim call (a fresh call then finds the worker's call slots free)."""
        assert self.peer is not None
        for d in self.ctx.victims:
            if d.confirmed:
                d.cseq += 100
                self.peer.send((f"BYE {d.target} SIP/2.0\r\nVia: SIP/2.0/UDP {self.ctx.me};rport;"
                                f"branch=z9hG4bKend{d.cseq}{d.local_tag}\r\nMax-Forwards: 70\r\n"
                                f"From: <sip:victim@{self.ctx.me}>;tag={d.local_tag}\r\n"
                                f"To: <sip:ivr@{self.ctx.worker}>;tag={d.remote_tag}\r\nCall-ID: {d.call_id}\r\n"
                                f"CSeq: {d.cseq} BYE\r\nContent-Length: 0\r\n\r\n").encode())
        self.ctx.victims.clear()

    def stop_platform(self) -> None:
        if self.peer is not None:
            self.peer.close()
        if self.platform is not None:
            self.platform.stop()

    def close(self) -> None:
        self.stop_platform()
        self.app.stop()
        if self.own_tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)

    @property
    def ctx(self) -> Context:
        assert self.peer is not None
        return self.peer.ctx

    def send(self, datagrams: list[bytes]) -> None:
        assert self.peer is not None
        for d in datagrams:
            self.peer.send(d)

    def keep_victims(self) -> int:
        """Place victim calls until VICTIMS are up (the fuzz may hang them up); returns how many
        were placed."""
        assert self.peer is not None
        ctx = self.ctx
        now = time.monotonic()
        ctx.victims = [d for d in ctx.victims if d.call_id not in self.peer.ended
                       and (d.confirmed or now - d.placed_at < 10)]
        placed = 0
        while len(ctx.victims) < self.victims:
            n = random.randrange(1 << 40)
            dialog = Dialog(f"victim-{n:x}@fuzz", f"v{n % 100000}")
            ctx.victims.append(dialog)
            self.peer.send(invite(ctx, dialog))
            placed += 1
        return placed

    def ready_victims(self, wait_s: float = 3.0) -> None:
        """Victims placed and answered (or the time is up)."""
        self.keep_victims()
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline and not all(d.confirmed for d in self.ctx.victims):
            time.sleep(0.05)

    def problem(self) -> str | None:
        """Why the worker breaks the rules now, or None: dead, a traceback or ERROR, no answer."""
        assert self.peer is not None
        code = self.platform.proc.poll()
        if code is not None:
            return f"the worker died (exit {code}): {self.log_tail()}"
        with open(self.platform.log_path, errors="replace") as f:
            f.seek(self.log_offset)
            text = f.read()
            self.log_offset = f.tell()
        bad = re.search(r"Traceback \(most recent call last\)|^.* ERROR .*$", text, re.M)
        if bad:
            where = text[bad.start():bad.start() + 1500]
            return f"the worker logged an error: {where}"
        self.probes += 1
        call_id = f"probe-{self.probes}-{random.randrange(1 << 30)}@fuzz"
        for wait in PROBE_WAITS_S:  # a probe can be lost when 64 KB datagrams fill the socket buffer
            if self.peer.ask(options(self.ctx, call_id), call_id, wait) == 200:
                return None
            if self.platform.proc.poll() is not None:
                break
        if self.platform.proc.poll() is not None:
            return f"the worker died (exit {self.platform.proc.poll()}): {self.log_tail()}"
        return f"the worker did not answer OPTIONS within {sum(PROBE_WAITS_S):g} s (a hang)"

    def log_tail(self) -> str:
        """The worker log's account of a death (the failed assertion, the faulthandler's stacks
        from the crashing thread on), else its last lines."""
        text = self.platform.output()
        m = re.search(r"^.*(Assertion .* failed|Fatal Python error).*$", text, re.M)
        return text[m.start():m.start() + 4000] if m else text[-1500:]


_LIVE: Live | None = None


def live() -> Live:
    global _LIVE
    if _LIVE is None:
        _LIVE = Live()
    return _LIVE


def check(data: bytes) -> None:
    """One input against the live worker, then the rules (used by the minimizer and the tests)."""
    harness = live()
    harness.keep_victims()
    harness.send(datagrams_from(Chooser(data), harness.ctx))
    problem = harness.problem()
    if problem:
        harness.restart()
        raise Finding(problem)


def snapshot(ctx: Context) -> dict[str, Any]:
    """What a saved batch refers to: the ports and the victims' dialogs (replay maps them)."""
    return {"peer": ctx.peer_port, "worker": ctx.worker_port, "rtp": ctx.rtp_port,
            "victims": [[d.call_id, d.local_tag, d.remote_tag] for d in ctx.victims if d.confirmed]}


def replay(harness: Live, datagrams: list[bytes], snap: dict[str, Any]) -> str | None:
    """Send saved datagrams and check the rules. Their ports, and the Call-IDs and tags of the
    victims they were sent to, are rewritten to this harness's (whose victims are set up first)."""
    harness.ready_victims()
    ctx = harness.ctx
    swap = {snap["peer"]: ctx.peer_port, snap["worker"]: ctx.worker_port, snap["rtp"]: ctx.rtp_port}
    names = [(old.encode("latin-1"), new.encode("latin-1"))
             for was, now in zip(snap.get("victims", []), ctx.victims, strict=False)
             for old, new in zip(was, (now.call_id, now.local_tag, now.remote_tag), strict=True) if old]

    def fix(d: bytes) -> bytes:
        d = re.sub(rb"127\.0\.0\.1:(\d+)",
                   lambda m: b"127.0.0.1:%d" % swap.get(int(m.group(1)), int(m.group(1))), d)
        for old, new in names:
            d = d.replace(old, new)
        return d

    harness.send([fix(d) for d in datagrams])
    time.sleep(0.2)
    return harness.problem()


def seeds() -> list[bytes]:
    return [bytes([k, m, 0, 0]) for k in range(12) for m in (0, 3, 5)]


# -- a campaign: a held call, the storm, the checks ------------------------------------------------

HELD_STEPS_AFTER = [["dtmf", "1"], ["wait", 1.5], ["dtmf", "1234#"], ["until_disconnected", 25]]


def caller(harness: Live, user: str, hold_s: float) -> Any:
    """A pjsua2 caller that waits ``hold_s`` at the menu, then presses 1 and 1234#."""
    from tests.e2e.conftest import UA

    return UA(harness.tmp, {"mode": "call", "dest": harness.platform.uri, "user": user,
                            "record": os.path.join(harness.tmp, f"heard-{user}.wav"),
                            "steps": [["until_confirmed", 10], ["wait", hold_s], *HELD_STEPS_AFTER]})


def verdict(harness: Live, ua: Any, user: str, timeout: float) -> str:
    """'ok', or what the caller missed: the dialog, the audio after its keys, the submitted account."""
    from vxml_browser.adapters.media import read_wav

    try:
        events = ua.result(timeout)
    except Exception as exc:
        ua.kill()
        return f"the caller did not finish: {exc}"
    states = [e["state"] for e in events if e["event"] == "state"]
    if "CONFIRMED" not in states or states[-1] != "DISCONNECTED":
        return f"call states {states}"
    accounts = [r for r in harness.app.received["result"] if r.get("account") and user in r.get("caller", "")]
    if not any(r["account"] == "1234" for r in accounts):
        return f"no account 1234 from {user} (got {accounts})"
    media = next((e["t"] for e in events if e["event"] == "media"), None)
    sent = next((e["t"] for e in events if e["event"] == "send"), None)
    if media is None or sent is None:
        return "no media or no keys sent"
    pcm, rate = read_wav(ua.script["record"])
    after = pcm[int((sent - media) * rate):]
    level = float((after.astype("float64") ** 2).mean() ** 0.5) if len(after) else 0.0
    return "ok" if level > 300 else f"silence after the keys (rms {level:.0f})"


def _save(datagrams: list[bytes], snap: dict[str, Any], problem: str, out: Path) -> str:
    out.mkdir(parents=True, exist_ok=True)
    name = f"sip_udp-{int(time.time() * 1000)}"
    (out / f"{name}.json").write_text(json.dumps({
        "problem": problem, "ports": snap, "datagrams": [d.decode("latin-1") for d in datagrams]}, indent=1))
    return str(out / f"{name}.json")


def culprit(harness: Live, datagrams: list[bytes], ports: dict[str, Any]) -> list[bytes]:
    """The datagram of a failing batch that fails alone (bisection), the smallest failing part, or
    the very list given when replaying it on a fresh worker does not fail."""
    if replay(harness, datagrams, ports) is None:
        return datagrams
    harness.restart()
    while len(datagrams) > 1:
        half = datagrams[: len(datagrams) // 2]
        if replay(harness, half, ports):
            harness.restart()
            datagrams = half
        elif replay(harness, datagrams[len(half):], ports):
            harness.restart()
            datagrams = datagrams[len(half):]
        else:  # it takes both halves
            return list(datagrams)
    return datagrams


def _summary(problem: str) -> str:
    """One line: what happened and, for a death, the failed assertion or the faulting frame."""
    first = problem.splitlines()[0][:160]
    m = re.search(r"python: (\S+: \S+: Assertion .*?failed)", problem) or re.search(
        r"Current thread .*?\n\s+File \"([^\n]+)", problem)
    return f"{first.split(':')[0]}: {m.group(1)[:200]}" if m else first


def campaign(seconds: float, seed: int = 0, crashes: Path = ROOT / "fuzz" / "crashes",
             progress: Callable[[Stats], None] | None = None, extra: str = "",
             avoid_known: bool = True, victims: int = VICTIMS) -> Stats:
    """Fuzz for ``seconds`` beside a held call; then check the held call and a fresh one."""
    rnd = random.Random(seed)
    stats = Stats()
    harness = Live(extra=extra)
    harness.victims = victims
    try:
        held = caller(harness, "held", seconds)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            stats.victims += harness.keep_victims()
            batch: list[bytes] = []
            size = 0
            for _ in range(BATCH):  # a batch ends early when it nears the worker's socket buffer
                if size > BATCH_BYTES:
                    break
                data = rnd.randbytes(rnd.randint(16, 160))
                grams = datagrams_from(Chooser(data), harness.ctx)
                if avoid_known:
                    kept = [g for g in grams if withheld(g) is None]
                    stats.withheld += len(grams) - len(kept)
                    grams = kept
                harness.send(grams)
                size += sum(map(len, grams))
                batch += grams
                stats.inputs += 1
                stats.datagrams += len(grams)
            stats.probes += 1
            problem = harness.problem()
            if problem:
                stats.restarts += 1
                k = known_crash(problem)
                if k is not None:
                    stats.known[k] = stats.known.get(k, 0) + 1
                snap = snapshot(harness.ctx)
                harness.restart()
                smallest = culprit(harness, batch, snap)
                path = _save(smallest, snap, problem, crashes)
                if k is None:
                    alone = ("not reproduced by replaying the batch on a fresh worker (needs the run's "
                             f"state: live calls, timing); the batch: {len(smallest)} datagrams"
                             if smallest is batch else f"{len(smallest)} datagram(s), first: {smallest[0][:200]!r}")
                    stats.findings.append({"summary": _summary(problem), "artifact": path, "smallest": alone,
                                           "signature": problem[-300:]})
                held.kill()
                held = caller(harness, "held", max(5.0, deadline - time.monotonic()))
            if progress:
                progress(stats)
        assert harness.peer is not None
        stats.answers = harness.replies + harness.peer.received
        harness.end_victims()
        stats.held = verdict(harness, held, "held", 60)
        # after the held call (the 2.15 wheel takes 4 calls; unanswered fuzz INVITEs hold some)
        stats.fresh = verdict(harness, caller(harness, "fresh", 0.5), "fresh", 40)
        for who, what in (("held", stats.held), ("fresh", stats.fresh)):
            if what != "ok":
                stats.findings.append({"summary": f"the {who} call: {what}", "artifact": "",
                                       "smallest": "", "signature": harness.log_tail()[-300:]})
        last = harness.problem()
        if last:
            stats.findings.append({"summary": _summary(last), "artifact": "", "smallest": "",
                                   "signature": last[-300:]})
    finally:
        harness.close()
    return stats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="the sip_udp fuzz campaign")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--pjsua2-path", default="", help="a folder with another pjsua2 wheel (2.15)")
    parser.add_argument("--send-known", action="store_true", help="do not hold back known crashers")
    parser.add_argument("--victims", type=int, default=VICTIMS, help="live calls the in-dialog fuzz targets")
    args = parser.parse_args(argv)
    extra = f'pjsua2_path = "{args.pjsua2_path}"' if args.pjsua2_path else ""
    stats = campaign(args.seconds, args.seed, extra=extra, avoid_known=not args.send_known, victims=args.victims,
                     progress=lambda s: print(f"# {s.inputs} {s.datagrams} {len(s.findings)} {s.known}",
                                              file=sys.stderr, flush=True))
    print(json.dumps(stats.__dict__))
    return 1 if stats.findings else 0


if __name__ == "__main__":
    sys.exit(main())
