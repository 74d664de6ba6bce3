"""Short-lived caches of the supervisors' queues, invalidated by any appeal write.

The overdue / near-due queues of a big subtree are read far more often than appeals change (every
supervisor's screen refreshes them), and at a million appeals one read costs ~10 ms of CPU. A
queue page is cached per (set of subtrees, kind, size, language) for QUEUE_CACHE_SECONDS under a
*version* number; every appeal write bumps the version (``common.lock`` — which every write path
on an existing appeal goes through — and intake), immediately and again on commit, so a handler who
concludes an appeal and reloads the queue never sees it there. What time alone changes (an appeal
crossing its deadline) shows at most QUEUE_CACHE_SECONDS late. The policy search (rights.search)
uses the same scheme with its own version. See :func:`cache_seconds` for per-process caches.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

QUEUE_CACHE_SECONDS = 10
QUEUE_VERSION_KEY = "rights:queue:version"
# With a per-process cache (the embedded default's local memory) a version bump reaches only the
# process that made the write: the others keep their entries until they expire, so there every
# entry lives at most this long, whatever the caller asked for.
PER_PROCESS_MAX_SECONDS = 10


def cache_seconds(seconds: int) -> int:
    """``seconds`` with a shared cache (Redis); at most PER_PROCESS_MAX_SECONDS with a per-process
    one, where invalidation by version cannot reach the other workers."""
    backend = str(settings.CACHES.get("default", {}).get("BACKEND", ""))
    return min(seconds, PER_PROCESS_MAX_SECONDS) if backend.endswith("LocMemCache") else seconds


def _bump() -> None:
    try:
        cache.incr(QUEUE_VERSION_KEY)
    except ValueError:  # missing (first write, or evicted)
        cache.set(QUEUE_VERSION_KEY, 2, None)


def queue_cache_bump() -> None:
    """Invalidate every cached queue page (now, and once more when the transaction commits)."""
    _bump()
    transaction.on_commit(_bump)


def queue_cache_version() -> int:
    version = cache.get(QUEUE_VERSION_KEY)
    if not isinstance(version, int):
        version = 1
        cache.add(QUEUE_VERSION_KEY, version, None)
    return version
