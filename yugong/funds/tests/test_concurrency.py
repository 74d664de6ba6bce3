"""Races with real threads against PostgreSQL (skipped on SQLite, which serialises writers).

Thirty approvals of 100-yuan requests race for a line of 1,000 yuan: the guarded path (one
conditional UPDATE) reserves exactly ten; the control runs the same race through a read-then-write
reservation and overdraws — the harness really races, and the guard is what holds."""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models import Sum

from tests.helpers import requires_postgres
from tests.race import race
from yugong.core.audit import AuditEvent
from yugong.core.errors import ApplicationError
from yugong.funds import ledger, services
from yugong.funds.models import BudgetLine, Commitment
from yugong.funds.services.commitment_rules import APPROVE_ACTION
from yugong.funds.services.commitment_sql import approve_one_statement

from .factories import build_world

pytestmark = [requires_postgres, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

RUSH, EACH, LINE = 30, 10_000, 100_000


def _requests(world: Any) -> list[Commitment]:
    return [
        services.commitment_request(
            actor=world.preparer, line=world.line, amount_fen=EACH, purpose=f"活动{i}"
        )
        for i in range(RUSH)
    ]


def test_concurrent_approvals_never_overdraw() -> None:
    world = build_world(amount_fen=LINE)
    asks = _requests(world)
    approvers = [world.chair, world.vice_chair]
    results = race(RUSH, lambda i: services.commitment_approve(actor=approvers[i % 2], commitment=asks[i].pk))
    won = [r for r in results if isinstance(r, Commitment)]
    lost = [r for r in results if isinstance(r, ApplicationError)]
    assert len(won) == LINE // EACH and len(lost) == RUSH - LINE // EACH, results
    assert all(e.status == 409 and e.code == "budget_exceeded" for e in lost)
    line = BudgetLine.objects.get(pk=world.line.pk)
    assert line.reserved_fen == LINE and line.available_fen == 0
    assert Commitment.objects.filter(line=line).aggregate(s=Sum("reserved_fen"))["s"] == LINE
    assert ledger.balance(ledger.budget_reserved(line.pk)) == LINE
    assert ledger.balance(ledger.budget_available(line.pk)) == 0
    assert ledger.trial_balance() == 0


def test_concurrent_approvals_through_the_one_statement_never_overdraw() -> None:
    """The same race through the PostgreSQL one statement (what the API runs): exactly ten win, the
    rest are refused as overdraws, and the books, the request rows and the line agree."""
    world = build_world(amount_fen=LINE)
    asks = _requests(world)
    approvers = [world.chair, world.vice_chair]
    results = race(RUSH, lambda i: approve_one_statement(approvers[i % 2], asks[i].pk))
    won = [r for r in results if isinstance(r, Commitment)]
    lost = [r for r in results if isinstance(r, ApplicationError)]
    assert len(won) == LINE // EACH and len(lost) == RUSH - LINE // EACH, results
    assert all(e.status == 409 and e.code == "budget_exceeded" for e in lost)
    line = BudgetLine.objects.get(pk=world.line.pk)
    assert line.reserved_fen == LINE and line.available_fen == 0
    assert (
        Commitment.objects.filter(line=line, status="reserved").aggregate(s=Sum("reserved_fen"))["s"] == LINE
    )
    assert ledger.balance(ledger.budget_reserved(line.pk)) == LINE
    assert ledger.balance(ledger.budget_available(line.pk)) == 0
    assert (
        AuditEvent.objects.filter(action=APPROVE_ACTION, object_type="funds.commitment").count()
        == LINE // EACH
    )
    assert ledger.trial_balance() == 0


def test_one_request_approved_by_many_at_once_reserves_once() -> None:
    """Twelve leaders approve the same request at once through the one statement: its row lock
    makes one of them reserve and the others find it already decided."""
    world = build_world(amount_fen=LINE)
    ask = services.commitment_request(actor=world.preparer, line=world.line, amount_fen=EACH, purpose="x")
    approvers = [world.chair, world.vice_chair]
    results = race(12, lambda i: approve_one_statement(approvers[i % 2], ask.pk))
    assert sum(isinstance(r, Commitment) for r in results) == 1, results
    assert all(r.code == "not_pending" for r in results if isinstance(r, ApplicationError)), results
    line = BudgetLine.objects.get(pk=world.line.pk)
    assert line.reserved_fen == EACH and ledger.balance(ledger.budget_reserved(line.pk)) == EACH


def test_concurrent_spending_of_one_reservation_pays_once() -> None:
    world = build_world(amount_fen=LINE)
    ask = services.commitment_request(actor=world.preparer, line=world.line, amount_fen=EACH, purpose="x")
    services.commitment_approve(actor=world.chair, commitment=ask)
    results = race(
        12, lambda i: services.commitment_spend(actor=world.finance, commitment=ask.pk, amount_fen=EACH)
    )
    assert sum(isinstance(r, Commitment) for r in results) == 1, results
    line = BudgetLine.objects.get(pk=world.line.pk)
    assert line.spent_fen == EACH and line.reserved_fen == 0
    assert ledger.balance(ledger.funds_expense(line.pk)) == EACH


def test_control_naive_reservation_overdraws() -> None:
    """CONTROL: the same race through read-then-write approves more than the line holds: the sum of
    the reserved commitments passes the line's amount while the line's own figure stays (a lost
    update), i.e. the budget is overdrawn."""
    world = build_world(amount_fen=LINE)
    asks = _requests(world)
    approvers = [world.chair, world.vice_chair]
    results = race(
        RUSH,
        lambda i: services.commitment_approve(
            actor=approvers[i % 2], commitment=asks[i].pk, _unsafe_naive=True
        ),
    )
    won = [r for r in results if isinstance(r, Commitment)]
    assert len(won) > LINE // EACH, "the naive path should have overdrawn; the race did not show"
    committed = Commitment.objects.filter(line=world.line).aggregate(s=Sum("reserved_fen"))["s"]
    assert committed > LINE
    line = BudgetLine.objects.get(pk=world.line.pk)
    assert line.reserved_fen < committed
