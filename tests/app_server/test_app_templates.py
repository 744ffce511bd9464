"""Every template of every sample app renders (StrictUndefined, XML autoescape) and parses with
the voice browser's own document parser; so do the platform's shared pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from app_server.apps import LoadedApp, discover, load_app
from app_server.db import Database
from app_server.server import offline_context, prepare_database
from app_server.settings import SAMPLE_APPS, Settings
from vxml_browser.core.model import parse_document

APP_FOLDERS = [f for f in discover([SAMPLE_APPS])]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[LoadedApp, Database]]:
    tmp = tmp_path_factory.mktemp("templates")
    db = Database(f"sqlite:///{tmp / 'db.sqlite'}")
    apps = {f.name: load_app(f, db) for f in APP_FOLDERS}
    prepare_database(db, {a.name: a for a in apps.values()})
    yield {name: (a, db) for name, a in apps.items()}
    db.close()


def cases() -> list[tuple[str, str]]:
    out = []
    for folder in APP_FOLDERS:
        for p in sorted((folder / "templates").rglob("*.vxml.j2")):
            out.append((folder.name, p.relative_to(folder / "templates").as_posix()))
    return out


def test_the_sample_apps_are_found() -> None:
    assert {"fund_hotline", "support_hotline"} <= {f.name for f in APP_FOLDERS}


@pytest.mark.parametrize(("app_name", "template"), cases())
def test_template_renders_and_parses(loaded: dict, app_name: str, template: str, tmp_path: Path) -> None:
    app, db = loaded[app_name]
    ctx = offline_context(app, Settings(data_dir=tmp_path), db, call_id="c-42")
    examples = app.spec.examples.get(template, [{}])
    for values in examples:
        body = ctx.render(template, **values).body
        uri = f"http://127.0.0.1/apps/{app_name}/{template.removesuffix('.vxml.j2')}"
        assert body.startswith("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<vxml ")
        doc = parse_document(body.encode(), uri)
        assert doc is not None
        assert "call=c-42" in body or "<exit/>" in body or "root" not in body


@pytest.mark.parametrize(("shared", "values"), [("root.vxml.j2", {}), ("apology.vxml.j2", {}), ("apology.vxml.j2", {"final": True}), ("end.vxml.j2", {})])
def test_shared_pages_parse(loaded: dict, shared: str, values: dict, tmp_path: Path) -> None:
    app, db = loaded["fund_hotline"]
    ctx = offline_context(app, Settings(data_dir=tmp_path), db, call_id="c-42")
    body = ctx.render(shared, end_url="/calls/c-42/end", **values).body
    parse_document(body.encode(), f"http://127.0.0.1/{shared}")
