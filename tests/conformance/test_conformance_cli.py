"""The ``vxml-conformance`` command line (conformance/cli.py)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from conformance.cli import Progress, main
from conformance.runner import CallResult
from conformance.suite import DEFAULT_SUITE_DIR


def test_list_shows_each_test_and_where_it_starts(suite_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--suite", str(suite_dir), "--list", "--only", "528a2", "jvxml21/5"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "cudl/528a2\tvxml20/cudl-w3c/528a1.txml",
        "jvxml21/5\tvxml21/jvoicexml-irp_vxml21/5/5.txml",
    ]


def test_usage_errors_exit_2(tmp_path: Path, suite_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--suite", str(tmp_path)]) == 2
    assert main(["--suite", str(suite_dir), "--only", "no-such-test"]) == 2
    bad = tmp_path / "expected.toml"
    bad.write_text('[excluded]\n"cudl/nope" = "x"\n')
    assert main(["--suite", str(suite_dir), "--expected", str(bad), "--only", "234"]) == 2
    assert "unknown tests: cudl/nope" in capsys.readouterr().err
    assert main(["--realworld", str(tmp_path)]) == 2


def test_realworld_list_reads_the_manifest(capsys: pytest.CaptureFixture[str]) -> None:
    corpus = DEFAULT_SUITE_DIR.parent.parent / "realworld-vxml"
    if not (corpus / "MANIFEST.tsv").is_file():
        pytest.skip("the real-world corpus (/work/shared/realworld-vxml) is not on this machine")
    assert main(["--realworld", str(corpus), "--list"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert len(listed) == 308
    assert "voiceglue-voiceglue/doc/examples/menu-input.vxml" in listed


def test_progress_bar_on_a_terminal_redraws_one_line() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Tty()
    bar = Progress(4, stream=stream, width=8)
    bar.update(CallResult("cudl/1", "cudl", "pass", "", 0.1))
    bar.update(CallResult("cudl/2", "cudl", "fail", "x", 0.1))
    bar.close()
    out = stream.getvalue()
    assert out.count("\r") == 2 and out.endswith("\n")
    assert "[####....] 2/4 fail 1 pass 1 cudl/2" in out


def test_progress_without_a_terminal_prints_every_tenth() -> None:
    stream = io.StringIO()
    bar = Progress(20, stream=stream)
    for i in range(20):
        bar.update(CallResult(f"t/{i}", "t", "pass", "", 0.0))
    lines = stream.getvalue().splitlines()
    assert 10 <= len(lines) <= 11 and lines[-1].startswith("[" + "#" * 30 + "] 20/20 pass 20")
