"""The fetcher a conformance call uses: the real HTTP fetcher behind a small URL policy.

Some suite documents hard-code the original test server (``http://localhost/vxml/528a2.vxml``);
those are mapped to the test's folder on the local server. Every other host except the local
server is answered with a network failure at once: a conformance run makes no outside requests
(``http://gaga``, ``http://www.tellme.com/not_found`` are meant to fail anyway).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from vxml_browser.core.actions import Fetch
from vxml_browser.core.inputs import Fetched, FetchFailed

ORIGINAL_TEST_SERVER = "http://localhost/vxml/"
LOCAL_HOSTS = frozenset({"127.0.0.1"})


def rewrite(uri: str, folder_url: str) -> str | None:
    """The URI to fetch instead of ``uri``, or None when it must not be fetched at all."""
    if uri.startswith(ORIGINAL_TEST_SERVER):
        return folder_url + uri[len(ORIGINAL_TEST_SERVER):]
    parts = urlsplit(uri)
    if parts.scheme in ("http", "https") and parts.hostname not in LOCAL_HOSTS:
        return None
    return uri


class SuiteFetcher:
    """Wraps a ``Fetcher``: maps the original test server to ``folder_url``, refuses other hosts."""

    def __init__(self, inner: Any, folder_url: str) -> None:
        self._inner = inner
        self.folder_url = folder_url
        self.refused: list[str] = []

    async def fetch(self, fetch: Fetch) -> Fetched | FetchFailed:
        """Fetch through the inner fetcher after the URL policy."""
        uri = rewrite(fetch.uri, self.folder_url)
        if uri is None:
            self.refused.append(fetch.uri)
            return FetchFailed(fetch.uri, 0, "external host: conformance runs stay on 127.0.0.1")
        result: Fetched | FetchFailed = await self._inner.fetch(replace(fetch, uri=uri))
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)
