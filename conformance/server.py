"""A local HTTP server for the suite (or the real-world corpus), bound to 127.0.0.1 on a free port.

URL paths mirror the directory: ``/vxml20/cudl-w3c/1001.vxml``. A ``.txml`` test is served
transformed (``transform.py``) under its own name and under its ``.vxml`` name (the tests link
both ways); everything else is served as it is, with its media type. Rebuilt server-side parts
(``helpers.py``) answer first. Nothing outside the root is ever served.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from aiohttp import web

from conformance.helpers import Handler
from conformance.transform import Transformer

MEDIA_TYPES: dict[str, str] = {
    ".vxml": "application/voicexml+xml",
    ".txml": "application/voicexml+xml",
    ".grxml": "application/srgs+xml",
    ".srgs": "application/srgs+xml",
    ".gram": "application/srgs",
    ".jsgf": "application/x-jsgf",
    ".js": "application/ecmascript",
    ".xml": "application/xml",
    ".wav": "audio/wav",
    ".au": "audio/basic",
    ".mp3": "audio/mpeg",
    ".ulaw": "audio/basic",
    ".txt": "text/plain",
}
"""File suffix -> media type; anything else is application/octet-stream."""

_TEXT_TYPES = {"application/voicexml+xml", "application/srgs+xml", "application/srgs",
               "application/x-jsgf", "application/ecmascript", "application/xml", "text/plain"}

ROOT_KEY = web.AppKey("root", Path)
TRANSFORMER_KEY = web.AppKey("transformer", Transformer)
HELPERS_KEY = web.AppKey("helpers", dict)


def media_type(name: str) -> str:
    """The media type the server sends for a file name."""
    return MEDIA_TYPES.get(PurePosixPath(name).suffix.lower(), "application/octet-stream")


def resolve(root: Path, url_path: str, *, transform: bool) -> tuple[Path, bool] | None:
    """The file a URL path names and whether it is served transformed; None when there is none.

    With ``transform``: ``X.txml`` is transformed, and ``X.vxml`` is ``X.txml`` transformed when
    no ``X.vxml`` file exists. Paths that leave ``root`` resolve to None.
    """
    rel = PurePosixPath(url_path.lstrip("/"))
    if any(part in ("..", "") for part in rel.parts) or rel.is_absolute():
        return None
    path = (root / rel).resolve()
    try:
        path.relative_to(root.resolve())
    except ValueError:
        return None
    if path.is_file():
        return path, transform and path.suffix == ".txml"
    if transform and path.suffix == ".vxml":
        txml = path.with_suffix(".txml")
        if txml.is_file():
            return txml, True
    return None


async def _serve(request: web.Request) -> web.StreamResponse:
    app = request.app
    tail = request.match_info["tail"]
    helper = app[HELPERS_KEY].get(tail)
    if helper is not None:
        return await helper(request)
    transformer = app.get(TRANSFORMER_KEY)
    found = resolve(app[ROOT_KEY], tail, transform=transformer is not None)
    if found is None:
        raise web.HTTPNotFound(text=f"no such test resource: /{tail}")
    path, transformed = found
    if transformed and transformer is not None:
        try:
            body = await asyncio.get_running_loop().run_in_executor(None, transformer.transform, path)
        except Exception as exc:  # a malformed .txml: the browser should see a server error
            raise web.HTTPInternalServerError(text=f"transform of {path.name} failed: {exc}") from exc
        ctype = MEDIA_TYPES[".vxml"]
    else:
        body = path.read_bytes()
        ctype = media_type(path.name)
    charset = "utf-8" if ctype in _TEXT_TYPES and transformed else None
    return web.Response(body=body, content_type=ctype, charset=charset)


def make_app(root: Path, *, transformer: Transformer | None = None,
             helpers: Mapping[str, Handler] | None = None) -> web.Application:
    """The aiohttp application serving ``root`` (GET and POST; query strings are ignored)."""
    app = web.Application()
    app[ROOT_KEY] = root
    if transformer is not None:
        app[TRANSFORMER_KEY] = transformer
    app[HELPERS_KEY] = dict(helpers or {})
    app.router.add_route("GET", "/{tail:.*}", _serve)
    app.router.add_route("POST", "/{tail:.*}", _serve)
    return app


class LocalServer:
    """An async context manager running an app on 127.0.0.1, port chosen by the OS.

    ``base_url`` ends with a slash: ``http://127.0.0.1:PORT/``.
    """

    def __init__(self, app: web.Application) -> None:
        self._app = app
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    async def __aenter__(self) -> LocalServer:
        self._runner = web.AppRunner(self._app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None and server.sockets  # type: ignore[union-attr]
        port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}/"
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
