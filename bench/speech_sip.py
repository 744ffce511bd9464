"""Benchmark: speech recognition accuracy over a real SIP call against the same audio recognized
directly, to see what the call path (PCMU, RTP, the listener's VAD and end-of-utterance) costs.

    SIP_PJSUA2_215=DIR .venv/bin/python bench/speech_sip.py [--snr 15] [--takes 2] [--parallel 4]

The utterances: espeak-ng (en-US) saying W3C-style city names, menu words, yes/no and digit
strings, ``--takes`` times each (each take its own noise seed and speaking rate), at 8 kHz
with white noise at ``--snr`` dB (relative to the speech's active level, ``pcm.mix_noise``)
over the whole clip, 0.2 s before the words and 0.8 s after.

- SIP (``value``): the platform (``vxml-browser sip``, PocketSphinx with its defaults, the
  pjsua2 2.15 wheel) answers on 127.0.0.1 with a ``<field>`` holding the utterance's grammar
  (the DID picks the grammar: inline SRGS for cities and menu words, ``type="boolean"`` and
  ``type="digits"``); a pjsua2 2.15 caller (``tests/e2e/ua.py``, sending every frame: with
  ``--caller-vad`` it suppresses silence as pjmedia's VAD does, which clips utterance onsets
  before they leave the caller - 42/52 against 46/52 without, measured) plays the clip once the prompt
  has started, and the field's value (or nomatch/noinput) is submitted to the test app server
  (``tests/e2e/app.py``). A value equal to the expected interpretation is right.
- Direct (``baseline``): the same clip (the very WAV the caller plays) to
  ``PocketSphinxRecognizer.recognize`` with the same grammar, its text interpreted by
  ``match_text`` as the field would.
- Listener (``cases.listener_right``, no SIP): the same clip, with 1 s of digital silence each
  side, through the platform's ``Listener`` (energy VAD, end of utterance) and the same
  recognizer: what the VAD segmentation alone costs, apart from PCMU and RTP.

A call whose field submitted nothing (the platform did not answer or hang up in time) counts as
wrong and is counted in ``cases.sip_no_result``. ``ratio`` = SIP accuracy / direct accuracy; ``runs`` the utterances. The run is bounded (each
call ends within ~25 s, ``--parallel`` calls at a time, 4 by default) and stops only the
processes it started (the platform by PID, each caller by its own Popen).
Writes ``bench/results/speech_sip.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULT = ROOT / "bench" / "results" / "speech_sip.json"

CITIES = ("Chicago", "Boston", "New York", "Los Angeles", "San Francisco", "Seattle", "Denver",
          "Miami", "Atlanta", "Dallas", "Washington", "Philadelphia")
MENU = ("operator", "sales", "support", "billing", "help", "agent")
BOOLEAN = {"yes": "true", "no": "false"}
DIGITS = {"one two three": "123", "four two": "42", "nine": "9", "seven five": "75",
          "eight six zero": "860", "five five five one": "5551"}

SRGS = ('<grammar mode="voice" version="1.0" root="r" xmlns="http://www.w3.org/2001/06/grammar" '
        'xml:lang="en-US"><rule id="r" scope="public"><one-of>{items}</one-of></rule></grammar>')
FIELD = """<?xml version="1.0" encoding="UTF-8"?>
<vxml version="2.1" xmlns="http://www.w3.org/2001/vxml">
  <var name="caller" expr="session.connection.remote.uri"/>
  <form>
    <field name="answer"{type}>
      <property name="timeout" value="4s"/>
      <prompt>Say it.</prompt>
      {grammar}
      <noinput><submit next="/result?step=noinput" namelist="caller" method="post"/></noinput>
      <nomatch><submit next="/result?step=nomatch" namelist="caller" method="post"/></nomatch>
      <filled><submit next="/result?step=filled" namelist="answer caller" method="post"/></filled>
    </field>
  </form>
</vxml>"""


def srgs(words: tuple[str, ...]) -> str:
    return SRGS.format(items="".join(f"<item>{w}</item>" for w in words))


GROUPS: dict[str, dict[str, Any]] = {
    # DID: the field's grammar attribute or element, and (words, expected interpretation)
    "city": {"type": "", "grammar": srgs(CITIES), "cases": [(w, w.lower()) for w in CITIES]},
    "menu": {"type": "", "grammar": srgs(MENU), "cases": [(w, w) for w in MENU]},
    "boolean": {"type": ' type="boolean"', "grammar": "", "cases": list(BOOLEAN.items())},
    "digits": {"type": ' type="digits"', "grammar": "", "cases": list(DIGITS.items())},
}
RATES = ("medium", "fast", "slow")


def grammar_of(did: str) -> Any:
    from vxml_browser.core.grammars import builtin_grammar, parse_grammar

    group = GROUPS[did]
    if group["grammar"]:
        return parse_grammar(group["grammar"], uri=f"http://bench/{did}.grxml")
    return builtin_grammar(did, "voice")


def make_clips(tmp: str, takes: int, snr: float) -> list[dict[str, Any]]:
    from vxml_browser.adapters.media import wav_bytes
    from vxml_browser.adapters.speech_plugins import pcm
    from vxml_browser.adapters.speech_plugins.espeak import EspeakSynthesizer

    tts = EspeakSynthesizer()
    clips = []
    for take in range(takes):
        rate = RATES[take % len(RATES)]
        for did, group in GROUPS.items():
            for words, expected in group["cases"]:
                i = len(clips)
                speech = tts.synthesize(
                    '<speak version="1.0" xmlns="http://www.w3.org/2001/10/synthesis" xml:lang="en-US">'
                    f'<prosody rate="{rate}">{words}</prosody></speak>', sample_rate=8000)
                audio = pcm.concat([pcm.silence(0.2, 8000), speech, pcm.silence(0.8, 8000)], 8000)
                audio = pcm.mix_noise(audio, snr, seed=1000 + i)
                path = os.path.join(tmp, f"u{i}.wav")
                with open(path, "wb") as f:
                    f.write(wav_bytes(pcm.samples(audio.pcm), 8000))
                clips.append({"id": f"u{i}", "did": did, "words": words, "expected": expected,
                              "rate": rate, "wav": path, "audio": audio})
    return clips


def norm(value: Any) -> str:
    return str(value).strip().lower()


def direct(clips: list[dict[str, Any]]) -> None:
    from vxml_browser.adapters.listening import Heard, Listener, ListenParams
    from vxml_browser.adapters.speech_plugins import pcm
    from vxml_browser.adapters.speech_plugins.sphinx import PocketSphinxRecognizer
    from vxml_browser.core.grammars import match_text

    recognizer = PocketSphinxRecognizer()
    grammars = {did: grammar_of(did) for did in GROUPS}
    for clip in clips:
        alts = recognizer.recognize(clip["audio"], [grammars[clip["did"]]])
        got = match_text([grammars[clip["did"]]], alts[0].text) if alts else []
        clip["direct"] = norm(got[0].interpretation) if got else "(nomatch)"
        # the platform's listener (VAD, end of utterance) over the clip, 1 s of silence each side
        listener = Listener(recognizer, [grammars[clip["did"]]], ListenParams(), sample_rate=8000)
        listener.start_timer()
        quiet = pcm.silence(1.0, 8000)
        heard = [e.input for e in listener.listen(pcm.concat([quiet, clip["audio"], quiet], 8000))
                 if isinstance(e, Heard)]
        alts = list(getattr(heard[0], "alternatives", ())) if heard else []
        got = match_text([grammars[clip["did"]]], alts[0].text) if alts else []
        clip["listener"] = norm(got[0].interpretation) if got else "(nomatch)"


def over_sip(clips: list[dict[str, Any]], tmp: str, wheel: str, parallel: int, caller_vad: bool = False) -> None:
    from tests.e2e.app import AppServer
    from tests.e2e.conftest import UA, Platform, wait_for

    app = AppServer().start()
    platform = None
    try:
        for did, group in GROUPS.items():
            app.files[f"{did}.vxml"] = (FIELD.format(type=group["type"], grammar=group["grammar"]).encode(),
                                        "application/voicexml+xml")
        platform = Platform(app, tmp, extra=f'recognizer = "pocketsphinx"\npjsua2_path = "{wheel}"\n',
                            apps={did: f"{app.base}/ivr/{did}.vxml" for did in GROUPS})

        def one(clip: dict[str, Any]) -> None:
            ua = UA(tmp, {"mode": "call", "dest": f"sip:{clip['did']}@127.0.0.1:{platform.port}",
                          "user": clip["id"], "vad": caller_vad,
                          "steps": [["until_confirmed", 5], ["wait", 2.0], ["play", clip["wav"]],
                                    ["until_disconnected", 15]]}, pythonpath=wheel)
            try:
                ua.result(30)
            except Exception as exc:  # a caller that fails counts as wrong (noted)
                clip["error"] = repr(exc)[:200]
            finally:
                ua.kill()

        with ThreadPoolExecutor(parallel) as pool:
            list(pool.map(one, clips))
        wait_for(lambda: len(app.received["result"]) >= len(clips), 10)
        by_caller = {}
        for form in app.received["result"]:
            user = str(form.get("caller", "")).split("@")[0].removeprefix("sip:")
            by_caller[user] = (norm(form["answer"]) if form.get("step") == "filled"
                               else f"({form.get('step')})")
        for clip in clips:
            clip["sip"] = by_caller.get(clip["id"], "(no result)")
    finally:
        if platform is not None:
            platform.stop()
            if os.environ.get("SPEECH_SIP_LOG"):  # keep the platform's log to look at
                Path(os.environ["SPEECH_SIP_LOG"]).write_text(platform.output())
        app.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--snr", type=float, default=15.0)
    parser.add_argument("--takes", type=int, default=2)
    parser.add_argument("--parallel", type=int, default=4)
    parser.add_argument("--caller-vad", action="store_true",
                        help="the caller suppresses silence (pjmedia's VAD): it clips utterance onsets")
    args = parser.parse_args()
    import importlib.util
    import shutil

    wheel = os.environ.get("SIP_PJSUA2_215") or str(ROOT / ".venv" / "pjsua2-215")
    missing = [what for what, ok in (
        ("pjsua2", importlib.util.find_spec("pjsua2") is not None),
        ("pocketsphinx", importlib.util.find_spec("pocketsphinx") is not None),
        ("espeak-ng", shutil.which("espeak-ng") is not None),
        (f"the pjsua2 2.15 wheel (SIP_PJSUA2_215={wheel})", os.path.isdir(os.path.join(wheel, "pjsua2"))),
    ) if not ok]
    if missing:
        print(f"speech_sip: skipped, missing {', '.join(missing)}")
        return 0
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="speech-sip-") as tmp:
        clips = make_clips(tmp, args.takes, args.snr)
        direct(clips)
        t_direct = time.monotonic() - started
        over_sip(clips, tmp, wheel, args.parallel, args.caller_vad)
    n = len(clips)
    sip_right = sum(c["sip"] == norm(c["expected"]) for c in clips)
    direct_right = sum(c["direct"] == norm(c["expected"]) for c in clips)
    listener_right = sum(c["listener"] == norm(c["expected"]) for c in clips)
    sip_acc, direct_acc = sip_right / n, direct_right / n
    result = {
        "name": "speech_sip",
        "metric": f"share of {n} espeak-ng utterances (cities, menu words, yes/no, digits) at "
                  f"{args.snr:g} dB SNR whose field value is right over a pjsua2 2.15 SIP call on "
                  "127.0.0.1 (value) vs the same WAVs recognized directly by PocketSphinx (baseline)",
        "value": round(sip_acc, 4),
        "unit": "accuracy",
        "baseline": round(direct_acc, 4),
        "ratio": round(sip_acc / direct_acc, 4) if direct_acc else None,
        "runs": n,
        "cases": {
            "snr_db": args.snr, "sip_right": sip_right, "direct_right": direct_right,
            "listener_right": listener_right,
            "sip_no_result": sum(c["sip"] == "(no result)" for c in clips),  # the call got no answer
            "parallel_calls": args.parallel, "caller_vad": args.caller_vad, "seconds": round(time.monotonic() - started, 1),
            "direct_seconds": round(t_direct, 1),
            "wrong": [{k: c.get(k) for k in ("words", "did", "rate", "expected", "sip", "direct", "listener", "error")
                       if c.get(k) is not None}
                      for c in clips if c["sip"] != norm(c["expected"]) or c["direct"] != norm(c["expected"])],
        },
    }
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "cases"}, indent=2))
    print(f"SIP {sip_right}/{n}, direct {direct_right}/{n}, listener without SIP {listener_right}/{n} at {args.snr:g} dB SNR "
          f"in {result['cases']['seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
