"""Seat maps (对号入座): the layout typed by a merchant, booking named seats, refusals naming the
field, seats freed by cancel/expiry/refund, group orders seated front row first, the API and the
H5 seat page; a race for one seat on PostgreSQL gives exactly one buyer."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.helpers import assert_max_queries, requires_postgres
from yugong.core.errors import Conflict, ValidationFailed
from yugong.core.timeutil import now
from yugong.tourism import seatmap
from yugong.tourism.models import SeatHold, Session, Ticket
from yugong.tourism.services import (
    group_order_approve,
    group_order_request,
    order_cancel,
    order_expire,
    order_place,
    session_add,
)

from .factories import World, build_world, funded_line, make_member

HALL = "AAA_AAA\nAAA_AAA\n_AAAAA_"  # 6 + 6 + 5 = 17 seats


def _seated(world: World, layout: str = HALL) -> Session:
    return session_add(
        actor=world.merchant_staff,
        product=world.product,
        starts_at=now() + dt.timedelta(days=3),
        capacity=0,
        label="对号入座",
        seat_layout=layout,
    )


def _book(world: World, session: Session, seats: list[str], key: str, actor: Any = None) -> Any:
    return order_place(
        actor=actor or world.worker,
        session_id=session.pk,
        quantity=len(seats) or 1,
        idempotency_key=key,
        seats=seats,
    )


# --- the layout ---------------------------------------------------------------------------------


def test_layout_numbering_skips_gaps_and_labels_in_chinese() -> None:
    rows = seatmap.parse_layout(" aaa_aaa \n\n_AAAAA_\n")
    assert rows == ["AAA_AAA", "_AAAAA_"]
    assert seatmap.capacity(rows) == 11
    keys = [s.key for s in seatmap.seats_in(rows)]
    assert keys[:4] == ["1-1", "1-2", "1-3", "1-4"]  # the aisle is not a seat number
    assert keys[6] == "2-1" and keys[-1] == "2-5"
    assert seatmap.seat_label("2-5") == "2排5座"
    assert seatmap.grid(rows)[1][0] is None


@pytest.mark.parametrize(
    ("layout", "needle"),
    [("AAA\nAXA", "第 2 行"), ("___\n__", "没有座位"), ("A" * 81, "超过 80"), ("A\n" * 61, "最多 60 排")],
)
def test_bad_layouts_name_the_field_and_line(layout: str, needle: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        seatmap.parse_layout(layout)
    assert needle in str(err.value.fields["seat_rows"][0])


@pytest.mark.django_db
def test_session_capacity_is_its_number_of_seats(world: World) -> None:
    session = _seated(world)
    assert session.capacity == session.remaining == 17
    assert session.seat_rows == ["AAA_AAA", "AAA_AAA", "_AAAAA_"]


# --- booking ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_booking_named_seats_puts_them_on_the_tickets(world: World) -> None:
    session = _seated(world)
    order, created = _book(world, session, ["2-4", "2-3"], "s1")
    assert created and order.quantity == 2
    tickets = list(Ticket.objects.filter(order=order).order_by("seq"))
    assert [t.seat for t in tickets] == ["2-3", "2-4"]  # map order
    assert tickets[0].seat_label == "2排3座"
    assert set(SeatHold.objects.filter(session=session).values_list("seat", flat=True)) == {"2-3", "2-4"}
    session.refresh_from_db()
    assert session.remaining == 15


@pytest.mark.django_db
def test_refusals_name_the_seats_field(world: World) -> None:
    session = _seated(world)
    with pytest.raises(ValidationFailed) as err:
        order_place(actor=world.worker, session_id=session.pk, quantity=1, idempotency_key="a")
    assert "请先选座" in str(err.value.fields["seats"][0])  # a mapped session needs seats (PG fast path too)
    with pytest.raises(ValidationFailed) as err:
        _book(world, session, ["9-9"], "b")
    assert "没有这个座位" in str(err.value.fields["seats"][0])
    with pytest.raises(ValidationFailed) as err:
        _book(world, session, ["1-1", "1-1"], "c")
    assert "两次" in str(err.value.fields["seats"][0])
    with pytest.raises(ValidationFailed) as err:
        order_place(actor=world.worker, session_id=session.pk, quantity=3, idempotency_key="d", seats=["1-1"])
    assert "选了 1 个座位" in str(err.value.fields["seats"][0])
    with pytest.raises(ValidationFailed) as err:
        _book(world, world.session, ["1-1"], "e")  # a session without a map
    assert "无需选座" in str(err.value.fields["seats"][0])
    assert not SeatHold.objects.exists() and Session.objects.get(pk=session.pk).remaining == 17


@pytest.mark.django_db
def test_a_taken_seat_is_refused_by_name_and_nothing_is_written(world: World) -> None:
    session = _seated(world)
    _book(world, session, ["1-2"], "first")
    other, _person = make_member(world.company, name="李师傅")
    with pytest.raises(Conflict) as err:
        _book(world, session, ["1-1", "1-2"], "second", actor=other)
    assert err.value.code == "seat_taken" and "1排2座" in str(err.value.message)
    assert not SeatHold.objects.filter(seat="1-1").exists()
    assert Session.objects.get(pk=session.pk).remaining == 16
    # the same key again is the first order, not a refusal
    again, created = _book(world, session, ["1-2"], "first")
    assert not created and list(again.tickets.values_list("seat", flat=True)) == ["1-2"]


@pytest.mark.django_db
def test_cancel_and_expiry_free_the_seats(world: World) -> None:
    session = _seated(world)
    order, _ = _book(world, session, ["3-1"], "k1")
    order_cancel(actor=world.worker, order=order)
    assert not SeatHold.objects.exists()
    again, _ = _book(world, session, ["3-1"], "k2")
    assert order_expire(again.pk, at=again.hold_expires_at + dt.timedelta(seconds=1))
    assert not SeatHold.objects.exists()
    assert Ticket.objects.get(order=again).seat == "3-1"  # the ticket keeps what it was for
    third, created = _book(world, session, ["3-1"], "k3")
    assert created and Session.objects.get(pk=session.pk).remaining == 16


@pytest.mark.django_db
def test_group_order_is_seated_front_row_first_around_taken_seats(world: World) -> None:
    session = _seated(world)
    _book(world, session, ["1-2"], "solo")
    group = group_order_request(
        actor=world.union_staff,
        union=world.company,
        session=session,
        activity="七一主题党日",
        seats=4,
        attendee_ids=[world.person.pk],
        budget_line=funded_line(world.company),
    )
    order = group_order_approve(actor=world.chair, group=group)
    seats = list(order.tickets.order_by("seq").values_list("seat", flat=True))
    assert seats == ["1-1", "1-3", "1-4", "1-5"]
    assert SeatHold.objects.filter(order=order).count() == 4


# --- HTTP ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_api_seat_map_and_order_with_seats(world: World, client: Client) -> None:
    session = _seated(world)
    _book(world, session, ["1-1"], "pre")
    with assert_max_queries(3):
        r = client.get(f"/api/v1/tourism/sessions/{session.pk}/seats")
    assert r.status_code == 200
    body = r.json()
    assert body["free"] == 16 and body["rows"][0][3] is None
    assert body["rows"][0][0] == {"key": "1-1", "label": "1排1座", "taken": True}
    assert client.get(f"/api/v1/tourism/sessions/{world.session.pk}/seats").status_code == 404

    from yugong.accounts.services import api_token_create

    _row, token = api_token_create(actor=world.worker, user=world.worker, name="t")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    r = api.post(
        "/api/v1/tourism/orders",
        data=json.dumps({"session_id": session.pk, "seats": ["2-1", "2-2"]}),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="api-1",
    )
    assert r.status_code == 201, r.content
    assert [(t["seat"], t["seat_label"]) for t in r.json()["tickets"]] == [
        ("2-1", "2排1座"),
        ("2-2", "2排2座"),
    ]
    r = api.post(
        "/api/v1/tourism/orders",
        data=json.dumps({"session_id": session.pk, "seats": ["2-2"]}),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="api-2",
    )
    assert r.status_code == 409 and r.json()["code"] == "seat_taken"
    r = api.post(
        "/api/v1/tourism/orders",
        data=json.dumps({"session_id": session.pk, "quantity": 1}),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="api-3",
    )
    assert r.status_code == 422 and "seats" in r.json()["fields"]
    detail = client.get(f"/api/v1/tourism/products/{world.product.pk}").json()
    assert {s["id"]: s["seated"] for s in detail["sessions"]} == {world.session.pk: False, session.pk: True}


@pytest.mark.django_db
def test_h5_seat_page_books_the_ticked_seats(world: World, client: Client) -> None:
    session = _seated(world)
    _book(world, session, ["1-1"], "pre")
    page = client.get(reverse("tourism:product", args=[world.product.pk])).content.decode()
    assert reverse("tourism:seats", args=[session.pk]) in page
    client.force_login(world.worker)
    with assert_max_queries(12):
        page = client.get(reverse("tourism:seats", args=[session.pk])).content.decode()
    assert 'value="1-1" aria-label="1排1座" data-testid="seat-1-1" disabled' in page
    assert 'data-testid="seat-1-2">' in page
    assert 'style="--cols: 7"' in page  # the longest row: the hall is drawn to fit it
    assert 'data-testid="seat-summary"' in page and 'data-unit-fen="8000"' in page
    r = client.post(
        reverse("tourism:book", args=[world.product.pk]),
        {"session": session.pk, "seat": ["1-2", "1-3"], "idempotency_key": "h5-1"},
    )
    assert r.status_code == 302
    order = world.worker.tourism_orders.get(idempotency_key="h5-1")
    assert list(order.tickets.order_by("seq").values_list("seat", flat=True)) == ["1-2", "1-3"]
    page = client.get(r["Location"]).content.decode()
    assert "1排2座" in page
    # a taken seat goes back to the seat page with the reason
    r = client.post(
        reverse("tourism:book", args=[world.product.pk]),
        {"session": session.pk, "seat": ["1-3"], "idempotency_key": "h5-2"},
    )
    assert r["Location"] == reverse("tourism:seats", args=[session.pk])
    assert "1排3座" in client.get(r["Location"]).content.decode()
    # no seat ticked: back to the seat page, told to choose
    r = client.post(
        reverse("tourism:book", args=[world.product.pk]), {"session": session.pk, "idempotency_key": "h5-3"}
    )
    assert r["Location"] == reverse("tourism:seats", args=[session.pk])
    assert "请先选座" in client.get(r["Location"]).content.decode()


@pytest.mark.django_db
def test_merchant_console_adds_a_seated_session_and_explains_a_bad_map(world: World, client: Client) -> None:
    client.force_login(world.merchant_staff)
    url = reverse("tourism:m_session_add", args=[world.merchant.pk, world.product.pk])
    at = (now() + dt.timedelta(days=5)).astimezone().strftime("%Y-%m-%dT%H:%M")
    r = client.post(url, {"starts_at": at, "capacity": "", "seat_layout": "AA_AA\nAAAAA"})
    assert r.status_code == 302
    assert Session.objects.filter(product=world.product, capacity=9).exclude(seat_rows=[]).exists()
    r = client.post(url, {"starts_at": at, "capacity": "", "seat_layout": "AA?AA"})
    assert r.status_code == 200 and "第 1 行" in r.content.decode()
    r = client.post(url, {"starts_at": "明天", "capacity": "x"})
    assert r.status_code == 200 and "请填写有效的日期或时间。" in r.content.decode()


# --- PostgreSQL race ----------------------------------------------------------------------------


@requires_postgres
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_buyers_racing_for_one_seat_give_exactly_one_order() -> None:
    from .test_concurrency import race

    world = build_world()
    session = _seated(world, "AAAA")
    buyers = [make_member(world.company)[0] for _ in range(20)]
    results = race(20, lambda i: _book(world, session, ["1-2"], f"race-{i}", actor=buyers[i]))
    won = [r for r in results if isinstance(r, tuple)]
    lost = [r for r in results if isinstance(r, Conflict)]
    assert len(won) == 1 and len(lost) == 19, results
    assert SeatHold.objects.filter(session=session).count() == 1
    session.refresh_from_db()
    assert session.remaining == 3
