"""The innovation test tree: the city, two districts, a grassroots union under each, staff at
every level, and workers with memberships (one of them a 劳模 to lead a studio)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils.timezone import now

from tests.helpers import UserFactory, grant, make_union
from yugong.accounts.models import User
from yugong.innovation import services
from yugong.innovation.models import Challenge, Studio
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
    worker: User  # 王师傅, member of store
    person: Person
    mate: User  # 李师傅, member of store
    mate_person: Person
    lead: Person  # 刘劳模, member of store (no account)
    outsider_user: User  # member of factory
    outsider: Person


def member(union: Union, name: str, *, user: User | None = None) -> Person:
    p = make_person(name=name, user=user, employer_name=f"{union.name}所在单位")
    Membership.objects.create(person=p, union=union, status=Membership.Status.ACTIVE)
    return p


@pytest.fixture
def tree(db: Any) -> Tree:
    city = make_union(None, kind="city", name="重庆市总工会")
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
    mate = UserFactory(display_name="李师傅")
    outsider_user = UserFactory(display_name="赵师傅")
    return Tree(
        city=city,
        yuzhong=yuzhong,
        jiangbei=jiangbei,
        store=store,
        factory=factory,
        worker=worker,
        person=member(store, "王师傅", user=worker),
        mate=mate,
        mate_person=member(store, "李师傅", user=mate),
        lead=member(store, "刘劳模"),
        outsider_user=outsider_user,
        outsider=member(factory, "赵师傅", user=outsider_user),
        **users,
    )


def make_studio(tree: Tree) -> Studio:
    return services.studio_register(
        actor=tree.store_staff,
        union=tree.store,
        name="刘劳模创新工作室",
        kind=Studio.Kind.MODEL_WORKER,
        lead_id_number=tree.lead.id_number,
        lead_title="重庆市劳动模范",
        field="商业服务",
    )


def make_challenge(tree: Tree, **kw: Any) -> Challenge:
    fields: dict[str, Any] = {
        "actor": tree.yz_staff,
        "union": tree.yuzhong,
        "title": "冷链配送温控难题",
        "poster": "重庆解放碑百货有限公司",
        "problem": "夏季冷链配送末端温度波动大。",
        "requirements": "三个月内给出可落地方案。",
        "reward_fen": 5_000_000,
        "signup_deadline": now() + dt.timedelta(days=10),
        "due_on": (now() + dt.timedelta(days=100)).date(),
        "max_team_size": 3,
    }
    fields.update(kw)
    return services.challenge_post(**fields)
