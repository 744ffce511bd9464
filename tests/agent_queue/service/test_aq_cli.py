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
