"""The funds API: a journey through it, query counts, and the authorization matrix (roles × routes ×
inside/outside the subtree; the 经审 auditor reads everything below it and writes nothing)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import UserFactory, assert_max_queries, grant
from yugong.core.timeutil import local_today
from yugong.funds import services
from yugong.funds.models import Category, IncomeKind
from yugong.orgs.tests.authz import (
    ANY_CONSOLE,
    Route,
    World,
    build_world,
    cases,
    expected_status,
    module_world,
)

from .factories import build_world as build_funds_world

YEAR = local_today().year
READ = frozenset({"chair", "staff", "viewer"})
LEAD = frozenset({"chair"})
PREPARE = frozenset({"chair", "staff"})


def funds_world() -> World:
    world = build_world()
    preparer = UserFactory()
    for where in ("inside", "outside"):
        union = world.obj("union", where)
        grant(preparer, world.obj("district", where), "staff")
        grant(finance := UserFactory(), union, "finance")
        budget = services.budget_create(actor=preparer, union=union, year=YEAR)
        line = services.budget_line_add(
            actor=preparer, budget=budget, category=Category.ACTIVITIES, name="活动", amount_fen=10**7
        )
        income = services.income_line_add(
            actor=preparer, budget=budget, kind=IncomeKind.DUES, name="会费", planned_fen=1
        )
        services.budget_submit(actor=preparer, budget=budget)
        other = services.budget_create(actor=preparer, union=world.obj("district", where), year=YEAR)
        services.budget_line_add(
            actor=preparer, budget=other, category=Category.RIGHTS, name="维权", amount_fen=100
        )
        services.budget_submit(actor=preparer, budget=other)
        world.objects[("submitted", where)] = other
        grant(chair := UserFactory(), union, "chair")
        services.budget_approve(actor=chair, budget=budget)
        line.refresh_from_db()
        world.objects[("budget", where)] = budget
        world.objects[("line", where)] = line
        world.objects[("income", where)] = income
        world.objects[("commitment", where)] = services.commitment_request(
            actor=preparer, line=line, amount_fen=1000, purpose="春游"
        )
        del finance
    return world


authz_world = module_world(funds_world)

B = "/api/v1/funds"
ROUTES = [
    Route("budget list", "GET", lambda w, _: f"{B}/budgets", ANY_CONSOLE, scoped=False, api=True),
    Route("budget detail", "GET", lambda w, x: f"{B}/budgets/{w.pk('budget', x)}", READ, api=True),
    Route(
        "budget approve", "POST", lambda w, x: f"{B}/budgets/{w.pk('submitted', x)}/approve", LEAD, api=True
    ),
    Route("line movements", "GET", lambda w, x: f"{B}/lines/{w.pk('line', x)}/movements", READ, api=True),
    Route(
        "commitment request",
        "POST",
        lambda w, _: f"{B}/commitments",
        PREPARE,
        api=True,
        data=lambda w, x: {"line_id": w.pk("line", x), "amount_fen": 100, "purpose": "慰问"},
    ),
    Route(
        "commitment approve",
        "POST",
        lambda w, x: f"{B}/commitments/{w.pk('commitment', x)}/approve",
        LEAD,
        api=True,
    ),
    Route(
        "income receipt",
        "POST",
        lambda w, x: f"{B}/income/{w.pk('income', x)}/receipts",
        LEAD,
        api=True,
        data=lambda w, x: {"amount_fen": 100},
    ),
    Route(
        "execution report",
        "GET",
        lambda w, x: f"{B}/reports/execution?union_id={w.pk('union', x)}&year={YEAR}",
        READ,
        api=True,
    ),
    Route(
        "xlsx export",
        "GET",
        lambda w, x: f"{B}/reports/export.xlsx?union_id={w.pk('union', x)}&year={YEAR}",
        READ,
        api=True,
    ),
]


def funds_expected(route: Route, actor: str, where: str) -> int:
    # The hotline operator holds no funds role: funds objects are invisible to them, like missing.
    if actor == "hotline" and route.scoped:
        return 404
    return expected_status(route, actor, where)


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "actor", "where"), cases(ROUTES))
def test_funds_authz(route: Route, actor: str, where: str, authz_world: World, client: Any) -> None:
    user = authz_world.users[actor]
    if user is not None:
        client.force_login(user)
    url = route.url(authz_world, where)
    data = route.data(authz_world, where) if route.data else {}
    if route.method == "GET":
        response = client.get(url)
    else:
        response = client.post(url, data=data, content_type="application/json")
    want = funds_expected(route, actor, where)
    assert (
        response.status_code == want
    ), f"{route.method} {url} as {actor} ({where}): {response.status_code} {response.content[:300]!r}"


@pytest.mark.django_db
def test_auditor_reads_everything_below_and_writes_nothing(client: Any) -> None:
    w = build_funds_world()
    client.force_login(w.auditor)
    assert client.get(f"{B}/budgets/{w.budget.pk}").status_code == 200
    assert client.get(f"{B}/lines/{w.line.pk}/movements").json()[0]["kind"] == "budget_approve"
    r = client.get(f"{B}/reports/statement?union_id={w.district.pk}&year={YEAR}")
    assert r.status_code == 200 and r.json()["expenditure"][0]["planned_fen"] == w.line.amount_fen
    for url, data in [
        (f"{B}/commitments", {"line_id": w.line.pk, "amount_fen": 1, "purpose": "x"}),
        (f"{B}/budgets/{w.budget.pk}/lines", {"category": "rights", "name": "x", "amount_fen": 1}),
        (f"{B}/income/{w.income.pk}/receipts", {"amount_fen": 1}),
        (f"{B}/budgets", {"union_id": w.company.pk, "year": YEAR - 1}),
    ]:
        assert client.post(url, data=data, content_type="application/json").status_code == 403, url


@pytest.mark.django_db
def test_api_journey_and_errors(client: Any) -> None:
    w = build_funds_world()
    client.force_login(w.preparer)
    r = client.post(
        f"{B}/commitments",
        data={"line_id": w.line.pk, "amount_fen": 30_000, "purpose": "春游"},
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    cid = r.json()["id"]
    r = client.post(f"{B}/commitments/{cid}/approve", content_type="application/json")
    assert r.status_code == 403 and r.json()["code"] == "forbidden"  # staff do not approve
    client.force_login(w.chair)
    r = client.post(f"{B}/commitments/{cid}/approve", content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "reserved"
    client.force_login(w.finance)
    r = client.post(
        f"{B}/commitments/{cid}/spend", data={"amount_fen": 10_000}, content_type="application/json"
    )
    assert r.json()["spent_fen"] == 10_000
    r = client.post(f"{B}/commitments/{cid}/release", data={}, content_type="application/json")
    assert r.json()["status"] == "closed"
    r = client.get(f"{B}/reports/execution?union_id={w.company.pk}&year={YEAR}")
    row = r.json()["rows"][0]
    assert row["spent_fen"] == 10_000 and row["spent_in_period_fen"] == 10_000 and row["rate_bp"] == 100
    client.force_login(w.preparer)
    r = client.post(
        f"{B}/commitments",
        data={"line_id": w.line.pk, "amount_fen": 10**9, "purpose": "x"},
        content_type="application/json",
    )
    assert r.status_code == 409 and r.json()["code"] == "budget_exceeded"
    r = client.post(
        f"{B}/budgets/{w.budget.pk}/lines",
        data={"category": "bad", "name": "x", "amount_fen": 1},
        content_type="application/json",
    )
    assert r.status_code in (409, 422)
    client.force_login(w.outsider)
    assert client.get(f"{B}/budgets/{w.budget.pk}").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("extra", [2, 20])
def test_lists_and_reports_have_flat_query_counts(client: Any, extra: int) -> None:
    w = build_funds_world()
    for i in range(extra):
        services.commitment_request(actor=w.preparer, line=w.line, amount_fen=1, purpose=f"p{i}")
    client.force_login(w.auditor)
    with assert_max_queries(6):
        assert len(client.get(f"{B}/commitments").json()) == extra
    with assert_max_queries(6):
        assert client.get(f"{B}/budgets").status_code == 200
    with assert_max_queries(8):
        assert client.get(f"{B}/reports/execution?union_id={w.district.pk}&year={YEAR}").status_code == 200
