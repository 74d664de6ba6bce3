"""Demo funds (idempotent): this year's budgets of 渝中区总工会 and 解放碑百货工会, prepared by the
district's staff, and of the city federation (市总), prepared by its finance officer, all approved by
the city chair, with income received and a few spending requests in every state; finance officers
(``funds_finance``, 财务 at 渝中区; ``funds_city_finance``, 财务 at the city) and an audit-committee
member (``funds_auditor``, 经审 at the city, read-only).

The other demos pay from these lines (union funds need a budget line): tourism's annual-pass batch
from 解放碑百货工会's 职工活动 line, activities (``events``) from a 职工活动 line of their organising
union, the honours demo's award bonuses from the city's 劳模先进奖励 line, the innovation demo's 五小
reward from 解放碑百货工会's 职工技术创新奖励 line."""

from __future__ import annotations

from typing import Any

from yugong.accounts.demo import DEMO_PASSWORD
from yugong.accounts.models import User
from yugong.core.timeutil import local_today
from yugong.orgs.models import RoleAssignment, Union

from . import services
from .models import Budget, BudgetLine, Category, IncomeKind, IncomeLine

PEOPLE = [
    ("funds_finance", "赵会计", "CQ-YZ", "finance"),
    ("funds_auditor", "周审计", "CQ", "auditor"),
    ("funds_city_finance", "钱会计", "CQ", "finance"),
]

BUDGETS: dict[str, dict[str, list[Any]]] = {
    "CQ": {
        "lines": [
            (Category.ACTIVITIES, "全市职工文体活动", 500_000_00),
            (Category.OTHER, "劳模先进奖励", 300_000_00),
        ],
        "income": [(IncomeKind.ALLOCATION, "拨缴经费分成", 2_000_000_00, 900_000_00)],
    },
    "CQ-YZ": {
        "lines": [
            (Category.ACTIVITIES, "职工文体活动", 80_000_00),
            (Category.ACTIVITIES, "“百万职工游巴蜀”包场", 120_000_00),
            (Category.RIGHTS, "法律援助与困难帮扶", 60_000_00),
            (Category.BUSINESS, "工会干部培训", 20_000_00),
            (Category.CAPITAL, "渝工港湾设施", 50_000_00),
            (Category.OTHER, "其他支出", 5_000_00),
        ],
        "income": [
            (IncomeKind.DUES, "会费收入", 40_000_00, 18_000_00),
            (IncomeKind.ALLOCATION, "拨缴经费分成", 260_000_00, 130_000_00),
            (IncomeKind.SUBSIDY, "区政府行政补助", 50_000_00, 50_000_00),
        ],
    },
    "CQ-YZ-001": {
        "lines": [
            (Category.ACTIVITIES, "春秋游与节日慰问", 6_000_00),
            (Category.RIGHTS, "送温暖", 3_000_00),
            (Category.OTHER, "职工技术创新奖励", 5_000_00),
        ],
        "income": [
            (IncomeKind.DUES, "会费收入", 2_000_00, 900_00),
            (IncomeKind.ALLOCATION, "拨缴经费留成", 8_000_00, 4_000_00),
        ],
    },
}


def _person(username: str, name: str, union: Union, role: str) -> User:
    user, created = User.objects.get_or_create(
        username=username, defaults={"display_name": name, "is_staff": True}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    if not RoleAssignment.objects.filter(user=user, union=union, role=role, active=True).exists():
        RoleAssignment.objects.create(user=user, union=union, role=role)
    return user


def seed(stdout: Any) -> None:
    unions = {u.code: u for u in Union.objects.filter(code__in=["CQ", "CQ-YZ", "CQ-YZ-001"])}
    preparer = User.objects.filter(username="yuzhong_staff").first()
    chair = User.objects.filter(username="city_chair").first()
    if len(unions) < 3 or preparer is None or chair is None:
        return  # the spine's demo is not there
    people = {u: _person(u, n, unions[code], role) for u, n, code, role in PEOPLE}
    finance = people["funds_finance"]
    year = local_today().year
    for code, spec in BUDGETS.items():
        union = unions[code]
        if Budget.objects.filter(union=union, year=year).exists():
            continue
        who = people["funds_city_finance"] if code == "CQ" else preparer
        budget = services.budget_create(actor=who, union=union, year=year, note="经工会委员会审议")
        lines = [
            services.budget_line_add(actor=who, budget=budget, category=c, name=n, amount_fen=a)
            for c, n, a in spec["lines"]
        ]
        incomes = [
            (services.income_line_add(actor=who, budget=budget, kind=k, name=n, planned_fen=p), got)
            for k, n, p, got in spec["income"]
        ]
        services.budget_submit(actor=who, budget=budget)
        services.budget_approve(actor=chair, budget=budget)
        if code != "CQ-YZ":
            continue
        for income, got in incomes:
            services.income_record(actor=chair, line=income, amount_fen=got, memo="上半年到账")
        first = BudgetLine.objects.get(pk=lines[0].pk)
        spent = services.commitment_request(
            actor=preparer, line=first, amount_fen=4_800_00, purpose="职工健步走活动"
        )
        services.commitment_approve(actor=chair, commitment=spent)
        services.commitment_spend(actor=finance, commitment=spent, amount_fen=3_980_00, memo="场地与物资")
        services.commitment_request(
            actor=preparer, line=lines[2], amount_fen=3_000_00, purpose="困难职工慰问金"
        )
        held = services.commitment_request(
            actor=preparer, line=lines[1], amount_fen=30_000_00, purpose="武隆天生三桥包场"
        )
        services.commitment_approve(
            actor=chair, commitment=held
        )  # above the threshold: a second approver follows
    stdout.write(
        f"funds demo: budgets for {', '.join(BUDGETS)} ({year}); "
        f"finance {PEOPLE[0][0]} and {PEOPLE[2][0]}, auditor {PEOPLE[1][0]} (password {DEMO_PASSWORD}); "
        f"{IncomeLine.objects.count()} income lines"
    )
