"""Demo members (run by ``manage.py seed_demo`` after orgs): a few dozen members in the demo unions
with valid generated ID numbers, some pending applications (one overdue), and the demo worker
(13800138000, ``w_demo_worker``) as an active member with a card. Idempotent: people are keyed by
the blind index of their ID number, which is derived from a fixed sequence."""

from __future__ import annotations

import datetime as dt
from typing import Any

from yugong.accounts.models import User
from yugong.core.pii import blind_index
from yugong.core.timeutil import local_today, now
from yugong.core.validators import id_birth_date, id_check_char, id_sex
from yugong.orgs.models import Union

from .models import Membership, Person, member_numbers_allocate

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何罗高林"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "秀英",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀兰",
    "霞",
]
# union code, how many active members, how many pending, employment form
PLAN = [
    ("CQ-YZ-001", 12, 2, "regular"),
    ("CQ-YZ-001-01", 6, 1, "regular"),
    ("CQ-YZ-002", 10, 2, "rider"),
    ("CQ-JB-001", 12, 2, "regular"),
]
REGION = {"CQ-JB-001": "500105"}  # 江北区; others 渝中区 500103


def demo_id_number(n: int, *, region: str = "500103") -> str:
    birth = dt.date(1970, 1, 1) + dt.timedelta(days=(n * 397) % (365 * 33))
    first17 = f"{region}{birth:%Y%m%d}{n % 1000:03d}"
    return first17 + id_check_char(first17)


def _person(n: int, code: str, form: str) -> Person:
    idn = demo_id_number(n, region=REGION.get(code, "500103"))
    existing = Person.objects.filter(id_number_index=blind_index("id_number", idn)).first()
    if existing:
        return existing
    name = SURNAMES[n % len(SURNAMES)] + GIVEN[(n * 7) % len(GIVEN)]
    phone = f"139{(n * 7919) % 100000000:08d}"
    person = Person(
        name=name,
        id_number=idn,
        birth_date=id_birth_date(idn),
        sex=id_sex(idn),
        phone=phone,
        phone_tail=phone[-4:],
        employment_form=form,
        migrant_worker=n % 4 == 0,
    )
    person.save()
    return person


def seed(stdout: Any) -> None:
    unions = {u.code: u for u in Union.objects.filter(code__in=[p[0] for p in PLAN])}
    if not unions:
        stdout.write("demo members: no demo unions (run the orgs demo first)")
        return
    today, moment = local_today(), now()
    made = 0
    n = 0
    for code, active, pending, form in PLAN:
        union = unions.get(code)
        for i in range(active + pending):
            n += 1
            if union is None:
                continue
            person = _person(n, code, form)
            if person.memberships.exists():
                continue
            if person.employment_form == "regular" and not person.employer_name:
                person.employer_name = union.name.removesuffix("工会")
                person.save(update_fields=["employer_name"])
            if i < active:
                Membership.objects.create(
                    person=person,
                    union=union,
                    status=Membership.Status.ACTIVE,
                    channel=Membership.Channel.IMPORT,
                    member_no=member_numbers_allocate(count=1)[0],
                    applied_at=moment - dt.timedelta(days=400 + n),
                    decided_at=moment - dt.timedelta(days=395 + n),
                    member_since=today - dt.timedelta(days=395 + n * 13),
                    started_on=today - dt.timedelta(days=395 + n),
                )
            else:
                overdue = i == active  # the first pending one of each union is past its deadline
                Membership.objects.create(
                    person=person,
                    union=union,
                    status=Membership.Status.PENDING,
                    channel=Membership.Channel.SCAN,
                    applied_at=moment - dt.timedelta(days=10 if overdue else 1),
                    due_at=moment + dt.timedelta(days=-2 if overdue else 5),
                )
            made += 1
    made += _demo_worker(unions.get("CQ-YZ-001"), today, moment)
    stdout.write(f"demo members: {made} new memberships")


def _demo_worker(union: Union | None, today: dt.date, moment: dt.datetime) -> int:
    worker = User.objects.filter(username="w_demo_worker").first()
    if worker is None or union is None:
        return 0
    person = Person.objects.filter(user=worker).first()
    if person is None:
        idn = demo_id_number(999)
        person = Person.objects.filter(id_number_index=blind_index("id_number", idn)).first() or Person(
            id_number=idn
        )
        person.name = worker.display_name or "张师傅"
        person.birth_date, person.sex = id_birth_date(idn), id_sex(idn)
        person.phone = worker.phone
        person.phone_tail = worker.phone[-4:]
        person.employer_name = "重庆解放碑百货有限公司"
        person.user = worker
        person.save()
    if person.memberships.filter(status__in=Membership.CURRENT).exists():
        return 0
    Membership.objects.create(
        person=person,
        union=union,
        status=Membership.Status.ACTIVE,
        channel=Membership.Channel.SCAN,
        member_no=member_numbers_allocate(count=1)[0],
        applied_at=moment - dt.timedelta(days=800),
        decided_at=moment - dt.timedelta(days=798),
        member_since=today - dt.timedelta(days=798),
        started_on=today - dt.timedelta(days=798),
    )
    return 1
