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


def test_a_whole_row_fits_a_phone_and_a_refund_is_confirmed_first(phone_page: Any, live_server: Any) -> None:
    """A hall of 10 + aisle + 10 at 390 px: every seat of a row is on screen at once; the sticky bar
    sums the chosen seats; "放大" pans the hall with the row numbers kept in view; after paying, the
    refund shows the tickets and the amount and refunds only when confirmed."""
    import datetime as dt

    from yugong.core.timeutil import now
    from yugong.tourism.models import Order
    from yugong.tourism.services import session_add
    from yugong.tourism.tests.factories import build_world

    world = build_world()
    world.product.refund_rule = "fee"
    world.product.refund_fee_bp = 500  # 5 %
    world.product.save()
    hall = session_add(
        actor=world.merchant_staff,
        product=world.product,
        starts_at=now() + dt.timedelta(days=3),
        capacity=0,
        label="大剧场",
        seat_layout="\n".join(["AAAAAAAAAA_AAAAAAAAAA"] * 12),
    )
    page = phone_page
    _sign_in(page, live_server, world.worker)
    page.goto(f"/tourism/s/{hall.pk}/seats/")

    row = [page.get_by_label(f"5排{n}座") for n in range(1, 21)]
    for seat in row:
        box = seat.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    summary = page.get_by_test_id("seat-summary")
    expect(summary).to_contain_text("已选 0 座")
    expect(page.get_by_test_id("seat-book")).to_be_disabled()

    page.get_by_label("5排10座").check()
    page.get_by_label("5排11座").check()
    expect(summary).to_contain_text("已选 2 座")
    expect(page.get_by_test_id("seat-total")).to_have_text("¥160.00")
    expect(page.get_by_test_id("seat-list")).to_have_text("5排10座、5排11座")
    # the family limit (5 a order) is kept on the page too
    for n in (1, 2, 3):
        page.get_by_label(f"6排{n}座").check()
    page.get_by_label("6排4座").click()  # a sixth seat: the page takes it back and says why
    expect(page.get_by_label("6排4座")).not_to_be_checked()
    expect(page.get_by_text("最多只能选 5 个座位。")).to_be_visible()
    for n in (1, 2, 3):
        page.get_by_label(f"6排{n}座").uncheck()
    expect(page.get_by_test_id("seat-total")).to_have_text("¥160.00")

    # the bar stays on screen above the tab bar while the page scrolls
    page.mouse.wheel(0, -2000)
    bar = summary.bounding_box()
    tabbar = page.get_by_role("navigation", name="主导航").bounding_box()
    assert bar is not None and tabbar is not None and bar["y"] + bar["height"] <= tabbar["y"] + 1

    hall_el = page.get_by_test_id("seat-hall")
    page.get_by_role("button", name="放大").tap()
    expect(page.get_by_role("button", name="缩小")).to_have_attribute("aria-pressed", "true")
    assert hall_el.evaluate("h => h.scrollWidth > h.clientWidth + 100")
    assert hall_el.evaluate("h => h.scrollLeft > 0")  # opened on the chosen seats
    assert (page.get_by_label("5排10座").bounding_box() or {}).get("width", 0) >= 30
    hall_el.evaluate("h => { h.scrollLeft = h.scrollWidth; }")
    rowno = page.locator(".yg-seat-row").nth(4).locator(".yg-seat-rowno").first
    box = rowno.bounding_box()
    assert box is not None and box["x"] >= 0, "the row number scrolled away with the seats"
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    assert_page_healthy(page)

    page.get_by_test_id("seat-book").tap()
    expect(page).to_have_url(re.compile(r"/tourism/orders/\d+/$"))
    page.get_by_role("button", name="去支付").tap()
    page.get_by_role("button", name="确认支付").tap()
    expect(page.get_by_test_id("order-status")).to_have_text("已支付")

    page.get_by_test_id("refund-start").tap()
    expect(page).to_have_url(re.compile(r"/tourism/orders/\d+/refund/$"))
    expect(page.get_by_test_id("refund-ticket")).to_have_count(2)
    expect(page.get_by_test_id("refund-order")).to_contain_text("5排10座")
    expect(page.get_by_test_id("refund-paid")).to_have_text("¥160.00")
    expect(page.get_by_test_id("refund-fee")).to_have_text("−¥8.00")
    expect(page.get_by_test_id("refund-amount")).to_have_text("¥152.00")
    order = Order.objects.get(user=world.worker, session=hall)
    assert order.status == "paid"
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    assert_page_healthy(page)
    page.get_by_role("button", name="确认退款 ¥152.00").tap()
    expect(page.get_by_text("已退款，款项将原路退回。")).to_be_visible()
    expect(page.get_by_test_id("order-status")).to_have_text("已退款")
    order.refresh_from_db()
    assert order.refunded_fen == 15200
    assert_page_healthy(page)


def test_annual_pass_qr_refreshes(phone_page: Any, live_server: Any) -> None:
    from yugong.core.timeutil import local_today
    from yugong.tourism.services import pass_batch_approve, pass_batch_request
    from yugong.tourism.tests.factories import build_world, funded_line

    world = build_world()
    batch = pass_batch_request(
        actor=world.union_staff,
        union=world.company,
        year=local_today().year,
        price_fen=15000,
        person_ids=[world.person.pk],
        budget_line=funded_line(world.company),
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


def test_the_pass_page_maps_the_spots_and_searches_them(phone_page: Any, live_server: Any) -> None:
    """The worker's pass page lists the approved spots, draws them with Leaflet on the plain
    background (no tile source configured) and narrows them by search."""
    from yugong.tourism.models import PassSpot, ReviewStatus
    from yugong.tourism.tests.factories import build_world

    world = build_world()
    PassSpot.objects.filter(pk=world.spot.pk).update(lat=29.44, lng=107.80)
    PassSpot.objects.create(
        merchant=world.other_merchant,
        name="乐山大佛",
        region="sichuan",
        lat=29.55,
        lng=103.77,
        rate_fen=2000,
        status=ReviewStatus.APPROVED,
    )
    PassSpot.objects.create(merchant=world.other_merchant, name="待审景点", rate_fen=1, lat=29.0, lng=106.0)
    page = phone_page
    _sign_in(page, live_server, world.worker)
    page.goto("/tourism/pass/")
    expect(page.get_by_test_id("spot-item")).to_have_count(2)
    expect(page.locator("#spot-map .yg-spot-pin")).to_have_count(2)
    expect(page.locator("#spot-map .yg-spot-pin.is-sichuan")).to_have_count(1)
    page.get_by_role("textbox", name="搜索景点").fill("大佛")
    page.get_by_role("button", name="搜索").click()
    expect(page.get_by_test_id("spot-item")).to_have_count(1)
    expect(page.get_by_test_id("spot-item")).to_contain_text("乐山大佛")
    assert_page_healthy(page)


def test_the_gate_refuses_a_ticket_on_the_wrong_day_and_says_why(desk_page: Any, live_server: Any) -> None:
    """The merchant's gate: a paid ticket for a session eight days ahead is refused today, with
    the session's date, the seat and the holder shown beside the reason."""
    from yugong.tourism.gateways import sim_notification
    from yugong.tourism.services import order_place, payment_notify, payment_start
    from yugong.tourism.tests.factories import build_world

    world = build_world()
    order, _ = order_place(
        actor=world.worker,
        session_id=world.session.pk,
        quantity=1,
        idempotency_key="e2e",
        holder_names=["李嬢嬢"],
    )
    payment, _ = payment_start(actor=world.worker, order=order)
    body, sig = sim_notification(payment.provider_ref, payment.amount_fen)
    payment_notify(provider="sim", body=body, signature=sig)
    ticket = order.tickets.get()
    page = desk_page
    _sign_in(page, live_server, world.merchant_staff)
    page.goto(f"/tourism/merchant/{world.merchant.pk}/scan/")
    page.get_by_label("扫码结果").fill(f"YGT1.{ticket.token}")
    page.get_by_role("button", name="核验").click()
    result = page.get_by_test_id("scan-result")
    expect(result).to_have_attribute("data-code", "wrong_day")
    expect(result).to_contain_text("日期不符")
    expect(page.get_by_test_id("scan-holder")).to_contain_text("李嬢嬢")
    expect(page.get_by_test_id("scan-session")).to_contain_text(world.product.title)
    assert_page_healthy(page)
