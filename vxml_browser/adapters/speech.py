"""The speech plugin interfaces (ARCHITECTURE.md, "The interfaces that keep it apart").

A ``Synthesizer`` turns the SSML a prompt carries into audio; a ``Recognizer`` turns an
utterance's audio into hypotheses, constrained by the active voice grammars. Both work on
16-bit signed little-endian mono PCM at a stated sample rate, so the SIP platform can feed
8 kHz call audio and a test can feed espeak-ng's output. Plugins are chosen per language in
the TOML config and found through the ``vxml_browser.synthesizers`` and
``vxml_browser.recognizers`` entry-point groups.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from ..core.inputs import Alternative


@dataclass(frozen=True, slots=True)
class Audio:
    """PCM16 mono audio."""

    pcm: bytes
    sample_rate: int

    @property
    def seconds(self) -> float:
        return len(self.pcm) / 2 / self.sample_rate


class Synthesizer(Protocol):
    """Text-to-speech: SSML in, audio out (VoiceXML 2.0 §4.1, SSML 1.0)."""

    def synthesize(self, ssml: str, *, lang: str = "en-US", sample_rate: int = 8000) -> Audio:
        """Render one prompt's SSML (a ``<speak>`` document) at ``sample_rate``."""
        ...


class Recognizer(Protocol):
    """Speech recognition constrained by grammars (VoiceXML 2.0 §3.1, §6.3.2).

    ``grammars`` are compiled grammars from ``vxml_browser.core.grammars`` (voice mode); a
    recognizer compiles them to its own form (``to_jsgf``, ``to_phrases``) and may cache that.
    It returns hypotheses best first, each the words heard and a confidence in [0, 1]; an
    empty list means it heard nothing it could match. The interpreter then runs the words
    through the grammar engine, so the semantic result does not depend on the engine.
    """

    def recognize(self, audio: Audio, grammars: Sequence[Any], *, maxnbest: int = 1,
                  lang: str = "en-US") -> list[Alternative]:
        ...
