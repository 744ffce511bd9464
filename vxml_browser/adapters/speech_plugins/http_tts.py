"""The plugin slot for an external synthesizer: POST the SSML to a URL, read a WAV back.

Any engine behind a small HTTP service fits (a cloud TTS proxy, piper, a MRCP gateway...). The
request body is the ``<speak>`` document (``application/ssml+xml``) with the query parameters
``lang`` and ``rate`` (the sample rate wanted) and any configured ``params``; the answer must
be a WAV or AU file (``audio/wav``, ``audio/basic``...). It is resampled if its rate differs.
"""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping

from ..speech import Audio
from . import pcm
from .espeak import SynthesisError


class HttpSynthesizer:
    """``Synthesizer`` that asks an HTTP service.

    Config keys (``plugin = "http"``): ``url`` (required), ``timeout`` (seconds, default 10),
    ``headers`` (a table, e.g. an API key), ``params`` (extra query parameters, e.g. a voice).
    """

    def __init__(self, *, url: str, timeout: float = 10.0, headers: Mapping[str, str] | None = None,
                 params: Mapping[str, str] | None = None) -> None:
        self.url = url
        self.timeout = timeout
        self.headers = dict(headers or {})
        self.params = dict(params or {})

    def cache_key(self, lang: str) -> tuple[str, tuple[tuple[str, str], ...]]:
        return (self.url, tuple(sorted(self.params.items())))

    def synthesize(self, ssml: str, *, lang: str = "en-US", sample_rate: int = 8000) -> Audio:
        query = urllib.parse.urlencode({"lang": lang, "rate": sample_rate, **self.params})
        url = f"{self.url}{'&' if '?' in self.url else '?'}{query}"
        request = urllib.request.Request(
            url, data=ssml.encode("utf-8"), method="POST",
            headers={"Content-Type": "application/ssml+xml; charset=utf-8",
                     "Accept": "audio/wav, audio/x-wav, audio/basic", **self.headers})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                body = response.read()
        except (urllib.error.URLError, TimeoutError, OSError) as e:
            raise SynthesisError(f"TTS service {self.url} failed: {e}") from e
        try:
            audio = pcm.read_audio(body)
        except pcm.AudioFormatError as e:
            raise SynthesisError(f"TTS service {self.url} sent no WAV/AU audio: {e}") from e
        return pcm.resample(audio, sample_rate)
