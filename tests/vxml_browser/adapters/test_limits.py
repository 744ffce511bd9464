"""``recording_cap``: the ``max_recording_bytes`` rule the SIP and console platforms share."""

from __future__ import annotations

from vxml_browser.adapters.limits import recording_cap


def test_a_recording_under_the_cap_keeps_all_it_captured() -> None:
    assert recording_cap(7998, 8000) == (7998, False)


def test_a_recording_at_the_cap_reaches_it() -> None:
    assert recording_cap(8000, 8000) == (8000, True)


def test_a_recording_over_the_cap_is_cut_to_it() -> None:
    assert recording_cap(20_000, 8000) == (8000, True)


def test_a_cap_of_zero_is_no_cap() -> None:
    assert recording_cap(10**9, 0) == (10**9, False)


def test_an_odd_cap_keeps_whole_16_bit_samples() -> None:
    assert recording_cap(20_000, 8001) == (8000, True)
