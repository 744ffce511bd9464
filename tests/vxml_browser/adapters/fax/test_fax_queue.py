"""Store and forward: the fax queue with an injected clock and an in-process loopback dialer."""

from __future__ import annotations

from collections import deque
from pathlib import Path

import pytest

from vxml_browser.adapters.fax import documents, events
from vxml_browser.adapters.fax.loopback import Line, LoopbackCall, VoiceCaller
from vxml_browser.adapters.fax.queue import SENDING_LEASE_S, DialFailed, FaxQueue
from vxml_browser.adapters.fax.session import FaxSession


class Clock:
    def __init__(self, t: float = 1_800_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


class LoopbackDialer:
    """Each dial takes the next scripted answer: "busy"/"noanswer", or a far end (a fax machine
    receiving into a file, a voice caller) with optional line conditions."""

    def __init__(self, *answers) -> None:
        self.answers = deque(answers)
        self.dialled: list[str] = []
        self.calls: list[LoopbackCall] = []

    async def dial(self, number: str) -> LoopbackCall:
        self.dialled.append(number)
        answer = self.answers.popleft()
        if isinstance(answer, str):
            raise DialFailed(answer)
        far_end, kwargs = answer if isinstance(answer, tuple) else (answer, {})
        call = LoopbackCall(far_end, **kwargs)
        self.calls.append(call)
        return call


@pytest.fixture
def clock() -> Clock:
    return Clock()


def document() -> bytes:
    import io

    from .conftest import make_page

    out = io.BytesIO()
    pages = [make_page(1), make_page(2)]
    pages[0].save(out, format="TIFF", save_all=True, append_images=pages[1:], dpi=(150, 150))
    return out.getvalue()


async def test_delivered_first_time(tmp_path, clock):
    machine = FaxSession("receive", str(tmp_path / "rx.tif"), ident="+1 212 555 0199")
    dialer = LoopbackDialer(machine)
    queue = FaxQueue(str(tmp_path / "q.sqlite"), dialer, clock=clock, ident="+1 555 0100")
    job = queue.submit("+12125550199", document(), reference="prospectus for J. Smith")
    [report] = await queue.run_due()
    assert report.delivered and report.pages == 2
    [attempt] = report.attempts
    assert (attempt.outcome, attempt.pages, attempt.bit_rate, attempt.remote_id) == (
        "delivered", 2, 14400, "+1 212 555 0199")
    assert dialer.dialled == ["+12125550199"]
    assert machine.result().remote_id == "+1 555 0100"
    assert queue.due() == [] and queue.report(job) == report
    assert "attempt 1 at 2027-01-15 08:00:00Z: delivered - 2 pages at 14400 bit/s" in report.text()
    rx = documents.read_pages(str(tmp_path / "rx.tif"))
    assert len(rx) == 2


async def test_retries_until_delivered(tmp_path, clock):
    machine = FaxSession("receive", str(tmp_path / "rx.tif"))
    dialer = LoopbackDialer("busy", VoiceCaller(), machine)
    queue = FaxQueue(str(tmp_path / "q.sqlite"), dialer, clock=clock,
                     retry_delays_s=(120, 600))
    job = queue.submit("100", document())

    [r] = await queue.run_due()
    assert r.status == "queued" and r.attempts[-1].outcome == "busy"
    assert r.next_attempt_at == clock.t + 120
    clock.t += 60
    assert await queue.run_due() == []  # not yet
    clock.t += 60
    [r] = await queue.run_due()
    assert r.attempts[-1].outcome == events.NOTFAX and r.next_attempt_at == clock.t + 600
    clock.t += 600
    [r] = await queue.run_due()
    assert r.delivered and [a.outcome for a in r.attempts] == ["busy", events.NOTFAX, "delivered"]
    # A person answered the second call: the next one still offers 14400 (not a line problem).
    assert [a.max_bit_rate for a in r.attempts] == [14400, 14400, 14400]
    assert queue.report(job).finished_at == clock.t
    text = r.text()
    assert "attempt 1" in text and "busy" in text and events.NOTFAX in text


async def test_gives_up_after_max_attempts_and_falls_back_to_9600(tmp_path, clock, two_page_tiff):
    cut = {"cut_after_s": 40.0}  # the line drops during page 2, every time
    dialer = LoopbackDialer(*[(FaxSession("receive", str(tmp_path / f"rx{i}.tif")), cut)
                              for i in range(3)])
    queue = FaxQueue(str(tmp_path / "q.sqlite"), dialer, clock=clock, max_attempts=3,
                     retry_delays_s=(10,))
    job = queue.submit("200", Path(two_page_tiff).read_bytes())
    for _ in range(3):
        await queue.run_due()
        clock.t += 10
    r = queue.report(job)
    assert r.status == "failed" and len(r.attempts) == 3
    assert [a.outcome for a in r.attempts] == [events.CUTOFF] * 3
    assert [a.max_bit_rate for a in r.attempts] == [14400, 9600, 9600]
    assert r.attempts[1].bit_rate == 9600
    assert await queue.run_due() == []


async def test_noisy_line_is_delivered_on_the_9600_retry(tmp_path, clock, two_page_tiff):
    """Measured: V.17 on this line (-50 dBm0 noise) loses the second ECM block; V.29 does not."""
    noisy = {"line": Line(noise_dbm0=-50.0, seed=0)}
    dialer = LoopbackDialer((FaxSession("receive", str(tmp_path / "a.tif")), noisy),
                            (FaxSession("receive", str(tmp_path / "b.tif")), noisy))
    queue = FaxQueue(str(tmp_path / "q.sqlite"), dialer, clock=clock, retry_delays_s=(0,))
    job = queue.submit("300", Path(two_page_tiff).read_bytes())
    await queue.run_due()
    await queue.run_due()
    r = queue.report(job)
    assert [(a.outcome, a.bit_rate) for a in r.attempts] == [
        (events.BADPAGE, 14400), ("delivered", 9600)]


def test_a_bad_document_is_refused_at_submit(tmp_path, clock):
    queue = FaxQueue(str(tmp_path / "q.sqlite"), LoopbackDialer(), clock=clock)
    with pytest.raises(documents.DocumentError):
        queue.submit("400", b"%PDF-1.4 this is not a PDF")
    assert queue.jobs() == []


async def test_the_queue_survives_a_restart(tmp_path, clock):
    path = str(tmp_path / "q.sqlite")
    queue = FaxQueue(path, LoopbackDialer("noanswer"), clock=clock)
    job = queue.submit("500", document())
    await queue.run_due()
    # a crash during the next attempt: claimed (status 'sending', next_at its lease), never recorded
    queue.db.execute("UPDATE fax_jobs SET status = 'sending', next_at = ? WHERE id = ?",
                     (clock() + SENDING_LEASE_S, job))
    queue.close()
    clock.t += SENDING_LEASE_S + 1
    again = FaxQueue(path, LoopbackDialer(), clock=clock)
    r = again.report(job)
    assert r.status == "queued" and [a.outcome for a in r.attempts] == ["noanswer"]
    assert [j.job_id for j in again.jobs("queued")] == [job]


def test_a_second_queue_on_the_file_leaves_a_claimed_job_alone(tmp_path, clock):
    """Another process (a pool's worker) opening the queue while one sends does not free the
    job: its lease still runs, so the fax is not sent twice."""
    path = str(tmp_path / "q.sqlite")
    queue = FaxQueue(path, LoopbackDialer(), clock=clock)
    job = queue.submit("500", document())
    queue.db.execute("UPDATE fax_jobs SET status = 'sending', next_at = ? WHERE id = ?",
                     (clock() + SENDING_LEASE_S, job))
    clock.t += 60
    other = FaxQueue(path, LoopbackDialer(), clock=clock)
    assert other.report(job).status == "sending" and other.due() == []


async def test_a_lapsed_claim_is_due_again_without_a_restart(tmp_path, clock):
    """A sender that died mid-attempt while the other workers run: once the lease is over the
    job is due for them, and the next attempt is counted as the first recorded one."""
    path = str(tmp_path / "q.sqlite")
    queue = FaxQueue(path, LoopbackDialer("busy"), clock=clock)
    job = queue.submit("500", document())
    queue.db.execute("UPDATE fax_jobs SET status = 'sending', next_at = ? WHERE id = ?",
                     (clock() + SENDING_LEASE_S, job))
    clock.t += SENDING_LEASE_S + 1
    assert queue.due() == [job]
    [report] = await queue.run_due()
    assert [a.outcome for a in report.attempts] == ["busy"] and report.status == "queued"
