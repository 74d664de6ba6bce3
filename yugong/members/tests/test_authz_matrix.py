"""The authorization matrix for the members pages and endpoints: every role of the shared world
(``yugong.orgs.tests.authz``) × every route, inside and outside the actor's subtree, signed-in
workers and anonymous visitors too.

Reading the rules (``expected_status``): anonymous → login redirect (API 401); a worker without a
staff role → 403; an object outside the actor's subtree → 404, exactly like a missing one; inside →
``ok`` for the roles in ``allowed``, 403 (or 404 where the object is only reachable through a
managing role: the approvals inbox lists only what the actor may decide) for the others."""

from __future__ import annotations

from typing import Any

import pytest

from yugong.members.models import Membership
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

from .factories import make_member, make_person


def _world() -> World:
    world = build_world()
    for where in ("inside", "outside"):
        leaf = world.obj("union", where)
        world.objects[("member", where)] = make_member(leaf, person=make_person(name=f"{where}会员"))
        world.objects[("pending", where)] = Membership.objects.create(
            person=make_person(name=f"{where}申请人"),
            union=leaf,
            status=Membership.Status.PENDING,
            channel=Membership.Channel.ONLINE,
        )
    return world


members_world = module_world(_world)


def m(name: str, suffix: str = "") -> Any:
    return lambda w, where: f"/console/members/{w.pk(name, where)}/{suffix}"


def api(name: str, suffix: str = "") -> Any:
    return lambda w, where: f"/api/v1/members/{w.pk(name, where)}{suffix}"


def _reason(w: World, where: str) -> dict[str, Any]:
    return {"reason": "不符合入会条件"}


# Roles with a say over a membership (chair, vice-chair, staff) decide; the others may look.
ROUTES = [
    # Console pages
    Route("member list", "GET", lambda w, where: "/console/members/", ANY_CONSOLE, scoped=False),
    Route(
        "approvals inbox", "GET", lambda w, where: "/console/members/approvals/", ANY_CONSOLE, scoped=False
    ),
    Route("member detail", "GET", m("member"), ALL),
    Route("application detail", "GET", m("pending"), ALL),
    Route("reveal", "POST", m("member", "reveal/"), MANAGE),
    Route("approve", "POST", m("pending", "approve/"), MANAGE, ok=302),
    Route("reject", "POST", m("pending", "reject/"), MANAGE, ok=302, data=_reason),
    Route("suspend", "POST", m("member", "suspend/"), MANAGE, ok=302, data=_reason),
    Route("import page", "GET", lambda w, where: "/members/roster/import/", ANY_CONSOLE, scoped=False),
    Route(
        "import template", "GET", lambda w, where: "/members/roster/template.xlsx", ANY_CONSOLE, scoped=False
    ),
    Route("export page", "GET", lambda w, where: "/members/roster/export/", ANY_CONSOLE, scoped=False),
    # API
    Route("api list", "GET", lambda w, where: "/api/v1/members/", ANY_CONSOLE, scoped=False, api=True),
    Route(
        "api approvals",
        "GET",
        lambda w, where: "/api/v1/members/approvals",
        ANY_CONSOLE,
        scoped=False,
        api=True,
    ),
    Route(
        "api overdue", "GET", lambda w, where: "/api/v1/members/overdue", ANY_CONSOLE, scoped=False, api=True
    ),
    Route("api detail", "GET", api("member"), ALL, api=True),
    Route("api reveal", "GET", api("member", "?reveal=1"), MANAGE, api=True),
    Route("api approve", "POST", api("pending", "/approve"), MANAGE, api=True, data=lambda w, where: {}),
    Route("api reject", "POST", api("pending", "/reject"), MANAGE, api=True, data=_reason),
    Route("api suspend", "POST", api("member", "/suspend"), MANAGE, api=True, data=_reason),
    Route("api leave", "POST", api("member", "/leave"), MANAGE, api=True, data=_reason),
]


@pytest.mark.parametrize(("route", "actor", "where"), cases(ROUTES))
def test_members_authz(
    route: Route, actor: str, where: str, members_world: World, db: Any, client: Any
) -> None:
    check(route, actor, where, members_world, client)
