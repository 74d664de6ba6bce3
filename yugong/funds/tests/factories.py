"""A small union tree with the people that funds needs: preparer, two leaders, finance, auditor."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.helpers import UserFactory, grant, make_union
from yugong.core.timeutil import local_today
from yugong.funds import services
from yugong.funds.models import Budget, BudgetLine, Category, IncomeKind, IncomeLine
from yugong.orgs.models import Union


@dataclass
class FundsWorld:
    city: Union
    district: Union
    company: Union
    other: Union
    preparer: Any
    chair: Any
    vice_chair: Any
    finance: Any
    auditor: Any
    outsider: Any
    budget: Budget
    line: BudgetLine
    income: IncomeLine


def build_world(*, amount_fen: int = 1_000_000, approve: bool = True) -> FundsWorld:
    city = make_union(None, name="重庆市总工会")
    district = make_union(city, kind="district", name="渝中区总工会")
    company = make_union(district, name="某公司工会")
    other = make_union(district, name="另一公司工会")
    preparer, chair, vice, finance, auditor, outsider = (UserFactory() for _ in range(6))
    grant(preparer, company, "staff")
    grant(chair, company, "chair")
    grant(vice, company, "vice_chair")
    grant(finance, company, "finance")
    grant(auditor, district, "auditor")
    grant(outsider, other, "chair")
    budget = services.budget_create(actor=preparer, union=company, year=local_today().year)
    line = services.budget_line_add(
        actor=preparer,
        budget=budget,
        category=Category.ACTIVITIES,
        name="职工文体活动",
        amount_fen=amount_fen,
    )
    income = services.income_line_add(
        actor=preparer, budget=budget, kind=IncomeKind.DUES, name="会费", planned_fen=200_000
    )
    if approve:
        services.budget_submit(actor=preparer, budget=budget)
        services.budget_approve(actor=chair, budget=budget)
        budget.refresh_from_db()
        line.refresh_from_db()
    return FundsWorld(
        city,
        district,
        company,
        other,
        preparer,
        chair,
        vice,
        finance,
        auditor,
        outsider,
        budget,
        line,
        income,
    )


def approved_commitment(world: FundsWorld, amount_fen: int, *, purpose: str = "春游") -> Any:
    c = services.commitment_request(
        actor=world.preparer, line=world.line, amount_fen=amount_fen, purpose=purpose
    )
    return services.commitment_approve(actor=world.chair, commitment=c)
