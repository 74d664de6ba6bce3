"""The authorization matrix over every honours page and operation: roles × routes × inside/outside
the actor's subtree, worker and anonymous (``yugong.orgs.tests.authz``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils.timezone import now

from yugong.honors.models import Laureate, Nomination, Quota, Round, Talk
from yugong.honors.tests.conftest import honour_kind
from yugong.members.models import Membership
from yugong.members.tests.factories import make_person
from yugong.orgs.tests.authz import (
    ALL,
    ANY_CONSOLE,
    LEAD,
    MANAGE,
    Route,
    World,
    build_world,
    cases,
    check,
    module_world,
)

SIGNED_IN = {"chair", "staff", "viewer", "hotline", "sysadmin", "worker"}


def _world() -> World:
    world = build_world()
    city = world.city
    medal = honour_kind("city-may-day-medal")
    pioneer = honour_kind("city-pioneer")
    # An open city round every district may nominate in, and a round on 公示.
    city_round = Round.objects.create(
        kind=medal,
        union=city,
        year=2026,
        title="2026年重庆五一劳动奖章",
        deadline=now() + dt.timedelta(days=30),
    )
    notice_round = Round.objects.create(
        kind=pioneer,
        union=city,
        year=2026,
        title="2026年重庆市工人先锋号",
        deadline=now() - dt.timedelta(days=1),
        status=Round.Status.NOTICE,
        notice_ends_at=now() + dt.timedelta(days=7),
    )
    kind = honour_kind("most-beautiful-worker")
    for where in ("inside", "outside"):
        district, leaf = world.obj("district", where), world.obj("union", where)
        person = make_person(name=f"{where}劳模")
        Membership.objects.create(person=person, union=leaf, status=Membership.Status.ACTIVE)
        quota = Quota.objects.create(round=city_round, union=district, places=100)
        world.objects[("member", where)] = person
        # A district round (organised by the district) with a nomination waiting at the district.
        own = Round.objects.create(
            kind=kind,
            union=district,
            year=2026,
            title=f"{district.name}最美",
            deadline=now() + dt.timedelta(days=30),
        )
        own_quota = Quota.objects.create(round=own, union=leaf, places=5, used=1)
        world.objects[("round", where)] = own
        world.objects[("nomination", where)] = Nomination.objects.create(
            round=own,
            union=leaf,
            quota=own_quota,
            level_union=district,
            person=person,
            nominee=person.name,
            work_unit="单位",
            deeds="事迹",
            created_by=world.users["chair"],
        )
        world.objects[("quota", where)] = quota
        notice_quota = Quota.objects.create(round=notice_round, union=district, places=5, used=1)
        world.objects[("on_notice", where)] = Nomination.objects.create(
            round=notice_round,
            union=leaf,
            quota=notice_quota,
            level_union=city,
            nominee=f"{leaf.name}班组",
            work_unit=leaf.name,
            deeds="事迹",
            status=Nomination.Status.NOTICE,
            created_by=world.users["chair"],
        )
        laureate = Laureate.objects.create(
            person=person, union=leaf, name=person.name, title="劳动模范", in_service_corps=True
        )
        world.objects[("laureate", where)] = laureate
        world.objects[("talk", where)] = Talk.objects.create(
            speaker=laureate,
            union=leaf,
            topic="工匠精神",
            venue="礼堂",
            scheduled_at=now() - dt.timedelta(hours=1),
            booked_by=world.users["chair"],
        )
    world.objects[("city_round", "inside")] = city_round
    return world


authz_world = module_world(_world)


def _signed_in(actor: str, where: str) -> int | None:
    return 200 if actor in SIGNED_IN else None


def _console_any(actor: str, where: str) -> int | None:
    return 200 if actor in ANY_CONSOLE else None


ROUTES = [
    # worker pages
    Route("h5 mine", "GET", lambda w, x: "/honors/", ALL, scoped=False, expect=_signed_in),
    Route("h5 notice", "GET", lambda w, x: "/honors/notice/", ALL, scoped=False, expect=_signed_in),
    Route(
        "h5 object",
        "GET",
        lambda w, x: f"/honors/notice/{w.pk('on_notice', 'inside')}/object/",
        ALL,
        scoped=False,
        expect=_signed_in,
    ),
    Route(
        "h5 object post",
        "POST",
        lambda w, x: f"/honors/notice/{w.pk('on_notice', 'inside')}/object/",
        ALL,
        scoped=False,
        data=lambda w, x: {"reason": "事迹不实"},
        expect=lambda a, x: 302 if a in SIGNED_IN else None,
    ),
    # console pages
    Route("rounds", "GET", lambda w, x: "/honors/console/rounds/", ANY_CONSOLE, scoped=False),
    Route("round new", "GET", lambda w, x: "/honors/console/rounds/new/", MANAGE, scoped=False),
    Route("round", "GET", lambda w, x: f"/honors/console/rounds/{w.pk('round', x)}/", ALL),
    Route(
        "round quota",
        "POST",
        lambda w, x: f"/honors/console/rounds/{w.pk('round', x)}/quota/",
        MANAGE,
        ok=302,
        data=lambda w, x: {"union": w.pk("union", x), "places": 3},
    ),
    Route(
        "round award",
        "POST",
        lambda w, x: f"/honors/console/rounds/{w.pk('round', x)}/award/",
        MANAGE,
        ok=302,
    ),
    Route("nominate", "GET", lambda w, x: "/honors/console/nominate/", MANAGE, scoped=False),
    Route("queue", "GET", lambda w, x: "/honors/console/nominations/", ANY_CONSOLE, scoped=False),
    Route("nomination", "GET", lambda w, x: f"/honors/console/nominations/{w.pk('nomination', x)}/", ALL),
    Route(
        "nomination review",
        "POST",
        lambda w, x: f"/honors/console/nominations/{w.pk('nomination', x)}/review/",
        MANAGE,
        ok=302,
        data=lambda w, x: {"decision": "approve", "note": "同意"},
    ),
    # withdrawing: the nominating union's staff or the submitter (the chair submitted these)
    Route(
        "nomination withdraw",
        "POST",
        lambda w, x: f"/honors/console/nominations/{w.pk('nomination', x)}/withdraw/",
        LEAD,
        ok=302,
        data=lambda w, x: {"note": "材料不全"},
    ),
    Route(
        "round export",
        "GET",
        lambda w, x: f"/honors/console/rounds/{w.pk('round', x)}/export/nominations.xlsx",
        ALL,
    ),
    Route(
        "round export clear",
        "GET",
        lambda w, x: f"/honors/console/rounds/{w.pk('round', x)}/export/laureates.xlsx?clear=1",
        MANAGE,
    ),
    Route("laureates", "GET", lambda w, x: "/honors/console/laureates/", ANY_CONSOLE, scoped=False),
    Route(
        "laureate corps",
        "POST",
        lambda w, x: f"/honors/console/laureates/{w.pk('laureate', x)}/corps/",
        MANAGE,
        ok=302,
        data=lambda w, x: {"in_service_corps": "on"},
    ),
    Route("talks", "GET", lambda w, x: "/honors/console/talks/", ANY_CONSOLE, scoped=False),
    Route("talk", "GET", lambda w, x: f"/honors/console/talks/{w.pk('talk', x)}/", ALL),
    Route(
        "talk deliver",
        "POST",
        lambda w, x: f"/honors/console/talks/{w.pk('talk', x)}/",
        MANAGE,
        ok=302,
        data=lambda w, x: {"action": "deliver", "audience": 80, "record": "讲述三十年坚守"},
    ),
    # API
    Route("api rounds", "GET", lambda w, x: "/api/v1/honors/rounds", ANY_CONSOLE, scoped=False, api=True),
    Route(
        "api queue",
        "GET",
        lambda w, x: "/api/v1/honors/nominations/queue",
        ANY_CONSOLE,
        scoped=False,
        api=True,
    ),
    Route(
        "api nominate",
        "POST",
        lambda w, x: f"/api/v1/honors/rounds/{w.pk('city_round', 'inside')}/nominations",
        MANAGE,
        api=True,
        data=lambda w, x: {
            "union_id": w.pk("union", x),
            "id_number": w.obj("member", x).id_number,
            "deeds": "带徒百余人",
            "work_unit": "一厂",
        },
    ),
    Route(
        "api review",
        "POST",
        lambda w, x: f"/api/v1/honors/nominations/{w.pk('nomination', x)}/review",
        MANAGE,
        api=True,
        data=lambda w, x: {"approve": True},
    ),
    Route(
        "api withdraw",
        "POST",
        lambda w, x: f"/api/v1/honors/nominations/{w.pk('nomination', x)}/withdraw",
        LEAD,
        api=True,
        data=lambda w, x: {"note": "材料不全"},
    ),
    Route(
        "api notice",
        "GET",
        lambda w, x: "/api/v1/honors/notice",
        ALL,
        scoped=False,
        api=True,
        expect=_signed_in,
    ),
    Route(
        "api mine", "GET", lambda w, x: "/api/v1/honors/mine", ALL, scoped=False, api=True, expect=_signed_in
    ),
    Route(
        "api object",
        "POST",
        lambda w, x: f"/api/v1/honors/notice/{w.pk('on_notice', 'inside')}/objections",
        ALL,
        scoped=False,
        api=True,
        data=lambda w, x: {"reason": "事迹不实"},
        expect=_signed_in,
    ),
    Route(
        "api talk deliver",
        "POST",
        lambda w, x: f"/api/v1/honors/talks/{w.pk('talk', x)}/deliver",
        MANAGE,
        api=True,
        data=lambda w, x: {"audience": 50, "record": "讲述"},
    ),
]


@pytest.mark.parametrize(("route", "actor", "where"), cases(ROUTES))
def test_honors_authz(route: Route, actor: str, where: str, authz_world: World, db: Any, client: Any) -> None:
    check(route, actor, where, authz_world, client)
