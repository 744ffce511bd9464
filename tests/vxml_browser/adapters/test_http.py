"""HttpFetcher against a real aiohttp server on 127.0.0.1 (VoiceXML 2.0 §6.1, §5.3.8)."""

from __future__ import annotations

import hashlib
import json
import math
import socket
from pathlib import Path

import aiohttp
import pytest

from vxml_browser.adapters.cache import HttpCache
from vxml_browser.adapters.fetcher import Fetcher
from vxml_browser.adapters.http import (
    HttpFetcher,
    ecmascript_string,
    form_fields,
    origin_of,
    recording_filename,
)
from vxml_browser.core.actions import Fetch, FetchAttrs
from vxml_browser.core.inputs import Fetched, FetchFailed, Recording

WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(range(64))


def fetched(result: Fetched | FetchFailed) -> Fetched:
    assert isinstance(result, Fetched), result
    return result


def failed(result: Fetched | FetchFailed) -> FetchFailed:
    assert isinstance(result, FetchFailed), result
    return result


def echoed(result: Fetched | FetchFailed) -> dict:
    return json.loads(fetched(result).content)


# -- GET


async def test_get_returns_content_and_media_type_without_parameters(fetcher, origin):
    result = fetched(await fetcher.fetch(Fetch(origin.url("/doc.vxml"))))
    assert result.content == b'<vxml version="2.1"/>'
    assert result.media_type == "application/voicexml+xml"
    assert result.uri == origin.url("/doc.vxml")


async def test_get_keeps_the_fragment_in_the_uri(fetcher, origin):
    result = fetched(await fetcher.fetch(Fetch(origin.url("/doc.vxml#main"))))
    assert result.uri == origin.url("/doc.vxml#main")
    assert origin.hits["/doc.vxml"] == 1


async def test_get_sends_an_accept_header_for_the_kind(fetcher, origin):
    await fetcher.fetch(Fetch(origin.url("/doc.vxml"), kind="grammar"))
    assert origin.headers["/doc.vxml"][0]["Accept"].startswith("application/srgs+xml")


async def test_get_params_go_in_the_query_string(fetcher, origin):
    request = Fetch(origin.url("/echo"), params=(("city", "Zürich"), ("n", 2)))
    result = await fetcher.fetch(request)
    assert echoed(result)["query"] == [["city", "Zürich"], ["n", "2"]]
    assert fetched(result).uri == origin.url("/echo?city=Z%C3%BCrich&n=2")


async def test_get_params_are_appended_to_an_existing_query(fetcher, origin):
    result = await fetcher.fetch(Fetch(origin.url("/echo?a=1"), params=(("b", "2"),)))
    assert echoed(result)["query"] == [["a", "1"], ["b", "2"]]


async def test_get_with_a_recording_fails(fetcher, origin):
    recording = Recording(WAV, "audio/wav", 1000)
    result = failed(await fetcher.fetch(Fetch(origin.url("/echo"), params=(("msg", recording),))))
    assert result.status == 0
    assert "POST" in result.reason
    assert origin.hits["/echo"] == 0


# -- POST


async def test_post_sends_an_urlencoded_form(fetcher, origin):
    request = Fetch(origin.url("/echo"), method="POST", params=(("a", "x y"), ("b", True)))
    body = echoed(await fetcher.fetch(request))
    assert body["method"] == "POST"
    assert body["content_type"] == "application/x-www-form-urlencoded"
    assert body["fields"] == [["a", "x y"], ["b", "true"]]


async def test_post_sends_multipart_when_the_enctype_says_so(fetcher, origin):
    request = Fetch(
        origin.url("/echo"), method="POST", params=(("a", "1"),), enctype="multipart/form-data"
    )
    body = echoed(await fetcher.fetch(request))
    assert body["content_type"] == "multipart/form-data"
    assert body["fields"] == [["a", "1"]]


async def test_post_sends_a_recording_as_a_file_part(fetcher, origin):
    recording = Recording(WAV, "audio/wav", 1000)
    request = Fetch(
        origin.url("/echo"), method="POST", params=(("caller", "42"), ("msg", recording))
    )
    body = echoed(await fetcher.fetch(request))
    assert body["content_type"] == "multipart/form-data"
    assert body["fields"] == [
        ["caller", "42"],
        [
            "msg",
            {
                "filename": "msg.wav",
                "content_type": "audio/wav",
                "sha1": hashlib.sha1(WAV).hexdigest(),
            },
        ],
    ]


async def test_post_submits_an_object_as_dotted_properties(fetcher, origin):
    date = {"month": 11, "year": 2026, "parts": {"day": 24.0}}
    request = Fetch(origin.url("/echo"), method="POST", params=(("date", date),))
    body = echoed(await fetcher.fetch(request))
    assert body["fields"] == [["date.month", "11"], ["date.year", "2026"], ["date.parts.day", "24"]]


async def test_post_with_an_unknown_enctype_fails(fetcher, origin):
    request = Fetch(origin.url("/echo"), method="POST", enctype="text/plain")
    result = failed(await fetcher.fetch(request))
    assert result.reason == "unsupported enctype 'text/plain'"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ""),
        (True, "true"),
        (False, "false"),
        (7, "7"),
        (7.0, "7"),
        (0.5, "0.5"),
        (1e-7, "1e-7"),
        (1e21, "1e+21"),
        (math.nan, "NaN"),
        (-math.inf, "-Infinity"),
        ("text", "text"),
        ([1, "a", None, True], "1,a,,true"),
    ],
)
def test_values_become_ecmascript_strings(value, expected):
    assert ecmascript_string(value) == expected


def test_form_fields_keep_recordings_and_flatten_objects():
    recording = Recording(b"", "audio/basic", 0)
    fields = form_fields([("rec", recording), ("o", {"a": {"b": [1, 2]}}), ("empty", {})])
    assert fields == [("rec", recording), ("o.a.b", "1,2")]


@pytest.mark.parametrize(
    ("media_type", "filename"),
    [
        ("audio/wav", "m.wav"),
        ("audio/x-wav", "m.wav"),
        ("audio/basic", "m.au"),
        ("audio/mpeg", "m.mp3"),
        ("application/x-unknown-thing", "m.bin"),
    ],
)
def test_recording_filenames_follow_the_media_type(media_type, filename):
    assert recording_filename("m", Recording(b"", media_type, 0)) == filename


# -- failures


async def test_http_404_is_a_failed_fetch_with_its_status(fetcher, origin):
    result = failed(await fetcher.fetch(Fetch(origin.url("/nowhere.vxml"))))
    assert (result.status, result.reason) == (404, "HTTP 404")


async def test_http_500_is_a_failed_fetch_with_its_status(fetcher, origin):
    assert failed(await fetcher.fetch(Fetch(origin.url("/status/500")))).status == 500


async def test_timeout_before_the_response(fetcher, origin):
    request = Fetch(origin.url("/stall"), attrs=FetchAttrs(timeout_s=0.05))
    result = failed(await fetcher.fetch(request))
    assert (result.status, result.reason) == (0, "timeout after 0.05s")


async def test_timeout_while_reading_the_body(fetcher, origin):
    request = Fetch(origin.url("/stall-body"), attrs=FetchAttrs(timeout_s=0.05))
    assert failed(await fetcher.fetch(request)).reason == "timeout after 0.05s"


async def test_connection_refused_is_status_0(fetcher):
    with socket.socket() as sock:  # a port that nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = failed(await fetcher.fetch(Fetch(f"http://127.0.0.1:{port}/x.vxml")))
    assert result.status == 0
    assert result.reason.startswith(f"cannot connect to http://127.0.0.1:{port}")


async def test_invalid_uri_fails(fetcher):
    result = failed(await fetcher.fetch(Fetch("http://[::1/a.vxml")))
    assert (result.status, result.reason) == (0, "invalid URI: Invalid IPv6 URL")


async def test_unsupported_scheme_fails(fetcher):
    result = failed(await fetcher.fetch(Fetch("ftp://example.com/a.vxml")))
    assert result.reason == "unsupported URI scheme 'ftp'"


@pytest.mark.parametrize("uri", ["a.vxml", "//host/a.vxml"])
async def test_relative_uri_fails(fetcher, uri):
    assert failed(await fetcher.fetch(Fetch(uri))).reason == f"not an absolute URI: {uri!r}"


# -- redirects


async def test_redirect_gives_the_final_uri(fetcher, origin):
    result = fetched(await fetcher.fetch(Fetch(origin.url("/redirect"))))
    assert result.uri == origin.url("/doc.vxml")
    assert result.content == b'<vxml version="2.1"/>'


async def test_redirect_target_inherits_the_fragment(fetcher, origin):
    result = fetched(await fetcher.fetch(Fetch(origin.url("/redirect#f2"))))
    assert result.uri == origin.url("/doc.vxml#f2")


async def test_redirect_fragment_replaces_the_requested_one(fetcher, origin):
    result = fetched(await fetcher.fetch(Fetch(origin.url("/redirect-fragment#f2"))))
    assert result.uri == origin.url("/doc.vxml#there")


async def test_redirect_loop_fails(fetcher, origin):
    result = failed(await fetcher.fetch(Fetch(origin.url("/loop-a"))))
    assert (result.status, result.reason) == (0, f"redirect loop at {origin.url('/loop-a')}")
    assert origin.hits["/loop-a"] == 1


async def test_max_redirects_are_followed(origin, clock):
    async with HttpFetcher(cache=HttpCache(clock=clock), max_redirects=3) as fetcher:
        result = fetched(await fetcher.fetch(Fetch(origin.url("/chain/3"))))
    assert result.uri == origin.url("/chain/0")


async def test_too_many_redirects_fail(origin, clock):
    async with HttpFetcher(cache=HttpCache(clock=clock), max_redirects=3) as fetcher:
        result = failed(await fetcher.fetch(Fetch(origin.url("/chain/4"))))
    assert result.reason == "too many redirects (more than 3)"


async def test_post_redirected_with_303_continues_with_get(fetcher, origin):
    result = await fetcher.fetch(
        Fetch(origin.url("/post-303"), method="POST", params=(("a", "1"),))
    )
    assert fetched(result).uri == origin.url("/doc.vxml")
    assert origin.hits["/doc.vxml"] == 1


async def test_post_redirected_with_307_resends_the_body(fetcher, origin):
    request = Fetch(origin.url("/post-307"), method="POST", params=(("a", "1"),))
    body = echoed(await fetcher.fetch(request))
    assert (body["method"], body["fields"]) == ("POST", [["a", "1"]])


# -- body size


async def test_body_over_the_limit_by_content_length_fails(origin, clock):
    async with HttpFetcher(cache=HttpCache(clock=clock), max_body_bytes=1024) as fetcher:
        result = failed(await fetcher.fetch(Fetch(origin.url("/big"))))
    assert (result.status, result.reason) == (
        0,
        "body too large (2048 bytes): over the limit of 1024 bytes",
    )


async def test_streamed_body_over_the_limit_fails(origin, clock):
    async with HttpFetcher(cache=HttpCache(clock=clock), max_body_bytes=1024) as fetcher:
        result = failed(await fetcher.fetch(Fetch(origin.url("/big-stream"))))
    assert result.reason == "body too large: over the limit of 1024 bytes"


async def test_default_body_limit_is_8_mib(fetcher, origin):
    result = failed(await fetcher.fetch(Fetch(origin.url("/huge"))))
    assert result.reason == "body too large (8388609 bytes): over the limit of 8388608 bytes"


# -- file: URIs


async def test_file_uri(fetcher, tmp_path: Path):
    path = tmp_path / "main.vxml"
    path.write_bytes(b"<vxml/>")
    result = fetched(await fetcher.fetch(Fetch(path.as_uri())))
    assert (result.uri, result.content, result.media_type) == (
        path.as_uri(),
        b"<vxml/>",
        "application/voicexml+xml",
    )


async def test_absolute_path_is_a_file(fetcher, tmp_path: Path):
    path = tmp_path / "digits.grxml"
    path.write_bytes(b"<grammar/>")
    result = fetched(await fetcher.fetch(Fetch(str(path), kind="grammar")))
    assert (result.content, result.media_type) == (b"<grammar/>", "application/srgs+xml")


async def test_missing_file_is_404(fetcher, tmp_path: Path):
    result = failed(await fetcher.fetch(Fetch((tmp_path / "gone.vxml").as_uri())))
    assert result.status == 404


async def test_post_to_a_file_fails(fetcher, tmp_path: Path):
    result = failed(await fetcher.fetch(Fetch(str(tmp_path / "a.vxml"), method="POST")))
    assert (result.status, result.reason) == (405, "POST is not supported for a file")


async def test_file_over_the_limit_fails(clock, tmp_path: Path):
    path = tmp_path / "big.vxml"
    path.write_bytes(b"x" * 11)
    async with HttpFetcher(cache=HttpCache(clock=clock), max_body_bytes=10) as fetcher:
        result = failed(await fetcher.fetch(Fetch(str(path))))
    assert result.reason == "body too large (11 bytes): over the limit of 10 bytes"


# -- validators


async def test_validator_is_the_etag(fetcher, origin):
    assert fetched(await fetcher.fetch(Fetch(origin.url("/etag.vxml")))).validator == '"abc"'


async def test_validator_is_last_modified_without_an_etag(fetcher, origin):
    result = fetched(await fetcher.fetch(Fetch(origin.url("/last-modified.vxml"))))
    assert result.validator.endswith(" GMT")


async def test_validator_is_a_sha1_of_the_body_otherwise(fetcher, origin):
    result = fetched(await fetcher.fetch(Fetch(origin.url("/doc.vxml"))))
    assert result.validator == "sha1:" + hashlib.sha1(b'<vxml version="2.1"/>').hexdigest()


# -- allowed origins


async def test_allowed_origins_refuse_another_origin(origin, clock):
    fetcher = HttpFetcher(cache=HttpCache(clock=clock), allowed_origins=["https://apps.example"])
    result = failed(await fetcher.fetch(Fetch(origin.url("/doc.vxml"))))
    assert (result.status, result.reason) == (0, f"origin {origin.base} is not allowed")
    assert origin.hits["/doc.vxml"] == 0
    await fetcher.close()


async def test_allowed_origins_refuse_a_redirect_to_another_origin(origin, clock):
    async with HttpFetcher(cache=HttpCache(clock=clock), allowed_origins=[origin.base]) as fetcher:
        result = failed(await fetcher.fetch(Fetch(origin.url("/away"))))
    assert result.reason == "origin http://localhost:1 is not allowed"


async def test_allowed_origins_compare_normalized_origins(origin, clock):
    allowed = [origin.base.upper() + "/some/path"]
    async with HttpFetcher(cache=HttpCache(clock=clock), allowed_origins=allowed) as fetcher:
        fetched(await fetcher.fetch(Fetch(origin.url("/doc.vxml"))))


async def test_allowed_origins_refuse_files_unless_listed(clock, tmp_path: Path):
    path = tmp_path / "a.vxml"
    path.write_bytes(b"<vxml/>")
    async with HttpFetcher(allowed_origins=["http://x"]) as fetcher:
        assert (
            failed(await fetcher.fetch(Fetch(str(path)))).reason == "origin file:// is not allowed"
        )
    async with HttpFetcher(allowed_origins=["file://"]) as fetcher:
        fetched(await fetcher.fetch(Fetch(str(path))))


@pytest.mark.parametrize(
    ("uri", "origin"),
    [
        ("HTTP://Example.COM:80/a", "http://example.com"),
        ("https://example.com:443/", "https://example.com"),
        ("https://example.com:8443/x?y", "https://example.com:8443"),
        ("http://[::1]:8080/", "http://[::1]:8080"),
        ("file:///tmp/a.vxml", "file://"),
        ("/tmp/a.vxml", "file://"),
    ],
)
def test_origin_of(uri, origin):
    assert origin_of(uri) == origin


# -- sessions and the protocol


async def test_a_given_session_is_left_open(origin):
    async with aiohttp.ClientSession() as session:
        async with HttpFetcher(session) as fetcher:
            fetched(await fetcher.fetch(Fetch(origin.url("/doc.vxml"))))
        assert not session.closed


async def test_an_owned_session_is_closed(origin):
    fetcher = HttpFetcher()
    fetched(await fetcher.fetch(Fetch(origin.url("/doc.vxml"))))
    session = fetcher._session
    await fetcher.close()
    assert session is not None and session.closed


async def test_cookies_set_by_the_app_server_are_sent_back(fetcher, origin):
    assert fetched(await fetcher.fetch(Fetch(origin.url("/session")))).content == b"none"
    assert fetched(await fetcher.fetch(Fetch(origin.url("/session")))).content == b"s1"


def test_http_fetcher_is_a_fetcher():
    assert isinstance(HttpFetcher(), Fetcher)
