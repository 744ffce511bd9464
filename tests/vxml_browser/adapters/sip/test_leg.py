"""``Leg`` and ``Legs`` (``sip/leg.py``): a dialog's events on the loop, and the legs a task
dials, against a fake engine."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from vxml_browser.adapters.sip.leg import Leg, Legs, end_outcome, setup_outcome, uui


def test_a_leg_is_answered_once_confirmed_with_media() -> None:
    leg = Leg(7)
    leg.on_event("early", 183)
    leg.on_event("confirmed", {"call_id": "x"})
    assert leg.early == 183 and not leg.answered
    leg.on_event("media", None)
    assert leg.answered and not leg.ended and leg.code == 0


def test_a_leg_that_ended_keeps_its_status_and_keys() -> None:
    leg = Leg(7)
    leg.on_event("dtmf", ("5", "rfc2833"))
    leg.on_event("disconnected", (486, "Busy Here"))
    assert leg.ended and leg.code == 486 and leg.keys == ["5"]


@pytest.mark.parametrize(("code", "outcome"), [(200, "far_end_disconnect"), (408, "network_disconnect"),
                                               (481, "network_disconnect"), (503, "network_disconnect")])
def test_how_a_bridged_leg_ended_is_the_transfer_outcome(code: int, outcome: str) -> None:
    assert end_outcome(code) == outcome


def test_setup_outcomes_follow_the_final_status() -> None:
    assert [setup_outcome(c) for c in (486, 603, 480, 503, 488)] == [
        "busy", "busy", "noanswer", "network_busy", "unknown"]


def test_aai_travels_as_user_to_user() -> None:
    assert uui("account=7") == {"User-to-User": "account=7"} and uui(None) is None


class DialEngine:
    """Runs commands at once; a dialled leg rings before ``make_call_keyed`` returns."""

    def __init__(self) -> None:
        self.keys = 10
        self.commands: list[tuple[Any, ...]] = []

    def new_key(self) -> int:
        self.keys += 1
        return self.keys

    def post(self, fn: Any, *args: Any) -> None:
        asyncio.get_running_loop().call_soon(fn, *args)

    def make_call_keyed(self, key: int, dest: str, sink: Any, headers: Any) -> int:
        self.commands.append(("dial", key, dest, headers))
        sink("early", 180)
        return key

    def run(self, fn: Any, *args: Any) -> asyncio.Future[Any]:
        fut = asyncio.get_running_loop().create_future()
        self.post(fut.set_result, fn(*args))  # after the events posted meanwhile, as the engine does
        return fut

    def submit(self, fn: Any, *args: Any) -> None:
        fn(*args)

    def hangup(self, key: int, code: int) -> None:
        self.commands.append(("hangup", key, code))


async def test_a_dialled_leg_keeps_the_events_that_came_before_the_dial_returned() -> None:
    legs = Legs(DialEngine())
    leg = await legs.dial("sip:ann@127.0.0.1", uui("x"))
    assert leg.early == 180 and leg.dest == "sip:ann@127.0.0.1" and legs.legs[leg.key] is leg


async def test_a_leg_event_wakes_the_waiting_task() -> None:
    engine = DialEngine()
    legs = Legs(engine)
    leg = await legs.dial("sip:ann@127.0.0.1")
    waiting = asyncio.get_running_loop().create_task(legs.wait(lambda: leg.ended, 5.0))
    await asyncio.sleep(0)
    legs.on_leg_event(leg.key, "disconnected", (200, "BYE"))
    assert await waiting is True


async def test_woken_returns_once_per_wake() -> None:
    legs = Legs(DialEngine())
    legs.wake()
    await asyncio.wait_for(legs.woken(), 1.0)
    second = asyncio.get_running_loop().create_task(legs.woken())
    done, _ = await asyncio.wait({second}, timeout=0.05)
    assert not done
    legs.wake()
    await asyncio.wait_for(second, 1.0)
