"""``HttpFetcher``: the voice browser's fetcher for http(s) and file: URIs (VoiceXML 2.0 §6.1).

It answers the core's ``Fetch`` actions with ``Fetched`` or ``FetchFailed`` and never raises for
a failed fetch. What it does, and where the rules come from:

- ``attrs.timeout_s`` is the fetchtimeout (VoiceXML 2.0 §6.1.1): it bounds the whole fetch,
  redirects and body included; running out gives ``FetchFailed(status=0, "timeout after Ns")``.
- GET responses go through an ``HttpCache`` (RFC 9111) with ``attrs.maxage`` and
  ``attrs.maxstale`` (VoiceXML 2.0 §6.1.2.1), which are also sent upstream as the request's
  ``Cache-Control: max-age`` / ``max-stale`` (RFC 9111 §5.2.1). POST responses are never cached
  and invalidate the stored response of their URI (RFC 9111 §4.4).
- Redirects (RFC 9110 §15.4) are followed by hand, at most ``max_redirects``, each hop checked
  against ``allowed_origins`` and the cache; a loop fails at once. 303, and 301/302 after a POST,
  continue with GET; 307/308 repeat the method and body. A fragment is inherited by a redirect
  target without one (RFC 9110 §10.2.2). ``Fetched.uri`` is the final URI.
- A body over ``max_body_bytes`` fails the fetch instead of filling memory.
- ``headers`` are sent with every request of the fetcher (documents, submits, ``<data>``,
  redirect hops), e.g. the SIP platform's ``X-Call-ID``. They are not part of the cache key (the
  URI), so calls sharing an ``HttpCache`` share its entries, except a response whose ``Vary``
  names one of them: that is reused only for the same value (RFC 9111 §4.1).
- ``Fetched.media_type`` is the Content-Type without parameters (or guessed from the extension);
  ``Fetched.validator`` is the ETag, else Last-Modified, else ``sha1:`` of the body: the
  interpreter keys parsed documents by (uri, validator).

Submitting a namelist (VoiceXML 2.0 §5.3.8) follows these conventions (see ``form_fields``):

- Each value is converted to a string as ECMAScript's ``ToString`` would: ``true``/``false``,
  numbers without a trailing ``.0`` (``NaN``, ``Infinity``), arrays as comma-joined elements.
  ``None`` (ECMAScript ``undefined`` or ``null`` after conversion) is sent as an empty string.
- §5.3.8 leaves the submission of an ECMAScript object undefined and tells authors to list its
  properties (``date.month date.year``). This fetcher does that for them: an object (a mapping)
  is submitted as one field per property, named ``obj.prop`` (nested: ``obj.a.b``).
- GET puts the fields in the query string; POST sends them as
  application/x-www-form-urlencoded, or as multipart/form-data when ``enctype`` says so or when a
  value is a ``Recording``, which becomes a file part named after its field (``msg.wav``) with the
  recording's media type. A ``Recording`` cannot be sent with GET: that fetch fails.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import mimetypes
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from types import TracebackType
from typing import Any, Self
from urllib.parse import urldefrag, urlencode, urljoin, urlsplit, urlunsplit
from urllib.request import url2pathname

import aiohttp

from vxml_browser.adapters.cache import HttpCache, StoredResponse, normalize_headers
from vxml_browser.adapters.fetcher import guess_media_type
from vxml_browser.core.actions import Fetch, FetchKind
from vxml_browser.core.inputs import Fetched, FetchFailed, Recording

DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024
DEFAULT_MAX_REDIRECTS = 10
USER_AGENT = "vxml-browser/0.1 (VoiceXML 2.1)"

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})

ACCEPT: dict[FetchKind, str] = {
    "document": "application/voicexml+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1",
    "grammar": "application/srgs+xml, application/srgs;q=0.9, application/xml;q=0.8, */*;q=0.1",
    "script": "application/ecmascript, application/javascript;q=0.9, text/javascript;q=0.9, "
    "*/*;q=0.1",
    "data": "application/xml, text/xml;q=0.9, application/json;q=0.8, */*;q=0.1",
    "audio": "audio/*, */*;q=0.1",
}
"""The Accept header for each kind of fetch (VoiceXML 2.0 Appendix K media types)."""

RECORDING_EXTENSIONS = {
    "audio/wav": ".wav",
    "audio/x-wav": ".wav",
    "audio/wave": ".wav",
    "audio/vnd.wave": ".wav",
    "audio/basic": ".au",
    "audio/x-alaw-basic": ".alaw",
    "audio/mpeg": ".mp3",
    "audio/ogg": ".ogg",
}
"""File-name extensions of recordings by media type (VoiceXML 2.0 Appendix E audio formats)."""

FormValue = str | Recording


class _Failure(Exception):
    """Ends a fetch with ``FetchFailed``; raised deep inside, caught only in ``HttpFetcher.fetch``."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True, slots=True)
class _Response:
    """One hop's answer, from the network or the cache."""

    url: str
    status: int
    headers: Mapping[str, str]
    body: bytes
    sha1: str | None = None


# --- namelist conversion (VoiceXML 2.0 §5.3.8) ------------------------------------------------


def ecmascript_string(value: Any) -> str:
    """``value`` converted to a string as ECMAScript's ``ToString`` does (``None`` -> "")."""
    match value:
        case None:
            return ""
        case bool():
            return "true" if value else "false"
        case int():
            return str(value)
        case float():
            if math.isnan(value):
                return "NaN"
            if math.isinf(value):
                return "Infinity" if value > 0 else "-Infinity"
            if value.is_integer() and abs(value) < 1e21:
                return str(int(value))
            return re.sub(r"e([+-])0*(\d)", r"e\1\2", repr(value))  # 1e-07 -> 1e-7
        case str():
            return value
        case Mapping():
            return "[object Object]"
        case list() | tuple():
            return ",".join(ecmascript_string(item) for item in value)
        case _:
            return str(value)


def form_fields(params: Iterable[tuple[str, Any]]) -> list[tuple[str, FormValue]]:
    """A namelist's (name, value) pairs as form fields (VoiceXML 2.0 §5.3.8, module docstring).

    Objects (mappings) are flattened into ``name.prop`` fields; ``Recording`` values stay as they
    are (file parts); everything else becomes its ECMAScript string.
    """
    fields: list[tuple[str, FormValue]] = []

    def add(name: str, value: Any) -> None:
        if isinstance(value, Recording):
            fields.append((name, value))
        elif isinstance(value, Mapping):
            for key, item in value.items():
                add(f"{name}.{key}", item)
        else:
            fields.append((name, ecmascript_string(value)))

    for name, value in params:
        add(name, value)
    return fields


def recording_filename(name: str, recording: Recording) -> str:
    """The file name of a recording's form part: the field name and an extension (``msg.wav``)."""
    media_type = recording.media_type.split(";")[0].strip().lower()
    extension = RECORDING_EXTENSIONS.get(media_type) or mimetypes.guess_extension(media_type)
    return f"{name}{extension or '.bin'}"


def _multipart(fields: list[tuple[str, FormValue]]) -> aiohttp.MultipartWriter:
    writer = aiohttp.MultipartWriter("form-data")
    for name, value in fields:
        if isinstance(value, Recording):
            part = writer.append(
                value.data, {"Content-Type": value.media_type or "application/octet-stream"}
            )
            part.set_content_disposition(
                "form-data", name=name, filename=recording_filename(name, value)
            )
        else:
            part = writer.append(value)
            part.set_content_disposition("form-data", name=name)
    return writer


# --- URIs and origins -------------------------------------------------------------------------

_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(uri: str) -> str:
    """The origin of a URI as ``scheme://host[:port]`` (RFC 6454 §4), ``file://`` for files.

    Default ports are dropped and scheme and host lower-cased, so origins compare as strings.
    """
    if uri.startswith("/"):
        return "file://"
    parts = urlsplit(uri)
    scheme = parts.scheme.lower()
    if scheme == "file":
        return "file://"
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is None or port == _DEFAULT_PORTS.get(scheme):
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def _text_fields(fields: list[tuple[str, FormValue]]) -> list[tuple[str, str]]:
    return [(name, value) for name, value in fields if isinstance(value, str)]


def _with_query(url: str, fields: list[tuple[str, FormValue]]) -> str:
    if not fields:
        return url
    parts = urlsplit(url)
    query = urlencode(_text_fields(fields))
    joined = f"{parts.query}&{query}" if parts.query else query
    return urlunsplit(parts._replace(query=joined))


def _file_path(uri: str) -> str:
    if uri.startswith("/"):
        return uri.split("#")[0]
    parts = urlsplit(uri)
    if parts.netloc not in ("", "localhost"):
        raise _Failure(0, f"file: URI with a remote host {parts.netloc!r} is not supported")
    return url2pathname(parts.path)


def _media_type(headers: Mapping[str, str], url: str) -> str:
    content_type = headers.get("content-type", "")
    media_type = content_type.split(";")[0].strip().lower()
    return media_type or guess_media_type(url, "application/octet-stream")


def _validator(headers: Mapping[str, str], body: bytes, sha1: str | None = None) -> str:
    return (
        headers.get("etag")
        or headers.get("last-modified")
        or "sha1:" + (sha1 or hashlib.sha1(body, usedforsecurity=False).hexdigest())
    )


# --- the fetcher --------------------------------------------------------------------------------


class HttpFetcher:
    """A ``Fetcher`` for http(s) and file: URIs (and absolute paths), with an RFC 9111 cache.

    ``session`` is used if given (and left open); otherwise the fetcher creates its own on first
    use and closes it in ``close()`` (or on leaving ``async with``). A session keeps the cookies
    app servers set (the owned one also for servers addressed by IP), so give each call its own
    fetcher (they may share one ``HttpCache``): one call's cookies never reach another's.

    ``cache`` defaults to a new ``HttpCache``; its clock also times the exchanges. ``timeout_s``
    is used for a fetch whose ``attrs.timeout_s`` is not positive; ``max_timeout_s``, when given,
    bounds every fetch whatever its fetchtimeout (a platform limit). ``allowed_origins``
    (``scheme://host[:port]``, or ``file://`` for local files), when given, refuses every other
    origin, redirect hops included, with status 0 and a reason naming the origin. ``headers``
    go with every request (see the module docstring); the per-request ones win over them.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession | None = None,
        *,
        cache: HttpCache | None = None,
        timeout_s: float = 30.0,
        max_timeout_s: float | None = None,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        max_redirects: int = DEFAULT_MAX_REDIRECTS,
        allowed_origins: Iterable[str] | None = None,
        user_agent: str = USER_AGENT,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self._session = session
        self._owns_session = session is None
        self.cache = cache if cache is not None else HttpCache()
        self.timeout_s = timeout_s
        self.max_timeout_s = max_timeout_s
        self.max_body_bytes = max_body_bytes
        self.max_redirects = max_redirects
        self.allowed_origins = (
            None if allowed_origins is None else frozenset(map(origin_of, allowed_origins))
        )
        self.user_agent = user_agent
        self.headers = dict(headers or {})

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the session if this fetcher created it."""
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None

    @property
    def clock(self) -> Callable[[], float]:
        return self.cache.clock

    async def fetch(self, request: Fetch) -> Fetched | FetchFailed:
        """Fetch ``request`` within its fetchtimeout (VoiceXML 2.0 §6.1.1); never raises."""
        timeout_s = request.attrs.timeout_s if request.attrs.timeout_s > 0 else self.timeout_s
        if self.max_timeout_s is not None:
            timeout_s = min(timeout_s, self.max_timeout_s)
        try:
            async with asyncio.timeout(timeout_s):
                return await self._fetch(request)
        except _Failure as failure:
            return FetchFailed(request.uri, failure.status, failure.reason)
        except TimeoutError:
            return FetchFailed(request.uri, 0, f"timeout after {timeout_s:g}s")
        except (aiohttp.InvalidURL, ValueError) as exc:  # InvalidURL is also a ValueError
            return FetchFailed(request.uri, 0, f"invalid URI: {exc}")
        except aiohttp.ClientConnectorError as exc:
            return FetchFailed(request.uri, 0, f"cannot connect to {origin_of(request.uri)}: {exc}")
        except aiohttp.ClientError as exc:
            return FetchFailed(request.uri, 0, f"{type(exc).__name__}: {exc}")

    # -- dispatch

    async def _fetch(self, request: Fetch) -> Fetched | FetchFailed:
        uri = request.uri
        scheme = "" if uri.startswith("/") else urlsplit(uri).scheme.lower()
        if scheme in ("", "file"):
            if uri.startswith("//") or not uri.startswith(("/", "file:")):
                raise _Failure(0, f"not an absolute URI: {uri!r}")
            self._check_origin(uri)
            return await self._fetch_file(request)
        if scheme not in ("http", "https"):
            raise _Failure(0, f"unsupported URI scheme {scheme!r}")
        return await self._fetch_http(request)

    def _check_origin(self, uri: str) -> None:
        if self.allowed_origins is not None:
            origin = origin_of(uri)
            if origin not in self.allowed_origins:
                raise _Failure(0, f"origin {origin} is not allowed")

    # -- file:

    async def _fetch_file(self, request: Fetch) -> Fetched:
        """Read a local file: GET only (its params are ignored), no cache, the same size limit."""
        if request.method != "GET":
            raise _Failure(405, f"{request.method} is not supported for a file")
        path = _file_path(request.uri)
        content = await asyncio.to_thread(self._read_file, path)
        media_type = guess_media_type(path, "application/octet-stream")
        return Fetched(request.uri, content, media_type, _validator({}, content))

    def _read_file(self, path: str) -> bytes:
        try:
            with open(path, "rb") as file:
                size = os.fstat(file.fileno()).st_size
                if size > self.max_body_bytes:
                    raise _Failure(0, self._too_large(size))
                content = file.read(self.max_body_bytes + 1)
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise _Failure(404, f"no such file: {path}") from None
        except PermissionError:
            raise _Failure(403, f"permission denied: {path}") from None
        except OSError as exc:
            raise _Failure(0, f"cannot read {path}: {exc.strerror}") from None
        if len(content) > self.max_body_bytes:
            raise _Failure(0, self._too_large(len(content)))
        return content

    def _too_large(self, size: int | None) -> str:
        found = "" if size is None else f" ({size} bytes)"
        return f"body too large{found}: over the limit of {self.max_body_bytes} bytes"

    # -- http(s)

    async def _fetch_http(self, request: Fetch) -> Fetched | FetchFailed:
        url, fragment = urldefrag(request.uri)
        method: str = request.method
        fields = form_fields(request.params)
        has_recording = any(isinstance(value, Recording) for _, value in fields)
        enctype = request.enctype.split(";")[0].strip().lower()
        if enctype not in ("application/x-www-form-urlencoded", "multipart/form-data"):
            raise _Failure(0, f"unsupported enctype {request.enctype!r}")
        body: Callable[[], aiohttp.Payload | aiohttp.MultipartWriter] | None = None
        if method == "GET":
            if has_recording:
                raise _Failure(0, "a recording can only be submitted with method POST")
            url = _with_query(url, fields)
        elif enctype == "multipart/form-data" or has_recording:
            body = partial(_multipart, fields)  # a new body for each send (307/308 resend)
        else:
            encoded = urlencode(_text_fields(fields)).encode("ascii")
            body = partial(
                aiohttp.BytesPayload, encoded, content_type="application/x-www-form-urlencoded"
            )

        visited: set[tuple[str, str]] = set()
        while True:
            self._check_origin(url)
            if (method, url) in visited:
                raise _Failure(0, f"redirect loop at {url}")
            visited.add((method, url))
            response = await self._exchange(request, method, url, body)
            location = response.headers.get("location")
            if response.status in REDIRECT_STATUSES and location:
                if len(visited) > self.max_redirects:
                    raise _Failure(0, f"too many redirects (more than {self.max_redirects})")
                url, new_fragment = urldefrag(urljoin(url, location.strip()))
                fragment = new_fragment or fragment
                if urlsplit(url).scheme.lower() not in ("http", "https"):
                    raise _Failure(0, f"redirect to an unsupported URI: {url}")
                if response.status == 303 or (response.status in (301, 302) and method == "POST"):
                    method, body = "GET", None
                continue
            final_uri = f"{url}#{fragment}" if fragment else url
            if response.status >= 400:
                return FetchFailed(final_uri, response.status, f"HTTP {response.status}")
            if not 200 <= response.status < 300:
                return FetchFailed(final_uri, response.status, f"unexpected HTTP {response.status}")
            return Fetched(
                final_uri,
                response.body,
                _media_type(response.headers, url),
                _validator(response.headers, response.body, response.sha1),
            )

    async def _exchange(
        self,
        request: Fetch,
        method: str,
        url: str,
        body: Callable[[], aiohttp.Payload | aiohttp.MultipartWriter] | None,
    ) -> _Response:
        """One request/response, through the cache for GET (RFC 9111 §4)."""
        headers = {**self.headers, "Accept": ACCEPT.get(request.kind, "*/*"), "User-Agent": self.user_agent}
        directives = []
        if request.attrs.maxage is not None:
            directives.append(f"max-age={max(0, int(request.attrs.maxage))}")
        if request.attrs.maxstale is not None:
            directives.append(f"max-stale={max(0, int(request.attrs.maxstale))}")
        if directives:
            headers["Cache-Control"] = ", ".join(directives)

        lookup = None
        if method == "GET":
            lookup = self.cache.lookup(
                url, headers, maxage=request.attrs.maxage, maxstale=request.attrs.maxstale
            )
            if lookup is not None and lookup.usable:
                return self._from_cache(lookup.response)
            if lookup is not None:
                headers.update(lookup.conditional_headers)

        session = self._get_session()
        request_time = self.clock()
        async with session.request(
            method,
            url,
            headers=headers,
            data=None if body is None else body(),
            allow_redirects=False,
        ) as resp:
            response_time = self.clock()
            resp_headers = normalize_headers(resp.headers.items())
            if resp.status == 304 and lookup is not None and lookup.conditional_headers:
                freshened = self.cache.freshen(
                    lookup.response,
                    resp_headers,
                    request_time=request_time,
                    response_time=response_time,
                )
                if freshened is not None:
                    return self._from_cache(freshened)
            else:
                content = await self._read_body(resp)
                if method == "GET":
                    self.cache.store(
                        url,
                        resp.status,
                        resp_headers,
                        content,
                        request_time=request_time,
                        response_time=response_time,
                        request_headers=headers,
                    )
                elif resp.status < 400:  # RFC 9111 §4.4: unsafe methods invalidate
                    self.cache.invalidate(url)
                    if "location" in resp_headers:
                        self.cache.invalidate(urldefrag(urljoin(url, resp_headers["location"]))[0])
                return _Response(url, resp.status, resp_headers, content)
        # A 304 for another representation (RFC 9111 §4.3.4): fetch it again, unconditionally.
        return await self._exchange(request, method, url, body)

    def _from_cache(self, stored: StoredResponse) -> _Response:
        return _Response(stored.uri, stored.status, stored.headers, stored.body, stored.sha1)

    async def _read_body(self, resp: aiohttp.ClientResponse) -> bytes:
        if resp.content_length is not None and resp.content_length > self.max_body_bytes:
            raise _Failure(0, self._too_large(resp.content_length))
        content = bytearray()
        async for chunk in resp.content.iter_chunked(64 * 1024):
            content += chunk
            if len(content) > self.max_body_bytes:
                raise _Failure(0, self._too_large(None))
        return bytes(content)

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None:
            # unsafe=True: keep cookies from app servers addressed by IP (127.0.0.1, 10.x ...)
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=None),
                cookie_jar=aiohttp.CookieJar(unsafe=True),
            )
        return self._session
