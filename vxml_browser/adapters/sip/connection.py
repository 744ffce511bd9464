"""What a SIP call is, to the session and to the app server: ``session.connection.*`` from the
INVITE (``connection_vars``, VoiceXML 2.0 §5.1.4) and the call record the worker posts when
the call ends (``CallRecord``, ``worker.post_call_record``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any


@dataclass
class CallRecord:
    """What the app server is told about each call."""

    call_id: str
    from_uri: str
    to_uri: str
    app: str
    start: float
    answer: float | None = None
    end: float | None = None
    cause: str = ""
    worker: int = 0
    transfers: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "call_id": self.call_id, "from": self.from_uri, "to": self.to_uri, "app": self.app,
            "start": self.start, "answer": self.answer, "end": self.end, "cause": self.cause,
            "worker": self.worker, "transfers": self.transfers,
        }


def _uri(header: str) -> str:
    m = re.search(r"<([^>]+)>", header)
    return m.group(1) if m else header.split(";")[0].strip()


def connection_vars(details: dict[str, Any]) -> dict[str, Any]:
    """session.connection.* from the INVITE (VoiceXML 2.0 §5.1.4)."""
    headers: dict[str, list[str]] = details.get("headers", {})
    redirect: list[dict[str, Any]] = []
    for value in headers.get("diversion", []):
        for item in value.split(","):
            reason = re.search(r"reason=\"?([\w-]+)", item)
            redirect.append({"uri": _uri(item), "pi": "allowed", "si": "verified",
                             "reason": reason.group(1) if reason else "unknown"})
    for value in headers.get("history-info", []):
        for item in value.split(","):
            uri = _uri(item)
            if uri and uri != _uri(details.get("local_uri", "")):
                redirect.append({"uri": uri.split("?")[0], "pi": "allowed", "si": "verified",
                                 "reason": "unknown"})
    uui = headers.get("user-to-user", [None])[0]
    aai = uui.split(";")[0].strip() if uui else None
    if aai and re.fullmatch(r"[0-9A-Fa-f]+", aai) and len(aai) % 2 == 0 and "encoding=hex" in (uui or ""):
        aai = bytes.fromhex(aai).decode("utf-8", "replace")
    remote = _uri(details.get("remote_uri", ""))
    return {
        "connection": {
            "local": {"uri": _uri(details.get("local_uri", ""))},
            "remote": {"uri": remote},
            "protocol": {"name": "sip", "version": "2.0",
                         "sip": {"headers": {k: v[0] for k, v in headers.items()}}},
            "redirect": redirect,
            "aai": aai,
            "originator": remote,
        }
    }
