"""The SIP platform's settings: command-line flags over an optional TOML file.

    [sip]
    listen = "127.0.0.1:5070"        # the address callers use (Kamailio's, with workers > 1)
    app = "http://127.0.0.1:8090/ivr/main.vxml"
    workers = 1                      # > 1: a pool of processes behind Kamailio's dispatcher
    worker_base_port = 5200          # worker i listens on base + i (pool only)
    rtp_port = 20000                 # first RTP port; each worker gets its own range of 200
    max_calls = 31                   # per worker process (the wheel's limit wins)
    clock_rate = 8000                # the conference bridge rate (16000 for wideband G.722)
    codecs = ["PCMU/8000", "PCMA/8000", "G722/16000"]
    call_records_url = ""            # POST a JSON call record here when a call ends
    call_records_token = ""          # sent as Authorization: Bearer; env VXML_CALL_RECORDS_TOKEN
    synthesizer = ""                 # a speech plugin name ("espeak") or "module:Class"; default:
                                     # the [speech] table's choice per language (plugins.py)
    recognizer = ""                  # a speech plugin ("pocketsphinx", "vosk") for voice input;
                                     # needs the 2.15 wheel (AudioMediaPort): see pjsua2_path
    fax_store = ""                   # SQLAlchemy URL keeping received faxes (builtin:fax/receive)
    fax_ident = ""                   # our fax station id (TSI/CSI)
    fax_queue = ""                   # SQLite file of the outbound fax queue this process sends
                                     # (``vxml-browser fax send`` fills it; retries, reports)
    fax_dial_uri = "sip:{number}@127.0.0.1"  # the SIP URI a queued fax's number is dialled at
    fax_queue_poll = 5.0             # s between looks for due faxes
    fax_attempts = 3                 # tries per queued fax (busy, no answer, a failed transfer)
    fax_retry = [120.0, 600.0]       # s before the 2nd try, the 3rd and later ones
    media_cache = ""                 # converted prompts (default: $TMPDIR/vxml-browser-media)
    pjsua2_path = ""                 # a folder holding another pjsua2 wheel (tried first)
    media_timeout = 10.0             # s without RTP or RTCP from a bridged transfer's far leg:
                                     # network_disconnect (0: off; keep it above RTCP's 5 s)
    kamailio = "kamailio"            # the Kamailio binary (pool only)
    tcp = false                      # Kamailio also takes SIP over TCP on listen's port (pool only;
                                     # a TCP caller's dialog is Record-Routed through Kamailio)

    [sip.apps]                       # the app a DID (the To/request-URI user) maps to
    "1000" = "http://127.0.0.1:8090/sales/main.vxml"

    [[sip.credentials]]              # digest auth (RFC 3261 §22) when a peer answers an outbound
    realm = "pbx.example"            # INVITE (transfers, agents) with 401/407; "*": any realm
    username = "ivr"
    password_env = "PBX_PASSWORD"    # or password = "..." (plain text in the file)

    [acd]                            # <transfer dest="queue:NAME">: the agent queue service
    url = "http://127.0.0.1:8095"    # (queue_transfer.py); without it such transfers fail
    token = "..."                    # a [[tokens]] entry of role "platform" in the ACD's TOML;
                                     # env VXML_ACD_TOKEN wins
    music = ""                       # hold music (a URL) between announcements, unless the
                                     # <transfer> has transferaudio
    reconnect_timeout = 60.0         # s a waiting caller stays queued while the ACD is away
                                     # (restarting); longer: error.connection.noroute
    monitor_ring_timeout = 30.0      # s a supervisor's phone rings (listen, whisper, barge,
                                     # intercept) before his leg is hung up; the call goes on
    callback_uri = "sip:{number}@127.0.0.1:5090"  # where a callback dials the customer's
                                     # number (callbacks.py; the ACD's offer with callback set)

    [limits]                         # each call's limits (adapters/limits.py has every key)
    max_document_bytes = 4194304     # e.g.: a larger document is error.badfetch
    max_recording_bytes = 16777216   # <record> audio as captured; more ends it as maxtime does
    allowed_origins = []             # fetches may reach the call's app origin and these ("*": any)
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, replace
from typing import Any

from ..limits import BrowserLimits, limits_from_table


@dataclass(frozen=True, slots=True)
class SipCredential:
    """One ``[[sip.credentials]]`` entry: what we answer a digest challenge of ``realm`` with."""

    realm: str
    username: str
    password: str = field(repr=False)


def credential_from_table(entry: dict[str, Any], path: str | None) -> SipCredential:
    """A credential whose password is given inline or by ``password_env``, an environment variable."""
    unknown = set(entry) - {"realm", "username", "password", "password_env"}
    if unknown:
        raise ValueError(f"{path}: unknown [[sip.credentials]] settings {sorted(unknown)}")
    password = entry.get("password", "")
    if "password_env" in entry:
        password = os.environ.get(entry["password_env"], "")
        if not password:
            raise ValueError(f"{path}: [[sip.credentials]] password_env names {entry['password_env']}, "
                             "which is not set")
    return SipCredential(entry.get("realm", "*"), entry["username"], password)


@dataclass(frozen=True, slots=True)
class SipConfig:
    host: str = "127.0.0.1"
    port: int = 5070
    app: str = ""
    apps: dict[str, str] = field(default_factory=dict)
    workers: int = 1
    worker_base_port: int = 5200
    rtp_port: int = 20000
    max_calls: int = 31
    clock_rate: int = 8000
    codecs: tuple[str, ...] = ("PCMU/8000", "PCMA/8000", "G722/16000")
    call_records_url: str = ""
    call_records_token: str = ""  # Authorization: Bearer for call_records_url (env VXML_CALL_RECORDS_TOKEN)
    credentials: tuple[SipCredential, ...] = ()  # [[sip.credentials]]: digest auth for outbound INVITEs
    synthesizer: str = ""
    recognizer: str = ""
    fax_store: str = ""
    fax_ident: str = ""
    fax_queue: str = ""
    fax_dial_uri: str = "sip:{number}@127.0.0.1"
    fax_queue_poll: float = 5.0
    fax_attempts: int = 3
    fax_retry: tuple[float, ...] = (120.0, 600.0)
    media_cache: str = ""
    pjsua2_path: str = ""
    kamailio: str = "kamailio"
    tcp: bool = False
    poll_ms: int = 10
    log_level: int = 0
    media_timeout: float = 10.0  # s without RTP from a bridged far leg: network_disconnect (0: off)
    speech: dict[str, Any] = field(default_factory=dict)  # the file's top-level [speech] table
    acd_url: str = ""  # the file's [acd] table: url, token, music
    acd_token: str = ""
    acd_music: str = ""
    acd_reconnect_timeout: float = 60.0
    acd_monitor_ring_timeout: float = 30.0
    acd_callback_uri: str = "sip:{number}@127.0.0.1:5090"
    limits: BrowserLimits = field(default_factory=BrowserLimits)  # the file's [limits] table

    def app_for(self, user: str) -> str:
        """The app URL for a called user (DID), or the default app."""
        return self.apps.get(user, self.app)


def parse_hostport(text: str, default_port: int = 5070) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep:
        return text, default_port
    return host or "127.0.0.1", int(port)


def load_config(path: str | None = None, **overrides: Any) -> SipConfig:
    values: dict[str, Any] = {}
    if path:
        with open(path, "rb") as f:
            data = tomllib.load(f)
        section = dict(data.get("sip", {}))
        if "speech" in data:
            section["speech"] = data["speech"]
        acd = dict(data.get("acd", {}))
        unknown_acd = set(acd) - {"url", "token", "music", "reconnect_timeout", "monitor_ring_timeout",
                                "callback_uri"}
        if unknown_acd:
            raise ValueError(f"{path}: unknown [acd] settings {sorted(unknown_acd)}")
        section.update({f"acd_{k}": v for k, v in acd.items()})
        if "limits" in data:
            section["limits"] = limits_from_table(data["limits"], path)
        if "listen" in section:
            section["host"], section["port"] = parse_hostport(section.pop("listen"))
        if "codecs" in section:
            section["codecs"] = tuple(section["codecs"])
        if "fax_retry" in section:
            section["fax_retry"] = tuple(float(s) for s in section["fax_retry"])
            if not section["fax_retry"] or min(section["fax_retry"]) < 0:
                raise ValueError(f"{path}: [sip] fax_retry: a list of seconds, none negative")
        if int(section.get("fax_attempts", 1)) < 1:
            raise ValueError(f"{path}: [sip] fax_attempts: at least 1")
        if "credentials" in section:
            section["credentials"] = tuple(credential_from_table(c, path) for c in section["credentials"])
        known = set(SipConfig.__dataclass_fields__)
        unknown = set(section) - known
        if unknown:
            raise ValueError(f"{path}: unknown [sip] settings {sorted(unknown)}")
        values.update(section)
    for variable, key in (("VXML_CALL_RECORDS_TOKEN", "call_records_token"), ("VXML_ACD_TOKEN", "acd_token")):
        if os.environ.get(variable):
            values[key] = os.environ[variable]
    config = SipConfig(**values)
    return replace(config, **{k: v for k, v in overrides.items() if v is not None})
