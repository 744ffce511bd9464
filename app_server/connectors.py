"""HTTP back ends (JSON or XML) through aiohttp's client, with a time-out per try and retries.

A failure that outlasts the retries raises ``BackendError``; the page handler does not catch
it: the server turns it into the app's spoken apology and an error log (``server.py``).
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import aiohttp
from lxml import etree

from .settings import ServiceSettings

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({502, 503, 504})


class BackendError(Exception):
    """A back end (database or HTTP service) could not answer."""


class HttpService:
    """One named HTTP back end. ``await svc.get_json("/nav", fund="X")``."""

    def __init__(self, name: str, settings: ServiceSettings, session: aiohttp.ClientSession) -> None:
        self.name = name
        self.settings = settings
        self.session = session

    async def request(self, method: str, path: str, *, params: dict[str, Any] | None = None,
                      json_body: Any = None) -> tuple[int, bytes, str]:
        url = self.settings.url.rstrip("/") + "/" + path.lstrip("/")
        tries = self.settings.retries + 1
        last = ""
        for attempt in range(tries):
            try:
                timeout = aiohttp.ClientTimeout(total=self.settings.timeout_s)
                async with self.session.request(method, url, params=params, json=json_body,
                                                timeout=timeout) as resp:
                    body = await resp.read()
                    if resp.status in RETRY_STATUSES:
                        last = f"HTTP {resp.status}"
                    elif resp.status >= 400:
                        raise BackendError(f"{self.name}: {method} {url}: HTTP {resp.status}")
                    else:
                        return resp.status, body, resp.content_type
            except (aiohttp.ClientError, TimeoutError) as exc:
                last = f"{type(exc).__name__}: {exc}"
            if attempt + 1 < tries:
                await asyncio.sleep(min(0.05 * 2**attempt, 1.0))
            log.warning("service %s: %s %s failed (%s), try %d of %d", self.name, method, url, last,
                        attempt + 1, tries)
        raise BackendError(f"{self.name}: {method} {url}: {last} after {tries} tries")

    async def get_json(self, path: str, **params: Any) -> Any:
        _, body, _ = await self.request("GET", path, params=params or None)
        try:
            return json.loads(body)
        except ValueError as exc:
            raise BackendError(f"{self.name}: {path}: not JSON: {exc}") from exc

    async def post_json(self, path: str, body: Any) -> Any:
        _, raw, _ = await self.request("POST", path, json_body=body)
        return json.loads(raw) if raw else None

    async def get_xml(self, path: str, **params: Any) -> Any:
        _, body, _ = await self.request("GET", path, params=params or None)
        try:
            parser = etree.XMLParser(resolve_entities=False, no_network=True)
            return etree.fromstring(body, parser)
        except etree.XMLSyntaxError as exc:
            raise BackendError(f"{self.name}: {path}: not XML: {exc}") from exc
