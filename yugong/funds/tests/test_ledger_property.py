"""Property: whatever sequence of funds operations runs (refused ones included), after every single
operation the ledger balances (every entry and the whole book), and the budget line's figures equal
its ledger accounts and the sum of its commitments."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yugong.core.errors import ApplicationError
from yugong.funds import ledger, services
from yugong.funds.models import BudgetLine, Commitment

from .factories import build_world

pytestmark = pytest.mark.django_db

amounts = st.integers(min_value=1, max_value=400_000)
operation = st.one_of(
    st.tuples(st.just("request"), amounts),
    st.tuples(st.just("approve"), st.integers(0, 9), st.sampled_from(["chair", "vice_chair"])),
    st.tuples(st.just("reject"), st.integers(0, 9)),
    st.tuples(st.just("spend"), st.integers(0, 9), amounts),
    st.tuples(st.just("release"), st.integers(0, 9)),
    st.tuples(st.just("refund"), st.integers(0, 9), amounts),
    st.tuples(st.just("income"), amounts),
)


def check_books(line: BudgetLine) -> None:
    line.refresh_from_db()
    assert ledger.unbalanced_entries() == []
    assert ledger.trial_balance() == 0
    b = ledger.balances(
        [ledger.budget_available(line.pk), ledger.budget_reserved(line.pk), ledger.budget_spent(line.pk)]
    )
    assert b[ledger.budget_available(line.pk)] == line.available_fen >= 0
    assert b[ledger.budget_reserved(line.pk)] == line.reserved_fen >= 0
    assert b[ledger.budget_spent(line.pk)] == line.spent_fen == ledger.balance(ledger.funds_expense(line.pk))
    sums = Commitment.objects.filter(line=line).aggregate(r=Sum("reserved_fen"), s=Sum("spent_fen"))
    assert (sums["r"] or 0) == line.reserved_fen and (sums["s"] or 0) == line.spent_fen
    assert line.reserved_fen + line.spent_fen <= line.amount_fen


def run(world: Any, op: tuple[Any, ...], made: list[Commitment]) -> None:
    name = op[0]
    pick = (lambda i: made[i % len(made)]) if made else None
    if name == "request":
        made.append(
            services.commitment_request(actor=world.preparer, line=world.line, amount_fen=op[1], purpose="p")
        )
    elif name == "income":
        services.income_record(actor=world.finance, line=world.income, amount_fen=op[1])
    elif pick is None:
        return
    elif name == "approve":
        services.commitment_approve(actor=getattr(world, op[2]), commitment=pick(op[1]))
    elif name == "reject":
        services.commitment_reject(actor=world.chair, commitment=pick(op[1]), reason="不符合")
    elif name == "spend":
        services.commitment_spend(actor=world.finance, commitment=pick(op[1]), amount_fen=op[2])
    elif name == "release":
        services.commitment_release(actor=world.finance, commitment=pick(op[1]))
    elif name == "refund":
        services.commitment_refund(actor=world.finance, commitment=pick(op[1]), amount_fen=op[2])


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=st.lists(operation, min_size=1, max_size=25))
def test_ledger_balances_after_every_operation(ops: list[tuple[Any, ...]]) -> None:
    with transaction.atomic():
        world = build_world(amount_fen=1_000_000)
        check_books(world.line)
        made: list[Commitment] = []
        for op in ops:
            try:
                with transaction.atomic():
                    run(world, op, made)
            except ApplicationError:
                pass  # a refusal writes nothing; the books must still hold
            made = [Commitment.objects.get(pk=c.pk) for c in made]
            check_books(world.line)
        transaction.set_rollback(True)
