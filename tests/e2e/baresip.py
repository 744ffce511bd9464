"""baresip (Debian ``baresip``) as a second, independent SIP caller for the end-to-end tests.

Headless: a config folder, audio from a padded WAV (``aufile``), what it hears dumped by
``sndfile`` into ``snd_path``, and commands over ``ctrl_tcp`` as netstring-framed JSON.
"""

from __future__ import annotations

import glob
import json
import os
import socket
import subprocess
import time

import numpy as np

from vxml_browser.adapters.media import wav_bytes

from .conftest import free_port


class Baresip:
    def __init__(self, tmp: str, dtmfmode: str = "rtpevent") -> None:
        self.dir = os.path.join(tmp, f"baresip-{free_port()}")
        os.makedirs(self.dir)
        self.snd = os.path.join(self.dir, "snd")
        os.makedirs(self.snd)
        self.sip_port = free_port()
        self.ctrl_port = free_port(socket.SOCK_STREAM)
        source = os.path.join(self.dir, "silence.wav")
        with open(source, "wb") as f:  # baresip hangs up when its source file ends: pad it
            f.write(wav_bytes(np.zeros(8000 * 120, dtype=np.int16), 8000))
        with open(os.path.join(self.dir, "config"), "w") as f:
            f.write(f"""poll_method epoll
sip_listen 127.0.0.1:{self.sip_port}
net_interface 127.0.0.1
audio_player aubridge,nil
audio_source aufile,{source}
audio_alert aubridge,nil
rtp_ports 40000-40100
module_path /usr/lib/baresip/modules
module g711.so
module aufile.so
module aubridge.so
module sndfile.so
snd_path {self.snd}
module_app account.so
module_app menu.so
module_app ctrl_tcp.so
ctrl_tcp_listen 127.0.0.1:{self.ctrl_port}
""")
        extra = ";dtmfmode=info" if dtmfmode == "info" else ""
        with open(os.path.join(self.dir, "accounts"), "w") as f:
            f.write(f"<sip:bob@127.0.0.1:{self.sip_port}>;regint=0;audio_codecs=PCMU{extra}\n")
        self.log = open(os.path.join(self.dir, "log"), "w")
        self.proc = subprocess.Popen(["baresip", "-f", self.dir], stdout=self.log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.sock: socket.socket | None = None
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                self.sock = socket.create_connection(("127.0.0.1", self.ctrl_port), timeout=2)
                break
            except OSError:
                time.sleep(0.1)
        if self.sock is None:
            raise RuntimeError(f"baresip did not start: {self.output()}")

    def command(self, command: str, params: str = "") -> None:
        assert self.sock is not None
        data = json.dumps({"command": command, "params": params, "token": command}).encode()
        self.sock.sendall(str(len(data)).encode() + b":" + data + b",")

    def output(self) -> str:
        self.log.flush()
        with open(os.path.join(self.dir, "log")) as f:
            return f.read()

    def heard(self) -> str | None:
        """The WAV of what baresip heard (sndfile's decoder dump)."""
        files = sorted(glob.glob(os.path.join(self.snd, "*dec*.wav")))
        return files[-1] if files else None

    def stop(self) -> None:
        if self.sock is not None:
            try:
                self.command("quit")
            except OSError:
                pass
            self.sock.close()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        self.log.close()
