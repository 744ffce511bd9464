"""platform.toml and the config files the parts read."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from vxml_platform.config import load_config
from vxml_platform.parts import acd_toml, app_server_toml, sip_toml, write_configs


def test_defaults_put_sip_on_5060_and_the_fund_hotline_behind_any_number() -> None:
    config = load_config()
    assert (config.host, config.sip_port, config.app_port, config.acd_port) == ("127.0.0.1", 5060, 8090, 8095)
    sip = tomllib.loads(sip_toml(config))
    assert sip["sip"]["listen"] == "127.0.0.1:5060"
    assert sip["sip"]["app"] == "http://127.0.0.1:8090/apps/fund_hotline/"
    assert sip["sip"]["apps"]["1002"] == "http://127.0.0.1:8090/apps/demo/main.vxml"


def test_the_dids_map_to_their_apps(tmp_path: Path) -> None:
    path = tmp_path / "platform.toml"
    path.write_text('[platform]\nsip_port = 5999\n[platform.dids]\n"42" = "support_hotline"\n')
    sip = tomllib.loads(sip_toml(load_config(path)))
    assert sip["sip"]["apps"] == {"42": "http://127.0.0.1:8090/apps/support_hotline/"}
    assert sip["sip"]["listen"] == "127.0.0.1:5999"


def test_an_unknown_setting_is_an_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "platform.toml"
    path.write_text("[platform]\nsip_prot = 5999\n")
    with pytest.raises(ValueError, match="sip_prot"):
        load_config(path)


def test_one_worker_is_refused_because_kamailio_needs_a_pool(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least 2"):
        load_config(None, workers=1)


def test_the_demo_team_can_take_the_sample_apps_queue_transfers() -> None:
    acd = tomllib.loads(acd_toml(load_config(), "pw"))
    assert {u["name"]: u["role"] for u in acd["users"]} == {
        "ann": "agent", "bob": "agent", "sue": "supervisor", "admin": "admin"}
    queues = {q["name"] for q in acd["queues"]}
    transfers = Path(__file__).resolve().parents[2] / "sample_apps" / "fund_hotline" / "templates" / "agent.vxml.j2"
    assert '"funds"' in transfers.read_text() and "funds" in queues
    assert acd["tokens"] == [{"token_env": "VXML_ACD_TOKEN", "name": "vxml-browser", "role": "platform"}]


def test_no_secret_is_written_in_plain_text(tmp_path: Path) -> None:
    config = load_config(None, data_dir=str(tmp_path))
    password = config.demo_password()
    files = write_configs(config, password)
    for path in files.values():
        assert password not in path.read_text()
    assert tomllib.loads(app_server_toml(config, password))["admin"]["password_hash"].startswith("pbkdf2_sha256$")


def test_the_demo_password_is_made_once_and_kept_for_its_owner_only(tmp_path: Path) -> None:
    config = load_config(None, data_dir=str(tmp_path))
    first = config.demo_password()
    assert len(first) >= 12 and config.demo_password() == first
    assert (tmp_path / "demo-password").stat().st_mode & 0o777 == 0o600


def test_the_demo_password_can_come_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_DEMO_PASSWORD", "from-the-env")
    config = load_config(None, data_dir=str(tmp_path), demo_password_env="MY_DEMO_PASSWORD")
    assert config.demo_password() == "from-the-env"
    monkeypatch.delenv("MY_DEMO_PASSWORD")
    with pytest.raises(ValueError, match="MY_DEMO_PASSWORD"):
        config.demo_password()
