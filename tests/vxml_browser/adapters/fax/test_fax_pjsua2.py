"""A fax over a real SIP call (pjsua2 2.15 on 127.0.0.1, PCMU RTP), through the per-frame hook
the SIP platform uses. Needs the 2.15 wheel (``AudioMediaPort``): give its folder in
``SIP_PJSUA2_215`` (``pip install --target DIR pjsua2-python==2.15.1.post1``), as for the
voice-input e2e test. Real time: ~18 s for the prospectus' first page."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from vxml_browser.adapters.fax import documents

WHEEL_215 = os.environ.get("SIP_PJSUA2_215", "")
ROOT = Path(__file__).parents[4]

pytestmark = pytest.mark.skipif(
    not (WHEEL_215 and os.path.isdir(os.path.join(WHEEL_215, "pjsua2"))),
    reason="a fax over SIP needs the pjsua2 2.15 wheel: set SIP_PJSUA2_215")


def test_one_page_over_sip(tmp_path):
    sent, received = str(tmp_path / "sent.tif"), str(tmp_path / "received.tif")
    documents.to_fax_tiff((ROOT / "sample_apps" / "fax_demo" / "prospectus.pdf").read_bytes(), sent)
    documents.write_tiff(documents.read_pages(sent)[:1], sent)  # its first page
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([WHEEL_215, str(ROOT)])}
    run = subprocess.run([sys.executable, str(Path(__file__).with_name("pjsua2_fax_call.py")),
                          sent, received], capture_output=True, text=True, timeout=150, env=env)
    assert run.returncode == 0, run.stderr[-2000:]
    out = json.loads(run.stdout.strip().splitlines()[-1])
    print("\n", out)
    assert out["sender"]["status"] == "ok" and out["receiver"]["status"] == "ok", out
    assert out["receiver"]["pages"] == 1 and out["receiver"]["bit_rate"] == 14400
    [a], [b] = documents.read_pages(sent), documents.read_pages(received)
    assert documents.difference(a, b) == 0.0
