"""HTTP: the API (201/200/409, Idempotency-Key, notify, verify), pages, merchant isolation (404),
query counts that stay flat as rows grow."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from tests.helpers import assert_max_queries
from yugong.core.timeutil import local_today
from yugong.tourism.gateways import sim_notification
from yugong.tourism.models import Order, Statement
from yugong.tourism.services import (
    order_place,
    pass_batch_approve,
    pass_batch_request,
    pass_qr_token,
    payment_notify,
    payment_start,
    statement_build,
)

from .factories import World, funded_line, make_product, make_session

pytestmark = pytest.mark.django_db


def _client(user: object) -> Client:
    c = Client()
    c.force_login(user)  # type: ignore[arg-type]
    return c


def _post(c: Client, url: str, data: dict[str, object], **headers: str) -> object:
    return c.post(url, data=json.dumps(data), content_type="application/json", headers=headers)


def test_api_order_create_idempotent_and_409(world: World) -> None:
    c = _client(world.worker)
    url = "/api/v1/tourism/orders"
    r = _post(c, url, {"session_id": world.session.pk, "quantity": 6}, **{"Idempotency-Key": "x"})
    assert r.status_code == 422  # over the family limit
    r = _post(c, url, {"session_id": world.session.pk, "quantity": 5}, **{"Idempotency-Key": "k1"})
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["amount_fen"] == 40000 and body["saved_fen"] == 20000 and body["status"] == "pending"
    again = _post(c, url, {"session_id": world.session.pk, "quantity": 5}, **{"Idempotency-Key": "k1"})
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    _post(c, url, {"session_id": world.session.pk, "quantity": 5}, **{"Idempotency-Key": "k2"})
    sold_out = _post(c, url, {"session_id": world.session.pk, "quantity": 1}, **{"Idempotency-Key": "k3"})
    assert sold_out.status_code == 409
    assert sold_out.json()["code"] == "sold_out" and "售罄" in sold_out.json()["message"]
    missing_key = _post(c, url, {"session_id": world.session.pk, "quantity": 1})
    assert missing_key.status_code == 422


def test_api_pay_notify_and_scan(world: World) -> None:
    c = _client(world.worker)
    order = _post(
        c, "/api/v1/tourism/orders", {"session_id": world.session.pk}, **{"Idempotency-Key": "a"}
    ).json()
    pay = _post(c, f"/api/v1/tourism/orders/{order['id']}/pay", {"provider": "sim"})
    assert pay.status_code == 201
    ref = pay.json()["provider_ref"]
    body, sig = sim_notification(ref, order["amount_fen"], event_id="e1")
    anon = Client()
    bad = anon.post(
        "/api/v1/tourism/payments/notify/sim",
        data=body,
        content_type="application/json",
        headers={"X-Signature": "bad"},
    )
    assert bad.status_code == 403
    ok = anon.post(
        "/api/v1/tourism/payments/notify/sim",
        data=body,
        content_type="application/json",
        headers={"X-Signature": sig},
    )
    assert ok.status_code == 200 and ok.json()["outcome"] == "paid"
    dup = anon.post(
        "/api/v1/tourism/payments/notify/sim",
        data=body,
        content_type="application/json",
        headers={"X-Signature": sig},
    )
    assert dup.json()["outcome"] == "duplicate"
    detail = c.get(f"/api/v1/tourism/orders/{order['id']}").json()
    qr = detail["tickets"][0]["qr_text"]
    assert detail["status"] == "paid" and qr.startswith("YGT1.")
    assert _post(_client(world.other_staff), "/api/v1/tourism/tickets/scan", {"token": qr}).status_code == 404
    with time_machine.travel(world.session.starts_at - dt.timedelta(minutes=30)):
        scanned = _post(_client(world.merchant_staff), "/api/v1/tourism/tickets/scan", {"token": qr})
        assert scanned.status_code == 200
        assert scanned.json()["session_starts_at"] and scanned.json()["holder_name"]
        again = _post(_client(world.merchant_staff), "/api/v1/tourism/tickets/scan", {"token": qr})
        assert again.status_code == 409 and again.json()["code"] == "used"


def test_api_pass_verify(world: World) -> None:
    batch = pass_batch_request(
        actor=world.union_staff,
        union=world.company,
        year=local_today().year,
        price_fen=15000,
        person_ids=[world.person.pk],
        budget_line=funded_line(world.company),
    )
    (annual_pass,) = pass_batch_approve(actor=world.chair, batch=batch)
    mine = _client(world.worker).get("/api/v1/tourism/passes/mine").json()
    assert mine["holder_name_masked"] == "张*傅"
    gate = _client(world.other_staff)
    r = _post(gate, "/api/v1/tourism/passes/verify", {"token": mine["qr_text"], "spot_id": world.spot.pk})
    assert r.status_code == 200 and r.json()["ok"] is True and r.json()["holder_name_masked"] == "张*傅"
    r = _post(
        gate, "/api/v1/tourism/passes/verify", {"token": pass_qr_token(annual_pass), "spot_id": world.spot.pk}
    )
    assert r.json()["ok"] is False and "每日限一次" in r.json()["message"]
    other = _post(
        _client(world.merchant_staff),
        "/api/v1/tourism/passes/verify",
        {"token": "x", "spot_id": world.spot.pk},
    )
    assert other.status_code == 404


def test_api_search(world: World) -> None:
    make_session(make_product(world.other_merchant, title="武隆天生三桥门票", kind="ticket"))
    c = Client()
    assert [p["title"] for p in c.get("/api/v1/tourism/products?q=天生三桥").json()] == ["武隆天生三桥门票"]
    assert [p["title"] for p in c.get("/api/v1/tourism/products?kind=show").json()] == ["话剧《江姐》"]
    detail = c.get(f"/api/v1/tourism/products/{world.product.pk}").json()
    assert detail["sessions"][0]["remaining"] == 10


def test_merchants_see_only_their_own(world: World) -> None:
    mine = _client(world.merchant_staff)
    theirs = world.other_merchant.pk
    for name in ("m_products", "m_orders", "m_scan", "m_statements"):
        assert mine.get(reverse(f"tourism:{name}", args=[world.merchant.pk])).status_code == 200
        assert mine.get(reverse(f"tourism:{name}", args=[theirs])).status_code == 404
    assert (
        mine.get(reverse("tourism:m_product", args=[world.merchant.pk, world.product.pk])).status_code == 200
    )
    other_product = make_product(world.other_merchant)
    assert (
        mine.get(reverse("tourism:m_product", args=[world.merchant.pk, other_product.pk])).status_code == 404
    )
    assert mine.get(reverse("tourism:m_product", args=[theirs, other_product.pk])).status_code == 404
    statement = statement_build(
        actor=world.platform, merchant_id=theirs, start=local_today(), end=local_today()
    )
    url = reverse("tourism:m_statement_export", args=[world.merchant.pk, statement.pk, "xlsx"])
    assert mine.get(url).status_code == 404
    assert Statement.objects.count() == 1


def test_worker_journey_pages(world: World) -> None:
    c = _client(world.worker)
    assert "话剧《江姐》" in c.get(reverse("tourism:home") + "?q=江姐").content.decode()
    page = c.get(reverse("tourism:product", args=[world.product.pk]))
    assert page.status_code == 200
    r = c.post(
        reverse("tourism:book", args=[world.product.pk]),
        {"session": world.session.pk, "quantity": 1, "idempotency_key": "page-1"},
    )
    order = Order.objects.get()
    assert r.status_code == 302 and r.url == reverse("tourism:order", args=[order.pk])
    r = c.post(reverse("tourism:order_pay", args=[order.pk]))
    assert r.status_code == 302 and "/pay/sim/" in r.url
    assert c.get(r.url).status_code == 200
    r = c.post(r.url, {"outcome": "succeeded"})
    order.refresh_from_db()
    assert order.status == "paid"
    page = c.get(reverse("tourism:order", args=[order.pk])).content.decode()
    assert "data:image/svg+xml" in page
    assert _client(world.other_staff).get(reverse("tourism:order", args=[order.pk])).status_code == 404


def test_console_pages_render(world: World) -> None:
    platform = _client(world.platform)
    for name in ("p_merchants", "p_products", "p_settlement", "u_groups", "u_passes"):
        assert platform.get(reverse(f"tourism:{name}")).status_code == 200, name
    assert platform.get(reverse("tourism:p_reconciliation_export", args=["xlsx"])).status_code == 200
    chair = _client(world.chair)
    assert chair.get(reverse("tourism:u_groups")).status_code == 200
    assert _client(world.worker).get(reverse("tourism:p_merchants")).status_code == 403


def _orders(world: World, n: int) -> None:
    for i in range(n):
        order, _ = order_place(
            actor=world.worker, session_id=world.session.pk, quantity=1, idempotency_key=f"q{i}"
        )
        payment, _url = payment_start(actor=world.worker, order=order)
        body, sig = sim_notification(payment.provider_ref, payment.amount_fen)
        payment_notify(provider="sim", body=body, signature=sig)


@pytest.mark.parametrize("rows", [3, 30])
def test_list_query_counts_stay_flat(world: World, rows: int) -> None:
    world.session.capacity = world.session.remaining = 100
    world.session.save()
    for i in range(rows):
        make_session(make_product(world.merchant, title=f"产品{i}"))
    _orders(world, rows)
    worker, merchant, platform = _client(world.worker), _client(world.merchant_staff), _client(world.platform)
    checks = [
        (worker, reverse("tourism:home"), 12),
        (worker, reverse("tourism:my_tickets"), 14),
        (worker, "/api/v1/tourism/orders", 10),
        (Client(), "/api/v1/tourism/products", 6),
        (merchant, reverse("tourism:m_orders", args=[world.merchant.pk]), 14),
        (merchant, reverse("tourism:m_products", args=[world.merchant.pk]), 14),
        (platform, reverse("tourism:p_products") + "?status=", 14),
        (platform, reverse("tourism:p_settlement"), 18),
    ]
    for client, url, limit in checks:
        client.get(url)  # warm caches (session, grants)
        with assert_max_queries(limit):
            assert client.get(url).status_code == 200, url
