"""Group orders (包场) and annual-pass batches paid from the ordering union's budget line: the
funds rules hold (no overdraw, nobody approves their own request, a second approver above the
threshold), the reservation is spent with the order, a rejection gives the money back."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import UserFactory, grant
from yugong.core.errors import Conflict, PermissionDenied, ValidationFailed
from yugong.core.timeutil import local_today
from yugong.funds import ledger
from yugong.funds import services as funds
from yugong.funds.models import BudgetLine, Category, Commitment
from yugong.tourism.services import (
    group_order_approve,
    group_order_reject,
    group_order_request,
    pass_batch_approve,
    pass_batch_request,
)

from .factories import World

pytestmark = pytest.mark.django_db


def _line(world: World, amount_fen: int = 50_000) -> BudgetLine:
    budget = funds.budget_create(actor=world.union_staff, union=world.company, year=local_today().year)
    line = funds.budget_line_add(
        actor=world.union_staff,
        budget=budget,
        category=Category.ACTIVITIES,
        name="职工文体活动",
        amount_fen=amount_fen,
    )
    funds.budget_submit(actor=world.union_staff, budget=budget)
    funds.budget_approve(actor=world.chair, budget=budget)
    line.refresh_from_db()
    return line


def _group(world: World, line: BudgetLine, seats: int = 4, actor: Any = None) -> Any:
    return group_order_request(
        actor=actor or world.union_staff,
        union=world.company,
        session=world.session,
        activity="七一主题党日",
        seats=seats,
        budget_line=line.pk,
    )


def test_group_order_spends_from_the_budget_line(world: World) -> None:
    line = _line(world)
    group = _group(world, line)  # 4 × 80 yuan
    assert group.commitment is not None and group.commitment.status == Commitment.Status.PENDING
    order = group_order_approve(actor=world.chair, group=group)
    assert order.status == "paid"
    line.refresh_from_db()
    assert line.spent_fen == 32_000 and line.reserved_fen == 0 and line.available_fen == 18_000
    assert Commitment.objects.get(pk=group.commitment_id).status == Commitment.Status.CLOSED
    assert ledger.balance(ledger.funds_expense(line.pk)) == 32_000
    assert ledger.balance(ledger.union_funds(world.company.pk)) == 32_000  # the platform received it
    assert ledger.trial_balance() == 0 and ledger.unbalanced_entries() == []


def test_no_overdraw_and_a_rejection_gives_the_money_back(world: World) -> None:
    line = _line(world, amount_fen=40_000)
    with pytest.raises(Conflict) as err:
        _group(world, line, seats=6)  # 480 yuan from a 400-yuan line
    assert err.value.code == "budget_exceeded"
    group = _group(world, line, seats=4)
    group_order_reject(actor=world.chair, group=group, reason="活动取消")
    assert Commitment.objects.get(pk=group.commitment_id).status == Commitment.Status.REJECTED
    line.refresh_from_db()
    assert line.available_fen == 40_000


def test_a_line_of_another_union_is_refused(world: World) -> None:
    line = _line(world)
    with pytest.raises(ValidationFailed) as err:
        group_order_request(
            actor=world.platform,
            union=world.city,
            session=world.session,
            activity="x",
            seats=1,
            budget_line=line.pk,
        )
    assert "budget_line" in err.value.fields


def test_nobody_approves_their_own_spending(world: World) -> None:
    line = _line(world)
    group = _group(world, line, actor=world.chair)
    with pytest.raises(PermissionDenied) as err:
        group_order_approve(actor=world.chair, group=group)
    assert err.value.code == "self_approval"


def test_above_the_threshold_a_second_leader_approves(world: World, settings: Any) -> None:
    settings.FUNDS_SECOND_APPROVAL_FEN = 10_000
    line = _line(world)
    group = _group(world, line)
    with pytest.raises(Conflict) as err:
        group_order_approve(actor=world.chair, group=group)
    assert err.value.code == "second_approval"
    assert Commitment.objects.get(pk=group.commitment_id).status == Commitment.Status.FIRST_APPROVED  # kept
    with pytest.raises(PermissionDenied):
        group_order_approve(actor=world.chair, group=group)  # the same leader twice
    second = UserFactory()
    grant(second, world.company, "chair")
    order = group_order_approve(actor=second, group=group)
    assert order.status == "paid"
    line.refresh_from_db()
    assert line.spent_fen == 32_000


def test_pass_batch_spends_from_the_budget_line(world: World) -> None:
    line = _line(world)
    batch = pass_batch_request(
        actor=world.union_staff,
        union=world.company,
        year=local_today().year,
        price_fen=15_000,
        person_ids=[world.person.pk],
        budget_line=line.pk,
    )
    (annual_pass,) = pass_batch_approve(actor=world.chair, batch=batch)
    line.refresh_from_db()
    assert line.spent_fen == 15_000 and line.reserved_fen == 0
    assert ledger.trial_balance() == 0
