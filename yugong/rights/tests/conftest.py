from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.helpers import UserFactory, grant, make_union
from yugong.accounts.models import User
from yugong.core import sms
from yugong.core.calendar import calendar_cache_clear
from yugong.orgs.models import Employer, Union


@dataclass
class Tree:
    city: Union
    yuzhong: Union
    jiangbei: Union
    machinery: Union
    store: Union  # grassroots under 渝中
    factory: Union  # grassroots under 江北
    operator: User  # hotline at the city root
    yz_staff: User
    jb_staff: User
    store_staff: User
    worker: User
    employer: Employer  # covered by ``store``
    bare_employer: Employer  # in 江北, no union, industry C


@pytest.fixture
def tree(db: Any, settings: Any, tmp_path: Any) -> Tree:
    settings.SMS_BACKEND = "locmem"
    settings.MEDIA_ROOT = str(tmp_path / "media")
    calendar_cache_clear()
    sms.outbox.clear()
    city = make_union(None, name="重庆市总工会")
    yuzhong = make_union(city, kind="district", name="渝中区总工会", district="渝中区")
    jiangbei = make_union(city, kind="district", name="江北区总工会", district="江北区")
    machinery = make_union(city, kind="industry", name="重庆市机械冶金工会")
    store = make_union(yuzhong, kind="grassroots", name="解放碑百货工会", district="渝中区")
    factory = make_union(jiangbei, kind="grassroots", name="长江机械厂工会", district="江北区")
    operator = UserFactory(display_name="接线员")
    grant(operator, city, "hotline")
    yz_staff = UserFactory(display_name="渝中干部")
    grant(yz_staff, yuzhong, "staff")
    jb_staff = UserFactory(display_name="江北干部")
    grant(jb_staff, jiangbei, "staff")
    store_staff = UserFactory(display_name="百货工会干部")
    grant(store_staff, store, "staff")
    worker = UserFactory(display_name="李四", phone="13800138000")
    employer = Employer.objects.create(
        name="重庆解放碑百货有限公司",
        uscc="91500000MA5U0001X0"[:18],
        district="渝中区",
        industry="F",
        union=store,
    )
    bare = Employer.objects.create(
        name="江北某机械公司", uscc="91500000MA5U0002X0"[:18], district="江北区", industry="C"
    )
    return Tree(
        city,
        yuzhong,
        jiangbei,
        machinery,
        store,
        factory,
        operator,
        yz_staff,
        jb_staff,
        store_staff,
        worker,
        employer,
        bare,
    )
