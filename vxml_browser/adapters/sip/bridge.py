"""``<transfer>`` on SIP (VoiceXML 2.0 §2.3.7, 2.1 §9) over a ``CallControl``: blind (REFER),
bridge (a new leg bridged to the caller until one side ends it) and consultation (a new leg,
then REFER with Replaces). The ACD's ``queue:`` destinations are ``queue_transfer.py``'s; it
waits out its own bridges with ``bridge_until_end``.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace

from ...core.actions import Transfer
from ...core.inputs import Hangup, Input, Speech, TransferDone
from ..bridge_keys import BridgeKeys
from .control import CallControl
from .leg import Leg, end_outcome, setup_error, setup_outcome, uui

log = logging.getLogger(__name__)

MEDIA_POLL_S = 0.5
"""How often a bridge checks the far leg's RTP count."""


async def blind(call: CallControl, action: Transfer) -> Input:
    """REFER the caller to ``action.dest``; ``transferred`` once the far end took him (§2.3.7.1)."""
    try:
        code = await call.refer(action.dest, uui(action.aai))
    except Exception as exc:
        return TransferDone(None, error=f"error.connection.noroute: {exc}")
    if call.hung_up and not code:
        return Hangup()
    if not code or code >= 300:
        return TransferDone(None, error=setup_error(code) or "error.connection.noroute")
    await call.hangup()
    return TransferDone("transferred")


def failed_setup(leg: Leg) -> TransferDone:
    """A far leg that ended before it answered: the outcome or error its status means."""
    error = setup_error(leg.code)
    return TransferDone(None, error=error) if error else TransferDone(setup_outcome(leg.code))  # type: ignore[arg-type]


async def bridged(call: CallControl, action: Transfer) -> Input:
    """A bridge or consultation transfer: dial, wait ``connecttimeout`` (with ``transferaudio``
    playing), then bridge or REFER with Replaces (§2.3.7.2, 2.1 §9)."""
    loop = asyncio.get_running_loop()
    try:
        leg = await call.legs.dial(action.dest, uui(action.aai))
    except Exception as exc:
        log.info("transfer to %s: %s", action.dest, exc)
        return TransferDone(None, error="error.connection.noroute")
    audio_token = None
    if action.transferaudio:
        clip = await call.audio(action.transferaudio)
        if clip is not None:
            audio_token = call.play_clip(clip)
    call.keys.clear()
    connected = await call.wait(lambda: call.hung_up or leg.ended or leg.answered,
                                action.connecttimeout_s or None)
    if audio_token is not None:
        call.stop(audio_token)
    if call.hung_up:
        call.legs.hang_up(leg)
        return Hangup()
    if not connected:
        call.legs.hang_up(leg)
        return TransferDone("noanswer")
    if leg.ended:
        return failed_setup(leg)
    if action.type == "consultation":
        code = await call.refer(leg)
        if code and code < 300:
            await call.hangup()
            return TransferDone("transferred")
        call.legs.hang_up(leg)
        return TransferDone(None, error="error.connection.noroute")
    await call.legs.bridge(call.key, leg.key)
    started = loop.time()
    ended = await bridge_until_end(call, action, leg, started)
    duration = loop.time() - started
    if call.hung_up:
        call.legs.hang_up(leg)
        return Hangup()
    call.legs.unbridge(call.key)
    if leg.ended:
        return TransferDone(end_outcome(leg.code), duration_s=duration)
    call.legs.hang_up(leg)
    if isinstance(ended, TransferDone):
        return replace(ended, duration_s=duration)
    return TransferDone(ended, duration_s=duration)  # type: ignore[arg-type]


async def bridge_until_end(call: CallControl, action: Transfer, leg: Leg,
                           started: float) -> str | TransferDone:
    """Wait out a bridge (VoiceXML 2.0 §2.3.7.2.2): either party hangs up (``""``: the caller
    decides from ``call.hung_up`` and ``leg.ended``), the caller's keys or words match the
    transfer's grammars (``TransferDone`` ``near_end_disconnect``, ``BridgeKeys`` for keys),
    ``maxtime`` passes (``maxtime_disconnect``), or the far leg's RTP stops for
    ``call.media_timeout_s`` (``network_disconnect``: its host or the network went away
    without a BYE). Words: listened to as in a collect when the call has a recognizer."""
    loop = asyncio.get_running_loop()
    deadline = started + action.maxtime_s if action.maxtime_s else None
    keys = BridgeKeys([g.grammar for g in action.grammars if g.mode == "dtmf"])
    voice = [g.grammar for g in action.grammars if g.mode == "voice"]
    lang = action.prompts[0].lang if action.prompts else "en-US"
    call.keys.clear()
    listening = bool(voice) and await call.voice.listen(voice, lang)
    packets: int | None = None
    packets_at = loop.time()
    try:
        while True:
            step = MEDIA_POLL_S if call.media_timeout_s else None
            if deadline is not None:
                left = deadline - loop.time()
                step = left if step is None else min(step, left)
            await call.wait(lambda: call.hung_up or leg.ended or bool(call.keys)
                            or (listening and call.voice.heard is not None),
                            max(step, 0.0) if step is not None else None)
            if call.hung_up or leg.ended:
                return ""
            while call.keys:
                done = keys.press(call.keys.popleft())
                if done is not None:
                    return done
            heard = call.voice.heard if listening else None
            if isinstance(heard, Speech) and heard.alternatives:
                return TransferDone("near_end_disconnect", input=heard.alternatives[0], inputmode="voice")
            if heard is not None:
                await call.voice.listen(voice, lang)  # words no grammar matched: listen on
            now = loop.time()
            if deadline is not None and now >= deadline:
                return "maxtime_disconnect"
            if call.media_timeout_s:
                count = await call.legs.rx_packets(leg)
                if count != packets:
                    packets, packets_at = count, now
                elif now - packets_at >= call.media_timeout_s:
                    log.info("transfer to %s: no RTP from the far end for %.1f s", action.dest,
                             now - packets_at)
                    return "network_disconnect"
    finally:
        if listening:
            call.voice.stop()
