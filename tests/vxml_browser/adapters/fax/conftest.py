"""Fixtures for the fax tests: spandsp must be installed (Debian libspandsp2), and documents."""

from __future__ import annotations

import os

import pytest
from PIL import Image, ImageDraw

from vxml_browser.adapters.fax import documents, spandsp

if not spandsp.available():  # pragma: no cover - the Makefile installs it
    pytest.skip("libspandsp2 is not installed", allow_module_level=True)


def make_page(number: int, width: int = 1200, height: int = 1600) -> Image.Image:
    """A page with text, boxes, fine lines and a grey photo area (dithered when faxed)."""
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    draw.rectangle((60, 60, width - 60, 220), outline=0, width=6)
    draw.text((100, 110), f"Fund prospectus - page {number}", fill=0)
    for row in range(20):
        draw.text((100, 300 + row * 40), f"Line {row + 1}: units, fees and risks {number * row}",
                  fill=0)
    for k in range(0, width, 37 + number):
        draw.line((k, 1150, k + 200, 1450), fill=0, width=1 + (k % 3))
    for x in range(900, 1100):  # a small grey wedge, dithered when faxed
        draw.line((x, 300, x, 420), fill=int(255 * (x - 900) / 200))
    draw.ellipse((200 + 50 * number, 1200, 500 + 50 * number, 1500), outline=0, width=4)
    page.info["dpi"] = (150, 150)
    return page


@pytest.fixture
def two_page_tiff(tmp_path) -> str:
    src = tmp_path / "prospectus.tif"
    pages = [make_page(1), make_page(2)]
    path = str(tmp_path / "prospectus-fax.tif")
    buf = tmp_path / "src.png"
    pages[0].save(buf)
    # Two pages in one multi-page TIFF in, TIFF-F out.
    pages[0].save(src, save_all=True, append_images=pages[1:], dpi=(150, 150))
    assert documents.to_fax_tiff(src.read_bytes(), path) == 2
    assert os.path.getsize(path) > 0
    return path


@pytest.fixture
def one_page_tiff(tmp_path) -> str:
    path = str(tmp_path / "reply.tif")
    out = tmp_path / "reply.png"
    make_page(3).save(out, dpi=(150, 150))
    assert documents.to_fax_tiff(out.read_bytes(), path) == 1
    return path
