"""core.db.fast_timestamps: psycopg's C loader gives the values Django's loader gives."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from tests.helpers import requires_postgres
from yugong.core.db import fast_timestamps

pytestmark = pytest.mark.django_db

SQL = (
    "SELECT TIMESTAMPTZ '2026-12-06 08:30:15.123456+08', TIMESTAMPTZ '1999-01-01 00:00:00+00', "
    "NULL::timestamptz, DATE '2026-02-28'"
)


def _row(fast: bool) -> tuple:
    with connection.cursor() as cursor:
        if fast:
            fast_timestamps(cursor)
        cursor.execute(SQL)
        return tuple(cursor.fetchone())


@requires_postgres
def test_the_c_loader_gives_what_djangos_loader_gives() -> None:
    django_row, fast_row = _row(False), _row(True)
    assert fast_row == django_row
    assert [type(v) for v in fast_row] == [type(v) for v in django_row]
    assert fast_row[0].tzinfo is django_row[0].tzinfo is dt.UTC
    assert fast_row[0] == dt.datetime(2026, 12, 6, 0, 30, 15, 123456, tzinfo=dt.UTC)
    # only that cursor: the next one decodes as before
    assert _row(False) == django_row


def test_elsewhere_it_changes_nothing() -> None:
    with connection.cursor() as cursor:
        fast_timestamps(cursor)
        cursor.execute("SELECT 1")
        assert cursor.fetchone()[0] == 1
