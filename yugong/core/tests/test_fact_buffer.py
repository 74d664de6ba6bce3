"""Buffered facts (``fact_record(..., buffered=True)``, hot write paths): appended, then drained into
the same day cells an upsert would have written. Twin: any sequence of facts gives the same cells
buffered-and-drained as upserted; writers racing drains count every fact once; a buffered write
waits for no other writer of the same cell (PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tests.helpers import make_union, requires_postgres
from tests.race import race
from yugong.core.facts import (
    fact_buffer_drain,
    fact_buffered,
    fact_record,
    fact_record_sql,
    fact_recorded,
    fact_total,
)
from yugong.core.models import DailyFact, FactBuffer

METRIC = "tourism.entries"
DAY = dt.date(2026, 11, 3)


def _cells() -> set[tuple[Any, ...]]:
    return set(
        DailyFact.objects.filter(metric=METRIC).values_list(
            "day", "union_id", "metric", "dim", "path", "value", "folded"
        )
    )


@pytest.mark.django_db
def test_a_buffered_fact_is_one_insert_counted_at_once_and_drained_into_its_cell():
    unit = make_union(make_union(None))
    fact_record(metric=METRIC, union_id=unit.pk, value=2, dim="pass", day=DAY)  # the cell exists
    with CaptureQueriesContext(connection) as ctx:
        fact_record(metric=METRIC, union_id=unit.pk, dim="pass", day=DAY, buffered=True)
    assert len(ctx.captured_queries) == 1 and "core_factbuffer" in ctx.captured_queries[0]["sql"]
    assert DailyFact.objects.get(union_id=unit.pk, metric=METRIC).value == 2  # the cell is not touched
    assert fact_buffered() and fact_total(metric=METRIC, union_ids=[unit.pk], dim="pass") == 3
    assert FactBuffer.objects.get().path == unit.path  # the path as it stood, read in the INSERT

    fact_record(metric=METRIC, union_id=unit.pk, dim="pass", day=DAY, buffered=True, value=4)
    assert fact_buffer_drain() == (2, False)
    cell = DailyFact.objects.get(union_id=unit.pk, metric=METRIC)
    assert (cell.value, cell.folded) == (7, 0)  # news for the cockpit's next fold
    assert not fact_buffered() and fact_total(metric=METRIC, union_ids=[unit.pk]) == 7
    assert fact_buffer_drain() == (0, False)  # drained twice: nothing added the second time
    assert DailyFact.objects.get(union_id=unit.pk, metric=METRIC).value == 7


@pytest.mark.django_db
def test_twin_buffered_and_drained_equals_upserted():
    """The same facts, once upserted and once buffered then drained in small batches: equal cells."""
    city = make_union(None)
    units = [make_union(city), make_union(city)]
    plan = [
        (units[k % 2].pk, ["", "pass", "group"][k % 3], 1 + k % 4, DAY + dt.timedelta(days=(k // 2) % 2))
        for k in range(25)
    ]

    def record(buffered: bool) -> set[tuple[Any, ...]]:
        DailyFact.objects.filter(metric=METRIC).delete()
        for union_id, dim, value, day in plan:
            fact_record(metric=METRIC, union_id=union_id, dim=dim, value=value, day=day, buffered=buffered)
        more = True
        while more:
            _done, more = fact_buffer_drain(limit=4)
        return _cells()

    upserted = record(False)
    assert record(True) == upserted and len(upserted) == 12
    assert not FactBuffer.objects.exists()


@requires_postgres
@pytest.mark.django_db
def test_the_fast_paths_sql_form_buffers_too():
    unit = make_union(None)
    sql, params = fact_record_sql(
        metric=METRIC, union_id=unit.pk, source="src", dim="pass", day=DAY, buffered=True
    )
    with connection.cursor() as cursor:
        cursor.execute(f"WITH src AS (SELECT 1 AS one), f AS ({sql}) SELECT 1", params)
    fact_recorded(params)
    assert list(FactBuffer.objects.values_list("union_id", "metric", "dim", "value", "path")) == [
        (unit.pk, METRIC, "pass", 1, unit.path)
    ]
    fact_buffer_drain()
    assert DailyFact.objects.get(union_id=unit.pk, dim="pass").value == 1


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_a_buffered_writer_does_not_wait_for_an_open_writer_of_the_same_cell():
    """The point of the buffer: a transaction that recorded a fact and has not committed yet (a gate
    admission waiting for its WAL flush) holds its cell's row lock; a second buffered writer goes
    straight through, while an upserting one (the control) waits for the first to commit."""
    unit = make_union(None)
    fact_record(metric=METRIC, union_id=unit.pk, dim="pass", day=DAY)  # the cell exists
    holding, release = threading.Event(), threading.Event()

    def first() -> None:
        try:
            with transaction.atomic():
                fact_record(metric=METRIC, union_id=unit.pk, dim="pass", day=DAY)  # locks the cell
                holding.set()
                release.wait(10)
        finally:
            connection.close()

    def second(buffered: bool) -> bool:
        """True when the write finished while the first was still open."""
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '300ms'")
                try:
                    fact_record(metric=METRIC, union_id=unit.pk, dim="pass", day=DAY, buffered=buffered)
                except Exception:  # noqa: BLE001 - the lock timeout: it had to wait
                    return False
            return True
        finally:
            connection.close()

    for buffered, expected in ((True, True), (False, False)):
        holding.clear()
        release.clear()
        t = threading.Thread(target=first)
        t.start()
        assert holding.wait(10)
        got: list[bool] = []
        s = threading.Thread(target=lambda b=buffered, out=got: out.append(second(b)))
        s.start()
        s.join(10)
        release.set()
        t.join(10)
        assert got == [expected], buffered


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_writers_racing_drains_count_every_fact_once():
    city = make_union(None)
    units = [make_union(city) for _ in range(3)]
    stop = threading.Event()

    def write(i: int) -> int:
        for k in range(40):
            with transaction.atomic():
                fact_record(metric=METRIC, union_id=units[(i + k) % 3].pk, day=DAY, buffered=True)
        return 40

    def drain(_i: int) -> int:
        total = 0
        while not stop.is_set():
            total += fact_buffer_drain(limit=3)[0]
        return total

    drained: list[Any] = []
    t = threading.Thread(target=lambda: drained.extend(race(3, drain)))
    t.start()
    try:
        written = race(4, write)
    finally:
        stop.set()
        t.join(timeout=60)
    assert all(isinstance(r, int) for r in written + drained), written + drained
    rest = fact_buffer_drain()[0]
    assert sum(drained) + rest == 160
    assert sum(DailyFact.objects.filter(metric=METRIC).values_list("value", flat=True)) == 160
    assert not FactBuffer.objects.exists()
