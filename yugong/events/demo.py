"""Demo activities (run by ``manage.py seed_demo`` after orgs and members), one in each state so
``make run`` shows the whole life of an activity:

* 全市职工羽毛球赛 (运动会) — sign-up open, places shared out to 渝中 and 江北, 渝中 handing part of
  its quota on to the 解放碑百货 union; some members signed up by their officer, the demo worker not
  yet (to try signing up);
* “玫瑰书香”读书月 (阅读) — drawn: seed committed at creation, revealed at the draw, winners and a
  waiting list (``/activities/<id>/lottery/`` re-computes it);
* 职工文艺汇演 (文艺展演) — on the day: drawn, the demo worker won, some winners checked in;
* 健身打卡月 (健身打卡) — finished a week ago: check-ins, no-shows recorded, a survey afterwards;
* “最美劳动者”摄影大赛 (摄影/微视频) — drawn, works submitted: two published for voting, one
  waiting for review;
* “玫瑰书香”职工读书月 (阅读, ``reading_demo``) — a live campaign, sign-up open: a curated book list
  with covers, a week of reading logged by the demo worker and a few readers (the board), one essay
  published and one waiting for review; and photos of the day of 职工文艺汇演 (two published, one
  waiting).

Written through the services (sign-up, quotas, draw, check-in); only the sign-up window is moved
into the past afterwards, standing in for the weeks between sign-up and the draw. Idempotent:
activities are looked up by title."""

from __future__ import annotations

import datetime as dt
from typing import Any

from yugong.accounts.models import User
from yugong.core.timeutil import now
from yugong.members.models import Membership
from yugong.orgs.models import Union

from . import lottery
from .attendance import activity_record_no_shows, checkin_token, signup_checkin
from .days import survey_question_add
from .kinds import work_review
from .models import Activity, SignUp
from .models_kinds import Work
from .services import activity_create, activity_draw, quota_allocate, signup_group

ORGANISER = "city_chair"
SEED_PREFIX = "yugong-demo-seed-"  # a demo's seed is public anyway: the prefix and the title
READING_CAMPAIGN = "“玫瑰书香”2026年职工读书月"


def _seed_of(title: str) -> str:
    return SEED_PREFIX + lottery.commitment(title)[:12]


# title, kind, places, quotas {union code: places}, state, days from now to the start, venue
PLAN: list[tuple[str, str, int, dict[str, int], str, int, str]] = [
    (
        "2026年全市职工羽毛球赛",
        "sports",
        64,
        {"CQ-YZ": 24, "CQ-JB": 16, "CQ-YZ-001": 8},
        "open",
        20,
        "重庆市体育馆",
    ),
    ("“玫瑰书香”职工读书月分享会", "reading", 12, {"CQ-YZ-001": 4, "CQ-JB-001": 4}, "drawn", 6, "重庆图书馆"),
    ("职工文艺汇演", "culture", 40, {"CQ-YZ": 30}, "today", 0, "重庆大剧院"),
    ("健身打卡月·线下集结", "fitness", 20, {}, "done", -7, "鹅岭公园"),
    ("“最美劳动者”职工摄影大赛", "contest", 30, {}, "drawn", 10, "线上"),
    (READING_CAMPAIGN, "reading", 5000, {}, "open", 25, "线上 · 各级职工书屋"),
]
DESCRIPTION = {
    "sports": "全市职工运动会羽毛球项目，按工会分配名额，超额报名抽签决定。",
    "reading": "“玫瑰书香”读书分享会：推荐书目、读书笔记与征文。名额有限，抽签产生参加人员。",
    "culture": "“中国梦·劳动美”职工文艺汇演，现场扫码签到。",
    "fitness": "健身打卡月线下集结，活动结束后请填写满意度问卷。",
    "contest": "用镜头记录身边的劳动者。作品经审核后公开展示，会员每天可投一票。",
    READING_CAMPAIGN: "读一本好书，记录每天的阅读，写下读后感。推荐书单由市总工会整理，优秀读后感将在全市展示。",
}
SURVEY = [
    ("总体满意度", "score", []),
    ("下次还会参加吗", "choice", ["会", "不会", "看时间"]),
    ("意见和建议", "text", []),
]
WORKS = [("凌晨四点的菜市场", True), ("外卖小哥的午餐", True), ("车间里的老师傅", False)]


def seed(stdout: Any) -> None:
    organiser = User.objects.filter(username=ORGANISER).first()
    unions = {u.code: u for u in Union.objects.filter(code__startswith="CQ")}
    if organiser is None or "CQ" not in unions:
        stdout.write("demo activities: no demo unions or organiser (run the orgs demo first)")
        return
    made = 0
    for title, kind, places, quotas, state, start_days, venue in PLAN:
        if Activity.objects.filter(title=title).exists():
            continue
        _activity(organiser, unions, title, kind, places, quotas, state, start_days, venue)
        made += 1
    stdout.write(f"demo activities: {made} new")
    from .reading_demo import seed_reading

    seed_reading(organiser, stdout)


def _activity(
    organiser: User,
    unions: dict[str, Union],
    title: str,
    kind: str,
    places: int,
    quotas: dict[str, int],
    state: str,
    start_days: int,
    venue: str,
) -> Activity:
    moment = now().replace(second=0, microsecond=0)
    seed_text = _seed_of(title)
    starts = (moment + dt.timedelta(days=start_days)).replace(hour=1, minute=30)  # 09:30 in Chongqing
    if state == "today":
        starts = moment - dt.timedelta(minutes=30)
    activity = activity_create(
        actor=organiser,
        union_id=unions["CQ"].pk,
        title=title,
        kind=kind,
        places=places,
        description=DESCRIPTION.get(title, DESCRIPTION[kind]),
        venue=venue,
        starts_at=starts,
        signup_opens_at=moment - dt.timedelta(days=14),
        signup_closes_at=moment + dt.timedelta(days=10)
        if state == "open"
        else moment + dt.timedelta(hours=1),
        repeat_penalty_pct=100,
        seed_hash=lottery.commitment(seed_text),
    )
    # shallow quotas first: a deeper union's quota comes out of its parent's
    for code, n in sorted(quotas.items(), key=lambda kv: len(unions[kv[0]].path) if kv[0] in unions else 0):
        if code in unions:
            quota_allocate(actor=organiser, activity_id=activity.pk, union_id=unions[code].pk, places=n)
    _sign_up_members(organiser, activity, unions, everyone=state != "open")
    if state == "open":
        return activity
    # the weeks between sign-up and the draw
    Activity.objects.filter(pk=activity.pk).update(signup_closes_at=moment - dt.timedelta(minutes=1))
    activity_draw(actor=organiser, activity_id=activity.pk, seed=seed_text)
    if state in ("today", "done"):
        winners = list(SignUp.objects.filter(activity=activity, status=SignUp.Status.WON).order_by("pk"))
        for i, signup in enumerate(winners):
            if i % 3 != 2:  # two in three turned up
                signup_checkin(actor=organiser, activity_id=activity.pk, token=checkin_token(signup))
        if state == "done":
            activity_record_no_shows(actor=organiser, activity_id=activity.pk)
            for text, qkind, options in SURVEY:
                survey_question_add(
                    actor=organiser, activity_id=activity.pk, text=text, kind=qkind, options=options
                )
    if kind == "contest":
        drawn = SignUp.objects.filter(activity=activity, status=SignUp.Status.WON).order_by("pk")
        for (work_title, publish), signup in zip(WORKS, drawn, strict=False):
            work = Work.objects.create(
                activity=activity, signup=signup, kind=Work.Kind.PHOTO, title=work_title
            )
            if publish:
                work_review(actor=organiser, work_id=work.pk, publish=True)
    return activity


def _sign_up_members(
    organiser: User, activity: Activity, unions: dict[str, Union], *, everyone: bool
) -> None:
    """The city's officer signs up the demo members (all of them once sign-up is over; in the open
    activity only every other one, and not the demo worker, who can try it)."""
    memberships = list(
        Membership.objects.filter(status=Membership.Status.ACTIVE, union_path__startswith=unions["CQ"].path)
        .select_related("person")
        .order_by("pk")
    )
    ids = [
        m.person_id
        for i, m in enumerate(memberships)
        if everyone or (i % 2 == 0 and m.person.user_id is None)
    ]
    if ids:
        signup_group(actor=organiser, activity_id=activity.pk, union_id=unions["CQ"].pk, person_ids=ids)
