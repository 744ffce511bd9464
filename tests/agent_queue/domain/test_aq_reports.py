"""Reports computed from the events a scripted day produced."""

from __future__ import annotations

import pytest

from agent_queue.domain.events import Event
from agent_queue.domain.reports import agent_report, period_of, queue_report
from agent_queue.testing import Q, World


def day(variant: str = "abandoned_negative") -> World:
    w = World(Q(sl_threshold=20, short_abandon=5, wrap_up=10, sl_variant=variant))
    w.agent_up("ann")
    w.tick(100)  # ann ready 100 s
    w.enter("c1", "sales")  # answered at once
    w.answered("c1", "ann")
    w.tick(50)
    w.hangup("c1")  # talk 50, wrap 10
    w.tick(10)
    w.set_not_ready("ann", "lunch")
    w.enter("c2", "sales")
    w.tick(3)
    w.hangup("c2")  # short abandon
    w.enter("c3", "sales")
    w.tick(10)
    w.hangup("c3")  # abandoned within the SL threshold
    w.enter("c4", "sales")
    w.tick(30)
    w.set_ready("ann")
    w.answered("c4", "ann")  # answered after 30 s: outside SL
    w.tick(20)
    w.hangup("c4")
    w.tick(10)
    return w


def test_queue_figures():
    [row] = queue_report(day().events, {"sales": Q(sl_threshold=20, short_abandon=5)}, "day")
    assert row["period"] == "2026-01-01"
    assert (row["offered"], row["answered"], row["abandoned"], row["short_abandoned"]) == (4, 2, 1, 1)
    assert row["asa"] == 15.0  # (0 + 30) / 2
    assert row["abandon_rate"] == pytest.approx(33.33)
    assert row["aht"] == 45.0  # (50 + 10 + 20 + 10) / 2


def test_callbacks_and_their_failed_tries_are_counted():
    w = World(Q(callback_retry=10, callback_attempts=2))
    w.enter("c1", "sales", caller="+111")
    w.request_callback("c1")
    w.hangup("c1")
    w.agent_up("ann")
    w.callback_failed("c1", "busy")
    w.tick(10)
    w.callback_failed("c1", "no-answer")  # the last try: the call exits
    [row] = queue_report(w.events, {"sales": Q()}, "day")
    assert (row["callbacks"], row["callbacks_failed"], row["exited"], row["answered"]) == (1, 2, 1, 0)


@pytest.mark.parametrize(("variant", "sl"), [
    ("ignore_abandoned", 50.0), ("abandoned_negative", 33.33), ("abandoned_positive", 66.67)])
def test_service_level_variants(variant, sl):
    q = Q(sl_threshold=20, short_abandon=5, sl_variant=variant)
    [row] = queue_report(day(variant).events, {"sales": q}, "day")
    assert row["service_level"] == sl


def test_agent_figures():
    [row] = agent_report(day().events, "day")
    assert (row["agent"], row["calls"], row["talk"], row["wrap"]) == ("ann", 2, 70.0, 20.0)
    assert row["ready"] == 100.0
    assert row["occupancy"] == pytest.approx(100 * 90 / 190, abs=0.01)


def test_periods():
    at = 1_767_225_600.0 + 40 * 86400 + 5 * 3600  # 2026-02-10 05:00 UTC
    assert [period_of(at, p) for p in ("hour", "day", "week", "month", "quarter", "year")] == [
        "2026-02-10 05:00", "2026-02-10", "2026-W07", "2026-02", "2026-Q1", "2026"]
    assert period_of(at, "day", utc_offset=-360) == "2026-02-09"
    with pytest.raises(ValueError, match="expected one of"):
        period_of(at, "fortnight")


def test_by_hour_splits_rows():
    events = [Event("enter", 1_767_225_600.0, "c1", None, "sales"),
              Event("enter", 1_767_225_600.0 + 3600, "c2", None, "sales")]
    rows = queue_report(events, {}, "hour")
    assert [(r["period"], r["offered"]) for r in rows] == [("2026-01-01 00:00", 1), ("2026-01-01 01:00", 1)]


def test_not_ready_reason_changes_keep_their_time():
    w = World(Q())
    w.sign_in("ann", "sip:ann", {"sales": 1})  # NOT_READY "signed in"
    w.tick(30)
    w.set_not_ready("ann", "lunch")  # NOT_READY -> NOT_READY, 30 s counted
    w.tick(60)
    w.set_ready("ann")
    w.tick(10)
    w.set_ready("ann")  # no change, no event
    w.tick(10)
    w.set_not_ready("ann", "break")
    [row] = agent_report(w.events, "day")
    assert (row["not_ready"], row["ready"]) == (90.0, 20.0)
    assert sum(1 for e in w.events if e.kind == "agent_state" and e.data["from"] == "READY") == 1
