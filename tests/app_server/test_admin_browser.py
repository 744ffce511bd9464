"""An admin edit in headless Chromium (Debian's /usr/bin/chromium through Playwright): sign in,
change the main menu prompt, save; then call and hear the new prompt, with no restart."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
PASSWORD = "correct horse battery"  # conftest.ADMIN_PASSWORD

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium (APT_PACKAGES)")


async def test_change_a_menu_prompt_in_the_browser_then_hear_it(admin_platform, heard, tmp_path) -> None:
    from playwright.async_api import async_playwright

    new_text = "For prices press 1, for your account 2, for feedback 3, or 0 for a person."
    async with async_playwright() as pw:
        context = await pw.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            page = context.pages[0] if context.pages else await context.new_page()
            await page.goto(admin_platform.url("/admin/apps/fund_hotline"))
            assert page.url.endswith("/admin/login")
            await page.fill("#password", PASSWORD)
            await page.click("#signin")
            await page.wait_for_url("**/admin/")
            await page.click("text=Northwind Funds hotline")
            await page.wait_for_url("**/admin/apps/fund_hotline")
            box = page.locator("#prompt-main_menu textarea[name=text]")
            assert "For fund prices, press 1." in await box.input_value()
            await box.fill(new_text)
            await page.click("#prompt-main_menu button[type=submit]")
            await page.wait_for_selector("#saved")
            assert "prompt:main_menu" in await page.inner_text("#saved")
            # a menu entry's target, too: 0 now leads to the goodbye page
            row = page.locator("#menu-main tr", has=page.locator("input[value='0']"))
            await row.locator("input[name^=target_]").fill("goodbye")
            await page.click("#menu-main button[type=submit]")
            await page.wait_for_selector("#saved")
        finally:
            await context.close()

    caller = await admin_platform.call("fund_hotline", ["dtmf 0"], "browser-1")
    text = heard(caller)
    assert new_text in text
    assert "For fund prices, press 1." not in text
    assert "Thank you for calling Northwind Funds. Goodbye." in text  # the new target of key 0
    record = await admin_platform.record("browser-1")
    assert record["path"] == ["index", "main", "goodbye"] and record["end_reason"] == "completed"
