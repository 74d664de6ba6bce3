"""Honours demo (run by ``manage.py seed_demo`` after orgs and members): this year's 重庆五一劳动奖章
round with quotas and nominations at several steps (waiting at a district, at the city, approved,
sent back, withdrawn); a 重庆市工人先锋号 round on 公示 with an objection dismissed; last year's
巴渝工匠 round awarded (honours, the 劳模工匠 register, the final list as news, credits through the
event — the demo worker 张师傅 is one of them); two 劳模服务团 talks, one delivered and one booked.

Everything goes through the services as the demo staff (city_chair at the city, yuzhong_staff at
渝中区). Where the story needs time to have passed (a notice period over, a talk held), the dates
are moved back before the next step. Idempotent: each round is keyed by (kind, organiser, year)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.timezone import now

from yugong.accounts.models import User
from yugong.members.models import Membership, Person
from yugong.orgs.models import Union

from . import services
from .models import HonourKind, Laureate, Nomination, Round, Talk

DEEDS = [
    "扎根生产一线二十余年，主持技术攻关12项，带徒86人，其中12人成长为高级技师。",
    "牵头开展“五小”创新活动，提出合理化建议40余条，年创效益300余万元。",
    "服务窗口连续八年零投诉，总结“三心”服务法在全行业推广。",
    "疫情期间坚守岗位，组织骨干保障全市物资配送不断链。",
]


def _people(code: str, n: int) -> list[Person]:
    return list(
        Person.objects.filter(
            memberships__union__code=code, memberships__status=Membership.Status.ACTIVE, user__isnull=True
        ).order_by("pk")[:n]
    )


def seed(stdout: Any) -> None:
    chair = User.objects.filter(username="city_chair").first()
    district = User.objects.filter(username="yuzhong_staff").first()
    unions = {
        u.code: u
        for u in Union.objects.filter(
            code__in=["CQ", "CQ-YZ", "CQ-JB", "CQ-JX", "CQ-YZ-001", "CQ-JB-001", "CQ-YZ-002"]
        )
    }
    if chair is None or district is None or len(unions) < 7:
        stdout.write("demo honours: no demo staff or unions (run the accounts, orgs and members demos first)")
        return
    year = now().year
    made = [
        _open_round(chair, district, unions, year),
        _notice_round(chair, district, unions, year),
        _awarded_round(chair, district, unions, year - 1),
    ]
    talks = _talks(chair, district, unions)
    stdout.write(f"demo honours: {sum(made)} new rounds, {talks} new talks")


def _round(chair: User, city: Union, code: str, year: int, title: str) -> Round | None:
    kind = HonourKind.objects.get(code=code)
    if Round.objects.filter(kind=kind, union=city, year=year).exists():
        return None
    return services.round_create(
        actor=chair, union=city, kind=kind, year=year, title=title, deadline=now() + dt.timedelta(days=30)
    )


def _open_round(chair: User, district: User, u: dict[str, Union], year: int) -> int:
    r = _round(chair, u["CQ"], "city-may-day-medal", year, f"{year}年重庆五一劳动奖章评选")
    if r is None:
        return 0
    for code, places in (("CQ-YZ", 4), ("CQ-JB", 2), ("CQ-JX", 1)):
        services.quota_set(actor=chair, round=r, union=u[code], places=places)
    yz = _people("CQ-YZ-001", 4)
    jb = _people("CQ-JB-001", 1)

    def nominate(actor: User, union: Union, person: Person, i: int) -> Nomination:
        return services.nomination_submit(
            actor=actor, round=r, union=union, id_number=person.id_number, deeds=DEEDS[i % len(DEEDS)]
        )

    nominate(district, u["CQ-YZ-001"], yz[0], 0)  # waiting at 渝中区
    forwarded = nominate(district, u["CQ-YZ-001"], yz[1], 1)
    services.nomination_review(actor=district, nomination=forwarded, approve=True, note="事迹属实，同意上报")
    approved = nominate(district, u["CQ-YZ-001"], yz[2], 2)
    services.nomination_review(actor=district, nomination=approved, approve=True, note="同意上报")
    services.nomination_review(actor=chair, nomination=approved, approve=True, note="审定拟表彰")
    withdrawn = nominate(district, u["CQ-YZ-001"], yz[3], 3)
    services.nomination_withdraw(actor=district, nomination=withdrawn, note="本人工作调动，推荐单位撤回")
    nominate(chair, u["CQ-JB-001"], jb[0], 1)  # waiting at 江北区
    return 1


def _notice_round(chair: User, district: User, u: dict[str, Union], year: int) -> int:
    r = _round(chair, u["CQ"], "city-pioneer", year, f"{year}年重庆市工人先锋号评选")
    if r is None:
        return 0
    services.quota_set(actor=chair, round=r, union=u["CQ-YZ"], places=3)
    teams = [
        (u["CQ-YZ-001"], "解放碑百货客服中心班组", "重庆解放碑百货有限公司"),
        (u["CQ-YZ-002"], "顺达快递渝中配送站", "渝中区顺达快递服务站"),
        (u["CQ-YZ-001"], "解放碑百货安保班", "重庆解放碑百货有限公司"),
    ]
    rows = []
    for i, (union, team, work_unit) in enumerate(teams):
        n = services.nomination_submit(
            actor=district, round=r, union=union, nominee=team, work_unit=work_unit, deeds=DEEDS[i]
        )
        services.nomination_review(actor=district, nomination=n, approve=True, note="同意上报")
        if i < 2:
            services.nomination_review(actor=chair, nomination=n, approve=True)
        else:
            services.nomination_review(
                actor=chair, nomination=n, approve=False, note="名额有限，建议明年再推"
            )
        rows.append(n)
    services.notice_publish(actor=chair, round=r, working_days=7)
    objector = User.objects.filter(username="w_demo_worker").first() or district
    objection = services.objection_raise(
        actor=objector, nomination=rows[1], reason_text="请核实该站点上年度投诉情况。"
    )
    services.objection_handle(
        actor=chair, objection=objection, upheld=False, answer="经核实，上年度无有效投诉，异议不成立。"
    )
    return 1


def _awarded_round(chair: User, district: User, u: dict[str, Union], year: int) -> int:
    r = _round(chair, u["CQ"], "city-craftsman", year, f"{year}年巴渝工匠评选")
    if r is None:
        return 0
    services.quota_set(actor=chair, round=r, union=u["CQ-YZ"], places=3)
    worker = Person.objects.filter(user__username="w_demo_worker").first()
    people = ([worker] if worker else []) + _people("CQ-YZ-001", 6)[4:6]
    for i, person in enumerate(people):
        n = services.nomination_submit(
            actor=district, round=r, union=u["CQ-YZ-001"], id_number=person.id_number, deeds=DEEDS[i]
        )
        services.nomination_review(actor=district, nomination=n, approve=True, note="同意上报")
        services.nomination_review(actor=chair, nomination=n, approve=True)
    services.notice_publish(actor=chair, round=r, working_days=5)
    # The story is a year old: the nomination deadline and the notice period are over.
    Round.objects.filter(pk=r.pk).update(
        deadline=now() - dt.timedelta(days=200), notice_ends_at=now() - dt.timedelta(days=180)
    )
    services.round_award(actor=chair, round=r)
    for laureate in Laureate.objects.filter(person__in=people):
        services.laureate_set_corps(actor=chair, laureate=laureate, in_service_corps=True)
    return 1


def _talks(chair: User, district: User, u: dict[str, Union]) -> int:
    if Talk.objects.exists():
        return 0
    speakers = list(Laureate.objects.filter(in_service_corps=True).order_by("pk")[:2])
    if not speakers:
        return 0
    held = services.talk_book(
        actor=district,
        union=u["CQ-YZ"],
        speaker=speakers[0],
        topic="弘扬工匠精神 争当技能先锋",
        venue="渝中区职工服务中心报告厅",
        scheduled_at=now() + dt.timedelta(hours=1),
    )
    Talk.objects.filter(pk=held.pk).update(scheduled_at=now() - dt.timedelta(days=12))
    services.talk_deliver(
        actor=district,
        talk=held,
        audience=180,
        record="讲述从学徒到巴渝工匠的成长经历，现场交流技能提升路径。",
    )
    services.talk_book(
        actor=chair,
        union=u["CQ-JB"],
        speaker=speakers[-1],
        topic="劳模精神进企业",
        venue="重庆长江机械厂职工之家",
        scheduled_at=now() + dt.timedelta(days=9),
    )
    return 2
