from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Any

import pytest

from tests.helpers import UserFactory, grant, make_union
from yugong.accounts.models import User
from yugong.core import timeutil
from yugong.events import lottery
from yugong.events.models import Activity
from yugong.events.services import activity_create
from yugong.members.models import Membership, Person
from yugong.orgs.models import Union

SEED = "yugong-2026-lottery-seed"
_n = itertools.count(1)


@dataclass
class World:
    city: Union
    yuzhong: Union
    jiangbei: Union
    store: Union  # grassroots under 渝中
    organiser: User  # staff at the city
    yz_staff: User
    store_staff: User
    jb_staff: User


def make_member(union: Union, *, form: str = "regular", status: str = "active") -> tuple[User, Person]:
    n = next(_n)
    user = UserFactory(display_name=f"职工{n}")
    person = Person.objects.create(name=f"职工{n}", user=user, employment_form=form)
    Membership.objects.create(person=person, union=union, status=status)
    return user, person


def make_activity(world: World, *, places: int = 10, **kw: Any) -> Activity:
    now = timeutil.now()
    args: dict[str, Any] = {
        "actor": world.organiser,
        "union_id": world.city.pk,
        "title": "职工运动会",
        "kind": "sports",
        "places": places,
        "signup_opens_at": now - dt.timedelta(days=1),
        "signup_closes_at": now + dt.timedelta(days=1),
        "seed_hash": lottery.commitment(SEED),
    }
    args.update(kw)
    return activity_create(**args)


def close_signup(activity: Activity) -> None:
    Activity.objects.filter(pk=activity.pk).update(signup_closes_at=timeutil.now() - dt.timedelta(seconds=1))


@pytest.fixture
def world(db: Any) -> World:
    city = make_union(None, name="重庆市总工会")
    yuzhong = make_union(city, kind="district", name="渝中区总工会")
    jiangbei = make_union(city, kind="district", name="江北区总工会")
    store = make_union(yuzhong, kind="grassroots", name="解放碑百货工会")
    users = []
    for union, name in (
        (city, "市总干部"),
        (yuzhong, "渝中干部"),
        (store, "百货干部"),
        (jiangbei, "江北干部"),
    ):
        u = UserFactory(display_name=name)
        grant(u, union, "staff")
        users.append(u)
    return World(city, yuzhong, jiangbei, store, *users)
