"""SIP digest authentication of outbound calls (RFC 3261 §22): a ``<transfer bridge="true">``
through a Kamailio proxy that answers the platform's INVITE with 407 Proxy Authentication
Required (``kamailio/digest_proxy.cfg``). With the right ``[[sip.credentials]]`` password (read
from an environment variable) the INVITE is resent with credentials and the callee answers; with
a wrong one the proxy refuses it again and the callee never rings. Plus the config's parsing."""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from vxml_browser.adapters.sip.config import SipCredential, load_config

from .app import AppServer
from .conftest import UA, Platform, call, free_port, needs_espeak, needs_pjsua2, wait_for

HERE = Path(__file__).resolve().parent
PASSWORD_ENV = "SIP_DIGEST_TEST_PASSWORD"
PASSWORD = "digest-test-password"
needs_kamailio = pytest.mark.skipif(
    not any(os.path.exists(f"{d}/kamailio") for d in ("/usr/sbin", "/usr/local/sbin")),
    reason="Kamailio (Debian) is not installed")


def port_taken(port: int) -> bool:
    """Whether something (Kamailio, once it listens) holds UDP ``port`` on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


class DigestProxy:
    """A Kamailio process that challenges INVITEs and relays authenticated ones to ``callee_port``."""

    def __init__(self, tmp: str, password: str) -> None:
        from vxml_browser.adapters.sip.pool import find_module_dir, kamailio_binary

        self.port, self.callee_port = free_port(), free_port()
        rundir = os.path.join(tmp, f"kamailio-{self.port}")
        os.makedirs(rundir, exist_ok=True)
        self.log_path = os.path.join(rundir, "kamailio.log")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [kamailio_binary(), "-f", str(HERE / "kamailio" / "digest_proxy.cfg"), "-DD", "-E", "-Y", rundir,
             "-A", f"LISTEN=udp:127.0.0.1:{self.port}", "-A", f'CALLEE="sip:agent@127.0.0.1:{self.callee_port}"',
             "-A", 'USER="ivr"', "-A", f'PASSWORD="{password}"', "-A", f'MPATH="{find_module_dir()}"'],
            stdout=subprocess.DEVNULL, stderr=self.log)
        if not wait_for(lambda: self.proc.poll() is not None or port_taken(self.port), 10) or self.proc.poll() is not None:
            self.stop()
            raise RuntimeError(f"Kamailio did not start: {self.output()[-2000:]}")

    @property
    def uri(self) -> str:
        return f"sip:agent@127.0.0.1:{self.port}"

    def output(self) -> str:
        with open(self.log_path) as f:
            return f.read()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        self.log.close()


@pytest.fixture(scope="module")
def digest_platform(app: AppServer, sip_tmp: str) -> Iterator[Platform]:
    """A platform of its own whose credential for realm 127.0.0.1 (the From domain the proxy
    challenges for) takes its password from the environment."""
    tmp = os.path.join(sip_tmp, "digest")
    os.makedirs(tmp, exist_ok=True)
    os.environ[PASSWORD_ENV] = PASSWORD
    try:
        platform = Platform(app, tmp, extra=f'[[sip.credentials]]\nrealm = "127.0.0.1"\nusername = "ivr"\n'
                                            f'password_env = "{PASSWORD_ENV}"\n')
    finally:
        del os.environ[PASSWORD_ENV]
    yield platform
    platform.stop()


@pytest.fixture()
def proxy(request: pytest.FixtureRequest, sip_tmp: str) -> Iterator[DigestProxy]:
    p = DigestProxy(sip_tmp, request.param)
    yield p
    p.stop()


def transfer_through(proxy: DigestProxy, platform: Platform, app: AppServer, sip_tmp: str) -> list[dict]:
    """A caller's bridge transfer to the proxy's callee (who answers and hangs up after 1 s);
    returns the callee's events."""
    callee = UA(sip_tmp, {"mode": "answer", "user": "agent", "port": proxy.callee_port, "code": 200,
                          "hangup_after": 1.0, "lifetime": 12, "exit_when_done": True})
    app.transfer.update(dest=proxy.uri, type="bridge", connecttimeout="5s")
    call(sip_tmp, platform.uri, [["until_confirmed", 5], ["wait", 0.3], ["dtmf", "3"], ["until_disconnected", 15]])
    return callee.result()


def result_of(app: AppServer) -> dict:
    assert wait_for(lambda: app.received["result"], 10), "no result reached the app server"
    return app.received["result"][-1]


@needs_pjsua2
@needs_espeak
@needs_kamailio
@pytest.mark.parametrize("proxy", [PASSWORD], indirect=True)
def test_a_bridge_through_a_challenging_proxy_connects_with_the_right_password(
        digest_platform: Platform, fresh: AppServer, proxy: DigestProxy, sip_tmp: str) -> None:
    callee_events = transfer_through(proxy, digest_platform, fresh, sip_tmp)
    assert any(e["event"] == "incoming" for e in callee_events), callee_events
    assert result_of(fresh) == {"result": "far_end_disconnect", "step": "after"}
    log = proxy.output()
    assert "digest: challenge" in log and "digest: accepted ivr" in log, log[-2000:]


@needs_pjsua2
@needs_espeak
@needs_kamailio
@pytest.mark.parametrize("proxy", ["another-password"], indirect=True)
def test_a_wrong_password_fails_the_transfer_and_the_callee_never_rings(
        digest_platform: Platform, fresh: AppServer, proxy: DigestProxy, sip_tmp: str) -> None:
    callee_events = transfer_through(proxy, digest_platform, fresh, sip_tmp)
    assert not any(e["event"] == "incoming" for e in callee_events), callee_events
    assert result_of(fresh)["step"] in ("after", "error")  # the dialog went on past the transfer
    assert fresh.received["result"][-1].get("result") != "far_end_disconnect"
    assert proxy.output().count("digest: challenge") >= 2  # the first try, then our wrong credentials


@needs_pjsua2
@needs_espeak
@needs_kamailio
@pytest.mark.parametrize("proxy", ["another-password"], indirect=True)
def test_a_wrong_password_is_error_connection_noauthorization(
        digest_platform: Platform, fresh: AppServer, proxy: DigestProxy, sip_tmp: str) -> None:
    transfer_through(proxy, digest_platform, fresh, sip_tmp)
    result = result_of(fresh)
    assert result["step"] == "error" and "error.connection.noauthorization" in result.get("err", ""), result


# --- [[sip.credentials]] and the secrets the environment gives -------------------------------------


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "sip.toml"
    path.write_text(text)
    return str(path)


def test_credentials_take_their_password_from_the_environment(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PBX_PASSWORD", "from-the-environment")
    config = load_config(write(tmp_path, '[[sip.credentials]]\nrealm = "pbx.example"\nusername = "ivr"\n'
                                         'password_env = "PBX_PASSWORD"\n'))
    assert config.credentials == (SipCredential("pbx.example", "ivr", "from-the-environment"),)
    assert "from-the-environment" not in repr(config)


def test_an_unset_password_variable_is_an_error_naming_it(tmp_path: Path) -> None:
    path = write(tmp_path, '[[sip.credentials]]\nusername = "ivr"\npassword_env = "SIP_TEST_UNSET_VARIABLE"\n')
    with pytest.raises(ValueError, match="SIP_TEST_UNSET_VARIABLE, which is not set"):
        load_config(path)


@pytest.mark.parametrize(("variable", "table", "attribute"), [
    ("VXML_CALL_RECORDS_TOKEN", '[sip]\ncall_records_token = "from-the-file"\n', "call_records_token"),
    ("VXML_ACD_TOKEN", '[acd]\ntoken = "from-the-file"\n', "acd_token"),
])
def test_the_environment_overrides_the_files_tokens(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    variable: str, table: str, attribute: str) -> None:
    path = write(tmp_path, table)
    assert getattr(load_config(path), attribute) == "from-the-file"
    monkeypatch.setenv(variable, "from-the-environment")
    assert getattr(load_config(path), attribute) == "from-the-environment"


async def test_the_worker_sends_its_call_records_with_the_bearer_token(tmp_path: Path) -> None:
    from aiohttp import web
    from aiohttp.test_utils import TestServer

    from vxml_browser.adapters.sip.config import SipConfig
    from vxml_browser.adapters.sip.connection import CallRecord
    from vxml_browser.adapters.sip.worker import Worker

    seen: list[tuple[str, dict]] = []

    async def records(request: web.Request) -> web.Response:
        seen.append((request.headers.get("Authorization", ""), await request.json()))
        return web.Response(text="ok")

    receiver = web.Application()
    receiver.router.add_post("/records", records)
    server = TestServer(receiver, host="127.0.0.1")
    await server.start_server()
    worker = Worker(SipConfig(call_records_url=str(server.make_url("/records")), call_records_token="records-token",
                              media_cache=str(tmp_path)))
    try:
        await worker.post_record(CallRecord("c-1", "sip:a@x", "sip:ivr@y", "http://app/", 1.0))
    finally:
        if worker.records_session is not None:
            await worker.records_session.close()
        await server.close()
    assert seen == [("Bearer records-token", seen[0][1])] and seen[0][1]["call_id"] == "c-1"
