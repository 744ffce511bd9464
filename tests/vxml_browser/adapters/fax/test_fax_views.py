"""The admin's fax views (app_server/fax.py) over a store with one received fax."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from app_server.fax import setup_fax
from vxml_browser.adapters.fax.store import FaxStore


async def test_list_view_png_and_pdf(tmp_path, two_page_tiff):
    store = FaxStore(f"sqlite:///{tmp_path / 'fax.sqlite'}")
    fax_id = store.save(Path(two_page_tiff).read_bytes(), direction="in", call_id="c-9",
                        meta={"note": "test"})
    app = web.Application()
    setup_fax(app, store, guard=lambda request: None)
    async with TestClient(TestServer(app)) as client:
        listing = await (await client.get("/admin/fax/")).text()
        assert f'href="{fax_id}/"' in listing and "c-9" in listing
        page = await (await client.get(f"/admin/fax/{fax_id}/")).text()
        assert 'src="2.png"' in page and "2 pages" in page
        png = await client.get(f"/admin/fax/{fax_id}/2.png")
        assert png.content_type == "image/png" and (await png.read()).startswith(b"\x89PNG")
        assert (await client.get(f"/admin/fax/{fax_id}/3.png")).status == 404
        pdf = await client.get(f"/admin/fax/{fax_id}.pdf")
        assert (await pdf.read()).startswith(b"%PDF")
        assert (await client.get(f"/admin/fax/{'0' * 32}/")).status == 404
    store.close()


async def test_behind_the_admin_login(tmp_path):
    store = FaxStore(f"sqlite:///{tmp_path / 'fax.sqlite'}")

    def guard(request):
        raise web.HTTPForbidden(text="the admin is off")

    app = web.Application()
    setup_fax(app, store, guard=guard)
    async with TestClient(TestServer(app)) as client:
        assert (await client.get("/admin/fax/")).status == 403
    store.close()
