"""Skills competitions, the pure marking rules (pinned by tests): see the package docstring."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from ..models_skills import (
    Aspect,
)

JUDGEMENT_JUDGES = 3
Q3 = Decimal("0.001")

# --- pure rules -----------------------------------------------------------------------------


def judgement_flagged(values: Sequence[Decimal | int]) -> bool:
    """Three judges' 0–3 scores are flagged when they spread over more than one point."""
    return bool(values) and (max(values) - min(values)) > 1


def aspect_mark(kind: str, max_mark: Decimal, values: Sequence[Decimal | int]) -> Decimal:
    if not values:
        return Decimal(0)
    mean: Decimal = sum((Decimal(v) for v in values), Decimal(0)) / len(values)
    if kind == Aspect.Kind.JUDGEMENT:
        return (mean / 3 * Decimal(max_mark)).quantize(Q3, ROUND_HALF_UP)
    return mean.quantize(Q3, ROUND_HALF_UP)


@dataclass(frozen=True)
class Scored:
    entry_id: int
    kind: str
    total: Decimal
    written: Decimal
    practical: Decimal


def stage_totals(
    items: Sequence[tuple[int, str, Decimal]],
    item_marks: dict[tuple[int, int], tuple[Decimal, Decimal]],
    entries: Iterable[tuple[int, str]],
) -> list[Scored]:
    """``items``: (item id, kind, weight); ``item_marks[(entry, item)]`` = (marks, maximum)."""
    weight_sum = sum((w for _i, _k, w in items), Decimal(0)) or Decimal(1)
    out = []
    for entry_id, entry_kind in entries:
        parts = {"written": Decimal(0), "practical": Decimal(0)}
        for item_id, kind, weight in items:
            got, maximum = item_marks.get((entry_id, item_id), (Decimal(0), Decimal(0)))
            score = got / maximum * 100 if maximum else Decimal(0)
            parts[kind] += score * weight / weight_sum
        written = parts["written"].quantize(Q3, ROUND_HALF_UP)
        practical = parts["practical"].quantize(Q3, ROUND_HALF_UP)
        out.append(Scored(entry_id, entry_kind, written + practical, written, practical))
    return out


def rank(scored: Sequence[Scored]) -> list[tuple[Scored, int]]:
    """Competition ranking (1, 1, 3) within one kind by total, practical, written."""
    order = sorted(scored, key=lambda s: (-s.total, -s.practical, -s.written, s.entry_id))
    out: list[tuple[Scored, int]] = []
    for i, s in enumerate(order):
        if i and (s.total, s.practical, s.written) == (
            order[i - 1].total,
            order[i - 1].practical,
            order[i - 1].written,
        ):
            out.append((s, out[-1][1]))
        else:
            out.append((s, i + 1))
    return out


def advances(rank_: int, total: Decimal, *, top_n: int | None, threshold: Decimal | None) -> bool:
    if top_n is None and threshold is None:
        return False
    return (top_n is None or rank_ <= top_n) and (threshold is None or total >= threshold)
