"""The SIP platform's limits from its config, hit with real calls on 127.0.0.1 (issue 10):
``[sip] max_calls`` refuses the call over it while the held calls go on; ``[limits]
max_recording_bytes`` ends a recording as maxtime does; a fetch outside the call's origin is
error.badfetch."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from .app import DOC, AppServer
from .audio_check import read_wav
from .conftest import UA, Platform, call, needs_espeak, needs_pjsua2, wait_for

pytestmark = [needs_pjsua2, needs_espeak]

RECORDING_CAP = 16_000  # bytes of 16-bit PCM at the 8 kHz bridge: 1 s

HOLD = DOC.format(body="""
  <form><block><data name="d" srcexpr="'/result?step=held'" method="post"/></block>
    <field name="f" type="digits"><prompt>Please hold.</prompt><noinput><reprompt/></noinput></field>
  </form>""")

RECORD = DOC.format(body="""
  <form><record name="msg" beep="false" maxtime="30s" finalsilence="10s" dtmfterm="true" type="audio/x-wav">
    <prompt>Speak.</prompt>
    <filled><var name="hit" expr="msg$.maxtime"/>
      <submit next="/upload" namelist="msg hit" method="post" enctype="multipart/form-data"/></filled>
  </record></form>""")


def leak(app: AppServer) -> str:
    """A submit to the app server under another origin (localhost, not 127.0.0.1)."""
    return DOC.format(body=f"""
  <var name="pin" expr="'1234'"/>
  <catch event="error.badfetch"><var name="err" expr="_event"/>
    <submit next="/result?step=refused" namelist="err" method="post"/></catch>
  <form><block><submit next="http://localhost:{app.port}/result?step=leaked" namelist="pin" method="post"/></block></form>""")


@pytest.fixture(scope="module")
def limited(app: AppServer, sip_tmp: str) -> Iterator[Platform]:
    """A one-worker platform holding at most 2 calls, with a 1 s recording cap."""
    app.files["hold.vxml"] = (HOLD.encode(), "application/voicexml+xml")
    app.files["rec.vxml"] = (RECORD.encode(), "application/voicexml+xml")
    app.files["leak.vxml"] = (leak(app).encode(), "application/voicexml+xml")
    p = Platform(app, sip_tmp, extra=f"max_calls = 2\n\n[limits]\nmax_recording_bytes = {RECORDING_CAP}\n",
                 apps={name: f"{app.base}/ivr/{name}.vxml" for name in ("hold", "rec", "leak")})
    yield p
    p.stop()


def dest(platform: Platform, user: str) -> str:
    return f"sip:{user}@127.0.0.1:{platform.port}"


def states(events: list[dict[str, Any]]) -> list[tuple[str, int]]:
    return [(e["state"], e["code"]) for e in events if e["event"] == "state"]


def steps(result: list[dict[str, Any]]) -> list[str]:
    return [r.get("step", "") for r in result]


def test_a_call_over_max_calls_is_refused_while_the_held_calls_go_on(limited: Platform, fresh: AppServer,
                                                                      sip_tmp: str) -> None:
    first = UA(sip_tmp, {"mode": "call", "dest": dest(limited, "hold"), "user": "first",
                         "steps": [["until_confirmed", 5], ["wait", 4], ["hangup"]]})
    second = UA(sip_tmp, {"mode": "call", "dest": dest(limited, "hold"), "user": "second",
                          "steps": [["until_confirmed", 5], ["wait", 9], ["hangup"]]})
    try:
        assert wait_for(lambda: steps(fresh.received["result"]).count("held") == 2, 10), limited.output()[-2000:]
        time.sleep(0.5)  # both answered by now
        third, _ = call(sip_tmp, dest(limited, "hold"), [["until_disconnected", 5]])
        assert ("CONFIRMED", 200) not in states(third)
        assert states(third)[-1] == ("DISCONNECTED", 486), third  # PJSUA: Busy Here at maxCalls
        # the first caller hangs up: its place is free again
        assert wait_for(lambda: len(fresh.received["records"]) == 1, 10)
        fourth, _ = call(sip_tmp, dest(limited, "hold"), [["until_confirmed", 5], ["wait", 0.5], ["hangup"]])
        assert ("CONFIRMED", 200) in states(fourth), fourth
        held = [first.result(), second.result()]
    finally:
        first.kill()
        second.kill()
    for events, hung_up_at in zip(held, (4, 9), strict=True):
        ends = [e["t"] for e in events if e["event"] == "state" and e["state"] == "DISCONNECTED"]
        confirmed = [e["t"] for e in events if e["event"] == "state" and e["state"] == "CONFIRMED"]
        assert confirmed and ends and ends[0] - confirmed[0] >= hung_up_at - 0.2, events  # not cut short
    assert wait_for(lambda: len(fresh.received["records"]) == 3, 10)
    assert sorted(r["cause"] for r in fresh.received["records"]) == ["remote-hangup"] * 3


def test_a_recording_stops_at_the_configured_size_as_maxtime_does(limited: Platform, fresh: AppServer,
                                                                   sip_tmp: str) -> None:
    started = time.monotonic()
    call(sip_tmp, dest(limited, "rec"), [["until_confirmed", 5], ["until_disconnected", 15]])
    assert wait_for(lambda: fresh.received["upload"], 5), limited.output()[-3000:]
    assert time.monotonic() - started < 10  # not the document's 30 s maxtime
    upload = fresh.received["upload"][0]
    assert upload["hit"] == "true"
    pcm, rate = read_wav(upload["msg"]["data"])
    assert rate == 8000
    assert 0.8 * RECORDING_CAP <= len(pcm) * 2 <= RECORDING_CAP


def test_a_submit_outside_the_calls_origin_is_error_badfetch(limited: Platform, fresh: AppServer,
                                                             sip_tmp: str) -> None:
    call(sip_tmp, dest(limited, "leak"), [["until_disconnected", 10]])
    assert wait_for(lambda: fresh.received["result"], 5), limited.output()[-3000:]
    assert steps(fresh.received["result"]) == ["refused"]
    assert fresh.received["result"][0]["err"] == "error.badfetch"
