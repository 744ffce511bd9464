"""Is the audio a caller heard the prompt it should have heard (and not silence or noise)?

Two signals match when their loudness envelopes (20 ms RMS frames) correlate: codecs, jitter
buffers and resampling change the samples but keep the envelope of speech.
"""

from __future__ import annotations

import numpy as np

from vxml_browser.adapters.media import read_wav


def envelope(pcm: np.ndarray, rate: int, frame_s: float = 0.02) -> np.ndarray:
    n = int(rate * frame_s)
    count = len(pcm) // n
    frames = pcm[: count * n].astype(np.float64).reshape(count, n)
    return np.sqrt((frames ** 2).mean(axis=1))


def best_match(heard: np.ndarray, expected: np.ndarray) -> tuple[float, int]:
    """The best normalized correlation of ``expected``'s envelope inside ``heard``'s, and where."""
    if len(heard) < len(expected):
        heard = np.concatenate([heard, np.zeros(len(expected) - len(heard))])
    e = (expected - expected.mean()) / (expected.std() or 1.0)
    best, where = -1.0, 0
    for i in range(0, len(heard) - len(expected) + 1):
        window = heard[i:i + len(expected)]
        std = window.std()
        if std == 0:
            continue
        c = float(np.dot((window - window.mean()) / std, e) / len(e))
        if c > best:
            best, where = c, i
    return best, where


def heard_matches(heard_path: str, expected_pcm: np.ndarray, expected_rate: int) -> tuple[float, float]:
    """(correlation, RMS of the heard audio) for a recording and the expected prompt."""
    pcm, rate = read_wav(heard_path)
    h = envelope(np.asarray(pcm), rate)
    e = envelope(np.asarray(expected_pcm), expected_rate)
    # only the first seconds of the prompt: barge-in may cut the rest
    e = e[: min(len(e), 150)]
    score, _ = best_match(h, e)
    return score, float(np.sqrt(np.mean(np.asarray(pcm, dtype=np.float64) ** 2)))
