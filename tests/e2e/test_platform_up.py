"""``make run``'s supervisor as a user meets it: ``python -m vxml_platform up`` with no terminal
(stdin from /dev/null) brings up the app server, the ACD and the SIP pool behind Kamailio; a
pjsua2 caller dials the fund hotline's number on the SIP port and hears its prompts; killing the
ACD or a worker gets it restarted; headless Chromium calls it from the web phone over WebRTC while a call on the other worker goes on; SIGINT stops
everything and leaves no process behind.

The SIP port is 5060 as ``make run`` has it (the app server and ACD on their defaults too) when
those ports are free here; when a platform already runs on this machine they are free ports
instead, and everything else is the same.
"""

from __future__ import annotations

import asyncio
import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile
from playwright.async_api import async_playwright

from app_server.calls import call_id_for
from vxml_browser.adapters.media import read_wav

from .audio_check import envelope
from .conftest import ROOT, UA, env, free_port, needs_espeak, needs_pjsua2, rtp_base, wait_for

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

pytestmark = [needs_pjsua2, needs_espeak]


def port_free(port: int, kind: int) -> bool:
    with socket.socket(socket.AF_INET, kind) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class Up:
    """A ``vxml-platform up`` process and what it printed."""

    def __init__(self, tmp: Path) -> None:
        udp, tcp = socket.SOCK_DGRAM, socket.SOCK_STREAM
        defaults = all(port_free(port, kind) for port, kind in (
            (5060, udp), (8090, tcp), (8095, tcp), (8088, tcp), (5062, udp), (2223, udp)))
        self.sip_port, app_port, acd_port, ws_port, edge_port, ng_port = (
            (5060, 8090, 8095, 8088, 5062, 2223) if defaults else
            (free_port(), free_port(tcp), free_port(tcp), free_port(tcp), free_port(), free_port()))
        self.app_url = f"http://127.0.0.1:{app_port}"
        self.acd_url = f"http://127.0.0.1:{acd_port}"
        self.config = tmp / "platform.toml"
        media = rtp_base(1)
        self.config.write_text(f"""[platform]
data_dir = "{tmp / 'data'}"
sip_port = {self.sip_port}
app_port = {app_port}
acd_port = {acd_port}
ws_port = {ws_port}
edge_sip_port = {edge_port}
rtpengine_port = {ng_port}
rtpengine_ports = [{media}, {media + 199}]
worker_base_port = {free_port()}
rtp_port = {rtp_base(2)}
""")
        self.status_path = tmp / "data" / "run" / "status.json"
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self.proc = subprocess.Popen([sys.executable, "-m", "vxml_platform", "--config", str(self.config), "up"],
                                     cwd=ROOT, env=env(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, text: str, timeout_s: float) -> str:
        """The next printed line holding ``text`` (AssertionError with the output when none)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                continue
            self.seen.append(line)
            if text in line:
                return line
        raise AssertionError(f"no {text!r} within {timeout_s} s:\n" + "\n".join(self.seen[-80:]))

    def drain(self) -> None:
        """Take what was printed so far (``wait_for`` then sees only what comes next)."""
        while not self.lines.empty():
            self.seen.append(self.lines.get())

    def status(self) -> dict[str, Any]:
        return json.loads(self.status_path.read_text())

    def worker_pids(self) -> dict[int, int]:
        pids = {}
        for line in self.seen:
            if '"event": "worker-ready"' in line:
                event = json.loads(line.split("| ", 1)[1])
                pids[event["worker"]] = event["pid"]
        return pids


@pytest.fixture(scope="module")
def up(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Up]:
    platform = Up(tmp_path_factory.mktemp("platform-up"))
    try:
        platform.wait_for("the platform is up", 120)
        yield platform
    finally:
        if platform.proc.poll() is None:
            platform.proc.send_signal(signal.SIGINT)
            try:
                platform.proc.wait(30)
            except subprocess.TimeoutExpired:
                platform.proc.kill()
                platform.proc.wait()
        platform.reader.join(10)  # at the end of the output
        assert platform.proc.stdout is not None
        platform.proc.stdout.close()


def level(heard: str) -> float:
    pcm, rate = read_wav(heard)
    frames = envelope(np.asarray(pcm), rate)
    return float(np.percentile(frames, 90)) if len(frames) else 0.0


def test_up_without_a_terminal_answers_the_fund_hotline_number_with_its_prompts(up: Up, tmp_path: Path) -> None:
    assert up.proc.poll() is None
    heard = str(tmp_path / "heard.wav")
    ua = UA(str(tmp_path), {"mode": "call", "dest": f"sip:1000@127.0.0.1:{up.sip_port}", "user": "caller",
                            "record": heard, "steps": [["until_confirmed", 10], ["wait", 5], ["hangup"]]})
    events = ua.result(60)
    assert any(e["event"] == "state" and e["state"] == "CONFIRMED" for e in events), events
    assert level(heard) > 300, "the caller heard silence"


SAID = "() => window.phone.said.filter(s => s.kind === 'ivr').map(s => s.text).join(' ')"
"""What the IVR said so far, as the web phone shows it."""


async def chromium(pw: Any, mic: Path) -> Any:
    """Headless Chromium whose microphone plays ``mic`` (looped) and whose pages may play audio."""
    return await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
        "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-audio-capture={mic}", "--autoplay-policy=no-user-gesture-required"])


async def web_call(browser: Any, up: Up, number: str) -> Any:
    """A web phone page that has called ``number`` and is connected."""
    page = await browser.new_page()
    await page.goto(f"{up.app_url}/phone")
    await page.fill("#number", number)
    await page.click("#call")
    await page.wait_for_function("window.phone.state() === 'connected'", timeout=15000)
    return page


def caller_voice(path: Path) -> Path:
    """The web phone's microphone: 8 s of silence, then espeak-ng saying digits (Chromium loops
    the file). Silence first, or the caller's voice barges in on the greeting at once."""
    spoken = path.with_suffix(".speech.wav")
    subprocess.run(["espeak-ng", "-w", str(spoken), "one two three"], check=True)
    pcm, rate = soundfile.read(spoken, dtype="int16")
    soundfile.write(path, np.concatenate([np.zeros(rate * 8, dtype="int16"), pcm]), rate)
    return path


def test_the_web_phone_calls_the_fund_hotline_over_webrtc_hears_it_and_presses_a_key(up: Up, tmp_path: Path) -> None:
    """Headless Chromium on /phone: JsSIP over the edge's WebSocket, DTLS-SRTP through rtpengine
    to a worker; the greeting's energy measured on the remote track and its text shown on the
    page; a key from the pad (RFC 4733) takes the caller to the funds menu, whose text follows."""
    mic = caller_voice(tmp_path / "mic.wav")

    async def scenario() -> tuple[float, str]:
        async with async_playwright() as pw:
            browser = await chromium(pw, mic)
            try:
                page = await web_call(browser, up, "1000")
                loudest = await page.evaluate("""() => new Promise(done => {
                    let loudest = 0; const t0 = performance.now();
                    const tick = () => { loudest = Math.max(loudest, window.phone.level());
                        if (loudest > 0.02 || performance.now() - t0 > 6000) done(loudest); else setTimeout(tick, 50); };
                    tick(); })""")
                await page.wait_for_function(f"({SAID})().length > 0", timeout=10000)
                up.drain()
                await page.click("[data-key='1']")
                funds = await asyncio.to_thread(up.wait_for, "/apps/fund_hotline/funds", 15)
                await page.wait_for_function(f"({SAID})().includes('We offer')", timeout=10000)
                await page.click("#hangup")
                await page.wait_for_function("window.phone.state() !== 'connected'", timeout=10000)
                return loudest, funds
            finally:
                await browser.close()

    loudest, funds = asyncio.run(scenario())
    assert loudest > 0.02, f"the web phone heard silence (RMS {loudest})"
    assert "GET /apps/fund_hotline/funds" in funds


def tone_file(path: Path, hz: float, seconds: float, silence_s: float = 0.0, rate: int = 16000) -> Path:
    t = np.arange(int(rate * seconds)) / rate
    tone = (0.3 * 32767 * np.sin(2 * np.pi * hz * t)).astype("int16")
    soundfile.write(path, np.concatenate([np.zeros(int(rate * silence_s), dtype="int16"), tone]), rate)
    return path


def test_a_web_caller_speaks_to_the_demo(up: Up, tmp_path: Path) -> None:
    """The speech defaults (PocketSphinx on the 2.15 workers): the web phone's microphone says
    "goodbye" (espeak-ng) after the greeting, and the demo takes its leave, shown on the page.
    ("hours" is heard as "balance" by PocketSphinx here: DEPENDENCIES.md, WebRTC edge.)"""
    spoken = tmp_path / "hours.speech.wav"
    subprocess.run(["espeak-ng", "-s", "140", "-w", str(spoken), "goodbye"], check=True)
    pcm, rate = soundfile.read(spoken, dtype="int16")
    mic = tmp_path / "hours.wav"
    silence = np.zeros(rate * 9, dtype="int16")  # the greeting first; after the word, quiet for long
    soundfile.write(mic, np.concatenate([silence, pcm, silence, silence]), rate)

    async def scenario() -> str:
        async with async_playwright() as pw:
            browser = await chromium(pw, mic)
            try:
                page = await web_call(browser, up, "1002")
                try:
                    await page.wait_for_function(f"({SAID})().includes('Thank you for calling')", timeout=25000)
                except Exception:
                    pass  # the assertion below shows what the page did get
                text = await page.evaluate(f"({SAID})()")
                await page.click("#hangup")
                return text
            finally:
                await browser.close()

    text = asyncio.run(scenario())
    assert "Thank you for calling" in text, text


async def open_all_hours(page: Any, app_url: str, password: str) -> None:
    """What a manager does in the app server's admin: the fund hotline's agents take calls at
    any hour (this test runs whenever CI does)."""
    await page.goto(f"{app_url}/admin/login")
    await page.fill("#user", "admin")
    await page.fill("#password", password)
    await page.click("#signin")
    await page.goto(f"{app_url}/admin/apps/fund_hotline")
    for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"):
        await page.fill(f"#hours input[name={day}]", "00:00-23:59")
    await page.click("#hours button[type=submit]")
    await page.wait_for_url("**saved=hours**")


def test_a_web_caller_presses_0_and_an_agent_answers_on_her_desktop_softphone(up: Up, tmp_path: Path) -> None:
    """The caller (web phone, a 440 Hz tone after 6 s of silence) presses 0 in the fund hotline;
    ann, signed in on the agent desktop with the browser as her phone (a 700 Hz tone), sees the
    screen pop, answers from the page, and each hears the other's tone; the ACD's call record
    names ann and the app server's shows the path through the agent page."""
    password = (up.config.parent / "data" / "demo-password").read_text().strip()
    caller_mic = tone_file(tmp_path / "caller.wav", 440, 20, silence_s=6)
    agent_mic = tone_file(tmp_path / "agent.wav", 700, 30)

    async def strongest(page: Any, phone: str, want: float) -> float:
        """The far end's strongest frequency, polled up to 8 s until it is near ``want``."""
        return await page.evaluate("""([phone, want]) => new Promise(done => {
            const t0 = performance.now(); let hz = 0;
            const tick = () => { hz = window[phone].softphone ? window[phone].softphone.dominant() : window[phone].dominant();
                if (Math.abs(hz - want) < 40 || performance.now() - t0 > 8000) done(hz); else setTimeout(tick, 50); };
            tick(); })""", [phone, want])

    console: list[str] = []

    async def scenario() -> dict[str, Any]:
        async with async_playwright() as pw:
            agent_browser, caller_browser = await chromium(pw, agent_mic), await chromium(pw, caller_mic)
            try:
                await open_all_hours(await agent_browser.new_page(), up.app_url, password)
                desk = await agent_browser.new_page()
                desk.on("console", lambda m: console.append(f"desk: {m.text[:300]}"))
                desk.on("pageerror", lambda e: console.append(f"desk error: {e}"))
                await desk.goto(f"{up.acd_url}/login")
                await desk.fill("#name", "ann")
                await desk.fill("#password", password)
                await desk.click("#login")
                await desk.wait_for_url("**/desktop")
                await desk.click("#phone-on")
                await desk.wait_for_function("document.getElementById('phone-state').textContent === 'registered'",
                                             timeout=10000)
                await desk.fill("#skills", "funds:1")
                await desk.click("#sign-in")
                await desk.wait_for_function("document.getElementById('state').textContent !== 'OFFLINE'", timeout=5000)
                await desk.click("#ready")
                await desk.wait_for_function("document.getElementById('state').textContent === 'READY'", timeout=5000)

                web = await web_call(caller_browser, up, "1000")
                await web.click("[data-key='0']")
                await desk.wait_for_function("document.getElementById('phone-state').textContent === 'incoming'",
                                             timeout=30000)
                queue = await desk.text_content("#pop-queue")
                await desk.click("#phone-answer")
                await desk.wait_for_function("document.getElementById('phone-state').textContent === 'connected'",
                                             timeout=10000)
                heard_by_agent = await strongest(desk, "agentPhone", 440)
                heard_by_caller = await strongest(web, "phone", 700)
                call_id = await desk.text_content("#pop-call")
                acd_call = await desk.evaluate(
                    "id => fetch('/api/calls/' + encodeURIComponent(id)).then(r => r.json())", call_id)
                await desk.click("#phone-hangup")
                await web.wait_for_function("window.phone.state() !== 'connected'", timeout=10000)
                return {"queue": queue, "agent hears": heard_by_agent, "caller hears": heard_by_caller,
                        "call": call_id, "acd": acd_call}
            finally:
                await agent_browser.close()
                await caller_browser.close()

    try:
        seen = asyncio.run(scenario())
    except Exception:
        up.drain()
        print("\n".join(line for line in up.seen[-300:] if "aiohttp.access" not in line))
        print("\n".join(console[-60:]))
        raise
    assert seen["queue"] == "funds", seen
    assert abs(seen["agent hears"] - 440) < 40, seen
    assert abs(seen["caller hears"] - 700) < 40, seen
    assert seen["acd"]["agent"] == "ann" and seen["acd"]["queue"] == "funds", seen["acd"]
    record = app_call_record(up, seen["call"])
    assert "agent" in record["path"], record["path"]


def app_call_record(up: Up, sip_call_id: str) -> dict[str, Any]:
    """The app server's record of a call (its id from the SIP Call-ID, ``calls.call_id_for``),
    once the worker has posted its end."""
    request = urllib.request.Request(f"{up.app_url}/calls/{call_id_for(sip_call_id)}",
                                     headers={"Authorization": f"Bearer {up.status()['call_records_token']}"})
    def read() -> dict[str, Any]:
        return json.loads(urllib.request.urlopen(request).read())

    wait_for(lambda: read().get("end_reason"), 15, every=0.2)
    return read()


def test_a_sip_phone_on_tcp_reaches_the_same_number(up: Up, tmp_path: Path) -> None:
    """SIP over TCP to the same port: the call is answered, the greeting heard, and the BYE (sent
    by the caller over TCP, Record-Routed through Kamailio to the UDP worker) ends it cleanly."""
    heard = str(tmp_path / "heard-tcp.wav")
    ua = UA(str(tmp_path), {"mode": "call", "transport": "tcp", "user": "tcp-caller", "record": heard,
                            "dest": f"sip:1000@127.0.0.1:{up.sip_port};transport=tcp",
                            "steps": [["until_confirmed", 10], ["wait", 4], ["hangup"], ["until_disconnected", 5]]})
    events = ua.result(60)
    states = [e["state"] for e in events if e["event"] == "state"]
    assert "CONFIRMED" in states and states[-1] == "DISCONNECTED", events
    assert level(heard) > 300, "the TCP caller heard silence"
    record = app_call_record(up, events[-1]["call_id"])
    causes = [e["name"] for e in record["events"] if e["kind"] == "platform"]
    assert causes == ["remote-hangup"], record  # the worker got the caller's BYE


def test_status_shows_every_part_healthy(up: Up) -> None:
    out = subprocess.run([sys.executable, "-m", "vxml_platform", "--config", str(up.config), "status"],
                         cwd=ROOT, env=env(), capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stdout + out.stderr
    for part in ("app", "acd", "sip", "rtp", "ws"):
        assert any(line.split()[0] == part and line.rstrip().endswith(" healthy") for line in
                   out.stdout.splitlines()[1:]), out.stdout


def test_a_killed_acd_is_restarted(up: Up) -> None:
    before = up.status()["parts"]["acd"]
    os.kill(before["pid"], signal.SIGKILL)
    up.wait_for("acd exited with -9: restarting it", 10)
    up.wait_for("acd is back (restart 1)", 60)
    after = up.status()["parts"]["acd"]
    assert after["pid"] != before["pid"] and after["state"] == "healthy" and after["restarts"] == 1


def test_a_killed_worker_is_restarted_while_the_call_on_the_other_goes_on(up: Up, tmp_path: Path) -> None:
    up.drain()
    workers = up.worker_pids()
    assert len(workers) == 2, up.seen[-40:]
    calls = [UA(str(tmp_path), {"mode": "call", "dest": f"sip:1000@127.0.0.1:{up.sip_port}", "user": f"c{i}",
                                "record": str(tmp_path / f"heard-{i}.wav"),
                                "steps": [["until_confirmed", 10], ["touch", str(tmp_path / f"up-{i}")],
                                          ["wait", 10], ["hangup"]]}) for i in range(2)]
    # both answered (Kamailio spreads them round robin, one per worker)
    assert wait_for(lambda: all((tmp_path / f"up-{i}").exists() for i in range(2)), 20)
    os.kill(workers[0], signal.SIGKILL)
    died = json.loads(up.wait_for('"event": "worker-died"', 10).split("| ", 1)[1])
    assert died["worker"] == 0 and died["calls"] == 1, died
    restarted = json.loads(up.wait_for('"event": "worker-ready"', 30).split("| ", 1)[1])
    assert restarted["worker"] == 0 and restarted["pid"] != workers[0]
    ended = []
    for ua in calls:
        events = ua.result(60)
        ended.append(next(e["t"] for e in events if e["event"] == "state" and e["state"] == "DISCONNECTED"))
    early, late = sorted(ended)
    assert early < 9 < late, ended  # the dead worker's call was ended; the other lasted its 10 s
    assert up.status()["parts"]["sip"]["restarts"] == 0  # the pool restarted its worker itself


def test_sigint_stops_every_part_and_leaves_no_process_behind(up: Up) -> None:
    parts = [p["pid"] for p in up.status()["parts"].values()]
    workers = list(up.worker_pids().values())
    rundirs = [json.loads(line.split("| ", 1)[1])["rundir"] for line in up.seen if '"event": "ready"' in line]
    up.proc.send_signal(signal.SIGINT)
    assert up.proc.wait(60) == 0
    left = []
    for pid in [*parts, *workers]:
        if Path(f"/proc/{pid}").exists():
            left.append(pid)
    for proc in Path("/proc").iterdir():  # Kamailio: started with the pool's run folder on its command line
        if proc.name.isdigit():
            try:
                cmdline = (proc / "cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            if any(rundir in cmdline for rundir in rundirs) or str(up.config.parent) in cmdline:
                left.append(int(proc.name))
    assert not left, left
    assert not up.status_path.exists()
