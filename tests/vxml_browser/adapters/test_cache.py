"""The RFC 9111 cache, through HttpFetcher against a real server and on its own.

Time moves with the fake clock (``clock.advance``); the server stamps ``Date`` from it and counts
requests, so "served from the cache" means "the server saw no request".
"""

from __future__ import annotations

import pytest

from vxml_browser.adapters.cache import (
    HttpCache,
    StoredResponse,
    current_age,
    format_http_date,
    freshness_lifetime,
    is_storable,
    parse_cache_control,
)
from vxml_browser.adapters.http import HttpFetcher
from vxml_browser.core.actions import Fetch, FetchAttrs
from vxml_browser.core.inputs import Fetched, FetchFailed

from .conftest import FakeClock, Origin


def content(result: Fetched | FetchFailed) -> bytes:
    assert isinstance(result, Fetched), result
    return result.content


async def get(fetcher: HttpFetcher, origin: Origin, path: str, **attrs: float) -> bytes:
    return content(await fetcher.fetch(Fetch(origin.url(path), attrs=FetchAttrs(**attrs))))


# -- freshness (RFC 9111 §4.2)


async def test_max_age_fresh_response_is_served_from_the_cache(fetcher, origin, clock):
    await get(fetcher, origin, "/cache/max-age")
    clock.advance(59)
    assert await get(fetcher, origin, "/cache/max-age") == b"body 1"
    assert origin.hits["/cache/max-age"] == 1


async def test_max_age_stale_response_is_fetched_again(fetcher, origin, clock):
    await get(fetcher, origin, "/cache/max-age")
    clock.advance(61)
    assert await get(fetcher, origin, "/cache/max-age") == b"body 2"
    assert origin.hits["/cache/max-age"] == 2


async def test_expires_gives_freshness_until_it_passes(fetcher, origin, clock):
    await get(fetcher, origin, "/cache/expires")
    clock.advance(59)
    await get(fetcher, origin, "/cache/expires")
    assert origin.hits["/cache/expires"] == 1
    clock.advance(2)
    assert await get(fetcher, origin, "/cache/expires") == b"body 2"


async def test_heuristic_freshness_is_a_tenth_of_the_last_modified_age(fetcher, origin, clock):
    await get(fetcher, origin, "/cache/heuristic")  # modified 1000 s before: fresh for 100 s
    clock.advance(99)
    await get(fetcher, origin, "/cache/heuristic")
    assert origin.hits["/cache/heuristic"] == 1
    clock.advance(2)
    assert await get(fetcher, origin, "/cache/heuristic") == b"body 2"


async def test_response_without_freshness_or_validators_is_fetched_each_time(fetcher, origin):
    await get(fetcher, origin, "/doc.vxml")
    await get(fetcher, origin, "/doc.vxml")
    assert origin.hits["/doc.vxml"] == 2


async def test_query_strings_are_separate_entries(fetcher, origin):
    for value in ("1", "2", "1"):
        await fetcher.fetch(Fetch(origin.url("/cache/max-age"), params=(("n", value),)))
    assert origin.hits["/cache/max-age"] == 2


# -- validation (RFC 9111 §4.3)


async def test_etag_revalidation_304_serves_the_stored_body(fetcher, origin, clock):
    await get(fetcher, origin, "/cache/etag")
    clock.advance(11)
    result = await fetcher.fetch(Fetch(origin.url("/cache/etag")))
    assert isinstance(result, Fetched)
    assert (result.content, result.validator) == (b"tagged", '"v1"')
    assert origin.headers["/cache/etag"][1]["If-None-Match"] == '"v1"'


async def test_304_makes_the_stored_response_fresh_again(fetcher, origin, clock):
    await get(fetcher, origin, "/cache/etag")
    clock.advance(11)
    await get(fetcher, origin, "/cache/etag")  # revalidated: fresh for another 10 s
    clock.advance(9)
    await get(fetcher, origin, "/cache/etag")
    assert origin.hits["/cache/etag"] == 2


async def test_last_modified_revalidation_sends_if_modified_since(fetcher, origin, clock):
    await get(fetcher, origin, "/cache/last-modified")
    clock.advance(11)
    assert await get(fetcher, origin, "/cache/last-modified") == b"dated"
    assert origin.headers["/cache/last-modified"][1]["If-Modified-Since"] == format_http_date(
        origin.last_modified
    )


async def test_no_store_is_never_stored(fetcher, origin):
    await get(fetcher, origin, "/cache/no-store")
    await get(fetcher, origin, "/cache/no-store")
    assert origin.hits["/cache/no-store"] == 2
    assert origin.url("/cache/no-store") not in fetcher.cache


async def test_no_cache_is_revalidated_every_time(fetcher, origin):
    await get(fetcher, origin, "/cache/no-cache")
    assert await get(fetcher, origin, "/cache/no-cache") == b"always checked"
    assert origin.hits["/cache/no-cache"] == 2
    assert origin.headers["/cache/no-cache"][1]["If-None-Match"] == '"nc"'


# -- VoiceXML maxage and maxstale (VoiceXML 2.0 §6.1.2.1)


async def test_maxage_0_forces_revalidation(fetcher, origin):
    await get(fetcher, origin, "/cache/etag")
    assert await get(fetcher, origin, "/cache/etag", maxage=0) == b"tagged"
    assert origin.hits["/cache/etag"] == 2
    assert origin.headers["/cache/etag"][1]["If-None-Match"] == '"v1"'


async def test_maxage_refuses_a_fresh_response_older_than_it(fetcher, origin, clock):
    await get(fetcher, origin, "/cache/max-age")
    clock.advance(30)
    await get(fetcher, origin, "/cache/max-age", maxage=20)
    assert origin.hits["/cache/max-age"] == 2


async def test_maxage_accepts_a_fresh_response_as_old_as_it(fetcher, origin, clock):
    await get(fetcher, origin, "/cache/max-age")
    clock.advance(20)
    await get(fetcher, origin, "/cache/max-age", maxage=20)
    assert origin.hits["/cache/max-age"] == 1


async def test_maxstale_accepts_a_response_stale_by_less(fetcher, origin, clock):
    await get(fetcher, origin, "/cache/max-age")
    clock.advance(90)  # stale by 30 s
    assert await get(fetcher, origin, "/cache/max-age", maxstale=30) == b"body 1"
    assert origin.hits["/cache/max-age"] == 1


async def test_maxstale_refuses_a_response_stale_by_more(fetcher, origin, clock):
    await get(fetcher, origin, "/cache/max-age")
    clock.advance(90)
    assert await get(fetcher, origin, "/cache/max-age", maxstale=29) == b"body 2"


async def test_maxstale_does_not_override_must_revalidate(fetcher, origin, clock):
    await get(fetcher, origin, "/cache/must-revalidate")
    clock.advance(90)
    await get(fetcher, origin, "/cache/must-revalidate", maxstale=600)
    assert origin.hits["/cache/must-revalidate"] == 2


async def test_maxage_and_maxstale_are_sent_upstream(fetcher, origin):
    await get(fetcher, origin, "/doc.vxml", maxage=5, maxstale=7)
    assert origin.headers["/doc.vxml"][0]["Cache-Control"] == "max-age=5, max-stale=7"


# -- unsafe methods (RFC 9111 §4.4)


async def test_post_is_not_cached_and_invalidates_the_stored_get(fetcher, origin):
    await get(fetcher, origin, "/cache/max-age")
    request = Fetch(origin.url("/cache/max-age"), method="POST", params=(("a", "1"),))
    await fetcher.fetch(request)
    await fetcher.fetch(request)
    await get(fetcher, origin, "/cache/max-age")
    assert origin.hits["/cache/max-age"] == 4


# -- the cache on its own


def stored(
    headers: dict[str, str],
    *,
    status: int = 200,
    body: bytes = b"x",
    request_time: float = 1000.0,
    response_time: float = 1000.0,
) -> StoredResponse:
    return StoredResponse("http://a/x", status, headers, body, request_time, response_time)


def test_current_age_follows_rfc_9111_section_4_2_3():
    # Date 10 s before receipt (apparent age 10); Age 5 + 2 s response delay = 7; resident 30 s
    response = stored(
        {"date": format_http_date(1000.0), "age": "5"}, request_time=1008.0, response_time=1010.0
    )
    assert current_age(response, now=1040.0) == 10 + 30


def test_current_age_uses_the_age_header_when_it_is_larger():
    response = stored(
        {"date": format_http_date(1000.0), "age": "50"}, request_time=998.0, response_time=1000.0
    )
    assert current_age(response, now=1000.0) == 52


def test_max_age_wins_over_expires():
    headers = {
        "cache-control": "max-age=5",
        "date": format_http_date(1000.0),
        "expires": format_http_date(2000.0),
    }
    assert freshness_lifetime(stored(headers)) == 5


def test_an_invalid_expires_means_already_expired():
    assert freshness_lifetime(stored({"expires": "0", "date": format_http_date(1000.0)})) == 0


def test_heuristic_freshness_is_capped():
    headers = {"date": format_http_date(10_000_000.0), "last-modified": format_http_date(0.0)}
    assert freshness_lifetime(stored(headers), heuristic_max_s=3600) == 3600


def test_no_heuristic_freshness_for_a_status_that_is_not_heuristically_cacheable():
    headers = {"date": format_http_date(10_000.0), "last-modified": format_http_date(0.0)}
    assert freshness_lifetime(stored(headers, status=302)) == 0


@pytest.mark.parametrize(
    ("status", "headers", "expected"),
    [
        (200, {}, True),
        (200, {"cache-control": "no-store"}, False),
        (200, {"vary": "Accept, *"}, False),
        (302, {}, False),
        (302, {"cache-control": "max-age=60"}, True),
        (206, {"cache-control": "max-age=60"}, False),
        (500, {"cache-control": "max-age=60"}, False),
    ],
)
def test_is_storable(status, headers, expected):
    assert is_storable(status, headers) is expected


def test_parse_cache_control_handles_quotes_case_and_duplicates():
    parsed = parse_cache_control('No-Cache="Set-Cookie, X", max-age=5, MAX-AGE=9, private')
    assert parsed == {"no-cache": "Set-Cookie, X", "max-age": "5", "private": None}


def test_a_response_without_date_is_dated_when_received():
    cache = HttpCache(clock=FakeClock(5000.0))
    kept = cache.store(
        "http://a/x",
        200,
        {"Cache-Control": "max-age=60"},
        b"x",
        request_time=5000.0,
        response_time=5000.0,
    )
    assert kept is not None and kept.headers["date"] == format_http_date(5000.0)


def test_least_recently_used_entry_is_evicted_first():
    cache = HttpCache(max_entries=2, clock=FakeClock(0.0))
    for uri in ("http://a/1", "http://a/2"):
        cache.store(
            uri, 200, {"cache-control": "max-age=60"}, b"x", request_time=0, response_time=0
        )
    cache.lookup("http://a/1")
    cache.store(
        "http://a/3", 200, {"cache-control": "max-age=60"}, b"x", request_time=0, response_time=0
    )
    assert ("http://a/1" in cache, "http://a/2" in cache, "http://a/3" in cache) == (
        True,
        False,
        True,
    )


def test_total_body_size_is_bounded():
    cache = HttpCache(max_bytes=10, clock=FakeClock(0.0))
    for uri in ("http://a/1", "http://a/2"):
        cache.store(
            uri, 200, {"cache-control": "max-age=60"}, b"123456", request_time=0, response_time=0
        )
    assert (len(cache), cache.size_bytes) == (1, 6)


def test_a_body_larger_than_the_cache_is_not_stored():
    cache = HttpCache(max_bytes=4, clock=FakeClock(0.0))
    assert cache.store("http://a/1", 200, {}, b"12345", request_time=0, response_time=0) is None


def test_vary_selects_on_the_request_headers():
    cache = HttpCache(clock=FakeClock(0.0))
    cache.store(
        "http://a/1",
        200,
        {"cache-control": "max-age=60", "vary": "Accept"},
        b"x",
        request_time=0,
        response_time=0,
        request_headers={"Accept": "text/xml"},
    )
    assert cache.lookup("http://a/1", {"accept": "text/xml"}) is not None
    assert cache.lookup("http://a/1", {"Accept": "audio/*"}) is None


def test_a_304_with_another_strong_etag_drops_the_entry():
    cache = HttpCache(clock=FakeClock(0.0))
    kept = cache.store(
        "http://a/1",
        200,
        {"etag": '"a"', "cache-control": "max-age=1"},
        b"x",
        request_time=0,
        response_time=0,
    )
    assert kept is not None
    assert cache.freshen(kept, {"etag": '"b"'}, request_time=5, response_time=5) is None
    assert "http://a/1" not in cache
