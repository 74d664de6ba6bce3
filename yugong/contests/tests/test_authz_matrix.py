"""The authorization matrix for contests: every page, API operation and download × every actor of
the shared world (``yugong.orgs.tests.authz``: chair, staff, viewer and hotline at district A, a
system administrator, a signed-in worker, anonymous) × inside / outside the actor's subtree.

The rules: staff reach a contest, a question bank, a competition and its stages only when it is
organised inside their subtree (outside: 404 like missing, for every role); any role may look, the
managing roles (chair, vice chair, staff) change things — the others are refused (403); marking
is for the item's judges only (no actor of the world is one: 403 inside, 404 outside).
Workers see the contests of their own union's chain (``test_visibility.py``): the world's contests
are organised by districts no actor belongs to, so the worker paths answer 404 for everyone signed
in. Anonymous visitors are sent to the sign-in page (API: 401); certificate checks are public.

Not here yet: the console's "refresh members" action, competition registration for drafts and
``GET /api/v1/contests/competitions`` (shadowed by ``/{contest_id}``): another change fixes their
role check, the 404 and the route.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from yugong.accounts.system import system_actor
from yugong.contests import skills
from yugong.contests.models import Item, Judge
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

from .conftest import make_bank, make_contest

NOBODY: frozenset[str] = frozenset()


def _world() -> World:
    world = build_world()
    system = system_actor()
    for where in ("inside", "outside"):
        district = world.obj("district", where)
        bank = make_bank(district, n=12)
        world.objects[("bank", where)] = bank
        world.objects[("contest", where)] = make_contest(district, bank)
        world.objects[("draft", where)] = make_contest(district, bank, status="draft", title="草稿竞赛")
        competition = skills.competition_create(
            actor=system, organiser=district, title=f"{district.name}技能大赛"
        )
        stage = skills.stage_create(
            actor=system, competition=competition, kind="preliminary", name="初赛", order=1, items=[]
        )
        item = skills.item_add(actor=system, stage=stage, name="实操", kind="practical", weight=Decimal(100))
        world.objects[("competition", where)] = competition
        world.objects[("stage", where)] = stage
        world.objects[("item", where)] = item
    return world


contests_world = module_world(_world)


def _get(path: str) -> Any:
    return lambda w, where: path


def pk(name: str, template: str) -> Any:
    return lambda w, where: template.format(w.pk(name, where))


def _signed_in(actor: str, where: str) -> int | None:
    return None if actor == "anonymous" else 200


def _public(actor: str, where: str) -> int:
    return 200


def _not_a_participant(actor: str, where: str) -> int | None:
    """A worker path into a contest of a district nobody of the world belongs to."""
    return None if actor == "anonymous" else 404


def _worker_404(actor: str, where: str) -> int | None:
    """Staff objects from the API or the boards: a worker gets the 404 of a missing one."""
    return 404 if actor == "worker" else None


def _staff_list_api(actor: str, where: str) -> int | None:
    return 200 if actor == "worker" else None


def _contest_form(w: World, where: str) -> dict[str, Any]:
    return {
        "organiser_id": w.pk("district", where),
        "bank_id": w.pk("bank", where),
        "title": "新竞赛",
        "starts_at": "2030-01-01T09:00:00+08:00",
        "ends_at": "2030-01-08T09:00:00+08:00",
        "question_count": 5,
    }


ROUTES = [
    # Worker H5
    Route("h5 list", "GET", _get("/contests/"), NOBODY, scoped=False, expect=_signed_in),
    Route("h5 mine", "GET", _get("/contests/mine/"), NOBODY, scoped=False, expect=_signed_in),
    Route("h5 detail", "GET", pk("contest", "/contests/{}/"), NOBODY, expect=_not_a_participant),
    Route("h5 quiz", "GET", pk("contest", "/contests/{}/quiz/"), NOBODY, expect=_not_a_participant),
    Route("h5 draft", "GET", pk("draft", "/contests/{}/"), NOBODY, expect=_not_a_participant),
    Route(
        "verify a bad token (public)",
        "GET",
        _get("/contests/verify/nope/"),
        NOBODY,
        scoped=False,
        expect=lambda a, w: 422,
    ),
    # Console: knowledge contests
    Route("console contests", "GET", _get("/contests/console/"), ANY_CONSOLE, scoped=False),
    Route("console contest", "GET", pk("contest", "/contests/console/{}/"), ALL),
    Route("console draft", "GET", pk("draft", "/contests/console/{}/"), ALL),
    Route("participation", "GET", _get("/contests/console/participation/"), ANY_CONSOLE, scoped=False),
    Route("banks", "GET", _get("/contests/console/banks/"), ANY_CONSOLE, scoped=False),
    Route("bank template", "GET", _get("/contests/console/banks/template.xlsx"), ANY_CONSOLE, scoped=False),
    # Console: skills competitions
    Route("competitions", "GET", _get("/contests/console/competitions/"), ANY_CONSOLE, scoped=False),
    Route("competition", "GET", pk("competition", "/contests/console/competitions/{}/"), ALL),
    Route("marking, not a judge", "GET", pk("item", "/contests/console/marking/{}/"), NOBODY),
    # API: workers
    Route(
        "api open", "GET", _get("/api/v1/contests/open"), NOBODY, scoped=False, api=True, expect=_signed_in
    ),
    Route(
        "api mine", "GET", _get("/api/v1/contests/mine"), NOBODY, scoped=False, api=True, expect=_signed_in
    ),
    Route("api detail", "GET", pk("contest", "/api/v1/contests/{}"), ALL, api=True, expect=_worker_404),
    Route(
        "api material",
        "POST",
        pk("contest", "/api/v1/contests/{}/material"),
        NOBODY,
        api=True,
        expect=_not_a_participant,
    ),
    Route(
        "api start",
        "POST",
        pk("contest", "/api/v1/contests/{}/attempts"),
        NOBODY,
        api=True,
        expect=_not_a_participant,
    ),
    Route(
        "api leaderboard",
        "GET",
        pk("contest", "/api/v1/contests/{}/leaderboard"),
        ALL,
        api=True,
        expect=_worker_404,
    ),
    # API: staff
    Route(
        "api manage contests",
        "GET",
        _get("/api/v1/contests/manage/contests"),
        ANY_CONSOLE,
        scoped=False,
        api=True,
        expect=_staff_list_api,
    ),
    Route(
        "api create contest",
        "POST",
        _get("/api/v1/contests/manage/contests"),
        MANAGE,
        api=True,
        ok=201,
        data=_contest_form,
        expect=_worker_404,
    ),
    Route(
        "api publish",
        "POST",
        pk("draft", "/api/v1/contests/manage/contests/{}/publish"),
        MANAGE,
        api=True,
        expect=_worker_404,
    ),
    Route(
        "api union board",
        "GET",
        pk("contest", "/api/v1/contests/manage/contests/{}/unions"),
        ALL,
        api=True,
        expect=_worker_404,
    ),
    Route(
        "api banks",
        "GET",
        _get("/api/v1/contests/manage/banks"),
        ANY_CONSOLE,
        scoped=False,
        api=True,
        expect=_staff_list_api,
    ),
    Route(
        "api stage problems",
        "GET",
        pk("stage", "/api/v1/contests/competitions/stages/{}/problems"),
        ALL,
        api=True,
        expect=_worker_404,
    ),
    Route(
        "api stage results",
        "GET",
        pk("stage", "/api/v1/contests/competitions/stages/{}/results"),
        ALL,
        api=True,
        expect=_worker_404,
    ),
    Route(
        "api stage compute (no entries)",
        "POST",
        pk("stage", "/api/v1/contests/competitions/stages/{}/compute"),
        MANAGE,
        api=True,
        expect=_worker_404,
    ),
]


@pytest.mark.parametrize(("route", "actor", "where"), cases(ROUTES))
def test_contests_authz(
    route: Route, actor: str, where: str, contests_world: World, db: Any, client: Any
) -> None:
    check(route, actor, where, contests_world, client)


def test_the_world_has_no_judge(contests_world: World, db: Any) -> None:
    assert not Judge.objects.filter(item__in=Item.objects.all()).exists()
