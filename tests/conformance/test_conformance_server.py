"""The local suite server: names, media types, helpers (conformance/server.py, helpers.py)."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest
from lxml import etree

from conformance.helpers import HELPERS, helper_table, silent_au
from conformance.server import LocalServer, make_app, media_type, resolve
from conformance.suite import XSLT_PATH
from conformance.transform import Transformer

PASS_TXML = (b'<vxml version="2.0" xmlns="http://www.w3.org/2001/vxml" '
             b'xmlns:conf="http://www.w3.org/2002/vxml-conformance">'
             b"<form><block><conf:pass/></block></form></vxml>")


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "a.txml").write_bytes(PASS_TXML)
    (tmp_path / "t" / "g.grxml").write_text("<grammar/>")
    (tmp_path / "t" / "real.vxml").write_text("<vxml/>")
    (tmp_path / "secret.txt").write_text("x")
    return tmp_path


def test_txml_is_served_transformed_under_both_names(tree: Path) -> None:
    assert resolve(tree, "t/a.vxml", transform=True) == ((tree / "t/a.txml").resolve(), True)
    assert resolve(tree, "t/a.txml", transform=True) == ((tree / "t/a.txml").resolve(), True)
    assert resolve(tree, "t/real.vxml", transform=True) == ((tree / "t/real.vxml").resolve(), False)
    assert resolve(tree, "t/g.grxml", transform=True) == ((tree / "t/g.grxml").resolve(), False)


def test_without_a_transformer_files_are_served_as_they_are(tree: Path) -> None:
    assert resolve(tree, "t/a.vxml", transform=False) is None
    assert resolve(tree, "t/a.txml", transform=False) == ((tree / "t/a.txml").resolve(), False)


@pytest.mark.parametrize("path", ["t/../secret.txt", "../etc/passwd", "t//a.txml", "t/missing.vxml"])
def test_nothing_outside_the_root_or_missing_is_served(tree: Path, path: str) -> None:
    assert resolve(tree / "t", path, transform=True) is None


@pytest.mark.parametrize(
    ("name", "ctype"),
    [("a.vxml", "application/voicexml+xml"), ("g.grxml", "application/srgs+xml"),
     ("s.js", "application/ecmascript"), ("x.wav", "audio/wav"), ("x.au", "audio/basic"),
     ("d.xml", "application/xml"), ("g.gram", "application/srgs"), ("x.bin", "application/octet-stream")],
)
def test_media_types(name: str, ctype: str) -> None:
    assert media_type(name) == ctype


async def test_live_server_serves_transformed_tests_files_and_helpers(tree: Path, suite_dir: Path) -> None:
    app = make_app(tree, transformer=Transformer(suite_dir / XSLT_PATH), helpers=helper_table())
    async with LocalServer(app) as server, aiohttp.ClientSession() as http:
        assert server.base_url.startswith("http://127.0.0.1:")
        async with http.get(server.base_url + "t/a.vxml?x=1") as resp:
            assert resp.status == 200
            assert resp.content_type == "application/voicexml+xml"
            assert b"<prompt>pass</prompt>" in await resp.read()
        async with http.post(server.base_url + "t/g.grxml", data={"a": "1"}) as resp:
            assert (resp.status, resp.content_type) == (200, "application/srgs+xml")
        async with http.get(server.base_url + "t/nothing.vxml") as resp:
            assert resp.status == 404
        async with http.get(server.base_url + "vxml20/cudl-w3c/appRootDoc.vxml") as resp:
            assert resp.status == 200
            assert b"appRootVar" in await resp.read()


async def test_a_malformed_txml_is_a_server_error(tree: Path, suite_dir: Path) -> None:
    (tree / "t" / "bad.txml").write_text("<vxml>")
    app = make_app(tree, transformer=Transformer(suite_dir / XSLT_PATH))
    async with LocalServer(app) as server, aiohttp.ClientSession() as http:
        async with http.get(server.base_url + "t/bad.vxml") as resp:
            assert resp.status == 500


def test_every_helper_fills_a_link_of_its_test(suite_dir: Path) -> None:
    for helper in HELPERS:
        folder, name = helper.path.rsplit("/", 1)
        assert not (suite_dir / helper.path).exists(), f"{helper.path} exists in the suite now"
        stem = helper.test.split("/", 1)[1]
        assert name in (suite_dir / folder / f"{stem}.txml").read_text()


async def test_vxml_helpers_are_valid_voicexml(tree: Path) -> None:
    async with LocalServer(make_app(tree, helpers=helper_table())) as server, \
            aiohttp.ClientSession() as http:
        for helper in HELPERS:
            async with http.get(server.base_url + helper.path) as resp:
                body = await resp.read()
                assert resp.status == 200
            if helper.path.endswith((".vxml", ".txml")):
                root = etree.fromstring(body)
                assert root.tag == "{http://www.w3.org/2001/vxml}vxml"
            else:
                assert resp.content_type == "audio/basic" and body[:4] == b".snd"


async def test_assert185_helper_passes_only_from_form3(tree: Path) -> None:
    async with LocalServer(make_app(tree, helpers=helper_table())) as server, \
            aiohttp.ClientSession() as http:
        async with http.get(server.base_url + "vxml20/cudl-w3c/assert185-b.vxml") as resp:
            root = etree.fromstring(await resp.read())
    v = "{http://www.w3.org/2001/vxml}"
    forms = {f.get("id"): f for f in root.iter(f"{v}form")}
    assert list(forms) == ["form1", "form3"]
    assert b"<prompt>pass</prompt>" in etree.tostring(forms["form3"])
    assert b"<prompt>pass</prompt>" not in etree.tostring(forms["form1"])


def test_silent_au_header() -> None:
    data = silent_au(0.25)
    assert data[:4] == b".snd" and len(data) == 24 + 2000


async def test_a655b_returns_the_properties_a655_checks(tree: Path) -> None:
    async with LocalServer(make_app(tree, helpers=helper_table())) as server, \
            aiohttp.ClientSession() as http:
        async with http.get(server.base_url + "vxml20/cudl-w3c/a655b.txml") as resp:
            root = etree.fromstring(await resp.read())
    v = "{http://www.w3.org/2001/vxml}"
    assert root.find(f"{v}form").get("id") == "a655"
    assert root.find(f"{v}form/{v}block/{v}return").get("namelist") == "a655a a655b"
