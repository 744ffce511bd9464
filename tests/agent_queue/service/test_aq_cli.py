"""``agent-queue --config FILE`` starts the service on 127.0.0.1."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_cli_serves_on_localhost(tmp_path):
    port = free_port()
    config = tmp_path / "acd.toml"
    config.write_text(f'''
[server]
port = {port}
[store]
url = "sqlite:///{tmp_path / 'acd.db'}"
[[users]]
name = "sue"
password = "pw"
role = "supervisor"
[[queues]]
name = "sales"
skills = {{ sales = 1 }}
time_rules = [{{ after = 30, skills = {{ sales = 0 }} }}]
hours = {{ mon = ["08:00-18:00"] }}
''')
    proc = subprocess.Popen([sys.executable, "-m", "agent_queue.cli", "--config", str(config)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=1) as resp:
                    assert resp.status == 200
                    break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.1)
    finally:
        proc.terminate()
        proc.wait(10)
        proc.stdout.close()


def test_example_settings_load():
    from pathlib import Path

    import agent_queue
    from agent_queue.service.config import load_settings

    s = load_settings(Path(agent_queue.__file__).parent / "example.toml")
    sales = {q.name: q for q in s.queues}["sales"]
    assert (sales.strategy, sales.max_wait, sales.overflow) == ("longest_idle", 600, "queue:support")
    assert [r.after for r in sales.time_rules] == [30.0, 90.0]
    assert sales.schedule is not None and "2026-12-25" in sales.schedule.holidays
    assert [u.role for u in s.users] == ["admin", "supervisor", "agent"] and s.tokens[0].role == "platform"


def test_bad_settings_name_what_was_found(tmp_path):
    import pytest

    from agent_queue.service.config import load_settings

    bad = tmp_path / "bad.toml"
    bad.write_text('[[queues]]\nname = "q"\nstrategy = "fastest"\n')
    with pytest.raises(Exception, match="strategy 'fastest'"):
        load_settings(bad)
    bad.write_text('[[users]]\nname = "x"\npassword = "p"\nrole = "boss"\n')
    with pytest.raises(ValueError, match="role 'boss'"):
        load_settings(bad)
