"""Races of the reading campaign (real threads against PostgreSQL), each with a control:

* one reader's phone sending the day's entry for a book several times at once: one row, one 人次
  fact, and the minutes fact equal to what the row holds (the unique constraint, then the row lock;
  the control drops the constraint and gets several rows);
* a reader submitting essays from several tabs at once: never more than the cap (the sign-up row
  is locked before counting; the control counts without the lock and passes the cap)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from tests.helpers import requires_postgres
from tests.race import race
from yugong.core.facts import fact_total
from yugong.events import reading
from yugong.events.models_kinds import ReadingLog, Work

from .conftest import World, make_activity, make_member
from .test_reading import ESSAY, ISBN_1

pytestmark = [requires_postgres, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

RUSH = 6


def _reader(world: World) -> tuple[Any, Any, Any]:
    from yugong.events.services import signup_create

    activity = make_activity(world, kind="reading", title="玫瑰书香", places=100)
    book = reading.book_add(
        actor=world.organiser, activity_id=activity.pk, title="红楼梦", author="曹雪芹", isbn=ISBN_1
    )
    user, _ = make_member(world.store)
    signup_create(actor=user, activity_id=activity.pk)
    return activity, book, user


def _rush_logs(activity: Any, book: Any, user: Any) -> list[Any]:
    return race(
        RUSH,
        lambda i: reading.reading_log_record(
            actor=user, activity_id=activity.pk, book_id=book.pk, minutes=30 + i, pages=10
        ),
    )


def test_one_row_per_book_a_day_under_a_rush(world: World) -> None:
    activity, book, user = _reader(world)
    results = _rush_logs(activity, book, user)
    assert all(isinstance(r, reading.LogResult) for r in results), results
    assert sum(r.created for r in results) == 1
    row = ReadingLog.objects.get()
    assert fact_total(metric="activities.reading_logs") == 1
    assert fact_total(metric="activities.reading_minutes") == row.minutes


def test_control_without_the_constraint_the_day_has_several_rows(world: World) -> None:
    activity, book, user = _reader(world)
    table = ReadingLog._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT reading_log_once_per_book_a_day")  # noqa: S608
    try:
        _rush_logs(activity, book, user)
        rows = ReadingLog.objects.count()
    finally:
        ReadingLog.objects.all().delete()
        with connection.cursor() as cursor:
            cursor.execute(
                f"ALTER TABLE {table} ADD CONSTRAINT reading_log_once_per_book_a_day UNIQUE (signup_id, book_id, day)"  # noqa: S608
            )
    assert rows > 1


def _rush_essays(activity: Any, user: Any) -> None:
    race(
        RUSH + 2,
        lambda i: reading.essay_submit(actor=user, activity_id=activity.pk, title=f"第{i}篇", body=ESSAY),
    )


def test_the_essay_cap_holds_under_a_rush(world: World) -> None:
    activity, _book, user = _reader(world)
    _rush_essays(activity, user)
    assert Work.objects.filter(kind="essay").count() == reading.MAX_ESSAYS


def test_control_counting_without_the_lock_passes_the_cap(world: World, monkeypatch: Any) -> None:
    monkeypatch.setattr(reading, "_UNGUARDED_ESSAY_CAP", True)
    activity, _book, user = _reader(world)
    _rush_essays(activity, user)
    assert Work.objects.filter(kind="essay").count() > reading.MAX_ESSAYS
