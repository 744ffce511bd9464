"""Each browser limit set in a ``[limits]`` table and hit through the command a user runs
(issue 10, "Limits" and "Security: origins"): ``vxml-browser console --limits FILE`` against
real HTTP servers on 127.0.0.1, and the SIP platform's config. (The SIP recorder's recording
limit and the calls-per-worker limit need a SIP call: tests/e2e/test_sip_limits.py.)"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from vxml_browser.adapters.limits import BrowserLimits, load_limits
from vxml_browser.adapters.sip.config import load_config
from vxml_browser.cli import main as cli
from vxml_browser.testing.call import grammar, vxml

APOLOGY = '<catch event="error"><prompt>caught <value expr="_event"/></prompt><exit/></catch>'
VXML = "application/voicexml+xml"


class Origin:
    """An HTTP server on 127.0.0.1 (its own thread and loop) serving ``pages``; every path asked
    for is kept in ``asked``. ``/slow`` answers after 2 s."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[bytes, str]] = {}
        self.asked: list[str] = []
        self.loop = asyncio.new_event_loop()
        self.runner: web.AppRunner | None = None
        self.port = 0
        ready = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(ready,), daemon=True)
        self.thread.start()
        ready.wait(10)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def page(self, name: str, body: str | bytes, content_type: str = VXML) -> str:
        self.pages[name] = (body.encode() if isinstance(body, str) else body, content_type)
        return f"{self.base}/{name}"

    def _run(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)
        app = web.Application()
        app.router.add_route("*", "/{name}", self.serve)
        self.runner = web.AppRunner(app)
        self.loop.run_until_complete(self.runner.setup())
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        self.loop.run_until_complete(site.start())
        self.port = self.runner.addresses[0][1]
        ready.set()
        self.loop.run_forever()

    async def serve(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        self.asked.append(name)
        if name == "slow":
            await asyncio.sleep(2.0)
            return web.Response(text=vxml("<form><block>late</block></form>"), content_type=VXML)
        if name not in self.pages:
            raise web.HTTPNotFound()
        body, content_type = self.pages[name]
        return web.Response(body=body, content_type=content_type)

    def stop(self) -> None:
        assert self.runner is not None
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@pytest.fixture(scope="module")
def origins() -> Iterator[tuple[Origin, Origin]]:
    """Two origins: the app's (``a``) and another (``b``)."""
    a, b = Origin(), Origin()
    yield a, b
    a.stop()
    b.stop()


def limits_file(tmp_path: Path, table: str) -> str:
    path = tmp_path / "limits.toml"
    path.write_text(f"[limits]\n{table}\n")
    return str(path)


def console(capsys: pytest.CaptureFixture[str], url: str, *flags: str) -> list[dict[str, Any]]:
    """``vxml-browser console URL --json FLAGS...`` with no caller lines: its JSON events."""
    capsys.readouterr()
    cli(["console", url, "--json", "--input", "/dev/null", *flags])
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def prompts(events: list[dict[str, Any]]) -> list[str]:
    return [e["text"] for e in events if e["event"] == "prompt"]


def app(origin: Origin, name: str, body: str) -> str:
    return origin.page(name, vxml(APOLOGY + body))


# --- the [limits] table ------------------------------------------------------------------------


def test_the_limits_table_sets_each_limit(tmp_path: Path) -> None:
    path = limits_file(tmp_path, 'script_time_s = 0.5\nscript_memory_bytes = 1_000_000\nmax_steps = 7\n'
                       'max_document_bytes = 1000\nmax_grammar_bytes = 2000\nfetch_timeout_s = 3\n'
                       'max_fetch_time_s = 4.5\nmax_fetch_bytes = 5000\nmax_recording_bytes = 6000\n'
                       'allowed_origins = ["https://cdn.example"]')
    assert load_limits(path) == BrowserLimits(
        script_time_s=0.5, script_memory_bytes=1_000_000, max_steps=7, max_document_bytes=1000,
        max_grammar_bytes=2000, fetch_timeout_s=3.0, max_fetch_time_s=4.5, max_fetch_bytes=5000,
        max_recording_bytes=6000, allowed_origins=("https://cdn.example",))


def test_an_unknown_limit_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"unknown \[limits\] settings \['max_document_size'\]"):
        load_limits(limits_file(tmp_path, "max_document_size = 10"))


@pytest.mark.parametrize("line", ["max_steps = 1.5", "max_steps = 0", 'script_time_s = "5s"',
                                  'allowed_origins = "*"', "max_fetch_bytes = true"])
def test_a_limit_of_the_wrong_kind_is_an_error(tmp_path: Path, line: str) -> None:
    with pytest.raises(ValueError, match=rf"\[limits\] {line.split()[0]} must be"):
        load_limits(limits_file(tmp_path, line))


def test_the_sip_config_reads_the_limits_table(tmp_path: Path) -> None:
    path = tmp_path / "sip.toml"
    path.write_text('[sip]\napp = "http://127.0.0.1:8090/ivr/main.vxml"\n\n'
                    '[limits]\nmax_recording_bytes = 16000\nallowed_origins = ["*"]\n')
    config = load_config(str(path))
    assert config.limits.max_recording_bytes == 16000 and config.limits.allowed_origins == ("*",)
    assert load_config(None).limits == BrowserLimits()


def test_the_sip_config_refuses_an_unknown_limit(tmp_path: Path) -> None:
    path = tmp_path / "sip.toml"
    path.write_text("[sip]\n[limits]\nmax_calls = 2\n")
    with pytest.raises(ValueError, match=r"unknown \[limits\] settings \['max_calls'\]"):
        load_config(str(path))


# --- the default origin rule -------------------------------------------------------------------


def test_by_default_a_call_may_fetch_from_its_apps_origin_only() -> None:
    assert BrowserLimits().origins_for("http://apps.example:8090/ivr/main.vxml") == ("http://apps.example:8090",)
    assert BrowserLimits().origins_for("/srv/ivr/main.vxml") == ("file://",)


def test_listed_origins_are_allowed_beside_the_apps_own() -> None:
    limits = BrowserLimits(allowed_origins=("https://cdn.example",))
    assert limits.origins_for("http://apps.example/main.vxml") == ("http://apps.example", "https://cdn.example")


def test_a_star_allows_every_origin() -> None:
    assert BrowserLimits(allowed_origins=("*",)).origins_for("http://apps.example/main.vxml") is None


# --- each limit hit through the console --------------------------------------------------------


def test_the_configured_script_time_stops_a_runaway_script(origins, capsys, tmp_path) -> None:
    url = app(origins[0], "spin.vxml", "<form><block><script>while (true) {}</script></block></form>")
    started = time.monotonic()
    events = console(capsys, url, "--limits", limits_file(tmp_path, "script_time_s = 0.2"))
    assert prompts(events) == ["caught error.semantic.timeout"]
    assert time.monotonic() - started < 3.0


def test_the_configured_script_memory_is_error_noresource(origins, capsys, tmp_path) -> None:
    script = "var a = []; for (;;) { a.push(new Array(100000).fill(1)); }"
    url = app(origins[0], "grow.vxml", f"<form><block><script>{script}</script></block></form>")
    events = console(capsys, url, "--limits", limits_file(tmp_path, "script_memory_bytes = 8_388_608"))
    assert prompts(events) == ["caught error.noresource"]


def test_the_configured_max_steps_stops_a_transition_loop(origins, capsys, tmp_path) -> None:
    url = origins[0].page("loop.vxml", vxml('<form id="a"><block><goto next="#b"/></block></form>'
                                            '<form id="b"><block><goto next="#a"/></block></form>'))
    events = console(capsys, url, "--limits", limits_file(tmp_path, "max_steps = 40"))
    error = next(e for e in events if e["event"] == "error")
    assert error["name"] == "error.semantic" and "40 steps" in error["message"]


def test_a_document_over_the_configured_size_is_error_badfetch(origins, capsys, tmp_path) -> None:
    a = origins[0]
    a.page("big.vxml", vxml("<form><block><prompt>big</prompt></block></form>" + " " * 20_000))
    url = app(a, "to-big.vxml", '<form><block><goto next="big.vxml"/></block></form>')
    assert prompts(console(capsys, url)) == ["big"]  # under the default 4 MiB it loads
    events = console(capsys, url, "--limits", limits_file(tmp_path, "max_document_bytes = 10_000"))
    assert prompts(events) == ["caught error.badfetch"]


def test_data_over_the_configured_document_size_is_error_badfetch(origins, capsys, tmp_path) -> None:
    """``<data>`` (VoiceXML 2.1 §5.1) is parsed under the configured max_document_bytes."""
    a = origins[0]
    a.page("big-data.xml", "<r>1</r>" + " " * 20_000, "application/xml")
    url = app(a, "big-data.vxml", '<form><block><data name="d" src="big-data.xml"/>'
              "<prompt>read</prompt></block></form>")
    assert prompts(console(capsys, url, "--limits", limits_file(tmp_path, "max_document_bytes = 30_000"))) == [
        "read"]
    events = console(capsys, url, "--limits", limits_file(tmp_path, "max_document_bytes = 10_000"))
    assert prompts(events) == ["caught error.badfetch"]


@pytest.mark.parametrize(("name", "body", "media_type"), [
    ("big.grxml", grammar("yes").replace("</grammar>", " " * 20_000 + "</grammar>"), "application/srgs+xml"),
    ("big.gram", "#ABNF 1.0; root $r; $r = yes;" + " " * 20_000, "application/srgs"),
])
def test_a_grammar_over_the_configured_size_is_error_badfetch(origins, capsys, tmp_path, name, body,
                                                              media_type) -> None:
    a = origins[0]
    a.page(name, body, media_type)
    url = app(a, f"field-{name}.vxml", f'<form><field name="f"><grammar src="{name}"/>'
              "<prompt>say</prompt></field></form>")
    events = console(capsys, url, "--limits", limits_file(tmp_path, "max_grammar_bytes = 10_000"))
    assert prompts(events) == ["say", "caught error.badfetch"]


def test_a_console_recording_over_the_configured_size_ends_as_maxtime(origins, capsys, tmp_path) -> None:
    """``max_recording_bytes`` caps the console's recordings as the SIP recorder's (the caller
    talks 1.7 s: 27,200 bytes of 16-bit PCM at 8 kHz; the cap keeps 0.5 s)."""
    url = app(origins[0], "record.vxml", '<form><record name="r" maxtime="10s"><prompt>speak</prompt>'
              '<filled><prompt><value expr="r$.maxtime"/> <value expr="r$.duration"/> '
              '<value expr="r$.size"/></prompt></filled></record></form>')
    lines = tmp_path / "lines.txt"
    lines.write_text("say one two three\n")
    limits = limits_file(tmp_path, "max_recording_bytes = 8000")
    assert prompts(console(capsys, url, "--input", str(lines))) == ["speak", "false 1700 27244"]
    assert prompts(console(capsys, url, "--input", str(lines), "--limits", limits)) == ["speak", "true 500 8044"]


def test_the_configured_max_fetch_time_cuts_a_longer_fetchtimeout(origins, capsys, tmp_path) -> None:
    url = app(origins[0], "to-slow.vxml", '<form><block><goto next="slow" fetchtimeout="10s"/></block></form>')
    started = time.monotonic()
    events = console(capsys, url, "--limits", limits_file(tmp_path, "max_fetch_time_s = 0.5"))
    assert prompts(events) == ["caught error.badfetch"]
    assert time.monotonic() - started < 1.8  # the page comes after 2 s


def test_a_body_over_the_configured_fetch_size_is_error_badfetch(origins, capsys, tmp_path) -> None:
    a = origins[0]
    a.page("big.js", "var x = 1;" + " " * 20_000, "application/javascript")
    url = app(a, "script.vxml", '<form><block><script src="big.js"/><prompt>ran</prompt></block></form>')
    assert prompts(console(capsys, url)) == ["ran"]
    events = console(capsys, url, "--limits", limits_file(tmp_path, "max_fetch_bytes = 10_000"))
    assert prompts(events) == ["caught error.badfetch"]


# --- origins -----------------------------------------------------------------------------------


def submit_to(origins: tuple[Origin, Origin], name: str) -> str:
    """An app on origin a that submits a namelist to origin b."""
    a, b = origins
    b.page("take", vxml("<form><block><prompt>taken</prompt></block></form>"))
    return app(a, name, f'<var name="pin" expr="\'1234\'"/><form><block>'
               f'<submit next="{b.base}/take" namelist="pin" method="post"/></block></form>')


def test_by_default_a_submit_to_another_origin_is_error_badfetch_and_never_sent(origins, capsys) -> None:
    url = submit_to(origins, "leak.vxml")
    origins[1].asked.clear()
    assert prompts(console(capsys, url)) == ["caught error.badfetch"]
    assert origins[1].asked == []


def test_a_data_fetch_from_another_origin_is_error_badfetch(origins, capsys) -> None:
    a, b = origins
    b.page("data.xml", "<r>1</r>", "application/xml")
    url = app(a, "data.vxml", f'<form><block><data name="d" src="{b.base}/data.xml"/>'
              "<prompt>read</prompt></block></form>")
    assert prompts(console(capsys, url)) == ["caught error.badfetch"]


def test_a_submit_to_a_configured_origin_goes_through(origins, capsys, tmp_path) -> None:
    url = submit_to(origins, "allowed.vxml")
    events = console(capsys, url, "--limits", limits_file(tmp_path, f'allowed_origins = ["{origins[1].base}"]'))
    assert prompts(events) == ["taken"]


def test_allow_origin_flags_add_an_origin(origins, capsys) -> None:
    url = submit_to(origins, "flag.vxml")
    assert prompts(console(capsys, url, "--allow-origin", origins[1].base)) == ["taken"]


def test_a_star_in_the_limits_table_allows_any_origin(origins, capsys, tmp_path) -> None:
    url = submit_to(origins, "star.vxml")
    assert prompts(console(capsys, url, "--limits", limits_file(tmp_path, 'allowed_origins = ["*"]'))) == ["taken"]


# --- make run ----------------------------------------------------------------------------------


def test_run_platform_calls_under_the_limits_file(capsys, tmp_path, monkeypatch) -> None:
    """``python -m app_server.run_platform demo --limits FILE``: the demo's first document is
    over the file's max_document_bytes, so the call ends in error.badfetch."""
    import socket

    from app_server.run_platform import main as run_platform

    # run_platform exports its run's token: set it here first so monkeypatch restores "unset" after
    monkeypatch.setenv("VXML_CALL_RECORDS_TOKEN", "")
    monkeypatch.delenv("VXML_CALL_RECORDS_TOKEN")

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    lines = tmp_path / "lines.txt"
    lines.write_text("dtmf 9\n")
    assert run_platform(["demo", "--port", str(port), "--input", str(lines),
                         "--limits", limits_file(tmp_path, "max_document_bytes = 100")]) == 0
    assert "error: error.badfetch" in capsys.readouterr().out
