"""The cockpit's figures are cached (Django cache) under a version bumped whenever facts commit or
the tree changes: a stale figure is never read, and nothing has to enumerate keys to drop them."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import cache

T = TypeVar("T")
VERSION_KEY = "cockpit:facts-version"
TIMEOUT = 60 * 60


def version() -> int:
    value = cache.get(VERSION_KEY)
    if value is None:
        cache.add(VERSION_KEY, 1, timeout=None)
        value = cache.get(VERSION_KEY) or 1
    return int(value)


def bump_version() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # not there yet (or evicted): a value never used before invalidates
        cache.set(VERSION_KEY, time.time_ns(), timeout=None)


def cached(key: str, compute: Callable[[], T]) -> T:
    full = f"cockpit:{version()}:{key}"
    hit: Any = cache.get(full)
    if hit is not None:
        return hit
    value = compute()
    cache.set(full, value, TIMEOUT)
    return value
