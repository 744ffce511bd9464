"""The ``Fetcher`` protocol: how a runner answers the interpreter's ``Fetch`` actions.

The core asks for a resource with a ``Fetch`` action (VoiceXML 2.0 §6.1, fetching) and receives
``Fetched`` or ``FetchFailed``. Adapters implement this small protocol: ``HttpFetcher``
(``vxml_browser.adapters.http``) for http(s) and file: URIs, and ``DictFetcher``
(``vxml_browser.testing.fetcher``) for tests. This module has no I/O of its own.
"""

from __future__ import annotations

import posixpath
from typing import Protocol, runtime_checkable
from urllib.parse import urlsplit

from vxml_browser.core.actions import Fetch
from vxml_browser.core.inputs import Fetched, FetchFailed

# The media types of the resources a voice browser fetches (VoiceXML 2.0 Appendix K; SRGS 1.0
# Appendix G; RFC 4329), by file extension. Used when a response carries no Content-Type and for
# file: URIs. One table for every fetcher.
MEDIA_TYPES: dict[str, str] = {
    ".vxml": "application/voicexml+xml",
    ".grxml": "application/srgs+xml",
    ".gram": "application/srgs",
    ".js": "application/ecmascript",
    ".xml": "text/xml",
    ".ssml": "application/ssml+xml",
    ".pls": "application/pls+xml",
    ".json": "application/json",
    ".txt": "text/plain",
    ".html": "text/html",
    ".wav": "audio/wav",
    ".au": "audio/basic",
    ".ul": "audio/basic",
    ".mp3": "audio/mpeg",
    ".ogg": "audio/ogg",
}


def guess_media_type(uri: str, default: str = "") -> str:
    """The media type of ``uri`` from its path's extension (``MEDIA_TYPES``), else ``default``."""
    path = urlsplit(uri).path if "://" in uri or uri.startswith("file:") else uri.split("#")[0]
    return MEDIA_TYPES.get(posixpath.splitext(path)[1].lower(), default)


@runtime_checkable
class Fetcher(Protocol):
    """Fetches what a ``Fetch`` action names (VoiceXML 2.0 §6.1).

    ``fetch`` never raises for a failed fetch: network errors, time-outs (``attrs.timeout_s``,
    the fetchtimeout of §6.1.1) and HTTP errors come back as ``FetchFailed`` (status 0 when there
    is no HTTP status), which the interpreter turns into error.badfetch (§5.2.6).
    """

    async def fetch(self, request: Fetch) -> Fetched | FetchFailed:
        """Fetch ``request.uri`` (with its params, method and enctype) and answer the core."""
        ...
