"""The consoles in headless Chromium: sign in, go ready, screen pop, forced not ready, report."""

from __future__ import annotations

import shutil

import pytest
from aq_service_helpers import TOKEN, settings, start

from agent_queue.client import AcdClient, Bridge

playwright_api = pytest.importorskip("playwright.async_api")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian chromium not installed")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]


async def sign_in(context, url: str, name: str, password: str):
    page = await context.new_page()
    await page.goto(f"{url}/login")
    await page.fill("#name", name)
    await page.fill("#password", password)
    await page.click("#login")
    return page


async def test_agent_and_supervisor_consoles(tmp_path, crm):
    svc = await start(settings(f"sqlite:///{tmp_path / 'acd.db'}", crm, wrap_up=60))
    async with playwright_api.async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            agent_ctx, sup_ctx = await browser.new_context(), await browser.new_context()
            desk = await sign_in(agent_ctx, svc.url, "ann", "ann-pw")
            await desk.wait_for_url("**/desktop")
            await desk.wait_for_selector("body[data-cti=open]")
            await desk.fill("#contact", "sip:ann@127.0.0.1:5070")
            await desk.fill("#skills", "sales:3")
            await desk.click("#sign-in")
            await desk.wait_for_function("document.getElementById('state').textContent === 'NOT_READY'")
            await desk.click("#ready")
            await desk.wait_for_function("document.getElementById('state').textContent === 'READY'")

            async with AcdClient(svc.url, TOKEN) as acd:
                await acd.enqueue("web-1", "sales", "+33611223344", {"account": "A-42"})
                bridge = await acd.next_action("web-1", 5)
                while not isinstance(bridge, Bridge):
                    bridge = await acd.next_action("web-1", 5)
                await desk.wait_for_function(
                    "document.getElementById('pop-customer').textContent.includes('Jane Doe')")
                assert await desk.text_content("#pop-caller") == "+33611223344"
                assert "A-42" in await desk.text_content("#pop-aai")
                assert "billing question" in await desk.text_content("#pop-history")
                await acd.answered("web-1", "ann")
                await desk.wait_for_function("document.getElementById('state').textContent === 'TALKING'")
                await acd.hangup("web-1")
            await desk.wait_for_function("document.getElementById('state').textContent === 'WRAP_UP'")
            await desk.fill("#notes", "customer wants a brochure")
            await desk.click("#wrap-done")
            await desk.wait_for_function("document.getElementById('state').textContent === 'READY'")

            sup = await sign_in(sup_ctx, svc.url, "sue", "sue-pw")
            await sup.wait_for_url("**/supervisor")
            await sup.wait_for_selector("body[data-cti=open]")
            await sup.click('tr[data-agent="ann"] button[data-force="not_ready"]')
            await desk.wait_for_function("document.getElementById('state').textContent === 'NOT_READY'")
            assert await desk.text_content("#reason") == "supervisor"
            await sup.wait_for_function(
                "document.querySelector('tr[data-agent=\"ann\"] .agent-state').textContent === 'NOT_READY'")

            async with AcdClient(svc.url, TOKEN) as acd:  # the queue table follows live
                await acd.enqueue("web-2", "sales", "+1")
                await sup.wait_for_function(
                    "document.querySelector('tr[data-queue=\"sales\"] .q-waiting').textContent === '1'")
                await acd.hangup("web-2")
            await sup.goto(f"{svc.url}/reports?kind=queue&period=day")
            row = sup.locator("#report tbody tr", has_text="sales")
            cells = await row.locator("td").all_text_contents()
            assert cells[1:5] == ["sales", "2", "1", "0"]  # queue, offered, answered, abandoned
            assert await sup.locator("svg.chart rect").count() > 3
            await sup.goto(f"{svc.url}/wallboard")
            tile = await sup.text_content('.tile[data-queue="sales"]')
            assert "offered 2, answered 1" in " ".join(tile.split())
            # an agent cannot open the supervisor console
            resp = await desk.goto(f"{svc.url}/supervisor")
            assert resp.status == 403
        finally:
            await browser.close()
            await svc.close()
            await svc.server.close()
