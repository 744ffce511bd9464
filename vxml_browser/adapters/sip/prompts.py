"""Prompts to playable clips: synthesized text and fetched audio, converted once and cached."""

from __future__ import annotations

import asyncio
import importlib
import logging
from collections.abc import Callable
from typing import Any
from xml.sax.saxutils import escape

from ...core.actions import AudioRef, Fetch, Prompt
from ...core.inputs import Fetched
from ..fetcher import Fetcher
from ..media import Clip, MediaCache

log = logging.getLogger(__name__)


def load_synthesizers(spec: str | None, speech: dict[str, Any] | None = None) -> Callable[[str], Any]:
    """The synthesizer for a language: ``spec`` "module:Class" (one object for every language),
    else the speech plugins (``adapters/plugins.py``) from the config's ``[speech]`` table, whose
    default is espeak-ng; ``spec`` alone may name a plugin ("espeak", "http")."""
    if spec and ":" in spec:
        module, _, name = spec.partition(":")
        synth = getattr(importlib.import_module(module), name)()
        return lambda lang: synth
    from ..plugins import SpeechPlugins

    table = dict(speech or {})
    if spec:
        table["tts"] = {**table.get("tts", {}), "plugin": spec}
    plugins = SpeechPlugins(table)
    return plugins.synthesizer


def _speak(text: str, lang: str) -> str:
    return (f'<speak version="1.0" xmlns="http://www.w3.org/2001/10/synthesis" '
            f'xml:lang="{lang}">{escape(text)}</speak>')


class PromptRenderer:
    """Turns a ``Prompt`` into one ``Clip`` (its text and audio parts in order)."""

    def __init__(self, cache: MediaCache, synthesizer_for: Callable[[str], Any] | None = None) -> None:
        self.cache = cache
        self.synthesizer_for = synthesizer_for

    async def speech(self, ssml: str, lang: str) -> Clip | None:
        if self.synthesizer_for is None:
            return None
        key = self.cache.key("tts", lang, ssml)
        clip = self.cache.lookup(key)
        if clip is None:
            try:
                synth = self.synthesizer_for(lang)
                audio = await asyncio.to_thread(synth.synthesize, ssml, lang=lang,
                                                sample_rate=self.cache.rate)
            except Exception as exc:  # a plugin failure costs the prompt, not the call
                log.warning("cannot synthesize %r: %s", ssml[:80], exc)
                return None
            import numpy as np

            clip = self.cache.store(key, np.frombuffer(audio.pcm, dtype="<i2"), audio.sample_rate)
        return clip

    async def audio(self, src: str, fetcher: Fetcher) -> Clip | None:
        got = await fetcher.fetch(Fetch(src, kind="audio"))
        if not isinstance(got, Fetched):
            log.info("audio %s: %s", src, getattr(got, "reason", got))
            return None
        try:
            return await asyncio.to_thread(self.cache.audio, got.content, got.media_type, got.uri)
        except ValueError as exc:
            log.info("audio %s: %s", src, exc)
            return None

    async def render(self, prompt: Prompt, fetcher: Fetcher) -> Clip | None:
        parts = prompt.parts or ((prompt.text,) if prompt.text else ())
        if all(isinstance(p, str) for p in parts):
            text = "".join(p for p in parts if isinstance(p, str)).strip()
            if not text:
                return None
            return await self.speech(prompt.ssml or _speak(text, prompt.lang), prompt.lang)
        clips: list[Clip] = []
        for part in parts:
            clip: Clip | None
            if isinstance(part, AudioRef):
                clip = await self.audio(part.src, fetcher)
                if clip is None and part.fallback_text.strip():
                    clip = await self.speech(_speak(part.fallback_text, prompt.lang), prompt.lang)
            elif part.strip():
                clip = await self.speech(_speak(part, prompt.lang), prompt.lang)
            else:
                clip = None
            if clip is not None:
                clips.append(clip)
        if not clips:
            return None
        return await asyncio.to_thread(self.cache.concat, clips)
