"""Statements, payouts, reconciliation, exports — and the ledger balanced after any sequence of
orders, payments, refunds, pass entries and payouts (hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yugong.core.errors import Conflict, NotFound
from yugong.core.timeutil import local_today
from yugong.funds import ledger
from yugong.funds.models import LedgerLine
from yugong.tourism.exports import reconciliation_bytes, statement_bytes
from yugong.tourism.gateways import sim_notification
from yugong.tourism.models import Order, Payment
from yugong.tourism.services import (
    order_cancel,
    order_place,
    order_refund,
    payment_notify,
    payment_start,
    payout_record,
    reconcile,
    statement_build,
)

from .factories import World, build_world, make_merchant

pytestmark = pytest.mark.django_db


def _paid(world: World, key: str, qty: int = 1) -> Order:
    order, _ = order_place(actor=world.worker, session_id=world.session.pk, quantity=qty, idempotency_key=key)
    payment, _url = payment_start(actor=world.worker, order=order)
    body, sig = sim_notification(payment.provider_ref, payment.amount_fen)
    payment_notify(provider="sim", body=body, signature=sig)
    order.refresh_from_db()
    return order


def test_statement_payout_and_clean_reconciliation(world: World) -> None:
    _paid(world, "a", 2)
    refunded = _paid(world, "b", 1)
    order_refund(actor=world.worker, order=refunded)
    today = local_today()
    with pytest.raises(NotFound):
        statement_build(actor=world.merchant_staff, merchant_id=world.merchant.pk, start=today, end=today)
    statement = statement_build(actor=world.platform, merchant_id=world.merchant.pk, start=today, end=today)
    assert statement.gross_fen == 24000 and statement.refunds_fen == 8000
    assert statement.commission_fen == 800  # 5 % of 16,000 kept
    assert statement.net_fen == 15200
    assert len(statement.lines) == 3
    with pytest.raises(Conflict):
        statement_build(actor=world.platform, merchant_id=world.merchant.pk, start=today, end=today)
    with pytest.raises(NotFound):
        payout_record(actor=world.merchant_staff, statement=statement)
    payout_record(actor=world.finance, statement=statement, reference="BANK-1")
    assert ledger.balance(ledger.merchant_payable(world.merchant.pk)) == 0
    report = reconcile(actor=world.platform, start=today, end=today)
    assert report.ok, report.differences
    assert report.orders == 2 and report.payments_fen == 16000
    assert statement_bytes(statement, "xlsx")[:2] == b"PK"
    assert statement_bytes(statement, "pdf")[:4] == b"%PDF"
    assert reconciliation_bytes(report, "xlsx")[:2] == b"PK"


def test_reconciliation_lists_every_difference(world: World) -> None:
    good = _paid(world, "a")
    broken = _paid(world, "b")
    Payment.objects.filter(order=broken).update(amount_fen=1)  # the payment record disagrees
    LedgerLine.objects.filter(
        entry__ref_type="tourism.order", entry__ref_id=good.pk, account=ledger.PLATFORM_CASH
    ).update(amount_fen=7999)
    report = reconcile(actor=world.platform, start=local_today(), end=local_today())
    kinds = sorted(d.kind for d in report.differences)
    assert "order_vs_payments" in kinds and "payments_vs_ledger" in kinds
    assert "unbalanced_entry" in kinds and "trial_balance" in kinds
    assert any(d.ref == broken.number for d in report.differences)
    assert reconciliation_bytes(report, "pdf")[:4] == b"%PDF"


ACTIONS = st.lists(
    st.tuples(
        st.sampled_from(["order", "pay", "fail", "refund", "dup", "cancel", "payout"]), st.integers(1, 3)
    ),
    min_size=1,
    max_size=14,
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actions=ACTIONS)
def test_ledger_always_balanced(db: object, actions: list[tuple[str, int]]) -> None:
    from django.db import transaction

    sid = transaction.savepoint()
    try:
        _run_sequence(actions)
    finally:
        transaction.savepoint_rollback(sid)


def _run_sequence(actions: list[tuple[str, int]]) -> None:
    from yugong.core.errors import ApplicationError

    world = build_world(capacity=8)
    world.product.refund_rule = "fee"
    world.product.refund_fee_bp = 333
    world.product.save()
    orders: list[Order] = []
    notes: list[tuple[bytes, str]] = []
    today = local_today()
    for i, (action, n) in enumerate(actions):
        try:
            if action == "order":
                order, _ = order_place(
                    actor=world.worker, session_id=world.session.pk, quantity=n, idempotency_key=f"k{i}"
                )
                orders.append(order)
            elif action in ("pay", "fail") and orders:
                order = orders[n % len(orders)]
                payment, _url = payment_start(actor=world.worker, order=order)
                note = sim_notification(
                    payment.provider_ref,
                    payment.amount_fen,
                    status="succeeded" if action == "pay" else "failed",
                )
                notes.append(note)
                payment_notify(provider="sim", body=note[0], signature=note[1])
            elif action == "dup" and notes:
                body, sig = notes[n % len(notes)]
                payment_notify(provider="sim", body=body, signature=sig)
            elif action == "refund" and orders:
                order_refund(actor=world.worker, order=orders[n % len(orders)])
            elif action == "cancel" and orders:
                order_cancel(actor=world.worker, order=orders[n % len(orders)])
            elif action == "payout":
                statement = statement_build(
                    actor=world.platform, merchant_id=world.merchant.pk, start=today, end=today
                )
                if statement.net_fen > 0:
                    payout_record(actor=world.finance, statement=statement)
        except ApplicationError:
            pass
        # after every step: each entry balances, the books balance, stock is consistent
        assert ledger.unbalanced_entries() == []
        assert ledger.trial_balance() == 0
        world.session.refresh_from_db()
        assert (
            world.session.remaining >= 0
            and world.session.sold + world.session.remaining <= world.session.capacity
        )
    report = reconcile(actor=world.platform, start=today, end=today)
    assert report.ok, report.differences


def test_reconciliation_ledger_checks_are_scoped_to_the_viewer(world: World) -> None:
    """A district sees the unbalanced entries and the trial balance of the merchants it settles,
    not the city's (issue 12); the root still sees the whole ledger."""
    from tests.helpers import UserFactory, grant

    city_order = _paid(world, "a")
    LedgerLine.objects.filter(
        entry__ref_type="tourism.order", entry__ref_id=city_order.pk, account=ledger.PLATFORM_CASH
    ).update(amount_fen=7999)
    district_staff = UserFactory()
    grant(district_staff, world.district, "staff")
    today = local_today()
    seen = reconcile(actor=district_staff, start=today, end=today)
    assert seen.ok and seen.trial_balance == 0, seen.differences
    assert not any(d.kind in {"unbalanced_entry", "trial_balance"} for d in seen.differences)
    whole = reconcile(actor=world.platform, start=today, end=today)
    assert {"unbalanced_entry", "trial_balance"} <= {d.kind for d in whole.differences}
    assert whole.trial_balance == -1
    # An entry of a merchant the district hosts is the district's to see.
    from yugong.funds.models import LedgerEntry

    local_merchant, _staff = make_merchant(world.district, name="渝中区剧场")
    entry = ledger.post(
        kind="payout", lines=[(ledger.PLATFORM_CASH, 5), ("payable:x", -5)], merchant=local_merchant
    )
    LedgerLine.objects.filter(entry=entry, amount_fen=5).update(amount_fen=6)
    seen = reconcile(actor=district_staff, start=today, end=today)
    assert [d.ref for d in seen.differences if d.kind == "unbalanced_entry"] == [f"#{entry.pk}"]
    assert seen.trial_balance == 1 and LedgerEntry.objects.count() > 1
