"""A voice browser's limits, from the ``[limits]`` table of a TOML file or command-line flags.

    [limits]
    script_time_s = 5.0               # per ECMAScript evaluation: error.semantic.timeout
    script_memory_bytes = 67108864    # ECMAScript heap per call: error.noresource
    max_steps = 10000                 # FIA iterations without waiting for the caller: error.semantic
    max_document_bytes = 4194304      # a VoiceXML document: error.badfetch
    max_grammar_bytes = 4194304       # an SRGS grammar (XML or ABNF): error.badfetch
    fetch_timeout_s = 30.0            # a fetch that names no fetchtimeout
    max_fetch_time_s = 120.0          # any fetch, whatever fetchtimeout says: error.badfetch
    max_fetch_bytes = 8388608         # a fetched body: error.badfetch
    max_recording_bytes = 16777216    # <record> audio as captured (16-bit PCM): ends it, maxtime
    allowed_origins = []              # origins fetches may reach besides the app's; ["*"]: any

A call may always fetch from the origin (RFC 6454: scheme, host, port) of its first document,
the application's URL; ``allowed_origins`` adds others. So the default, ``[]``, is the safe one:
a submit, ``<data>``, goto, grammar, script or audio fetch to another origin, redirects
included, fails with error.badfetch and the other server sees no request, so no namelist leaks
to a host the application did not come from. List the other origins the application uses
(``"https://cdn.example"``, ``"file://"`` for local files), or write ``["*"]`` to allow all.

The SIP platform reads the table from its config file (``sip/config.py``); ``vxml-browser
console`` and ``python -m app_server.run_platform`` from ``--limits FILE`` (only its
``[limits]`` table is read), with ``--allow-origin`` adding origins.
"""

from __future__ import annotations

import argparse
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from ..core.model.document import MAX_DOCUMENT_BYTES
from .cache import HttpCache
from .http import DEFAULT_MAX_BODY_BYTES, HttpFetcher, origin_of

ANY_ORIGIN = "*"


@dataclass(frozen=True, slots=True)
class BrowserLimits:
    """What one call may use; each field is a key of the ``[limits]`` table."""

    script_time_s: float = 5.0
    script_memory_bytes: int = 64 * 1024 * 1024
    max_steps: int = 10_000
    max_document_bytes: int = MAX_DOCUMENT_BYTES
    max_grammar_bytes: int = MAX_DOCUMENT_BYTES
    fetch_timeout_s: float = 30.0
    max_fetch_time_s: float = 120.0
    max_fetch_bytes: int = DEFAULT_MAX_BODY_BYTES
    max_recording_bytes: int = 16 * 1024 * 1024
    allowed_origins: tuple[str, ...] = ()

    def session_options(self) -> dict[str, Any]:
        """Keyword arguments for the core's ``Session``."""
        return {
            "script_time_limit_s": self.script_time_s,
            "script_memory_limit": self.script_memory_bytes,
            "max_steps": self.max_steps,
            "max_document_bytes": self.max_document_bytes,
            "max_grammar_bytes": self.max_grammar_bytes,
        }

    def origins_for(self, app_uri: str) -> tuple[str, ...] | None:
        """The origins a call that starts at ``app_uri`` may fetch from: its own and the
        allowed ones; ``None``: any."""
        if ANY_ORIGIN in self.allowed_origins:
            return None
        return (origin_of(app_uri), *self.allowed_origins)

    def fetcher(self, app_uri: str, *, cache: HttpCache | None = None,
                headers: Mapping[str, str] | None = None) -> HttpFetcher:
        """A call's ``HttpFetcher`` under these limits (give each call its own: cookies), sending
        ``headers`` with every request (the SIP platform's ``X-Call-ID``)."""
        return HttpFetcher(cache=cache, timeout_s=self.fetch_timeout_s,
                           max_timeout_s=self.max_fetch_time_s, max_body_bytes=self.max_fetch_bytes,
                           allowed_origins=self.origins_for(app_uri), headers=headers)


def recording_cap(captured_bytes: int, max_bytes: int) -> tuple[int, bool]:
    """``max_recording_bytes`` applied to a ``<record>`` that has captured ``captured_bytes`` of
    16-bit PCM: the bytes it keeps (whole samples, at most ``max_bytes``; 0: no cap) and whether
    it reached the cap, which ends the recording as maxtime does (the ``maxtime`` shadow
    variable true; VoiceXML 2.0 §2.3.6 leaves the default maxtime to the platform). The SIP and
    console platforms both record under this rule."""
    if max_bytes and captured_bytes >= max_bytes:
        return max_bytes - max_bytes % 2, True
    return captured_bytes - captured_bytes % 2, False


_DEFAULTS = {f.name: f.default for f in fields(BrowserLimits)}


def limits_from_table(table: dict[str, Any], where: str = "[limits]") -> BrowserLimits:
    """``BrowserLimits`` from a ``[limits]`` table; an unknown key or a bad value is an error."""
    unknown = set(table) - set(_DEFAULTS)
    if unknown:
        raise ValueError(f"{where}: unknown [limits] settings {sorted(unknown)}; "
                         f"expected {', '.join(_DEFAULTS)}")
    values: dict[str, Any] = {}
    for key, value in table.items():
        kind = type(_DEFAULTS[key])
        if kind is tuple:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ValueError(f"{where}: [limits] {key} must be a list of origins, not {value!r}")
            values[key] = tuple(value)
        elif isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0 or (
                kind is int and not isinstance(value, int)):
            raise ValueError(f"{where}: [limits] {key} must be a positive {kind.__name__}, not {value!r}")
        else:
            values[key] = kind(value)
    return BrowserLimits(**values)


def load_limits(path: str | None, allow: list[str] | None = None) -> BrowserLimits:
    """The ``[limits]`` table of the TOML file at ``path`` (defaults without one), with the
    origins in ``allow`` added to ``allowed_origins``."""
    limits = BrowserLimits()
    if path:
        with open(path, "rb") as f:
            limits = limits_from_table(tomllib.load(f).get("limits", {}), path)
    if allow:
        limits = replace(limits, allowed_origins=(*limits.allowed_origins, *allow))
    return limits


def add_limit_arguments(parser: argparse.ArgumentParser) -> None:
    """``--limits FILE`` and ``--allow-origin ORIGIN`` (see ``limits_from_args``)."""
    parser.add_argument("--limits", metavar="FILE",
                        help="a TOML file whose [limits] table sets the browser's limits")
    parser.add_argument("--allow-origin", action="append", metavar="ORIGIN",
                        help="an origin fetches may reach besides the app's own (repeatable; * for any)")


def limits_from_args(args: argparse.Namespace) -> BrowserLimits:
    return load_limits(args.limits, args.allow_origin)
