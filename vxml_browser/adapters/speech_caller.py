"""A caller who speaks: turn a script's ``say TEXT`` into real ``Speech`` through TTS then ASR.

For the conformance runner's ``--speech`` mode and end-to-end tests: the caller's words are
synthesized with espeak-ng (as call audio: 8 kHz, optional white noise at ``snr_db``), padded
with silence, and heard by a ``Listener`` for the waiting ``Collect`` with the configured
recognizer, so the session gets what a real call would: the recognizer's n-best, nomatch for
words no grammar takes, noinput if the recognizer heard nothing it could use.

    caller = SpeechCaller()                          # espeak-ng + PocketSphinx, made once
    answer = caller.say(collect, "New York")         # Speech | NoInput | MaxSpeechTimeout
    session.send(answer)
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from ..core.actions import Collect
from ..core.inputs import MaxSpeechTimeout, NoInput, Speech
from .listening import Heard, Listener
from .plugins import SpeechPlugins
from .speech import Audio, Recognizer, Synthesizer
from .speech_plugins import pcm


class SpeechCaller:
    """Speaks a caller's words into a collect (see the module docstring)."""

    def __init__(self, plugins: SpeechPlugins | None = None, *, caller_voice: Synthesizer | None = None,
                 recognizer: Recognizer | None = None, sample_rate: int = 8000, snr_db: float | None = None,
                 lead_s: float = 0.3, tail_s: float = 1.5) -> None:
        self.plugins = plugins or SpeechPlugins({"tts": {"cache_mb": 16}})
        self.caller_voice = caller_voice
        self.fixed_recognizer = recognizer
        self.rate = sample_rate
        self.snr_db = snr_db
        self.lead_s = lead_s
        self.tail_s = tail_s
        self.utterances = 0

    def audio(self, text: str, lang: str = "en-US") -> Audio:
        """The caller saying ``text`` as call audio (silence either side, noise if asked)."""
        voice = self.caller_voice or self.plugins.synthesizer(lang)
        speech = voice.synthesize(f"<speak>{escape(text)}</speak>", lang=lang, sample_rate=self.rate)
        audio = pcm.concat([pcm.silence(self.lead_s, self.rate), speech, pcm.silence(self.tail_s, self.rate)],
                           self.rate)
        if self.snr_db is not None:
            audio = pcm.mix_noise(audio, self.snr_db, seed=self.utterances)
        return audio

    def say(self, collect: Collect, text: str, *, lang: str | None = None) -> Speech | NoInput | MaxSpeechTimeout:
        """What the session hears when the caller says ``text`` at ``collect``."""
        lang = lang or (collect.prompts[-1].lang if collect.prompts else "en-US")
        recognizer = self.fixed_recognizer or self.plugins.recognizer(lang)
        if recognizer is None:
            return NoInput()
        self.utterances += 1
        listener = Listener.for_collect(collect, recognizer, sample_rate=self.rate, timer_running=True)
        for event in listener.listen(self.audio(text, lang)):
            if isinstance(event, Heard):
                return event.input
        return NoInput()


_DEFAULT: SpeechCaller | None = None


def say_as_speech(collect: Collect, text: str, *, lang: str | None = None) -> Speech | NoInput | MaxSpeechTimeout:
    """``say TEXT`` for the conformance runner: a shared default ``SpeechCaller`` (espeak-ng and
    PocketSphinx, loaded on first use) hears ``text`` at ``collect``."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = SpeechCaller()
    return _DEFAULT.say(collect, text, lang=lang)


async def run_session_with_speech(uri: str, caller: Any, **kwargs: Any) -> dict[str, Any]:
    """``runner.run_session`` whose ``say`` lines go through TTS and ASR (``say_as_speech``):
    what ``vxml-conformance --speech`` runs."""
    from .runner import run_session

    return await run_session(uri, caller, speech=say_as_speech, **kwargs)
