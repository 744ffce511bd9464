"""Robustness tests: the fuzz targets under hypothesis (bounded here; ``make fuzz`` raises the
example counts with ROBUSTNESS_EXAMPLES), limits, security and faults."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

EXAMPLES = int(os.environ.get("ROBUSTNESS_EXAMPLES", "0")) or None
"""Examples per property test: each test's own bounded count unless ``make fuzz`` sets more."""


def examples(default: int) -> settings:
    """Hypothesis settings for a property test: ``default`` examples in ``make test``."""
    return settings(max_examples=EXAMPLES or default, deadline=None, derandomize=EXAMPLES is None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
                    database=None)
