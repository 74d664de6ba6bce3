"""The authorization matrix of the kinds' pages (``views_kinds``): every console page and post ×
every actor of the shared world (``yugong.orgs.tests.authz``) × inside / outside the actor's
subtree, and the worker pages' refusals, which answer as the API does.

Inside = a contest / childcare activity organised by district A (where every actor's role is held);
outside = district B's: 404 like missing. The organising roles (chair, staff) review works, mark
attendance and add age groups (302); a viewer or a hotline operator may open the roster but a post
is refused (403). None of the world's actors is a union member: a vote is refused (403, as
``POST /api/v1/activities/works/{id}/votes``), and a participant's own pages find nothing (404).
The gallery is public (200, even to the anonymous visitor)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from yugong.accounts.system import system_actor
from yugong.core import timeutil
from yugong.events import lottery
from yugong.events.services import activity_create
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

SEED = "kinds-authz-seed"


def _world() -> World:
    from tests.helpers import UserFactory
    from yugong.events.models import SignUp
    from yugong.events.models_kinds import ChildcareGroup, ChildEnrolment, Work
    from yugong.members.models import Membership, Person

    world = build_world()
    system = system_actor()
    now = timeutil.now()
    for where in ("inside", "outside"):
        district, leaf = world.obj("district", where), world.obj("union", where)
        made = {}
        for kind in ("contest", "childcare", "matchmaking", "fitness"):
            made[kind] = activity_create(
                actor=system,
                union_id=district.pk,
                title=f"{where}{kind}",
                kind=kind,
                places=10,
                signup_opens_at=now - dt.timedelta(days=1),
                signup_closes_at=now + dt.timedelta(days=2),
                seed_hash=lottery.commitment(SEED),
            )
            world.objects[(kind, where)] = made[kind]
        person = Person.objects.create(name=f"{where}参赛职工", user=UserFactory())
        Membership.objects.create(person=person, union=leaf, status="active")
        entry = SignUp.objects.create(activity=made["contest"], person=person, union=leaf, status="won")
        for status in ("pending", "published"):
            world.objects[(f"work_{status}", where)] = Work.objects.create(
                activity=made["contest"], signup=entry, kind="photo", title=f"{where}{status}", status=status
            )
        guardian = SignUp.objects.create(activity=made["childcare"], person=person, union=leaf, status="won")
        group = ChildcareGroup.objects.create(
            activity=made["childcare"], name="幼儿班", min_age=3, max_age=6, capacity=5, taken=1
        )
        world.objects[("child", where)] = ChildEnrolment.objects.create(
            activity=made["childcare"],
            group=group,
            signup=guardian,
            child_name="小明",
            child_age=5,
            guardian_phone="13800001111",
        )
    return world


kinds_world = module_world(_world)


def url(template: str, name: str) -> Any:
    return lambda w, where: template.format(w.pk(name, where))


def _worker_page(status: int) -> Any:
    """A worker page's answer for every signed-in actor (the anonymous visitor signs in first)."""
    return lambda actor, where: 302 if actor == "anonymous" else status


def _today(w: World, where: str) -> dict[str, Any]:
    return {"day": timeutil.local_today().isoformat(), "present": [w.pk("child", where)]}


ROUTES = [
    # The console: the review queue lists what the officer may review (empty for the others).
    Route("review queue", "GET", lambda w, where: "/activities/console/works/", ANY_CONSOLE, scoped=False),
    Route(
        "review",
        "POST",
        url("/activities/console/works/{}/review/", "work_pending"),
        MANAGE,
        ok=302,
        data=lambda w, where: {"decision": "approve"},
    ),
    Route("childcare roster", "GET", url("/activities/console/{}/childcare/", "childcare"), ALL),
    Route(
        "childcare attendance",
        "POST",
        url("/activities/console/{}/childcare/", "childcare"),
        MANAGE,
        ok=302,
        data=_today,
    ),
    Route(
        "childcare group",
        "POST",
        url("/activities/console/{}/childcare/groups/", "childcare"),
        MANAGE,
        ok=302,
        data=lambda w, where: {"name": "小学班", "min_age": 7, "max_age": 9, "capacity": 5},
    ),
    # Worker pages: public gallery; a non-member's vote 403; pages of a participant 404.
    Route("gallery", "GET", url("/activities/{}/works/", "contest"), ALL, expect=lambda actor, where: 200),
    Route(
        "ranking",
        "GET",
        url("/activities/{}/works/ranking/", "contest"),
        ALL,
        expect=lambda actor, where: 200,
    ),
    Route("vote", "POST", url("/activities/works/{}/vote/", "work_published"), ALL, expect=_worker_page(403)),
    Route(
        "vote for a pending work",
        "POST",
        url("/activities/works/{}/vote/", "work_pending"),
        ALL,
        expect=_worker_page(404),
    ),
    Route(
        "submit a work",
        "POST",
        url("/activities/{}/works/new/", "contest"),
        ALL,
        data=lambda w, where: {"kind": "photo", "title": "作品"},
        expect=_worker_page(404),
    ),
    Route(
        "my works",
        "GET",
        lambda w, where: "/activities/works/mine/",
        ALL,
        scoped=False,
        expect=_worker_page(200),
    ),
    Route(
        "match card", "GET", url("/activities/{}/match/card/", "matchmaking"), ALL, expect=_worker_page(404)
    ),
    Route(
        "my matches",
        "GET",
        url("/activities/{}/match/matches/", "matchmaking"),
        ALL,
        expect=_worker_page(404),
    ),
    Route(
        "interest",
        "POST",
        url("/activities/{}/match/interest/1/", "matchmaking"),
        ALL,
        expect=_worker_page(404),
    ),
    Route(
        "child enrol",
        "POST",
        url("/activities/{}/childcare/enrol/", "childcare"),
        ALL,
        data=lambda w, where: {"child_name": "小红", "child_age": 4, "guardian_phone": "13800002222"},
        expect=_worker_page(404),
    ),
    Route(
        "fitness check-in",
        "POST",
        url("/activities/{}/fitness/checkin/", "fitness"),
        ALL,
        data=lambda w, where: {"steps": 1000, "distance_km": "1"},
        expect=_worker_page(404),
    ),
]


@pytest.mark.parametrize(("route", "actor", "where"), cases(ROUTES))
def test_kinds_pages_authz(
    route: Route, actor: str, where: str, kinds_world: World, db: Any, client: Any
) -> None:
    check(route, actor, where, kinds_world, client)
