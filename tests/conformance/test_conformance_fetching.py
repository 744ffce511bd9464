"""The URL policy of conformance calls (conformance/fetching.py)."""

from __future__ import annotations

from typing import Any

from conformance.fetching import SuiteFetcher, rewrite
from vxml_browser.core.actions import Fetch
from vxml_browser.core.inputs import Fetched, FetchFailed

FOLDER = "http://127.0.0.1:8000/vxml20/cudl-w3c/"


def test_the_original_test_server_maps_to_the_test_folder() -> None:
    assert rewrite("http://localhost/vxml/528a2.vxml#second", FOLDER) == FOLDER + "528a2.vxml#second"


def test_local_and_non_http_uris_pass_and_other_hosts_are_refused() -> None:
    assert rewrite(FOLDER + "a.vxml", FOLDER) == FOLDER + "a.vxml"
    assert rewrite("builtin:dtmf/digits", FOLDER) == "builtin:dtmf/digits"
    assert rewrite("http://gaga", FOLDER) is None
    assert rewrite("https://www.tellme.com/not_found", FOLDER) is None


class Recorder:
    def __init__(self) -> None:
        self.asked: list[Fetch] = []
        self.closed = False

    async def fetch(self, request: Fetch) -> Fetched | FetchFailed:
        self.asked.append(request)
        return Fetched(request.uri, b"<vxml/>", "application/voicexml+xml")

    def close(self) -> None:
        self.closed = True


async def test_suite_fetcher_rewrites_refuses_and_delegates() -> None:
    inner: Any = Recorder()
    fetcher = SuiteFetcher(inner, FOLDER)
    got = await fetcher.fetch(Fetch("http://localhost/vxml/526b.vxml", method="POST", params=(("a", 1),)))
    assert isinstance(got, Fetched) and got.uri == FOLDER + "526b.vxml"
    assert inner.asked[0].method == "POST" and inner.asked[0].params == (("a", 1),)
    refused = await fetcher.fetch(Fetch("http://gaga"))
    assert isinstance(refused, FetchFailed) and refused.status == 0
    assert fetcher.refused == ["http://gaga"] and len(inner.asked) == 1
    fetcher.close()
    assert inner.closed
