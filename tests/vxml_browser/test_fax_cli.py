"""``vxml-browser fax send|status``: the outbound queue's front door (no SIP here)."""

from __future__ import annotations

import json

from PIL import Image

from vxml_browser.cli import main


def a_page(path) -> str:
    Image.new("L", (1728, 400), 255).save(path, "PNG")
    return str(path)


def test_send_queues_the_document_and_status_reports_it(tmp_path, capsys) -> None:
    queue = str(tmp_path / "q.db")
    assert main(["fax", "send", "--queue", queue, "--reference", "r1", "5550100", a_page(tmp_path / "p.png")]) == 0
    job = capsys.readouterr().out.strip()
    assert main(["fax", "status", "--queue", queue, "--json", job]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["job_id"], report["number"], report["reference"], report["status"], report["pages"]) == (
        job, "5550100", "r1", "queued", 1)


def test_a_document_that_cannot_be_faxed_is_refused_and_nothing_is_queued(tmp_path, capsys) -> None:
    queue = str(tmp_path / "q.db")
    bad = tmp_path / "notes.txt"
    bad.write_text("not a fax document")
    assert main(["fax", "send", "--queue", queue, "5550100", str(bad)]) == 1
    assert "notes.txt" in capsys.readouterr().err
    assert main(["fax", "status", "--queue", queue]) == 0
    assert capsys.readouterr().out == ""


def test_status_of_an_unknown_job_is_an_error(tmp_path, capsys) -> None:
    assert main(["fax", "status", "--queue", str(tmp_path / "q.db"), "nope"]) == 1
    assert "no job nope" in capsys.readouterr().err
