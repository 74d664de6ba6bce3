"""Count at the source (principle 4): modules call :func:`fact_record` in the same transaction as
the event (a membership approved, an order paid, an appeal closed). One row per day, union node,
metric and dimension; the increment is a single upsert, safe under concurrency on PostgreSQL and
SQLite alike (``INSERT ... ON CONFLICT DO UPDATE SET value = value + excluded.value``)."""

from __future__ import annotations

import datetime as dt

from django.db import connection

from .models import DailyFact
from .timeutil import local_today


def _upsert(*, metric: str, union_id: int, value: int, dim: str, day: dt.date | None, add: bool) -> None:
    if not metric or union_id is None:
        raise ValueError("a fact needs a metric and a union node")
    table = DailyFact._meta.db_table
    new_value = f"{table}.value + excluded.value" if add else "excluded.value"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (day, union_id, metric, dim, value) VALUES (%s, %s, %s, %s, %s) "  # noqa: S608
            f"ON CONFLICT (day, union_id, metric, dim) DO UPDATE SET value = {new_value}",
            [day or local_today(), union_id, metric, dim, value],
        )


def fact_record(
    *, metric: str, union_id: int, value: int = 1, dim: str = "", day: dt.date | None = None
) -> None:
    """Something countable happened: add ``value`` to the day's cell."""
    _upsert(metric=metric, union_id=union_id, value=value, dim=dim, day=day, add=True)


def fact_set(*, metric: str, union_id: int, value: int, dim: str = "", day: dt.date | None = None) -> None:
    """A level rather than a count (a coverage share, a queue length): the day's cell holds the
    latest value measured that day instead of a sum."""
    _upsert(metric=metric, union_id=union_id, value=value, dim=dim, day=day, add=False)


def fact_total(
    *,
    metric: str,
    union_ids: list[int] | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    dim: str | None = None,
) -> int:
    from django.db.models import Sum

    qs = DailyFact.objects.filter(metric=metric)
    if union_ids is not None:
        qs = qs.filter(union_id__in=union_ids)
    if start:
        qs = qs.filter(day__gte=start)
    if end:
        qs = qs.filter(day__lte=end)
    if dim is not None:
        qs = qs.filter(dim=dim)
    return int(qs.aggregate(total=Sum("value"))["total"] or 0)
