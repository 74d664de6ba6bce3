from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from yugong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from yugong.core.facts import fact_total
from yugong.funds import ledger
from yugong.tourism.gateways import sim_notification
from yugong.tourism.models import Order, Payment, PaymentNotification, Session, Ticket
from yugong.tourism.services import (
    order_cancel,
    order_place,
    order_refund,
    payment_confirm_venue,
    payment_notify,
    payment_start,
    release_expired_holds,
    ticket_scan,
)

from .factories import World, make_member, make_session

pytestmark = pytest.mark.django_db


def _pay(world: World, order: Order, *, status: str = "succeeded", event_id: str | None = None) -> str:
    payment, url = payment_start(actor=order.user, order=order)
    assert url.endswith(f"{payment.provider_ref}/")
    body, sig = sim_notification(payment.provider_ref, payment.amount_fen, status=status, event_id=event_id)
    return payment_notify(provider="sim", body=body, signature=sig)


def test_place_holds_stock_and_prices_at_member_price(world: World) -> None:
    order, created = order_place(
        actor=world.worker, session_id=world.session.pk, quantity=2, idempotency_key="k1"
    )
    assert created and order.status == "pending" and order.amount_fen == 16000 and order.saved_fen == 8000
    world.session.refresh_from_db()
    assert (world.session.remaining, world.session.sold, world.session.held) == (8, 0, 2)
    assert order.union_id is None  # resolved at payment, off the hot path
    assert order.tickets.count() == 2


def test_same_key_returns_same_order(world: World) -> None:
    first, created = order_place(
        actor=world.worker, session_id=world.session.pk, quantity=1, idempotency_key="k"
    )
    again, created_again = order_place(
        actor=world.worker, session_id=world.session.pk, quantity=1, idempotency_key="k"
    )
    assert created and not created_again and first.pk == again.pk
    assert Order.objects.count() == 1
    other = make_session(world.product)
    with pytest.raises(Conflict):
        order_place(actor=world.worker, session_id=other.pk, quantity=1, idempotency_key="k")


def test_sold_out_is_409_and_nothing_half_written(world: World) -> None:
    order_place(actor=world.worker, session_id=world.session.pk, quantity=5, idempotency_key="a")
    order_place(actor=world.worker, session_id=world.session.pk, quantity=5, idempotency_key="b")
    with pytest.raises(Conflict) as err:
        order_place(actor=world.worker, session_id=world.session.pk, quantity=1, idempotency_key="c")
    assert err.value.status == 409 and "售罄" in str(err.value.message)
    assert Order.objects.count() == 2 and Ticket.objects.count() == 10
    assert Session.objects.get(pk=world.session.pk).remaining == 0


def test_limits_per_day_and_year(world: World) -> None:
    world.product.limit_per_day = 2
    world.product.limit_per_year = 3
    world.product.save()
    order_place(actor=world.worker, session_id=world.session.pk, quantity=2, idempotency_key="a")
    with pytest.raises(Conflict) as err:
        order_place(actor=world.worker, session_id=world.session.pk, quantity=1, idempotency_key="b")
    assert "每日" in str(err.value.message)
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=1)):
        order_place(actor=world.worker, session_id=world.session.pk, quantity=1, idempotency_key="c")
        with pytest.raises(Conflict) as err:
            order_place(actor=world.worker, session_id=world.session.pk, quantity=1, idempotency_key="d")
        assert "每年" in str(err.value.message)


def test_quantity_and_key_are_validated(world: World) -> None:
    with pytest.raises(ValidationFailed):
        order_place(actor=world.worker, session_id=world.session.pk, quantity=6, idempotency_key="a")
    with pytest.raises(ValidationFailed):
        order_place(actor=world.worker, session_id=world.session.pk, quantity=1, idempotency_key="")


def test_members_only_and_given_unions(world: World) -> None:
    from tests.helpers import UserFactory

    world.product.members_only = True
    world.product.save()
    stranger = UserFactory()
    with pytest.raises(Conflict) as err:
        order_place(actor=stranger, session_id=world.session.pk, quantity=1, idempotency_key="a")
    assert err.value.code == "members_only"
    world.product.eligible_unions.set([world.other])
    with pytest.raises(Conflict) as err:
        order_place(actor=world.worker, session_id=world.session.pk, quantity=1, idempotency_key="b")
    assert err.value.code == "not_eligible"
    world.product.eligible_unions.set([world.district])  # the whole subtree
    order_place(actor=world.worker, session_id=world.session.pk, quantity=1, idempotency_key="c")


def test_hold_expires_and_stock_returns(world: World) -> None:
    order, _ = order_place(actor=world.worker, session_id=world.session.pk, quantity=3, idempotency_key="a")
    assert release_expired_holds() == 0
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=16)):
        assert release_expired_holds() == 1
        with pytest.raises(Conflict):
            payment_start(actor=world.worker, order=order)
    order.refresh_from_db()
    world.session.refresh_from_db()
    assert order.status == "expired" and world.session.remaining == 10
    assert set(order.tickets.values_list("status", flat=True)) == {"void"}


def test_cancel_releases(world: World) -> None:
    order, _ = order_place(actor=world.worker, session_id=world.session.pk, quantity=3, idempotency_key="a")
    with pytest.raises(NotFound):
        order_cancel(actor=world.merchant_staff, order=order)
    order_cancel(actor=world.worker, order=order)
    world.session.refresh_from_db()
    assert world.session.remaining == 10
    with pytest.raises(Conflict):
        order_cancel(actor=world.worker, order=order)


def test_gateway_success_books_ledger_and_facts(world: World) -> None:
    order, _ = order_place(actor=world.worker, session_id=world.session.pk, quantity=2, idempotency_key="a")
    assert _pay(world, order) == "paid"
    order.refresh_from_db()
    world.session.refresh_from_db()
    assert order.status == "paid" and world.session.sold == 2 and world.session.remaining == 8
    assert order.union_id == world.company.pk
    assert ledger.balance(ledger.PLATFORM_CASH) == 16000
    assert ledger.balance(ledger.COMMISSION) == -800
    assert ledger.balance(ledger.merchant_payable(world.merchant.pk)) == -15200
    assert ledger.trial_balance() == 0
    assert fact_total(metric="tourism.paid_fen", union_ids=[world.company.pk]) == 16000
    assert fact_total(metric="tourism.saved_fen", union_ids=[world.company.pk]) == 8000
    assert fact_total(metric="tourism.visitors") == 2


def test_duplicate_notification_is_handled_once(world: World) -> None:
    order, _ = order_place(actor=world.worker, session_id=world.session.pk, quantity=1, idempotency_key="a")
    payment, _url = payment_start(actor=world.worker, order=order)
    body, sig = sim_notification(payment.provider_ref, payment.amount_fen, event_id="evt_1")
    assert payment_notify(provider="sim", body=body, signature=sig) == "paid"
    assert payment_notify(provider="sim", body=body, signature=sig) == "duplicate"
    body2, sig2 = sim_notification(payment.provider_ref, payment.amount_fen, event_id="evt_2")
    assert payment_notify(provider="sim", body=body2, signature=sig2) == "already_settled"
    assert ledger.balance(ledger.PLATFORM_CASH) == 8000
    assert PaymentNotification.objects.filter(signature_ok=True).count() == 2


def test_bad_signature_is_refused_and_logged(world: World) -> None:
    order, _ = order_place(actor=world.worker, session_id=world.session.pk, quantity=1, idempotency_key="a")
    payment, _url = payment_start(actor=world.worker, order=order)
    body, _sig = sim_notification(payment.provider_ref, payment.amount_fen)
    with pytest.raises(PermissionDenied):
        payment_notify(provider="sim", body=body, signature="0" * 64)
    assert PaymentNotification.objects.get().outcome == "bad_signature"
    order.refresh_from_db()
    assert order.status == "pending"


def test_failed_then_retry(world: World) -> None:
    order, _ = order_place(actor=world.worker, session_id=world.session.pk, quantity=1, idempotency_key="a")
    assert _pay(world, order, status="failed") == "failed"
    order.refresh_from_db()
    assert order.status == "pending"
    assert _pay(world, order) == "paid"


def test_late_notification_retakes_free_seats(world: World) -> None:
    order, _ = order_place(actor=world.worker, session_id=world.session.pk, quantity=2, idempotency_key="a")
    payment, _url = payment_start(actor=world.worker, order=order)
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=20)):
        release_expired_holds()
        body, sig = sim_notification(payment.provider_ref, payment.amount_fen)
        assert payment_notify(provider="sim", body=body, signature=sig) == "paid_late"
    order.refresh_from_db()
    world.session.refresh_from_db()
    assert order.status == "paid" and world.session.sold == 2 and world.session.remaining == 8
    assert set(order.tickets.values_list("status", flat=True)) == {"valid"}


def test_late_notification_when_sold_out_refunds(world: World) -> None:
    order, _ = order_place(actor=world.worker, session_id=world.session.pk, quantity=2, idempotency_key="a")
    payment, _url = payment_start(actor=world.worker, order=order)
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=20)):
        release_expired_holds()
        other, _p = make_member(world.company)
        for i in range(2):
            order_place(actor=other, session_id=world.session.pk, quantity=5, idempotency_key=f"o{i}")
        body, sig = sim_notification(payment.provider_ref, payment.amount_fen)
        assert payment_notify(provider="sim", body=body, signature=sig) == "late_refunded"
    payment.refresh_from_db()
    order.refresh_from_db()
    world.session.refresh_from_db()
    assert payment.status == "refunded" and order.status == "expired"
    assert world.session.remaining == 0 and world.session.sold == 0
    assert ledger.balance(ledger.PLATFORM_CASH) == 0 and ledger.trial_balance() == 0


def test_refund_rules(world: World) -> None:
    world.product.refund_rule = "fee"
    world.product.refund_fee_bp = 1000  # 10 %
    world.product.save()
    order, _ = order_place(actor=world.worker, session_id=world.session.pk, quantity=1, idempotency_key="a")
    _pay(world, order)
    order_refund(actor=world.worker, order=order)
    order.refresh_from_db()
    world.session.refresh_from_db()
    assert order.status == "refunded" and order.refunded_fen == 7200
    assert world.session.sold == 0 and world.session.remaining == 10
    assert ledger.balance(ledger.PLATFORM_CASH) == 800  # the fee stays
    assert ledger.trial_balance() == 0
    # too late: the cutoff is 24 h before the start
    order2, _ = order_place(actor=world.worker, session_id=world.session.pk, quantity=1, idempotency_key="b")
    _pay(world, order2)
    with time_machine.travel(world.session.starts_at - dt.timedelta(hours=2)), pytest.raises(Conflict):
        order_refund(actor=world.worker, order=order2)
    world.product.refund_rule = "none"
    world.product.save()
    with pytest.raises(Conflict):
        order_refund(actor=world.worker, order=order2)


def test_ticket_scan_once_and_only_own_merchant(world: World) -> None:
    order, _ = order_place(actor=world.worker, session_id=world.session.pk, quantity=1, idempotency_key="a")
    ticket = order.tickets.get()
    with pytest.raises(Conflict):
        ticket_scan(actor=world.merchant_staff, token=ticket.token)  # not paid yet
    _pay(world, order)
    with pytest.raises(NotFound):
        ticket_scan(actor=world.other_staff, token=ticket.token)
    at = world.session.starts_at - dt.timedelta(minutes=30)
    ticket_scan(actor=world.merchant_staff, token=f"YGT1.{ticket.token}", at=at)
    with pytest.raises(Conflict) as err:
        ticket_scan(actor=world.merchant_staff, token=ticket.token, at=at)
    assert "已于" in str(err.value.message)
    order.refresh_from_db()
    assert order.status == "used"
    with pytest.raises(Conflict):
        order_refund(actor=world.worker, order=order)


def test_venue_payment(world: World) -> None:
    order, _ = order_place(actor=world.worker, session_id=world.session.pk, quantity=1, idempotency_key="a")
    with pytest.raises(NotFound):
        payment_confirm_venue(actor=world.other_staff, order=order)
    payment_confirm_venue(actor=world.merchant_staff, order=order)
    assert Payment.objects.get(order=order).provider == "venue"
    assert ledger.balance(ledger.merchant_payable(world.merchant.pk)) == 400  # owes the commission
    assert ledger.trial_balance() == 0
