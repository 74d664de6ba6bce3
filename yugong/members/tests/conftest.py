from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import UserFactory, grant, make_union
from yugong.accounts.system import system_actor
from yugong.core import sms
from yugong.core.calendar import calendar_cache_clear
from yugong.orgs.services import union_create


@pytest.fixture(autouse=True)
def _sms_outbox(settings: Any) -> Any:
    settings.SMS_BACKEND = "locmem"
    # Root conftest's YUGONG_TESTING may come too late for settings (pytest-django imports them
    # first), leaving argon2 as the hasher: ~0.7 s per test user. Keep test users cheap here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    sms.outbox.clear()
    calendar_cache_clear()
    yield sms.outbox
    sms.outbox.clear()


@pytest.fixture
def tree(db: Any) -> dict[str, Any]:
    """city > district (渝中区) > grassroots (+ branch), district > riders' federation;
    city > second district (江北区) > grassroots. Staff at the district and the grassroots union."""
    city = make_union(None, name="重庆市总工会")
    yz = make_union(city, kind="district", name="渝中区总工会", district="渝中区")
    shop = make_union(yz, kind="grassroots", name="解放碑百货工会", district="渝中区")
    branch = make_union(shop, kind="branch", name="第一分工会", district="渝中区")
    riders = make_union(
        yz,
        kind="federation",
        name="渝中区快递外卖行业工会联合会",
        district="渝中区",
        serves_forms=["courier", "rider"],
    )
    jb = make_union(city, kind="district", name="江北区总工会", district="江北区")
    factory = make_union(jb, kind="grassroots", name="长江机械厂工会", district="江北区")
    district_staff = UserFactory(is_staff=True, username="yz_staff")
    grant(district_staff, yz, "staff")
    shop_staff = UserFactory(is_staff=True, username="shop_staff")
    grant(shop_staff, shop, "staff")
    jb_staff = UserFactory(is_staff=True, username="jb_staff")
    grant(jb_staff, jb, "chair")
    viewer = UserFactory(is_staff=True, username="yz_viewer")
    grant(viewer, yz, "viewer")
    worker = UserFactory(username="worker1", phone="13800138001", display_name="李四")
    return {
        "city": city,
        "yz": yz,
        "shop": shop,
        "branch": branch,
        "riders": riders,
        "jb": jb,
        "factory": factory,
        "district_staff": district_staff,
        "shop_staff": shop_staff,
        "jb_staff": jb_staff,
        "viewer": viewer,
        "worker": worker,
    }


def coded(parent: Any, *, kind: str, name: str, code: str) -> Any:
    return union_create(actor=system_actor(), parent=parent, name=name, code=code, kind=kind)


@pytest.fixture
def world(db: Any, django_capture_on_commit_callbacks: Any) -> dict[str, Any]:
    city = make_union(None, name="重庆市总工会")
    district = make_union(city, kind="district", name="渝中区总工会", district="渝中区")
    shop = coded(district, kind="grassroots", name="解放碑百货工会", code="YZ0001")
    riders = coded(district, kind="federation", name="渝中区骑手工会联合会", code="0000123")
    other_district = make_union(city, kind="district", name="江北区总工会")
    far = coded(other_district, kind="grassroots", name="江北某厂工会", code="JB0001")
    staff = UserFactory(is_staff=True)
    grant(staff, district, "staff")
    return {
        "city": city,
        "district": district,
        "shop": shop,
        "riders": riders,
        "far": far,
        "staff": staff,
        "capture": django_capture_on_commit_callbacks,
    }
