"""Shared test fixtures: users, unions, the real-PostgreSQL guard and the query-count helper."""

from __future__ import annotations

import os

os.environ.setdefault("YUGONG_TESTING", "1")
os.environ.setdefault("DEBUG", "1")


from tests.helpers import *  # noqa: E402,F403
