from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _rollup_off(settings: Any) -> None:
    """Facts recorded inside a test's transaction never commit, so the monthly roll-up (kept after
    commit) stays empty: tests read the facts unless they ask for ``with_rollup``."""
    settings.COCKPIT_ROLLUP = False


@pytest.fixture
def with_rollup(settings: Any) -> None:
    settings.COCKPIT_ROLLUP = True
