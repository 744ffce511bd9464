"""Entry-test discovery and where each test starts (conformance/suite.py)."""

from __future__ import annotations

from pathlib import Path

from conformance.suite import discover, document_refs, select

VXML = ('<vxml version="2.0" xmlns="http://www.w3.org/2001/vxml" '
        'xmlns:conf="http://www.w3.org/2002/vxml-conformance">{}</vxml>')


def test_the_suite_has_173_entry_tests(suite_dir: Path) -> None:
    tests = discover(suite_dir)
    assert len(tests) == 173
    by_suite: dict[str, int] = {}
    for t in tests:
        by_suite[t.suite] = by_suite.get(t.suite, 0) + 1
    assert by_suite == {"cudl": 147, "cudl-history": 6, "jvxml20": 6, "jvxml21": 14}
    assert len({t.id for t in tests}) == 173
    assert not any("earliest-variants" in str(t.path) for t in tests)


def test_tests_reached_from_a_driver_start_at_the_driver(suite_dir: Path) -> None:
    entries = {t.id: t.entry.name for t in discover(suite_dir)}
    assert entries["cudl/528a2"] == "528a1.txml"  # via http://localhost/vxml/528a2.vxml#second
    assert entries["cudl/a72-var-leaf2"] == "a72-var-driver.txml"
    assert entries["cudl/1001Second"] == "1001.txml"
    assert entries["jvxml21/8b"] == "8a.txml"
    assert entries["cudl/234"] == "234.txml"


def _write(directory: Path, name: str, body: str) -> None:
    (directory / name).write_text(VXML.format(body))


def test_links_ignore_comments_and_self_and_count_vxml_names(tmp_path: Path) -> None:
    _write(tmp_path, "a.txml", '<!-- see c.txml --><form><block><goto next="b.vxml#x"/>'
           "<goto expr=\"'a.txml'\"/></block></form>")
    assert document_refs(tmp_path / "a.txml") == {"b"}


def test_entry_is_the_root_with_the_longest_shared_prefix(tmp_path: Path) -> None:
    _write(tmp_path, "t1.txml", '<form><block><goto next="t1b.vxml"/></block></form>')
    _write(tmp_path, "zz.txml", '<form><block><goto next="t1b.vxml"/></block></form>')
    _write(tmp_path, "t1b.txml", "<form><block><conf:pass/></block></form>")
    _write(tmp_path, "loop1.txml", '<form><block><goto next="loop2.vxml"/><conf:pass/></block></form>')
    _write(tmp_path, "loop2.txml", '<form><block><goto next="loop1.vxml"/></block></form>')
    from conformance.suite import SuiteFolder, _folder_tests

    tests = {t.stem: t.entry.stem for t in _folder_tests(SuiteFolder("x", ".", "2.0", False), tmp_path)}
    assert tests == {"t1b": "t1", "loop1": "loop1"}


def test_select_by_full_id_or_stem(suite_dir: Path) -> None:
    tests = discover(suite_dir)
    assert [t.id for t in select(tests, ["528a2", "jvxml21/5"])] == ["cudl/528a2", "jvxml21/5"]
    assert select(tests, None) == tests


def test_assertion_numbers_come_from_comments_folders_or_names(suite_dir: Path) -> None:
    from conformance.areas import area_of, assertion_id

    tests = {t.id: t for t in discover(suite_dir)}
    assert assertion_id(tests["cudl/a72-var-leaf2"]) == "72"
    assert assertion_id(tests["cudl/assert_43_1"]) == "43"
    assert assertion_id(tests["cudl/1001Second"]) == "1001"
    assert assertion_id(tests["jvxml21/3b"]) == "3"
    assert all(assertion_id(t) for t in tests.values())
    assert area_of(tests["cudl/296"]) == "2.3.7 <transfer>"
    assert area_of(tests["jvxml21/5"]).startswith("VoiceXML 2.1 §2")
