"""A tiny aiohttp app server for the SIP end-to-end tests, run on a thread of the test process.

It serves the sample IVR (``ivr/``), takes the IVR's submits and uploads, hands out transfer
documents and receives call records; everything it gets is kept in ``AppServer.received``.
``AppServerThread`` is the real application server (``app_server``) with the sample apps, on a
loop thread too, its clock pinned in the sample apps' opening hours.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import urllib.request
from datetime import datetime
from pathlib import Path
from typing import Any

from aiohttp import web

HERE = os.path.dirname(__file__)
TUESDAY_10AM = datetime(2026, 11, 24, 10, 0)  # in the sample apps' opening hours

DOC = """<?xml version="1.0" encoding="UTF-8"?>
<vxml version="2.1" xmlns="http://www.w3.org/2001/vxml">{body}</vxml>"""


class AppServer:
    def __init__(self) -> None:
        self.received: dict[str, list[Any]] = {"result": [], "upload": [], "records": [],
                                               "transfer": []}
        self.transfer: dict[str, str] = {}
        self.files: dict[str, tuple[bytes, str]] = {}  # extra files under /ivr/ (made by tests)
        self.loop = asyncio.new_event_loop()
        self.port = 0
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.runner: web.AppRunner | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> AppServer:
        self.thread.start()
        self.ready.wait(10)
        return self

    def stop(self) -> None:
        async def cleanup() -> None:
            assert self.runner is not None
            await self.runner.cleanup()

        asyncio.run_coroutine_threadsafe(cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        app = web.Application()
        app.router.add_get("/ivr/{name}", self.static)
        app.router.add_post("/result", self.result)
        app.router.add_post("/upload", self.upload)
        app.router.add_route("*", "/agent", self.agent)
        app.router.add_post("/records", self.records)
        app.router.add_route("*", "/slow", self.slow)
        self.runner = web.AppRunner(app)
        self.loop.run_until_complete(self.runner.setup())
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        self.loop.run_until_complete(site.start())
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.ready.set()
        self.loop.run_forever()

    async def static(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["name"] in self.files:
            body, ctype = self.files[request.match_info["name"]]
            return web.Response(body=body, content_type=ctype)
        path = os.path.join(HERE, "ivr", request.match_info["name"])
        if not os.path.exists(path):
            raise web.HTTPNotFound()
        with open(path, "rb") as f:
            body = f.read()
        ctype = "application/voicexml+xml" if path.endswith(".vxml") else "audio/wav"
        return web.Response(body=body, content_type=ctype)

    async def result(self, request: web.Request) -> web.StreamResponse:
        form = dict(await request.post())
        if request.query.get("step"):
            form["step"] = request.query["step"]
        self.received["result"].append(form)
        return web.Response(text=DOC.format(body="<form><block><exit/></block></form>"),
                            content_type="application/voicexml+xml")

    async def upload(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        item: dict[str, Any] = {}
        for name, value in form.items():
            if isinstance(value, web.FileField):
                item[name] = {"filename": value.filename, "content_type": value.content_type,
                              "data": value.file.read()}
            else:
                item[name] = value
        self.received["upload"].append(item)
        return web.Response(text=DOC.format(
            body="<form><block><prompt>Thank you.</prompt><exit/></block></form>"),
            content_type="application/voicexml+xml")

    async def agent(self, request: web.Request) -> web.StreamResponse:
        t = self.transfer
        attrs = " ".join(f'{k}="{v}"' for k, v in t.items() if k not in ("after", "grammar"))
        prompt = "" if request.query.get("quiet") else "<prompt>Transferring you now.</prompt>"
        # "grammar": a <grammar> element for the transfer; the result then carries the input too
        filled = ('<submit next="/result?step=after" namelist="result" method="post"/>'
                  if "grammar" not in t else
                  '<var name="utterance" expr="result$.utterance"/><var name="inputmode" '
                  'expr="result$.inputmode"/><submit next="/result?step=after" '
                  'namelist="result utterance inputmode" method="post"/>')
        body = f"""<form id="xfer">
  <transfer name="result" {attrs}>
    {prompt}{t.get("grammar", "")}
    <filled>{filled}</filled>
  </transfer>
  <catch event="connection.disconnect.transfer"><submit next="/result?step=xfer" namelist="caller" method="post"/></catch>
  <catch event="error"><var name="err" expr="_event"/><submit next="/result?step=error" namelist="err" method="post"/></catch>
  <var name="caller" expr="'x'"/>
</form>"""
        self.received["transfer"].append(dict(request.query))
        return web.Response(text=DOC.format(body=body), content_type="application/voicexml+xml")

    async def slow(self, request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(2.5)
        return web.Response(text=DOC.format(body="<form><block><exit/></block></form>"),
                            content_type="application/voicexml+xml")

    async def records(self, request: web.Request) -> web.StreamResponse:
        self.received["records"].append(await request.json())
        return web.Response(text="ok")


class AppServerThread:
    """The real application server with the sample apps on 127.0.0.1 (a free port)."""

    def __init__(self, data_dir: str) -> None:
        from app_server.server import create_app
        from app_server.settings import Settings

        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        app = create_app(Settings(data_dir=Path(data_dir), clock=lambda: TUESDAY_10AM))
        self.runner = web.AppRunner(app)

        async def start() -> int:
            await self.runner.setup()
            site = web.TCPSite(self.runner, "127.0.0.1", 0)
            await site.start()
            return self.runner.addresses[0][1]

        self.port = self.run(start())

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def run(self, coro: Any, timeout: float = 30) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def record(self, call_id: str) -> dict[str, Any]:
        with urllib.request.urlopen(f"{self.base}/calls/{call_id}", timeout=5) as resp:
            return json.load(resp)

    def stop(self) -> None:
        self.run(self.runner.cleanup())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()
