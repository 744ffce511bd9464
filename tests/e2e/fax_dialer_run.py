"""The fax queue over SIP, run as its own process (it needs the pjsua2 2.15 wheel first on the
path): an ``Engine`` and a ``FaxQueue`` whose ``SipFaxDialer`` places the calls.

    python tests/e2e/fax_dialer_run.py SCRIPT.json  ->  one JSON line: {"reports": [...]}

SCRIPT: {"port", "rtp_port", "queue": "faxq.db", "jobs": [["sip:...", "doc.tif"], ...]}
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

from vxml_browser.adapters.fax.queue import FaxQueue
from vxml_browser.adapters.sip.engine import Engine, EngineConfig
from vxml_browser.adapters.sip.fax_dialer import SipFaxDialer


async def main(script: dict[str, Any]) -> list[dict[str, Any]]:
    loop = asyncio.get_running_loop()

    def incoming(key: int, details: dict[str, Any]) -> Any:  # nobody calls us
        return lambda kind, arg: None

    engine = Engine(EngineConfig(port=script["port"], rtp_port=script["rtp_port"], max_calls=4,
                                 codecs=("PCMU/8000", "PCMA/8000")), loop, incoming)
    engine.start()
    queue = FaxQueue(script["queue"], SipFaxDialer(engine, answer_timeout_s=10), max_attempts=1,
                     ident="+1 555 0199")
    try:
        for number, path in script["jobs"]:
            with open(path, "rb") as f:
                queue.submit(number, f.read())
        reports = await queue.run_due()
        return [{"status": r.status, "pages": r.pages, "text": r.text(),
                 "attempts": [{"outcome": a.outcome, "pages": a.pages, "remote_id": a.remote_id,
                               "message": a.message} for a in r.attempts]} for r in reports]
    finally:
        queue.close()
        await asyncio.sleep(0.3)  # the last BYE
        await loop.run_in_executor(None, engine.stop)


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        print(json.dumps({"reports": asyncio.run(main(json.load(f)))}), flush=True)
