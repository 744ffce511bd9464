"""Shrink a crashing input: ``python -m fuzz.minimize TARGET FILE`` prints the smallest input
found (bytes removed and lowered while the same finding, type and first words, remains)."""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable


def signature(check: Callable[[bytes], None], data: bytes) -> str | None:
    try:
        check(data)
    except Exception as exc:  # the finding's kind: its type and the start of its message
        return f"{type(exc).__name__}: {str(exc)[:60]}"
    return None


def minimize(check: Callable[[bytes], None], data: bytes, rounds: int = 4) -> bytes:
    want = signature(check, data)
    if want is None:
        return data
    for _ in range(rounds):
        before = data
        size = max(1, len(data) // 2)
        while size >= 1:  # remove chunks, halving the chunk size
            i = 0
            while i < len(data):
                candidate = data[:i] + data[i + size:]
                if signature(check, candidate) == want:
                    data = candidate
                else:
                    i += size
            size //= 2
        for i in range(len(data)):  # lower each byte (towards the first option)
            for b in (0, 1, data[i] // 2):
                if b < data[i]:
                    candidate = data[:i] + bytes([b]) + data[i + 1:]
                    if signature(check, candidate) == want:
                        data = candidate
                        break
        if data == before:
            break
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("target")
    parser.add_argument("file")
    args = parser.parse_args()
    module = importlib.import_module(f"fuzz.targets.{args.target}")
    with open(args.file, "rb") as f:
        data = f.read()
    small = minimize(module.check, data)
    print(repr(small))
    print(signature(module.check, small))


if __name__ == "__main__":
    main()
