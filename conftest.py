"""Shared test fixtures: users, unions, the real-PostgreSQL guard and the query-count helper."""

from __future__ import annotations

import os

os.environ.setdefault("YUGONG_TESTING", "1")
os.environ.setdefault("DEBUG", "1")


import pytest  # noqa: E402

from tests.helpers import *  # noqa: E402,F403


@pytest.fixture(autouse=True)
def _default_language() -> None:
    """Every test starts in the default language (Chinese): a test that switched to English must
    not leak it into the next one through the thread's active translation."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fresh_grants_cache() -> None:
    """Cached grants are keyed by user id, and ids come back after a test's rollback: each test
    reads and writes its own key space of the shared cache."""
    from yugong.orgs.access import reset_grants_cache

    reset_grants_cache()
