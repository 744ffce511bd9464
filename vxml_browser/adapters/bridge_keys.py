"""The caller's keys during a bridged transfer (VoiceXML 2.0 §2.3.7.2.2): ``BridgeKeys`` matches
them against the ``<transfer>``'s DTMF grammars with the core's own matcher (``match_dtmf``, as
a field's collect does, ``core/fia/collect.py``).

A bridge has no interdigit timer: a match is taken at once, complete or final, and ends the
bridge as ``near_end_disconnect`` with the keys as the utterance; a key sequence that no grammar
can take any more starts again from the next key. Pure: no SIP, no clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..core.grammars import match_dtmf
from ..core.inputs import Alternative, TransferDone


class BridgeKeys:
    """One bridge's DTMF: ``press`` each key in order."""

    def __init__(self, grammars: Sequence[Any]) -> None:
        self.grammars = [g for g in grammars if getattr(g, "mode", "dtmf") == "dtmf"]
        self.digits = ""

    def __bool__(self) -> bool:
        """Whether any grammar listens (without one the caller's keys are only audio)."""
        return bool(self.grammars)

    def press(self, key: str) -> TransferDone | None:
        """The bridge's end when the keys so far match (None: go on)."""
        if not self.grammars:
            return None
        self.digits += key
        match = match_dtmf(self.grammars, self.digits)
        if match.status in ("complete", "final"):
            return TransferDone("near_end_disconnect", input=Alternative(self.digits), inputmode="dtmf")
        if match.status == "nomatch":
            self.digits = ""
        return None
