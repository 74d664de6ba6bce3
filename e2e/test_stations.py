"""A worker on a phone finds the nearest open station with drinking water and opens its page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from e2e.helpers import assert_page_healthy

HERE = {"latitude": 29.5575, "longitude": 106.5775}  # 解放碑 (WGS-84, as the browser reports)
ALL_DAY = {d: ["00:00-24:00"] for d in "1234567"}


@pytest.fixture
def stations(transactional_db: Any) -> dict[str, Any]:
    from tests.helpers import UserFactory, grant, make_union
    from yugong.stations import services
    from yugong.stations.spatial import index_reset

    index_reset()
    city = make_union(None, name="重庆市总工会")
    staff = UserFactory(is_staff=True)
    grant(staff, city, "staff")

    def make(code: str, name: str, dlat: float, amenities: list[str], hours: dict[str, list[str]]) -> Any:
        data = {
            "code": code,
            "name": name,
            "address": "渝中区民族路",
            "district": "渝中区",
            "lat": HERE["latitude"] + dlat,
            "lng": HERE["longitude"],
            "hours": hours,
            "amenities": amenities,
        }
        return services.station_create(actor=staff, union=city, data=data)

    return {
        # nearest, open, but no drinking water
        "dry": make("E2E-DRY", "无水驿站", 0.0005, ["rest", "toilet"], ALL_DAY),
        # water, but never open (no hours on any day)
        "shut": make("E2E-SHUT", "暂不开放港湾", 0.0015, ["water"], {}),
        # water and open all day: the answer
        "good": make("E2E-GOOD", "解放碑渝工港湾", 0.003, ["water", "toilet", "first_aid"], ALL_DAY),
        "far": make("E2E-FAR", "较远港湾", 0.02, ["water"], ALL_DAY),
    }


def test_worker_finds_the_nearest_open_station_with_water(phone_page: Any, stations: dict[str, Any]) -> None:
    page = phone_page
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation(HERE)

    page.goto("/")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="服务").tap()
    page.get_by_role("link", name="附近港湾").tap()
    expect(page).to_have_url(re.compile(r"/stations/$"))

    page.get_by_test_id("locate").tap()
    expect(page).to_have_url(re.compile(r"lat=29\.5575"))
    page.wait_for_load_state()  # the filters submit on change from app.js (deferred): let it run
    items = page.get_by_test_id("station-item")
    expect(items.first).to_contain_text("无水驿站")  # unfiltered: simply the nearest

    page.get_by_label("饮水").check()
    expect(page).to_have_url(re.compile(r"amenity=water"))
    page.wait_for_load_state()
    page.get_by_label("只看现在开放").check()
    expect(page).to_have_url(re.compile(r"open_now=1"))
    expect(items.first).to_contain_text("解放碑渝工港湾")
    expect(items.first).to_contain_text("步行约")
    expect(items.first.get_by_test_id("open-badge")).to_be_visible()
    expect(page.get_by_text("无水驿站")).to_have_count(0)
    expect(page.get_by_text("暂不开放港湾")).to_have_count(0)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390

    items.first.get_by_role("link").tap()
    expect(page).to_have_url(re.compile(r"/stations/s/E2E-GOOD/$"))
    detail = page.get_by_test_id("station-detail")
    expect(detail.get_by_role("heading", name="解放碑渝工港湾")).to_be_visible()
    expect(detail.get_by_test_id("open-badge")).to_be_visible()
    expect(detail).to_contain_text("饮水")
    for app in ("高德地图", "百度地图", "腾讯地图"):
        expect(page.get_by_role("link", name=app)).to_be_visible()
    assert_page_healthy(page)


def test_map_view_shows_markers_without_tiles(
    phone_page: Any, stations: dict[str, Any], settings: Any
) -> None:
    settings.MAP_TILE_URL = ""
    page = phone_page
    page.goto(f"/stations/map/?lat={HERE['latitude']}&lng={HERE['longitude']}")
    expect(page.locator(".leaflet-marker-icon").first).to_be_visible()
    expect(page.locator(".leaflet-marker-icon")).to_have_count(5)  # the chosen point + 4 stations
    assert page.locator(".leaflet-tile").count() == 0
    assert_page_healthy(page)


def test_keeper_screen_and_worker_checks_in_on_the_spot(
    phone_page: Any, desk_page: Any, stations: dict[str, Any], settings: Any, live_server: Any
) -> None:
    """The keeper opens the station's check-in screen; a worker scans it at the station, signs in,
    taps once (the page sends the phone's position) and is checked in. From 15 km away the same
    code is refused with the distance; without the code there is no button."""
    from e2e.helpers import fresh_phone, sms_code_for
    from tests.helpers import UserFactory
    from yugong.core.timeutil import local_now
    from yugong.stations.checkin import screen_token
    from yugong.stations.models import CheckIn

    settings.SMS_BACKEND = "locmem"
    good = stations["good"]
    keeper = UserFactory(is_staff=True)
    good.keepers.add(keeper)
    desk = desk_page
    desk.context.add_cookies([_session_cookie(keeper, live_server.url)])
    desk.goto(f"/stations/console/{good.pk}/screen/")
    expect(desk.get_by_test_id("screen-qr").locator("svg")).to_be_visible()
    assert desk.locator('meta[http-equiv="refresh"]').count() == 1
    assert_page_healthy(desk)

    page = phone_page
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": good.lat, "longitude": good.lng})
    path = f"/stations/c/{good.code}/?t={screen_token(good.code, local_now())}"
    page.goto(path)
    phone = fresh_phone()
    page.get_by_label("手机号").fill(phone)
    page.get_by_role("button", name="获取验证码").tap()
    page.get_by_label("短信验证码").fill(sms_code_for(phone))
    page.get_by_role("button", name="登录").tap()
    page.get_by_test_id("checkin").tap()
    expect(page.get_by_test_id("checkin-done")).to_be_visible()
    assert CheckIn.objects.filter(station=good).count() == 1
    assert_page_healthy(page)

    # From 15 km away, with a current code: refused, saying how far.
    page.context.set_geolocation({"latitude": good.lat + 0.135, "longitude": good.lng})
    far = stations["far"]
    page.goto(f"/stations/c/{far.code}/?t={screen_token(far.code, local_now())}")
    page.context.set_geolocation({"latitude": far.lat + 0.135, "longitude": far.lng})
    page.get_by_test_id("checkin").tap()
    expect(page.get_by_text(re.compile(r"您距离本站约 \d+ 米"))).to_be_visible()
    assert CheckIn.objects.filter(station=far).count() == 0

    # The bare station URL (the old printed QR) offers nothing to tap.
    page.goto(f"/stations/c/{far.code}/")
    expect(page.get_by_test_id("checkin-no-token")).to_be_visible()
    expect(page.get_by_test_id("checkin")).to_have_count(0)


def _session_cookie(user: Any, url: str) -> dict[str, Any]:
    """A signed-in session for ``user`` as a browser cookie (staff sign-in is tested elsewhere)."""
    from django.conf import settings as django_settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    return {"name": cookie.key, "value": cookie.value, "url": url}
