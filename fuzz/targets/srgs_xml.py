"""Target ``srgs_xml``: the SRGS XML Form parser (see ``srgs.py``)."""

from __future__ import annotations

try:
    from ._base import atheris_main
    from .srgs import check_grammar
    from .srgs import seeds as _seeds
except ImportError:
    from _base import atheris_main  # type: ignore[no-redef]
    from srgs import check_grammar  # type: ignore[no-redef]
    from srgs import seeds as _seeds

NAME = "srgs_xml"
DESCRIPTION = "SRGS XML grammar parser, then matching (raw bytes)"


def check(data: bytes) -> None:
    check_grammar(data, "application/srgs+xml")


def seeds() -> list[bytes]:
    return _seeds("grxml")


if __name__ == "__main__":
    atheris_main(check)
