"""Audio helpers and the SSML rewriting for espeak-ng (no engine needed)."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from vxml_browser.adapters.speech import Audio
from vxml_browser.adapters.speech_plugins import pcm, ssml
from vxml_browser.adapters.speech_plugins.espeak import DEFAULT_VOICES

SPEAK = '<speak version="1.0" xmlns="http://www.w3.org/2001/10/synthesis" xml:lang="en-US">{}</speak>'


def tone(seconds: float = 0.5, rate: int = 8000, hz: float = 440.0, level: float = 8000.0) -> Audio:
    t = np.arange(int(seconds * rate)) / rate
    return Audio(pcm.to_pcm(level * np.sin(2 * np.pi * hz * t)), rate)


def split(body: str, clips: dict[str, Audio] | None = None) -> list:
    return ssml.split(SPEAK.format(body), lang="en-US", load_audio=lambda src: (clips or {}).get(src),
                      voice_for=lambda lang: DEFAULT_VOICES.get(lang.lower(), lang))


def test_resample_keeps_duration_and_tone() -> None:
    audio = tone(1.0, 22050)
    down = pcm.resample(audio, 8000)
    assert down.sample_rate == 8000 and abs(down.seconds - 1.0) < 0.01
    spectrum = np.abs(np.fft.rfft(pcm.samples(down.pcm)))
    assert abs(np.argmax(spectrum) * 8000 / len(pcm.samples(down.pcm)) - 440) < 5
    assert abs(pcm.resample(down, 16000).seconds - 1.0) < 0.01


def test_wav_round_trip_and_streamed_header() -> None:
    audio = tone(0.25)
    assert pcm.read_wav(pcm.write_wav(audio)) == audio
    data = bytearray(pcm.write_wav(audio))
    data[4:8] = data[40:44] = struct.pack("<I", 0x7FFFFFFF)  # espeak-ng --stdout's bogus sizes
    assert pcm.read_wav(bytes(data)) == audio


def test_au_mulaw() -> None:
    body = bytes([0xFF, 0x80, 0x00, 0x7F])
    data = b".snd" + struct.pack(">IIIII", 24, len(body), 1, 8000, 1) + body
    audio = pcm.read_au(data)
    assert pcm.samples(audio.pcm).tolist() == [0, 32124, -32124, 0]
    with pytest.raises(pcm.AudioFormatError):
        pcm.read_audio(b"nonsense")


def test_mix_noise_at_the_stated_snr() -> None:
    audio = tone(1.0)
    noisy = pcm.mix_noise(audio, 10.0, seed=1)
    noise = pcm.samples(noisy.pcm).astype(float) - pcm.samples(audio.pcm)
    signal = pcm.samples(audio.pcm).astype(float)
    snr = 10 * np.log10(np.mean(signal**2) / np.mean(noise**2))
    assert abs(snr - 10.0) < 0.3


def test_say_as_is_expanded_and_sub_uses_its_alias() -> None:
    [seg] = split('Dial <say-as interpret-as="telephone">555-0199</say-as>, code '
                  '<say-as interpret-as="digits">42</say-as>, on <say-as interpret-as="date" format="mdy">'
                  '3/5/2024</say-as> for <say-as interpret-as="currency">$12.50</say-as>: '
                  '<sub alias="World Wide Web">WWW</sub> <say-as interpret-as="characters">ABC</say-as>')
    assert seg.ssml == ('<speak>Dial five five five, zero one nine nine, code four two, on March 5th 2024 '
                        'for 12 dollars and 50 cents: World Wide Web '
                        '<say-as interpret-as="characters">ABC</say-as></speak>')


@pytest.mark.parametrize(("text", "kind", "fmt", "words"), [
    ("$1.01", "currency", "", "1 dollar and 1 cent"),
    ("EUR 3", "currency", "", "3 euros"),
    ("2024-12-25", "date", "", "December 25th 2024"),
    ("12/25", "date", "md", "December 25th"),
    ("22", "ordinal", "", "22nd"),
    ("5551234567", "telephone", "", "five five five, one two three, four five six seven"),
    ("1,234", "cardinal", "", "1234"),
    ("7:05 pm", "time", "", "7 oh 5 PM"),
])
def test_say_as_types(text: str, kind: str, fmt: str, words: str) -> None:
    assert ssml.say_as(text, kind, fmt) == words


def test_audio_splits_the_speech_and_keeps_the_style_either_side() -> None:
    clip = tone()
    segs = split('<prosody rate="slow">Before <audio src="http://x/a.wav">not this</audio> after</prosody>',
                 {"http://x/a.wav": clip})
    assert segs == [ssml.Speech('<speak><prosody rate="slow">Before </prosody></speak>', "en-US"), clip,
                    ssml.Speech('<speak><prosody rate="slow"> after</prosody></speak>', "en-US")]


def test_audio_that_cannot_be_loaded_speaks_its_fallback() -> None:
    [seg] = split('Hello <audio src="http://x/missing.wav">the fallback <break time="1s"/></audio>!')
    assert seg.ssml == '<speak>Hello the fallback <break time="1s"/>!</speak>'


def test_voice_language_becomes_an_espeak_voice_and_marks_are_dropped() -> None:
    [seg] = split('<voice xml:lang="zh-CN" gender="female">你好</voice><mark name="m"/>'
                  '<emphasis level="strong">now</emphasis><desc>x</desc>')
    assert seg.ssml == ('<speak><voice gender="female" name="cmn">你好</voice>'
                        '<emphasis level="strong">now</emphasis></speak>')


def test_text_that_is_not_xml_is_spoken_as_text() -> None:
    [seg] = ssml.split("a < b", lang="en-US", load_audio=lambda s: None, voice_for=str)
    assert seg.ssml == "<speak>a &lt; b</speak>"
