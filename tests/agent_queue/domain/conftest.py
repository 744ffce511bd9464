from __future__ import annotations

import pytest

from agent_queue.testing import Q, World


@pytest.fixture
def world():
    return World(Q())
