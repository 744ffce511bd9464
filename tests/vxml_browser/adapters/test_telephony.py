"""``new_session`` and ``drive`` (``vxml_browser.adapters.telephony``): every platform's session
and loop. The console platform shows them here; the SIP side is ``tests/e2e/test_sip_ivr.py``."""

from __future__ import annotations

import asyncio
import time

import pytest

from vxml_browser.adapters.caller import ScriptedCaller
from vxml_browser.adapters.runner import ConsolePlatform, run_session
from vxml_browser.adapters.telephony import drive, new_session
from vxml_browser.core.actions import Exit
from vxml_browser.core.inputs import Start
from vxml_browser.testing.call import vxml
from vxml_browser.testing.fetcher import DictFetcher

CLOCK_AND_DICE = vxml(
    '<form><var name="now" expr="new Date().getTime()"/>'
    '<var name="dice" expr="[Math.random(), Math.random(), Math.random()]"/>'
    '<block><log expr="now + \' \' + dice.join(\' \')"/></block></form>')


def _logged(doc: str) -> list[str]:
    caller = ScriptedCaller([])
    asyncio.run(run_session("http://t/main.vxml", caller, fetcher=DictFetcher({"http://t/main.vxml": doc})))
    return [e["text"] for e in caller.events if e["event"] == "log"]


def test_a_console_call_sees_the_wall_clock_in_date() -> None:
    before = time.time()
    (line,) = _logged(CLOCK_AND_DICE)
    now_ms = float(line.split()[0])
    assert before - 2 <= now_ms / 1000 <= time.time() + 2, line


def test_two_console_calls_draw_different_random_numbers() -> None:
    first = _logged(CLOCK_AND_DICE)[0].split()[1:]
    second = _logged(CLOCK_AND_DICE)[0].split()[1:]
    assert first != second


def test_new_session_pins_the_clock_and_seed_a_test_gives() -> None:
    def dice(seed: int) -> str:
        session = new_session(clock=lambda: 86_400.0, seed=seed)
        caller = ScriptedCaller([])
        platform = ConsolePlatform(caller)
        fetcher = DictFetcher({"http://t/main.vxml": CLOCK_AND_DICE})
        end = asyncio.run(drive(session, Start("http://t/main.vxml", {}), platform, fetcher))
        assert end == Exit(None, "exit")  # the form ran out: the document is done
        return next(e["text"] for e in caller.events if e["event"] == "log")

    assert dice(7) == dice(7) != dice(8)
    assert dice(7).startswith("86400000 ")


def test_new_session_passes_the_limits_on() -> None:
    session = new_session(limits={"max_steps": 12, "script_time_limit_s": 0.5})
    assert (session.max_steps, session.script_time_limit_s) == (12, 0.5)
    assert session.clock is time.time and session.seed != 0


def test_drive_refuses_an_action_no_platform_knows() -> None:
    class Odd:
        pass

    class OddSession:
        def start(self, start: Start) -> object:
            return Odd()

    with pytest.raises(TypeError, match="no platform does"):
        asyncio.run(drive(OddSession(), Start("x", {}), ConsolePlatform(ScriptedCaller([])),  # type: ignore[arg-type]
                          DictFetcher({})))
