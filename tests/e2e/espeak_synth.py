"""A minimal espeak-ng ``Synthesizer`` (adapters/speech.py): a test fixture only.

The real synthesizer plugin comes from the speech work; the SIP tests need prompts with sound
in them, and espeak-ng (Debian ``espeak-ng``) is the smallest way to get that.
"""

from __future__ import annotations

import subprocess

import numpy as np

from vxml_browser.adapters.media import read_wav, resample
from vxml_browser.adapters.speech import Audio


class EspeakSynthesizer:
    def synthesize(self, ssml: str, *, lang: str = "en-US", sample_rate: int = 8000) -> Audio:
        voice = {"en-us": "en-us", "en-gb": "en-gb"}.get(lang.lower(), lang.split("-")[0].lower())
        out = subprocess.run(["espeak-ng", "-m", "-v", voice, "--stdout", ssml],
                             capture_output=True, check=True, timeout=30).stdout
        pcm, rate = read_wav(out)
        return Audio(resample(np.asarray(pcm), rate, sample_rate).astype("<i2").tobytes(), sample_rate)
