"""The web phone: ``GET /phone``, a page that calls the platform's apps from a browser over
WebRTC (``webui/phone.js`` on ``webui/softphone.js``, JsSIP from npm), and ``/webui/...``, the
browser modules and the npm assets ``make install`` puts in ``webui/vendor`` (not committed).

The page dials ``[phone] numbers`` at ``[phone] domain`` through the SIP WebSocket
``[phone] ws_url`` (the WebRTC edge ``vxml-platform up`` starts); without a ``ws_url`` it says
how to get one.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from .keys import PHONE_ENV, SETTINGS

WEBUI = Path(__file__).resolve().parent.parent / "webui"
TEMPLATES = Path(__file__).resolve().parent / "templates" / "phone"


async def phone_page(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    numbers = settings.phone_numbers
    default = next(iter(numbers), "1000")
    config = {"ws": settings.phone_ws_url, "domain": settings.phone_domain, "numbers": numbers,
              "default_number": default}
    body = request.app[PHONE_ENV].get_template("phone.html.j2").render(
        ws_url=settings.phone_ws_url, default_number=default, config=config)
    return web.Response(text=body, content_type="text/html", headers={"Cache-Control": "no-store"})


def setup_phone(root: web.Application) -> None:
    root[PHONE_ENV] = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True,
                                  undefined=StrictUndefined)
    root.router.add_get("/phone", phone_page)
    if WEBUI.is_dir():
        root.router.add_static("/webui", WEBUI)
