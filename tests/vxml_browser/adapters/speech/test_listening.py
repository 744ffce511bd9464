"""VoiceXML speech-input semantics on call audio: VAD, timeouts, n-best, barge-in, recording.

Audio is synthetic: espeak-ng speech, digital silence and white noise; time is counted in
samples, so a 5 s noinput takes no wall-clock time.
"""

from __future__ import annotations

import numpy as np

from vxml_browser.adapters.listening import BargeIn, EnergyVad, Heard, Listener, ListenParams
from vxml_browser.adapters.speech import Audio
from vxml_browser.adapters.speech_plugins import pcm
from vxml_browser.core.actions import Collect, GrammarRef, Prompt
from vxml_browser.core.inputs import Alternative, MaxSpeechTimeout, NoInput, Speech

from .conftest import say

RATE = 8000


def padded(speech: Audio, lead: float = 0.5, tail: float = 1.5, snr: float | None = 20.0) -> Audio:
    audio = pcm.concat([pcm.silence(lead, RATE), speech, pcm.silence(tail, RATE)], RATE)
    return pcm.mix_noise(audio, snr) if snr is not None else audio


def loud_noise(seconds: float, level: float = 3000.0) -> Audio:
    return Audio(pcm.to_pcm(np.random.default_rng(3).normal(0, level, int(seconds * RATE))), RATE)


def burst(seconds: float) -> Audio:
    """Loud noise standing in for speech, after a short silence (the VAD needs a floor)."""
    return pcm.concat([pcm.silence(0.3, RATE), loud_noise(seconds)], RATE)


class Scripted:
    """A recognizer that answers from a list and counts its calls (timing tests)."""

    def __init__(self, *answers: list[Alternative]) -> None:
        self.answers = list(answers)
        self.calls: list[float] = []

    def recognize(self, audio, grammars, *, maxnbest=1, lang="en-US"):
        self.calls.append(audio.seconds)
        return self.answers.pop(0) if self.answers else []


def final(events) -> object:
    heard = [e for e in events if isinstance(e, Heard)]
    assert len(heard) == 1, events
    return heard[0].input


def test_city_heard_in_noise(tts, asr, cities) -> None:
    events = Listener(asr, [cities], sample_rate=RATE).listen(padded(say(tts, "San Francisco")))
    assert events[0] == BargeIn()
    answer = final(events)
    assert isinstance(answer, Speech) and answer.alternatives[0].text == "san francisco"
    assert answer.recording is None


def test_silence_is_noinput_after_timeout(asr, cities) -> None:
    listener = Listener(asr, [cities], ListenParams(timeout_s=2.0), sample_rate=RATE)
    noise = pcm.mix_noise(loud_noise(1.0, 50.0), 0)
    assert listener.feed(noise.pcm) == []
    assert listener.feed(noise.pcm) == [Heard(NoInput())]
    assert listener.recognitions == 0


def test_noinput_timer_waits_for_the_prompts(asr, cities) -> None:
    listener = Listener(asr, [cities], ListenParams(timeout_s=1.0), sample_rate=RATE, timer_running=False)
    assert listener.feed(pcm.silence(3.0, RATE).pcm) == []
    listener.start_timer()
    assert listener.feed(pcm.silence(1.0, RATE).pcm) == [Heard(NoInput())]


def test_out_of_grammar_speech_is_a_nomatch_when_the_recognizer_finds_nothing(cities) -> None:
    listener = Listener(Scripted([]), [cities], sample_rate=RATE)
    events = listener.listen(padded(loud_noise(0.8), snr=None))
    assert events == [BargeIn(), Heard(Speech(()))]


def test_completetimeout_ends_a_complete_match_and_incompletetimeout_waits_longer() -> None:
    speech = burst(0.6)
    rec = Scripted([Alternative("boston", 0.9)])
    params = ListenParams(completetimeout_s=0.4, incompletetimeout_s=1.2)
    listener = Listener(rec, ["g"], params, sample_rate=RATE)
    assert listener.feed(pcm.concat([speech, pcm.silence(0.38, RATE)], RATE).pcm) == [BargeIn()]
    assert listener.feed(pcm.silence(0.04, RATE).pcm) == [Heard(Speech((Alternative("boston", 0.9),)))]
    # incomplete: the first check finds nothing, the utterance ends at incompletetimeout
    rec = Scripted([], [])
    listener = Listener(rec, ["g"], params, sample_rate=RATE)
    listener.feed(pcm.concat([speech, pcm.silence(1.1, RATE)], RATE).pcm)
    assert len(rec.calls) == 1 and not listener.done
    assert listener.feed(pcm.silence(0.2, RATE).pcm) == [Heard(Speech(()))]
    assert len(rec.calls) == 1  # nothing new was said: the first recognition stands


def test_speech_resuming_before_incompletetimeout_makes_one_longer_utterance() -> None:
    rec = Scripted([], [Alternative("one two", 1.0)])
    listener = Listener(rec, ["g"], ListenParams(incompletetimeout_s=1.0), sample_rate=RATE)
    audio = pcm.concat([burst(0.4), pcm.silence(0.5, RATE), loud_noise(0.4), pcm.silence(1.2, RATE)], RATE)
    answer = final(listener.listen(audio))
    assert answer == Speech((Alternative("one two", 1.0),))
    assert rec.calls[1] > rec.calls[0] + 0.8


def test_maxspeechtimeout() -> None:
    listener = Listener(Scripted(), ["g"], ListenParams(maxspeechtimeout_s=1.0), sample_rate=RATE)
    assert final(listener.listen(burst(3.0))) == MaxSpeechTimeout()


def test_nbest_up_to_maxnbest(tts, asr, boolean) -> None:
    listener = Listener(asr, [boolean], ListenParams(maxnbest=3), sample_rate=RATE)
    answer = final(listener.listen(padded(say(tts, "yes"))))
    assert 1 <= len(answer.alternatives) <= 3


def test_recordutterance_keeps_the_audio(tts, asr, cities) -> None:
    listener = Listener(asr, [cities], ListenParams(recordutterance=True), sample_rate=RATE)
    answer = final(listener.listen(padded(say(tts, "Boston"))))
    assert answer.alternatives[0].text == "boston"
    rec = answer.recording
    assert rec is not None and rec.media_type == "audio/x-wav"
    audio = pcm.read_wav(rec.data)
    assert audio.sample_rate == RATE and 500 < rec.duration_ms < 2500


def test_hotword_ignores_other_speech_and_barges_in_on_a_match(tts, asr, menu) -> None:
    listener = Listener(asr, [menu], ListenParams(bargeintype="hotword"), sample_rate=RATE)
    audio = pcm.concat([padded(loud_noise(0.6), snr=None), padded(say(tts, "operator"))], RATE)
    events = listener.listen(audio)
    assert events[0] == BargeIn()
    assert final(events).alternatives[0].text == "operator"
    assert listener.recognitions >= 2  # the noise was heard, found nothing, and was ignored


def test_no_bargein_means_no_bargein_event(tts, asr, cities) -> None:
    events = Listener(asr, [cities], ListenParams(bargein=False), sample_rate=RATE).listen(
        padded(say(tts, "Denver")))
    assert not any(isinstance(e, BargeIn) for e in events)


def test_sensitivity_sets_the_vad_threshold() -> None:
    quiet = padded(loud_noise(0.8, 40.0), lead=0.5, snr=None)  # ~ -58 dBFS speech over silence
    assert final(Listener(Scripted(), ["g"], ListenParams(sensitivity=1.0), sample_rate=RATE).listen(quiet)) == Speech(())
    assert final(Listener(Scripted(), ["g"], ListenParams(sensitivity=0.1), sample_rate=RATE).listen(quiet)) == NoInput()
    assert EnergyVad(RATE, 0.0).margin_db > EnergyVad(RATE, 1.0).margin_db


def test_chunks_of_any_size(tts, asr, cities) -> None:
    audio = padded(say(tts, "Miami"))
    listener = Listener(asr, [cities], sample_rate=RATE)
    events = []
    for i in range(0, len(audio.pcm), 2 * 137):
        events += listener.feed(audio.pcm[i:i + 2 * 137])
    events += listener.finish()
    assert final(events).alternatives[0].text == "miami"


def test_for_collect_takes_the_properties_and_voice_grammars(cities) -> None:
    collect = Collect(prompts=(Prompt(ssml="<speak/>", text="", bargeintype="hotword", lang="en-US"),),
                      phase="start", timeout_s=3.0, interdigittimeout_s=1, termtimeout_s=0, termchar="#",
                      inputmodes=frozenset({"voice"}), bargein=True,
                      grammars=(GrammarRef("voice", cities), GrammarRef("dtmf", object())),
                      maxnbest=2, sensitivity=0.8, recordutterance=True, completetimeout_s=0.6)
    listener = Listener.for_collect(collect, Scripted())
    assert listener.grammars == [cities]
    assert listener.params == ListenParams(timeout_s=3.0, completetimeout_s=0.6, maxnbest=2, sensitivity=0.8,
                                           recordutterance=True, bargeintype="hotword")


def test_steady_line_noise_is_not_speech() -> None:
    hiss = Audio(pcm.to_pcm(np.random.default_rng(5).normal(0, 1000, 6 * RATE)), RATE)  # -30 dBFS
    for sensitivity in (0.0, 0.5, 1.0):
        listener = Listener(Scripted(), ["g"], ListenParams(timeout_s=5.0, sensitivity=sensitivity), sample_rate=RATE)
        assert final(listener.listen(hiss)) == NoInput(), sensitivity


def test_speech_found_in_noise_at_10_db_snr(tts, asr, cities) -> None:
    right = 0
    for i, city in enumerate(("Chicago", "Boston", "Seattle", "Miami", "Denver")):
        audio = pcm.mix_noise(padded(say(tts, city), lead=1.0, snr=None), 10.0, seed=i)
        answer = final(Listener(asr, [cities], sample_rate=RATE).listen(audio))
        right += isinstance(answer, Speech) and bool(answer.alternatives) and answer.alternatives[0].text == city.lower()
    assert right >= 4


# --- issue 8: what the listener hands the recognizer, real speech in steady line noise ----------

def in_line_noise(*parts: Audio, snr: float = 15.0, seed: int = 0) -> tuple[Audio, list[float]]:
    """``parts`` (speech, or silence standing for a pause) after 1 s and before 1 s of quiet,
    white noise over all of it at ``snr`` dB below the speech; also where each part starts (s)."""
    starts, t = [], 1.0
    for part in parts:
        starts.append(t)
        t += part.seconds
    return pcm.mix_noise(pcm.concat([pcm.silence(1.0, RATE), *parts, pcm.silence(1.0, RATE)], RATE), snr, seed=seed), starts


def spoken(tts, text: str) -> Audio:
    """``text`` by espeak-ng without its leading and trailing silence."""
    audio = say(tts, text)
    x = pcm.samples(audio.pcm)
    sound = np.flatnonzero(np.abs(x) > 30)
    return Audio(x[sound[0]:sound[-1] + 1].tobytes(), audio.sample_rate)


class Spy:
    """The real recognizer, keeping each segment it was given."""

    def __init__(self, asr) -> None:
        self.asr = asr
        self.segments: list[Audio] = []

    def recognize(self, audio, grammars, *, maxnbest=1, lang="en-US"):
        self.segments.append(audio)
        return self.asr.recognize(audio, grammars, maxnbest=maxnbest, lang=lang)


def test_the_segment_starts_before_a_quiet_onset(tts, asr, menu) -> None:
    """"support" starts with /s/, below the VAD's margin in noise: the pre-roll keeps it."""
    words = say(tts, "support")
    first = int(np.flatnonzero(np.abs(pcm.samples(words.pcm)) > 30)[0]) / RATE
    audio, (start,) = in_line_noise(words)
    spy = Spy(asr)
    answer = final(Listener(spy, [menu], sample_rate=RATE).listen(audio))
    offset = audio.pcm.find(spy.segments[-1].pcm) / 2 / RATE
    assert offset <= start + first - 0.15
    assert answer.alternatives[0].text == "support"


def test_a_pause_inside_digits_does_not_end_the_utterance(tts, asr, digits) -> None:
    """After "four" and 0.35 s of silence (past completetimeout, 0.3 s) "four" matches, but the digits
    grammar goes on: incompletetimeout (0.5 s) applies (VoiceXML 2.0 §6.3.2), "two" comes first."""
    audio, _ = in_line_noise(spoken(tts, "four"), pcm.silence(0.35, RATE), spoken(tts, "two"), seed=1)
    spy = Spy(asr)
    answer = final(Listener(spy, [digits], sample_rate=RATE).listen(audio))
    assert [a.text for a in answer.alternatives] == ["four two"]


def test_out_of_grammar_speech_is_a_nomatch(tts, asr, menu) -> None:
    audio, _ = in_line_noise(say(tts, "cancel my order please"), seed=2)
    answer = final(Listener(asr, [menu], sample_rate=RATE).listen(audio))
    assert isinstance(answer, Speech)
    assert not answer.alternatives or answer.alternatives[0].confidence < 0.5  # confidencelevel


def test_line_noise_that_starts_mid_call_is_noinput(asr, cities) -> None:
    """Digital silence, then steady noise (a line that comes alive): the VAD takes the rise for
    speech, then settles on it as the floor; the "utterance" is dropped unrecognized and the
    noinput timer, still running, ends the collect."""
    hiss = loud_noise(4.0, 600.0)
    listener = Listener(asr, [cities], ListenParams(timeout_s=3.0), sample_rate=RATE)
    assert final(listener.listen(pcm.concat([pcm.silence(0.5, RATE), hiss], RATE))) == NoInput()
    assert listener.recognitions == 0
