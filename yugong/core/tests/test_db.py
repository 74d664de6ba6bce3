"""yugong.core.db.prepared_cursor: prepared once per connection on PostgreSQL, an ordinary cursor
elsewhere; the same SQL and the same answers either way, and always visible in the query log."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from tests.helpers import is_postgres
from yugong.core.db import prepared_cursor

pytestmark = pytest.mark.django_db

SQL = "SELECT %(a)s::int + %(b)s::int, %(names)s::text[]"
SQL_SQLITE = "SELECT %(a)s + %(b)s, %(name)s"


def _run(a: int, b: int) -> Any:
    with prepared_cursor() as cursor:
        if is_postgres():
            cursor.execute(SQL, {"a": a, "b": b, "names": ["张三", "李四"]})
        else:
            cursor.execute(SQL_SQLITE, {"a": a, "b": b, "name": "张三"})
        return cursor.fetchone()


def _prepared_here() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_same_answers_and_logged_with_values() -> None:
    with CaptureQueriesContext(connection) as ctx:
        first = _run(1, 2)
        second = _run(40, 2)
    assert first[0] == 3 and second[0] == 42
    assert first[1] == (["张三", "李四"] if is_postgres() else "张三")
    assert len(ctx.captured_queries) == 2
    logged = ctx.captured_queries[1]["sql"]
    assert "40" in logged and "%(a)s" not in logged  # composed with its values, readable


@pytest.mark.skipif("not is_postgres()")
def test_prepared_once_per_connection_on_postgresql() -> None:
    for i in range(3):
        assert _run(i, 1)[0] == i + 1
    mine = [s for s in _prepared_here() if "::text[]" in s and "$1" in s]
    assert len(mine) == 1, _prepared_here()  # planned once, executed three times


@pytest.mark.skipif("not is_postgres()")
def test_still_works_after_a_rollback() -> None:
    """psycopg forgets its prepared statements on ROLLBACK; the next call prepares again."""
    _run(1, 1)
    with pytest.raises(DatabaseError), transaction.atomic():
        _run(1, 1)
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 / 0")
    assert _run(2, 3)[0] == 5


@pytest.mark.skipif("not is_postgres()")
def test_ordinary_cursor_when_prepared_statements_are_off() -> None:
    connection.ensure_connection()
    raw = connection.connection
    saved = raw.prepare_threshold
    raw.prepare_threshold = None  # what DB_PREPARED_STATEMENTS=0 gives
    try:
        before = len(_prepared_here())
        assert _run(2, 2)[0] == 4
        assert len(_prepared_here()) == before
    finally:
        raw.prepare_threshold = saved


def test_no_preparing_on_a_connection_per_request() -> None:
    """DB_POOL=0 (and no CONN_MAX_AGE): the connection dies with the request, so preparing would
    cost a round trip and save nothing; SQLite never prepares."""
    from types import SimpleNamespace

    from yugong.core.db import _prepares

    per_request = SimpleNamespace(vendor="postgresql", pool=None, settings_dict={"CONN_MAX_AGE": 0})
    assert _prepares(per_request) is False
    assert _prepares(SimpleNamespace(vendor="sqlite", pool=None, settings_dict={})) is False


@pytest.mark.parametrize("local_hour", [3, 12, 23])
def test_raw_sql_compares_an_aware_local_bound_as_the_orm_stores(local_hour: int) -> None:
    """A day's window in raw SQL (a Shanghai midnight to the next) holds the rows written that day
    at any hour, on both databases: on SQLite the bound is stored UTC text, as the ORM writes."""
    import datetime as dt

    import time_machine

    from yugong.core.models import AuditEvent
    from yugong.core.timeutil import SHANGHAI

    when = dt.datetime(2026, 12, 7, local_hour, 30, tzinfo=SHANGHAI)
    with time_machine.travel(when, tick=False):
        AuditEvent.objects.create(action="test.window", object_type="t", object_id="1")
    lo = dt.datetime(2026, 12, 7, tzinfo=SHANGHAI)
    table = AuditEvent._meta.db_table
    sql = f"SELECT count(*) FROM {table} WHERE action = %s AND at >= %s AND at < %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, ["test.window", lo, lo + dt.timedelta(days=1)])
        inside = cursor.fetchone()[0]
        cursor.execute(sql, ["test.window", lo - dt.timedelta(days=1), lo])
        before = cursor.fetchone()[0]
    assert (inside, before) == (1, 0)
    assert (
        AuditEvent.objects.filter(action="test.window", at__gte=lo, at__lt=lo + dt.timedelta(days=1)).count()
        == 1
    )
