"""The cockpit's figures are cached (Django cache) under the refresh stamp (a version bumped whenever
a refresh has folded new facts or the tree changed): a stale figure is never read, and nothing has
to enumerate keys to drop them.

Each entry holds the stamp it was computed under beside the value, and a read fetches the current
stamp and the entry in one round trip (``get_many``): a hit is one cache call. An entry computed
while a refresh bumped the stamp carries the old one and is simply recomputed by the next reader.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder

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


def _key(key: str) -> str:
    # Cache backends limit key length (memcached: 250); the readable head stays for debugging.
    return f"cockpit:{key[:80]}:{hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest()}"


def cached(key: str, compute: Callable[[], T]) -> T:
    full = _key(key)
    got = cache.get_many([VERSION_KEY, full])
    stamp = got.get(VERSION_KEY)
    if stamp is None:
        stamp = version()
    hit: Any = got.get(full)
    if isinstance(hit, tuple) and len(hit) == 2 and hit[0] == stamp:
        return hit[1]
    value = compute()
    cache.set(full, (stamp, value), TIMEOUT)
    return value


def cached_json(key: str, compute: Callable[[], Any]) -> bytes:
    """The JSON body of an API answer, cached as bytes (a hit decodes nothing and validates nothing:
    the body was built once, in the documented shape, when it was computed)."""
    return cached(
        f"json:{key}",
        lambda: json.dumps(
            compute(), cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":")
        ).encode(),
    )
