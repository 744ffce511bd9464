"""Received faxes in the admin: ``/admin/fax/`` lists them, each viewable as PNG pages or a PDF.

The faxes live in the fax store (``vxml_browser.adapters.fax.store``: its own ``fax_documents``
table, created on first use, in the app server's database). Behind the admin login.

``create_app`` turns it on after ``setup_admin(root)``::

    from .fax import setup_fax
    setup_fax(root)
"""

from __future__ import annotations

import asyncio
import html
from collections.abc import Callable
from typing import Any

from aiohttp import web

from vxml_browser.adapters.fax.store import FaxNotFound, FaxStore

from .admin import require
from .keys import DB, FAX_GUARD, FAX_STORE


def _store(request: web.Request) -> FaxStore:
    request.app[FAX_GUARD](request)
    return request.app[FAX_STORE]


async def _fax_or_404(store: FaxStore, fax_id: str) -> Any:
    try:
        return await asyncio.to_thread(store.get, fax_id)
    except FaxNotFound:
        raise web.HTTPNotFound(text=f"no fax {fax_id}") from None


async def list_faxes(request: web.Request) -> web.Response:
    store = _store(request)
    faxes = await asyncio.to_thread(store.recent, 100)
    rows = "".join(
        f"<tr><td>{f.created_at:%Y-%m-%d %H:%M:%S}</td><td>{html.escape(f.direction)}</td>"
        f"<td>{html.escape(f.remote_id) or '?'}</td><td>{f.pages}</td><td>{f.bit_rate}</td>"
        f"<td>{html.escape(f.call_id)}</td>"
        f"<td><a href=\"{f.id}/\">view</a> <a href=\"{f.id}.pdf\">PDF</a></td></tr>"
        for f in faxes)
    body = ("<!doctype html><title>Faxes</title><h1>Faxes</h1><table><tr><th>received</th>"
            "<th>direction</th><th>from</th><th>pages</th><th>bit/s</th><th>call</th><th></th>"
            f"</tr>{rows}</table>")
    return web.Response(text=body, content_type="text/html")


async def view_fax(request: web.Request) -> web.Response:
    store = _store(request)
    fax = await _fax_or_404(store, request.match_info["fax_id"])
    pages = "".join(f'<p><img src="{n + 1}.png" alt="page {n + 1}" width="864"></p>'
                    for n in range(fax.pages))
    body = (f"<!doctype html><title>Fax {fax.id}</title><h1>Fax from "
            f"{html.escape(fax.remote_id) or '?'}</h1><p>{fax.created_at:%Y-%m-%d %H:%M:%S},"
            f" {fax.pages} pages, {fax.bit_rate} bit/s, ECM {'on' if fax.ecm else 'off'},"
            f" {html.escape(fax.resolution)} dpi. <a href=\"../{fax.id}.pdf\">PDF</a></p>{pages}")
    return web.Response(text=body, content_type="text/html")


async def fax_page(request: web.Request) -> web.Response:
    store = _store(request)
    fax = await _fax_or_404(store, request.match_info["fax_id"])
    page = int(request.match_info["page"])
    if not 1 <= page <= fax.pages:
        raise web.HTTPNotFound(text=f"fax {fax.id} has {fax.pages} pages")
    png = await asyncio.to_thread(store.page_png, fax.id, page - 1)
    return web.Response(body=png, content_type="image/png")


async def fax_pdf(request: web.Request) -> web.Response:
    store = _store(request)
    fax = await _fax_or_404(store, request.match_info["fax_id"])
    pdf = await asyncio.to_thread(store.pdf, fax.id)
    return web.Response(body=pdf, content_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="fax-{fax.id}.pdf"'})


def setup_fax(root: web.Application, store: FaxStore | None = None,
              guard: Callable[[web.Request], Any] = require) -> None:
    """Add the fax views behind ``guard`` (the admin's login check: a redirect to the login
    page, or 403 when the admin is off); the store defaults to the app server's database."""
    if store is None:
        store = FaxStore(root[DB].engine)
    root[FAX_STORE] = store
    root[FAX_GUARD] = guard
    root.router.add_get("/admin/fax/", list_faxes)
    root.router.add_get(r"/admin/fax/{fax_id:[0-9a-f]{32}}/", view_fax)
    root.router.add_get(r"/admin/fax/{fax_id:[0-9a-f]{32}}/{page:\d+}.png", fax_page)
    root.router.add_get(r"/admin/fax/{fax_id:[0-9a-f]{32}}.pdf", fax_pdf)
