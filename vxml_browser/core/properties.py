"""The property table (VoiceXML 2.0 §6.3; 2.1 adds fetchhint/maxage/maxstale for data and
recordutterance). One row per property: its default. Properties are looked up innermost first:
form item → dialog → document → application root → these defaults (§6.3)."""

from __future__ import annotations

import re

DEFAULTS: dict[str, str] = {
    # §6.3.2 generic speech recognizer properties
    "confidencelevel": "0.5",
    "sensitivity": "0.5",
    "speedvsaccuracy": "0.5",
    "completetimeout": "0s",
    "incompletetimeout": "0.5s",
    "maxspeechtimeout": "30s",
    # §6.3.3 DTMF recognizer properties
    "interdigittimeout": "5s",
    "termtimeout": "0s",
    "termchar": "#",
    # §6.3.4 prompt and collect properties
    "bargein": "true",
    "bargeintype": "speech",
    "timeout": "5s",
    # §6.3.5 fetching properties
    "audiofetchhint": "prefetch",
    "audiomaxage": "",
    "audiomaxstale": "",
    "documentfetchhint": "safe",
    "documentmaxage": "",
    "documentmaxstale": "",
    "grammarfetchhint": "prefetch",
    "grammarmaxage": "",
    "grammarmaxstale": "",
    "objectfetchhint": "prefetch",
    "objectmaxage": "",
    "objectmaxstale": "",
    "scriptfetchhint": "prefetch",
    "scriptmaxage": "",
    "scriptmaxstale": "",
    "datafetchhint": "safe",
    "datamaxage": "",
    "datamaxstale": "",
    "fetchaudio": "",
    "fetchaudiodelay": "2s",
    "fetchaudiominimum": "5s",
    "fetchtimeout": "30s",
    # §6.3.6 miscellaneous
    "inputmodes": "dtmf voice",
    "universals": "none",
    "maxnbest": "1",
    # VoiceXML 2.1 §8
    "recordutterance": "false",
    "recordutterancetype": "audio/x-wav",
}

_TIME = re.compile(r"^\s*(\+?\d*\.?\d+)\s*(ms|s)\s*$")


def parse_time(value: str | None, default: float = 0.0) -> float:
    """A CSS2 time designation ("5s", "250ms") in seconds (VoiceXML 2.0 §6.5)."""
    if value is None or value == "":
        return default
    m = _TIME.match(value)
    if not m:
        raise ValueError(f"'{value}' is not a time designation such as '5s' or '250ms'")
    number = float(m.group(1))
    return number / 1000.0 if m.group(2) == "ms" else number


def parse_bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() == "true"


def parse_float(value: str | None, default: float) -> float:
    try:
        return float(value) if value not in (None, "") else default
    except ValueError:
        return default
