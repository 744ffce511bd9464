"""Meta-tests (STYLE.md habit 3): every element handler and every form-item handler has its own
test file, so a new handler cannot land untested."""

from pathlib import Path

import pytest

from vxml_browser.core.elements import ELEMENT_HANDLERS
from vxml_browser.core.fia.items import ITEM_HANDLERS

CORE_TESTS = Path(__file__).parent / "core"

# Handlers whose test file is named differently (Python keywords, families).
FILE_NAMES = {"if": "test_if.py"}


def candidate_files(name: str) -> list[Path]:
    filename = FILE_NAMES.get(name, f"test_{name.replace('-', '_')}.py")
    return [CORE_TESTS / "elements" / filename, CORE_TESTS / "fia" / filename]


def has_tests(path: Path) -> bool:
    return path.is_file() and "\ndef test_" in path.read_text(encoding="utf-8")


@pytest.mark.parametrize("element", sorted(ELEMENT_HANDLERS))
def test_every_element_handler_has_a_test_file(element):
    candidates = candidate_files(element)
    assert has_tests(candidates[0]), f"<{element}> has a handler but no tests in {candidates[0]}"


@pytest.mark.parametrize("item", sorted(ITEM_HANDLERS))
def test_every_form_item_handler_has_a_test_file(item):
    candidates = candidate_files(item)
    assert any(has_tests(path) for path in candidates), (
        f"<{item}> has a form-item handler but no tests in {' or '.join(str(p) for p in candidates)}")


def test_the_tables_are_not_empty():
    assert "var" in ELEMENT_HANDLERS
    assert "field" in ITEM_HANDLERS
