"""Browser journey: a worker books a show seat on a phone, pays through the simulated gateway and
sees the e-ticket with its QR code; the annual-pass page refreshes its dynamic QR by script."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from django.test import Client
from playwright.sync_api import expect

from e2e.helpers import assert_page_healthy

pytestmark = pytest.mark.django_db(transaction=True)


def _sign_in(page: Any, live_server: Any, user: Any) -> None:
    """Reuse a server-side session (the SMS sign-in itself is covered by test_worker_login)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])


def test_worker_books_a_show_seat_and_sees_the_eticket(phone_page: Any, live_server: Any) -> None:
    from yugong.tourism.models import Order
    from yugong.tourism.tests.factories import build_world

    world = build_world(capacity=3)
    page = phone_page
    _sign_in(page, live_server, world.worker)

    page.goto("/tourism/")
    expect(page.get_by_text("话剧《江姐》")).to_be_visible()
    page.get_by_role("searchbox", name="搜索").fill("江姐")
    page.get_by_role("button", name="搜索").tap()
    page.get_by_test_id("product").first.tap()
    expect(page.get_by_role("heading", name="话剧《江姐》")).to_be_visible()
    expect(page.get_by_text("余 3")).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    assert_page_healthy(page)

    page.get_by_role("button", name="立即预订").tap()
    expect(page).to_have_url(re.compile(r"/tourism/orders/\d+/$"))
    expect(page.get_by_test_id("order-status")).to_have_text("待支付")
    page.get_by_role("button", name="去支付").tap()
    expect(page).to_have_url(re.compile(r"/tourism/pay/sim/"))
    page.get_by_role("button", name="确认支付").tap()

    expect(page).to_have_url(re.compile(r"/tourism/orders/\d+/$"))
    expect(page.get_by_text("支付成功，电子票已生成。")).to_be_visible()
    expect(page.get_by_test_id("order-status")).to_have_text("已支付")
    qr = page.get_by_role("img", name="电子票二维码")
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
    assert_page_healthy(page)

    order = Order.objects.get(user=world.worker)
    assert order.status == "paid" and order.session.remaining == 2

    page.get_by_role("navigation", name="主导航").get_by_role("link", name="服务").tap()
    page.get_by_role("link", name="我的门票").tap()
    expect(page.get_by_test_id("my-order")).to_contain_text("话剧《江姐》")
    assert_page_healthy(page)


def test_worker_picks_seats_on_the_seat_map(phone_page: Any, live_server: Any) -> None:
    import datetime as dt

    from yugong.core.timeutil import now
    from yugong.tourism.services import order_place, session_add
    from yugong.tourism.tests.factories import build_world, make_member

    world = build_world()
    hall = session_add(
        actor=world.merchant_staff,
        product=world.product,
        starts_at=now() + dt.timedelta(days=2),
        capacity=0,
        label="对号入座",
        seat_layout="AAAA_AAAA\nAAAA_AAAA",
    )
    other, _person = make_member(world.company)
    order_place(actor=other, session_id=hall.pk, quantity=1, idempotency_key="taken", seats=["1-2"])
    page = phone_page
    _sign_in(page, live_server, world.worker)

    page.goto(f"/tourism/p/{world.product.pk}/")
    page.get_by_role("link", name=re.compile("选座购票")).tap()
    expect(page).to_have_url(re.compile(rf"/tourism/s/{hall.pk}/seats/$"))
    expect(page.get_by_test_id("seats-free")).to_have_text("余 15 座")
    expect(page.get_by_label("1排2座")).to_be_disabled()
    page.get_by_label("1排3座").check()
    page.get_by_label("1排4座").check()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    assert_page_healthy(page)
    page.get_by_test_id("seat-book").tap()

    expect(page).to_have_url(re.compile(r"/tourism/orders/\d+/$"))
    seats = page.get_by_test_id("ticket-seat")
    expect(seats).to_have_text(["1排3座", "1排4座"])
    assert_page_healthy(page)


def test_annual_pass_qr_refreshes(phone_page: Any, live_server: Any) -> None:
    from yugong.core.timeutil import local_today
    from yugong.tourism.services import pass_batch_approve, pass_batch_request
    from yugong.tourism.tests.factories import build_world

    world = build_world()
    batch = pass_batch_request(
        actor=world.union_staff,
        union=world.company,
        year=local_today().year,
        price_fen=15000,
        person_ids=[world.person.pk],
    )
    pass_batch_approve(actor=world.chair, batch=batch)
    page = phone_page
    _sign_in(page, live_server, world.worker)
    page.clock.install()
    page.goto("/tourism/pass/")
    expect(page.get_by_test_id("pass-holder")).to_contain_text("张*傅")
    img = page.get_by_role("img", name="年票动态二维码")
    first = img.get_attribute("src")
    time.sleep(1.1)  # the code carries the time in seconds: make sure the next one differs
    with page.expect_response(re.compile(r"/tourism/pass/qr/")):
        page.clock.run_for(21_000)
    expect(img).not_to_have_attribute("src", first or "")
    assert_page_healthy(page)
