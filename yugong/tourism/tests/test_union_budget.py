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
from yugong.tourism.models import GroupOrder, Order, PassBatch
from yugong.tourism.services import (
    group_order_approve,
    group_order_reject,
    group_order_request,
    order_refund,
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


def test_a_union_purchase_must_name_a_budget_line(world: World) -> None:
    """Union funds pay only against a line of the union's approved budget (the funds rule): the
    missing field is named, nothing is written."""
    for ask in (
        lambda line: group_order_request(
            actor=world.union_staff,
            union=world.company,
            session=world.session,
            activity="七一主题党日",
            seats=2,
            budget_line=line,
        ),
        lambda line: pass_batch_request(
            actor=world.union_staff,
            union=world.company,
            year=local_today().year,
            price_fen=15_000,
            person_ids=[world.person.pk],
            budget_line=line,
        ),
    ):
        with pytest.raises(ValidationFailed) as err:
            ask(None)
        assert err.value.fields == {"budget_line": ["经费支付必须选择本工会已批准的预算项目。"]}
    closed = _line(world)
    BudgetLine.objects.filter(pk=closed.pk).update(open=False)
    with pytest.raises(ValidationFailed) as err:
        group_order_request(
            actor=world.union_staff,
            union=world.company,
            session=world.session,
            activity="x",
            seats=1,
            budget_line=closed.pk,
        )
    assert err.value.fields == {"budget_line": ["该预算项目尚未批准或已关闭，不能支付。"]}
    assert not GroupOrder.objects.exists() and not PassBatch.objects.exists()
    assert not Commitment.objects.exists()


def test_a_refunded_group_order_gives_the_money_back_to_the_line(world: World) -> None:
    line = _line(world)
    group = _group(world, line, seats=2)  # 2 × 80 yuan
    order = group_order_approve(actor=world.chair, group=group)
    line.refresh_from_db()
    assert line.spent_fen == 16_000
    order_refund(actor=world.merchant_staff, order=order, reason="演出取消")
    line.refresh_from_db()
    refunded = Order.objects.get(pk=order.pk).refunded_fen
    assert refunded > 0 and line.spent_fen == 16_000 - refunded
    assert line.available_fen == line.amount_fen - line.spent_fen
    assert ledger.balance(ledger.funds_expense(line.pk)) == 16_000 - refunded
    assert ledger.trial_balance() == 0


def test_the_request_pages_offer_the_lines_and_name_a_missing_one(world: World, client: Any) -> None:
    from django.contrib.messages import get_messages
    from django.urls import reverse

    line = _line(world)
    client.force_login(world.union_staff)
    page = client.get(reverse("tourism:u_groups")).content.decode()
    assert f'<option value="{line.pk}">' in page and "职工文体活动" in page
    assert f'<option value="{line.pk}">' in client.get(reverse("tourism:u_passes")).content.decode()
    form = {"union": world.company.pk, "session": world.session.pk, "activity": "春游", "seats": "2"}
    r = client.post(reverse("tourism:u_groups"), form)
    assert "经费支付必须选择本工会已批准的预算项目。" in [str(m) for m in get_messages(r.wsgi_request)]
    assert not GroupOrder.objects.exists()
    client.post(reverse("tourism:u_groups"), form | {"budget_line": line.pk})
    assert GroupOrder.objects.get().commitment.line_id == line.pk
