"""What every fuzz target shares: a byte-driven chooser, the crash oracle and the atheris entry.

A target is a module with ``NAME``, ``DESCRIPTION``, ``check(data: bytes) -> None`` and
``seeds() -> list[bytes]``. ``check`` returns for every input the code handles as the spec says
(a value, or the VoiceXML event / the module's own error class) and raises ``Finding`` (or lets
any other exception escape) when it does not. The same ``check`` is driven by atheris
(coverage-guided, ``fuzz/run.py``) and by hypothesis (bounded, ``tests/robustness``).

Known findings that are pinned rather than fixed are listed in ``KNOWN``: a long fuzz run
counts them and goes on looking for new ones instead of stopping at the first.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any


class Finding(AssertionError):
    """The code under test broke the rule: an escaped exception, a hang, a wrong event."""


def _known() -> dict[str, re.Pattern[str]]:
    try:
        from fuzz.findings import KNOWN_PATTERNS
    except ImportError:  # run as a script: fuzz/ is not a package on the path
        sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
        from fuzz.findings import KNOWN_PATTERNS
    return {name: re.compile(pattern) for name, pattern in KNOWN_PATTERNS.items()}


KNOWN = _known()
"""Pinned findings (fuzz/findings.py; each has a strict xfail in tests/robustness)."""


def known(exc: BaseException) -> str | None:
    text = f"{type(exc).__name__}: {exc}"
    for name, pattern in KNOWN.items():
        if pattern.search(text):
            return name
    return None


class Chooser:
    """Turns fuzz bytes into choices: each ``pick(n)`` takes one byte (0 when the bytes run
    out), so shrinking the bytes towards zeros shrinks the structure towards its first option."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    @property
    def left(self) -> int:
        return len(self.data) - self.pos

    def byte(self) -> int:
        if self.pos >= len(self.data):
            return 0
        b = self.data[self.pos]
        self.pos += 1
        return b

    def pick(self, n: int) -> int:
        return self.byte() % n if n > 1 else 0

    def choice(self, options: Sequence[Any]) -> Any:
        return options[self.pick(len(options))]

    def flag(self, one_in: int = 2) -> bool:
        return self.pick(one_in) == 0

    def text(self, limit: int = 32) -> str:
        """Up to ``limit`` bytes of the rest as text (latin-1: every byte is a character)."""
        n = self.pick(limit + 1)
        chunk = self.data[self.pos:self.pos + n]
        self.pos += len(chunk)
        return chunk.decode("latin-1")


def atheris_main(check: Callable[[bytes], None]) -> None:
    """Run ``check`` under atheris (argv: libFuzzer flags and corpus directories).

    Known findings are swallowed (counted on stderr) so that a long run looks for new ones."""
    import atheris

    counts: dict[str, int] = {}

    def one(data: bytes) -> None:
        try:
            check(data)
        except Exception as exc:
            name = known(exc)
            if name is None:
                raise
            counts[name] = counts.get(name, 0) + 1
            if counts[name] in (1, 10, 100, 1000, 10000):
                print(f"KNOWN {name} x{counts[name]}", file=sys.stderr, flush=True)

    atheris.instrument_all()
    atheris.Setup(sys.argv, one)
    atheris.Fuzz()
