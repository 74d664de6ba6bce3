from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Any

import pytest

from tests.helpers import UserFactory, grant, make_union
from yugong.accounts.models import User
from yugong.core import timeutil
from yugong.jobs import services
from yugong.jobs.models import JobFair, JobPost, Resume
from yugong.orgs.models import Employer, Union
from yugong.orgs.tests.authz import uscc

_n = itertools.count(100)


@dataclass
class World:
    city: Union
    yuzhong: Union
    jiangbei: Union
    employer: Employer  # in 渝中, managed by the 渝中 federation
    other_employer: Employer  # in 江北
    city_staff: User
    yz_staff: User
    jb_staff: User
    recruiter: User
    other_recruiter: User
    worker: User


def make_employer(union: Union, name: str) -> Employer:
    grassroots = make_union(union, kind="grassroots", name=f"{name}工会")
    return Employer.objects.create(
        name=name, uscc=uscc(next(_n)), union=grassroots, managing_union=union, district=union.name[:3]
    )


def post_fields(**kw: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "title": "数控车床操作工",
        "description": "操作数控车床，按图纸加工零件。",
        "requirements": "持有车工职业资格证书，两年以上经验。",
        "employment_type": "full_time",
        "pay_min_fen": 600_000,
        "pay_max_fen": 900_000,
        "pay_period": "month",
        "openings": 3,
        "district": "渝中区",
        "occupation_code": "6-18-01-01",
    }
    fields.update(kw)
    return fields


def published_post(world: World, **kw: Any) -> JobPost:
    post = services.post_create(actor=world.recruiter, employer_id=world.employer.pk, **post_fields(**kw))
    services.post_submit(actor=world.recruiter, post_id=post.pk)
    return services.post_review(actor=world.yz_staff, post_id=post.pk, approve=True)


def make_resume(user: User, **kw: Any) -> Resume:
    fields: dict[str, Any] = {
        "title": "我的简历",
        "name": "张三",
        "phone": "13800138000",
        "education": "senior",
    }
    fields.update(kw)
    return services.resume_save(actor=user, **fields)


def make_fair(world: World, *, kind: str = "onsite", **kw: Any) -> JobFair:
    start = timeutil.now() + dt.timedelta(days=3)
    fields: dict[str, Any] = {
        "kind": kind,
        "title": "春风行动专场招聘会" if kind == "onsite" else "直播带岗·制造业专场",
        "starts_at": start,
        "ends_at": start + dt.timedelta(hours=4),
        "venue": "渝中区人力资源市场" if kind == "onsite" else "",
        "stream_url": "" if kind == "onsite" else "https://live.example.cn/room/8",
    }
    fields.update(kw)
    return services.fair_create(actor=world.yz_staff, union_id=world.yuzhong.pk, **fields)


def build_world() -> World:
    city = make_union(None, name="重庆市总工会")
    yuzhong = make_union(city, kind="district", name="渝中区总工会")
    jiangbei = make_union(city, kind="district", name="江北区总工会")
    employer = make_employer(yuzhong, "山城机械有限公司")
    other = make_employer(jiangbei, "江北食品有限公司")
    staff = []
    for union, name in ((city, "市总干部"), (yuzhong, "渝中干部"), (jiangbei, "江北干部")):
        u = UserFactory(display_name=name)
        grant(u, union, "staff")
        staff.append(u)
    recruiter = UserFactory(display_name="山城人事", phone="13900000001")
    other_recruiter = UserFactory(display_name="江北人事", phone="13900000002")
    worker = UserFactory(display_name="张三", phone="13800138000")
    services.recruiter_add(actor=staff[1], employer_id=employer.pk, login="13900000001")
    services.recruiter_add(actor=staff[2], employer_id=other.pk, login="13900000002")
    return World(city, yuzhong, jiangbei, employer, other, *staff, recruiter, other_recruiter, worker)


@pytest.fixture
def world(db: Any) -> World:
    return build_world()
