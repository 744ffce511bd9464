"""``FakeTelephony``: a stand-in for one call's telephony (ARCHITECTURE.md, "The interfaces that
keep it apart": play, collect, record, transfer, disconnect, connection info).

It answers the platform actions of a ``Session`` from a script of caller lines, the console's
vocabulary (``vxml_browser/adapters/caller.py``) plus two for the other wait points::

    dtmf 12#            keys, one at a time, then silence when a timer is left running
    say chicago         an utterance, recognized exactly (``say 0.4 chicago`` sets the confidence)
    silence             no input until the timer runs out
    hangup              the caller hangs up (also what an exhausted script does)
    record 2.5 [#]      a <record> of 2.5 seconds, ended by the key if one is given
    transfer busy       a <transfer> outcome (or ``transfer error.connection.baddestination``)

It is a ``Telephony`` (``vxml_browser/adapters/telephony.py``): ``drive`` runs a session on it.
The methods are coroutines, as a real platform's are, but never suspend: ``run`` drives a
whole call without an event loop (``run_now``). Everything done is kept in ``history``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import Any

from vxml_browser.adapters.fetcher import Fetcher
from vxml_browser.adapters.telephony import drive, new_session
from vxml_browser.core.actions import (
    Collect,
    Disconnect,
    Error,
    Exit,
    Fetch,
    Log,
    ObjectCall,
    Play,
    Prompt,
    Record,
    Transfer,
)
from vxml_browser.core.inputs import (
    Ack,
    Alternative,
    DtmfKey,
    Hangup,
    Input,
    NoInput,
    ObjectDone,
    Played,
    Recorded,
    Speech,
    Start,
    TransferDone,
)
from vxml_browser.core.session import Session

from .call import FIXED_NOW, SESSION_VARS, recording
from .steps import run_now


class FakeTelephony:
    """One scripted call: answers play, collect, record, transfer, object and disconnect."""

    def __init__(self, lines: Iterable[str] = (), *, connection: dict[str, Any] | None = None,
                 objects: dict[str, Any] | None = None) -> None:
        self.lines: deque[str] = deque(line.strip() for line in lines if line.strip())
        self.connection = connection if connection is not None else dict(SESSION_VARS["connection"])
        self.objects = objects or {}
        self.played: list[Prompt] = []
        self.history: list[tuple[str, Any]] = []
        self.keys: deque[str] = deque()
        self.hung_up = False

    # --- the Telephony interface (vxml_browser/adapters/telephony.py) ------------------------
    async def fetch(self, action: Fetch, fetcher: Fetcher) -> Input:
        return await fetcher.fetch(action)

    async def play(self, action: Play) -> Input:
        self._play(action.prompts)
        return Hangup() if self.hung_up else Played()

    async def collect(self, action: Collect) -> Input:
        self._play(action.prompts)
        self.history.append(("collect", action.phase))
        if self.hung_up:
            return Hangup()
        if self.keys:
            return DtmfKey(self.keys.popleft())
        if action.phase != "start":
            return NoInput()
        verb, rest = self._next()
        if verb == "dtmf" and rest:
            self.keys.extend(rest.replace(" ", ""))
            return DtmfKey(self.keys.popleft())
        if verb == "say":
            confidence, text = 1.0, rest
            head, _, tail = rest.partition(" ")
            try:
                confidence, text = float(head), tail
            except ValueError:
                pass
            return Speech((Alternative(text, confidence),))
        if verb == "silence":
            return NoInput()
        return self._hangup()

    async def record(self, action: Record) -> Input:
        self._play(action.prompts)
        self.history.append(("record", action.maxtime_s))
        verb, rest = self._next()
        if verb == "record":
            seconds, _, key = rest.partition(" ")
            return Recorded(recording(float(seconds or 1.0), action.media_type), termchar=key or None,
                            maxtime=bool(action.maxtime_s) and float(seconds or 1.0) >= action.maxtime_s)
        if verb == "silence":
            return NoInput()
        return self._hangup()

    async def transfer(self, action: Transfer) -> Input:
        self._play(action.prompts)
        self.history.append(("transfer", action.dest))
        verb, rest = self._next()
        if verb == "transfer":
            if rest.startswith("error."):
                return TransferDone(None, error=rest)
            return TransferDone(rest)  # type: ignore[arg-type]
        return self._hangup()

    async def object(self, action: ObjectCall) -> Input:
        self._play(action.prompts)
        self.history.append(("object", action.classid))
        if action.classid not in self.objects:
            return ObjectDone(error="error.unsupported.objectname", message=f"no object '{action.classid}'")
        return ObjectDone(result=self.objects[action.classid])

    async def disconnect(self, action: Disconnect) -> Input:
        self._play(action.prompts)
        self.history.append(("disconnect", None))
        self.hung_up = True
        return Ack()

    async def log(self, action: Log) -> Input:
        self.history.append(("log", action.text))
        return Ack()

    async def error(self, action: Error) -> Input:
        self.history.append(("error", action.name))
        return Ack()

    # --- one call without an event loop ----------------------------------------------------
    def run(self, uri: str, fetcher: Fetcher, *, session: Session | None = None) -> Exit:
        """The whole call to ``uri`` with ``telephony.drive`` (this platform never suspends, so
        no event loop is needed): its ``Exit``."""
        session = session or new_session(clock=lambda: FIXED_NOW, seed=0)
        return run_now(drive(session, Start(uri, {"connection": self.connection}), self, fetcher))

    # --- helpers ---------------------------------------------------------------------------
    @property
    def texts(self) -> list[str]:
        return [p.text for p in self.played]

    def _play(self, prompts: tuple[Prompt, ...]) -> None:
        self.played.extend(prompts)
        if prompts:
            self.history.append(("play", tuple(p.text for p in prompts)))

    def _next(self) -> tuple[str, str]:
        if self.hung_up or not self.lines:
            return "hangup", ""
        verb, _, rest = self.lines.popleft().partition(" ")
        return verb.lower(), rest.strip()

    def _hangup(self) -> Input:
        self.hung_up = True
        self.history.append(("hangup", None))
        return Hangup()
