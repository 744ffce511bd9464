"""Jinja2 for VoiceXML: XML autoescape, StrictUndefined, templates reloaded when they change,
the macro library ``ivr.vxml.j2`` and filters that speak money, dates and numbers."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined

SHARED_TEMPLATES = Path(__file__).resolve().parent / "templates"

CURRENCIES = {"USD": ("dollar", "dollars", "cent", "cents"), "EUR": ("euro", "euros", "cent", "cents"),
              "GBP": ("pound", "pounds", "penny", "pence")}


def say_money(amount: Any, currency: str = "USD") -> str:
    """``1234.5`` -> "1234 dollars and 50 cents" (what a synthesizer should say)."""
    value = Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    one, many, sub_one, sub_many = CURRENCIES.get(currency, (currency, currency, "cent", "cents"))
    sign = "minus " if value < 0 else ""
    value = abs(value)
    whole = int(value)
    cents = int((value - whole) * 100)
    text = f"{sign}{whole} {one if whole == 1 else many}"
    if cents:
        text += f" and {cents} {sub_one if cents == 1 else sub_many}"
    return text


def say_number(value: Any, decimals: int | None = None) -> str:
    """``12.5`` -> "12 point 5"; ``decimals`` fixes the digits after the point."""
    number = Decimal(str(value))
    if decimals is not None:
        number = number.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    text = format(number, "f")
    whole, _, frac = text.partition(".")
    return f"{whole} point {' '.join(frac)}" if frac else whole


def say_digits(value: Any) -> str:
    """``"10042"`` -> "1 0 0 4 2" (account and case numbers are read digit by digit)."""
    return " ".join(str(value))


def say_date(value: date | datetime | str) -> str:
    """``2026-11-24`` -> "Tuesday, November 24, 2026"."""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return f"{value:%A}, {value:%B} {value.day}, {value.year}"


def js(value: Any) -> str:
    """A Python value as an ECMAScript literal (for ``expr`` attributes; autoescape does the XML)."""
    return json.dumps(value, ensure_ascii=False, default=str)


class ReloadingLoader(FileSystemLoader):
    """A file loader whose templates are checked for changes at most every ``check_s`` seconds
    (a stat per template per render costs more than the render on some file systems)."""

    def __init__(self, folder: str, check_s: float = 1.0) -> None:
        super().__init__(folder)
        self.check_s = check_s

    def get_source(self, environment: Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        source, filename, uptodate = super().get_source(environment, template)
        last = [time.monotonic()]

        def throttled() -> bool:
            now = time.monotonic()
            if now - last[0] < self.check_s:
                return True
            last[0] = now
            return bool(uptodate())

        return source, filename, throttled


def make_environment(app_templates: Path | None) -> Environment:
    loaders = [ReloadingLoader(str(app_templates))] if app_templates else []
    loaders.append(ReloadingLoader(str(SHARED_TEMPLATES)))
    env = Environment(
        loader=ChoiceLoader(loaders),
        autoescape=True,  # XML escaping of every value (&, <, >, quotes)
        undefined=StrictUndefined,
        auto_reload=True,  # a changed template is recompiled on its next render
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(say_money=say_money, say_number=say_number, say_digits=say_digits,
                       say_date=say_date, js=js)
    return env
