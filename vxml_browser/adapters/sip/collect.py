"""A ``Collect`` on a SIP call (VoiceXML 2.0 §6.3.3): the caller's keys under the phase's timer,
and, when the call has a recognizer, his words through a ``listening.Listener``. The timer of
the start phase runs from the end of the prompts (§4.1.7); ``SipCall.collect`` queues them.
"""

from __future__ import annotations

from ...core.actions import Collect
from ...core.inputs import DtmfKey, Hangup, Input, NoInput
from ..listening import Listener
from .control import CallControl

SPEECH_GRACE_S = 5.0
"""A voice collect gives up this long after ``timeout`` plus ``maxspeechtimeout`` (the
listener decides before; this only bounds a listener that is never fed)."""


async def collect_keys(call: CallControl, action: Collect) -> Input:
    """One key, or ``NoInput`` when the phase's timer runs out."""
    if action.phase == "start":
        await call.wait(lambda: bool(call.keys) or call.hung_up or not call.playing, None)
        if call.keys and "dtmf" in action.inputmodes:
            return DtmfKey(call.keys.popleft())
        timeout = action.timeout_s
    else:
        timeout = action.interdigittimeout_s if action.phase == "interdigit" else action.termtimeout_s
    if call.hung_up:
        return Hangup()
    got = await call.wait(lambda: bool(call.keys) or call.hung_up, timeout)
    if call.hung_up:
        return Hangup()
    if got and "dtmf" in action.inputmodes:
        return DtmfKey(call.keys.popleft())
    call.keys.clear()
    return NoInput()


async def collect_voice(call: CallControl, listener: Listener, action: Collect) -> Input:
    """Listen for speech as well as keys (VoiceXML 2.0 §4.1.8, §6.3.2): the first key or the
    listener's answer (speech, nomatch, noinput, maxspeechtimeout)."""
    voice = call.voice
    await voice.start(listener)
    try:
        await call.wait(lambda: bool(call.keys) or call.hung_up or voice.heard is not None
                        or not call.playing, None)
        listener.start_timer()
        limit = action.timeout_s + action.maxspeechtimeout_s + SPEECH_GRACE_S
        await call.wait(lambda: bool(call.keys) or call.hung_up or voice.heard is not None, limit)
    finally:
        voice.stop()
    if call.hung_up:
        return Hangup()
    if call.keys and "dtmf" in action.inputmodes:
        return DtmfKey(call.keys.popleft())
    return voice.heard if voice.heard is not None else NoInput()
