"""The embedded recognizer: PocketSphinx (PyPI ``pocketsphinx``, its wheel ships the en-US model).

The active voice grammars are compiled to one JSGF grammar (``to_jsgf`` for each, joined under
one public rule) and decoded with it, so only in-grammar word strings come back; silence gives
no hypothesis, out-of-grammar speech only sometimes (below). Loading a decoder
costs ~0.25 s, so decoders are pooled (one per concurrent recognition; a PocketSphinx decoder
is not thread-safe) and each keeps the JSGF searches of the grammar sets it has seen (least
recently used dropped past ``searches``), so a grammar set is compiled once per decoder.

Words missing from the dictionary get a pronunciation from espeak-ng's phonemes (``g2p``) or,
failing that, are made unreachable (``<VOID>``).

Out-of-grammar speech is met by a garbage loop competing with the grammar (``GARBAGE_MODELS``).
A grammar search that runs out of audio before the grammar's end returns a partial path
("los" for "Los Angeles"): hypotheses that no active grammar matches (``match_text``) are
dropped. Audio is conditioned first (``condition``): digital silence is replaced by the line's
own background noise, some of it is added around the words, and it is dithered (±3 LSB):
PocketSphinx estimates noise and cepstral mean over the utterance, and digital silence or too
little background upsets them. The decoder's feature state is reset before each utterance
(``reinit_feat``): without it a result depended on what the decoder had heard before.

Confidence: PocketSphinx's posterior is ~1 for any grammar path, so the measure is how well
the grammar path explains the audio compared with a free phone loop over the same frames
(the usual acoustic-likelihood-ratio confidence): the acoustic score gap over the words'
frames (``word_gap``, in the decoder's own units, log base 1.0001), through a logistic
centred on ``confidence_center``; below 0.5 (VoiceXML's default ``confidencelevel``) the
interpreter treats it as a nomatch. Over the words' frames, not per frame of the whole audio:
the listener's segments and whole clips have different amounts of silence, which diluted a
per-frame gap differently (a right word got 0.94 whole and 0.37 through the listener). The
phone-loop garbage rejects most out-of-grammar speech in the search; the confidence catches
part of the rest (``GARBAGE_MODELS``). N-best entries below the best are scaled down by their score gap.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import shutil
import subprocess
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import numpy as np

from ...core.grammars import match_text, to_jsgf
from ...core.inputs import Alternative
from ..speech import Audio
from . import pcm

_RULE = re.compile(r"^(public\s+)?<([^>]+)>\s*=\s*(.*);\s*$")
_REF = re.compile(r"<([^>]+)>")
_WORD = re.compile(r"(?<![<\w/])([^\s()\[\]|*+<>/;=]+)(?![>\w/])")

# espeak-ng (en) phoneme mnemonics -> CMU ARPAbet, longest first.
_ESPEAK_TO_CMU = {
    "aI@": "AY ER", "aU@": "AW ER", "eI": "EY", "aI": "AY", "aU": "AW", "OI": "OY", "oU": "OW",
    "e@": "EH R", "i@": "IH R", "I@": "IH R", "U@": "UH R", "3:": "ER", "A:": "AA", "O:": "AO",
    "i:": "IY", "u:": "UW", "A@": "AA R", "O@": "AO R", "o@": "AO R", "tS": "CH", "dZ": "JH",
    "@L": "AH L", "3": "ER", "@": "AH", "I": "IH", "E": "EH", "a": "AE", "0": "AA", "V": "AH",
    "U": "UH", "i": "IY", "u": "UW", "A": "AA", "O": "AO", "e": "EH", "o": "OW", "p": "P",
    "b": "B", "t": "T", "d": "D", "k": "K", "g": "G", "f": "F", "v": "V", "T": "TH", "D": "DH",
    "s": "S", "z": "Z", "S": "SH", "Z": "ZH", "h": "HH", "m": "M", "n": "N", "N": "NG", "l": "L",
    "r": "R", "w": "W", "j": "Y", "x": "K", "?": "",
}
_ESPEAK_KEYS = sorted(_ESPEAK_TO_CMU, key=len, reverse=True)


def g2p(word: str) -> str | None:
    """A CMU-style pronunciation for an English word from espeak-ng's phonemes, or ``None``."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        return None
    proc = subprocess.run([exe, "-q", "-x", "-v", "en-us", word], capture_output=True, timeout=10,
                          check=False)
    text = re.sub(r"[',%=_:#!|-]+(?![:@])", " ", proc.stdout.decode(errors="replace"))
    phones: list[str] = []
    for chunk in text.split():
        i = 0
        while i < len(chunk):
            for key in _ESPEAK_KEYS:
                if chunk.startswith(key, i):
                    if _ESPEAK_TO_CMU[key]:
                        phones.append(_ESPEAK_TO_CMU[key])
                    i += len(key)
                    break
            else:
                i += 1
    return " ".join(phones) or None


def combine_jsgf(grammars: Sequence[Any]) -> str:
    """One JSGF grammar whose public rule is any of ``grammars``' roots (``to_jsgf`` each)."""
    rules: list[str] = []
    roots: list[str] = []
    for i, grammar in enumerate(grammars):
        for line in to_jsgf(grammar).splitlines():
            m = _RULE.match(line.strip())
            if not m:
                continue
            public, name, body = m.groups()
            body = _REF.sub(lambda r, i=i: r.group(0) if r.group(1) in ("NULL", "VOID") else f"<g{i}_{r.group(1)}>", body)
            rules.append(f"<g{i}_{name}> = {body};")
            if public:
                roots.append(f"<g{i}_{name}>")
    if not roots:
        return ""
    return "\n".join(["#JSGF V1.0;", "grammar vxml;", f"public <vxml_active> = {' | '.join(roots)};", *rules]) + "\n"


def jsgf_words(jsgf: str) -> set[str]:
    words: set[str] = set()
    for line in jsgf.splitlines()[3:]:
        body = line.split("=", 1)[1] if "=" in line else ""
        body = re.sub(r"/[0-9.eE+-]+/", " ", _REF.sub(" ", body))
        words.update(w for w in re.split(r"[\s()\[\]|*+;]+", body) if w)
    return words


def dither(audio: Audio, amplitude: float = 3.0) -> Audio:
    """``audio`` plus a little Gaussian noise (fixed seed: the same audio gives the same result)."""
    x = pcm.samples(audio.pcm).astype(np.float64)
    noise = np.random.default_rng(len(x)).normal(0.0, amplitude, len(x))
    return Audio(pcm.to_pcm(x + noise), audio.sample_rate)


PAD_S = 0.3
"""Background noise (s) added before and after an utterance (see ``condition``)."""


def condition(audio: Audio) -> Audio:
    """``audio`` as PocketSphinx is given it: where the line has background noise
    (``pcm.background``), runs of digital silence are replaced by comfort noise like it and
    ``PAD_S`` of it is added each side; then it is dithered.

    Why: the noise removal and cepstral mean of PocketSphinx are estimated over the utterance,
    and an utterance that starts or ends in digital silence (a call's first packets, a clip
    that starts in noise) or with little background around the words (the listener's short
    pre-roll and end-of-speech gap) throws them off. Measured on 52 espeak-ng utterances (with
    the ``reinit_feat`` fix), right at 15 / 10 dB SNR: the listener's segment of a clip between
    digital silence (as ``bench/speech_sip.py`` feeds it) 43 / 30 before, 46 / 43 after; the
    clips recognized whole 46 / 42 before, 46 / 43 after."""
    noise = pcm.background(audio)
    if noise is not None:
        x = pcm.samples(audio.pcm).astype(np.float64)
        size = noise.shape[1]
        frames = x[: len(x) // size * size].reshape(-1, size).copy()
        digital = (np.abs(frames) <= 2).mean(axis=1) > 0.5
        if digital.any():
            frames[digital] = pcm.comfort_noise(noise, int(digital.sum()) * size, seed=len(x)).reshape(-1, size)
        pad = int(PAD_S * audio.sample_rate)
        x = np.concatenate([pcm.comfort_noise(noise, pad, seed=1), frames.reshape(-1), x[len(frames) * size:],
                            pcm.comfort_noise(noise, pad, seed=2)])
        audio = Audio(pcm.to_pcm(x), audio.sample_rate)
    return dither(audio)


_LOG_BASE = math.log(1.0001)  # PocketSphinx's log base (its default ``logbase``)


Segment = tuple[str, int, int, float]
"""A stretch of the decoder's best path: word (or phone), first and last frame, acoustic score."""


def _segments(decoder: Any) -> list[Segment]:
    """The decoder's best path, acoustic scores in its own units (log base 1.0001): the binding
    gives each segment's ``ascore`` as base ** score (an underflow counts as -745 nats)."""
    return [(seg.word, seg.start_frame, seg.end_frame,
             (math.log(seg.ascore) if seg.ascore > 0 else -745.0) / _LOG_BASE) for seg in decoder.seg() or ()]


def word_gap(path: Sequence[Segment], loop: Sequence[Segment]) -> float | None:
    """How much better (score units) a free phone loop explains the frames of ``path``'s words
    (from the first word's start to the last one's end) than the words do; ``None`` without
    words. The loop's segments count in proportion to their overlap with those frames."""
    words = [seg for seg in path if seg[1] >= 0 and not seg[0].startswith(("<", "(", "[", "+"))]
    if not words:
        return None
    first, last = words[0][1], words[-1][2]
    own = sum(seg[3] for seg in path if seg[1] >= first and seg[2] <= last)
    free = sum(score * (min(end, last) - max(start, first) + 1) / (end - start + 1)
               for _, start, end, score in loop if min(end, last) >= max(start, first))
    return max(free - own, 0.0)


TUNING: dict[str, Any] = {"bestpath": False, "wip": 0.2}
"""Decoder settings measured on espeak-ng words in noise (72 utterances, 4 grammars): the
defaults got 57/72 right at 15 dB SNR and 46/72 at 10 dB; without the lattice best-path pass
and with a higher word insertion penalty, 63/72 and 59/72, and 40% faster."""


GARBAGE = "gbg_"
FILLERS = tuple("""the a to of and i you it is in that what want would like we my me be do have this
for on with not can how at go get see was are but so just they he she there here when where why
who now time good day morning please thank thanks uh um hmm well maybe later""".split())
PHONES = tuple("""AA AE AH AO AW AY B CH D DH EH ER EY F G HH IH IY JH K L M N NG OW OY P R S SH T
TH UH UW V W Y Z ZH""".split())
GARBAGE_MODELS = ("phones", "speech-noise", "words", "none")
"""Out-of-grammar rejection: a loop of garbage "words" is an alternative to the grammar, and a
path through it means the caller said something else (no hypothesis); ``garbage_prior`` is its
JSGF weight against the grammar's 1. Measured on 52 espeak-ng utterances in white noise
(cities, menu words, yes/no, digits; two speaking rates; right of 52) and 64 out-of-grammar
trials (12 phrases such as "purple elephant", "what time is it", "cancel my order please", two
synthetic coughs and two bangs, each against each of the 4 grammars; rejected of 64), by the
search alone (confidence ignored), whole clips:

=====================================  ===========  ===========
garbage (prior)                         15 dB SNR    10 dB SNR
=====================================  ===========  ===========
``"none"``                              47 / 5       45 / 7
``"speech-noise"`` (1e15, until now)    46 / 26      43 / 36
``"speech-noise"`` (1e20)               46 / 32      40 / 42
``"phones"`` (1e-28)                    47 / 5
``"phones"`` (1e-27, the default)       47 / 39      45 / 36
``"phones"`` (1e-26)                    45 / 45      45 / 43
``"phones"`` (1e-25)                    45 / 48      44 / 44
``"phones"`` (1e-20)                    43 / 56      41 / 50
``"phones"`` (1e-10)                    38 / 64
=====================================  ===========  ===========

The confidence (``word_gap`` over a logistic) separates less: a right multi-word utterance
("san francisco", "one two three") has a gap of 3000-5000 units, out-of-grammar speech that
got through the search 2000-6000. Its default centre, 5500, only drops gross mismatches: on
``bench/speech.py``'s own corpus (72 utterances, 64 out-of-grammar trials), whole clips, right
/ rejected: 68 / 47 at 15 dB and 58 / 42 at 10 dB, against 68 / 28 and 57 / 39 with
``"speech-noise"`` at 1e15 (the previous default); at a centre of 3000, 64 / 51 and 57 / 46.

- ``"phones"`` (the default): each of the model's ``PHONES`` as a one-phone word, looped:
  anything speech-like can take this path, so the prior is tiny (1e-28 and below is floored
  to nothing).
- ``"speech-noise"``: the model's own garbage phone (``+SPN+``) looped.
- ``"words"``: the ``FILLERS`` (renamed ``gbg_...``) looped, at a prior of 1e-25: on 36 words
  and 12 phrases at 15 dB, 25/36 right, 12/12 rejected; short words get taken for fillers.
"""
DEFAULT_PRIOR = {"phones": 1e-27, "speech-noise": 1e15, "words": 1e-25, "none": 0.0}


class _Slot:
    """One decoder and the searches it has loaded."""

    def __init__(self, decoder: Any) -> None:
        self.decoder = decoder
        self.searches: OrderedDict[str, None] = OrderedDict()
        self.allphone = False


class PocketSphinxRecognizer:
    """``Recognizer`` over PocketSphinx with grammar-constrained (JSGF) search.

    Config keys (``[speech.asr.<lang>]`` with ``plugin = "pocketsphinx"``): ``model`` (an
    acoustic model directory, default the wheel's en-US), ``dictionary`` (a pronunciation
    dictionary, default the model's), ``searches`` (grammar sets kept per decoder, default 32),
    ``confidence_center`` / ``confidence_width`` (the logistic above; defaults 5500 and 700 score
    units), ``silence_dbfs`` (audio whose loudest 20 ms is quieter is silence: no
    hypothesis; default -50), ``confidence`` (false skips the phone-loop pass, ~4x the cost of
    the grammar pass, and reports 1.0), ``garbage`` (what competes with the grammar so that
    other speech gives no hypothesis: ``"phones"``, the default, ``"speech-noise"``, ``"words"``
    or ``"none"``; see ``GARBAGE_MODELS``), ``garbage_prior`` (the loop's prior weight over the
    grammar, default per model: ``DEFAULT_PRIOR``), ``options`` (a table of extra
    PocketSphinx config parameters, e.g. ``{beam = 1e-60}``).
    """

    rate = 16000  # the en-US model's sample rate; call audio is upsampled

    def __init__(self, *, model: str | None = None, dictionary: str | None = None, searches: int = 32,
                 confidence_center: float = 5500.0, confidence_width: float = 700.0,
                 silence_dbfs: float = -50.0, confidence: bool = True,
                 garbage: str = "phones", garbage_prior: float | None = None,
                 options: dict[str, Any] | None = None) -> None:
        if garbage not in GARBAGE_MODELS:
            raise ValueError(f"garbage must be one of {', '.join(GARBAGE_MODELS)}, not {garbage!r}")
        self.garbage_prior = DEFAULT_PRIOR[garbage] if garbage_prior is None else garbage_prior
        self.garbage = garbage
        self.model = model
        self.score_confidence = confidence
        self.dictionary = dictionary
        self.max_searches = searches
        self.confidence_center = confidence_center
        self.confidence_width = confidence_width
        self.options = {**TUNING, **(options or {})}
        self.silence_dbfs = silence_dbfs
        self._idle: list[_Slot] = []
        self._lock = threading.Lock()
        self._pron: dict[str, str | None] = {}
        self._jsgf: OrderedDict[tuple[int, ...], tuple[tuple[Any, ...], str]] = OrderedDict()

    # --- decoders --------------------------------------------------------------------
    def _new_decoder(self) -> Any:
        from pocketsphinx import Config, Decoder

        config = Config(loglevel="FATAL", samprate=self.rate, **self.options)
        if self.model:
            config["hmm"] = self.model
        if self.dictionary:
            config["dict"] = self.dictionary
        config["lm"] = None
        return Decoder(config)

    def _take(self) -> _Slot:
        with self._lock:
            if self._idle:
                return self._idle.pop()
        return _Slot(self._new_decoder())

    def _give(self, slot: _Slot) -> None:
        with self._lock:
            self._idle.append(slot)

    def warm(self, count: int = 1) -> None:
        """Load ``count`` decoders ahead of the first call."""
        slots = [self._take() for _ in range(count)]
        for slot in slots:
            self._give(slot)

    # --- grammars --------------------------------------------------------------------
    def jsgf(self, grammars: Sequence[Any]) -> str:
        """The combined JSGF for ``grammars`` (cached by grammar identity)."""
        key = tuple(id(g) for g in grammars)
        with self._lock:
            hit = self._jsgf.get(key)
            if hit is not None and all(a is b for a, b in zip(hit[0], grammars, strict=True)):
                self._jsgf.move_to_end(key)
                return hit[1]
        text = combine_jsgf(grammars)
        with self._lock:
            self._jsgf[key] = (tuple(grammars), text)
            while len(self._jsgf) > 256:
                self._jsgf.popitem(last=False)
        return text

    def _search(self, slot: _Slot, jsgf: str) -> str:
        name = "g" + hashlib.sha1(jsgf.encode()).hexdigest()[:16]
        decoder = slot.decoder
        if name in slot.searches:
            slot.searches.move_to_end(name)
        else:
            for word in jsgf_words(jsgf):
                if decoder.lookup_word(word) is None:
                    if word not in self._pron:
                        self._pron[word] = g2p(word) if re.fullmatch(r"[a-z']+", word) else None
                    if self._pron[word]:
                        decoder.add_word(word, self._pron[word], update=True)
                    else:
                        jsgf = re.sub(rf"(?<![\w<]){re.escape(word)}(?![\w>])", "<VOID>", jsgf)
            if self.garbage != "none":
                jsgf = self._with_garbage(decoder, jsgf)
            decoder.add_jsgf_string(name, jsgf)
            slot.searches[name] = None
            while len(slot.searches) > self.max_searches:
                old, _ = slot.searches.popitem(last=False)
                decoder.remove_search(old)
        decoder.activate_search(name)
        return name

    def _with_garbage(self, decoder: Any, jsgf: str) -> str:
        """``jsgf`` with a garbage loop competing with the grammar (see ``GARBAGE_MODELS``)."""
        if self.garbage == "speech-noise":
            prons = {"spn": "+SPN+"}
        elif self.garbage == "phones":
            prons = {"ph_" + phone.lower(): phone for phone in PHONES}
        else:
            prons = {word: pron for word in FILLERS if (pron := decoder.lookup_word(word))}
        for word, pron in prons.items():
            if decoder.lookup_word(GARBAGE + word) is None:
                decoder.add_word(GARBAGE + word, pron, update=True)
        if not prons:
            return jsgf
        prior = self.garbage_prior
        weight = f"/{int(prior)}/" if prior >= 1 else f"/{prior:g}/"  # JSGF weights: no float point
        jsgf = jsgf.replace("public <vxml_active> = ", f"public <vxml_active> = {weight} <garbage> | /1/ ", 1)
        return jsgf + f"<garbage> = ({' | '.join(GARBAGE + w for w in prons)})+;\n"

    # --- recognition -----------------------------------------------------------------
    def recognize(self, audio: Audio, grammars: Sequence[Any], *, maxnbest: int = 1,
                  lang: str = "en-US") -> list[Alternative]:
        voice = [g for g in grammars if getattr(g, "mode", "voice") != "dtmf"]
        if not voice or not audio.pcm:
            return []
        if pcm.peak_dbfs(audio.pcm, audio.sample_rate) < self.silence_dbfs:
            return []  # nothing was said (and the grammar search would still find a path)
        jsgf = self.jsgf(voice)
        if not jsgf:
            return []
        raw = pcm.resample(condition(audio), self.rate).pcm
        slot = self._take()
        try:
            decoder = slot.decoder
            self._search(slot, jsgf)
            decoder.reinit_feat()  # noise statistics carried over would make results depend on the last call
            decoder.start_utt()
            decoder.process_raw(raw, full_utt=True)
            decoder.end_utt()
            hyp = decoder.hyp()
            if hyp is None or not hyp.hypstr.strip() or GARBAGE in hyp.hypstr:
                return []
            path = _segments(decoder)
            texts: list[tuple[str, float]] = [(hyp.hypstr.strip(), hyp.score)]
            if maxnbest > 1:
                for n in decoder.nbest():
                    text = n.hypstr.strip() if n is not None else ""
                    if text and GARBAGE not in text and all(t != text for t, _ in texts):
                        texts.append((text, n.score))
                    if len(texts) >= maxnbest + 3 or len(texts) >= 20:
                        break
            # a partial path (the audio ended inside the grammar) is no hypothesis
            texts = [(t, s) for t, s in texts if match_text(voice, t)]
            if not texts:
                return []
            confidence = self._confidence(slot, raw, path) if self.score_confidence else 1.0
        finally:
            self._give(slot)
        out: list[Alternative] = []
        top = texts[0][1]
        for text, score in texts[:maxnbest]:
            # lower n-best entries are scaled down by their score gap per frame
            ratio = score / top if top > 0 and score > 0 else 1.0
            drop = abs(math.log(ratio)) if ratio > 0 else 10.0
            out.append(Alternative(text, round(confidence * math.exp(-drop), 4)))
        return out[:1] + sorted(out[1:], key=lambda a: -a.confidence)

    def _confidence(self, slot: _Slot, raw: bytes, path: list[Segment]) -> float:
        loop = self._phone_loop(slot, raw)
        gap = word_gap(path, loop) if loop is not None else None
        if gap is None:
            return 1.0
        z = (gap - self.confidence_center) / self.confidence_width
        return round(1.0 / (1.0 + math.exp(min(z, 50.0))), 4)

    def _phone_loop(self, slot: _Slot, raw: bytes) -> list[Segment] | None:
        """The best path of a free phone loop over ``raw`` (the unconstrained best)."""
        decoder = slot.decoder
        if not slot.allphone:
            phone_lm = os.path.join(self.model or "", os.pardir, "en-us-phone.lm.bin") if self.model else ""
            if not os.path.exists(phone_lm):
                from pocketsphinx import get_model_path

                phone_lm = os.path.join(get_model_path(), "en-us", "en-us-phone.lm.bin")
            if not os.path.exists(phone_lm):
                return None
            decoder.add_allphone_file("_allphone", phone_lm)
            slot.allphone = True
        decoder.activate_search("_allphone")
        decoder.reinit_feat()
        decoder.start_utt()
        decoder.process_raw(raw, full_utt=True)
        decoder.end_utt()
        return _segments(decoder)
