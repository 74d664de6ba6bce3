"""The authorization matrix for activities (events) and news: every console page and staff API
operation × every actor of the shared world (``yugong.orgs.tests.authz``) × inside / outside the
actor's subtree.

Inside = an activity or article of district A (where every actor's role is held); outside = one of
district B: 404 like missing for everyone. The organising roles (chair and staff here) keep an
activity and write news; a viewer or a hotline operator may look at an activity and open its forms
but a post is refused (403); news management is the managing roles' only (404 for the others,
who have nothing to manage). Worker pages
are covered by the apps' own page tests; here a worker meets the console's door (403) and the
anonymous visitor the sign-in page (the API: 401).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from yugong.accounts.system import system_actor
from yugong.core import timeutil
from yugong.events import lottery
from yugong.events.services import activity_create
from yugong.news import services as news
from yugong.orgs.tests.authz import (
    ALL,
    ANY_CONSOLE,
    MANAGE,
    Route,
    World,
    build_world,
    cases,
    check,
    module_world,
)

SEED = "authz-matrix-seed"


def _world() -> World:
    world = build_world()
    system = system_actor()
    now = timeutil.now()
    for where in ("inside", "outside"):
        district = world.obj("district", where)
        world.objects[("activity", where)] = activity_create(
            actor=system,
            union_id=district.pk,
            title=f"{where}职工运动会",
            kind="sports",
            places=10,
            signup_opens_at=now + dt.timedelta(days=1),  # not open yet: everything may still change
            signup_closes_at=now + dt.timedelta(days=2),
            seed_hash=lottery.commitment(SEED),
        )
        world.objects[("article", where)] = news.article_create(
            actor=system,
            union=district,
            title=f"{where}通知",
            body_html="<p>正文</p>",
            kind="notice",
            audience="staff",
            requires_receipt=True,
        )
        _kind_objects(world, where)
    return world


def _kind_objects(world: World, where: str) -> None:
    """A member's sign-up with a submitted work and an enrolled child, in each district's activity."""
    from tests.helpers import UserFactory
    from yugong.events.models import SignUp
    from yugong.events.models_kinds import ChildcareGroup, ChildEnrolment, Work
    from yugong.members.models import Membership, Person

    activity = world.obj("activity", where)
    leaf = world.obj("union", where)
    person = Person.objects.create(name=f"{where}参赛职工", user=UserFactory())
    Membership.objects.create(person=person, union=leaf, status="active")
    signup = SignUp.objects.create(activity=activity, person=person, union=leaf, status="won")
    world.objects[("work", where)] = Work.objects.create(
        activity=activity, signup=signup, kind="photo", title=f"{where}作品"
    )
    group = ChildcareGroup.objects.create(
        activity=activity, name="幼儿班", min_age=3, max_age=6, capacity=5, taken=1
    )
    world.objects[("child", where)] = ChildEnrolment.objects.create(
        activity=activity,
        group=group,
        signup=signup,
        child_name="小明",
        child_age=5,
        guardian_phone="13800001111",
    )


events_world = module_world(_world)


def _local(days: int) -> str:
    return (timeutil.local_now() + dt.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


def fixed(path: str) -> Any:
    return lambda w, where: path


def url(template: str, name: str) -> Any:
    return lambda w, where: template.format(w.pk(name, where))


def _worker_gets(status: int) -> Any:
    return lambda actor, where: status if actor == "worker" else None


ROUTES = [
    # Activities: the console
    Route("activities", "GET", fixed("/activities/console/"), ANY_CONSOLE, scoped=False),
    # Only an organiser has a union to organise in: the others find nothing (404).
    Route("activity new", "GET", fixed("/activities/console/new/"), MANAGE, scoped=False, denied=404),
    # Any role may look at an activity and open its forms; only the organisers' posts go through.
    Route("activity", "GET", url("/activities/console/{}/", "activity"), ALL),
    Route("activity edit", "GET", url("/activities/console/{}/edit/", "activity"), ALL),
    Route("check-in", "GET", url("/activities/console/{}/checkin/", "activity"), ALL),
    Route("group sign-up", "GET", url("/activities/console/{}/group/", "activity"), MANAGE, denied=404),
    Route(
        "activity edit post",
        "POST",
        url("/activities/console/{}/edit/", "activity"),
        MANAGE,
        ok=302,
        data=lambda w, where: {
            "title": "改名的运动会",
            "places": 10,
            "signup_opens_at": _local(1),
            "signup_closes_at": _local(2),
            "members_only": "on",
            "repeat_penalty_pct": 0,
            "offer_hours": 24,
        },
    ),
    # Activities: the staff API of the day and of the kinds. Only organisers write (viewer and
    # hotline: 403); a worker finds no activity to manage (404).
    Route(
        "api check-in sync",
        "POST",
        url("/api/v1/activities/{}/checkins/sync", "activity"),
        MANAGE,
        api=True,
        data=lambda w, where: {"scans": []},
        expect=_worker_gets(404),
    ),
    Route(
        "api work review",
        "POST",
        url("/api/v1/activities/works/{}/review", "work"),
        MANAGE,
        api=True,
        data=lambda w, where: {"publish": False, "note": "画面模糊"},
        expect=_worker_gets(404),
    ),
    Route(
        "api survey question",
        "POST",
        url("/api/v1/activities/{}/survey/questions", "activity"),
        MANAGE,
        api=True,
        ok=201,
        data=lambda w, where: {"text": "总体满意度", "kind": "score"},
        expect=_worker_gets(404),
    ),
    Route(
        "api survey results",
        "GET",
        url("/api/v1/activities/{}/survey/results", "activity"),
        ALL,
        api=True,
        expect=_worker_gets(404),
    ),
    Route(
        "api child attendance",
        "POST",
        url("/api/v1/activities/children/{}/attendance", "child"),
        MANAGE,
        api=True,
        expect=_worker_gets(404),
    ),
    # News: the console and the staff API
    Route("news", "GET", fixed("/console/news/"), ANY_CONSOLE, scoped=False),
    Route("news new", "GET", fixed("/console/news/new/"), MANAGE, scoped=False, denied=404),
    Route("news edit", "GET", url("/console/news/{}/", "article"), MANAGE, denied=404),
    Route("news receipts", "GET", url("/console/news/{}/receipts/", "article"), MANAGE, denied=404),
    Route(
        "api manage list",
        "GET",
        fixed("/api/v1/news/manage/articles"),
        ANY_CONSOLE,
        scoped=False,
        api=True,
        expect=_worker_gets(200),
    ),
    Route(
        "api publish",
        "POST",
        url("/api/v1/news/manage/articles/{}/publish", "article"),
        MANAGE,
        api=True,
        denied=404,
        expect=_worker_gets(404),
    ),
    Route(
        "api receipts",
        "GET",
        url("/api/v1/news/manage/articles/{}/receipts", "article"),
        MANAGE,
        api=True,
        denied=404,
        expect=_worker_gets(404),
    ),
]


@pytest.mark.parametrize(("route", "actor", "where"), cases(ROUTES))
def test_events_and_news_authz(
    route: Route, actor: str, where: str, events_world: World, db: Any, client: Any
) -> None:
    check(route, actor, where, events_world, client)
