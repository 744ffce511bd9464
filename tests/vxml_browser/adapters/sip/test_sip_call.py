"""``SipCall`` answering actions, against a fake engine (no pjsua2, no sockets).

The tests wait on the call's own state (``soon``), not for a fixed time; when the recording ends is ``RecordEndpointer``'s, tested with frames in
``tests/vxml_browser/adapters/test_endpointer.py``."""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np
import pytest

from vxml_browser.adapters.media import MediaCache, tone, wav_bytes
from vxml_browser.adapters.sip.call import SipCall
from vxml_browser.adapters.sip.prompts import PromptRenderer
from vxml_browser.adapters.speech import Audio
from vxml_browser.core.actions import Collect, Play, Prompt, Record, Transfer
from vxml_browser.core.inputs import DtmfKey, Hangup, NoInput, Recorded, TransferDone


class FakeSynth:
    def synthesize(self, ssml: str, *, lang: str = "en-US", sample_rate: int = 8000) -> Audio:
        return Audio(tone(300, 0.5, sample_rate).tobytes(), sample_rate)


class FakeEngine:
    """Records the commands; a test plays the engine thread's part with ``call.on_event``."""

    def __init__(self) -> None:
        self.commands: list[tuple[str, tuple[Any, ...]]] = []
        self.call: SipCall | None = None

    def _record(self, name: str, *args: Any) -> Any:
        self.commands.append((name, args))
        if name == "answer" and self.call is not None:
            self.call.on_event("media", None)
            self.call.on_event("confirmed", {})
        if name == "start_record":
            with open(args[1], "wb") as f:
                f.write(wav_bytes(tone(400, 1.0, 8000, 0.5), 8000))
        return None

    def __getattr__(self, name: str) -> Any:
        return lambda *args: self._record(name, *args)

    def run(self, fn: Any, *args: Any) -> asyncio.Future[Any]:
        fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        fut.set_result(fn(*args))
        return fut

    def submit(self, fn: Any, *args: Any) -> None:
        fn(*args)

    def names(self) -> list[str]:
        return [name for name, _ in self.commands]


@pytest.fixture()
def call(tmp_path) -> SipCall:
    engine = FakeEngine()
    renderer = PromptRenderer(MediaCache(str(tmp_path)), lambda lang: FakeSynth())
    c = SipCall(engine, 1, {}, renderer=renderer, fetcher=None, record_dir=str(tmp_path))  # type: ignore[arg-type]
    engine.call = c
    return c


async def soon(condition: Any, timeout_s: float = 5.0) -> None:
    """Wait until ``condition()`` holds (the prompts render on a thread: the loop must run)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not condition():
        assert loop.time() < deadline, "the call never got there"
        await asyncio.sleep(0.001)


def collect(prompts: tuple[Prompt, ...] = (), phase: str = "start", timeout: float = 0.05) -> Collect:
    return Collect(prompts=prompts, phase=phase, timeout_s=timeout, interdigittimeout_s=timeout,  # type: ignore[arg-type]
                   termtimeout_s=timeout, termchar="#", inputmodes=frozenset({"dtmf"}), bargein=True,
                   grammars=())


def prompt(bargein: bool = True) -> Prompt:
    return Prompt(ssml="<speak>hello</speak>", text="hello", parts=("hello",), bargein=bargein)


async def test_the_timer_starts_when_the_prompts_end(call: SipCall) -> None:
    task = asyncio.create_task(call.collect(collect((prompt(),))))
    done, _ = await asyncio.wait({task}, timeout=0.2)  # four times the 0.05 s timer
    assert not done, "the noinput timer ran while the prompt played"
    assert call.engine.names()[:2] == ["answer", "play"]  # type: ignore[attr-defined]
    call.on_event("played", 1)
    assert await task == NoInput()


async def test_a_key_during_a_bargein_prompt_answers_at_once(call: SipCall) -> None:
    task = asyncio.create_task(call.collect(collect((prompt(),))))
    await soon(lambda: call.playing)
    call.on_event("dtmf", ("5", "rfc2833"))
    assert await task == DtmfKey("5")


async def test_keys_during_a_prompt_without_bargein_are_dropped(call: SipCall) -> None:
    task = asyncio.create_task(call.collect(collect((prompt(bargein=False),))))
    await soon(lambda: call.playing)
    call.on_event("dtmf", ("5", "rfc2833"))
    call.on_event("played", 1)
    assert await task == NoInput()


async def test_buffered_keys_answer_the_next_phases(call: SipCall) -> None:
    call.on_event("dtmf", ("1", "info"))
    call.on_event("dtmf", ("2", "info"))
    assert await call.collect(collect()) == DtmfKey("1")
    assert await call.collect(collect(phase="interdigit")) == DtmfKey("2")
    assert await call.collect(collect(phase="interdigit")) == NoInput()


async def test_hangup_while_collecting(call: SipCall) -> None:
    task = asyncio.create_task(call.collect(collect(timeout=5)))
    await soon(lambda: call.answered)
    call.on_event("disconnected", (200, "Normal"))
    assert await task == Hangup()
    assert call.remote_hangup


async def test_record_ended_by_a_key(call: SipCall) -> None:
    action = Record(prompts=(), beep=True, maxtime_s=10, finalsilence_s=0, dtmfterm=True,
                    media_type="audio/x-wav", timeout_s=5)
    task = asyncio.create_task(call.record(action))
    await soon(lambda: call.playing)
    call.on_event("played", 1)  # the beep
    await soon(lambda: "start_record" in call.engine.names())  # type: ignore[attr-defined]
    call.on_event("dtmf", ("#", "rfc2833"))
    got = await task
    assert isinstance(got, Recorded) and got.termchar == "#"
    assert got.recording.media_type == "audio/x-wav" and got.recording.duration_ms == 1000
    assert "start_record" in call.engine.names() and "stop_record" in call.engine.names()  # type: ignore[attr-defined]


async def test_blind_transfer_before_answer_redirects(call: SipCall) -> None:
    action = Transfer(prompts=(), dest="sip:agent@127.0.0.1", type="blind", connecttimeout_s=5,
                      maxtime_s=0, transferaudio=None, aai=None)
    assert await call.transfer(action) == TransferDone("transferred")
    assert call.engine.commands == [("redirect", (1, "sip:agent@127.0.0.1"))]  # type: ignore[attr-defined]


async def test_blind_transfer_refused(call: SipCall) -> None:
    call.answered = True
    action = Transfer(prompts=(), dest="sip:nobody@127.0.0.1", type="blind", connecttimeout_s=5,
                      maxtime_s=0, transferaudio=None, aai="x")
    task = asyncio.create_task(call.transfer(action))
    await soon(lambda: "xfer" in call.engine.names())  # type: ignore[attr-defined]
    call.on_event("xfer", (404, True))
    got = await task
    assert got == TransferDone(None, error="error.connection.baddestination")
    assert ("xfer", (1, "sip:nobody@127.0.0.1", {"User-to-User": "x"})) in call.engine.commands  # type: ignore[attr-defined]


def test_fake_synth_is_audio() -> None:
    assert np.frombuffer(FakeSynth().synthesize("x").pcm, dtype=np.int16).std() > 0


def record_action(**kw: Any) -> Record:
    base = dict(prompts=(), beep=False, maxtime_s=10.0, finalsilence_s=0.0, dtmfterm=True,
                media_type="audio/x-wav", timeout_s=5.0)
    return Record(**{**base, **kw})  # type: ignore[arg-type]


async def test_record_stops_at_maxtime(call: SipCall) -> None:
    got = await call.record(record_action(maxtime_s=0.3, media_type="audio/basic"))
    assert isinstance(got, Recorded) and got.maxtime and got.termchar is None
    assert got.recording.media_type == "audio/basic" and len(got.recording.data) == 8000


async def test_record_ends_after_final_silence(call: SipCall, tmp_path) -> None:
    engine = call.engine

    def speech_then_silence(name: str, *args: Any) -> Any:
        engine.commands.append((name, args))  # type: ignore[attr-defined]
        if name == "start_record":
            pcm = np.concatenate([tone(400, 0.5, 8000, 0.5), np.zeros(8000, np.int16)])
            with open(args[1], "wb") as f:
                f.write(wav_bytes(pcm, 8000))

    engine._record = speech_then_silence  # type: ignore[attr-defined]
    call.answered = True
    got = await call.record(record_action(finalsilence_s=0.5))
    assert isinstance(got, Recorded) and not got.maxtime and got.termchar is None


async def test_record_of_silence_is_noinput(call: SipCall) -> None:
    engine = call.engine

    def silence(name: str, *args: Any) -> Any:
        engine.commands.append((name, args))  # type: ignore[attr-defined]
        if name == "start_record":
            with open(args[1], "wb") as f:
                f.write(wav_bytes(np.zeros(8000, np.int16), 8000))

    engine._record = silence  # type: ignore[attr-defined]
    call.answered = True
    assert await call.record(record_action(timeout_s=0.2)) == NoInput()


@pytest.mark.parametrize(("code", "error"), [(401, "error.connection.noauthorization"),
                                             (407, "error.connection.noauthorization"),
                                             (403, "error.connection.noauthorization"),
                                             (404, "error.connection.baddestination"),
                                             (604, "error.connection.baddestination"),
                                             (486, None), (503, None)])
def test_a_transfer_status_that_names_an_error_gives_that_error(code: int, error: str | None) -> None:
    """VoiceXML 2.0 §2.3.7.2.2: refused credentials and a forbidden destination are
    error.connection.noauthorization; a destination that does not exist is baddestination."""
    from vxml_browser.adapters.sip.leg import setup_error

    assert setup_error(code) == error


async def test_a_caller_asking_for_prompt_text_gets_each_prompt_as_an_info(tmp_path) -> None:
    engine = FakeEngine()
    renderer = PromptRenderer(MediaCache(str(tmp_path)), lambda lang: FakeSynth())
    c = SipCall(engine, 1, {"headers": {"x-prompt-text": ["text/plain"]}}, renderer=renderer,  # type: ignore[arg-type]
                fetcher=None, record_dir=str(tmp_path))
    engine.call = c
    await c.play(Play((prompt(),)))
    assert ("send_info", (1, "text/plain;charset=utf-8", "hello")) in engine.commands


async def test_a_plain_sip_caller_gets_no_prompt_text(call: SipCall) -> None:
    await call.play(Play((prompt(),)))
    assert "send_info" not in call.engine.names()  # type: ignore[attr-defined]
