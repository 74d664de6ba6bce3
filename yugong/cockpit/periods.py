"""Periods of the cockpit: a day, a month, a quarter or a year, written ``2023-05-04``, ``2023-05``,
``2023-Q2``, ``2023``; each knows the one before it and the same one a year earlier."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from yugong.core.errors import ValidationFailed
from yugong.core.timeutil import local_today

_RE = re.compile(r"^(\d{4})(?:-(?:Q([1-4])|(\d{2})(?:-(\d{2}))?))?$", re.ASCII)


@dataclass(frozen=True)
class Period:
    kind: str  # day | month | quarter | year
    start: dt.date
    end: dt.date  # inclusive

    @property
    def key(self) -> str:
        if self.kind == "year":
            return f"{self.start.year}"
        if self.kind == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        if self.kind == "month":
            return f"{self.start:%Y-%m}"
        return f"{self.start:%Y-%m-%d}"

    @property
    def label(self) -> str:
        y = self.start.year
        if self.kind == "year":
            return _("%(y)s年") % {"y": y}
        if self.kind == "quarter":
            return _("%(y)s年第%(q)s季度") % {"y": y, "q": (self.start.month - 1) // 3 + 1}
        if self.kind == "month":
            return _("%(y)s年%(m)s月") % {"y": y, "m": self.start.month}
        return _("%(y)s年%(m)s月%(d)s日") % {"y": y, "m": self.start.month, "d": self.start.day}

    def previous(self) -> Period:
        if self.kind == "day":
            return day(self.start - dt.timedelta(days=1))
        return parse(_shift(self, -1))

    def year_ago(self) -> Period:
        if self.kind == "day":
            try:
                return day(self.start.replace(year=self.start.year - 1))
            except ValueError:  # 29 February
                return day(self.start.replace(year=self.start.year - 1, day=28))
        return parse(self.key.replace(str(self.start.year), str(self.start.year - 1), 1))

    def months(self) -> list[dt.date]:
        out, d = [], self.start.replace(day=1)
        while d <= self.end:
            out.append(d)
            d = (d + dt.timedelta(days=32)).replace(day=1)
        return out


def _shift(p: Period, step: int) -> str:
    y = p.start.year
    if p.kind == "year":
        return str(y + step)
    if p.kind == "quarter":
        q = (p.start.month - 1) // 3 + step
        return f"{y + q // 4}-Q{q % 4 + 1}"
    m = p.start.month - 1 + step
    return f"{y + m // 12}-{m % 12 + 1:02d}"


def day(d: dt.date) -> Period:
    return Period("day", d, d)


def year(y: int) -> Period:
    return Period("year", dt.date(y, 1, 1), dt.date(y, 12, 31))


def parse(raw: str | None, *, field: str = "period") -> Period:
    """``None``/empty → this year. Bad input raises ValidationFailed naming the field."""
    raw = (raw or "").strip()
    if not raw:
        return year(local_today().year)
    m = _RE.match(raw)
    bad = ValidationFailed(fields={field: [_("期间格式应为 2023、2023-Q2、2023-05 或 2023-05-04。")]})
    if not m:
        raise bad
    y = int(m.group(1))
    if not 2000 <= y <= 2100:
        raise bad
    if m.group(2):
        q = int(m.group(2))
        start = dt.date(y, 3 * q - 2, 1)
        end = (dt.date(y, 3 * q, 28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
        return Period("quarter", start, end)
    if m.group(3):
        mo = int(m.group(3))
        if not 1 <= mo <= 12:
            raise bad
        start = dt.date(y, mo, 1)
        if m.group(4):
            try:
                return day(dt.date(y, mo, int(m.group(4))))
            except ValueError:
                raise bad from None
        end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        return Period("month", start, end)
    return year(y)
