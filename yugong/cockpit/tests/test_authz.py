"""The authorization matrix over every cockpit page, drill-down, export, API operation and the
annual approval: default deny, subtree scoping (a district leader never sees a sibling)."""

from __future__ import annotations

import datetime as dt

import pytest

from yugong.core.facts import fact_record
from yugong.orgs.tests.authz import (
    ALL,
    ANY_CONSOLE,
    LEAD,
    MANAGE,
    Route,
    build_world,
    cases,
    check,
    module_world,
)


def _world():
    world = build_world()
    for where in ("inside", "outside"):
        fact_record(
            metric="members.approved", union_id=world.pk("union", where), value=3, day=dt.date(2023, 4, 1)
        )
    return world


cockpit_world = module_world(_world)


def q(name: str, extra: str = "") -> object:
    return lambda w, where: f"?node={w.pk(name, where)}&period=2023{extra}"


ROUTES = [
    Route("desk", "GET", lambda w, where: "/console/cockpit/" + q("district")(w, where), ALL),
    Route("desk default node", "GET", lambda w, where: "/console/cockpit/", ALL, scoped=False, denied=404),
    Route(
        "desk grassroots",
        "GET",
        lambda w, where: "/console/cockpit/" + q("union", "&mode=stands")(w, where),
        ALL,
    ),
    Route(
        "drill", "GET", lambda w, where: "/console/cockpit/m/members.approved/" + q("district")(w, where), ALL
    ),
    Route(
        "drill leaf",
        "GET",
        lambda w, where: "/console/cockpit/m/members.approved/" + q("union")(w, where),
        ALL,
    ),
    Route("screen", "GET", lambda w, where: "/console/cockpit/screen/" + q("district")(w, where), ALL),
    Route("registry", "GET", lambda w, where: "/console/cockpit/metrics/", ANY_CONSOLE, scoped=False),
    Route(
        "export summary",
        "GET",
        lambda w, where: "/console/cockpit/export/summary.xlsx" + q("district")(w, where),
        ALL,
    ),
    Route(
        "export children",
        "GET",
        lambda w, where: "/console/cockpit/export/children.xlsx"
        + q("district", "&metric=members.approved")(w, where),
        ALL,
    ),
    Route(
        "export trend",
        "GET",
        lambda w, where: "/console/cockpit/export/trend.xlsx"
        + q("union", "&metric=members.approved")(w, where),
        ALL,
    ),
    Route(
        "annual", "GET", lambda w, where: f"/console/cockpit/annual/2023/?node={w.pk('union', where)}", ALL
    ),
    Route(
        "annual confirm",
        "POST",
        lambda w, where: "/console/cockpit/annual/2023/confirm/",
        MANAGE,
        ok=302,
        data=lambda w, where: {"node": w.pk("union", where)},
    ),
    Route(
        "annual lock",
        "POST",
        lambda w, where: "/console/cockpit/annual/2023/lock/",
        LEAD,
        ok=302,
        data=lambda w, where: {"node": w.pk("union", where)},
    ),
    Route(
        "api summary",
        "GET",
        lambda w, where: "/api/v1/cockpit/summary" + q("district")(w, where),
        ALL,
        api=True,
    ),
    Route(
        "api children",
        "GET",
        lambda w, where: "/api/v1/cockpit/children" + q("district", "&metric=members.approved")(w, where),
        ALL,
        api=True,
    ),
    Route(
        "api trend",
        "GET",
        lambda w, where: "/api/v1/cockpit/trend" + q("union", "&metric=members.approved")(w, where),
        ALL,
        api=True,
    ),
    Route(
        "api metrics", "GET", lambda w, where: "/api/v1/cockpit/metrics", ANY_CONSOLE, scoped=False, api=True
    ),
]


@pytest.mark.parametrize(("route", "actor", "where"), cases(ROUTES))
def test_cockpit_authz(route, actor, where, cockpit_world, client):
    check(route, actor, where, cockpit_world, client)
