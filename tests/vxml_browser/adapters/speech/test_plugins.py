"""Choosing plugins per language from the ``[speech]`` config table."""

from __future__ import annotations

import tomllib
from importlib.metadata import entry_points

import pytest

from vxml_browser.adapters.plugins import (
    RECOGNIZERS,
    SYNTHESIZERS,
    PluginError,
    SpeechPlugins,
    plugin_class,
)
from vxml_browser.adapters.speech_plugins.cache import CachedSynthesizer
from vxml_browser.adapters.speech_plugins.espeak import EspeakSynthesizer
from vxml_browser.adapters.speech_plugins.http_tts import HttpSynthesizer
from vxml_browser.adapters.speech_plugins.sphinx import PocketSphinxRecognizer

CONFIG = tomllib.loads("""
[speech.tts]
plugin = "espeak"
rate = 160

[speech.tts.lang."zh-CN"]
voice = "cmn"

[speech.tts.lang.fr]
plugin = "http"
url = "http://127.0.0.1:9/tts"

[speech.asr]
plugin = "pocketsphinx"

[speech.asr.lang.ko]
plugin = "vosk"
model = "/no/such/model"

[speech.asr.lang.de]
plugin = "none"
""")["speech"]


def test_builtin_names_resolve_with_or_without_installed_entry_points() -> None:
    assert plugin_class(SYNTHESIZERS, "espeak") is EspeakSynthesizer
    assert plugin_class(SYNTHESIZERS, "http") is HttpSynthesizer
    assert plugin_class(RECOGNIZERS, "pocketsphinx") is PocketSphinxRecognizer
    for ep in entry_points(group=RECOGNIZERS):  # pyproject.toml declares the same names
        assert ep.name in ("pocketsphinx", "vosk") or ep.group == RECOGNIZERS


def test_unknown_plugin_names_the_known_ones() -> None:
    with pytest.raises(PluginError, match="no synthesizer plugin named 'festival'; known: espeak, http"):
        SpeechPlugins({"tts": {"plugin": "festival"}}).synthesizer("en-US")
    with pytest.raises(PluginError, match="bad options for the 'espeak' plugin"):
        SpeechPlugins({"tts": {"volume": 3}}).synthesizer("en-US")


def test_languages_pick_their_tables() -> None:
    plugins = SpeechPlugins(CONFIG)
    en = plugins.synthesizer("en-US")
    assert isinstance(en, CachedSynthesizer) and isinstance(en.inner, EspeakSynthesizer)
    assert en.inner.rate == 160 and en.inner.voice is None
    zh = plugins.synthesizer("zh-CN").inner
    assert zh.voice == "cmn" and zh.rate == 160  # inherits the top table
    fr = plugins.synthesizer("fr-CA").inner  # primary subtag
    assert isinstance(fr, HttpSynthesizer) and fr.url == "http://127.0.0.1:9/tts"
    assert plugins.synthesizer("en-GB") is en  # shared, made once
    assert isinstance(plugins.recognizer("en-US"), PocketSphinxRecognizer)
    assert plugins.recognizer("de-DE") is None
    with pytest.raises(FileNotFoundError, match="no Vosk model"):
        plugins.recognizer("ko-KR")


def test_defaults_run_with_an_empty_table_and_cache_can_be_off() -> None:
    plugins = SpeechPlugins({})
    assert isinstance(plugins.synthesizer().inner, EspeakSynthesizer)
    assert isinstance(SpeechPlugins({"tts": {"cache_mb": 0}}).synthesizer(), EspeakSynthesizer)


def test_pyproject_declares_the_builtin_plugins() -> None:
    from pathlib import Path

    from vxml_browser.adapters.plugins import BUILTIN

    pyproject = tomllib.loads((Path(__file__).resolve().parents[4] / "pyproject.toml").read_text())
    declared = pyproject["project"]["entry-points"]
    assert declared[SYNTHESIZERS] == BUILTIN[SYNTHESIZERS]
    assert declared[RECOGNIZERS] == BUILTIN[RECOGNIZERS]
