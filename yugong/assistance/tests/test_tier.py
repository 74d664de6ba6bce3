"""The tier function at its exact boundaries (no rounding: compared on totals)."""

from __future__ import annotations

from fractions import Fraction

import pytest

from yugong.assistance.tier import DEEP, RELATIVE, SUDDEN, Rules, compute_tier, rules_from_settings

RULES = Rules(
    relative_multiple=Fraction(3, 2),
    sudden_cost_share=Fraction(1, 2),
    near_margin=Fraction(1, 5),
    migrant_min_months=6,
)
LINE = 70_000  # 700 元 per person per month


def tier(**kw: object) -> tuple[str, bool]:
    args: dict = {
        "household_size": 3,
        "monthly_income_fen": 0,
        "monthly_rigid_cost_fen": 0,
        "line_fen": LINE,
        "sudden_event": False,
        "rules": RULES,
    }
    args.update(kw)
    result = compute_tier(**args)
    return result.tier, result.near


@pytest.mark.parametrize(
    ("income", "expected"),
    [
        (3 * LINE - 1, (DEEP, False)),  # one fen below the line for three people
        (3 * LINE, (RELATIVE, False)),  # exactly on the line: not below it
        (3 * LINE * 3 // 2 - 1, (RELATIVE, False)),
        (3 * LINE * 3 // 2, ("", True)),  # exactly 1.5 × the line: no longer 相对困难, but 边缘
        (3 * LINE * 3 // 2 * 6 // 5 - 1, ("", True)),
        (3 * LINE * 3 // 2 * 6 // 5, ("", False)),  # exactly at the near line: out
    ],
)
def test_income_boundaries(income: int, expected: tuple[str, bool]) -> None:
    assert tier(monthly_income_fen=income) == expected


def test_per_capita_not_rounded() -> None:
    # 209 999 fen for 3 people is 69 999.67 fen each: below 70 000 (a rounded per-capita would say equal).
    assert tier(monthly_income_fen=209_999) == (DEEP, False)
    assert (
        compute_tier(
            household_size=3,
            monthly_income_fen=209_999,
            monthly_rigid_cost_fen=0,
            line_fen=LINE,
            sudden_event=False,
            rules=RULES,
        ).per_capita_fen
        == 69_999
    )


def test_rigid_costs_share_boundary() -> None:
    income = 1_000_000  # well above every line
    assert tier(monthly_income_fen=income, monthly_rigid_cost_fen=500_000) == ("", False)  # exactly half
    assert tier(monthly_income_fen=income, monthly_rigid_cost_fen=500_001) == (SUDDEN, False)


def test_sudden_event_makes_sudden_tier_above_lines() -> None:
    assert tier(monthly_income_fen=1_000_000, sudden_event=True) == (SUDDEN, False)


def test_income_tier_wins_over_sudden() -> None:
    assert tier(monthly_income_fen=1, sudden_event=True) == (DEEP, False)


def test_costs_without_income_are_sudden_even_without_line() -> None:
    assert tier(line_fen=None, monthly_income_fen=0, monthly_rigid_cost_fen=1) == (SUDDEN, False)
    result = compute_tier(
        household_size=1,
        monthly_income_fen=0,
        monthly_rigid_cost_fen=0,
        line_fen=None,
        sudden_event=False,
        rules=RULES,
    )
    assert (result.tier, result.reason) == ("", "no_line")


def test_migrant_minimum_months() -> None:
    assert tier(monthly_income_fen=0, migrant=True, employment_months=5) == ("", False)
    assert tier(monthly_income_fen=0, migrant=True, employment_months=6) == (DEEP, False)
    # not a migrant: months do not matter
    assert tier(monthly_income_fen=0, migrant=False, employment_months=0) == (DEEP, False)


def test_bad_household_size() -> None:
    assert (
        compute_tier(
            household_size=0,
            monthly_income_fen=0,
            monthly_rigid_cost_fen=0,
            line_fen=LINE,
            sudden_event=False,
            rules=RULES,
        ).reason
        == "size"
    )


def test_rules_from_settings(settings: object) -> None:
    settings.ASSISTANCE_RELATIVE_MULTIPLE = "2"  # type: ignore[attr-defined]
    settings.ASSISTANCE_SUDDEN_COST_SHARE = "0.3"  # type: ignore[attr-defined]
    settings.ASSISTANCE_MIGRANT_MIN_MONTHS = 12  # type: ignore[attr-defined]
    rules = rules_from_settings()
    assert rules.relative_multiple == 2
    assert rules.sudden_cost_share == Fraction(3, 10)
    assert rules.migrant_min_months == 12
    # 2 × the line now counts as relative up to (not including) 2 × line
    assert (
        compute_tier(
            household_size=1,
            monthly_income_fen=2 * LINE - 1,
            monthly_rigid_cost_fen=0,
            line_fen=LINE,
            sudden_event=False,
            rules=rules,
        ).tier
        == RELATIVE
    )
