"""Real speech for the speech-plugin tests: espeak-ng speaks, PocketSphinx listens.

Tests need Debian's espeak-ng and the ``speech`` extra; without them they are skipped with the
reason (``make install`` installs both). Engines are loaded once per session.
"""

from __future__ import annotations

import shutil

import pytest

pytest.importorskip("numpy", reason="the speech extra is not installed (pip install -e '.[speech]')")
pytest.importorskip("pocketsphinx", reason="the speech extra is not installed (pip install -e '.[speech]')")
if shutil.which("espeak-ng") is None:
    pytest.skip("espeak-ng is not installed (Debian package espeak-ng; make install)", allow_module_level=True)

from vxml_browser.adapters.speech_plugins.espeak import EspeakSynthesizer  # noqa: E402
from vxml_browser.adapters.speech_plugins.sphinx import PocketSphinxRecognizer  # noqa: E402
from vxml_browser.core.grammars import builtin_grammar, parse_grammar  # noqa: E402
from vxml_browser.testing.call import grammar  # noqa: E402

CITIES = ("Chicago", "New York", "Boston", "Los Angeles", "San Francisco", "Seattle", "Denver",
          "Miami", "Atlanta", "Dallas")
MENU = ("operator", "sales", "support", "billing", "help", "main menu")


@pytest.fixture(scope="session")
def tts() -> EspeakSynthesizer:
    return EspeakSynthesizer()


@pytest.fixture(scope="session")
def asr() -> PocketSphinxRecognizer:
    recognizer = PocketSphinxRecognizer()
    recognizer.warm()
    return recognizer


@pytest.fixture(scope="session")
def cities():
    return parse_grammar(grammar(*CITIES), uri="http://test/cities.grxml")


@pytest.fixture(scope="session")
def menu():
    return parse_grammar(grammar(*MENU), uri="http://test/menu.grxml")


@pytest.fixture(scope="session")
def boolean():
    return builtin_grammar("boolean", "voice")


@pytest.fixture(scope="session")
def digits():
    return builtin_grammar("digits", "voice")


def say(tts: EspeakSynthesizer, text: str, *, lang: str = "en-US", rate: int = 8000):
    """``text`` spoken by espeak-ng as call audio."""
    from xml.sax.saxutils import escape

    return tts.synthesize(f"<speak>{escape(text)}</speak>", lang=lang, sample_rate=rate)
