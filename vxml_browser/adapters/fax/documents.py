"""Fax documents: anything to send becomes TIFF-F; received TIFF-F becomes PNG or PDF.

- PDF is rasterized by Ghostscript (Debian ``ghostscript``: ``gs -sDEVICE=tiffg4``), or by
  poppler's ``pdftoppm`` (Debian ``poppler-utils``) when gs is missing.
- Images (PNG, JPEG, GIF, BMP, TIFF of any kind) go through Pillow.
- Every page is then made a fax page: 1728 pixels wide (ITU-T T.4 A4/Letter width), bilevel,
  204 x 196 dpi ("fine"), at most one A4 length (2292 lines) per page (longer images are split),
  stored as one multi-page TIFF with T.6 (G4) compression, which spandsp reads through libtiff.
  Fax resolutions are not square: the PNG and PDF views stretch the rows back to square pixels.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
import warnings
from collections.abc import Iterator

from PIL import Image, ImageChops, ImageOps, UnidentifiedImageError

FAX_WIDTH = 1728
FAX_DPI = (204, 196)
A4_LINES = 2292  # 297 mm at 196 lines per inch
GS_TIMEOUT_S = 60


class DocumentError(Exception):
    """The document cannot be made into fax pages (its message says why)."""


def sniff(data: bytes) -> str:
    if data[:5] == b"%PDF-":
        return "pdf"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    return "image"


def to_fax_tiff(data: bytes, dest: str) -> int:
    """Write ``data`` (PDF, TIFF or an image) to ``dest`` as TIFF-F; return the page count."""
    if not data:
        raise DocumentError("the document is empty")
    kind = sniff(data)
    pages = list(_pdf_pages(data)) if kind == "pdf" else list(_image_pages(data))
    fax_pages = [p for page in pages for p in fax_page(page)]
    if not fax_pages:
        raise DocumentError("the document has no pages")
    write_tiff(fax_pages, dest)
    return len(fax_pages)


def _image_pages(data: bytes) -> Iterator[Image.Image]:
    pages = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # Pillow warns about some corrupt files: refuse them
            image = Image.open(io.BytesIO(data))
            frames = getattr(image, "n_frames", 1)
            for i in range(frames):
                image.seek(i)
                image.load()  # decode now: a truncated or corrupt page fails here, not mid-call
                pages.append(image.copy())
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, Warning) as exc:
        raise DocumentError(f"the document is not a readable PDF or image: {exc}") from exc
    yield from pages


def _pdf_pages(data: bytes) -> Iterator[Image.Image]:
    with tempfile.TemporaryDirectory(prefix="fax-pdf-") as tmp:
        src = os.path.join(tmp, "in.pdf")
        with open(src, "wb") as f:
            f.write(data)
        if shutil.which("gs"):
            out = os.path.join(tmp, "out.tif")
            cmd = ["gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=tiffg4",
                   f"-r{FAX_DPI[0]}x{FAX_DPI[1]}", "-sPAPERSIZE=a4", "-dFIXEDMEDIA",
                   "-dPDFFitPage", f"-sOutputFile={out}", src]
            outputs = [out]
        elif shutil.which("pdftoppm"):
            cmd = ["pdftoppm", "-mono", "-rx", str(FAX_DPI[0]), "-ry", str(FAX_DPI[1]), src,
                   os.path.join(tmp, "page")]
            outputs = []
        else:
            raise DocumentError("no PDF rasterizer: install Debian's ghostscript or poppler-utils")
        try:
            run = subprocess.run(cmd, capture_output=True, timeout=GS_TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired as exc:
            raise DocumentError(f"rasterizing the PDF took over {GS_TIMEOUT_S} s") from exc
        if not outputs:
            outputs = sorted(os.path.join(tmp, n) for n in os.listdir(tmp) if n.endswith(".pbm"))
        if run.returncode != 0 or not outputs or not all(os.path.exists(o) for o in outputs):
            err = run.stderr.decode(errors="replace").strip().splitlines()
            raise DocumentError("the PDF cannot be rasterized: " + (err[-1] if err else "no page"))
        for path in outputs:
            with open(path, "rb") as f:
                yield from _image_pages(f.read())


def fax_page(image: Image.Image) -> list[Image.Image]:
    """One image as fax pages: 1728 wide, bilevel, 204x196 dpi, split at an A4 length."""
    dpi = image.info.get("dpi") or (FAX_DPI[0], FAX_DPI[0])
    xdpi, ydpi = (float(dpi[0]) or FAX_DPI[0]), (float(dpi[1]) or FAX_DPI[0])
    if image.mode == "1" and image.width == FAX_WIDTH and (round(xdpi), round(ydpi)) == FAX_DPI:
        page = image
    else:
        if image.mode in ("RGBA", "LA", "P"):
            background = Image.new("RGBA", image.size, "white")
            image = Image.alpha_composite(background, image.convert("RGBA"))
        gray = ImageOps.exif_transpose(image).convert("L")
        scale = FAX_WIDTH / gray.width
        height = max(1, round(gray.height * scale * (FAX_DPI[1] / ydpi) * (xdpi / FAX_DPI[0])))
        page = gray.resize((FAX_WIDTH, height), Image.Resampling.LANCZOS).convert("1")
    return [page.crop((0, top, FAX_WIDTH, min(page.height, top + A4_LINES)))
            for top in range(0, page.height, A4_LINES)]


def write_tiff(pages: list[Image.Image], dest: str) -> None:
    pages = [p if p.mode == "1" else p.convert("1") for p in pages]
    pages[0].save(dest, format="TIFF", compression="group4", dpi=FAX_DPI, save_all=True,
                  append_images=pages[1:])


def read_pages(tiff: bytes | str) -> list[Image.Image]:
    """The pages of a TIFF (bytes or a path), decoded, as bilevel images."""
    source = io.BytesIO(tiff) if isinstance(tiff, bytes) else tiff
    with Image.open(source) as image:
        pages = []
        for i in range(getattr(image, "n_frames", 1)):
            image.seek(i)
            page = image.convert("1")
            page.info["dpi"] = image.info.get("dpi", FAX_DPI)
            pages.append(page)
        return pages


def page_count(tiff: bytes | str) -> int:
    source = io.BytesIO(tiff) if isinstance(tiff, bytes) else tiff
    with Image.open(source) as image:
        return getattr(image, "n_frames", 1)


def square(page: Image.Image) -> Image.Image:
    """The page with square pixels at its horizontal resolution, for viewing."""
    xdpi, ydpi = page.info.get("dpi", FAX_DPI)
    if not ydpi or round(xdpi) == round(ydpi):
        return page.convert("L")
    height = round(page.height * float(xdpi) / float(ydpi))
    return page.convert("L").resize((page.width, height), Image.Resampling.BILINEAR)


def page_png(tiff: bytes | str, index: int) -> bytes:
    """Page ``index`` (from 0) as a PNG with square pixels."""
    pages = read_pages(tiff)
    if not 0 <= index < len(pages):
        raise IndexError(f"page {index + 1} of a {len(pages)}-page fax")
    out = io.BytesIO()
    square(pages[index]).save(out, format="PNG", optimize=True)
    return out.getvalue()


def to_pdf(tiff: bytes | str) -> bytes:
    """All pages as one PDF (a page per fax page, at the fax's horizontal resolution)."""
    pages = [square(p) for p in read_pages(tiff)]
    xdpi = float(read_pages(tiff)[0].info.get("dpi", FAX_DPI)[0]) if pages else FAX_DPI[0]
    out = io.BytesIO()
    pages[0].save(out, format="PDF", save_all=True, append_images=pages[1:], resolution=xdpi)
    return out.getvalue()


def difference(a: Image.Image, b: Image.Image) -> float:
    """The share of pixels that differ between two pages (1.0 when their sizes differ)."""
    if a.size != b.size:
        return 1.0
    diff = ImageChops.difference(a.convert("L"), b.convert("L")).point(lambda v: 255 if v else 0)
    histogram = diff.histogram()
    return histogram[255] / (a.width * a.height)
