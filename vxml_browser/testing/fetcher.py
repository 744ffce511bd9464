"""``DictFetcher``: an in-memory ``Fetcher`` for interpreter tests (like Jinja2's ``DictLoader``).

Documents, grammars and scripts live in a dict keyed by URI, so tests need no files and no
server; the fetcher keeps every ``Fetch`` it received in ``requests`` for assertions.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from urllib.parse import urldefrag

from vxml_browser.adapters.fetcher import guess_media_type
from vxml_browser.core.actions import Fetch
from vxml_browser.core.inputs import Fetched, FetchFailed

Resource = bytes | str | tuple[int, ...]
"""Content (``str`` is encoded as UTF-8), or ``(status,)``: a fetch that fails with ``status``
(0 stands for a network error or time-out)."""


class DictFetcher:
    """A ``Fetcher`` answering from ``mapping`` (URI -> content); a missing URI is a 404.

    A URI is looked up as given, then without its fragment. ``Fetched.media_type`` is guessed
    from the extension (``.vxml`` -> application/voicexml+xml, ``.grxml`` ->
    application/srgs+xml, ``.gram`` -> application/srgs, ``.js`` -> application/ecmascript,
    ``.xml`` -> text/xml; see ``MEDIA_TYPES``); the validator is a sha1 of the content, so a
    changed entry is a new document for the interpreter's document cache.
    """

    def __init__(self, mapping: Mapping[str, Resource] | None = None) -> None:
        self.mapping: dict[str, Resource] = dict(mapping or {})
        self.requests: list[Fetch] = []

    @property
    def uris(self) -> list[str]:
        """The URIs of the requests received, in order."""
        return [request.uri for request in self.requests]

    async def fetch(self, request: Fetch) -> Fetched | FetchFailed:
        """Answer ``request`` from the mapping and record it in ``requests``."""
        self.requests.append(request)
        uri = request.uri
        resource = self.mapping.get(uri)
        if resource is None:
            resource = self.mapping.get(urldefrag(uri)[0])
        if resource is None:
            return FetchFailed(uri, 404, f"no such resource: {uri}")
        if isinstance(resource, tuple):
            status = resource[0] if resource else 0
            return FetchFailed(uri, status, f"HTTP {status}" if status else "network error")
        content = resource.encode("utf-8") if isinstance(resource, str) else resource
        return Fetched(
            uri,
            content,
            guess_media_type(uri, "application/octet-stream"),
            "sha1:" + hashlib.sha1(content, usedforsecurity=False).hexdigest(),
        )
