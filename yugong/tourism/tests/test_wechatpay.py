"""Tourism pays through WeChat Pay API v3 (against the local fake of the protocol, keys made in the
test): the H5 order, the signed and encrypted notification delivered five times pays once, a late
success after expiry with the seats gone is refunded through WeChat Pay, a forged one is refused."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from yugong.core.errors import ValidationFailed
from yugong.funds import ledger
from yugong.funds.models import LedgerEntry
from yugong.funds.payments.wechatpay import WeChatPayProvider
from yugong.funds.tests.wechatpay_fake import FakeWeChatPay
from yugong.tourism import gateways
from yugong.tourism.models import Order, Payment, PaymentNotification
from yugong.tourism.services import order_place, payment_start, release_expired_holds

from .factories import World, make_member

NOTIFY = "/api/v1/tourism/payments/notify/wechatpay"


@pytest.fixture
def fake(settings: Any, monkeypatch: pytest.MonkeyPatch) -> FakeWeChatPay:
    fake = FakeWeChatPay()
    settings.PAYMENT_GATEWAY = "wechatpay"
    monkeypatch.setitem(gateways.PROVIDERS, "wechatpay", WeChatPayProvider(fake.client()))
    return fake


def _deliver(client: Any, body: bytes, headers: dict[str, str]) -> Any:
    return client.post(NOTIFY, data=body, content_type="application/json", headers=headers)


def test_notify_delivered_five_times_pays_once(world: World, fake: FakeWeChatPay, client: Any) -> None:
    order, _ = order_place(actor=world.worker, session_id=world.session.pk, quantity=2, idempotency_key="a")
    payment, url = payment_start(actor=world.worker, order=order, client_ip="10.0.0.8")
    assert payment.provider == "wechatpay" and url.startswith("https://wx.tenpay.com/")
    assert fake.trades[payment.provider_ref].amount_fen == payment.amount_fen
    body, headers = fake.pay(payment.provider_ref)
    outcomes = [_deliver(client, body, headers).json()["outcome"] for _ in range(5)]
    assert outcomes == ["paid", "duplicate", "duplicate", "duplicate", "duplicate"]
    # WeChat Pay may also re-send the result as a new notification: still paid once.
    again, again_headers = fake.notification(
        fake.transaction(fake.trades[payment.provider_ref]), event_type="TRANSACTION.SUCCESS"
    )
    assert _deliver(client, again, again_headers).json()["outcome"] == "already_settled"
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert Payment.objects.filter(order=order, status=Payment.Status.SUCCEEDED).count() == 1
    assert ledger.balance(ledger.PLATFORM_CASH) == payment.amount_fen
    assert ledger.trial_balance() == 0
    # The entry carries the trade number the provider's daily bill will show (reconciliation).
    assert LedgerEntry.objects.filter(kind="payment", external_ref=payment.provider_ref).count() == 1


def test_forged_or_tampered_notification_is_refused(world: World, fake: FakeWeChatPay, client: Any) -> None:
    order, _ = order_place(actor=world.worker, session_id=world.session.pk, quantity=1, idempotency_key="a")
    payment, _url = payment_start(actor=world.worker, order=order)
    body, headers = fake.pay(payment.provider_ref)
    forged = body.replace(b'"id": "EV-', b'"id": "XX-')
    r = _deliver(client, forged, headers)
    assert r.status_code == 403 and r.json()["code"] == "bad_signature"
    other = FakeWeChatPay()  # signed by a platform key we do not hold
    other.trades[payment.provider_ref] = fake.trades[payment.provider_ref]
    body2, headers2 = other.pay(payment.provider_ref)
    assert _deliver(client, body2, headers2).status_code == 403
    assert PaymentNotification.objects.filter(outcome="bad_signature").count() == 2
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING


def test_late_success_when_sold_out_is_refunded_through_wechatpay(
    world: World, fake: FakeWeChatPay, client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    order, _ = order_place(actor=world.worker, session_id=world.session.pk, quantity=2, idempotency_key="a")
    payment, _url = payment_start(actor=world.worker, order=order)
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=20)):
        release_expired_holds()
        other, _p = make_member(world.company)
        for i in range(2):
            order_place(actor=other, session_id=world.session.pk, quantity=5, idempotency_key=f"o{i}")
        body, headers = fake.pay(payment.provider_ref)
        with django_capture_on_commit_callbacks(execute=True):
            assert _deliver(client, body, headers).json()["outcome"] == "late_refunded"
    assert fake.trades[payment.provider_ref].refunded_fen == payment.amount_fen
    assert ledger.balance(ledger.PLATFORM_CASH) == 0 and ledger.trial_balance() == 0


def test_the_simulator_is_not_offered_when_wechatpay_is_configured(world: World, fake: FakeWeChatPay) -> None:
    order, _ = order_place(actor=world.worker, session_id=world.session.pk, quantity=1, idempotency_key="a")
    with pytest.raises(ValidationFailed) as err:
        payment_start(actor=world.worker, order=order, provider="sim")
    assert "provider" in err.value.fields
