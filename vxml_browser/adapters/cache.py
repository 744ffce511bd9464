"""An in-memory private HTTP cache (RFC 9111) with VoiceXML's maxage and maxstale.

The cache does no I/O: ``HttpFetcher`` asks it for a stored response (``lookup``), sends the
conditional request it suggests, and hands back what the origin said (``store`` for a full
response, ``freshen`` for a 304). Time comes from an injected ``clock`` so tests need no sleeps.

What it implements, by section:

- RFC 9111 §3: which responses are stored (GET only; final statuses it understands; not
  ``no-store``; ``Vary: *`` never); header fields that are not stored (§3.1); bounded size with
  least-recently-used eviction.
- §4.1: a stored response is only reused for a request whose ``Vary`` header fields match.
- §4.2.1 freshness lifetime: ``max-age`` (this is a private cache, so ``s-maxage`` is ignored),
  else ``Expires`` minus ``Date``; §4.2.2 heuristic freshness when neither is present: a fraction
  (10 %) of the time since ``Last-Modified``, capped (a day by default).
- §4.2.3 age: ``Age``, ``Date``, request and response times, resident time.
- §4.3 validation: ``If-None-Match`` from ``ETag``, ``If-Modified-Since`` from ``Last-Modified``;
  §4.3.4 a 304 freshens the stored response (its header fields are updated, §3.2).
- §4.4: a non-error response to POST invalidates the stored response of its target URI.
- §5.2.2: ``no-store``, ``no-cache`` (stored, but always validated before reuse),
  ``must-revalidate`` (never served stale, whatever maxstale says).

VoiceXML 2.0 §6.1.2.1 (controlling the caching policy) maps the ``maxage`` and ``maxstale``
attributes and properties onto the HTTP request directives of RFC 9111 §5.2.1.1 and §5.2.1.2:
a stored response is used only if its age is at most ``maxage`` seconds and it is fresh, or stale
by at most ``maxstale`` seconds. ``maxage=0`` always validates with the origin (the common
"reload" meaning of ``max-age=0``, even when the clock has not moved).
"""

from __future__ import annotations

import hashlib
import re
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC
from email.utils import formatdate, parsedate_to_datetime

Headers = Mapping[str, str]
"""Header fields with lower-case names; repeated fields joined with ", " (RFC 9110 §5.3)."""

HEURISTICALLY_CACHEABLE = frozenset({200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501})
"""Statuses that may be stored without explicit freshness (RFC 9110 §15.1, RFC 9111 §4.2.2)."""

UNDERSTOOD = HEURISTICALLY_CACHEABLE | {302, 307}
"""Final statuses this cache understands and stores when explicit freshness allows it (§3)."""

NOT_STORED = frozenset(
    {
        # hop-by-hop and connection-specific fields (RFC 9111 §3.1, RFC 9110 §7.6.1)
        "connection",
        "keep-alive",
        "proxy-connection",
        "te",
        "transfer-encoding",
        "upgrade",
        "trailer",
        "proxy-authenticate",
        "proxy-authentication-info",
        "proxy-authorization",
        # the stored body is already decoded by the client, so its framing fields no longer apply
        "content-length",
        "content-encoding",
        "set-cookie",
    }
)

DELTA_SECONDS_MAX = 2**31
"""The largest delta-seconds value (RFC 9111 §1.2.2)."""

_DIRECTIVE = re.compile(
    r"""\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)          # directive name (a token)
        \s*(?:=\s*("(?:[^"\\]|\\.)*"|[^,\s]*))?    # optional value: quoted-string or token
        \s*(?:,|$)""",
    re.VERBOSE,
)


def parse_cache_control(value: str | None) -> dict[str, str | None]:
    """Cache-Control directives by lower-case name (RFC 9111 §5.2); the first of duplicates wins."""
    directives: dict[str, str | None] = {}
    if not value:
        return directives
    for match in _DIRECTIVE.finditer(value):
        name, arg = match.group(1).lower(), match.group(2)
        if arg is not None and arg.startswith('"'):
            arg = re.sub(r"\\(.)", r"\1", arg[1:-1])
        directives.setdefault(name, arg)
    return directives


def delta_seconds(value: str | None) -> int | None:
    """A delta-seconds value (RFC 9111 §1.2.2), or ``None`` when absent or invalid."""
    if value is None or not value.isdigit():
        return None
    return min(int(value), DELTA_SECONDS_MAX)


def parse_http_date(value: str | None) -> float | None:
    """An HTTP-date (RFC 9110 §5.6.7) as a POSIX timestamp, or ``None`` when invalid."""
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed.tzinfo is None:  # "-0000" and obsolete forms: HTTP dates are always GMT
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def format_http_date(timestamp: float) -> str:
    """A POSIX timestamp as an IMF-fixdate (RFC 9110 §5.6.7)."""
    return formatdate(timestamp, usegmt=True)


def normalize_headers(items: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Header fields with lower-case names, repeated fields combined (RFC 9110 §5.3)."""
    headers: dict[str, str] = {}
    for name, value in items:
        key = name.lower()
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return headers


@dataclass(frozen=True, slots=True, eq=False)
class StoredResponse:
    """A response in the cache (RFC 9111 §3) with the times of the exchange that brought it.

    ``request_time`` and ``response_time`` are the clock readings when the request was sent and
    the response received (§4.2.3); ``vary`` holds the request's values of the header fields the
    response's ``Vary`` names (§4.1). The parsed ``cache_control``, ``date_value`` and the body's
    ``sha1`` are computed once, so that a cache hit parses nothing.
    """

    uri: str
    status: int
    headers: Headers
    body: bytes
    request_time: float
    response_time: float
    vary: tuple[tuple[str, str | None], ...] = ()
    cache_control: dict[str, str | None] = field(init=False)
    date_value: float = field(init=False)
    sha1: str = field(init=False)

    def __post_init__(self) -> None:
        date_value = parse_http_date(self.headers.get("date"))
        cache_control = parse_cache_control(self.headers.get("cache-control"))
        sha1 = hashlib.sha1(self.body, usedforsecurity=False).hexdigest()
        object.__setattr__(self, "cache_control", cache_control)
        object.__setattr__(
            self, "date_value", self.response_time if date_value is None else date_value
        )
        object.__setattr__(self, "sha1", sha1)

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")


@dataclass(frozen=True, slots=True)
class CacheLookup:
    """What the cache has for a request.

    ``usable`` means the stored ``response`` may be used without contacting the origin (RFC 9111
    §4). Otherwise send the request with ``conditional_headers`` (§4.3.1; empty when the response
    has no validator) and give the answer to ``HttpCache.freshen`` (a 304) or ``store``.
    """

    response: StoredResponse
    usable: bool
    age: float
    conditional_headers: Mapping[str, str] = field(default_factory=dict)


def current_age(response: StoredResponse, now: float) -> float:
    """The current age of a stored response (RFC 9111 §4.2.3), in seconds."""
    age_value = delta_seconds(response.headers.get("age")) or 0
    apparent_age = max(0.0, response.response_time - response.date_value)
    response_delay = response.response_time - response.request_time
    corrected_age_value = age_value + response_delay
    corrected_initial_age = max(apparent_age, corrected_age_value)
    resident_time = now - response.response_time
    return corrected_initial_age + resident_time


def freshness_lifetime(
    response: StoredResponse, *, heuristic_fraction: float = 0.1, heuristic_max_s: float = 86400.0
) -> float:
    """The freshness lifetime of a stored response (RFC 9111 §4.2.1), in seconds.

    A private cache uses ``max-age``, else ``Expires`` minus ``Date`` (an invalid ``Expires``
    means already expired). Without either, a heuristic (§4.2.2) applies to heuristically
    cacheable statuses (or ``public`` responses): ``heuristic_fraction`` of the time between
    ``Last-Modified`` and ``Date``, at most ``heuristic_max_s``; no ``Last-Modified``, no heuristic.
    """
    cc = response.cache_control
    if "max-age" in cc:
        return float(delta_seconds(cc["max-age"]) or 0)
    date_value = response.date_value
    if "expires" in response.headers:
        expires = parse_http_date(response.headers["expires"])
        return 0.0 if expires is None else max(0.0, expires - date_value)
    if response.status not in HEURISTICALLY_CACHEABLE and "public" not in cc:
        return 0.0
    last_modified = parse_http_date(response.last_modified)
    if last_modified is None:
        return 0.0
    return min(heuristic_max_s, max(0.0, (date_value - last_modified) * heuristic_fraction))


def is_storable(status: int, headers: Headers, request_headers: Headers | None = None) -> bool:
    """Whether a response to GET may be stored by a private cache (RFC 9111 §3).

    The status must be final and understood; neither request nor response says ``no-store``;
    ``Vary: *`` never matches a later request (§4.1), so such a response is not kept; and the
    response needs explicit freshness, a validator-free heuristic status, or ``public``.
    """
    if status not in UNDERSTOOD:
        return False
    cc = parse_cache_control(headers.get("cache-control"))
    request_cc = parse_cache_control((request_headers or {}).get("cache-control"))
    if "no-store" in cc or "no-store" in request_cc:
        return False
    if any(name.strip() == "*" for name in headers.get("vary", "").split(",")):
        return False
    return (
        "max-age" in cc
        or "expires" in headers
        or "public" in cc
        or "private" in cc
        or "no-cache" in cc
        or status in HEURISTICALLY_CACHEABLE
    )


def _vary_names(headers: Headers) -> list[str]:
    return [name.strip().lower() for name in headers.get("vary", "").split(",") if name.strip()]


def _vary_values(
    names: Iterable[str], request_headers: Headers
) -> tuple[tuple[str, str | None], ...]:
    lowered = {k.lower(): v for k, v in request_headers.items()}
    return tuple(
        (name, " ".join(lowered[name].split()) if name in lowered else None) for name in names
    )


class HttpCache:
    """A bounded, least-recently-used, in-memory private HTTP cache (RFC 9111), keyed by URI.

    ``max_entries`` and ``max_bytes`` (the sum of stored bodies) bound it; a body larger than
    ``max_bytes`` is never stored. ``clock`` gives the time in seconds (``time.time`` by default;
    tests pass a fake). ``hits``, ``misses`` and ``validations`` count lookups for monitoring.
    """

    def __init__(
        self,
        *,
        max_entries: int = 512,
        max_bytes: int = 64 * 1024 * 1024,
        clock: Callable[[], float] = time.time,
        heuristic_fraction: float = 0.1,
        heuristic_max_s: float = 86400.0,
    ) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.clock = clock
        self.heuristic_fraction = heuristic_fraction
        self.heuristic_max_s = heuristic_max_s
        self._entries: OrderedDict[str, StoredResponse] = OrderedDict()
        self._bytes = 0
        self.hits = 0
        self.misses = 0
        self.validations = 0

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, uri: object) -> bool:
        return uri in self._entries

    @property
    def size_bytes(self) -> int:
        """The total size of the stored bodies."""
        return self._bytes

    def get(self, uri: str) -> StoredResponse | None:
        """The stored response for ``uri``, if any, without touching LRU order or counters."""
        return self._entries.get(uri)

    def freshness_lifetime(self, response: StoredResponse) -> float:
        """RFC 9111 §4.2.1 with this cache's heuristic settings."""
        return freshness_lifetime(
            response,
            heuristic_fraction=self.heuristic_fraction,
            heuristic_max_s=self.heuristic_max_s,
        )

    def lookup(
        self,
        uri: str,
        request_headers: Headers | None = None,
        *,
        maxage: float | None = None,
        maxstale: float | None = None,
    ) -> CacheLookup | None:
        """What the cache holds for a GET of ``uri``; ``None`` on a miss.

        The policy of VoiceXML 2.0 §6.1.2.1 with the request directives of RFC 9111 §5.2.1.1
        (``maxage``) and §5.2.1.2 (``maxstale``): the stored response is usable if its age is at
        most ``maxage`` (``maxage <= 0`` always validates) and it is fresh, or stale by at most
        ``maxstale`` unless it says ``must-revalidate``; ``no-cache`` always validates (§5.2.2.4).
        """
        stored = self._entries.get(uri)
        if stored is None or (
            stored.vary
            and stored.vary
            != _vary_values((name for name, _ in stored.vary), request_headers or {})
        ):
            self.misses += 1
            return None
        self._entries.move_to_end(uri)
        now = self.clock()
        age = current_age(stored, now)
        lifetime = self.freshness_lifetime(stored)
        cc = stored.cache_control
        usable = "no-cache" not in cc and (maxage is None or (maxage > 0 and age <= maxage))
        if usable and age >= lifetime:  # stale (RFC 9111 §4.2: fresh iff lifetime > age)
            usable = (
                maxstale is not None and age - lifetime <= maxstale and "must-revalidate" not in cc
            )
        if usable:
            self.hits += 1
            return CacheLookup(stored, True, age)
        self.validations += 1
        conditional: dict[str, str] = {}
        if stored.etag:
            conditional["If-None-Match"] = stored.etag
        if stored.last_modified:
            conditional["If-Modified-Since"] = stored.last_modified
        return CacheLookup(stored, False, age, conditional)

    def store(
        self,
        uri: str,
        status: int,
        headers: Headers,
        body: bytes,
        *,
        request_time: float,
        response_time: float,
        request_headers: Headers | None = None,
    ) -> StoredResponse | None:
        """Store a full response to GET of ``uri`` if RFC 9111 §3 allows; return what was stored.

        A response that may not be stored still replaces (removes) an older stored one.
        """
        headers = {k.lower(): v for k, v in headers.items()}
        if not is_storable(status, headers, request_headers) or len(body) > self.max_bytes:
            self.invalidate(uri)
            return None
        kept = {k: v for k, v in headers.items() if k not in NOT_STORED}
        if parse_http_date(kept.get("date")) is None:
            # RFC 9110 §6.6.1: a recipient with a clock records when a Date-less response came
            kept["date"] = format_http_date(response_time)
        stored = StoredResponse(
            uri=uri,
            status=status,
            headers=kept,
            body=body,
            request_time=request_time,
            response_time=response_time,
            vary=_vary_values(_vary_names(kept), request_headers or {}),
        )
        self._put(uri, stored)
        return stored

    def freshen(
        self,
        stored: StoredResponse,
        headers: Headers,
        *,
        request_time: float,
        response_time: float,
    ) -> StoredResponse | None:
        """Freshen ``stored`` with a 304 Not Modified (RFC 9111 §4.3.4); return the update.

        The 304's header fields replace the stored ones (§3.2), except those never stored and
        ``Content-Length``; its exchange times restart the age. If the 304 names a different
        strong ``ETag`` it is not about this response: the entry is dropped and ``None`` returned
        so the caller fetches the resource again unconditionally.
        """
        headers = {k.lower(): v for k, v in headers.items()}
        new_etag = headers.get("etag")
        if new_etag and stored.etag and not new_etag.startswith("W/") and new_etag != stored.etag:
            self.invalidate(stored.uri)
            return None
        merged = dict(stored.headers)
        merged.update({k: v for k, v in headers.items() if k not in NOT_STORED})
        if parse_http_date(headers.get("date")) is None:
            merged["date"] = format_http_date(response_time)
        if "age" not in headers:
            merged.pop("age", None)  # the new exchange restarts the age (§4.2.3)
        updated = replace(
            stored, headers=merged, request_time=request_time, response_time=response_time
        )
        if "no-store" in parse_cache_control(merged.get("cache-control")):
            self.invalidate(stored.uri)
            return updated
        self._put(stored.uri, updated)
        return updated

    def invalidate(self, uri: str) -> None:
        """Forget the stored response for ``uri`` (RFC 9111 §4.4)."""
        stored = self._entries.pop(uri, None)
        if stored is not None:
            self._bytes -= len(stored.body)

    def clear(self) -> None:
        """Forget everything."""
        self._entries.clear()
        self._bytes = 0

    def _put(self, uri: str, stored: StoredResponse) -> None:
        self.invalidate(uri)
        self._entries[uri] = stored
        self._bytes += len(stored.body)
        while self._entries and (
            len(self._entries) > self.max_entries or self._bytes > self.max_bytes
        ):
            _, evicted = self._entries.popitem(last=False)
            self._bytes -= len(evicted.body)
