"""The authorization matrix for the orgs pages and endpoints (see ``authz.py`` for the rules and for
how other apps add their own routes)."""

from __future__ import annotations

from typing import Any

import pytest

from .authz import ALL, ANY_CONSOLE, LEAD, MANAGE, Route, World, authz_world, cases, check

__all__ = ["ROUTES", "authz_world"]


def u(name: str, suffix: str = "") -> Any:
    return lambda w, where: f"/orgs/unions/{w.pk(name, where)}/{suffix}"


API = "/api/v1/orgs"

ROUTES = [
    # Pages
    Route("tree", "GET", lambda w, where: "/orgs/", ANY_CONSOLE, scoped=False),
    Route("tree children", "GET", lambda w, where: f"/orgs/tree/{w.pk('district', where)}/children/", ALL),
    Route("union page", "GET", u("union"), ALL),
    Route("district page", "GET", u("district"), ALL),
    Route("create child form", "GET", u("district", "children/new/"), MANAGE),
    Route("create child post", "POST", u("district", "children/new/"), MANAGE, ok=422),
    Route("edit union", "GET", u("union", "edit/"), MANAGE),
    Route("move union", "GET", u("union", "move/"), MANAGE),
    Route("merge union", "GET", u("union", "merge/"), LEAD),
    Route("close union", "GET", u("union", "close/"), LEAD),
    Route("close union post", "POST", u("union", "close/"), LEAD, ok=422),
    Route("reopen union", "POST", u("union", "reopen/"), LEAD, ok=302),
    Route("join qr png", "GET", u("union", "join-qr.png"), ALL),
    Route("join qr svg", "GET", u("union", "join-qr.svg"), ALL),
    Route("join poster", "GET", u("union", "join-poster.pdf"), ALL),
    Route("employers", "GET", lambda w, where: "/orgs/employers/", ANY_CONSOLE, scoped=False),
    Route("employer create", "GET", lambda w, where: "/orgs/employers/new/", MANAGE, scoped=False),
    Route("employer", "GET", lambda w, where: f"/orgs/employers/{w.pk('employer', where)}/", ALL),
    Route(
        "employer edit", "GET", lambda w, where: f"/orgs/employers/{w.pk('employer', where)}/edit/", MANAGE
    ),
    Route("roles", "GET", lambda w, where: "/orgs/roles/", LEAD, scoped=False),
    Route(
        "role revoke",
        "POST",
        lambda w, where: f"/orgs/roles/{w.pk('assignment', where)}/revoke/",
        LEAD,
        ok=302,
    ),
    Route("home ratings", "GET", lambda w, where: "/orgs/home-ratings/", ANY_CONSOLE, scoped=False),
    Route("home rating create", "GET", lambda w, where: "/orgs/home-ratings/new/", MANAGE, scoped=False),
    Route("home national", "GET", lambda w, where: "/orgs/homes/national/", ANY_CONSOLE, scoped=False),
    Route("volunteer teams", "GET", lambda w, where: "/orgs/volunteers/", ANY_CONSOLE, scoped=False),
    Route("volunteer team create", "GET", lambda w, where: "/orgs/volunteers/new/", MANAGE, scoped=False),
    Route("volunteer team", "GET", lambda w, where: f"/orgs/volunteers/{w.pk('team', where)}/", ALL),
    # API
    Route("api unions", "GET", lambda w, where: f"{API}/unions", ANY_CONSOLE, scoped=False, api=True),
    Route("api union", "GET", lambda w, where: f"{API}/unions/{w.pk('union', where)}", ALL, api=True),
    Route(
        "api union children",
        "GET",
        lambda w, where: f"{API}/unions?parent_id={w.pk('district', where)}",
        ALL,
        api=True,
    ),
    Route(
        "api history", "GET", lambda w, where: f"{API}/unions/{w.pk('union', where)}/history", ALL, api=True
    ),
    Route("api join", "GET", lambda w, where: f"{API}/unions/{w.pk('union', where)}/join", ALL, api=True),
    Route(
        "api union create",
        "POST",
        lambda w, where: f"{API}/unions",
        MANAGE,
        ok=201,
        api=True,
        data=lambda w, where: {
            "parent_id": w.pk("district", where),
            "name": "新建工会",
            "code": f"NEW-{where}",
            "kind": "grassroots",
        },
    ),
    Route(
        "api union close",
        "POST",
        lambda w, where: f"{API}/unions/{w.pk('union', where)}/close",
        LEAD,
        api=True,
        data=lambda w, where: {"reason": "企业注销"},
    ),
    Route("api employers", "GET", lambda w, where: f"{API}/employers", ANY_CONSOLE, scoped=False, api=True),
    Route(
        "api employer", "GET", lambda w, where: f"{API}/employers/{w.pk('employer', where)}", ALL, api=True
    ),
    Route(
        "api employer patch",
        "PATCH",
        lambda w, where: f"{API}/employers/{w.pk('employer', where)}",
        MANAGE,
        api=True,
        data=lambda w, where: {"headcount": 12},
    ),
    Route("api roles", "GET", lambda w, where: f"{API}/roles", ANY_CONSOLE, scoped=False, api=True),
    Route(
        "api role revoke",
        "POST",
        lambda w, where: f"{API}/roles/{w.pk('assignment', where)}/revoke",
        LEAD,
        api=True,
        data=lambda w, where: {},
    ),
    Route(
        "api home ratings", "GET", lambda w, where: f"{API}/home-ratings", ANY_CONSOLE, scoped=False, api=True
    ),
    Route("api teams", "GET", lambda w, where: f"{API}/volunteer-teams", ANY_CONSOLE, scoped=False, api=True),
    Route(
        "api team volunteers",
        "GET",
        lambda w, where: f"{API}/volunteer-teams/{w.pk('team', where)}/volunteers",
        ALL,
        api=True,
    ),
]


@pytest.mark.parametrize(("route", "actor", "where"), cases(ROUTES))
def test_orgs_authz(route: Route, actor: str, where: str, authz_world: World, db: Any, client: Any) -> None:
    check(route, actor, where, authz_world, client)
