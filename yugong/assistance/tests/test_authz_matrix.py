"""Authorization matrix of assistance: roles × pages and operations × inside/outside the subtree
(the shared harness of ``yugong/orgs/tests/authz.py``). The hotline reads no hardship data (404,
like missing); the viewer reads and changes nothing (403 on writes); approving a list needs a
leader, the bank file a finance role (chair or finance)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.helpers import UserFactory, grant
from yugong.assistance import services as s
from yugong.assistance.models import HardshipFile
from yugong.core.timeutil import local_today
from yugong.funds import services as funds
from yugong.funds.models import Category, PayoutBatch
from yugong.members.models import Membership, Person
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

pytestmark = pytest.mark.django_db


def _world() -> World:
    w = build_world()
    prep, boss = UserFactory(), UserFactory()
    grant(prep, w.city, "staff")
    grant(boss, w.city, "chair")
    for where in ("inside", "outside"):
        district, leaf = w.obj("district", where), w.obj("union", where)
        files = {}
        for name, status in (("file", "submitted"), ("active", "active")):
            person = Person.objects.create(name=f"{where}{name}")
            Membership.objects.create(person=person, union=leaf, status=Membership.Status.ACTIVE)
            files[name] = HardshipFile.objects.create(
                union=leaf,
                applicant=person,
                district="甲区",
                year=local_today().year,
                tier="deep",
                status=status,
                bank_card="6222020012345678901",
                consent_income_check=True,
            )
        w.objects[("file", where)] = files["file"]
        w.objects[("active", where)] = files["active"]
        # a visiting and an approving file for the API's visit and approve operations
        for name, status in (("visiting", "visiting"), ("approving", "approving")):
            person = Person.objects.create(name=f"{where}{name}")
            Membership.objects.create(person=person, union=leaf, status=Membership.Status.ACTIVE)
            w.objects[(name, where)] = HardshipFile.objects.create(
                union=leaf,
                applicant=person,
                district="甲区",
                year=local_today().year,
                tier="deep",
                status=status,
                consent_income_check=True,
            )
        budget = funds.budget_create(actor=prep, union=district, year=local_today().year)
        line = funds.budget_line_add(
            actor=prep, budget=budget, category=Category.ACTIVITIES, name="帮扶", amount_fen=10_000_000
        )
        funds.budget_submit(actor=prep, budget=budget)
        funds.budget_approve(actor=boss, budget=budget)
        camp = s.campaign_create(
            actor=prep, union=district, kind="winter_warmth", title="冬送温暖", budget_line=line
        )
        w.objects[("campaign", where)] = camp

        def new_cycle(name: str, camp: Any = camp) -> Any:
            c = s.cycle_create(
                actor=prep,
                campaign=camp,
                name=name,
                starts_on=local_today(),
                ends_on=local_today() + dt.timedelta(days=30),
                amounts={"deep": 10_000},
            )
            return s.cycle_build(actor=prep, cycle=c)

        w.objects[("cycle", where)] = new_cycle("草稿")
        submitted = new_cycle("待审批")
        w.objects[("submitted", where)] = s.cycle_submit(actor=prep, cycle=submitted)
        paying = s.cycle_submit(actor=prep, cycle=new_cycle("发放中"))
        s.cycle_approve(actor=boss, cycle=paying)
        s.cycle_pay(actor=boss, cycle=paying)
        w.objects[("paying", where)] = paying
        w.objects[("batch", where)] = PayoutBatch.objects.filter(union=district).get()
        # a spot check drawn by the district (its files are due for review)
        HardshipFile.objects.filter(pk=files["active"].pk).update(review_due_on=local_today())
        draw = s.spot_check_draw(actor=prep, union=district)
        w.objects[("check", where)] = draw.checks.get()
    return w


authz_world = module_world(_world)


def _hotline_404(actor: str, where: str) -> int | None:
    return 404 if actor == "hotline" and where == "inside" else None


def _signed_in_200(actor: str, where: str) -> int | None:
    return None if actor == "anonymous" else 200


A = "/assistance"


def _api_worker(actor: str, where: str) -> int | None:
    """A worker's own API operation: any signed-in person (their own data only)."""
    return None if actor == "anonymous" else 200


def _visit(w: World, x: str) -> dict[str, Any]:
    return {
        "visited_at": (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).isoformat(),
        "place": "家中",
        "visitors": "工会干部",
        "findings": "属实",
    }


API = "/api/v1/assistance"
ROUTES = [
    Route(
        "spot checks",
        "GET",
        lambda w, x: f"{A}/console/spot-checks/",
        ANY_CONSOLE - {"hotline", "sysadmin"},
        scoped=False,
        denied=404,
    ),
    Route(
        "spot draw",
        "POST",
        lambda w, x: f"{A}/console/spot-checks/",
        MANAGE,
        ok=302,
        data=lambda w, x: {"action": "draw", "union": w.pk("union", x)},
        expect=_hotline_404,
    ),
    Route(
        "spot check record",
        "POST",
        lambda w, x: f"{A}/console/spot-checks/",
        MANAGE,
        ok=302,
        data=lambda w, x: {"check": w.pk("check", x), "result": "confirmed"},
        expect=_hotline_404,
    ),
    Route(
        "national export",
        "GET",
        lambda w, x: f"{A}/console/files/national.xlsx?union={w.pk('district', x)}",
        ALL,
        expect=_hotline_404,
    ),
    Route(
        "national export clear",
        "GET",
        lambda w, x: f"{A}/console/files/national.xlsx?clear=1&union={w.pk('district', x)}",
        MANAGE,
        expect=_hotline_404,
    ),
    Route(
        "api my files",
        "GET",
        lambda w, x: f"{API}/files/mine",
        ALL,
        scoped=False,
        api=True,
        expect=_api_worker,
    ),
    Route("api my aid", "GET", lambda w, x: f"{API}/aid", ALL, scoped=False, api=True, expect=_api_worker),
    Route(
        "api notices", "GET", lambda w, x: f"{API}/notices", ALL, scoped=False, api=True, expect=_api_worker
    ),
    Route("api queue", "GET", lambda w, x: f"{API}/queue", ANY_CONSOLE, scoped=False, api=True),
    Route(
        "api file", "GET", lambda w, x: f"{API}/files/{w.pk('file', x)}", ALL, api=True, expect=_hotline_404
    ),
    Route(
        "api reveal",
        "POST",
        lambda w, x: f"{API}/files/{w.pk('file', x)}/reveal",
        ALL,
        api=True,
        expect=_hotline_404,
    ),
    Route(
        "api review",
        "POST",
        lambda w, x: f"{API}/files/{w.pk('file', x)}/review",
        MANAGE,
        api=True,
        data=lambda w, x: {"approve": True},
        expect=_hotline_404,
    ),
    Route(
        "api visit",
        "POST",
        lambda w, x: f"{API}/files/{w.pk('visiting', x)}/visit",
        MANAGE,
        api=True,
        data=_visit,
        expect=_hotline_404,
    ),
    Route(
        "api approve",
        "POST",
        lambda w, x: f"{API}/files/{w.pk('approving', x)}/approve",
        MANAGE,
        api=True,
        data=lambda w, x: {"approve": True},
        expect=_hotline_404,
    ),
    Route("queue", "GET", lambda w, x: f"{A}/console/queue/", ANY_CONSOLE, scoped=False),
    Route("reviews", "GET", lambda w, x: f"{A}/console/reviews/", ANY_CONSOLE, scoped=False),
    Route("campaigns", "GET", lambda w, x: f"{A}/console/campaigns/", ANY_CONSOLE, scoped=False),
    Route(
        "file detail", "GET", lambda w, x: f"{A}/console/files/{w.pk('file', x)}/", ALL, expect=_hotline_404
    ),
    Route(
        "file review",
        "POST",
        lambda w, x: f"{A}/console/files/{w.pk('file', x)}/review/",
        MANAGE,
        ok=302,
        data=lambda w, x: {"approve": "1"},
        expect=_hotline_404,
    ),
    Route(
        "campaign",
        "GET",
        lambda w, x: f"{A}/console/campaigns/{w.pk('campaign', x)}/",
        ALL,
        expect=_hotline_404,
    ),
    Route("cycle", "GET", lambda w, x: f"{A}/console/cycles/{w.pk('cycle', x)}/", ALL, expect=_hotline_404),
    Route(
        "cycle build",
        "POST",
        lambda w, x: f"{A}/console/cycles/{w.pk('cycle', x)}/build/",
        MANAGE,
        ok=302,
        expect=_hotline_404,
    ),
    Route(
        "cycle approve",
        "POST",
        lambda w, x: f"{A}/console/cycles/{w.pk('submitted', x)}/approve/",
        LEAD,
        ok=302,
        expect=_hotline_404,
    ),
    Route(
        "bank file",
        "GET",
        lambda w, x: f"{A}/console/cycles/{w.pk('paying', x)}/batches/{w.pk('batch', x)}/file/",
        LEAD,
        expect=_hotline_404,
    ),
    Route("h5 apply", "GET", lambda w, x: f"{A}/apply/", ALL, scoped=False, expect=_signed_in_200),
    Route("h5 mine", "GET", lambda w, x: f"{A}/mine/", ALL, scoped=False, expect=_signed_in_200),
    Route("h5 notices", "GET", lambda w, x: f"{A}/notices/", ALL, scoped=False, expect=_signed_in_200),
    Route("h5 aid", "GET", lambda w, x: f"{A}/aid/", ALL, scoped=False, expect=_signed_in_200),
]


@pytest.mark.parametrize(("route", "actor", "where"), cases(ROUTES))
def test_assistance_authz(route: Route, actor: str, where: str, authz_world: World, client: Any) -> None:
    check(route, actor, where, authz_world, client)
