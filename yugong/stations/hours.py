"""Opening hours: per weekday spans, overnight spans, 24 hours, public-holiday hours and dated
exceptions — and the one question that matters to a worker outside in the cold: open now?

Stored form (``Station.hours``, ``Station.holiday_hours``, ``Station.exception_dates``)::

    hours = {"1": ["08:00-20:00"], ..., "6": ["20:00-06:00"], "7": ["00:00-24:00"]}   # ISO weekday
    holiday_hours = None                    # public holidays follow the weekday; [] = closed
    exception_dates = {"2026-02-17": []}    # a date of this station's own: closed, or other spans

A span ``"20:00-06:00"`` (end before start) runs overnight: it belongs to the day it starts on, so
it is open at 02:00 the next morning even when that next day is a holiday. ``"00:00-24:00"`` is the
whole day. Public holidays come from :mod:`yugong.core.calendar` (the State Council schedule and
the operators' ``CalendarDay`` overrides).

The text form staff type in spreadsheets (:func:`parse_hours_text`)::

    "每天 00:00-24:00"   "1-5 08:00-20:00; 6-7 09:00-17:00"   "周一至周五 08:00-12:00,14:00-18:00"
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from yugong.core import calendar as core_calendar

WEEKDAYS = ("1", "2", "3", "4", "5", "6", "7")
_SPAN_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–~至]\s*(\d{1,2}):(\d{2})\s*$", re.ASCII)
_CN_DAYS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "日": 7, "天": 7}
ALL_DAY = "00:00-24:00"


class HoursError(ValueError):
    """A malformed hours value; the message is Chinese and names what is wrong."""


Span = tuple[int, int]  # minutes from the day's midnight; end <= start means overnight


def parse_span(text: str) -> Span:
    m = _SPAN_RE.match(text or "")
    if not m:
        raise HoursError(_("时间段“%(v)s”格式应为 HH:MM-HH:MM。") % {"v": text})
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    if h1 > 23 or m1 > 59 or h2 > 24 or m2 > 59 or (h2 == 24 and m2 != 0):
        raise HoursError(_("时间段“%(v)s”中的时刻无效。") % {"v": text})
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if start == end:
        raise HoursError(_("时间段“%(v)s”的开始和结束不能相同。") % {"v": text})
    return start, end


def format_span(span: Span) -> str:
    s, e = span
    return f"{s // 60:02d}:{s % 60:02d}-{e // 60:02d}:{e % 60:02d}"


def _spans(values: Any) -> list[str]:
    if values is None:
        return []
    if not isinstance(values, list | tuple):
        raise HoursError(_("时间段应为列表。"))
    out = []
    for value in values:
        span = parse_span(str(value))
        out.append(format_span(span))
    _check_overlap([parse_span(v) for v in out])
    return out


def _check_overlap(spans: list[Span]) -> None:
    flat: list[Span] = []
    for s, e in spans:
        if e > s:
            flat.append((s, e))
        else:
            flat += [(s, 1440), (0, e)] if e else [(s, 1440)]
    flat.sort()
    for (_s1, e1), (s2, _e2) in zip(flat, flat[1:], strict=False):
        if s2 < e1:
            raise HoursError(_("同一天的时间段相互重叠。"))


def normalize_hours(value: Any) -> dict[str, list[str]]:
    """Validate and normalise the weekly hours (raises :class:`HoursError`)."""
    if not isinstance(value, Mapping):
        raise HoursError(_("开放时间应为按星期（1-7）给出的时间段。"))
    unknown = set(map(str, value)) - set(WEEKDAYS)
    if unknown:
        raise HoursError(_("星期应为 1（周一）到 7（周日）。"))
    return {d: _spans(value.get(d, value.get(int(d), []))) for d in WEEKDAYS}


def normalize_holiday_hours(value: Any) -> list[str] | None:
    return None if value is None else _spans(value)


def normalize_exceptions(value: Any) -> dict[str, list[str]]:
    if not value:
        return {}
    if not isinstance(value, Mapping):
        raise HoursError(_("例外日期应为“日期: 时间段”。"))
    out = {}
    for key, spans in value.items():
        try:
            day = dt.date.fromisoformat(str(key))
        except ValueError:
            raise HoursError(_("例外日期“%(v)s”应为 YYYY-MM-DD。") % {"v": key}) from None
        out[day.isoformat()] = _spans(spans)
    return dict(sorted(out.items()))


def _days(text: str) -> list[int]:
    text = text.strip()
    if text in {"每天", "每日", "全周", "daily", "*"}:
        return list(range(1, 8))
    text = re.sub(r"(?:周|星期)([一二三四五六日天])", lambda m: str(_CN_DAYS[m.group(1)]), text)
    out: list[int] = []
    for part in re.split(r"[,，、]", text):
        part = part.strip()
        m = re.match(r"^([1-7])\s*(?:-|至|到|~)\s*([1-7])$", part)
        if m:
            a, b = int(m.group(1)), int(m.group(2))
            if a > b:
                raise HoursError(_("星期范围“%(v)s”应从小到大。") % {"v": part})
            out += list(range(a, b + 1))
        elif re.match(r"^[1-7]$", part):
            out.append(int(part))
        else:
            raise HoursError(_("无法识别星期“%(v)s”。") % {"v": part})
    return out


def parse_hours_text(text: str) -> dict[str, list[str]]:
    """``"1-5 08:00-20:00; 6-7 09:00-17:00"`` -> the weekly dict. ``"全天"``/``"24小时"`` -> always open."""
    text = (text or "").strip()
    if not text:
        raise HoursError(_("请填写开放时间。"))
    if text in {"全天", "24小时", "24h", "全天候", "全年无休"}:
        return {d: [ALL_DAY] for d in WEEKDAYS}
    week: dict[str, list[str]] = {d: [] for d in WEEKDAYS}
    for segment in re.split(r"[;；\n]", text):
        segment = segment.strip()
        if not segment:
            continue
        days_part, _sep, spans_part = segment.partition(" ")
        if not spans_part.strip():
            raise HoursError(_("“%(v)s”应为“星期 时间段”，如“1-5 08:00-20:00”。") % {"v": segment})
        spans = [s for s in re.split(r"[,，、]", spans_part) if s.strip()]
        for day in _days(days_part):
            week[str(day)] += [format_span(parse_span(s)) for s in spans]
    return normalize_hours(week)


def parse_spans_text(text: str) -> list[str] | None:
    """Holiday hours cell: empty -> None (as the weekday), ``"休息"`` -> [] (closed), else spans."""
    text = (text or "").strip()
    if not text:
        return None
    if text in {"休息", "关闭", "不开放", "closed"}:
        return []
    if text in {"全天", "24小时"}:
        return [ALL_DAY]
    return _spans([s for s in re.split(r"[,，、]", text) if s.strip()])


def hours_text(hours: Mapping[str, list[str]]) -> str:
    """The weekly dict back to the compact text form (days with equal spans grouped)."""
    groups: list[tuple[list[int], list[str]]] = []
    for d in WEEKDAYS:
        spans = list(hours.get(d, []))
        if groups and groups[-1][1] == spans and groups[-1][0][-1] == int(d) - 1:
            groups[-1][0].append(int(d))
        else:
            groups.append(([int(d)], spans))
    parts = []
    for days, spans in groups:
        if not spans:
            continue
        label = "每天" if len(days) == 7 else (f"{days[0]}-{days[-1]}" if len(days) > 1 else str(days[0]))
        parts.append(f"{label} {','.join(spans)}")
    return "; ".join(parts) or "—"


def _weekday_names() -> list[str]:
    return [_("周一"), _("周二"), _("周三"), _("周四"), _("周五"), _("周六"), _("周日")]


def hours_display(hours: Mapping[str, list[str]]) -> str:
    """The weekly dict for people to read, in the active language: ``每天 00:00-24:00`` /
    ``Daily 00:00-24:00``, ``周一至周五 08:00-20:00；周六 09:00-17:00``. (:func:`hours_text` is the
    form staff type and edit; it stays as parsed.)"""
    names = _weekday_names()
    parts = []
    for text in hours_text(hours).split("; "):
        if text == "—":
            return _("暂无开放时间")
        label, _sep, spans = text.partition(" ")
        spans = spans.replace(",", pgettext("punctuation", "、"))
        if label == "每天":
            day = _("每天")
        elif "-" in label:
            first, last = label.split("-")
            day = _("%(first)s至%(last)s") % {"first": names[int(first) - 1], "last": names[int(last) - 1]}
        else:
            day = names[int(label) - 1]
        if spans == ALL_DAY and label == "每天":
            parts.append(_("全天开放"))
            continue
        parts.append(f"{day} {spans}")
    return pgettext("punctuation", "；").join(parts)


# --- Open now ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Schedule:
    weekly: tuple[tuple[Span, ...], ...]  # index 0 = Monday
    holiday: tuple[Span, ...] | None
    exceptions: Mapping[dt.date, tuple[Span, ...]]

    @property
    def always_open(self) -> bool:
        return (
            all(day == ((0, 1440),) for day in self.weekly)
            and self.holiday in (None, ((0, 1440),))
            and not self.exceptions
        )


def compile_schedule(
    hours: Mapping[str, list[str]] | None,
    holiday_hours: list[str] | None = None,
    exception_dates: Mapping[str, list[str]] | None = None,
) -> Schedule:
    """Stored (already validated) values -> a :class:`Schedule` cheap to test."""
    hours = hours or {}
    weekly = tuple(tuple(parse_span(s) for s in hours.get(d, [])) for d in WEEKDAYS)
    holiday = None if holiday_hours is None else tuple(parse_span(s) for s in holiday_hours)
    exceptions = {
        dt.date.fromisoformat(k): tuple(parse_span(s) for s in v) for k, v in (exception_dates or {}).items()
    }
    return Schedule(weekly, holiday, exceptions)


def is_public_holiday(day: dt.date) -> bool:
    """A public holiday by the State Council schedule or an operator's CalendarDay row (weekends
    that are merely weekends are not holidays: they follow the station's Saturday/Sunday hours)."""
    # core.calendar keeps the merged official + override table per year behind ``_year``; it is
    # the single source of truth for holidays, so we read it rather than duplicate it.
    return core_calendar.is_holiday(day)


def _spans_for(schedule: Schedule, day: dt.date, holiday: Callable[[dt.date], bool]) -> tuple[Span, ...]:
    special = schedule.exceptions.get(day)
    if special is not None:
        return special
    if schedule.holiday is not None and holiday(day):
        return schedule.holiday
    return schedule.weekly[day.weekday()]


def is_open_at(
    schedule: Schedule, when: dt.datetime, holiday: Callable[[dt.date], bool] = is_public_holiday
) -> bool:
    """Open at the aware (or Asia/Shanghai naive-local) moment ``when``."""
    if schedule.always_open:
        return True
    if when.tzinfo is not None:
        from yugong.core.timeutil import SHANGHAI

        when = when.astimezone(SHANGHAI)
    day, t = when.date(), when.hour * 60 + when.minute
    for s, e in _spans_for(schedule, day, holiday):
        if (s <= t < e) if e > s else (t >= s):
            return True
    yesterday = day - dt.timedelta(days=1)
    return any(e <= s and t < e for s, e in _spans_for(schedule, yesterday, holiday))


class HolidayMemo:
    """Holiday look-ups for one request: the answer for a date is computed once."""

    def __init__(self) -> None:
        self._memo: dict[dt.date, bool] = {}

    def __call__(self, day: dt.date) -> bool:
        hit = self._memo.get(day)
        if hit is None:
            hit = self._memo[day] = is_public_holiday(day)
        return hit
