"""Demo jobs data, so `make run` shows content: recruiter logins for two verified employers of the
orgs demo (``r_jfb`` for 重庆解放碑百货有限公司, ``r_changjiang`` for 重庆长江机械厂, demo password),
posts reviewed and published by the district federations, an on-site fair (春风行动) with booths and a
直播带岗 session, 张师傅's résumé, two applications and one confirmed intent.

Idempotent: recruiters are keyed by username, fairs and posts by title, the résumé by its title, the
intents by post; every write goes through the jobs services as the people who would do it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from yugong.accounts.demo import DEMO_PASSWORD
from yugong.accounts.models import User
from yugong.accounts.system import system_actor
from yugong.core import timeutil
from yugong.orgs.models import Employer, Union

from . import services
from .models import Booth, Intent, JobFair, JobPost, Recruiter, Resume

RECRUITERS = [
    # username, display name, employer name
    ("r_jfb", "周敏", "重庆解放碑百货有限公司"),
    ("r_changjiang", "陈刚", "重庆长江机械厂"),
]

POSTS: list[dict[str, Any]] = [
    {
        "employer": "重庆解放碑百货有限公司",
        "fair": "春风行动·渝中区专场招聘会",
        "title": "商场导购员",
        "description": "负责专柜商品陈列、顾客接待与销售，配合盘点。",
        "requirements": "有零售或服务行业经验优先，普通话流利，能适应排班。",
        "occupation_code": "4-01-02-01",
        "employment_type": "full_time",
        "education": "senior",
        "pay_min_fen": 450_000,
        "pay_max_fen": 650_000,
        "pay_period": "month",
        "openings": 6,
        "district": "渝中区",
        "address": "渝中区民权路28号",
    },
    {
        "employer": "重庆解放碑百货有限公司",
        "fair": None,
        "title": "节假日促销兼职",
        "description": "周末及节假日商场促销活动现场协助。",
        "requirements": "能在周末及节假日到岗。",
        "occupation_code": "4-01-02",
        "employment_type": "part_time",
        "education": "any",
        "pay_min_fen": 2_000,
        "pay_max_fen": 2_500,
        "pay_period": "hour",
        "openings": 10,
        "district": "渝中区",
        "address": "渝中区民权路28号",
    },
    {
        "employer": "重庆长江机械厂",
        "fair": "直播带岗·制造业技能岗位专场",
        "title": "数控车床操作工",
        "description": "操作数控车床，按图纸加工零件，做好首件检验和设备日常保养。",
        "requirements": "持车工职业技能等级证书，两年以上数控车床操作经验。",
        "occupation_code": "6-18-01-01",
        "employment_type": "full_time",
        "education": "senior",
        "pay_min_fen": 700_000,
        "pay_max_fen": 1_000_000,
        "pay_period": "month",
        "openings": 4,
        "district": "江北区",
        "address": "江北区港城工业园",
    },
    {
        "employer": "重庆长江机械厂",
        "fair": "春风行动·渝中区专场招聘会",
        "title": "焊工",
        "description": "结构件焊接，按工艺文件完成二氧化碳保护焊作业。",
        "requirements": "持焊工证，能看懂焊接图纸。",
        "occupation_code": "6-18-02-04",
        "employment_type": "full_time",
        "education": "junior",
        "pay_min_fen": 650_000,
        "pay_max_fen": 900_000,
        "pay_period": "month",
        "openings": 3,
        "district": "江北区",
        "address": "江北区港城工业园",
    },
]


def _fairs(organiser: Union) -> dict[str, JobFair]:
    start = timeutil.now().replace(hour=9, minute=0, second=0, microsecond=0) + dt.timedelta(days=3)
    specs = [
        {
            "kind": "onsite",
            "title": "春风行动·渝中区专场招聘会",
            "description": "市总工会、渝中区总工会联合举办，商贸、制造、物流等企业现场招聘。",
            "starts_at": start,
            "ends_at": start + dt.timedelta(hours=6),
            "venue": "渝中区人力资源市场（大坪正街）",
            "district": "渝中区",
        },
        {
            "kind": "live",
            "title": "直播带岗·制造业技能岗位专场",
            "description": "工会主播走进车间，带你看岗位、听待遇，直播间可直接投递。",
            "starts_at": start + dt.timedelta(days=1, hours=10),
            "ends_at": start + dt.timedelta(days=1, hours=12),
            "stream_url": "https://live.cqgh.example.cn/room/2026",
            "district": "江北区",
        },
    ]
    actor = system_actor()
    out = {f.title: f for f in JobFair.objects.filter(title__in=[s["title"] for s in specs])}
    for spec in specs:
        if spec["title"] not in out:
            fair = services.fair_create(actor=actor, union_id=organiser.pk, **spec)
            out[fair.title] = services.fair_publish(actor=actor, fair_id=fair.pk)
    return out


def seed(stdout: Any) -> None:
    actor = system_actor()
    employers = {e.name: e for e in Employer.objects.filter(name__in=[r[2] for r in RECRUITERS])}
    city = Union.objects.filter(code="CQ").first()
    if city is None or len(employers) < len(RECRUITERS):
        stdout.write("jobs demo: skipped (the orgs demo tree is missing)")
        return
    recruiters: dict[str, User] = {}
    for username, name, employer_name in RECRUITERS:
        user, created = User.objects.get_or_create(username=username, defaults={"display_name": name})
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        employer = employers[employer_name]
        if not Recruiter.objects.filter(employer=employer, user=user, active=True).exists():
            services.recruiter_add(actor=actor, employer_id=employer.pk, login=username)
        recruiters[employer_name] = user
    fairs = _fairs(city)
    for fair in fairs.values():
        for n, employer in enumerate(employers.values(), start=1):
            if not Booth.objects.filter(fair=fair, employer=employer).exists():
                label = f"A{n:02d}" if fair.kind == JobFair.Kind.ONSITE else f"直播间{n}"
                services.booth_add(actor=actor, fair_id=fair.pk, employer_id=employer.pk, label=label)
    posts = {p.title: p for p in JobPost.objects.filter(title__in=[s["title"] for s in POSTS])}
    for spec in POSTS:
        if spec["title"] in posts:
            continue
        fields = {k: v for k, v in spec.items() if k not in ("employer", "fair")}
        recruiter = recruiters[spec["employer"]]
        at_fair = fairs[spec["fair"]] if spec["fair"] else None
        post = services.post_create(
            actor=recruiter,
            employer_id=employers[spec["employer"]].pk,
            fair_id=at_fair.pk if at_fair else None,
            **fields,
        )
        services.post_submit(actor=recruiter, post_id=post.pk)
        posts[post.title] = services.post_review(actor=actor, post_id=post.pk, approve=True)
    made = _worker(posts, recruiters)
    stdout.write(
        f"jobs demo: recruiters {', '.join(r[0] for r in RECRUITERS)} (demo password), "
        f"{len(fairs)} fairs, {len(posts)} posts{made}"
    )


def _worker(posts: dict[str, JobPost], recruiters: dict[str, User]) -> str:
    """张师傅's résumé, an application to the 导购员 post (still open) and a confirmed intent for the
    车床 post."""
    worker = User.objects.filter(username="w_demo_worker").first()
    if worker is None:
        return ""
    resume = Resume.objects.filter(user=worker, title="求职简历").first()
    if resume is None:
        resume = services.resume_save(
            actor=worker,
            title="求职简历",
            name="张师傅",
            phone=str(worker.phone or "13800138000"),
            education="senior",
            experience_years=8,
            skills="车工四级、叉车证",
            intro="在机加工企业从事数控车床操作8年，能独立编程和调试。",
            expected_pay_fen=800_000,
        )
    for title, confirm in (("商场导购员", False), ("数控车床操作工", True)):
        post = posts[title]
        if Intent.objects.filter(post=post, worker=worker).exists():
            continue
        intent = services.intent_send(
            actor=worker, post_id=post.pk, resume_id=resume.pk, message="可随时到岗，方便电话联系。"
        )
        if confirm:
            services.intent_decide(
                actor=recruiters["重庆长江机械厂"], intent_id=intent.pk, agree=True, note="周一上午到厂面试"
            )
            services.intent_confirm(actor=worker, intent_id=intent.pk)
    return "; 张师傅's résumé, 2 applications, 1 confirmed intent"
