"""``[sip]`` settings of the outbound fax queue (config.py): tries and the delays between them."""

from __future__ import annotations

from pathlib import Path

import pytest

from vxml_browser.adapters.sip.config import load_config


def _config(tmp_path: Path, sip: str) -> str:
    path = tmp_path / "sip.toml"
    path.write_text(f'[sip]\nlisten = "127.0.0.1:5070"\n{sip}')
    return str(path)


def test_fax_tries_and_retry_delays_are_read(tmp_path: Path) -> None:
    config = load_config(_config(tmp_path, "fax_attempts = 5\nfax_retry = [30, 90.5]\n"))
    assert (config.fax_attempts, config.fax_retry) == (5, (30.0, 90.5))


def test_fax_tries_default_to_three_two_and_ten_minutes_apart(tmp_path: Path) -> None:
    config = load_config(_config(tmp_path, ""))
    assert (config.fax_attempts, config.fax_retry) == (3, (120.0, 600.0))


@pytest.mark.parametrize("sip", ["fax_retry = []\n", "fax_retry = [60, -1]\n", "fax_attempts = 0\n"])
def test_impossible_fax_retry_settings_are_refused(tmp_path: Path, sip: str) -> None:
    with pytest.raises(ValueError, match="fax_"):
        load_config(_config(tmp_path, sip))


def test_tcp_is_off_unless_asked_for(tmp_path: Path) -> None:
    assert load_config(_config(tmp_path, "")).tcp is False
    assert load_config(_config(tmp_path, "tcp = true\n")).tcp is True
