"""The SLA clock of a handling stage — the rules, in one place.

Working time
    Office hours (``settings.WORKING_HOURS``, default 09:00–17:00, Asia/Shanghai) on working days
    of the Chinese calendar (core.calendar: weekends off, public holidays off, adjusted working
    weekends (调休) on). Nothing else counts: nights, weekends and holidays stop every clock.

Budgets (per complexity and per handling level)
    ``RIGHTS_SLA_LIMITS[level][complexity] = (accept_hours, conclude_days)``, read with
    ``getattr(settings, ...)`` over :data:`DEFAULT_LIMITS`. The level is that of the union handling
    the stage (city / district-or-industry / grassroots, :func:`level_of`).

    * accept within ``accept_hours`` working hours of the stage's start;
    * conclude within ``conclude_days`` working days of the stage's start, a working day being one
      office day of working time: a stage starting Monday 10:00 with 3 days is due Thursday 10:00;
      one starting Friday 20:00 (after hours) is due Wednesday 17:00 (its clock starts Monday 09:00).
    Both clocks start when the appeal reaches the union (``started_at``), not when it is accepted.

Pauses (waiting on the worker)
    A stage may wait for the worker (more documents, a reply). From the pause until the worker
    replies no working time counts on any running clock; on the reply the clock restarts with the
    working time it had left. A deadline that had already passed when the pause began stays where
    it was (pausing never rescues an overdue case). While paused the appeal has no running deadline
    (it leaves the near-due/overdue queues).

Transfers (转办) and reopening
    Every transfer (up, down or sideways) ends the stage and starts a new one at the receiving
    union, with that union's level budgets and a fresh clock; the old stage keeps its times for the
    record (it counts as "transferred", not late or on time). Reopening after a "not satisfied"
    rating starts a new stage at the level above, likewise.

Near due
    A clock is "near due" once its remaining working time is at most ``RIGHTS_SLA_NEAR`` of the
    budget (fraction, default 0.25) — the supervisors' queue and the once-per-threshold notices
    (rights.tasks) use the same moment, ``warn_at``.

Deadlines are always recomputed from ``started_at``, the budget and the list of pauses
(:func:`deadline`), never shifted step by step, so replaying the history gives the same answer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings

from yugong.core.calendar import is_working_day, next_working_day
from yugong.core.timeutil import SHANGHAI

# level -> complexity -> (accept within N working hours, conclude within M working days)
DEFAULT_LIMITS: dict[str, dict[str, tuple[int, int]]] = {
    "grassroots": {"general": (8, 10), "difficult": (8, 20), "complex": (8, 45)},
    "district": {"general": (8, 15), "difficult": (16, 30), "complex": (16, 60)},
    "city": {"general": (4, 15), "difficult": (8, 30), "complex": (8, 60)},
}

LEVEL_BY_KIND = {
    "city": "city",
    "district": "district",
    "industry": "district",
    "federation": "district",
    "grassroots": "grassroots",
    "joint": "grassroots",
    "branch": "grassroots",
}


def level_of(union_kind: str) -> str:
    return LEVEL_BY_KIND.get(union_kind, "district")


def limits(level: str, complexity: str) -> tuple[int, int]:
    table = getattr(settings, "RIGHTS_SLA_LIMITS", None) or DEFAULT_LIMITS
    row = table.get(level) or DEFAULT_LIMITS.get(level) or DEFAULT_LIMITS["district"]
    value = row.get(complexity) or DEFAULT_LIMITS["district"]["general"]
    return int(value[0]), int(value[1])


def near_fraction() -> float:
    return float(getattr(settings, "RIGHTS_SLA_NEAR", 0.25))


def office_hours() -> tuple[dt.time, dt.time]:
    start, end = getattr(settings, "WORKING_HOURS", ("09:00", "17:00"))
    return dt.time.fromisoformat(start), dt.time.fromisoformat(end)


def office_day() -> dt.timedelta:
    start, end = office_hours()
    return dt.datetime.combine(dt.date.min, end) - dt.datetime.combine(dt.date.min, start)


def _at(day: dt.date, clock: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, clock, tzinfo=SHANGHAI)


def _local(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        raise ValueError("SLA arithmetic needs aware datetimes")
    return value.astimezone(SHANGHAI)


def add_working_time(start: dt.datetime, amount: dt.timedelta) -> dt.datetime:
    """``start`` plus ``amount`` of working time. A start outside office hours begins at the next
    opening; a deadline landing exactly on closing time stays on that day."""
    if amount < dt.timedelta(0):
        raise ValueError("amount must not be negative")
    open_, close = office_hours()
    cursor = _local(start)
    remaining = amount
    # Bounded: each turn consumes a whole office day or returns; 40 years of days at most.
    for _ in range(15000):
        day = cursor.date()
        if not is_working_day(day) or cursor.time() >= close:
            cursor = _at(next_working_day(day), open_)
            continue
        cursor = max(cursor, _at(day, open_))
        available = _at(day, close) - cursor
        if remaining <= available:
            return cursor + remaining
        remaining -= available
        cursor = _at(next_working_day(day), open_)
    raise ValueError("working time too large")


def working_time_between(a: dt.datetime, b: dt.datetime) -> dt.timedelta:
    """Working time in [a, b) (zero when b <= a)."""
    a, b = _local(a), _local(b)
    if b <= a:
        return dt.timedelta(0)
    open_, close = office_hours()
    total = dt.timedelta(0)
    day = a.date()
    while day <= b.date():
        if is_working_day(day):
            lo = max(a, _at(day, open_))
            hi = min(b, _at(day, close))
            if hi > lo:
                total += hi - lo
        day += dt.timedelta(days=1)
    return total


@dataclass(frozen=True)
class Pause:
    start: dt.datetime
    end: dt.datetime | None


def parse_pauses(raw: Iterable[dict[str, str | None]]) -> list[Pause]:
    out = []
    for item in raw:
        start = dt.datetime.fromisoformat(str(item["from"]))
        end_raw = item.get("to")
        out.append(Pause(start, dt.datetime.fromisoformat(end_raw) if end_raw else None))
    return sorted(out, key=lambda p: p.start)


def deadline(start: dt.datetime, budget: dt.timedelta, pauses: Sequence[Pause] = ()) -> dt.datetime | None:
    """When ``budget`` of working time, counted from ``start`` and skipping the pauses, runs out.
    ``None`` when the clock is stopped by an open pause before it ran out."""
    cursor, remaining = start, budget
    for pause in sorted(pauses, key=lambda p: p.start):
        if pause.end is not None and pause.end <= cursor:
            continue
        candidate = add_working_time(cursor, remaining)
        if candidate <= pause.start:
            return candidate  # ran out before this pause began: the pause changes nothing
        if pause.start > cursor:
            remaining -= working_time_between(cursor, pause.start)
        if pause.end is None:
            return None
        cursor = max(cursor, pause.end)
    return add_working_time(cursor, remaining)


@dataclass(frozen=True)
class Clocks:
    accept_due: dt.datetime | None
    accept_warn: dt.datetime | None
    conclude_due: dt.datetime | None
    conclude_warn: dt.datetime | None


def stage_clocks(
    *, started_at: dt.datetime, accept_hours: int, conclude_days: int, pauses: Sequence[Pause]
) -> Clocks:
    accept_budget = dt.timedelta(hours=accept_hours)
    conclude_budget = office_day() * conclude_days
    near = near_fraction()
    return Clocks(
        accept_due=deadline(started_at, accept_budget, pauses),
        accept_warn=deadline(started_at, accept_budget * (1 - near), pauses),
        conclude_due=deadline(started_at, conclude_budget, pauses),
        conclude_warn=deadline(started_at, conclude_budget * (1 - near), pauses),
    )
