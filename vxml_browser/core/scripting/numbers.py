"""ECMAScript Number::toString (ECMA-262 §7.1.12.1) for numbers that reach Python.

Values leave QuickJS as Python ints and floats; when the interpreter turns one into text
(a submitted namelist, a message) it must read as ECMAScript would write it: 1.5e-7,
0.000001, 123456789012345680000, 1e+21.
"""

from __future__ import annotations

import math
from decimal import Decimal


def number_to_string(value: float | int) -> str:
    """The ECMAScript string of a number."""
    x = float(value)
    if math.isnan(x):
        return "NaN"
    if x == 0:
        return "0"
    if x < 0:
        return "-" + number_to_string(-x)
    if math.isinf(x):
        return "Infinity"
    _, digit_tuple, exponent = Decimal(repr(x)).as_tuple()  # the shortest round-trip digits
    digits = "".join(map(str, digit_tuple))
    stripped = digits.rstrip("0")
    exponent = int(exponent) + len(digits) - len(stripped)
    s, k = stripped, len(stripped)
    n = exponent + k  # x = s × 10^(n−k)
    if k <= n <= 21:
        return s + "0" * (n - k)
    if 0 < n <= 21:
        return s[:n] + "." + s[n:]
    if -6 < n <= 0:
        return "0." + "0" * (-n) + s
    e = n - 1
    mantissa = s if k == 1 else s[0] + "." + s[1:]
    return f"{mantissa}e{'+' if e >= 0 else '-'}{abs(e)}"
