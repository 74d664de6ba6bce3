"""The Chinese working-day calendar: deadlines counted in working days (membership decisions) or
working hours (rights-hotline SLAs).

Rules, in order:
1. a :class:`~yugong.core.models.CalendarDay` row for the date (configured by operators: a local
   holiday, a correction, next year's schedule before a release);
2. the official State Council schedule shipped below (:data:`OFFICIAL_DAYS`: public holidays and
   the adjusted working weekends, 调休);
3. Monday to Friday are working days, Saturday and Sunday are not.

The shipped schedule is code, not migration data, so the calendar is right on an empty database
(tests that flush tables, fresh installs); the table only holds overrides. Overrides are read one
query per year and kept per process for :data:`CACHE_SECONDS`; an edit shows within that time
(:func:`calendar_cache_clear` makes it immediate, e.g. in tests).

All datetimes are aware; local dates and clock times are those of Asia/Shanghai.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterable

from django.conf import settings
from django.utils import timezone

from .timeutil import SHANGHAI

HOLIDAY = "holiday"
WORKDAY = "workday"
CACHE_SECONDS = 300


def _span(start: str, end: str, kind: str, name: str) -> list[tuple[dt.date, str, str]]:
    first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    return [(first + dt.timedelta(days=i), kind, name) for i in range((last - first).days + 1)]


def _days(*groups: Iterable[tuple[dt.date, str, str]]) -> dict[dt.date, tuple[str, str]]:
    return {day: (kind, name) for group in groups for day, kind, name in group}


# 国务院办公厅关于2025年部分节假日安排的通知（国办发明电〔2024〕12号）and
# 国务院办公厅关于2026年部分节假日安排的通知（2025年11月4日）.
OFFICIAL_DAYS: dict[dt.date, tuple[str, str]] = _days(
    # 2025
    _span("2025-01-01", "2025-01-01", HOLIDAY, "元旦"),
    _span("2025-01-28", "2025-02-04", HOLIDAY, "春节"),
    _span("2025-01-26", "2025-01-26", WORKDAY, "春节调休上班"),
    _span("2025-02-08", "2025-02-08", WORKDAY, "春节调休上班"),
    _span("2025-04-04", "2025-04-06", HOLIDAY, "清明节"),
    _span("2025-05-01", "2025-05-05", HOLIDAY, "劳动节"),
    _span("2025-04-27", "2025-04-27", WORKDAY, "劳动节调休上班"),
    _span("2025-05-31", "2025-06-02", HOLIDAY, "端午节"),
    _span("2025-10-01", "2025-10-08", HOLIDAY, "国庆节、中秋节"),
    _span("2025-09-28", "2025-09-28", WORKDAY, "国庆节调休上班"),
    _span("2025-10-11", "2025-10-11", WORKDAY, "国庆节调休上班"),
    # 2026
    _span("2026-01-01", "2026-01-03", HOLIDAY, "元旦"),
    _span("2026-01-04", "2026-01-04", WORKDAY, "元旦调休上班"),
    _span("2026-02-15", "2026-02-23", HOLIDAY, "春节"),
    _span("2026-02-14", "2026-02-14", WORKDAY, "春节调休上班"),
    _span("2026-02-28", "2026-02-28", WORKDAY, "春节调休上班"),
    _span("2026-04-04", "2026-04-06", HOLIDAY, "清明节"),
    _span("2026-05-01", "2026-05-05", HOLIDAY, "劳动节"),
    _span("2026-05-09", "2026-05-09", WORKDAY, "劳动节调休上班"),
    _span("2026-06-19", "2026-06-21", HOLIDAY, "端午节"),
    _span("2026-09-25", "2026-09-27", HOLIDAY, "中秋节"),
    _span("2026-10-01", "2026-10-07", HOLIDAY, "国庆节"),
    _span("2026-09-20", "2026-09-20", WORKDAY, "国庆节调休上班"),
    _span("2026-10-10", "2026-10-10", WORKDAY, "国庆节调休上班"),
)

_lock = threading.Lock()
_cache: dict[int, tuple[float, dict[dt.date, str]]] = {}


def calendar_cache_clear() -> None:
    with _lock:
        _cache.clear()


def _year(year: int) -> dict[dt.date, str]:
    """Date -> kind for every exception to the weekend rule in ``year`` (one query per year)."""
    now = time.monotonic()
    with _lock:
        hit = _cache.get(year)
    if hit is not None and hit[0] > now:
        return hit[1]
    from .models import CalendarDay

    days = {d: kind for d, (kind, _name) in OFFICIAL_DAYS.items() if d.year == year}
    days.update(CalendarDay.objects.filter(date__year=year).values_list("date", "kind"))
    with _lock:
        _cache[year] = (now + CACHE_SECONDS, days)
    return days


def is_working_day(day: dt.date) -> bool:
    kind = _year(day.year).get(day)
    if kind is not None:
        return kind == WORKDAY
    return day.weekday() < 5


def is_holiday(day: dt.date) -> bool:
    """A public holiday (not merely a weekend): stations keep holiday hours on these days."""
    return _year(day.year).get(day) == HOLIDAY


def next_working_day(day: dt.date) -> dt.date:
    """The first working day strictly after ``day``."""
    day += dt.timedelta(days=1)
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def _local(value: dt.datetime) -> dt.datetime:
    if timezone.is_naive(value):
        raise ValueError("calendar arithmetic needs an aware datetime")
    return value.astimezone(SHANGHAI)


def add_working_days(start: dt.datetime, n: int) -> dt.datetime:
    """The same local clock time on the ``n``-th working day after ``start``'s date.

    Days are counted from the day after ``start`` whether or not ``start`` falls on a working day:
    an application on Saturday with 5 working days is due the next Friday (a week with no
    holiday)."""
    if n < 0:
        raise ValueError("n must not be negative")
    local = _local(start)
    day = local.date()
    for _ in range(n):
        day = next_working_day(day)
    return dt.datetime.combine(day, local.timetz()).astimezone(SHANGHAI)


def working_days_between(a: dt.date | dt.datetime, b: dt.date | dt.datetime) -> int:
    """Working days in the half-open interval (a, b]: how many working days passed from ``a`` to
    ``b``. Negative when ``b`` is before ``a``."""
    first = _local(a).date() if isinstance(a, dt.datetime) else a
    last = _local(b).date() if isinstance(b, dt.datetime) else b
    if last < first:
        return -working_days_between(last, first)
    count, day = 0, first
    while day < last:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count


def _work_hours() -> tuple[dt.time, dt.time]:
    start, end = getattr(settings, "WORKING_HOURS", ("09:00", "17:00"))
    return dt.time.fromisoformat(start), dt.time.fromisoformat(end)


def add_working_hours(
    start: dt.datetime,
    hours: float,
    *,
    day_start: dt.time | None = None,
    day_end: dt.time | None = None,
) -> dt.datetime:
    """``start`` plus ``hours`` of office time (working days, ``day_start``–``day_end``, by
    default ``settings.WORKING_HOURS`` or 09:00–17:00). A start outside office hours begins at the
    next opening; a deadline that lands exactly on closing time stays on that day."""
    if hours < 0:
        raise ValueError("hours must not be negative")
    if day_start is None or day_end is None:
        default_start, default_end = _work_hours()
        day_start = day_start or default_start
        day_end = day_end or default_end
    if day_end <= day_start:
        raise ValueError("the working day must end after it starts")

    def at(day: dt.date, clock: dt.time) -> dt.datetime:
        return dt.datetime.combine(day, clock, tzinfo=SHANGHAI)

    remaining = dt.timedelta(hours=hours)
    cursor = _local(start)
    while True:
        day = cursor.date()
        if not is_working_day(day) or cursor.timetz().replace(tzinfo=None) >= day_end:
            cursor = at(next_working_day(day), day_start)
            continue
        cursor = max(cursor, at(day, day_start))
        available = at(day, day_end) - cursor
        if remaining <= available:
            return cursor + remaining
        remaining -= available
        cursor = at(next_working_day(day), day_start)
