from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _rollup_off(settings: Any) -> None:
    """Facts recorded inside a test's transaction are never delivered to the roll-up (no commit), so
    tests read the facts unless they ask for ``with_rollup``. Refreshes are not debounced."""
    from yugong.cockpit import refresh

    settings.COCKPIT_ROLLUP = False
    settings.COCKPIT_REFRESH_SECONDS = 0
    refresh._state.update(pending=False, last=float("-inf"))
    refresh.work_started()


@pytest.fixture
def with_rollup(settings: Any) -> None:
    settings.COCKPIT_ROLLUP = True
