"""Console pages through their Django forms (the whole nomination flow), the worker pages, the
query counts of the lists, and the quota under concurrent nominations on PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils.timezone import localtime, now

from tests.helpers import assert_max_queries, requires_postgres
from tests.race import outcomes, race
from yugong.honors import services
from yugong.honors.models import Honour, Laureate, Nomination, Quota, Round, Talk
from yugong.members.models import Membership
from yugong.members.tests.factories import make_person

from .conftest import Tree, honour_kind, make_round, member


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.mark.django_db
def test_the_console_flow_through_forms(tree: Tree) -> None:
    city = _client(tree.city_staff)
    kind = honour_kind("city-may-day-medal")
    deadline = localtime(now() + dt.timedelta(days=10)).strftime("%Y-%m-%dT%H:%M")
    bad = city.post(
        "/honors/console/rounds/new/",
        {"union": tree.city.pk, "kind": kind.pk, "year": 2026, "title": " ", "deadline": deadline},
    )
    assert bad.status_code == 200 and "评选名称" in bad.content.decode()
    r = city.post(
        "/honors/console/rounds/new/",
        {
            "union": tree.city.pk,
            "kind": kind.pk,
            "year": 2026,
            "title": "2026年重庆五一劳动奖章",
            "deadline": deadline,
        },
    )
    assert r.status_code == 302
    rnd = Round.objects.get()
    assert (
        city.post(
            f"/honors/console/rounds/{rnd.pk}/quota/", {"union": tree.yuzhong.pk, "places": 2}
        ).status_code
        == 302
    )
    assert Quota.objects.get(round=rnd).places == 2

    store = _client(tree.store_staff)
    page = store.get(f"/honors/console/nominate/?round={rnd.pk}")
    assert page.status_code == 200 and rnd.title in page.content.decode()
    missing = store.post(
        "/honors/console/nominate/",
        {"round": rnd.pk, "union": tree.store.pk, "id_number": tree.outsider.id_number, "deeds": "事迹"},
    )
    assert "本单位会员中没有这个身份证号" in missing.content.decode()
    done = store.post(
        "/honors/console/nominate/",
        {"round": rnd.pk, "union": tree.store.pk, "id_number": tree.person.id_number, "deeds": "带徒百余人"},
    )
    assert done.status_code == 302
    n = Nomination.objects.get()

    district = _client(tree.yz_staff)
    assert "王师傅" in district.get("/honors/console/nominations/").content.decode()
    district.post(f"/honors/console/nominations/{n.pk}/review/", {"decision": "approve", "note": "同意"})
    assert (
        "王师傅"
        not in district.get("/honors/console/nominations/")
        .content.decode()
        .split("本单位及下属单位的推荐")[0]
    )
    city.post(f"/honors/console/nominations/{n.pk}/review/", {"decision": "approve"})
    n.refresh_from_db()
    assert n.status == Nomination.Status.APPROVED
    city.post(f"/honors/console/rounds/{rnd.pk}/notice/", {"working_days": 5})
    rnd.refresh_from_db()
    assert rnd.status == Round.Status.NOTICE

    worker = _client(tree.worker)
    assert "王师傅" in worker.get("/honors/notice/").content.decode()
    assert worker.post(f"/honors/notice/{n.pk}/object/", {"reason": "核实一下"}).status_code == 302
    o = n.objections.get()
    city.post(
        f"/honors/console/nominations/{n.pk}/objection/",
        {"objection": o.pk, "upheld": "0", "answer": "不属实"},
    )
    assert rnd.notice_ends_at is not None
    n.refresh_from_db()
    assert n.status == Nomination.Status.NOTICE
    with time_machine.travel(rnd.notice_ends_at + dt.timedelta(minutes=1), tick=False):
        # a fresh sign-in: the staff session would have expired over the notice period
        assert _client(tree.city_staff).post(f"/honors/console/rounds/{rnd.pk}/award/").status_code == 302
    assert Honour.objects.filter(person=tree.person).exists()
    mine = worker.get("/honors/").content.decode()
    assert "重庆五一劳动奖章" in mine


@pytest.mark.django_db
def test_console_talk_pages(tree: Tree) -> None:
    lau = Laureate.objects.create(
        person=tree.person, union=tree.store, name="王师傅", title="劳模", in_service_corps=True
    )
    c = _client(tree.jb_staff)
    when = localtime(now() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    r = c.post(
        "/honors/console/talks/",
        {
            "union": tree.jiangbei.pk,
            "speaker": lau.pk,
            "topic": "工匠精神",
            "venue": "礼堂",
            "scheduled_at": when,
        },
    )
    assert r.status_code == 302
    talk = Talk.objects.get()
    early = c.post(f"/honors/console/talks/{talk.pk}/", {"action": "deliver", "audience": 50, "record": "x"})
    assert "宣讲时间未到" in early.content.decode()
    c.post(f"/honors/console/talks/{talk.pk}/", {"action": "cancel", "note": "讲师生病"})
    talk.refresh_from_db()
    assert talk.status == Talk.Status.CANCELLED


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [3, 30])
def test_lists_keep_their_query_count(tree: Tree, rows: int) -> None:
    r = make_round(tree)
    quota = Quota.objects.create(round=r, union=tree.yuzhong, places=rows, used=rows)
    for i in range(rows):
        p = member(tree.store, f"职工{i}")
        Nomination.objects.create(
            round=r,
            union=tree.store,
            quota=quota,
            level_union=tree.yuzhong,
            person=p,
            nominee=p.name,
            work_unit="单位",
            deeds="事迹",
            created_by=tree.store_staff,
        )
        lau = Laureate.objects.create(
            person=p, union=tree.store, name=p.name, title="劳模", in_service_corps=True
        )
        Talk.objects.create(
            speaker=lau,
            union=tree.store,
            topic="讲",
            venue="厅",
            scheduled_at=now(),
            booked_by=tree.store_staff,
        )
    district, city = _client(tree.yz_staff), _client(tree.city_staff)
    for c, url in (
        (district, "/honors/console/nominations/"),
        (district, "/honors/console/rounds/"),
        (district, "/honors/console/laureates/"),
        (district, "/honors/console/talks/"),
        (city, f"/honors/console/rounds/{r.pk}/"),
    ):
        with assert_max_queries(25):
            assert c.get(url).status_code == 200
    worker = _client(tree.worker)
    with assert_max_queries(12):
        assert worker.get("/honors/notice/").status_code == 200


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_nominations_never_exceed_the_quota(tree: Tree) -> None:
    r = make_round(tree)
    services.quota_set(actor=tree.city_staff, round=r, union=tree.yuzhong, places=3)
    people = []
    for i in range(8):
        p = make_person(name=f"候选{i}")
        Membership.objects.create(person=p, union=tree.store, status=Membership.Status.ACTIVE)
        people.append(p)

    def work(i: int) -> Any:
        return services.nomination_submit(
            actor=tree.store_staff,
            round=r,
            union=tree.store,
            id_number=people[i].id_number,
            deeds="事迹",
            work_unit="厂",
        )

    results = race(8, work)
    assert outcomes(results) == ["Conflict"] * 5 + ["ok"] * 3
    assert Nomination.objects.filter(round=r).count() == 3
    assert Quota.objects.get(round=r).used == 3
