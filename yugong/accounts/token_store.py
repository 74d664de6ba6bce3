"""Write-behind of fresh token rows into the shared cache (``auth.py``), when it is Redis.

A token's first call on a process reads its row from the database and stores it in the shared cache
(``SET … NX``: never over a tombstone or another process's row) so that the client's next calls, on
any process, cost one cache read. That store used to be a third round trip on the request's own
path; on a city-wide sign-up, where every request is a member's first, it was a tenth of the
worker's CPU. Here the request only queues the row; one thread per process (``process_thread``:
started on first use, again in a forked worker) sends what has queued within ten milliseconds as ONE
pipeline, and then keeps the stored rows in the process-local layer as the request would have.

The rules of the token cache stay whole:

* the store is still ``SET … NX``, so a revocation's tombstone written before it wins, and one
  written after it overwrites it, exactly as with the synchronous store;
* a row that waited longer than ``MAX_AGE_SECONDS`` (1 s, against tombstones that live
  ``API_TOKEN_CACHE_SECONDS``) is dropped, never stored: a stalled process cannot store a row older
  than the tombstones that would have stopped it;
* the local layer keeps a row only with the epoch read before the database read
  (``token_local.put``), so an invalidation that arrived in between still forbids it;
* a store that fails (Redis down) is dropped and logged: the next call asks the database.

A full queue (``MAX_QUEUED``) or ``API_TOKEN_STORE_BEHIND = False`` sends the store on the request's
path as before; so does a shared cache that is not Redis (the embedded local-memory cache).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache

from .process_thread import ProcessThread

logger = logging.getLogger(__name__)

MAX_AGE_SECONDS = 1.0
MAX_QUEUED = 20_000
MAX_BATCH = 500
# How long the thread lets stores gather before it sends them: a client's next call comes later
# than that (a phone's round trip alone is longer), and at 200 first calls a second per process a
# batch then holds a few rows instead of one.
LINGER_SECONDS = 0.01

Then = Callable[[bool], None]

_cond = threading.Condition()
_queue: deque[tuple[Any, bytes, int, Then | None, float]] = deque()
_state: dict[str, Any] = {"busy": 0, "waiting": 0}  # waiting: threads in _cond.wait()
_clock = time.monotonic  # tests move it forward


def _client() -> Any:
    """The shared cache's django-redis client, or None when the shared cache is not Redis."""
    client = getattr(cache, "client", None)
    return client if getattr(client, "get_client", None) is not None else None


def add_behind(key: str, value: Any, timeout: int, then: Then | None = None) -> bool:
    """Queue ``cache.add(key, value, timeout)``; ``then(stored)`` runs on the writer's thread once
    Redis answered (not at all when the row was dropped). False when not queued (off, not Redis,
    or the queue is full): the caller stores it itself."""
    client = _client()
    if client is None or not getattr(settings, "API_TOKEN_STORE_BEHIND", True) or timeout <= 0:
        return False
    entry = (client.make_key(key), client.encode(value), int(timeout * 1000), then, _clock())
    _writer.ensure()
    with _cond:
        if len(_queue) >= MAX_QUEUED:
            return False
        _queue.append(entry)
        if _state["waiting"]:  # the writer is asleep (or a test's flush() waits: wake both)
            _cond.notify_all()
    return True


def flush(timeout: float = 5.0) -> bool:
    """Wait until every queued store has been sent (tests, and an orderly shutdown)."""
    deadline = time.monotonic() + timeout
    with _cond:
        while _queue or _state["busy"]:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            _wait(left)
    return True


def _wait(timeout: float | None) -> None:
    _state["waiting"] += 1
    try:
        _cond.wait(timeout)
    finally:
        _state["waiting"] -= 1


def _run(gen: int) -> None:
    while True:
        with _cond:
            while not _queue:
                _wait(None)
            if not _writer.current(gen):
                return
        time.sleep(LINGER_SECONDS)
        with _cond:
            batch = [_queue.popleft() for _ in range(min(len(_queue), MAX_BATCH))]
            _state["busy"] += 1
        try:
            _send(batch)
        except Exception:  # noqa: BLE001 - the thread must outlive any batch
            logger.exception("token cache write-behind failed")
        finally:
            with _cond:
                _state["busy"] -= 1
                _cond.notify_all()


def _begin() -> bool:
    """A new process (or a forked child): nothing of the parent's queue or its writer is ours."""
    _queue.clear()
    _state.update(busy=0, waiting=0)
    return True


_writer = ProcessThread("token-store", _run, lock=_cond, begin=_begin)


def _send(batch: list[tuple[Any, bytes, int, Then | None, float]]) -> None:
    now = _clock()
    fresh = [entry for entry in batch if now - entry[4] <= MAX_AGE_SECONDS]
    if len(fresh) < len(batch):
        logger.warning(
            "dropped %d token cache stores older than %ss", len(batch) - len(fresh), MAX_AGE_SECONDS
        )
    if not fresh:
        return
    try:
        client = _client()
        pipe = client.get_client(write=True).pipeline(transaction=False)
        for key, value, px, _then, _at in fresh:
            pipe.set(key, value, nx=True, px=px)
        stored = pipe.execute()
    except Exception:  # noqa: BLE001 - a cache store is an optimisation: the next call asks the database
        logger.warning("token cache unreachable; %d rows not stored", len(fresh), exc_info=True)
        return
    for (_key, _value, _px, then, _at), ok in zip(fresh, stored, strict=True):
        if then is not None:
            try:
                then(bool(ok))
            except Exception:  # noqa: BLE001
                logger.exception("token cache store callback failed")
