"""Write-behind of API tokens' ``last_used_at`` (PostgreSQL): the touches that fall due are queued by
the requests and written by one thread per process (``process_thread``), once a second, in ONE statement.

``last_used_at`` is a hint shown to the token's owner ("last used …"), written at most once per
``API_TOKEN_TOUCH_SECONDS`` per token (``auth.py``). On a token's first call the touch used to ride
in the look-up statement, which made every first call a write transaction: a new row version, its
WAL, a commit. On a city-wide sign-up every request is a member's first call, and that write was a
tenth of the database's CPU per sign-up. Now the look-up is a plain read; the touch is queued here.

* The batch is one ``UPDATE … FROM unnest(ids, instants)`` with the same condition as the single
  touch (``last_used_at IS NULL OR last_used_at < at − period``): a token touched meanwhile by
  another process is not written again, and ``last_used_at`` never moves backwards. Rows are
  locked in id order, so two processes' batches cannot deadlock.
* Its transaction commits without waiting for the WAL flush, as the single touch did: a crash may
  forget the last second's touches, never anything that is a record.
* A batch that fails is logged and dropped (the next use touches again); a full queue (``MAX_QUEUED``)
  writes the touch on the request, as before.
* Off (``API_TOKEN_TOUCH_BEHIND = False``, and by default under tests), or inside a caller's
  transaction, or on SQLite: the touch is written on the request, as before.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time

from django.conf import settings
from django.db import connection

from .process_thread import ProcessThread

logger = logging.getLogger(__name__)

MAX_QUEUED = 50_000
FLUSH_SECONDS = 1.0

_lock = threading.Lock()
_due: dict[int, dt.datetime] = {}  # token id -> the instant of its first use in the window


def applies() -> bool:
    """Queue touches here? PostgreSQL, switched on, outside a caller's transaction."""
    return (
        bool(getattr(settings, "API_TOKEN_TOUCH_BEHIND", True))
        and connection.vendor == "postgresql"
        and not connection.in_atomic_block
    )


def queue(token_id: int, at: dt.datetime) -> bool:
    """Queue the touch; False when the queue is full (the caller writes it itself)."""
    _writer.ensure()
    with _lock:
        if token_id not in _due and len(_due) >= MAX_QUEUED:
            return False
        _due.setdefault(token_id, at)
    return True


def pending() -> int:
    with _lock:
        return len(_due)


def flush() -> int:
    """Write every queued touch now, on this thread's connection; the number of rows written."""
    return _write(_take(None))


def _take(gen: int | None) -> list[tuple[int, dt.datetime]] | None:
    """The queued touches, in id order (None: the writer of generation ``gen`` is outdated)."""
    with _lock:
        if gen is not None and not _writer.current(gen):
            return None
        batch = sorted(_due.items())
        _due.clear()
    return batch


def _write(batch: list[tuple[int, dt.datetime]] | None) -> int:
    if not batch:
        return 0
    from .models import ApiToken  # noqa: PLC0415 - models load after the app registry

    table = connection.ops.quote_name(ApiToken._meta.db_table)
    period = int(getattr(settings, "API_TOKEN_TOUCH_SECONDS", 300))
    with connection.cursor() as cursor:
        # ``set_config(…, true)`` lasts to the end of this statement's own transaction; the rows are
        # locked in id order (``locked``), whatever plan the UPDATE gets
        cursor.execute(
            "WITH cfg AS (SELECT set_config('synchronous_commit', 'off', true) AS off), "  # noqa: S608
            "v AS (SELECT * FROM unnest(%s::bigint[], %s::timestamptz[]) AS v(id, at)), "
            f"locked AS (SELECT t.id, v.at FROM {table} t JOIN v ON v.id = t.id "
            "WHERE t.last_used_at IS NULL OR t.last_used_at < v.at - make_interval(secs => %s) "
            "ORDER BY t.id FOR UPDATE OF t) "
            f"UPDATE {table} AS t SET last_used_at = locked.at FROM locked, cfg WHERE t.id = locked.id",
            [[token_id for token_id, _ in batch], [at for _, at in batch], period],
        )
        return int(cursor.rowcount)


def _flush_seconds() -> float:
    return float(getattr(settings, "API_TOKEN_TOUCH_FLUSH_SECONDS", FLUSH_SECONDS))


def _run(gen: int) -> None:
    while True:
        time.sleep(max(_flush_seconds(), 0.05))
        try:
            batch = _take(gen)
            if batch is None:
                return
            _write(batch)
        except Exception:  # noqa: BLE001 - a hint: the next use of the token touches it again
            logger.warning("could not write API token last_used_at touches; dropped", exc_info=True)
        finally:
            connection.close()  # back to the pool between batches


def _begin() -> bool:
    """A new process (or a forked child): the parent's queue is not ours; no thread without a tick."""
    _due.clear()
    return _flush_seconds() > 0


_writer = ProcessThread("token-touch", _run, lock=_lock, begin=_begin)
