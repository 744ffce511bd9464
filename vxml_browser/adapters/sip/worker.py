"""A worker process: one pjsua2 ``Engine`` thread, one asyncio loop, one task per call.

The engine thread (``engine.py``) owns PJSIP; the loop owns the interpreters. An incoming call
is posted to the loop, which creates its ``SipCall`` and runs the session on it
(``telephony.new_session`` and ``drive``, as every platform does); every later event of
that leg is posted in order to ``Worker.dispatch``. Every fetch of a call sends its SIP Call-ID
as ``X-Call-ID``; when the call ends the worker POSTs a call record (JSON) to
``call_records_url`` (the app server's ``/calls``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
import signal
import sys
import time
from typing import Any

import aiohttp

from ...core.inputs import Start
from ...core.interpreter import DocumentCache
from ..cache import HttpCache
from ..media import MediaCache
from ..telephony import drive, new_session
from .call import SipCall
from .config import SipConfig
from .connection import CallRecord, connection_vars
from .engine import Engine, EngineConfig
from .prompts import PromptRenderer, load_synthesizers

log = logging.getLogger(__name__)


def _user(uri: str) -> str:
    m = re.search(r"sips?:([^@;>]+)@", uri)
    return m.group(1) if m else ""



async def post_call_record(session: aiohttp.ClientSession | None, config: SipConfig,
                           record: dict[str, Any]) -> bool:
    """POST one call record (JSON) to ``call_records_url``, with ``call_records_token`` as a
    bearer token; False (and a warning) when it could not be delivered."""
    url = config.call_records_url
    if not url or session is None:
        return False
    token = config.call_records_token
    headers = {"Authorization": f"Bearer {token}"} if token else None
    try:
        async with session.post(url, json=record, headers=headers,
                                timeout=aiohttp.ClientTimeout(total=5)) as resp:
            await resp.read()
            return resp.status < 300
    except (aiohttp.ClientError, TimeoutError) as exc:
        log.warning("call record to %s: %s", url, exc)
        return False


def call_headers(sip_call_id: str) -> dict[str, str]:
    """What every fetch of a call sends: ``X-Call-ID``, the SIP Call-ID (RFC 3261 §20.8), so
    the app server files the call's pages and its call record under one id (app_server/calls.py)
    without a parameter in the URLs the HTTP cache keys on. None for a Call-ID that is not
    printable ASCII (never one a parser passed on)."""
    if sip_call_id and sip_call_id.isascii() and sip_call_id.isprintable():
        return {"X-Call-ID": sip_call_id}
    return {}


class Worker:
    def __init__(self, config: SipConfig, *, index: int = 0, port: int | None = None,
                 rtp_port: int | None = None, report_dialogs: bool = False) -> None:
        self.config = config
        self.index = index
        self.port = port or config.port
        self.rtp_port = rtp_port or config.rtp_port
        self.calls: dict[int, SipCall] = {}
        self.records: dict[int, CallRecord] = {}  # each running call's record, as it is so far
        self.tasks: set[asyncio.Task[None]] = set()
        self.documents = DocumentCache()
        self.http_cache = HttpCache()
        self.media = MediaCache(config.media_cache or None, config.clock_rate)
        self.renderer = PromptRenderer(self.media, load_synthesizers(config.synthesizer or None, config.speech))
        self.engine: Engine | None = None
        self.recognizer_for = recognizers(config)
        self._fax_store: Any = None
        self.stopped = asyncio.Event()
        self.records_session: aiohttp.ClientSession | None = None
        self.completed = 0
        # a pool's worker tells its supervisor about each dialog on stdout (pool.py)
        self.report_dialogs = report_dialogs
        self.acd: Any = None  # queue_transfer.AcdLink, made when [acd] url is set
        self.callbacks: asyncio.Task[None] | None = None  # the CallbackDialer's
        if config.acd_url:
            from .queue_transfer import AcdLink

            self.acd = AcdLink(config.acd_url, config.acd_token, config.acd_music,
                               config.acd_reconnect_timeout, config.acd_monitor_ring_timeout)

    # -- engine thread entry points --------------------------------------------------------------
    def _incoming(self, key: int, details: dict[str, Any]) -> Any:
        assert self.engine is not None
        self.engine.post(self.new_call, key, details)
        engine = self.engine

        def sink(kind: str, arg: Any) -> None:
            engine.post(self.dispatch, key, kind, arg)

        return sink

    # -- loop side -----------------------------------------------------------------------------------
    def dispatch(self, key: int, kind: str, arg: Any) -> None:
        call = self.calls.get(key)
        if call is not None:
            call.on_event(kind, arg)
            if kind == "confirmed" and self.report_dialogs:
                # the record so far: the supervisor posts it if this process dies (pool.py)
                record = self.records.get(key)
                so_far = {**record.as_json(), "answer": time.time()} if record else None
                print(json.dumps({"event": "dialog", "key": key, **arg, "record": so_far}), flush=True)

    def app_of(self, details: dict[str, Any]) -> str:
        """The app a call runs: the one its called user (DID) maps to, or the default."""
        to_user = _user(details.get("request_uri", "")) or _user(details.get("local_uri", ""))
        return self.config.app_for(to_user)

    def new_call(self, key: int, details: dict[str, Any]) -> None:
        assert self.engine is not None
        limits = self.config.limits
        fetcher = limits.fetcher(self.app_of(details), cache=self.http_cache,
                                 headers=call_headers(details.get("call_id", "")))
        call = SipCall(self.engine, key, details, renderer=self.renderer, fetcher=fetcher,
                       recognizer_for=self.recognizer_for, fax_store=self.fax_store(),
                       fax_ident=self.config.fax_ident, acd=self.acd)
        call.media_timeout_s = self.config.media_timeout
        call.max_recording_bytes = limits.max_recording_bytes
        self.calls[key] = call
        task = asyncio.get_running_loop().create_task(self.run_call(call))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def run_call(self, call: SipCall) -> None:
        details = call.details
        app = self.app_of(details)
        record = CallRecord(details.get("call_id", ""), details.get("remote_uri", ""),
                            details.get("local_uri", ""), app, time.time(), worker=self.index)
        self.records[call.key] = record
        session = new_session(documents=self.documents, limits=self.config.limits.session_options())
        try:
            if not app:
                record.cause = "no-app"
                await call.hangup(404)
                return
            end = await drive(session, Start(app, connection_vars(details)), call, call.fetcher)
            if not call.hung_up:
                await call.drain(60)
            record.cause = "remote-hangup" if call.remote_hangup else end.reason
        except Exception:
            log.exception("call %s failed", call.key)
            record.cause = "platform-error"
        finally:
            await call.hangup()
            await call.fetcher.close()  # type: ignore[attr-defined]
            record.answer = call.answered_at
            record.end = time.time()
            self.calls.pop(call.key, None)
            self.records.pop(call.key, None)
            self.completed += 1
            if self.report_dialogs:
                print(json.dumps({"event": "ended", "key": call.key}), flush=True)
            await self.post_record(record)

    def fax_store(self) -> Any:
        """The store of received faxes (``fax_store`` URL), made on first use."""
        if not self.config.fax_store:
            return None
        if self._fax_store is None:
            from ..fax.store import FaxStore

            self._fax_store = FaxStore(self.config.fax_store)
        return self._fax_store

    async def post_record(self, record: CallRecord) -> None:
        if self.config.call_records_url and self.records_session is None:
            self.records_session = aiohttp.ClientSession()
        await post_call_record(self.records_session, self.config, record.as_json())

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        cfg = self.config
        self.engine = Engine(EngineConfig(
            host=cfg.host, port=self.port, rtp_port=self.rtp_port, max_calls=cfg.max_calls,
            clock_rate=cfg.clock_rate, codecs=cfg.codecs, poll_ms=cfg.poll_ms,
            log_level=cfg.log_level, credentials=cfg.credentials), loop, self._incoming)
        self.engine.start()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stopped.set)
        print(json.dumps({"event": "ready", "worker": self.index, "port": self.port,
                          "pid": os.getpid(), "wheel": self.engine.version}), flush=True)
        if self.report_dialogs:  # a pool's worker ends with its supervisor, even a killed one
            loop.create_task(self.watch_parent(os.getppid()))
        if self.acd is not None:  # the ACD's callbacks this process claims (callbacks.py)
            from .callbacks import CallbackDialer

            self.callbacks = loop.create_task(CallbackDialer(
                self.engine, self.acd, cfg.acd_callback_uri, f"{os.uname().nodename} pid {os.getpid()}").run())
        if cfg.fax_queue:
            task = loop.create_task(self.send_faxes())
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
        try:
            await self.stopped.wait()
        finally:
            await self.shutdown()

    async def send_faxes(self) -> None:
        """The outbound fax queue (``fax_queue``): every ``fax_queue_poll`` s one attempt for each
        due job, one fax at a time, through ``SipFaxDialer`` at ``fax_dial_uri``. The queue's
        claims are leases, so each worker of a pool may run the same file (``fax/queue.py``)."""
        from ..fax.queue import FaxQueue
        from .fax_dialer import SipFaxDialer

        assert self.engine is not None
        cfg = self.config
        if not self.engine.has_frames:
            log.warning("fax_queue %s: sending faxes needs the pjsua2 2.15 wheel (pjsua2_path), not %s",
                        cfg.fax_queue, self.engine.version)
            return
        queue = FaxQueue(cfg.fax_queue, SipFaxDialer(self.engine, uri=cfg.fax_dial_uri),
                         ident=cfg.fax_ident, max_attempts=cfg.fax_attempts, retry_delays_s=cfg.fax_retry)
        try:
            while not self.stopped.is_set():
                try:
                    for report in await queue.run_due():
                        last = report.attempts[-1] if report.attempts else None
                        log.info("fax %s to %s: %s%s", report.job_id, report.number, report.status,
                                 f" after attempt {last.n}: {last.outcome} {last.message}".rstrip()
                                 if last else "")
                except Exception:
                    log.exception("fax queue %s", cfg.fax_queue)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.stopped.wait(), cfg.fax_queue_poll)
        finally:
            queue.close()

    async def watch_parent(self, parent: int) -> None:
        while not self.stopped.is_set():
            await asyncio.sleep(1.0)
            if os.getppid() != parent:
                log.warning("the pool supervisor %s is gone: stopping", parent)
                self.stopped.set()

    async def shutdown(self) -> None:
        if self.callbacks is not None:
            from .queue_transfer import cancel_for_sure

            await cancel_for_sure(self.callbacks)
        for call in list(self.calls.values()):
            await call.hangup()
        if self.tasks:
            await asyncio.wait(self.tasks, timeout=3)
        for task in self.tasks:
            task.cancel()
        if self.engine is not None:
            self.engine.stop()
        if self.records_session is not None:
            await self.records_session.close()
        if self.acd is not None:
            await self.acd.close()


def recognizers(config: SipConfig) -> Any:
    """The recognizer per language when ``recognizer`` names a speech plugin (else DTMF only)."""
    if not config.recognizer:
        return None
    from ..plugins import SpeechPlugins

    table = dict(config.speech)
    table["asr"] = {**table.get("asr", {}), "plugin": config.recognizer}
    return SpeechPlugins(table).recognizer


def run_worker(config: SipConfig, index: int = 0, port: int | None = None,
               rtp_port: int | None = None) -> int:
    if config.pjsua2_path:
        sys.path.insert(0, config.pjsua2_path)
    logging.basicConfig(level=os.environ.get("VXML_LOG", "INFO"),
                        format=f"%(asctime)s worker {index} %(levelname)s %(name)s: %(message)s")
    asyncio.run(Worker(config, index=index, port=port, rtp_port=rtp_port,
                       report_dialogs=port is not None).run())
    return 0
