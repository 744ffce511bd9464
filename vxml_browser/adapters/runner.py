"""The console platform: a ``Telephony`` (``telephony.py``) whose caller answers with lines.

The console platform has no audio: prompts are text events, the caller answers wait points
with lines (``dtmf``, ``say``, ``silence``, ``hangup``; see ``caller.py``). It is the platform
of the console command, the conformance runner and the interpreter's scenario tests;
``run_session`` runs one call on it with ``telephony.drive``, as the SIP worker does on SIP.
"""

from __future__ import annotations

import asyncio
import io
import struct
import wave
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..core.actions import (
    AudioRef,
    Collect,
    Disconnect,
    Error,
    Fetch,
    Log,
    ObjectCall,
    Play,
    Prompt,
    Record,
    Transfer,
)
from ..core.inputs import (
    Ack,
    Alternative,
    DtmfKey,
    Hangup,
    Input,
    NoInput,
    ObjectDone,
    Played,
    Recorded,
    Recording,
    Speech,
    Start,
    TransferDone,
)
from ..core.interpreter import DocumentCache
from .caller import Caller
from .fetcher import Fetcher
from .limits import recording_cap
from .telephony import drive, new_session

TRANSFER_OUTCOMES = frozenset({
    "busy", "noanswer", "network_busy", "near_end_disconnect", "far_end_disconnect",
    "maxtime_disconnect", "network_disconnect", "unknown",
})


def prompt_event(prompt: Prompt) -> dict[str, Any]:
    return {
        "event": "prompt",
        "text": prompt.text,
        "audio": [p.src for p in prompt.parts if isinstance(p, AudioRef)],
    }


CONSOLE_SESSION: dict[str, Any] = {
    "connection": {
        "local": {"uri": "console:ivr"}, "remote": {"uri": "console:caller"},
        "protocol": {"name": "console", "version": "1"}, "redirect": [], "aai": None,
        "originator": "console:caller",
    }
}
"""A console call's session variables (VoiceXML 2.0 §5.1.4)."""


RECORDING_RATE = 8000
"""The sample rate of a console recording."""


def _silent_wav_samples(samples: int, rate: int) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(struct.pack("<h", 0) * samples)
    return buf.getvalue()


def silent_wav(seconds: float, rate: int = RECORDING_RATE) -> bytes:
    """A WAV file of ``seconds`` of silence (what a console "recording" holds)."""
    return _silent_wav_samples(int(seconds * rate), rate)


def _recording(media_type: str, seconds: float, max_bytes: int) -> tuple[Recording, bool]:
    """``seconds`` of silence as ``<record>`` captured it (16-bit PCM) under the
    ``max_recording_bytes`` cap ``max_bytes``, in ``media_type``; and whether the cap ended it."""
    kept, capped = recording_cap(int(seconds * RECORDING_RATE) * 2, max_bytes)
    samples = kept // 2
    if media_type == "audio/basic":
        data = b"\xff" * samples  # µ-law silence
    else:
        data = _silent_wav_samples(samples, RECORDING_RATE)
    duration_ms = samples * 1000 // RECORDING_RATE
    return Recording(data=data, media_type=media_type, duration_ms=duration_ms), capped


@dataclass
class ConsolePlatform:
    """Answers a session's actions from a caller's lines."""

    caller: Caller
    keys: deque[str] = field(default_factory=deque)
    hung_up: bool = False
    speech: Callable[[Collect, str], Input] | None = None
    """Turns a ``say TEXT`` line into the input a recognizer would give (TTS then ASR);
    without it the recognizer hears the text exactly."""
    max_recording_bytes: int = 0
    """A ``<record>``'s captured 16-bit PCM at most (``BrowserLimits``; 0: maxtime only)."""

    def emit(self, event: dict[str, Any]) -> None:
        self.caller.hear(event)

    def emit_prompts(self, prompts: tuple[Prompt, ...]) -> None:
        for prompt in prompts:
            self.emit(prompt_event(prompt))

    def _line(self, waiting: dict[str, Any]) -> tuple[str, str]:
        if self.hung_up:
            return "hangup", ""
        line = self.caller.respond(waiting)
        if line is None:
            return "hangup", ""
        verb, _, rest = line.strip().partition(" ")
        return verb.lower(), rest.strip()

    # --- the Telephony interface (telephony.py) -------------------------------------------
    async def collect(self, action: Collect) -> Input:
        self.emit_prompts(action.prompts)
        if self.hung_up:
            return Hangup()
        if self.keys:
            return DtmfKey(self.keys.popleft())
        if action.phase != "start":
            return NoInput()  # the caller pressed their keys and then stayed silent
        waiting = {
            "event": "listen", "modes": sorted(action.inputmodes), "phase": action.phase,
            "timeout": action.timeout_s,
        }
        self.emit(waiting)
        while True:
            verb, rest = self._line(waiting)
            if verb == "dtmf" and rest:
                self.keys.extend(k for k in rest.replace(" ", "") if k in "0123456789*#ABCDabcd")
                if self.keys:
                    return DtmfKey(self.keys.popleft().upper())
            elif verb == "say":
                if self.speech is not None:
                    return self.speech(action, rest)
                return Speech((Alternative(rest, 1.0),))
            elif verb in ("silence", "noinput"):
                return NoInput()
            elif verb == "hangup":
                self.hung_up = True
                return Hangup()
            # anything else is not a caller line: ask again

    async def record(self, action: Record) -> Input:
        self.emit_prompts(action.prompts)
        waiting = {"event": "record", "beep": action.beep, "maxtime": action.maxtime_s,
                   "type": action.media_type, "dtmfterm": action.dtmfterm}
        self.emit(waiting)
        verb, rest = self._line(waiting)
        if verb == "hangup":
            self.hung_up = True
            return Hangup()
        if verb in ("silence", "noinput"):
            return NoInput()
        if verb == "dtmf":  # a key after 1 s, unless the cap ended the recording first
            recording, capped = _recording(action.media_type, 1.0, self.max_recording_bytes)
            key = (rest[:1] or "#").upper()
            return Recorded(recording, termchar=key if action.dtmfterm and not capped else None,
                            maxtime=capped)
        words = max(1, len(rest.split()))
        seconds = min(action.maxtime_s or 30.0, 0.4 * words + 0.5)
        maxtime = bool(action.maxtime_s) and 0.4 * words + 0.5 >= action.maxtime_s
        recording, capped = _recording(action.media_type, seconds, self.max_recording_bytes)
        return Recorded(recording, maxtime=maxtime or capped,
                        utterance=Alternative(rest, 1.0) if rest else None)

    async def transfer(self, action: Transfer) -> Input:
        self.emit_prompts(action.prompts)
        waiting = {"event": "transfer", "dest": action.dest, "type": action.type,
                   "aai": action.aai, "connecttimeout": action.connecttimeout_s,
                   "maxtime": action.maxtime_s}
        self.emit(waiting)
        if action.type == "blind":
            return TransferDone("transferred")
        verb, rest = self._line(waiting)
        if verb == "hangup":
            self.hung_up = True
            return Hangup()
        if verb == "transfer" and rest in TRANSFER_OUTCOMES:
            return TransferDone(rest)  # type: ignore[arg-type]
        if verb == "say":
            return TransferDone("near_end_disconnect", input=Alternative(rest), inputmode="voice")
        if verb == "dtmf":
            return TransferDone("near_end_disconnect", input=Alternative(rest), inputmode="dtmf")
        return TransferDone("far_end_disconnect", duration_s=1.0)

    async def fetch(self, action: Fetch, fetcher: Fetcher) -> Input:
        return await fetcher.fetch(action)  # the console plays no fetchaudio

    async def play(self, action: Play) -> Input:
        self.emit_prompts(action.prompts)
        return Played() if not self.hung_up else Hangup()

    async def object(self, action: ObjectCall) -> Input:
        self.emit_prompts(action.prompts)
        return ObjectDone(error="error.unsupported.objectname",
                          message=f"the console platform has no object '{action.classid}'")

    async def log(self, action: Log) -> Input:
        event: dict[str, Any] = {"event": "log", "text": action.text}
        if action.label:
            event["label"] = action.label
        self.emit(event)
        return Ack()

    async def disconnect(self, action: Disconnect) -> Input:
        self.emit_prompts(action.prompts)
        self.emit({"event": "disconnect"})
        self.hung_up = True
        return Ack()

    async def error(self, action: Error) -> Input:
        self.emit({"event": "error", "name": action.name, "message": action.message})
        return Ack()


async def run_session(
    uri: str,
    caller: Caller,
    *,
    fetcher: Fetcher,
    session_vars: dict[str, Any] | None = None,
    max_steps: int = 10_000,
    timeout_s: float = 30.0,
    documents: DocumentCache | None = None,
    trace: Any = None,
    speech: Callable[[Collect, str], Input] | None = None,
    session_options: dict[str, Any] | None = None,
    max_recording_bytes: int = 0,
) -> dict[str, Any]:
    """Run one call to the end; returns the final exit event (also given to the caller).
    ``session_options`` are more ``Session`` limits (``BrowserLimits.session_options()``);
    ``max_recording_bytes`` caps each recording (``recording_cap``; 0: no cap)."""
    session = new_session(documents=documents, trace=trace,
                          limits={"max_steps": max_steps, **(session_options or {})})
    platform = ConsolePlatform(caller, speech=speech, max_recording_bytes=max_recording_bytes)
    variables = session_vars or CONSOLE_SESSION

    async def call() -> dict[str, Any]:
        end = await drive(session, Start(uri, variables), platform, fetcher)
        return {"event": "exit", "value": end.value, "reason": end.reason}

    try:
        final = await asyncio.wait_for(call(), timeout_s)
    except TimeoutError:
        platform.emit({"event": "error", "name": "timeout", "message": f"the call ran over {timeout_s} s"})
        final = {"event": "exit", "value": None, "reason": "timeout"}
    platform.emit(final)
    return final
