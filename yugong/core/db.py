"""Database helpers shared by the hot paths."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from psycopg import Cursor


def _utc_text(value: dt.datetime) -> str:
    """How the ORM stores a datetime on SQLite (``adapt_datetimefield_value`` with USE_TZ): an
    aware value in UTC without its offset; a naive one as it is (Django's own adapter)."""
    if value.tzinfo is not None and value.utcoffset() is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value.isoformat(" ")


def sqlite_binds_utc(sender: Any, connection: Any, **kwargs: Any) -> None:
    """A parameter of raw SQL on SQLite (``connection.cursor().execute(sql, params)``) is bound by
    the driver's adapter, which Django registers as ``isoformat(" ")``: an aware local bound (a
    Shanghai midnight) became ``2026-12-07 00:00:00+08:00`` and was compared as text with the
    stored UTC ``2026-12-06 16:…``, so a day's window missed its first eight hours. Bound the
    ORM's way instead, once the backend (and Django's adapter) is loaded (``connection_created``)."""
    if connection.vendor == "sqlite":
        sqlite3.register_adapter(dt.datetime, _utc_text)


class _PreparingCursor(Cursor):
    """Server-side binding, and every statement prepared: PostgreSQL parses and plans it once per
    connection and then only executes it."""

    def execute(
        self, query: Any, params: Any = None, *, prepare: bool | None = None, binary: Any = None
    ) -> Any:
        return super().execute(query, params, prepare=True, binary=binary)


class _PreparedDebugWrapper(CursorDebugWrapper):
    """Django's query log (DEBUG, the tests' query counts) for a prepared cursor: psycopg keeps no
    text of a prepared execution, so the statement is logged as composed on the client."""

    def execute(self, sql: Any, params: Any = None) -> Any:
        with self.debug_sql(self.db.ops.compose_sql(sql, params), params):
            return CursorWrapper.execute(self, sql, params)


@contextmanager
def prepared_cursor(using: str = DEFAULT_DB_ALIAS) -> Iterator[Any]:
    """A cursor for a statement that runs on every request of a hot path. On PostgreSQL it is a
    prepared statement: planning a statement of several data-modifying CTEs costs PostgreSQL more
    CPU than running it (measured on the tourism order: 1.7 ms per order unprepared, 0.4 ms
    prepared). Elsewhere, or with ``DB_PREPARED_STATEMENTS=0``, it is Django's ordinary cursor, so
    the same SQL must suit both (``%(name)s`` placeholders, explicit casts).

    It goes through Django's cursor wrapper, so query logging and the tests' query counts see it.
    The prepared statement lives on the pooled connection; psycopg drops its cache on ROLLBACK
    and the server re-plans by itself when a table it reads changes."""
    conn = connections[using]
    if not _prepares(conn):
        with conn.cursor() as cursor:
            yield cursor
        return
    conn.validate_thread_sharing()
    db_cursor: Any = _PreparingCursor(conn.connection)
    wrapped = _PreparedDebugWrapper(db_cursor, conn) if conn.queries_logged else conn.make_cursor(db_cursor)
    with wrapped as cursor:
        yield cursor


def one_statement_enabled(setting: str, *, outside_transaction: bool = False) -> bool:
    """Whether a hot path's one-statement SQL runs: PostgreSQL, the app's switch ``setting`` on
    (default on; off falls back to the ORM path, same rules, same rows) and, for statements that
    commit on their own, outside a caller's transaction (inside one the ORM path runs)."""
    conn = connections[DEFAULT_DB_ALIAS]
    if conn.vendor != "postgresql" or not bool(getattr(settings, setting, True)):
        return False
    return not (outside_transaction and conn.in_atomic_block)


def _prepares(conn: Any) -> bool:
    """Prepared statements pay off only on PostgreSQL, when enabled, and on a connection that
    outlives the request (pooled or persistent): on a fresh connection per request, preparing
    would cost a round trip and save nothing."""
    if conn.vendor != "postgresql":
        return False
    if getattr(conn, "pool", None) is None and not conn.settings_dict.get("CONN_MAX_AGE"):
        return False
    conn.ensure_connection()
    return getattr(conn.connection, "prepare_threshold", None) is not None


# SQLSTATEs of a bounded wait that ran out: lock_not_available (lock_timeout or NOWAIT) and
# query_canceled (statement_timeout). SQLite says "database is locked" when its busy timeout ends.
_BUSY_SQLSTATES = frozenset({"55P03", "57014"})


def is_busy_error(exc: BaseException) -> bool:
    """Did the database give up waiting (a lock or the statement timeout), rather than fail?"""
    from django.db import OperationalError

    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__
    sqlstate = getattr(cause, "sqlstate", None) or getattr(getattr(cause, "diag", None), "sqlstate", None)
    if sqlstate in _BUSY_SQLSTATES:
        return True
    return "database is locked" in str(exc)


def busy_error() -> Any:
    """The one answer to a bounded wait that ran out: 409, Chinese "busy, retry", Retry-After."""
    from .errors import Busy

    return Busy()


def fast_timestamps(cursor: Any) -> None:
    """Decode this cursor's ``timestamptz`` columns with psycopg's own (C) loader.

    Django registers a Python subclass of psycopg's loader on every connection (it pins ``tzinfo``
    to the connection's time zone), which psycopg cannot swap for its C version: on a page of 50
    rows with two timestamps each that costs ~0.4 ms of CPU. When the connection's time zone is
    UTC (Django's with ``USE_TZ``), the C loader gives equal values with the same ``tzinfo``
    (``datetime.timezone.utc``); otherwise, and off PostgreSQL, nothing changes."""
    conn = getattr(cursor, "db", None)
    raw = getattr(cursor, "cursor", None)
    if conn is None or raw is None or conn.vendor != "postgresql" or conn.timezone_name != "UTC":
        return
    from psycopg.types.datetime import TimestamptzLoader

    raw.adapters.register_loader("timestamptz", TimestamptzLoader)
