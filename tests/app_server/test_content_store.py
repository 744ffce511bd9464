"""``ContentStore.cached``: the page path's view of an app's content without a coroutine or a
thread hop, only while it is fresh (real SQLite database, real content.toml)."""

from __future__ import annotations

import time
from pathlib import Path

from app_server.content import ContentStore
from app_server.db import Database
from app_server.migrate import upgrade


def store(tmp_path: Path) -> ContentStore:
    db = Database(f"sqlite:///{tmp_path / 'content.db'}")
    upgrade(db.engine)
    toml = tmp_path / "content.toml"
    toml.write_text('[prompts]\nhello = { text = "Hello.", audio = "" }\n')
    return ContentStore("app", toml, db)


def test_cached_is_none_before_the_first_load_then_the_loaded_view(tmp_path: Path) -> None:
    s = store(tmp_path)
    assert s.cached() is None
    view = s.load()
    assert s.cached() is view
    s.db.close()


def test_cached_is_none_after_an_admin_save_and_the_next_load_has_the_edit(tmp_path: Path) -> None:
    s = store(tmp_path)
    s.load()
    s.save("prompts.hello", {"text": "Good day.", "audio": ""})
    assert s.cached() is None
    assert s.load().prompt("hello").text == "Good day."
    s.db.close()


def test_cached_is_none_once_the_view_is_older_than_its_ttl(tmp_path: Path) -> None:
    s = store(tmp_path)
    s.load()
    s._stamp = time.monotonic() - s.ttl_s - 1
    assert s.cached() is None
    s.db.close()
