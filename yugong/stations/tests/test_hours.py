import datetime as dt

import pytest
import time_machine

from yugong.core.models import CalendarDay
from yugong.core.timeutil import SHANGHAI
from yugong.stations.hours import (
    HoursError,
    compile_schedule,
    hours_text,
    is_open_at,
    is_public_holiday,
    normalize_hours,
    parse_hours_text,
    parse_spans_text,
)


def at(s: str) -> dt.datetime:
    return dt.datetime.fromisoformat(s).replace(tzinfo=SHANGHAI)


NEVER = lambda day: False  # noqa: E731


def test_parse_text_forms() -> None:
    assert parse_hours_text("全天")["3"] == ["00:00-24:00"]
    week = parse_hours_text("1-5 08:00-20:00; 6-7 09:00-12:00,14:00-18:00")
    assert week["1"] == ["08:00-20:00"] and week["7"] == ["09:00-12:00", "14:00-18:00"]
    assert parse_hours_text("周一至周五 8:00-20:00")["5"] == ["08:00-20:00"]
    assert parse_hours_text("每天 20:00-06:00")["4"] == ["20:00-06:00"]
    assert parse_spans_text("") is None and parse_spans_text("休息") == []
    assert hours_text(week) == "1-5 08:00-20:00; 6-7 09:00-12:00,14:00-18:00"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "1-5",
        "1-5 25:00-26:00",
        "1-5 08:00-08:00",
        "8 08:00-09:00",
        "5-1 08:00-09:00",
        "1 08:00-12:00,11:00-13:00",
        "x 8-9",
    ],
)
def test_malformed_hours_are_rejected(text: str) -> None:
    with pytest.raises(HoursError):
        parse_hours_text(text)


def test_normalize_rejects_bad_weekday() -> None:
    with pytest.raises(HoursError):
        normalize_hours({"8": ["08:00-09:00"]})


def test_daytime_hours() -> None:
    s = compile_schedule({"1": ["08:00-20:00"]})
    assert is_open_at(s, at("2026-03-02 08:00"), NEVER)  # Monday
    assert is_open_at(s, at("2026-03-02 19:59"), NEVER)
    assert not is_open_at(s, at("2026-03-02 20:00"), NEVER)
    assert not is_open_at(s, at("2026-03-03 10:00"), NEVER)  # Tuesday: no hours


def test_overnight_span_crosses_midnight() -> None:
    s = compile_schedule({"1": ["20:00-06:00"]})
    assert not is_open_at(s, at("2026-03-02 19:00"), NEVER)
    assert is_open_at(s, at("2026-03-02 23:30"), NEVER)
    assert is_open_at(s, at("2026-03-03 02:00"), NEVER)  # Tuesday morning, Monday's span
    assert not is_open_at(s, at("2026-03-03 06:00"), NEVER)
    assert not is_open_at(s, at("2026-03-03 23:00"), NEVER)  # no Tuesday span
    # Sunday night into Monday morning wraps the week.
    sunday = compile_schedule({"7": ["22:00-02:00"]})
    assert is_open_at(sunday, at("2026-03-02 01:00"), NEVER)


def test_24_hours_and_aware_times() -> None:
    s = compile_schedule({d: ["00:00-24:00"] for d in "1234567"})
    assert s.always_open
    assert is_open_at(s, dt.datetime(2026, 3, 2, 16, 30, tzinfo=dt.UTC), NEVER)


@pytest.mark.django_db
def test_public_holidays_from_the_core_calendar() -> None:
    assert is_public_holiday(dt.date(2026, 10, 1))  # 国庆节
    assert not is_public_holiday(dt.date(2026, 3, 7))  # an ordinary Saturday
    assert not is_public_holiday(dt.date(2026, 10, 10))  # 调休 working Saturday


@pytest.mark.django_db
def test_holiday_hours_apply_on_holidays_only() -> None:
    s = compile_schedule({d: ["08:00-20:00"] for d in "1234567"}, holiday_hours=[])
    with time_machine.travel(at("2026-10-01 10:00"), tick=False):  # National Day, Thursday
        assert not is_open_at(s, dt.datetime.now(tz=SHANGHAI))
    with time_machine.travel(at("2026-10-15 10:00"), tick=False):
        assert is_open_at(s, dt.datetime.now(tz=SHANGHAI))


@pytest.mark.django_db
def test_overnight_span_on_holiday_eve_belongs_to_its_start_day() -> None:
    # Open 20:00-06:00 on ordinary days, closed on holidays. 2026-09-30 (Wed) is a working day,
    # 2026-10-01 a holiday: 02:00 on Oct 1 is still in Sep 30's span; 23:00 on Oct 1 is not.
    s = compile_schedule({d: ["20:00-06:00"] for d in "1234567"}, holiday_hours=[])
    with time_machine.travel(at("2026-10-01 02:00"), tick=False):
        assert is_open_at(s, dt.datetime.now(tz=SHANGHAI))
    with time_machine.travel(at("2026-10-01 23:00"), tick=False):
        assert not is_open_at(s, dt.datetime.now(tz=SHANGHAI))


@pytest.mark.django_db
def test_operator_calendar_override_and_station_exception_dates() -> None:
    from yugong.core.calendar import calendar_cache_clear

    CalendarDay.objects.create(date=dt.date(2026, 3, 4), kind="holiday", name="本地假日")
    calendar_cache_clear()
    s = compile_schedule(
        {d: ["08:00-20:00"] for d in "1234567"},
        holiday_hours=["10:00-12:00"],
        exception_dates={"2026-03-05": []},
    )
    assert not is_open_at(s, at("2026-03-04 09:00"))
    assert is_open_at(s, at("2026-03-04 11:00"))
    assert not is_open_at(s, at("2026-03-05 11:00"))  # the station's own closed day
    assert is_open_at(s, at("2026-03-06 09:00"))


def test_hours_read_in_the_page_language() -> None:
    """Opening hours for people (issue 12, item 13): Chinese pages read 周一至周五…, English pages
    the English day names and marks; the form staff edit (hours_text) stays as parsed."""
    from django.utils import translation

    from yugong.stations.hours import hours_display

    week = {"1": ["08:00-12:00", "14:00-20:00"], "2": ["08:00-12:00", "14:00-20:00"], "6": ["09:00-17:00"]}
    always = {d: ["00:00-24:00"] for d in "1234567"}
    with translation.override("zh-hans"):
        assert hours_display(week) == "周一至周二 08:00-12:00、14:00-20:00；周六 09:00-17:00"
        assert hours_display(always) == "全天开放"
        assert hours_display({}) == "暂无开放时间"
    with translation.override("en"):
        english = hours_display(week)
    # The English day names come from the catalogue (tests/test_english_pages.py reads them there);
    # here: the spans are kept and the list marks follow the language.
    assert "08:00-12:00, 14:00-20:00; " in english and "09:00-17:00" in english
