"""A small demo tree: the city federation, two districts, an industry union, grassroots unions and
a riders' federation; demo staff hold roles at their nodes; employers with valid USCCs, a couple of
职工之家 ratings and a volunteer team (1 general team + a branch team). Idempotent."""

from __future__ import annotations

from typing import Any

from yugong.accounts.models import User
from yugong.accounts.system import system_actor
from yugong.core.timeutil import local_today
from yugong.core.validators import uscc_check_char

from .models import Employer, HomeRating, RoleAssignment, Union, Volunteer, VolunteerTeam
from .services import (
    employer_create,
    home_rating_create,
    role_grant,
    service_record_add,
    union_create,
    volunteer_add,
    volunteer_team_create,
)

TREE = [
    # code, name, kind, parent code, district
    ("CQ", "重庆市总工会", "city", None, ""),
    ("CQ-YZ", "渝中区总工会", "district", "CQ", "渝中区"),
    ("CQ-JB", "江北区总工会", "district", "CQ", "江北区"),
    ("CQ-JX", "重庆市机械冶金工会", "industry", "CQ", ""),
    ("CQ-YZ-001", "重庆解放碑百货有限公司工会", "grassroots", "CQ-YZ", "渝中区"),
    ("CQ-YZ-002", "渝中区快递行业工会联合会", "federation", "CQ-YZ", "渝中区"),
    ("CQ-JB-001", "重庆长江机械厂工会", "grassroots", "CQ-JB", "江北区"),
    ("CQ-YZ-001-01", "解放碑百货第一分工会", "branch", "CQ-YZ-001", "渝中区"),
]

ROLES = [("city_chair", "CQ", "chair"), ("yuzhong_staff", "CQ-YZ", "staff"), ("hotline_op", "CQ", "hotline")]


def seed(stdout: Any) -> None:
    by_code = {u.code: u for u in Union.objects.filter(code__in=[t[0] for t in TREE])}
    for code, name, kind, parent_code, district in TREE:
        if code in by_code:
            continue
        parent = by_code.get(parent_code) if parent_code else None
        by_code[code] = union_create(
            actor=system_actor(), parent=parent, name=name, code=code, kind=kind, district=district
        )
    for username, code, role in ROLES:
        user = User.objects.filter(username=username).first()
        if (
            user
            and not RoleAssignment.objects.filter(
                user=user, union=by_code[code], role=role, active=True
            ).exists()
        ):
            role_grant(actor=system_actor(), user=user, union=by_code[code], role=role)
    _seed_employers(by_code)
    _seed_ratings(by_code)
    _seed_volunteers(by_code)
    stdout.write(f"demo union tree: {len(TREE)} unions, {len(EMPLOYERS)} employers")


def demo_uscc(region: str, n: int) -> str:
    """A valid GB 32100 code: "91" (enterprise), the region code, 9 digits, the check character."""
    first17 = f"91{region}{n:09d}"
    return first17 + uscc_check_char(first17)


EMPLOYERS = [
    # name, region, n, industry, district, headcount, covering union code, managing union code
    ("重庆解放碑百货有限公司", "500103", 1, "F", "渝中区", 820, "CQ-YZ-001", "CQ-YZ"),
    ("重庆长江机械厂", "500105", 2, "C", "江北区", 1460, "CQ-JB-001", "CQ-JB"),
    ("渝中区顺达快递服务站", "500103", 3, "G", "渝中区", 45, "CQ-YZ-002", "CQ-YZ"),
    ("重庆山城小面餐饮有限公司", "500103", 4, "H", "渝中区", 28, None, "CQ-YZ"),
    ("重庆两江软件科技有限公司", "500105", 5, "I", "江北区", 130, None, "CQ-JB"),
]


def _seed_employers(by_code: dict[str, Union]) -> None:
    existing = set(Employer.objects.values_list("uscc", flat=True))
    for name, region, n, industry, district, headcount, union_code, managing_code in EMPLOYERS:
        uscc = demo_uscc(region, n)
        if uscc in existing:
            continue
        employer_create(
            actor=system_actor(),
            name=name,
            uscc=uscc,
            industry=industry,
            district=district,
            headcount=headcount,
            union=by_code[union_code] if union_code else None,
            managing_union=by_code[managing_code],
        )


def _seed_ratings(by_code: dict[str, Union]) -> None:
    year = local_today().year - 1
    for code, level, kind in (("CQ-YZ-001", "city", "home"), ("CQ-JB-001", "district", "small_home")):
        if not HomeRating.objects.filter(union=by_code[code], level=level, kind=kind, year=year).exists():
            home_rating_create(actor=system_actor(), union=by_code[code], level=level, kind=kind, year=year)


def _seed_volunteers(by_code: dict[str, Union]) -> None:
    city = by_code["CQ"]
    general = VolunteerTeam.objects.filter(union=city, tier="general").first()
    if general is None:
        general = volunteer_team_create(
            actor=system_actor(), union=city, name="重庆市职工志愿服务总队", tier="general"
        )
    branch = VolunteerTeam.objects.filter(union=by_code["CQ-YZ"], tier="branch").first()
    if branch is None:
        branch = volunteer_team_create(
            actor=system_actor(),
            union=by_code["CQ-YZ"],
            name="渝中区职工志愿服务支队",
            tier="branch",
            parent=general,
        )
    if not Volunteer.objects.filter(team=branch).exists():
        volunteer = volunteer_add(
            actor=system_actor(), team=branch, name="李春梅", phone="13800230001", skills="急救、法律咨询"
        )
        service_record_add(
            actor=system_actor(),
            volunteer=volunteer,
            served_on=local_today(),
            hours="2.5",
            description="渝工港湾站点值守",
        )
