"""The gate (issue 12 item 6): a ticket enters only on its session's day inside the admission window;
every refusal says why and shows the session, its date, the seat and the holder; an annual-pass code
at a venue without pass spots says so."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from yugong.core.timeutil import SHANGHAI, local_today
from yugong.tourism.gateways import sim_notification
from yugong.tourism.models import Order, Ticket
from yugong.tourism.services import (
    order_cancel,
    order_place,
    order_refund,
    pass_batch_approve,
    pass_batch_request,
    pass_qr_token,
    payment_notify,
    payment_start,
    ticket_scan,
)
from yugong.tourism.services.gate import GateRefused

from .factories import World, funded_line

pytestmark = pytest.mark.django_db


def _evening(world: World) -> dt.datetime:
    """Put the session at 19:30 (Shanghai) eight days from today and return that start."""
    starts = dt.datetime.combine(local_today() + dt.timedelta(days=8), dt.time(19, 30), tzinfo=SHANGHAI)
    world.session.starts_at = starts
    world.session.save(update_fields=["starts_at"])
    return starts


def _paid_order(world: World, quantity: int = 2, key: str = "g") -> Order:
    order, _ = order_place(
        actor=world.worker,
        session_id=world.session.pk,
        quantity=quantity,
        idempotency_key=key,
        holder_names=["张师傅", "李嬢嬢"][:quantity],
    )
    payment, _ = payment_start(actor=world.worker, order=order)
    body, sig = sim_notification(payment.provider_ref, payment.amount_fen)
    assert payment_notify(provider="sim", body=body, signature=sig) == "paid"
    order.refresh_from_db()
    return order


def _refused(world: World, ticket: Ticket, at: dt.datetime) -> GateRefused:
    with pytest.raises(GateRefused) as err:
        ticket_scan(actor=world.merchant_staff, token=ticket.token, at=at)
    return err.value


def test_a_ticket_for_tomorrow_evening_is_refused_this_morning_and_the_order_stays_refundable(
    world: World,
) -> None:
    starts = _evening(world)
    order = _paid_order(world)
    first, second = order.tickets.order_by("seq")
    morning_before = starts - dt.timedelta(days=1, hours=11, minutes=33)  # the day before, 07:57
    exc = _refused(world, first, morning_before)
    assert exc.code == "wrong_day"
    assert starts.strftime("%m月%d日 19:30") in str(exc.message)
    assert exc.ticket.pk == first.pk and exc.ticket.holder_name == "张师傅"
    first.refresh_from_db()
    assert first.status == Ticket.Status.VALID
    # Nothing was used, so the worker can still refund the order (both tickets).
    order_refund(actor=world.worker, order=order)
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED


@pytest.mark.parametrize(
    ("offset_minutes", "code"),
    [
        (-121, "too_early"),  # 17:29, the window opens at 17:30
        (-120, None),
        (0, None),
        (240, None),
        (241, "too_late"),  # 23:31, the window closed at 23:30
        (60 * 24, "wrong_day"),  # the next evening
    ],
)
def test_the_admission_window_around_the_start(world: World, offset_minutes: int, code: str | None) -> None:
    starts = _evening(world)
    ticket = _paid_order(world, quantity=1).tickets.get()
    at = starts + dt.timedelta(minutes=offset_minutes)
    if code is None:
        assert ticket_scan(actor=world.merchant_staff, token=ticket.token, at=at).status == Ticket.Status.USED
    else:
        assert _refused(world, ticket, at).code == code


def test_the_window_is_configured_per_product(world: World) -> None:
    starts = _evening(world)
    world.product.admit_before_minutes = 30
    world.product.admit_after_minutes = 10
    world.product.save()
    ticket = _paid_order(world, quantity=1).tickets.get()
    exc = _refused(world, ticket, starts - dt.timedelta(minutes=31))
    assert exc.code == "too_early" and "19:00" in str(exc.message)
    assert _refused(world, ticket, starts + dt.timedelta(minutes=11)).code == "too_late"
    ticket_scan(actor=world.merchant_staff, token=ticket.token, at=starts + dt.timedelta(minutes=10))


def test_every_refusal_names_its_reason(world: World) -> None:
    starts = _evening(world)
    at = starts - dt.timedelta(minutes=10)
    unpaid, _ = order_place(actor=world.worker, session_id=world.session.pk, quantity=1, idempotency_key="u")
    assert _refused(world, unpaid.tickets.get(), at).code == "not_paid"
    order_cancel(actor=world.worker, order=unpaid)
    assert _refused(world, unpaid.tickets.get(), at).code == "cancelled"
    refunded = _paid_order(world, quantity=1, key="r")
    order_refund(actor=world.worker, order=refunded)
    exc = _refused(world, refunded.tickets.get(), at)
    assert exc.code == "refunded" and "退款" in str(exc.message)
    used = _paid_order(world, quantity=1, key="x").tickets.get()
    ticket_scan(actor=world.merchant_staff, token=used.token, at=at)
    assert _refused(world, used, at).code == "used"


def test_a_pass_code_at_a_venue_without_pass_spots_says_so(world: World) -> None:
    batch = pass_batch_request(
        actor=world.union_staff,
        union=world.company,
        year=local_today().year,
        price_fen=15000,
        person_ids=[world.person.pk],
        budget_line=funded_line(world.company),
    )
    (annual_pass,) = pass_batch_approve(actor=world.chair, batch=batch)
    token = pass_qr_token(annual_pass)
    # world.merchant (the theatre) has no pass spot.
    from yugong.core.errors import Conflict

    with pytest.raises(Conflict) as err:
        ticket_scan(actor=world.merchant_staff, token=token)
    assert err.value.code == "no_pass_spot" and "未找到" not in str(err.value.message)
    client = Client()
    client.force_login(world.merchant_staff)
    page = client.post(reverse("tourism:m_scan", args=[world.merchant.pk]), {"token": token})
    text = page.content.decode()
    assert page.status_code == 200 and "没有参与年票的景点" in text and "未找到该电子票" not in text
    r = client.post("/api/v1/tourism/tickets/scan", data={"token": token}, content_type="application/json")
    assert r.status_code == 409 and r.json()["code"] == "no_pass_spot"


def test_the_scan_page_shows_session_date_seat_and_holder_even_when_refusing(world: World) -> None:
    starts = _evening(world)
    world.session.seat_rows = [["A", "A"]]
    world.session.save(update_fields=["seat_rows"])
    order, _ = order_place(
        actor=world.worker,
        session_id=world.session.pk,
        quantity=1,
        idempotency_key="s",
        seats=["1-2"],
        holder_names=["李嬢嬢"],
    )
    payment, _ = payment_start(actor=world.worker, order=order)
    body, sig = sim_notification(payment.provider_ref, payment.amount_fen)
    payment_notify(provider="sim", body=body, signature=sig)
    ticket = order.tickets.get()
    client = Client()
    client.force_login(world.merchant_staff)
    url = reverse("tourism:m_scan", args=[world.merchant.pk])
    with time_machine.travel(starts - dt.timedelta(days=1, hours=11, minutes=33)):
        client.force_login(world.merchant_staff)  # a session made at the travelled time
        refused = client.post(url, {"token": f"YGT1.{ticket.token}"}).content.decode()
    assert 'data-code="wrong_day"' in refused
    for shown in (starts.strftime("%m月%d日 19:30"), "1排2座", "李嬢嬢", world.product.title):
        assert shown in refused, shown
    with time_machine.travel(starts - dt.timedelta(minutes=5)):
        client.force_login(world.merchant_staff)
        admitted = client.post(url, {"token": f"YGT1.{ticket.token}"}).content.decode()
    assert "验票成功" in admitted and "1排2座" in admitted and "李嬢嬢" in admitted
    client.force_login(world.merchant_staff)
    empty = client.post(url, {"token": ""}).content.decode()
    assert "请扫码或输入电子票号。" in empty
