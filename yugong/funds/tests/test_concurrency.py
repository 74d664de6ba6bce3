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
from yugong.funds.models import BudgetLine, Commitment, LedgerEntry
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


# --- The second tier: above FUNDS_SECOND_APPROVAL_FEN two different leaders approve ---------------

BIG = 600_000  # over the default threshold of 500,000 fen


def _tiered_world() -> Any:
    from tests.helpers import UserFactory, grant

    world = build_world(amount_fen=10 * BIG)
    world.vice_chair_2 = UserFactory()
    grant(world.vice_chair_2, world.company, "vice_chair")
    return world


def test_leaders_racing_on_a_big_request_approve_it_once_in_two_hands() -> None:
    """Twelve approvals of one pending request above the threshold at once, through the one
    statement (tests/race.py): the request's row lock orders them — one first approval, one
    reservation by a different leader, everything else refused; reserved once in the books."""
    world = _tiered_world()
    ask = services.commitment_request(actor=world.preparer, line=world.line, amount_fen=BIG, purpose="大额")
    leaders = [world.chair, world.vice_chair, world.vice_chair_2]
    results = race(12, lambda i: approve_one_statement(leaders[i % 3], ask.pk))
    done = [r for r in results if isinstance(r, Commitment)]
    refused = [r for r in results if isinstance(r, ApplicationError)]
    assert len(done) + len(refused) == 12, results
    assert sorted(r.status for r in done) == ["first_approved", "reserved"], results
    assert {r.code for r in refused} <= {"not_pending", "same_approver"}, results
    row = Commitment.objects.get(pk=ask.pk)
    assert row.status == "reserved" and row.first_approver_id != row.approver_id
    assert (
        AuditEvent.objects.filter(object_id=str(ask.pk), action="funds.commitment_first_approve").count() == 1
    )
    assert AuditEvent.objects.filter(object_id=str(ask.pk), action=APPROVE_ACTION).count() == 1
    line = BudgetLine.objects.get(pk=world.line.pk)
    assert line.reserved_fen == BIG and ledger.balance(ledger.budget_reserved(line.pk)) == BIG
    assert ledger.trial_balance() == 0


def _first_approved(world: Any) -> Commitment:
    ask = services.commitment_request(actor=world.preparer, line=world.line, amount_fen=BIG, purpose="大额")
    return services.commitment_approve(actor=world.chair, commitment=ask)


def test_second_approvals_racing_reserve_once() -> None:
    """Twelve second approvals of one request first approved by the chair, from two other leaders,
    at once (one statement and ORM path mixed): exactly one reserves, the rest find it decided."""
    world = _tiered_world()
    ask = _first_approved(world)
    seconds = [world.vice_chair, world.vice_chair_2]

    def work(i: int) -> Any:
        if i % 2:
            return approve_one_statement(seconds[i % 2], ask.pk)
        return services.commitment_approve(actor=seconds[i % 2], commitment=ask.pk)

    results = race(12, work)
    assert sum(isinstance(r, Commitment) for r in results) == 1, results
    assert all(r.code == "not_pending" for r in results if isinstance(r, ApplicationError)), results
    assert (
        LedgerEntry.objects.filter(ref_type="funds.commitment", ref_id=ask.pk, kind="budget_reserve").count()
        == 1
    )
    assert BudgetLine.objects.get(pk=world.line.pk).reserved_fen == BIG
    assert ledger.trial_balance() == 0


def test_control_second_approvals_without_the_request_lock_reserve_twice() -> None:
    """CONTROL: the same race through an approval that reads the request without its row lock
    (``_unsafe_naive``, tests only): several leaders each see it waiting for them and reserve
    it — one request, more than one reservation in the books. The race is real; the lock holds."""
    world = _tiered_world()
    ask = _first_approved(world)
    seconds = [world.vice_chair, world.vice_chair_2]
    results = race(
        12,
        lambda i: services.commitment_approve(actor=seconds[i % 2], commitment=ask.pk, _unsafe_naive=True),
    )
    won = [r for r in results if isinstance(r, Commitment)]
    assert len(won) > 1, "the unguarded path should have reserved twice; the race did not show"
    reserves = LedgerEntry.objects.filter(ref_type="funds.commitment", ref_id=ask.pk, kind="budget_reserve")
    assert reserves.count() > 1
