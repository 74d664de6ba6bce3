"""Budgets and commitments: the procedure, the rules, the ledger rows beside every change."""

from __future__ import annotations

from typing import Any

import pytest

from yugong.core.audit import AuditEvent
from yugong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from yugong.funds import ledger, selectors, services
from yugong.funds.models import Budget, BudgetLine, Category, Commitment

from .factories import FundsWorld, approved_commitment, build_world

pytestmark = pytest.mark.django_db


def assert_books_match(line: BudgetLine) -> None:
    line.refresh_from_db()
    b = ledger.balances(
        [ledger.budget_available(line.pk), ledger.budget_reserved(line.pk), ledger.budget_spent(line.pk)]
    )
    assert b[ledger.budget_available(line.pk)] == line.available_fen
    assert b[ledger.budget_reserved(line.pk)] == line.reserved_fen
    assert b[ledger.budget_spent(line.pk)] == line.spent_fen
    assert ledger.balance(ledger.funds_expense(line.pk)) == line.spent_fen
    assert ledger.trial_balance() == 0 and ledger.unbalanced_entries() == []


def test_budget_procedure_books_the_appropriation() -> None:
    world = build_world(approve=False)
    assert not world.line.open
    with pytest.raises(Conflict):
        services.commitment_request(actor=world.preparer, line=world.line, amount_fen=100, purpose="x")
    services.budget_submit(actor=world.preparer, budget=world.budget)
    with pytest.raises(Conflict):  # submitted: no more edits
        services.budget_line_add(
            actor=world.preparer, budget=world.budget, category=Category.RIGHTS, name="维权", amount_fen=1
        )
    services.budget_return(actor=world.chair, budget=world.budget, reason="补充维权支出")
    services.budget_line_add(
        actor=world.preparer,
        budget=world.budget,
        category=Category.RIGHTS,
        name="法律援助",
        amount_fen=50_000,
    )
    services.budget_submit(actor=world.preparer, budget=world.budget)
    services.budget_approve(actor=world.vice_chair, budget=world.budget)
    world.budget.refresh_from_db()
    assert world.budget.status == Budget.Status.APPROVED
    assert ledger.balance(ledger.budget_appropriation(world.company.pk)) == -1_050_000
    assert all(line.open for line in BudgetLine.objects.filter(budget=world.budget))
    assert_books_match(world.line)
    assert AuditEvent.objects.filter(action="funds.budget_approve", union_id=world.company.pk).count() == 1


def test_nobody_approves_their_own_budget() -> None:
    world = build_world(approve=False)
    grant_chair_preparer = world.chair
    services.budget_submit(actor=grant_chair_preparer, budget=world.budget)
    with pytest.raises(PermissionDenied) as err:
        services.budget_approve(actor=world.chair, budget=world.budget)
    assert err.value.code == "self_approval"
    with pytest.raises(PermissionDenied):  # the preparer (created it) cannot approve either
        services.budget_approve(actor=world.preparer, budget=world.budget)
    services.budget_approve(actor=world.vice_chair, budget=world.budget)


def test_staff_and_finance_cannot_approve_and_outsiders_see_nothing() -> None:
    world = build_world(approve=False)
    services.budget_submit(actor=world.preparer, budget=world.budget)
    with pytest.raises(PermissionDenied):
        services.budget_approve(actor=world.finance, budget=world.budget)
    with pytest.raises(NotFound):
        services.budget_approve(actor=world.outsider, budget=world.budget)
    with pytest.raises(NotFound):
        selectors.budget_get(world.outsider, world.budget.pk)


def test_bad_input_names_the_field() -> None:
    world = build_world(approve=False)
    for kwargs, field in [
        ({"category": "nope", "name": "x", "amount_fen": 1}, "category"),
        ({"category": "rights", "name": "", "amount_fen": 1}, "name"),
        ({"category": "rights", "name": "x", "amount_fen": -1}, "amount_fen"),
        ({"category": "rights", "name": "x", "amount_fen": "abc"}, "amount_fen"),
        ({"category": "rights", "name": "x", "amount_fen": 1.5}, "amount_fen"),
    ]:
        with pytest.raises(ValidationFailed) as err:
            services.budget_line_add(actor=world.preparer, budget=world.budget, **kwargs)
        assert field in err.value.fields
    with pytest.raises(ValidationFailed) as err:
        services.budget_create(actor=world.preparer, union=world.company, year=world.budget.year)
    assert "year" in err.value.fields


def test_commitment_reserve_spend_release_keeps_the_books() -> None:
    world = build_world()
    c = approved_commitment(world, 300_000)
    assert c.status == Commitment.Status.RESERVED
    assert_books_match(world.line)
    assert world.line.reserved_fen == 300_000
    services.commitment_spend(actor=world.finance, commitment=c, amount_fen=120_000, memo="车费")
    assert_books_match(world.line)
    c = services.commitment_release(actor=world.finance, commitment=c)
    assert c.status == Commitment.Status.CLOSED and c.released_fen == 180_000
    assert_books_match(world.line)
    assert world.line.available_fen == 880_000
    services.commitment_refund(actor=world.finance, commitment=c, amount_fen=20_000)
    assert_books_match(world.line)
    assert world.line.spent_fen == 100_000
    assert ledger.balance(ledger.funds_cash(world.company.pk)) == -100_000
    kinds = [m.entry.kind for m in selectors.line_movements(world.line)]
    assert {"budget_approve", "budget_reserve", "budget_spend", "budget_release", "budget_refund"} <= set(
        kinds
    )


def test_overdraw_refused() -> None:
    world = build_world(amount_fen=100_000)
    approved_commitment(world, 80_000)
    with pytest.raises(Conflict):  # asked for more than is left
        services.commitment_request(actor=world.preparer, line=world.line, amount_fen=30_000, purpose="x")
    a = services.commitment_request(actor=world.preparer, line=world.line, amount_fen=20_000, purpose="a")
    b = services.commitment_request(actor=world.preparer, line=world.line, amount_fen=20_000, purpose="b")
    services.commitment_approve(actor=world.chair, commitment=a)
    with pytest.raises(Conflict) as err:  # both asked while there was room; only one fits
        services.commitment_approve(actor=world.chair, commitment=b)
    assert err.value.code == "budget_exceeded"
    assert Commitment.objects.get(pk=b.pk).status == Commitment.Status.PENDING  # nothing half-written
    assert_books_match(world.line)
    assert world.line.available_fen == 0


def test_self_approval_refused_and_two_approvers_above_the_threshold(settings: Any) -> None:
    settings.FUNDS_SECOND_APPROVAL_FEN = 50_000
    world = build_world()
    own = services.commitment_request(actor=world.chair, line=world.line, amount_fen=10_000, purpose="x")
    with pytest.raises(PermissionDenied) as err:
        services.commitment_approve(actor=world.chair, commitment=own)
    assert err.value.code == "self_approval"
    big = services.commitment_request(actor=world.preparer, line=world.line, amount_fen=60_000, purpose="big")
    big = services.commitment_approve(actor=world.chair, commitment=big)
    assert big.status == Commitment.Status.FIRST_APPROVED
    world.line.refresh_from_db()
    assert world.line.reserved_fen == 0  # not yet
    with pytest.raises(PermissionDenied) as err:
        services.commitment_approve(actor=world.chair, commitment=big)
    assert err.value.code == "same_approver"
    big = services.commitment_approve(actor=world.vice_chair, commitment=big)
    assert big.status == Commitment.Status.RESERVED and big.first_approver_id == world.chair.pk
    assert big.approver_id == world.vice_chair.pk
    assert_books_match(world.line)


def test_reject_and_spend_rules() -> None:
    world = build_world()
    c = services.commitment_request(actor=world.preparer, line=world.line, amount_fen=10_000, purpose="x")
    with pytest.raises(Conflict):
        services.commitment_spend(actor=world.finance, commitment=c, amount_fen=1)
    services.commitment_reject(actor=world.chair, commitment=c, reason="不符合规定")
    with pytest.raises(Conflict):
        services.commitment_approve(actor=world.vice_chair, commitment=c)
    ok = approved_commitment(world, 10_000)
    with pytest.raises(ValidationFailed):
        services.commitment_spend(actor=world.finance, commitment=ok, amount_fen=10_001)
    with pytest.raises(PermissionDenied):  # staff prepare, finance pays
        services.commitment_spend(actor=world.preparer, commitment=ok, amount_fen=1)


def test_auditor_reads_the_subtree_and_writes_nothing() -> None:
    world: FundsWorld = build_world(approve=False)
    assert selectors.budget_get(world.auditor, world.budget.pk) == world.budget
    assert list(selectors.lines_visible(world.auditor)) == [world.line]
    with pytest.raises(PermissionDenied):
        services.budget_submit(actor=world.auditor, budget=world.budget)
    services.budget_submit(actor=world.preparer, budget=world.budget)
    with pytest.raises(PermissionDenied):
        services.budget_approve(actor=world.auditor, budget=world.budget)
    services.budget_approve(actor=world.chair, budget=world.budget)
    c = services.commitment_request(actor=world.preparer, line=world.line, amount_fen=5, purpose="x")
    for call in (
        lambda: services.commitment_request(actor=world.auditor, line=world.line, amount_fen=5, purpose="x"),
        lambda: services.commitment_approve(actor=world.auditor, commitment=c),
        lambda: services.commitment_reject(actor=world.auditor, commitment=c, reason="x"),
        lambda: services.income_record(actor=world.auditor, line=world.income, amount_fen=5),
    ):
        with pytest.raises(PermissionDenied):
            call()
    assert selectors.commitment_get(world.auditor, c.pk) == c


def test_income_received_is_booked() -> None:
    world = build_world()
    services.income_record(actor=world.finance, line=world.income, amount_fen=150_000, memo="一季度会费")
    world.income.refresh_from_db()
    assert world.income.received_fen == 150_000
    assert ledger.balance(ledger.funds_cash(world.company.pk)) == 150_000
    assert ledger.balance(ledger.funds_income(world.company.pk, "dues")) == -150_000
    assert ledger.trial_balance() == 0


def test_one_commitment_per_reference() -> None:
    world = build_world()
    first = services.commitment_request(
        actor=world.preparer, line=world.line, amount_fen=5, purpose="x", ref=world.budget
    )
    again = services.commitment_request(
        actor=world.preparer, line=world.line, amount_fen=5, purpose="x", ref=world.budget
    )
    assert first.pk == again.pk


def test_scenario_entry_points_keep_the_funds_rules() -> None:
    world = build_world()
    c = services.commitment_request(actor=world.preparer, line=world.line, amount_fen=10_000, purpose="包场")
    with pytest.raises(Conflict):  # not reserved yet: a scenario cannot spend it
        services.commitment_spend_for(actor=world.preparer, commitment=c, amount_fen=10_000)
    c = services.commitment_withdraw_for(actor=world.preparer, commitment=c, reason="包场申请被驳回")
    assert c.status == Commitment.Status.REJECTED
    held = approved_commitment(world, 20_000)
    services.commitment_spend_for(actor=world.chair, commitment=held, amount_fen=5_000)
    held = services.commitment_withdraw_for(actor=world.chair, commitment=held, reason="余额释放")
    assert held.status == Commitment.Status.CLOSED and held.released_fen == 15_000
    services.commitment_refund_for(actor=world.chair, commitment=held, amount_fen=5_000)
    assert_books_match(world.line)
    assert world.line.spent_fen == 0 and world.line.available_fen == world.line.amount_fen
