"""The SLA clock: working time across weekends, public holidays and 调休 weekends, pauses."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yugong.core.calendar import calendar_cache_clear
from yugong.core.timeutil import SHANGHAI
from yugong.rights import sla
from yugong.rights.sla import Pause, add_working_time, deadline, working_time_between

H = dt.timedelta(hours=1)
DAY = 8 * H


def t(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _calendar(db: object) -> None:
    calendar_cache_clear()


def test_within_a_plain_week() -> None:
    assert add_working_time(t("2026-03-02 10:00"), 4 * H) == t("2026-03-02 14:00")  # Monday
    assert add_working_time(t("2026-03-02 15:00"), 4 * H) == t("2026-03-03 11:00")
    # exactly at closing stays on that day
    assert add_working_time(t("2026-03-02 09:00"), DAY) == t("2026-03-02 17:00")
    # Friday afternoon runs over the weekend
    assert add_working_time(t("2026-03-06 16:00"), 2 * H) == t("2026-03-09 10:00")
    # a start after hours begins at the next opening
    assert add_working_time(t("2026-03-06 20:00"), 2 * H) == t("2026-03-09 11:00")


def test_over_the_national_day_holiday() -> None:
    # 2026: 10-01..10-07 off; Sat 10-10 is an adjusted working day (调休).
    assert add_working_time(t("2026-09-30 16:00"), 2 * H) == t("2026-10-08 10:00")
    # 3 working days from Thursday 10-08 10:00: Fri 9, Sat 10 (调休), Mon 12 at 10:00
    assert add_working_time(t("2026-10-08 10:00"), 3 * DAY) == t("2026-10-12 10:00")
    # without the 调休 Saturday it would be Tuesday
    assert add_working_time(t("2026-10-15 10:00"), 3 * DAY) == t("2026-10-20 10:00")
    assert add_working_time(t("2026-10-09 16:00"), 2 * H) == t("2026-10-10 10:00")  # the 调休 Saturday


def test_over_spring_festival_2026() -> None:
    # Sat 2026-02-14 is an adjusted working day; 02-15..02-23 off; Sat 02-28 works.
    assert add_working_time(t("2026-02-13 16:00"), 2 * H) == t("2026-02-14 10:00")
    assert add_working_time(t("2026-02-14 16:00"), 2 * H) == t("2026-02-24 10:00")
    assert working_time_between(t("2026-02-13 09:00"), t("2026-02-25 09:00")) == 3 * DAY


def test_working_time_between_is_the_inverse_of_adding() -> None:
    start = t("2026-04-30 11:30")  # before 劳动节 (05-01..05-05), 调休 Sat 05-09
    for hours in (1, 5, 8, 13, 40, 100):
        end = add_working_time(start, hours * H)
        assert working_time_between(start, end) == hours * H


@settings(max_examples=60, deadline=None)
@given(
    offset_minutes=st.integers(min_value=0, max_value=60 * 24 * 400),
    minutes=st.integers(min_value=0, max_value=60 * 8 * 40),
)
def test_add_and_between_agree(offset_minutes: int, minutes: int) -> None:
    start = t("2025-01-01 00:00") + dt.timedelta(minutes=offset_minutes)
    end = add_working_time(start, dt.timedelta(minutes=minutes))
    assert working_time_between(start, end) == dt.timedelta(minutes=minutes)
    assert end >= start


def test_pause_stops_the_clock_and_restarts_with_what_was_left() -> None:
    start = t("2026-03-02 09:00")  # Monday, 16 working hours → Tue 17:00
    assert deadline(start, 16 * H) == t("2026-03-03 17:00")
    # waiting on the worker from Mon 13:00 (4h used) to Wed 10:00: 12h left from Wed 10:00
    pauses = [Pause(t("2026-03-02 13:00"), t("2026-03-04 10:00"))]
    assert deadline(start, 16 * H, pauses) == t("2026-03-05 14:00")
    # still waiting: no deadline
    assert deadline(start, 16 * H, [Pause(t("2026-03-02 13:00"), None)]) is None
    # two pauses
    pauses.append(Pause(t("2026-03-05 09:00"), t("2026-03-06 09:00")))
    assert deadline(start, 16 * H, pauses) == t("2026-03-06 14:00")


def test_pause_after_the_deadline_does_not_rescue_it() -> None:
    start = t("2026-03-02 09:00")
    late = [Pause(t("2026-03-04 10:00"), t("2026-03-10 10:00"))]
    assert deadline(start, 16 * H, late) == t("2026-03-03 17:00")
    assert deadline(start, 16 * H, [Pause(t("2026-03-04 10:00"), None)]) == t("2026-03-03 17:00")


def test_pause_over_a_holiday_costs_nothing_extra() -> None:
    # pause from Wed 09-30 10:00 to Thu 10-08 10:00: only 1 working hour of 09-30 and 1 of 10-08 paused
    start = t("2026-09-29 09:00")
    pauses = [Pause(t("2026-09-30 10:00"), t("2026-10-08 10:00"))]
    # 2 working days = 16h: 8h on 09-29, 1h on 09-30, then 7h from 10-08 10:00 → 17:00
    assert deadline(start, 2 * DAY, pauses) == t("2026-10-08 17:00")


def test_stage_clocks_and_near_due() -> None:
    clocks = sla.stage_clocks(started_at=t("2026-03-02 09:00"), accept_hours=8, conclude_days=10, pauses=[])
    assert clocks.accept_due == t("2026-03-02 17:00")
    assert clocks.accept_warn == t("2026-03-02 15:00")  # 25 % of the budget left
    assert clocks.conclude_due == t("2026-03-13 17:00")
    assert clocks.conclude_warn is not None and clocks.conclude_warn < clocks.conclude_due


def test_limits_from_settings(settings: object) -> None:
    assert sla.limits("grassroots", "general") == sla.DEFAULT_LIMITS["grassroots"]["general"]
    settings.RIGHTS_SLA_LIMITS = {"city": {"general": (2, 5)}}  # type: ignore[attr-defined]
    assert sla.limits("city", "general") == (2, 5)
    assert sla.level_of("industry") == "district"
    assert sla.level_of("joint") == "grassroots"
