from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.test.utils import CaptureQueriesContext

from yugong.core.calendar import (
    add_working_days,
    add_working_hours,
    calendar_cache_clear,
    is_working_day,
    next_working_day,
    working_days_between,
)
from yugong.core.models import CalendarDay
from yugong.core.timeutil import SHANGHAI

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    calendar_cache_clear()
    yield
    calendar_cache_clear()


def d(s: str) -> dt.date:
    return dt.date.fromisoformat(s)


def at(s: str) -> dt.datetime:
    return dt.datetime.fromisoformat(s).replace(tzinfo=SHANGHAI)


def test_weekend_rule() -> None:
    assert is_working_day(d("2025-03-07"))  # Friday
    assert not is_working_day(d("2025-03-08"))  # Saturday
    assert not is_working_day(d("2025-03-09"))  # Sunday
    assert is_working_day(d("2024-06-03"))  # years without a shipped schedule: weekend rule only


@pytest.mark.parametrize(
    ("day", "working"),
    [
        ("2025-01-01", False),  # 元旦, a Wednesday
        ("2025-01-26", True),  # Sunday, worked for the Spring Festival
        ("2025-02-04", False),  # last day of the Spring Festival, a Tuesday
        ("2025-02-08", True),  # Saturday, worked
        ("2025-04-27", True),
        ("2025-05-05", False),  # Monday off
        ("2025-10-08", False),
        ("2025-10-11", True),
        ("2026-01-04", True),
        ("2026-02-14", True),
        ("2026-02-23", False),
        ("2026-02-28", True),
        ("2026-05-09", True),
        ("2026-09-20", True),
        ("2026-10-07", False),
        ("2026-10-10", True),
    ],
)
def test_official_schedule(day: str, working: bool) -> None:
    assert is_working_day(d(day)) is working


def test_add_working_days_over_spring_festival_2025() -> None:
    # Friday 24 Jan 2025 10:00: Sun 26 (worked) 1, Mon 27 2, (28 Jan – 4 Feb off), Wed 5 3,
    # Thu 6 4, Fri 7 5.
    assert add_working_days(at("2025-01-24T10:00"), 5) == at("2025-02-07T10:00")


def test_add_working_days_over_national_day_2025() -> None:
    # Friday 26 Sep: Sun 28 (worked) 1, Mon 29 2, Tue 30 3, (1–8 Oct off), Thu 9 4, Fri 10 5.
    assert add_working_days(at("2025-09-26T16:30"), 5) == at("2025-10-10T16:30")


def test_add_working_days_from_a_weekend_and_in_utc() -> None:
    # Saturday 8 Mar 2025 → Mon..Fri
    assert add_working_days(at("2025-03-08T09:00"), 5) == at("2025-03-14T09:00")
    # 2025-03-07 20:00 UTC is already Saturday 04:00 in Shanghai.
    start = dt.datetime(2025, 3, 7, 20, 0, tzinfo=dt.UTC)
    assert add_working_days(start, 1) == at("2025-03-10T04:00")
    assert add_working_days(start, 0) == at("2025-03-08T04:00")


def test_naive_datetimes_refused() -> None:
    with pytest.raises(ValueError):
        add_working_days(dt.datetime(2025, 3, 7, 10, 0), 1)  # noqa: DTZ001


def test_working_days_between() -> None:
    assert working_days_between(d("2025-09-26"), d("2025-10-10")) == 5
    assert working_days_between(d("2025-10-10"), d("2025-09-26")) == -5
    assert working_days_between(d("2025-03-07"), d("2025-03-07")) == 0
    assert working_days_between(at("2025-03-07T23:00"), at("2025-03-10T01:00")) == 1
    assert next_working_day(d("2025-09-30")) == d("2025-10-09")


def test_overrides_from_the_table_win_and_cost_one_query_per_year() -> None:
    from django.db import connection

    CalendarDay.objects.create(date=d("2025-03-07"), kind="holiday", name="地方假日")
    CalendarDay.objects.create(date=d("2025-03-08"), kind="workday", name="补班")
    CalendarDay.objects.create(date=d("2025-01-26"), kind="holiday", name="改为休息")
    calendar_cache_clear()
    with CaptureQueriesContext(connection) as ctx:
        assert not is_working_day(d("2025-03-07"))
        assert is_working_day(d("2025-03-08"))
        assert not is_working_day(d("2025-01-26"))
        for i in range(60):
            is_working_day(d("2025-03-01") + dt.timedelta(days=i))
    assert len(ctx.captured_queries) == 1


def test_add_working_hours() -> None:
    # Friday 15:00 + 4 h: 2 h on Friday, 2 h on Monday from 09:00.
    assert add_working_hours(at("2025-03-07T15:00"), 4) == at("2025-03-10T11:00")
    # before opening → counted from 09:00
    assert add_working_hours(at("2025-03-10T07:00"), 1.5) == at("2025-03-10T10:30")
    # after closing and landing on closing time
    assert add_working_hours(at("2025-03-10T18:00"), 8) == at("2025-03-11T17:00")
    # over the 2025 National Day holiday (30 Sep is a Tuesday, 1–8 Oct off)
    assert add_working_hours(at("2025-09-30T16:00"), 2) == at("2025-10-09T10:00")
    # configurable office hours
    assert add_working_hours(
        at("2025-03-10T08:00"), 3, day_start=dt.time(8, 30), day_end=dt.time(10, 30)
    ) == at("2025-03-11T09:30")
    # an adjusted working Sunday counts
    assert add_working_hours(at("2025-01-25T12:00"), 1) == at("2025-01-26T10:00")
