"""Seat maps of show sessions: a session with a map sells named seats, not just places.

A map is a list of rows, front row first, one character per position: ``A`` is a seat, ``_`` a gap
(an aisle, a pillar). Seats are numbered from the left within their row, gaps skipped; a seat's key
is ``"排-座"`` (``"3-5"``: row 3, seat 5) and its label ``3排5座``. The capacity of a mapped session
is its number of seats. Who holds which seat is ``SeatHold`` (unique per session and seat: the
database is the last judge when two buyers pick the same seat)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from yugong.core.errors import ValidationFailed

SEAT = "A"
GAP = "_"
MAX_ROWS = 60
MAX_ROW_LENGTH = 80


@dataclass(frozen=True)
class Seat:
    key: str
    row: int
    number: int

    @property
    def label(self) -> str:
        return seat_label(self.key)


def seat_label(key: str) -> str:
    row, _sep, number = key.partition("-")
    return _("%(row)s排%(seat)s座") % {"row": row, "seat": number}


def parse_layout(text: str) -> list[str]:
    """The map typed by merchant staff (one row per line; spaces ignored) → rows; ``[]`` for an
    empty text (no map). Errors name the field ``seat_rows`` and the line."""
    rows = []
    for n, line in enumerate((text or "").splitlines(), start=1):
        row = line.replace(" ", "").replace("\u3000", "").replace("\t", "").upper()
        if not row:
            continue
        bad = sorted({c for c in row if c not in (SEAT, GAP)})
        if bad:
            raise ValidationFailed(
                fields={
                    "seat_rows": _("座位图第 %(n)s 行有无法识别的字符“%(c)s”：只能用 A（座位）和 _（过道）。")
                    % {"n": n, "c": "".join(bad)}
                }
            )
        if len(row) > MAX_ROW_LENGTH:
            raise ValidationFailed(
                fields={
                    "seat_rows": _("座位图第 %(n)s 行超过 %(m)s 个位置。") % {"n": n, "m": MAX_ROW_LENGTH}
                }
            )
        rows.append(row)
    if len(rows) > MAX_ROWS:
        raise ValidationFailed(fields={"seat_rows": _("座位图最多 %(m)s 排。") % {"m": MAX_ROWS}})
    if rows and not any(SEAT in r for r in rows):
        raise ValidationFailed(fields={"seat_rows": _("座位图里没有座位（A）。")})
    return rows


def grid(rows: Iterable[str]) -> list[list[Seat | None]]:
    """The map as rows of seats, ``None`` where there is a gap."""
    out: list[list[Seat | None]] = []
    for r, row in enumerate(rows, start=1):
        line: list[Seat | None] = []
        number = 0
        for c in row:
            if c == SEAT:
                number += 1
                line.append(Seat(f"{r}-{number}", r, number))
            else:
                line.append(None)
        out.append(line)
    return out


def seats_in(rows: Iterable[str]) -> list[Seat]:
    """Every seat, front row first and left to right: the order of "best available"."""
    return [s for line in grid(rows) for s in line if s is not None]


def capacity(rows: Iterable[str]) -> int:
    return sum(row.count(SEAT) for row in rows)


def clean_choice(rows: list[str], chosen: Iterable[str]) -> list[str]:
    """The seats a buyer picked, checked against the map: keys in map order, no duplicates.
    Errors name the field ``seats``."""
    wanted = [str(k).strip() for k in chosen if str(k).strip()]
    if len(set(wanted)) != len(wanted):
        raise ValidationFailed(fields={"seats": _("同一座位不能选两次。")})
    order = {s.key: i for i, s in enumerate(seats_in(rows))}  # map position of every seat
    unknown = [k for k in wanted if k not in order]
    if unknown:
        raise ValidationFailed(
            fields={"seats": _("没有这个座位：%(s)s。") % {"s": "、".join(k[:12] for k in unknown[:5])}}
        )
    return sorted(wanted, key=order.__getitem__)
