"""The embedded synthesizer: espeak-ng (Debian ``espeak-ng``) driven as a process.

Why not pyttsx3 (ARCHITECTURE.md names it): its espeak driver calls ``espeak_Synth`` without
the SSML flag, so markup is read aloud ("speak say this slash speak"); ``save_to_file`` is
asynchronous (the WAV is not complete when ``runAndWait`` returns) and only the last queued
file is written; it prints to stdout; and it wraps one process-wide libespeak-ng instance, so
concurrent calls would share one engine. ``espeak-ng -m --stdout -v VOICE`` reads SSML, writes a
WAV to a pipe in ~10 ms per sentence and runs one process per prompt, so calls do not block
each other (DEPENDENCIES.md, "Speech").
"""

from __future__ import annotations

import base64
import shutil
import subprocess
import urllib.parse
from collections.abc import Callable, Mapping
from pathlib import Path

from ..speech import Audio
from . import pcm, ssml

# xml:lang (lower case, or its primary subtag) -> espeak-ng voice.
DEFAULT_VOICES: dict[str, str] = {
    "en": "en-us", "en-us": "en-us", "en-gb": "en-gb", "en-au": "en-us",
    "zh": "cmn", "zh-cn": "cmn", "zh-hans": "cmn", "cmn": "cmn", "zh-tw": "cmn", "zh-hk": "yue",
    "yue": "yue", "ko": "ko", "ko-kr": "ko", "ja": "ja", "fr": "fr", "de": "de", "es": "es",
    "it": "it", "pt": "pt", "pt-br": "pt-br", "nl": "nl", "ru": "ru", "hi": "hi", "ar": "ar",
}


class SynthesisError(RuntimeError):
    """The engine failed (not installed, or it exited with an error)."""


def load_local_audio(src: str, audio: Mapping[str, bytes] | None = None) -> Audio | None:
    """The clip for an ``<audio src>``: given bytes, a ``data:`` URI, a ``file:`` URI or a path.

    Anything else (http: ...) or a file that is missing or unreadable gives ``None``: the
    fallback content is spoken instead (VoiceXML 2.0 §4.1.3).
    """
    try:
        if audio and src in audio:
            return pcm.read_audio(audio[src])
        if src.startswith("data:"):
            head, _, body = src.partition(",")
            data = base64.b64decode(body) if head.endswith(";base64") else urllib.parse.unquote_to_bytes(body)
            return pcm.read_audio(data)
        parsed = urllib.parse.urlparse(src)
        if parsed.scheme == "file":
            path = Path(urllib.parse.unquote(parsed.path))
        elif parsed.scheme in ("", ) or (len(parsed.scheme) == 1 and src[1:3] in (":\\", ":/")):
            path = Path(src)
        else:
            return None
        return pcm.read_audio(path.read_bytes()) if path.is_file() else None
    except (OSError, ValueError):
        return None


class EspeakSynthesizer:
    """``Synthesizer`` over espeak-ng.

    Config keys (``[speech.tts.<lang>]`` with ``plugin = "espeak"``, see ``plugins.py``):
    ``voice`` (an espeak-ng voice; by default from ``xml:lang``), ``voices`` (extra lang -> voice
    pairs), ``rate`` (words per minute, espeak-ng's default 175), ``pitch`` (0-99, default 50),
    ``command`` (the executable, default ``espeak-ng``).
    """

    def __init__(self, *, voice: str | None = None, voices: Mapping[str, str] | None = None,
                 rate: int | None = None, pitch: int | None = None, command: str = "espeak-ng",
                 audio_loader: Callable[[str], Audio | None] | None = None) -> None:
        self.voice = voice
        self.voices = {**DEFAULT_VOICES, **{k.lower(): v for k, v in (voices or {}).items()}}
        self.rate = rate
        self.pitch = pitch
        self.command = command
        self.audio_loader = audio_loader

    def voice_for(self, lang: str) -> str:
        """The espeak-ng voice for an ``xml:lang`` (the configured ``voice`` wins)."""
        if self.voice:
            return self.voice
        key = lang.lower().replace("_", "-")
        return self.voices.get(key) or self.voices.get(key.split("-")[0]) or key.split("-")[0] or "en-us"

    def cache_key(self, lang: str) -> tuple[str, int | None, int | None]:
        """What besides the SSML decides the audio (for ``CachedSynthesizer``)."""
        return (self.voice_for(lang), self.rate, self.pitch)

    def synthesize(self, ssml_text: str, *, lang: str = "en-US", sample_rate: int = 8000,
                   audio: Mapping[str, bytes] | None = None) -> Audio:
        """Render ``ssml_text`` at ``sample_rate``; ``audio`` gives the bytes of ``<audio>`` sources."""

        def load(src: str) -> Audio | None:
            if self.audio_loader is not None and not (audio and src in audio):
                clip = self.audio_loader(src)
                if clip is not None:
                    return clip
            return load_local_audio(src, audio)

        parts: list[Audio] = []
        for seg in ssml.split(ssml_text, lang=lang, load_audio=load, voice_for=self.voice_for):
            parts.append(self.speak(seg.ssml, seg.lang) if isinstance(seg, ssml.Speech) else seg)
        return pcm.concat(parts, sample_rate)

    def speak(self, document: str, lang: str) -> Audio:
        """One SSML document through espeak-ng, at its native rate (22050 Hz)."""
        exe = shutil.which(self.command)
        if exe is None:
            raise SynthesisError(f"{self.command} is not installed (Debian package espeak-ng)")
        args = [exe, "-m", "--stdout", "-v", self.voice_for(lang)]
        if self.rate:
            args += ["-s", str(self.rate)]
        if self.pitch is not None:
            args += ["-p", str(self.pitch)]
        proc = subprocess.run([*args, "--stdin"], input=document.encode("utf-8"),
                              capture_output=True, timeout=30, check=False)
        if proc.returncode != 0 or not proc.stdout:
            raise SynthesisError(f"{self.command} failed ({proc.returncode}): "
                                 f"{proc.stderr.decode(errors='replace').strip()}")
        return pcm.read_wav(proc.stdout)
