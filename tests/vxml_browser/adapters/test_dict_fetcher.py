"""DictFetcher: the in-memory Fetcher for interpreter tests (vxml_browser.testing.fetcher)."""

from __future__ import annotations

import hashlib

import pytest

from vxml_browser.adapters.fetcher import Fetcher, guess_media_type
from vxml_browser.core.actions import Fetch
from vxml_browser.core.inputs import Fetched, FetchFailed
from vxml_browser.testing.fetcher import DictFetcher


async def test_serves_content_from_the_mapping():
    result = await DictFetcher({"http://a/main.vxml": "<vxml/>"}).fetch(Fetch("http://a/main.vxml"))
    assert result == Fetched(
        "http://a/main.vxml",
        b"<vxml/>",
        "application/voicexml+xml",
        "sha1:" + hashlib.sha1(b"<vxml/>").hexdigest(),
    )


@pytest.mark.parametrize(
    ("name", "media_type"),
    [
        ("a.vxml", "application/voicexml+xml"),
        ("a.grxml", "application/srgs+xml"),
        ("a.gram", "application/srgs"),
        ("a.js", "application/ecmascript"),
        ("a.xml", "text/xml"),
        ("a.bin", "application/octet-stream"),
    ],
)
async def test_media_type_is_guessed_from_the_extension(name, media_type):
    fetcher = DictFetcher({f"http://a/{name}": b"x"})
    result = await fetcher.fetch(Fetch(f"http://a/{name}"))
    assert isinstance(result, Fetched) and result.media_type == media_type


async def test_a_missing_uri_is_a_404():
    result = await DictFetcher().fetch(Fetch("http://a/none.vxml"))
    assert result == FetchFailed("http://a/none.vxml", 404, "no such resource: http://a/none.vxml")


async def test_a_status_tuple_is_a_failed_fetch():
    result = await DictFetcher({"http://a/x.vxml": (500,)}).fetch(Fetch("http://a/x.vxml"))
    assert isinstance(result, FetchFailed) and result.status == 500


async def test_a_fragment_falls_back_to_the_document():
    fetcher = DictFetcher({"http://a/x.vxml": "<vxml/>"})
    result = await fetcher.fetch(Fetch("http://a/x.vxml#form2"))
    assert isinstance(result, Fetched) and result.uri == "http://a/x.vxml#form2"


async def test_requests_are_recorded_in_order():
    fetcher = DictFetcher({"http://a/x.vxml": "<vxml/>"})
    submit = Fetch("http://a/y", method="POST", params=(("a", 1),))
    await fetcher.fetch(Fetch("http://a/x.vxml"))
    await fetcher.fetch(submit)
    assert fetcher.uris == ["http://a/x.vxml", "http://a/y"]
    assert fetcher.requests[1] is submit


def test_dict_fetcher_is_a_fetcher():
    assert isinstance(DictFetcher(), Fetcher)


@pytest.mark.parametrize(
    ("uri", "media_type"),
    [
        ("http://a/b/c.GRXML?x=1#f", "application/srgs+xml"),
        ("file:///tmp/a.js", "application/ecmascript"),
        ("/tmp/a.wav", "audio/wav"),
        ("http://a/b/", ""),
    ],
)
def test_guess_media_type(uri, media_type):
    assert guess_media_type(uri) == media_type
