"""A campaign world on top of the ``tree`` fixture: the 渝中 district's approved funds budget with an
aid line, its chair, vice chair and finance officer, and active hardship files made quickly (the
application goes through ``file_apply``; the steps up to 建档 are skipped by an update, which the
flow tests cover on their own)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from tests.helpers import UserFactory, grant
from yugong.accounts.models import User
from yugong.assistance import services as s
from yugong.assistance.models import Campaign, CampaignCycle, HardshipFile
from yugong.core.timeutil import local_today
from yugong.funds import services as funds
from yugong.funds.models import BudgetLine, Category
from yugong.orgs.models import Union

from .conftest import LINE, Tree, member


@dataclass
class World:
    tree: Tree
    chair: User
    vice: User
    finance: User
    line: BudgetLine


def build_world(tree: Tree, *, amount_fen: int = 10_000_000) -> World:
    chair, vice, finance = UserFactory(), UserFactory(), UserFactory()
    grant(chair, tree.yuzhong, "chair")
    grant(vice, tree.yuzhong, "vice_chair")
    grant(finance, tree.yuzhong, "finance")
    budget = funds.budget_create(actor=tree.yz_staff, union=tree.yuzhong, year=local_today().year)
    line = funds.budget_line_add(
        actor=tree.yz_staff,
        budget=budget,
        category=Category.ACTIVITIES,
        name="困难职工帮扶",
        amount_fen=amount_fen,
    )
    funds.budget_submit(actor=tree.yz_staff, budget=budget)
    funds.budget_approve(actor=chair, budget=budget)
    line.refresh_from_db()
    return World(tree, chair, vice, finance, line)


_n = [0]


def active_file(
    union: Union,
    *,
    income_fen: int = LINE,
    causes: tuple[str, ...] = ("illness",),
    students: int = 0,
    card: str = "6222020012345678901",
    name: str = "",
) -> HardshipFile:
    """An active file of a new member of ``union`` (one person in the household plus ``students``
    children in school). ``income_fen`` below the line of 700 元 per head makes it 深度."""
    _n[0] += 1
    user, person = member(union, name or f"职工{_n[0]}")
    f = s.file_apply(
        actor=user,
        person=person,
        household=[{"name": f"孩子{i}", "relation": "子", "in_school": True} for i in range(students)],
        incomes=[{"source": "工资", "monthly_fen": income_fen}],
        causes=list(causes),
        bank_card=card,
        consent=True,
    )
    HardshipFile.objects.filter(pk=f.pk).update(status=HardshipFile.Status.ACTIVE, due_at=None)
    f.refresh_from_db()
    return f


def campaign(world: World, *, kind: str = "winter_warmth") -> Campaign:
    return s.campaign_create(
        actor=world.tree.yz_staff,
        union=world.tree.yuzhong,
        kind=kind,
        title="2026年冬送温暖",
        budget_line=world.line,
    )


def cycle(world: World, camp: Campaign | None = None, **kw: Any) -> CampaignCycle:
    args: dict[str, Any] = {
        "actor": world.tree.yz_staff,
        "campaign": camp or campaign(world),
        "name": "第一批",
        "starts_on": local_today(),
        "ends_on": local_today() + dt.timedelta(days=30),
        "rules": {"tiers": ["deep", "relative"]},
        "amounts": {"deep": 100_000, "relative": 50_000},
    }
    args.update(kw)
    return s.cycle_create(**args)
