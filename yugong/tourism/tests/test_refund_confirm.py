"""申请退款 in two steps: the quote the confirmation page shows is ``order_refund``'s own rule, the
refund only happens for the amount the buyer confirmed, and a refused refund says why."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from tests.helpers import assert_max_queries
from yugong.core.errors import Conflict
from yugong.funds import ledger
from yugong.tourism.gateways import sim_notification
from yugong.tourism.models import Order, Ticket
from yugong.tourism.services import order_place, order_refund, payment_notify, payment_start, refund_quote

from .factories import World


def _paid(world: World, key: str = "r", quantity: int = 2) -> Order:
    order, _ = order_place(
        actor=world.worker, session_id=world.session.pk, quantity=quantity, idempotency_key=key
    )
    payment, _url = payment_start(actor=world.worker, order=order)
    body, sig = sim_notification(payment.provider_ref, payment.amount_fen)
    assert payment_notify(provider="sim", body=body, signature=sig) == "paid"
    order.refresh_from_db()
    return order


def _fee(world: World, bp: int) -> None:
    world.product.refund_rule = "fee"
    world.product.refund_fee_bp = bp
    world.product.save()


def test_the_quote_is_the_refund_rule(world: World) -> None:
    _fee(world, 1000)  # 10 %
    order = _paid(world)
    quote = refund_quote(order)
    assert quote.allowed
    assert (quote.paid_fen, quote.fee_fen, quote.amount_fen) == (16000, 1600, 14400)
    assert quote.cutoff == world.session.starts_at - dt.timedelta(hours=24)
    refunded = order_refund(actor=world.worker, order=order, expected_fen=quote.amount_fen)
    assert refunded.refunded_fen == 14400
    # refunded now: the quote says why there is no refund, as the service would
    again = refund_quote(refunded)
    assert not again.allowed and again.amount_fen == 0
    assert "只有已支付且未使用的订单可以退款" in again.problem


def test_the_quote_names_the_deadline_once_it_has_passed(world: World) -> None:
    order = _paid(world)
    with time_machine.travel(world.session.starts_at - dt.timedelta(hours=2)):
        quote = refund_quote(order)
    assert not quote.allowed and "已过退款截止时间" in quote.problem


def test_a_changed_amount_refunds_nothing(world: World) -> None:
    order = _paid(world)
    confirmed = refund_quote(order).amount_fen  # free refund: the whole 160.00
    _fee(world, 500)  # the merchant adds a 5 % fee before the buyer confirms
    with pytest.raises(Conflict) as err:
        order_refund(actor=world.worker, order=order, expected_fen=confirmed)
    assert err.value.code == "refund_changed" and "¥152.00" in str(err.value.message)
    order.refresh_from_db()
    assert order.status == Order.Status.PAID and order.refunded_fen == 0
    assert not order.tickets.filter(status=Ticket.Status.VOID).exists()
    assert ledger.balance(ledger.PLATFORM_CASH) == 16000


@pytest.mark.django_db
def test_the_confirmation_page_shows_the_tickets_and_the_amount_before_refunding(
    world: World, client: Client
) -> None:
    _fee(world, 1000)
    order = _paid(world)
    client.force_login(world.worker)
    detail = client.get(reverse("tourism:order", args=[order.pk])).content.decode()
    url = reverse("tourism:order_refund", args=[order.pk])
    assert f'href="{url}"' in detail  # the order page links to the confirmation, it does not refund
    with assert_max_queries(8):
        page = client.get(url).content.decode()
    assert page.count('data-testid="refund-ticket"') == 2
    assert 'data-testid="refund-paid">¥160.00' in page
    assert 'data-testid="refund-fee">−¥16.00' in page
    assert 'data-testid="refund-amount">¥144.00' in page
    assert 'name="expected_fen" value="14400"' in page
    order.refresh_from_db()
    assert order.status == Order.Status.PAID  # looking refunds nothing

    # a post that did not come from the confirmation (no amount) refunds nothing
    r = client.post(url, {})
    assert r.status_code == 302 and r["Location"] == url
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert "请核对退款金额后再确认" in client.get(url).content.decode()

    # a stale amount: back to the confirmation with the new amount, nothing refunded
    r = client.post(url, {"expected_fen": "16000"})
    assert r["Location"] == url
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert "退款金额已变为 ¥144.00" in client.get(url).content.decode()

    r = client.post(url, {"expected_fen": "14400", "reason": "临时加班"})
    assert r["Location"] == reverse("tourism:order", args=[order.pk])
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED and order.refunded_fen == 14400
    after = client.get(url).content.decode()
    assert 'data-testid="refund-problem"' in after and 'name="expected_fen"' not in after


@pytest.mark.django_db
def test_the_confirmation_page_is_the_buyers_own(world: World, client: Client) -> None:
    order = _paid(world)
    client.force_login(world.union_staff)
    url = reverse("tourism:order_refund", args=[order.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"expected_fen": "16000"}).status_code == 404
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
