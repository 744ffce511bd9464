"""A synthesized-prompt cache: a repeated prompt costs a dictionary look-up.

Keyed by the SSML, the language, the sample rate and whatever else the engine says decides its
output (``cache_key(lang)``: the voice, the speaking rate, the pitch). Bounded by bytes of PCM,
least recently used first out; safe to share between calls on several threads.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Hashable, Mapping
from typing import Any

from ..speech import Audio, Synthesizer


class CachedSynthesizer:
    """A ``Synthesizer`` that remembers what ``inner`` rendered."""

    def __init__(self, inner: Synthesizer, *, max_bytes: int = 64 << 20) -> None:
        self.inner = inner
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Hashable, Audio] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def key(self, ssml: str, lang: str, sample_rate: int, audio: Mapping[str, bytes] | None) -> Hashable:
        engine_key: Any = self.inner.cache_key(lang) if hasattr(self.inner, "cache_key") else lang
        clips = tuple(sorted((k, hashlib.sha1(v).hexdigest()) for k, v in audio.items())) if audio else ()
        return (ssml, lang, sample_rate, engine_key, clips)

    def synthesize(self, ssml: str, *, lang: str = "en-US", sample_rate: int = 8000,
                   audio: Mapping[str, bytes] | None = None) -> Audio:
        key = self.key(ssml, lang, sample_rate, audio)
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None:
                self._entries.move_to_end(key)
                self.hits += 1
                return hit
            self.misses += 1
        kwargs: dict[str, Any] = {"lang": lang, "sample_rate": sample_rate}
        if audio:
            kwargs["audio"] = audio
        result = self.inner.synthesize(ssml, **kwargs)
        with self._lock:
            if key not in self._entries and len(result.pcm) <= self.max_bytes:
                self._entries[key] = result
                self._bytes += len(result.pcm)
                while self._bytes > self.max_bytes:
                    _, old = self._entries.popitem(last=False)
                    self._bytes -= len(old.pcm)
        return result

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._entries)
