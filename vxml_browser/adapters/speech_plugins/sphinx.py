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
(the usual acoustic-likelihood-ratio confidence): the log-likelihood gap per frame, in nats,
through a logistic centred on ``confidence_center`` (measured with espeak-ng speech: 2.6-4.5
for right words, 4.4-5.6 for out-of-grammar words forced onto the grammar). It separates
weakly: PocketSphinx normalises scores per frame, so two searches compare only roughly; the
garbage loop does more for out-of-grammar speech. N-best entries below the best are scaled
down by their score gap.
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
    pre-roll and end-of-speech gap) throws them off. Measured on 52 espeak-ng utterances: the
    listener's segment of a clip between digital silence went from 43/52 to 46/52 right at
    15 dB SNR and from 30/52 to 45/52 at 10 dB; the same clips in continuous noise from 40 to
    43/52 at 10 dB; the clips recognized whole from 42 to 45/52 at 10 dB."""
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


def _log_score(decoder: Any) -> float:
    """The acoustic log-likelihood (nats) of the decoder's best path, summed over its segments
    (the binding gives each segment's density, not its log; an underflow counts as -745)."""
    total = 0.0
    for seg in decoder.seg() or ():
        total += math.log(seg.ascore) if seg.ascore > 0 else -745.0
    return total


TUNING: dict[str, Any] = {"bestpath": False, "wip": 0.2}
"""Decoder settings measured on espeak-ng words in noise (72 utterances, 4 grammars): the
defaults got 57/72 right at 15 dB SNR and 46/72 at 10 dB; without the lattice best-path pass
and with a higher word insertion penalty, 63/72 and 59/72, and 40% faster."""


GARBAGE = "gbg_"
FILLERS = tuple("""the a to of and i you it is in that what want would like we my me be do have this
for on with not can how at go get see was are but so just they he she there here when where why
who now time good day morning please thank thanks uh um hmm well maybe later""".split())
GARBAGE_MODELS = ("speech-noise", "words", "none")
"""Out-of-grammar rejection: a loop of garbage "words" is an alternative to the grammar, and a
path through it means the caller said something else (no hypothesis). Measured at 15 dB SNR
on 36 in-grammar words and 12 out-of-grammar phrases:

- ``"none"``: 32/36 right, 1/12 rejected.
- ``"speech-noise"`` (the default): the model's own garbage phone (``+SPN+``) looped, with a
  prior of 1e15 over the grammar: 32/36 right, 5/12 rejected (1e30 rejects everything). On
  the 72-utterance test corpus: 63/72 right at 15 dB as without it, but 56/72 at 10 dB against
  61/72, and 3/8 out-of-grammar phrases rejected against 1/8.
- ``"words"``: the ``FILLERS`` (renamed ``gbg_...``) looped, at a prior of 1e-25 (PocketSphinx
  floors smaller ones): 25/36 right, 12/12 rejected; short words get taken for fillers, so it
  suits places where a false match costs more than a nomatch (hotword barge-in, confirmations).
"""


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
    ``confidence_center`` / ``confidence_width`` (the logistic above; defaults 6.0 and 0.75 nats
    per frame), ``silence_dbfs`` (audio whose loudest 20 ms is quieter is silence: no
    hypothesis; default -50), ``confidence`` (false skips the phone-loop pass, ~4x the cost of
    the grammar pass, and reports 1.0), ``garbage`` (what competes with the grammar so that
    other speech gives no hypothesis: ``"speech-noise"``, the default, ``"words"`` or ``"none"``;
    see ``GARBAGE_MODELS``), ``garbage_prior`` (the speech-noise loop's prior weight over the
    grammar, default 1e15), ``options`` (a table of extra
    PocketSphinx config parameters, e.g. ``{beam = 1e-60}``).
    """

    rate = 16000  # the en-US model's sample rate; call audio is upsampled

    def __init__(self, *, model: str | None = None, dictionary: str | None = None, searches: int = 32,
                 confidence_center: float = 6.0, confidence_width: float = 0.75,
                 silence_dbfs: float = -50.0, confidence: bool = True,
                 garbage: str = "speech-noise", garbage_prior: float = 1e15,
                 options: dict[str, Any] | None = None) -> None:
        self.garbage_prior = garbage_prior
        if garbage not in GARBAGE_MODELS:
            raise ValueError(f"garbage must be one of {', '.join(GARBAGE_MODELS)}, not {garbage!r}")
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
            if decoder.lookup_word(GARBAGE + "spn") is None:
                decoder.add_word(GARBAGE + "spn", "+SPN+", update=True)
            words, weight = [GARBAGE + "spn"], (f"/{int(self.garbage_prior)}/", "/1/")
        else:
            words = []
            for word in FILLERS:
                pron = decoder.lookup_word(word)
                if pron:
                    if decoder.lookup_word(GARBAGE + word) is None:
                        decoder.add_word(GARBAGE + word, pron, update=True)
                    words.append(GARBAGE + word)
            weight = ("/1e-25/", "/1/")
        if not words:
            return jsgf
        jsgf = jsgf.replace("public <vxml_active> = ", f"public <vxml_active> = {weight[0]} <garbage> | {weight[1]} ", 1)
        return jsgf + f"<garbage> = ({' | '.join(words)})+;\n"

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
            frames = max(decoder.n_frames(), 1)
            path_score = _log_score(decoder)
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
            confidence = self._confidence(slot, raw, path_score, frames) if self.score_confidence else 1.0
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

    def _confidence(self, slot: _Slot, raw: bytes, path_score: float, frames: int) -> float:
        loop = self._phone_loop_score(slot, raw)
        if loop is None:
            return 1.0
        gap = max(loop - path_score, 0.0) / frames  # nats per frame
        z = (gap - self.confidence_center) / self.confidence_width
        return round(1.0 / (1.0 + math.exp(min(z, 50.0))), 4)

    def _phone_loop_score(self, slot: _Slot, raw: bytes) -> int | None:
        """The acoustic score of a free phone loop over ``raw`` (the unconstrained best)."""
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
        return _log_score(decoder)
