"""Activities paid from union funds: the organiser names a line of the organising union's budget
(required, its own) and the cost; a leader approves (reserved, the funds rules: not one's own);
finance settles after the start for the members who came (spent) and the rest goes back; withdrawing
releases. The ledger balances after each step; the page drives the same services."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from tests.helpers import UserFactory, assert_max_queries, grant
from yugong.core import timeutil
from yugong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from yugong.core.models import AuditEvent
from yugong.events import funding
from yugong.events.models import ActivityFunding, SignUp
from yugong.funds import ledger
from yugong.funds import services as funds
from yugong.funds.models import BudgetLine, Category, Commitment

from .conftest import World, make_activity, make_member

pytestmark = pytest.mark.django_db


def _line(world: World, union: Any = None, amount_fen: int = 2_000_000) -> tuple[BudgetLine, Any, Any]:
    """An approved line of ``union`` (the city by default), its chair and its finance officer."""
    union = union or world.city
    chair, finance = UserFactory(display_name="主席"), UserFactory(display_name="财务")
    grant(chair, union, "chair")
    grant(finance, union, "finance")
    preparer = UserFactory()
    grant(preparer, union, "staff")
    budget = funds.budget_create(actor=preparer, union=union, year=timeutil.local_today().year)
    line = funds.budget_line_add(
        actor=preparer,
        budget=budget,
        category=Category.ACTIVITIES,
        name="职工文体活动",
        amount_fen=amount_fen,
    )
    funds.budget_submit(actor=preparer, budget=budget)
    funds.budget_approve(actor=chair, budget=budget)
    line.refresh_from_db()
    return line, chair, finance


def _checked_in(activity: Any, n: int) -> None:
    for _ in range(n):
        _user, person = make_member(activity.union)
        SignUp.objects.create(
            activity=activity,
            person=person,
            union=activity.union,
            status=SignUp.Status.WON,
            checked_in_at=timeutil.now(),
        )


def test_reserved_on_approval_spent_for_those_who_came_and_the_rest_released(world: World) -> None:
    line, chair, finance = _line(world)
    activity = make_activity(world, places=10, starts_at=timeutil.now() + dt.timedelta(days=3))
    f = funding.activity_budget_ask(
        actor=world.organiser, activity_id=activity.pk, line_id=line.pk, basis="per_place", cost_fen=5_000
    )
    assert f.amount_fen == 50_000 and f.commitment.status == Commitment.Status.PENDING
    assert f.commitment.ref_type == "events.activity" and f.commitment.ref_id == activity.pk
    with pytest.raises(PermissionDenied):  # the organiser's staff ask; leaders approve
        funding.activity_budget_approve(actor=world.organiser, activity_id=activity.pk)
    done = funding.activity_budget_approve(actor=chair, activity_id=activity.pk)
    assert done.status == Commitment.Status.RESERVED
    line.refresh_from_db()
    assert line.reserved_fen == 50_000
    with pytest.raises(Conflict) as err:
        funding.activity_budget_settle(actor=finance, activity_id=activity.pk)
    assert err.value.code == "not_started"
    _checked_in(activity, 3)
    type(activity).objects.filter(pk=activity.pk).update(starts_at=timeutil.now() - dt.timedelta(hours=1))
    with pytest.raises(PermissionDenied):  # finance pays, not the organiser's staff
        funding.activity_budget_settle(actor=world.organiser, activity_id=activity.pk)
    settled = funding.activity_budget_settle(actor=finance, activity_id=activity.pk)
    assert settled.settled_fen == 15_000  # 3 members came × 50 yuan
    line.refresh_from_db()
    assert (line.reserved_fen, line.spent_fen, line.available_fen) == (0, 15_000, 2_000_000 - 15_000)
    c = Commitment.objects.get(pk=f.commitment_id)
    assert (c.status, c.spent_fen, c.released_fen) == (Commitment.Status.CLOSED, 15_000, 35_000)
    assert ledger.balance(ledger.funds_expense(line.pk)) == 15_000
    assert ledger.trial_balance() == 0 and ledger.unbalanced_entries() == []
    with pytest.raises(Conflict):
        funding.activity_budget_settle(actor=finance, activity_id=activity.pk)
    codes = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"activity.budget_ask", "funds.commitment_approve", "activity.budget_settle"} <= codes


def test_a_total_cost_is_spent_whole(world: World) -> None:
    line, chair, finance = _line(world)
    activity = make_activity(world, places=100, starts_at=timeutil.now() - dt.timedelta(hours=1))
    funding.activity_budget_ask(
        actor=world.organiser, activity_id=activity.pk, line_id=line.pk, basis="total", cost_fen=300_000
    )
    funding.activity_budget_approve(actor=chair, activity_id=activity.pk)
    assert funding.activity_budget_settle(actor=finance, activity_id=activity.pk).settled_fen == 300_000


def test_the_budget_line_is_required_and_must_be_the_organisers(world: World) -> None:
    activity = make_activity(world)
    other, _chair, _finance = _line(world, world.jiangbei)
    for line_id, message in (
        (None, "经费支付必须选择本工会已批准的预算项目。"),
        (other.pk, "请选择本工会已批准的预算项目。"),
    ):
        with pytest.raises(ValidationFailed) as err:
            funding.activity_budget_ask(
                actor=world.organiser,
                activity_id=activity.pk,
                line_id=line_id,
                basis="per_place",
                cost_fen=100,
            )
        assert err.value.fields["budget_line"] == [message]
    with pytest.raises(ValidationFailed) as err:
        funding.activity_budget_ask(
            actor=world.organiser, activity_id=activity.pk, line_id=other.pk, basis="x", cost_fen=0
        )
    assert set(err.value.fields) == {"basis", "cost_fen", "budget_line"}
    assert not ActivityFunding.objects.exists() and not Commitment.objects.exists()


def test_more_than_the_line_holds_is_refused_and_outsiders_see_nothing(world: World) -> None:
    line, _chair, _finance = _line(world, amount_fen=10_000)
    activity = make_activity(world, places=10)
    with pytest.raises(Conflict) as err:
        funding.activity_budget_ask(
            actor=world.organiser, activity_id=activity.pk, line_id=line.pk, basis="per_place", cost_fen=5_000
        )
    assert err.value.code == "budget_exceeded"
    with pytest.raises(NotFound):  # 江北's staff: the city's activity is not theirs
        funding.activity_budget_ask(
            actor=world.jb_staff, activity_id=activity.pk, line_id=line.pk, basis="total", cost_fen=100
        )


def test_withdrawing_releases_the_reservation(world: World) -> None:
    line, chair, _finance = _line(world)
    activity = make_activity(world, places=10)
    funding.activity_budget_ask(
        actor=world.organiser, activity_id=activity.pk, line_id=line.pk, basis="per_place", cost_fen=5_000
    )
    funding.activity_budget_approve(actor=chair, activity_id=activity.pk)
    with pytest.raises(ValidationFailed):
        funding.activity_budget_withdraw(actor=world.organiser, activity_id=activity.pk, reason=" ")
    funding.activity_budget_withdraw(actor=world.organiser, activity_id=activity.pk, reason="活动延期")
    line.refresh_from_db()
    assert line.reserved_fen == 0 and line.available_fen == 2_000_000
    assert ledger.trial_balance() == 0


def test_the_page_asks_approves_and_settles(world: World, client: Any) -> None:
    line, chair, finance = _line(world)
    activity = make_activity(world, places=4, starts_at=timeutil.now() + dt.timedelta(days=1))
    url = reverse("events:console_budget", args=[activity.pk])
    client.force_login(world.organiser)
    body = client.get(url).content.decode()
    assert f'<option value="{line.pk}">' in body and 'data-testid="funding-form"' in body
    r = client.post(url, {"budget_line": "", "basis": "per_place", "cost": "80"}, follow=True)
    assert any("预算项目" in str(m) for m in r.context["messages"])
    client.post(url, {"budget_line": line.pk, "basis": "per_place", "cost": "80.5"})
    f = ActivityFunding.objects.get()
    assert f.amount_fen == 32_200
    assert 'data-testid="funding-approve"' not in client.get(url).content.decode()
    client.force_login(chair)
    assert 'data-testid="funding-approve"' in client.get(url).content.decode()
    client.post(reverse("events:console_budget_action", args=[activity.pk, "approve"]))
    assert Commitment.objects.get(pk=f.commitment_id).status == Commitment.Status.RESERVED
    type(activity).objects.filter(pk=activity.pk).update(starts_at=timeutil.now() - dt.timedelta(hours=1))
    _checked_in(activity, 2)
    client.force_login(finance)
    with assert_max_queries(20):
        body = client.get(url).content.decode()
    assert 'data-testid="funding-settle"' in body
    client.post(reverse("events:console_budget_action", args=[activity.pk, "settle"]))
    assert ActivityFunding.objects.get().settled_fen == 16_100
    client.force_login(world.jb_staff)
    assert client.get(url).status_code == 404
    assert (
        client.post(
            reverse("events:console_budget_action", args=[activity.pk, "withdraw"]), {"reason": "x"}
        ).status_code
        == 404
    )


# --- the authorization matrix of the funding page (roles × inside/outside the subtree) -------------


def _matrix_world() -> Any:
    from yugong.accounts.system import system_actor
    from yugong.orgs.tests.authz import build_world

    world = build_world()
    now = timeutil.now()
    for where in ("inside", "outside"):
        district = world.obj("district", where)
        preparer, leader = UserFactory(), UserFactory()
        grant(preparer, district, "staff")
        grant(leader, district, "chair")
        budget = funds.budget_create(actor=preparer, union=district, year=timeutil.local_today().year)
        line = funds.budget_line_add(
            actor=preparer, budget=budget, category=Category.ACTIVITIES, name="文体", amount_fen=10**7
        )
        funds.budget_submit(actor=preparer, budget=budget)
        funds.budget_approve(actor=leader, budget=budget)
        world.objects[("line", where)] = line
        for key in ("activity", "funded"):
            world.objects[(key, where)] = make_activity_for(system_actor(), district, now)
        funding.activity_budget_ask(
            actor=preparer,
            activity_id=world.pk("funded", where),
            line_id=line.pk,
            basis="total",
            cost_fen=10_000,
        )
    return world


def make_activity_for(actor: Any, union: Any, now: Any) -> Any:
    from yugong.events.services import activity_create

    return activity_create(
        actor=actor,
        union_id=union.pk,
        title="职工运动会",
        kind="sports",
        places=10,
        signup_opens_at=now + dt.timedelta(days=1),
        signup_closes_at=now + dt.timedelta(days=2),
    )


def _funding_world() -> Any:
    from yugong.orgs.tests.authz import module_world

    return module_world(_matrix_world)


funding_world = _funding_world()


def _hotline_not_found(actor: str, where: str) -> int | None:
    # The hotline sees activities but holds no funds role: the spending request is invisible (404).
    return 404 if actor == "hotline" and where == "inside" else None


def _routes() -> list[Any]:
    from yugong.orgs.tests.authz import ALL, LEAD, MANAGE, Route

    page = "/activities/console/{}/budget/"
    return [
        Route("funding page", "GET", lambda w, x: page.format(w.pk("activity", x)), ALL),
        Route(
            "funding ask",
            "POST",
            lambda w, x: page.format(w.pk("activity", x)),
            MANAGE,
            ok=302,
            data=lambda w, x: {"budget_line": w.pk("line", x), "basis": "total", "cost": "100"},
        ),
        Route(
            "funding approve",
            "POST",
            lambda w, x: page.format(w.pk("funded", x)) + "approve/",
            LEAD,
            ok=302,
            expect=_hotline_not_found,
        ),
        Route(
            "funding withdraw",
            "POST",
            lambda w, x: page.format(w.pk("funded", x)) + "withdraw/",
            MANAGE,
            ok=302,
            data=lambda w, x: {"reason": "改期"},
        ),
    ]


def _cases() -> list[Any]:
    from yugong.orgs.tests.authz import cases

    return cases(_routes())


@pytest.mark.parametrize(("route", "actor", "where"), _cases())
def test_funding_authz(route: Any, actor: str, where: str, funding_world: Any, client: Any) -> None:
    from yugong.orgs.tests.authz import check

    check(route, actor, where, funding_world, client)
