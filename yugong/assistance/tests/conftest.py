from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.helpers import UserFactory, grant, make_union
from yugong.accounts.models import User
from yugong.assistance.models import MinimumLivingLine
from yugong.core.calendar import calendar_cache_clear
from yugong.core.timeutil import local_today
from yugong.members.models import Membership, Person
from yugong.orgs.models import Union

LINE = 70_000


@dataclass
class Tree:
    city: Union
    yuzhong: Union
    jiangbei: Union
    store: Union  # grassroots under 渝中
    factory: Union  # grassroots under 江北
    yz_staff: User
    jb_staff: User
    store_staff: User
    worker: User
    person: Person
    colleague: User  # another member of ``store``
    outsider: User  # a member of ``factory``


def member(union: Union, name: str, **person: Any) -> tuple[User, Person]:
    user = UserFactory(display_name=name)
    p = Person.objects.create(name=name, user=user, **person)
    Membership.objects.create(person=p, union=union, status=Membership.Status.ACTIVE)
    return user, p


@pytest.fixture
def tree(db: Any, settings: Any) -> Tree:
    calendar_cache_clear()
    city = make_union(None, name="重庆市总工会")
    yuzhong = make_union(city, kind="district", name="渝中区总工会", district="渝中区")
    jiangbei = make_union(city, kind="district", name="江北区总工会", district="江北区")
    store = make_union(yuzhong, kind="grassroots", name="解放碑百货工会")
    factory = make_union(jiangbei, kind="grassroots", name="长江机械厂工会")
    yz_staff = UserFactory(display_name="渝中干部")
    grant(yz_staff, yuzhong, "staff")
    jb_staff = UserFactory(display_name="江北干部")
    grant(jb_staff, jiangbei, "staff")
    store_staff = UserFactory(display_name="百货工会干部")
    grant(store_staff, store, "staff")
    worker, person = member(store, "王小红")
    colleague, _ = member(store, "张三")
    outsider, _ = member(factory, "李四")
    MinimumLivingLine.objects.create(district="渝中区", year=local_today().year, monthly_fen=LINE)
    return Tree(
        city,
        yuzhong,
        jiangbei,
        store,
        factory,
        yz_staff,
        jb_staff,
        store_staff,
        worker,
        person,
        colleague,
        outsider,
    )
