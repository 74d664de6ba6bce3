"""The authorization matrix over every innovation page and operation: roles × routes × inside/
outside the actor's subtree, worker and anonymous (``yugong.orgs.tests.authz``). The world's worker
is a member of the inside grassroots union; staff have no membership, so the worker's writes refuse
them (403)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils.timezone import now

from yugong.innovation.models import Challenge, Proposal, Studio, StudioMember, StudioRating, Team, TeamMember
from yugong.members.models import Membership
from yugong.members.tests.factories import make_person
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

SIGNED_IN = {"chair", "staff", "viewer", "hotline", "sysadmin", "worker"}


def _member(union: Any, name: str, user: Any = None) -> Any:
    p = make_person(name=name, user=user)
    Membership.objects.create(person=p, union=union, status=Membership.Status.ACTIVE)
    return p


def _world() -> World:
    world = build_world()
    chair = world.users["chair"]
    worker = _member(world.obj("union", "inside"), "王师傅", user=world.users["worker"])
    for where in ("inside", "outside"):
        district, leaf = world.obj("district", where), world.obj("union", where)
        lead = _member(leaf, f"{where}劳模")
        world.objects[("member", where)] = _member(leaf, f"{where}职工")
        studios = []
        for name in ("工作室", "待评工作室"):
            s = Studio.objects.create(
                union=leaf,
                name=f"{where}{name}",
                kind="model_worker",
                lead=lead,
                lead_name=lead.name,
                lead_title="劳模",
                field="机械",
                created_by=chair,
            )
            StudioMember.objects.create(studio=s, person=lead, name=lead.name, role="lead")
            studios.append(s)
        world.objects[("studio", where)] = studios[0]
        world.objects[("lead", where)] = lead
        world.objects[("rating", where)] = StudioRating.objects.create(
            studio=studios[1],
            level="district",
            year=2026,
            reviewer=district,
            statement="申报",
            applied_by=chair,
        )
        world.objects[("proposal", where)] = Proposal.objects.create(
            person=lead,
            proposer_name=lead.name,
            union=leaf,
            category="design",
            title="导视",
            problem="x",
            solution="y",
        )
        c = Challenge.objects.create(
            union=district,
            poster="一厂",
            title=f"{where}榜单",
            problem="难题",
            reward_fen=100_000,
            signup_deadline=now() + dt.timedelta(days=10),
            due_on=now().date() + dt.timedelta(days=60),
            created_by=chair,
        )
        world.objects[("challenge", where)] = c
        team = Team.objects.create(challenge=c, name="一组", leader=lead, plan="方案")
        TeamMember.objects.create(team=team, challenge=c, person=lead, name=lead.name)
        world.objects[("team", where)] = team
    world.objects[("own_proposal", "inside")] = Proposal.objects.create(
        person=worker,
        proposer_name=worker.name,
        union=world.obj("union", "inside"),
        category="design",
        title="我的",
        problem="x",
        solution="y",
    )
    return world


authz_world = module_world(_world)


def _signed_in(actor: str, where: str) -> int | None:
    return 200 if actor in SIGNED_IN else None


def _worker_writes(ok: int) -> Any:
    def expect(actor: str, where: str) -> int | None:
        if actor == "worker":
            return ok
        return 403 if actor in SIGNED_IN else None

    return expect


def _own(actor: str, where: str) -> int | None:
    if actor == "worker":
        return 200
    return 404 if actor in SIGNED_IN else None


PROPOSAL = {"category": "suggestion", "title": "错峰补货", "problem": "拥堵", "solution": "错峰"}

ROUTES = [
    # worker pages
    Route("h5 mine", "GET", lambda w, x: "/innovation/", ALL, scoped=False, expect=_signed_in),
    Route(
        "h5 proposal new",
        "GET",
        lambda w, x: "/innovation/proposals/new/",
        ALL,
        scoped=False,
        expect=_signed_in,
    ),
    Route(
        "h5 proposal post",
        "POST",
        lambda w, x: "/innovation/proposals/new/",
        ALL,
        scoped=False,
        data=lambda w, x: PROPOSAL,
        expect=_worker_writes(302),
    ),
    Route(
        "h5 my proposal",
        "GET",
        lambda w, x: f"/innovation/proposals/{w.pk('own_proposal', 'inside')}/",
        ALL,
        scoped=False,
        expect=_own,
    ),
    Route(
        "h5 challenges", "GET", lambda w, x: "/innovation/challenges/", ALL, scoped=False, expect=_signed_in
    ),
    Route(
        "h5 challenge",
        "GET",
        lambda w, x: f"/innovation/challenges/{w.pk('challenge', 'outside')}/",
        ALL,
        scoped=False,
        expect=_signed_in,
    ),
    Route(
        "h5 challenge signup",
        "POST",
        lambda w, x: f"/innovation/challenges/{w.pk('challenge', 'outside')}/",
        ALL,
        scoped=False,
        data=lambda w, x: {"action": "signup", "name": "新队", "plan": "方案"},
        expect=_worker_writes(302),
    ),
    Route(
        "h5 team join",
        "POST",
        lambda w, x: f"/innovation/challenges/{w.pk('challenge', 'inside')}/",
        ALL,
        scoped=False,
        data=lambda w, x: {"action": "join", "team": w.pk("team", "inside")},
        expect=_worker_writes(302),
    ),
    # console: studios and ratings
    Route("studios", "GET", lambda w, x: "/innovation/console/studios/", ANY_CONSOLE, scoped=False),
    Route("studio new", "GET", lambda w, x: "/innovation/console/studios/new/", MANAGE, scoped=False),
    Route("studio", "GET", lambda w, x: f"/innovation/console/studios/{w.pk('studio', x)}/", ALL),
    Route(
        "studio member",
        "POST",
        lambda w, x: f"/innovation/console/studios/{w.pk('studio', x)}/member/",
        MANAGE,
        ok=302,
        data=lambda w, x: {"id_number": w.obj("member", x).id_number},
    ),
    Route(
        "studio result",
        "POST",
        lambda w, x: f"/innovation/console/studios/{w.pk('studio', x)}/result/",
        MANAGE,
        ok=302,
        data=lambda w, x: {
            "title": "工法",
            "kind": "process",
            "description": "新工法",
            "achieved_on": "2026-01-05",
            "benefit_fen": "10",
            "contributors": [w.pk("lead", x)],
        },
    ),
    Route(
        "studio rating",
        "POST",
        lambda w, x: f"/innovation/console/studios/{w.pk('studio', x)}/rating/",
        MANAGE,
        ok=302,
        data=lambda w, x: {"level": "district", "year": 2026, "statement": "申报"},
    ),
    Route("ratings", "GET", lambda w, x: "/innovation/console/ratings/", ANY_CONSOLE, scoped=False),
    Route(
        "rating decide",
        "POST",
        lambda w, x: "/innovation/console/ratings/decide/",
        MANAGE,
        ok=302,
        data=lambda w, x: {"rating": w.pk("rating", x), "decision": "approve", "note": "同意"},
    ),
    # console: 五小
    Route("proposals", "GET", lambda w, x: "/innovation/console/proposals/", ANY_CONSOLE, scoped=False),
    Route("proposal", "GET", lambda w, x: f"/innovation/console/proposals/{w.pk('proposal', x)}/", ALL),
    Route(
        "proposal accept",
        "POST",
        lambda w, x: f"/innovation/console/proposals/{w.pk('proposal', x)}/accept/",
        MANAGE,
        ok=302,
    ),
    Route(
        "proposal reject",
        "POST",
        lambda w, x: f"/innovation/console/proposals/{w.pk('proposal', x)}/reject/",
        MANAGE,
        ok=302,
        data=lambda w, x: {"note": "重复"},
    ),
    Route(
        "proposals export",
        "GET",
        lambda w, x: "/innovation/console/proposals/export.xlsx",
        ANY_CONSOLE,
        scoped=False,
    ),
    Route(
        "proposals export clear",
        "GET",
        lambda w, x: "/innovation/console/proposals/export.xlsx?clear=1",
        MANAGE,
        scoped=False,
    ),
    # console: 揭榜挂帅
    Route("challenges", "GET", lambda w, x: "/innovation/console/challenges/", ANY_CONSOLE, scoped=False),
    Route("challenge new", "GET", lambda w, x: "/innovation/console/challenges/new/", MANAGE, scoped=False),
    Route("challenge", "GET", lambda w, x: f"/innovation/console/challenges/{w.pk('challenge', x)}/", ALL),
    Route(
        "challenge select",
        "POST",
        lambda w, x: f"/innovation/console/challenges/{w.pk('challenge', x)}/select/",
        MANAGE,
        ok=302,
        data=lambda w, x: {"team": w.pk("team", x)},
    ),
    Route(
        "challenge close",
        "POST",
        lambda w, x: f"/innovation/console/challenges/{w.pk('challenge', x)}/close/",
        MANAGE,
        ok=302,
        data=lambda w, x: {"note": "需求变更"},
    ),
    # API: worker
    Route(
        "api mine",
        "GET",
        lambda w, x: "/api/v1/innovation/mine",
        ALL,
        scoped=False,
        api=True,
        expect=_signed_in,
    ),
    Route(
        "api propose",
        "POST",
        lambda w, x: "/api/v1/innovation/proposals",
        ALL,
        scoped=False,
        api=True,
        data=lambda w, x: PROPOSAL,
        expect=_worker_writes(200),
    ),
    Route(
        "api challenges",
        "GET",
        lambda w, x: "/api/v1/innovation/challenges",
        ALL,
        scoped=False,
        api=True,
        expect=_signed_in,
    ),
    Route(
        "api team signup",
        "POST",
        lambda w, x: f"/api/v1/innovation/challenges/{w.pk('challenge', 'outside')}/teams",
        ALL,
        scoped=False,
        api=True,
        data=lambda w, x: {"name": "新队", "plan": "方案"},
        expect=_worker_writes(200),
    ),
    Route(
        "api team join",
        "POST",
        lambda w, x: f"/api/v1/innovation/teams/{w.pk('team', 'inside')}/join",
        ALL,
        scoped=False,
        api=True,
        expect=_worker_writes(200),
    ),
    # API: staff
    Route(
        "api proposal queue",
        "GET",
        lambda w, x: "/api/v1/innovation/proposals/queue",
        ANY_CONSOLE,
        scoped=False,
        api=True,
    ),
    Route(
        "api proposal decide",
        "POST",
        lambda w, x: f"/api/v1/innovation/proposals/{w.pk('proposal', x)}/decide",
        MANAGE,
        api=True,
        data=lambda w, x: {"action": "accept"},
    ),
    Route(
        "api studios", "GET", lambda w, x: "/api/v1/innovation/studios", ANY_CONSOLE, scoped=False, api=True
    ),
    Route(
        "api rating queue",
        "GET",
        lambda w, x: "/api/v1/innovation/ratings/queue",
        ANY_CONSOLE,
        scoped=False,
        api=True,
    ),
    Route(
        "api rating decide",
        "POST",
        lambda w, x: f"/api/v1/innovation/ratings/{w.pk('rating', x)}/decide",
        MANAGE,
        api=True,
        data=lambda w, x: {"approve": True},
    ),
    Route(
        "api managed challenges",
        "GET",
        lambda w, x: "/api/v1/innovation/challenges/managed",
        ANY_CONSOLE,
        scoped=False,
        api=True,
    ),
]


@pytest.mark.parametrize(("route", "actor", "where"), cases(ROUTES))
def test_innovation_authz(
    route: Route, actor: str, where: str, authz_world: World, db: Any, client: Any
) -> None:
    check(route, actor, where, authz_world, client)
