"""The authorization matrix for stations (渝工港湾): every console page, export, API operation and
the public worker pages × every actor of the shared world (``yugong.orgs.tests.authz``: chair,
staff, viewer and hotline at district A, a system administrator, a signed-in worker, anonymous) ×
inside / outside the actor's subtree.

The rules: staff reach a station only inside their subtree (outside: 404 like missing, for every
role); any role may look (and open the forms), the managing roles (chair, vice chair, staff) keep it
(inspections, issues, edits) — the others are refused. The nearby search, the station page and the
map are public. A refused keeper action answers 403 (not a message and a redirect), so the status
tells refusal from success.
"""

from __future__ import annotations

from typing import Any

import pytest

from yugong.accounts.system import system_actor
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
from yugong.stations import services

from .conftest import station_data

NOBODY: frozenset[str] = frozenset()
REGION = {
    "type": "Polygon",
    "coordinates": [[[106.55, 29.55], [106.58, 29.55], [106.58, 29.57], [106.55, 29.57], [106.55, 29.55]]],
}


def _world() -> World:
    world = build_world()
    system = system_actor()
    for n, where in enumerate(("inside", "outside"), start=1):
        leaf = world.obj("union", where)
        station = services.station_create(actor=system, union=leaf, data=station_data(n, name=f"{where}港湾"))
        world.objects[("station", where)] = station
        world.objects[("issue", where)] = services.issue_raise(
            actor=system, station=station, title="饮水机坏了"
        )
    return world


stations_world = module_world(_world)


def _get(path: str) -> Any:
    return lambda w, where: path


def st(suffix: str = "") -> Any:
    return lambda w, where: f"/stations/console/{w.pk('station', where)}/{suffix}"


def code(template: str) -> Any:
    return lambda w, where: template.format(w.obj("station", where).code)


def _public(actor: str, where: str) -> int:
    return 200


def _signed_in(actor: str, where: str) -> int | None:
    return None if actor == "anonymous" else 200


def _staff_list_api(actor: str, where: str) -> int | None:
    return 200 if actor == "worker" else None


def _worker_404(actor: str, where: str) -> int | None:
    return 404 if actor == "worker" else None


ROUTES = [
    # Public and worker pages
    Route("nearby", "GET", _get("/stations/"), NOBODY, scoped=False, expect=_public),
    Route("map", "GET", _get("/stations/map/"), NOBODY, scoped=False, expect=_public),
    Route("station page", "GET", code("/stations/s/{}/"), NOBODY, expect=_public),
    # Console pages and exports
    Route("console list", "GET", _get("/stations/console/"), ANY_CONSOLE, scoped=False),
    Route("console new form", "GET", _get("/stations/console/new/"), ANY_CONSOLE, scoped=False),
    Route("import page", "GET", _get("/stations/console/import/"), ANY_CONSOLE, scoped=False),
    Route(
        "import template", "GET", _get("/stations/console/import/template.xlsx"), ANY_CONSOLE, scoped=False
    ),
    Route("export geojson", "GET", _get("/stations/console/export.geojson"), ANY_CONSOLE, scoped=False),
    Route("coverage", "GET", _get("/stations/console/coverage/"), ANY_CONSOLE, scoped=False),
    Route("station detail", "GET", st(), ALL),
    Route("station edit form", "GET", st("edit/"), ALL),
    Route("station qr", "GET", st("qr.svg"), ALL),
    Route(
        "inspection",
        "POST",
        st("inspections/"),
        MANAGE,
        ok=302,
        data=lambda w, where: {"water_stocked": "on", "first_aid_in_date": "on", "is_clean": "on"},
    ),
    Route(
        "issue raise",
        "POST",
        st("issues/"),
        MANAGE,
        ok=302,
        data=lambda w, where: {"title": "空调不制冷"},
    ),
    Route(
        "issue close",
        "POST",
        lambda w, where: f"/stations/console/issues/{w.pk('issue', where)}/close/",
        MANAGE,
        ok=302,
        data=lambda w, where: {"resolution": "已修好"},
    ),
    # API
    Route(
        "api nearest",
        "GET",
        _get("/api/v1/stations/nearest?lat=29.55&lng=106.57"),
        NOBODY,
        scoped=False,
        api=True,
        expect=_public,
    ),
    Route(
        "api list",
        "GET",
        _get("/api/v1/stations/stations"),
        ANY_CONSOLE,
        scoped=False,
        api=True,
        expect=_staff_list_api,
    ),
    Route(
        "api station",
        "GET",
        lambda w, where: f"/api/v1/stations/stations/{w.pk('station', where)}",
        ALL,
        api=True,
        expect=_worker_404,
    ),
    Route(
        "api stats",
        "GET",
        lambda w, where: f"/api/v1/stations/stations/{w.pk('station', where)}/stats",
        ALL,
        api=True,
        expect=_worker_404,
    ),
    Route(
        "api issues",
        "GET",
        lambda w, where: f"/api/v1/stations/stations/{w.pk('station', where)}/issues",
        ALL,
        api=True,
        expect=_worker_404,
    ),
    Route(
        "api export",
        "GET",
        _get("/api/v1/stations/export.geojson"),
        ANY_CONSOLE,
        scoped=False,
        api=True,
        expect=_staff_list_api,
    ),
    Route(
        "api coverage",
        "POST",
        _get("/api/v1/stations/coverage"),
        ANY_CONSOLE,
        scoped=False,
        api=True,
        data=lambda w, where: {"region": REGION, "cell_m": 500},
        expect=lambda actor, where: 403 if actor == "worker" else None,
    ),
]


@pytest.mark.parametrize(("route", "actor", "where"), cases(ROUTES))
def test_stations_authz(
    route: Route, actor: str, where: str, stations_world: World, db: Any, client: Any
) -> None:
    check(route, actor, where, stations_world, client)
