"""Camera scanning: the merchant's gate reads a ticket QR through Chromium's fake camera.

The camera is a video file the test writes: a QR made with segno for the ticket's token, drawn
with Pillow on a 640×480 frame and written as Y4M (raw YUV 4:2:0), which Chromium plays in a loop
as the camera (``--use-file-for-fake-video-capture``; ``--use-fake-ui-for-media-stream`` answers
the permission prompt with "allow"). Without a camera the page says so and the text field stays.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from e2e.conftest import CHROMIUM, CHROMIUM_ARGS, NO_OUTSIDE_TRAFFIC_ARGS, SKIP_REASON, _new_page
from e2e.helpers import assert_page_healthy

pytestmark = pytest.mark.django_db(transaction=True)

FRAME_W, FRAME_H = 640, 480


def write_qr_y4m(path: Path, text: str, *, frames: int = 5) -> None:
    """A Y4M video of ``frames`` identical frames showing the QR of ``text`` on white."""
    import segno
    from PIL import Image

    png = io.BytesIO()
    code = segno.make(text, error="m")
    # Whole pixels per module (a fractional resize blurs a dense code), and the whole code inside the
    # scanner's default region: the centred square of 2/3 of the frame's height (qr-scanner).
    scale = max(1, (FRAME_H * 2 // 3) // code.symbol_size(border=4)[0])
    code.save(png, kind="png", scale=scale, border=4)
    qr = Image.open(io.BytesIO(png.getvalue())).convert("RGB")
    side = qr.width
    frame = Image.new("RGB", (FRAME_W, FRAME_H), "white")
    frame.paste(qr, ((FRAME_W - side) // 2, (FRAME_H - side) // 2))
    y, cb, cr = frame.convert("YCbCr").split()
    half = (FRAME_W // 2, FRAME_H // 2)
    planes = y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes()
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{FRAME_W} H{FRAME_H} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + planes)


def _sign_in(page: Any, live_server: Any, user: Any) -> None:
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])


def _paid_ticket_for_now(world: Any) -> Any:
    """A paid ticket whose session starts in five minutes (inside the admission window)."""
    from django.utils.timezone import now

    from yugong.tourism.gateways import sim_notification
    from yugong.tourism.models import Session
    from yugong.tourism.services import order_place, payment_notify, payment_start

    order, _ = order_place(
        actor=world.worker,
        session_id=world.session.pk,
        quantity=1,
        idempotency_key="scan",
        holder_names=["李嬢嬢"],
    )
    payment, _ = payment_start(actor=world.worker, order=order)
    body, sig = sim_notification(payment.provider_ref, payment.amount_fen)
    payment_notify(provider="sim", body=body, signature=sig)
    Session.objects.filter(pk=world.session.pk).update(starts_at=now() + dt.timedelta(minutes=5))
    return order.tickets.get()


@pytest.fixture
def camera_file(tmp_path: Path) -> Path:
    return tmp_path / "camera.y4m"


@pytest.fixture
def camera_page(
    camera_file: Path, live_server: Any, request: pytest.FixtureRequest, browser: Any
) -> Iterator[Any]:
    """A phone (390×844) whose camera shows ``camera_file`` (written by the test before it asks
    for this fixture's page: Chromium reads the file when the camera opens). A second Chromium
    launched from the session's Playwright: a second sync Playwright inside the first one fails."""
    if SKIP_REASON:
        pytest.skip(SKIP_REASON)
    from e2e.conftest import PHONE

    camera_browser = browser.browser_type.launch(
        executable_path=str(CHROMIUM),
        headless=True,
        args=[
            *CHROMIUM_ARGS,
            *NO_OUTSIDE_TRAFFIC_ARGS,
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={camera_file}",
        ],
    )
    try:
        yield from _new_page(camera_browser, live_server, request, **PHONE)
    finally:
        camera_browser.close()


def test_the_gate_scans_a_ticket_qr_through_the_camera(
    camera_file: Path, live_server: Any, request: pytest.FixtureRequest
) -> None:
    from yugong.tourism.models import Ticket
    from yugong.tourism.qr import ticket_qr_text
    from yugong.tourism.tests.factories import build_world

    world = build_world()
    ticket = _paid_ticket_for_now(world)
    write_qr_y4m(camera_file, ticket_qr_text(ticket.token))
    page = request.getfixturevalue("camera_page")
    _sign_in(page, live_server, world.merchant_staff)

    # The gate opens the camera by itself; the decoded QR fills the field and submits the form.
    page.goto(f"/tourism/merchant/{world.merchant.pk}/scan/")
    result = page.get_by_test_id("scan-result")
    expect(result).to_contain_text("验票成功，请放行。")
    # The result page opens the camera again with the same QR still in view: it is not sent again,
    # so the green "admitted" stays instead of turning into a red "already used" (at 8 scans a
    # second the old page re-sent it well within this wait).
    expect(page.get_by_test_id("scan-camera")).to_have_attribute("data-scan-state", "repeat", timeout=5000)
    page.wait_for_timeout(1000)
    expect(result).to_contain_text("验票成功，请放行。")
    expect(page.get_by_test_id("scan-holder")).to_contain_text("李")
    expect(page.get_by_test_id("scan-session")).to_contain_text(world.product.title)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.USED
    assert_page_healthy(page)


def test_without_a_camera_the_gate_says_so_and_the_text_field_still_admits(
    desk_page: Any, live_server: Any
) -> None:
    """The shared browser has no camera device: the scanner falls back to the text field."""
    from yugong.tourism.qr import ticket_qr_text
    from yugong.tourism.tests.factories import build_world

    world = build_world()
    ticket = _paid_ticket_for_now(world)
    page = desk_page
    _sign_in(page, live_server, world.merchant_staff)
    page.goto(f"/tourism/merchant/{world.merchant.pk}/scan/")
    camera = page.get_by_test_id("scan-camera")
    expect(camera).to_have_attribute("data-scan-state", "fallback")
    expect(page.get_by_test_id("scan-status")).to_contain_text("请在下方输入码")
    page.get_by_label("扫码结果").fill(ticket_qr_text(ticket.token))
    page.get_by_role("button", name="核验").click()
    expect(page.get_by_test_id("scan-result")).to_contain_text("验票成功，请放行。")
    assert_page_healthy(page)


def test_staff_check_a_member_card_through_the_camera(
    camera_file: Path, live_server: Any, request: pytest.FixtureRequest
) -> None:
    """The console's 会员卡核验 on a phone: the camera reads the card's QR (the verify URL the
    worker's card shows) and the page answers with the masked name and the union."""
    from tests.helpers import UserFactory, grant, make_union
    from yugong.members.card import card_token_issue
    from yugong.members.models import Membership, Person

    city = make_union(None, name="重庆市总工会")
    shop = make_union(city, kind="grassroots", name="解放碑百货工会")
    person = Person.objects.create(name="张师傅", user=UserFactory())
    membership = Membership.objects.create(person=person, union=shop, status="active")
    staff = UserFactory()
    grant(staff, city, "staff")
    token, _expires = card_token_issue(membership)
    write_qr_y4m(camera_file, f"{live_server.url}/members/verify/{token}/")
    page = request.getfixturevalue("camera_page")
    _sign_in(page, live_server, staff)

    page.goto("/members/verify/")
    page.get_by_test_id("scan-start").tap()
    result = page.get_by_test_id("verify-result")
    expect(result).to_contain_text("有效会员", timeout=20_000)  # a long URL: a dense code to decode
    expect(result).to_contain_text("张*傅")
    expect(result).to_contain_text("解放碑百货工会")
    assert "张师傅" not in page.content()
    assert_page_healthy(page)


def test_a_worker_checks_in_at_a_station_through_the_camera(
    camera_file: Path, live_server: Any, request: pytest.FixtureRequest
) -> None:
    """At the station the worker opens 扫码打卡, the camera reads the station's screen QR (its
    check-in URL with the current code), and one tap checks them in from the station's spot."""
    from tests.helpers import UserFactory, grant, make_union
    from yugong.core.timeutil import local_now
    from yugong.stations import services
    from yugong.stations.checkin import screen_token
    from yugong.stations.models import CheckIn
    from yugong.stations.spatial import index_reset

    index_reset()
    city = make_union(None, name="重庆市总工会")
    staff = UserFactory(is_staff=True)
    grant(staff, city, "staff")
    here = {"latitude": 29.5575, "longitude": 106.5775}
    station = services.station_create(
        actor=staff,
        union=city,
        data={
            "code": "E2E-CAM",
            "name": "解放碑渝工港湾",
            "address": "渝中区民族路",
            "district": "渝中区",
            "lat": here["latitude"],
            "lng": here["longitude"],
            "hours": {d: ["00:00-24:00"] for d in "1234567"},
            "amenities": ["water", "rest"],
        },
    )
    url = f"{live_server.url}/stations/c/{station.code}/?t={screen_token(station.code, local_now())}"
    write_qr_y4m(camera_file, url)
    page = request.getfixturevalue("camera_page")
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation(here)
    worker = UserFactory()
    _sign_in(page, live_server, worker)

    page.goto(f"/stations/c/{station.code}/")  # the bare station address: nothing to tap yet
    expect(page.get_by_test_id("checkin")).to_have_count(0)
    page.get_by_test_id("scan-start").tap()
    page.get_by_test_id("checkin").tap()
    expect(page.get_by_test_id("checkin-done")).to_be_visible()
    assert CheckIn.objects.filter(station=station, user=worker).count() == 1
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    assert_page_healthy(page)
