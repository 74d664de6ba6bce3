"""The honours test tree: the city (organiser), two districts, a grassroots union under each, staff
at every level, and members to nominate."""

from __future__ import annotations

import datetime as dt
import importlib
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils.timezone import now

from tests.helpers import UserFactory, grant, make_union
from yugong.accounts.models import User
from yugong.core.calendar import calendar_cache_clear
from yugong.honors.models import HonourKind, Round
from yugong.members.models import Membership, Person
from yugong.members.tests.factories import make_person
from yugong.orgs.models import Union


@dataclass
class Tree:
    city: Union
    yuzhong: Union
    jiangbei: Union
    store: Union  # grassroots under 渝中
    factory: Union  # grassroots under 江北
    city_staff: User
    yz_staff: User
    jb_staff: User
    store_staff: User
    worker: User
    person: Person
    colleague: Person
    outsider: Person  # a member of ``factory``


def member(union: Union, name: str, *, user: User | None = None) -> Person:
    p = make_person(name=name, user=user, employer_name=f"{union.name}所在单位")
    Membership.objects.create(person=p, union=union, status=Membership.Status.ACTIVE)
    return p


@pytest.fixture
def tree(db: Any) -> Tree:
    calendar_cache_clear()
    city = make_union(None, name="重庆市总工会")
    yuzhong = make_union(city, kind="district", name="渝中区总工会", district="渝中区")
    jiangbei = make_union(city, kind="district", name="江北区总工会", district="江北区")
    store = make_union(yuzhong, kind="grassroots", name="解放碑百货工会")
    factory = make_union(jiangbei, kind="grassroots", name="长江机械厂工会")
    users = {}
    for key, union in (
        ("city_staff", city),
        ("yz_staff", yuzhong),
        ("jb_staff", jiangbei),
        ("store_staff", store),
    ):
        users[key] = UserFactory(display_name=key)
        grant(users[key], union, "staff")
    worker = UserFactory(display_name="王师傅")
    return Tree(
        city=city,
        yuzhong=yuzhong,
        jiangbei=jiangbei,
        store=store,
        factory=factory,
        worker=worker,
        person=member(store, "王师傅", user=worker),
        colleague=member(store, "张三"),
        outsider=member(factory, "李四"),
        **users,
    )


def honour_kind(code: str) -> HonourKind:
    """A seeded honour kind. The kinds come from a data migration, which a transactional test's
    flush empties for the tests after it: seed them again from the same migration when gone."""
    if not HonourKind.objects.filter(code=code).exists():
        from django.apps import apps

        importlib.import_module("yugong.honors.migrations.0002_seed_kinds").seed(apps, None)
    return HonourKind.objects.get(code=code)


def make_round(tree: Tree, code: str = "city-may-day-medal", **fields: Any) -> Round:
    kind = honour_kind(code)
    fields.setdefault("deadline", now() + dt.timedelta(days=10))
    return Round.objects.create(kind=kind, union=tree.city, year=2026, title=f"2026年{kind.name}", **fields)
