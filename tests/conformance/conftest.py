"""Fixtures for the conformance runner's tests: where the (external, read-only) suite lives."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.suite import DEFAULT_SUITE_DIR, XSLT_PATH

SUITE_ABSENT = "the W3C suite copy (/work/shared/conformance/w3c-vxml) is not on this machine"


@pytest.fixture
def suite_dir() -> Path:
    """The W3C suite directory; tests that need it skip when it is absent."""
    if not (DEFAULT_SUITE_DIR / XSLT_PATH).is_file():
        pytest.skip(SUITE_ABSENT)
    return DEFAULT_SUITE_DIR
