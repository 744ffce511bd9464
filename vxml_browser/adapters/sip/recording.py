"""``<record>`` on a SIP call (VoiceXML 2.0 §2.3.6): the engine records the caller's leg into a
WAV file; this reads it as it grows and lets ``endpointer.RecordEndpointer`` say when it ends.
The prompts and the beep come first (``SipCall.record``).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from typing import Any

import numpy as np

from ...core.actions import Record
from ...core.inputs import Hangup, Input, NoInput, Recorded, Recording
from ..endpointer import RecordEndpointer
from ..media import encode_recording
from .control import CallControl

POLL_S = 0.1
"""How often the growing file is read."""
WAV_HEADER = 44


async def capture(call: CallControl, engine: Any, action: Record, path: str, *, rate: int,
                  max_bytes: int = 0) -> Input:
    """Record ``call``'s leg into ``path`` (removed after) until the recording ends: what the
    session is told. Keys end it only under ``dtmfterm`` (otherwise they wait for the next
    collect)."""
    call.keys.clear()
    await engine.run(engine.start_record, call.key, path)
    loop = asyncio.get_running_loop()
    started = loop.time()
    ends = RecordEndpointer(action, rate, max_bytes)
    offset = WAV_HEADER
    end = None
    while end is None:
        await call.wait(lambda: call.hung_up or (action.dtmfterm and bool(call.keys)), POLL_S)
        if call.hung_up:
            break
        if action.dtmfterm and call.keys:
            end = ends.key(call.keys.popleft())
            call.keys.clear()
            break
        try:
            with open(path, "rb") as f:
                f.seek(offset)
                chunk = f.read()
        except FileNotFoundError:
            chunk = b""
        offset += len(chunk)
        end = ends.feed(chunk, loop.time() - started)
    await engine.run(engine.stop_record, call.key)
    try:
        with open(path, "rb") as f:
            data = f.read()
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)
    if call.hung_up:  # the recording so far should be the record's value (§2.3.6), but
        return Hangup()  # the core's Hangup carries none yet, so the audio so far is dropped
    if end is not None and end.reason == "noinput":
        return NoInput()
    pcm = ends.kept(np.frombuffer(data[WAV_HEADER:len(data) - (len(data) - WAV_HEADER) % 2], dtype="<i2"))
    encoded, media_type = encode_recording(pcm, rate, action.media_type)
    recording = Recording(encoded, media_type, int(len(pcm) * 1000 / rate))
    return Recorded(recording, termchar=end.termchar if end else None,
                    maxtime=end is not None and end.reason == "maxtime")
