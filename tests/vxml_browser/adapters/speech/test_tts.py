"""The espeak-ng synthesizer, the prompt cache and the HTTP plugin slot."""

from __future__ import annotations

import asyncio
import time

import numpy as np
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from vxml_browser.adapters.speech import Audio
from vxml_browser.adapters.speech_plugins import pcm
from vxml_browser.adapters.speech_plugins.cache import CachedSynthesizer
from vxml_browser.adapters.speech_plugins.espeak import EspeakSynthesizer, SynthesisError
from vxml_browser.adapters.speech_plugins.http_tts import HttpSynthesizer

from .test_pcm_ssml import SPEAK, tone


def test_prompt_ssml_to_8khz_pcm(tts) -> None:
    audio = tts.synthesize(SPEAK.format("Welcome to the <emphasis>voice</emphasis> browser."))
    assert audio.sample_rate == 8000
    assert 1.0 < audio.seconds < 4.0
    assert pcm.peak_dbfs(audio.pcm) > -20


def test_requested_rate(tts) -> None:
    audio = tts.synthesize(SPEAK.format("Hello"), sample_rate=16000)
    assert audio.sample_rate == 16000 and audio.seconds > 0.3


def test_break_and_prosody_change_the_timing(tts) -> None:
    plain = tts.synthesize(SPEAK.format("one two three")).seconds
    assert tts.synthesize(SPEAK.format('one <break time="1500ms"/> two three')).seconds > plain + 1.2
    assert tts.synthesize(SPEAK.format('<prosody rate="x-slow">one two three</prosody>')).seconds > plain * 1.5


def test_mandarin_voice(tts) -> None:
    zh = '<speak version="1.0" xmlns="http://www.w3.org/2001/10/synthesis" xml:lang="zh-CN">你好，欢迎光临</speak>'
    assert tts.voice_for("zh-CN") == "cmn"
    audio = tts.synthesize(zh, lang="zh-CN")
    assert audio.seconds > 1.0
    assert tts.synthesize(zh, lang="en-US") == audio  # the document's xml:lang wins
    bare = "<speak>你好，欢迎光临</speak>"
    assert tts.synthesize(bare, lang="zh-CN") == audio
    assert tts.synthesize(bare, lang="en-US") != audio  # read with another voice


def test_audio_clip_is_spliced_in_and_fallback_spoken_when_missing(tts, tmp_path) -> None:
    clip = tone(1.0, 8000, 1000.0)
    path = tmp_path / "beep.wav"
    path.write_bytes(pcm.write_wav(clip))
    with_clip = tts.synthesize(SPEAK.format(f'Hi <audio src="{path.as_uri()}">sorry</audio>'))
    x = pcm.samples(with_clip.pcm).astype(float)
    spectrum = np.abs(np.fft.rfft(x))
    assert abs(np.argmax(spectrum) * 8000 / len(x) - 1000) < 10  # the 1 kHz tone dominates
    missing = tts.synthesize(SPEAK.format('Hi <audio src="file:///nowhere.wav">sorry about that</audio>'))
    assert missing.seconds > 0.8
    given = tts.synthesize(SPEAK.format('<audio src="http://app/beep.au">no</audio>'),
                           audio={"http://app/beep.au": pcm.write_wav(clip)})
    assert abs(given.seconds - 1.0) < 0.01


def test_missing_engine_is_an_error() -> None:
    with pytest.raises(SynthesisError, match="not installed"):
        EspeakSynthesizer(command="no-such-espeak").synthesize(SPEAK.format("x"))


def test_cache_makes_a_repeated_prompt_free(tts) -> None:
    cached = CachedSynthesizer(tts)
    prompt = SPEAK.format("Please say the name of a city.")
    t0 = time.perf_counter()
    first = cached.synthesize(prompt)
    t1 = time.perf_counter()
    again = cached.synthesize(prompt)
    t2 = time.perf_counter()
    assert again is first and (cached.hits, cached.misses) == (1, 1)
    assert t2 - t1 < (t1 - t0) / 20
    cached.synthesize(prompt, sample_rate=16000)
    cached.synthesize(prompt, lang="zh-CN")
    assert cached.misses == 3 and len(cached) == 3


def test_cache_key_has_voice_and_rate_and_evicts_oldest(tts) -> None:
    fast = EspeakSynthesizer(rate=260)
    assert CachedSynthesizer(tts).key("x", "en-US", 8000, None) != CachedSynthesizer(fast).key("x", "en-US", 8000, None)
    small = CachedSynthesizer(tts, max_bytes=40000)
    for word in ("one", "two", "three", "four"):
        small.synthesize(SPEAK.format(word))
    assert small._bytes <= 40000 and len(small) < 4


async def test_http_plugin_posts_ssml_and_reads_wav() -> None:
    seen: list[tuple[str, str, str]] = []
    clip = tone(0.5, 16000)

    async def tts(request: web.Request) -> web.Response:
        seen.append((request.content_type, request.query["lang"], await request.text()))
        if request.query.get("voice") == "broken":
            return web.Response(status=500)
        return web.Response(body=pcm.write_wav(clip), content_type="audio/wav")

    app = web.Application()
    app.router.add_post("/tts", tts)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        synth = HttpSynthesizer(url=str(server.make_url("/tts")), params={"voice": "anna"})
        prompt = SPEAK.format("Hello")
        audio: Audio = await asyncio.to_thread(synth.synthesize, prompt, lang="fr-FR", sample_rate=8000)
        assert audio.sample_rate == 8000 and abs(audio.seconds - 0.5) < 0.01
        assert seen == [("application/ssml+xml", "fr-FR", prompt)]
        broken = HttpSynthesizer(url=str(server.make_url("/tts")), params={"voice": "broken"})
        with pytest.raises(SynthesisError, match="failed"):
            await asyncio.to_thread(broken.synthesize, prompt)
    finally:
        await server.close()
