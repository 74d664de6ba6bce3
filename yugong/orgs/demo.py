"""A small demo tree: the city federation, two districts, an industry union, grassroots unions and
a riders' federation; demo staff hold roles at their nodes; employers with valid USCCs, a couple of
职工之家 ratings, volunteer teams (1+N+X) with activities. Idempotent."""

from __future__ import annotations

import datetime as dt
from typing import Any

from yugong.accounts.models import User
from yugong.accounts.system import system_actor
from yugong.core import timeutil
from yugong.core.timeutil import local_today
from yugong.core.validators import uscc_check_char

from .models import (
    Employer,
    HomeApplication,
    HomeRating,
    HomeScoreSheet,
    RoleAssignment,
    ServiceActivity,
    Union,
    Volunteer,
    VolunteerTeam,
)
from .services import (
    employer_create,
    home_application_create,
    home_application_submit,
    home_rating_create,
    home_score_set,
    home_sheet_create,
    role_grant,
    service_activity_close,
    service_activity_create,
    service_hours_record,
    service_record_add,
    service_signup,
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
    _seed_home_workflow(by_code)
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


HOME_CRITERIA = [
    ("组织健全：按期换届，职代会制度落实", 20, True),
    ("民主管理：厂务公开、集体协商开展情况", 20, True),
    ("维护权益：劳动合同、工资支付、劳动保护", 25, True),
    ("服务职工：职工书屋、健身场所、困难帮扶", 20, True),
    ("职工满意度测评", 15, False),
]
DEMO_EVIDENCE = b"%PDF-1.4\n% yugong demo evidence\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _seed_home_workflow(by_code: dict[str, Union]) -> None:
    """The city's score sheet and one application (解放碑百货工会 for a city-level title) scored
    with evidence and waiting at 渝中区总工会, where the demo's 渝中 staff decide it."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    city = by_code["CQ"]
    sheet = HomeScoreSheet.objects.filter(union=city, kind="home", active=True).first()
    if sheet is None:
        sheet = home_sheet_create(
            actor=system_actor(),
            union=city,
            name="重庆市模范职工之家评分表（2026年版）",
            kind="home",
            pass_score=75,
            reassess_years=3,
            criteria=HOME_CRITERIA,
        )
    applicant = by_code["CQ-YZ-001"]
    year = local_today().year
    if HomeApplication.objects.filter(union=applicant, kind="home", level="city", year=year).exists():
        return
    app = home_application_create(
        actor=system_actor(),
        union=applicant,
        sheet_id=sheet.pk,
        level="city",
        year=year,
        summary="职代会每年召开，职工书屋藏书3000册，职工满意度96%。",
    )
    for criterion, score in zip(sheet.criteria.order_by("position"), (18, 17, 22, 18, 14), strict=False):
        home_score_set(
            actor=system_actor(),
            application_id=app.pk,
            criterion_id=criterion.pk,
            score=score,
            evidence=SimpleUploadedFile("佐证材料.pdf", DEMO_EVIDENCE)
            if criterion.evidence_required
            else None,
        )
    home_application_submit(actor=system_actor(), application_id=app.pk)


def _team(union: Union, name: str, tier: str, specialty: str, parent: VolunteerTeam | None) -> VolunteerTeam:
    team = VolunteerTeam.objects.filter(union=union, name=name).first()
    if team is None:
        team = volunteer_team_create(
            actor=system_actor(), union=union, name=name, tier=tier, parent=parent, specialty=specialty
        )
    return team


def _seed_volunteers(by_code: dict[str, Union]) -> None:
    """1+N+X: the city's general team, branch teams with the seeds' specialties (社会公益, 爱心慰问,
    劳模工匠三进) and a community team; open activities to sign up for on the phone, and a past
    one where 张师傅's hours wait for his confirmation."""
    city = by_code["CQ"]
    general = VolunteerTeam.objects.filter(union=city, tier="general").first() or volunteer_team_create(
        actor=system_actor(), union=city, name="重庆市职工志愿服务总队", tier="general"
    )
    branch = _team(by_code["CQ-YZ"], "渝中区职工志愿服务支队", "branch", "public_welfare", general)
    models = _team(city, "重庆市劳模工匠志愿服务支队", "branch", "three_entries", general)
    caring = _team(by_code["CQ-JB"], "江北区爱心慰问服务队", "community", "caring", general)
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
    start = timeutil.now().replace(hour=9, minute=0, second=0, microsecond=0) + dt.timedelta(days=4)
    specs = [
        (branch, "渝工港湾夏日送清凉", "户外劳动者（环卫工人、快递员、外卖骑手）", "解放碑渝工港湾", 20, 0),
        (models, "劳模工匠进校园·数控技能公开课", "重庆工业职业技术学院学生", "重庆工业职业技术学院", 8, 1),
        (caring, "走访慰问困难职工家庭", "江北区困难职工家庭", "江北区观音桥街道", 6, 2),
    ]
    for team, title, beneficiaries, place, capacity, day in specs:
        if not ServiceActivity.objects.filter(team=team, title=title).exists():
            service_activity_create(
                actor=system_actor(),
                team=team,
                title=title,
                beneficiaries=beneficiaries,
                place=place,
                starts_at=start + dt.timedelta(days=day),
                ends_at=start + dt.timedelta(days=day, hours=3),
                capacity=capacity,
            )
    _past_activity(branch)


def _past_activity(team: VolunteerTeam) -> None:
    """A finished activity 张师傅 served at: recorded by the system, waiting for his confirmation."""
    worker = User.objects.filter(username="w_demo_worker").first()
    title = "春节前走访慰问环卫工人"
    if worker is None or ServiceActivity.objects.filter(team=team, title=title).exists():
        return
    start = timeutil.now() + dt.timedelta(hours=1)
    activity = service_activity_create(
        actor=system_actor(),
        team=team,
        title=title,
        beneficiaries="渝中区环卫工人",
        place="渝中区环卫所",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=3),
        capacity=10,
    )
    signup = service_signup(actor=worker, activity_id=activity.pk)
    # Demo data only: move the finished activity to last week (sign-up closes at the start, and
    # hours are recorded after it), then record his hours and the people served.
    past = timeutil.now() - dt.timedelta(days=7)
    ServiceActivity.objects.filter(pk=activity.pk).update(
        starts_at=past, ends_at=past + dt.timedelta(hours=3)
    )
    service_hours_record(actor=system_actor(), signup_id=signup.pk, hours="3", description="送年货、慰问品")
    service_activity_close(actor=system_actor(), activity_id=activity.pk, beneficiary_count=120)
