"""The hardship tier, computed (never typed) by one pure function that every path calls.

Exact integer/fraction arithmetic: "per-capita income below the line" is compared as
``income * 1 < line * household size`` so there is no rounding at the boundary.

* 深度困难 (``deep``): per-capita monthly income strictly below the 低保 line.
* 相对困难 (``relative``): strictly below ``relative_multiple`` × the line.
* 意外致困 (``sudden``): a sudden event is recorded, or the rigid costs (medical, education) are
  strictly above ``sudden_cost_share`` × the income (any cost with no income at all counts).
* 边缘 (``near``, listed separately, not a tier for aid): none of the above and the per-capita income
  is strictly below ``relative_multiple × (1 + near_margin)`` × the line.
* A migrant worker with fewer than ``migrant_min_months`` months in employment is not eligible
  (``tier == ""``, ``reason == "migrant_months"``) whatever the income.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.conf import settings

DEEP = "deep"
RELATIVE = "relative"
SUDDEN = "sudden"


@dataclass(frozen=True)
class Rules:
    relative_multiple: Fraction
    sudden_cost_share: Fraction
    near_margin: Fraction
    migrant_min_months: int


@dataclass(frozen=True)
class TierResult:
    tier: str  # "deep" | "relative" | "sudden" | "" (not eligible)
    near: bool  # 边缘: just above the relative line (listed separately)
    per_capita_fen: int  # rounded down, for display only (never used to decide)
    reason: str  # "" or "migrant_months" | "no_line" | "size"


def _fraction(value: Any) -> Fraction:
    return Fraction(Decimal(str(value)))


def rules_from_settings() -> Rules:
    return Rules(
        relative_multiple=_fraction(getattr(settings, "ASSISTANCE_RELATIVE_MULTIPLE", "1.5")),
        sudden_cost_share=_fraction(getattr(settings, "ASSISTANCE_SUDDEN_COST_SHARE", "0.5")),
        near_margin=_fraction(getattr(settings, "ASSISTANCE_NEAR_MARGIN", "0.2")),
        migrant_min_months=int(getattr(settings, "ASSISTANCE_MIGRANT_MIN_MONTHS", 6)),
    )


def compute_tier(
    *,
    household_size: int,
    monthly_income_fen: int,
    monthly_rigid_cost_fen: int,
    line_fen: int | None,
    sudden_event: bool,
    migrant: bool = False,
    employment_months: int = 0,
    rules: Rules | None = None,
) -> TierResult:
    rules = rules or rules_from_settings()
    if household_size < 1:
        return TierResult("", False, 0, "size")
    income = max(int(monthly_income_fen), 0)
    costs = max(int(monthly_rigid_cost_fen), 0)
    per_capita = income // household_size
    if migrant and employment_months < rules.migrant_min_months:
        return TierResult("", False, per_capita, "migrant_months")
    if line_fen is not None and line_fen > 0:
        total_line = Fraction(line_fen * household_size)
        if income < total_line:
            return TierResult(DEEP, False, per_capita, "")
        if income < total_line * rules.relative_multiple:
            return TierResult(RELATIVE, False, per_capita, "")
    if sudden_event or (costs > 0 and costs > income * rules.sudden_cost_share):
        return TierResult(SUDDEN, False, per_capita, "")
    if line_fen is None or line_fen <= 0:
        return TierResult("", False, per_capita, "no_line")
    near_line = Fraction(line_fen * household_size) * rules.relative_multiple * (1 + rules.near_margin)
    return TierResult("", income < near_line, per_capita, "")
