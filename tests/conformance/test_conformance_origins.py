"""The conformance runner's fetcher follows the browser's default origin rule (issue 10)."""

from __future__ import annotations

from conformance.runner import make_fetcher


def test_the_runners_fetcher_may_reach_the_local_servers_origin_only() -> None:
    fetcher = make_fetcher("http://127.0.0.1:40123/")
    assert fetcher.allowed_origins == frozenset({"http://127.0.0.1:40123"})
