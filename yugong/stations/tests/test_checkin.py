"""Check-in must prove presence (issue 12, item 9): a current signed code, the phone near the
station, the station open; one check-in per hour still."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from tests.helpers import UserFactory
from yugong.core.errors import Conflict, RateLimited, ValidationFailed
from yugong.core.timeutil import SHANGHAI, local_now
from yugong.stations import geo, services
from yugong.stations.checkin import daily_token, screen_token, token_valid
from yugong.stations.models import CheckIn, Station

from .conftest import station_data

pytestmark = pytest.mark.django_db

MONDAY_10 = dt.datetime(2026, 3, 2, 10, 5, tzinfo=SHANGHAI)
WORKDAY_HOURS = {d: ["08:00-20:00"] for d in "12345"}


@pytest.fixture
def station(city: Any, staff: Any) -> Station:
    return services.station_create(actor=staff, union=city, data=station_data(1, hours=WORKDAY_HOURS))


def _checkin(station: Station, **kw: Any) -> CheckIn:
    data: dict[str, Any] = {
        "user": UserFactory(),
        "code": station.code,
        "token": daily_token(station.code, MONDAY_10.date()),
        "lat": station.lat,
        "lng": station.lng,
        "at": MONDAY_10,
    }
    data.update(kw)
    return services.checkin_create(**data)


def _refused_field(exc: pytest.ExceptionInfo[ValidationFailed]) -> str:
    (field,) = exc.value.fields
    return field


# --- the code --------------------------------------------------------------------------------


def test_the_bare_station_code_is_not_enough(station: Station) -> None:
    for token in ("", station.code, "w0-0000000000000000", f"d{MONDAY_10:%Y%m%d}-0123456789abcdef"):
        with pytest.raises(ValidationFailed) as exc:
            _checkin(station, token=token)
        assert _refused_field(exc) == "token"
    assert CheckIn.objects.count() == 0


def test_the_screen_code_lives_for_its_window_and_the_next(settings: Any, station: Station) -> None:
    settings.STATION_CHECKIN_TOKEN_SECONDS = 120
    shown = screen_token(station.code, MONDAY_10)
    assert token_valid(station.code, shown, MONDAY_10)
    assert token_valid(station.code, shown, MONDAY_10 + dt.timedelta(seconds=120))
    assert not token_valid(station.code, shown, MONDAY_10 + dt.timedelta(seconds=240))
    assert not token_valid(station.code, shown, MONDAY_10 - dt.timedelta(seconds=240))
    # A code shown at another station does not open this one.
    assert not token_valid("ST-9999", shown, MONDAY_10)
    with pytest.raises(ValidationFailed) as exc:
        _checkin(station, token=shown, at=MONDAY_10 + dt.timedelta(minutes=10))
    assert "过期" in str(exc.value.fields["token"][0])
    assert _checkin(station, token=shown, at=MONDAY_10 + dt.timedelta(seconds=30))


def test_the_printed_code_is_good_for_its_day_only(station: Station) -> None:
    yesterday = daily_token(station.code, MONDAY_10.date() - dt.timedelta(days=1))
    with pytest.raises(ValidationFailed):
        _checkin(station, token=yesterday)
    # The day is Shanghai's: 00:30 local is already the new day although UTC is still the old one.
    tuesday_0030 = dt.datetime(2026, 3, 3, 0, 30, tzinfo=SHANGHAI)
    assert not token_valid(station.code, daily_token(station.code, MONDAY_10.date()), tuesday_0030)
    assert token_valid(station.code, daily_token(station.code, tuesday_0030.date()), tuesday_0030)


# --- the position ----------------------------------------------------------------------------


def test_fifteen_kilometres_away_is_refused(station: Station) -> None:
    with pytest.raises(ValidationFailed) as exc:
        _checkin(station, lat=station.lat + 0.135, lng=station.lng)  # ~15 km north
    assert _refused_field(exc) == "position"
    assert "米" in str(exc.value.fields["position"][0])
    assert CheckIn.objects.count() == 0


def test_near_the_station_is_accepted_in_either_coordinate_system(settings: Any, station: Station) -> None:
    settings.STATION_CHECKIN_RADIUS_M = 300
    assert _checkin(station, lat=station.lat + 0.002, lng=station.lng)  # ~220 m
    with pytest.raises(ValidationFailed):
        _checkin(station, lat=station.lat + 0.004, lng=station.lng)  # ~450 m
    # A GCJ-02 position (高德) of the very spot is ~500 m off in WGS-84 unless converted.
    glat, glng = geo.wgs84_to_gcj02(station.lat, station.lng)
    assert _checkin(station, lat=glat, lng=glng, coord="gcj02")


def test_no_position_is_refused_unless_switched_off(settings: Any, station: Station) -> None:
    with pytest.raises(ValidationFailed) as exc:
        _checkin(station, lat=None, lng=None)
    assert _refused_field(exc) == "position"
    settings.STATION_CHECKIN_REQUIRE_POSITION = False
    assert _checkin(station, lat=None, lng=None)
    # A position that is sent is still checked.
    with pytest.raises(ValidationFailed):
        _checkin(station, lat=station.lat + 0.135, lng=station.lng)


# --- the hours and the hourly rule ------------------------------------------------------------


def test_outside_opening_hours_is_refused(station: Station) -> None:
    evening = dt.datetime(2026, 3, 2, 21, 0, tzinfo=SHANGHAI)
    with pytest.raises(Conflict) as exc:
        _checkin(station, at=evening, token=daily_token(station.code, evening.date()))
    assert "不开放" in str(exc.value.message)
    saturday = dt.datetime(2026, 3, 7, 10, 0, tzinfo=SHANGHAI)
    with pytest.raises(Conflict):
        _checkin(station, at=saturday, token=daily_token(station.code, saturday.date()))
    assert CheckIn.objects.count() == 0


def test_a_paused_station_is_refused(staff: Any, station: Station) -> None:
    services.station_set_status(actor=staff, station=station, status="paused")
    with pytest.raises(Conflict):
        _checkin(station)


def test_one_per_hour_still_holds(station: Station) -> None:
    worker = UserFactory()
    _checkin(station, user=worker)
    with pytest.raises(RateLimited):
        _checkin(station, user=worker, at=MONDAY_10 + dt.timedelta(minutes=30))


# --- pages and API ---------------------------------------------------------------------------


def test_the_keepers_screen_shows_a_fresh_code_and_reloads(client: Any, staff: Any, station: Station) -> None:
    client.force_login(staff)
    r = client.get(f"/stations/console/{station.pk}/screen/")
    html = r.content.decode()
    assert r.status_code == 200 and "<svg" in html and 'http-equiv="refresh"' in html
    assert r["Cache-Control"] == "private, no-store"
    detail = client.get(f"/stations/console/{station.pk}/").content.decode()
    assert f"/stations/console/{station.pk}/screen/" in detail
    # The worker is no keeper: the screen is not theirs to show.
    client.force_login(UserFactory())
    assert client.get(f"/stations/console/{station.pk}/screen/").status_code == 403


def test_the_printed_qr_carries_the_days_key(client: Any, staff: Any, station: Station) -> None:
    client.force_login(staff)
    today = local_now().date()
    r = client.get(f"/stations/console/{station.pk}/qr.svg")
    assert r.status_code == 200 and today.strftime("%Y%m%d") in r["Content-Disposition"]
    ahead = today + dt.timedelta(days=3)
    r = client.get(f"/stations/console/{station.pk}/qr.svg", {"day": ahead.isoformat()})
    assert ahead.strftime("%Y%m%d") in r["Content-Disposition"]
    r = client.get(f"/stations/console/{station.pk}/qr.svg", {"day": "2020-01-01"})
    assert today.strftime("%Y%m%d") in r["Content-Disposition"]


def test_the_page_without_a_code_explains_and_offers_no_button(client: Any, station: Station) -> None:
    client.force_login(UserFactory())
    html = client.get(f"/stations/c/{station.code}/").content.decode()
    assert 'data-testid="checkin-no-token"' in html and 'data-testid="checkin"' not in html
    r = client.post(f"/stations/c/{station.code}/", {"lat": station.lat, "lng": station.lng})
    assert "二维码" in r.content.decode() and CheckIn.objects.count() == 0


def test_the_page_without_a_code_scans_a_station_qr_with_the_camera(
    client: Any, city: Any, staff: Any, station: Station
) -> None:
    """The camera (or a pasted link) fills ``t`` with the QR's URL: the page goes on to the check-in
    page that URL names (another station's too), path and code only; anything else is refused."""
    other = services.station_create(actor=staff, union=city, data=station_data(3))
    client.force_login(UserFactory())
    page = f"/stations/c/{station.code}/"
    html = client.get(page).content.decode()
    assert 'data-testid="scan-camera"' in html and 'name="t"' in html
    assert "vendor/qr-scanner/qr-scanner.umd.min.js" in html
    token = screen_token(other.code, local_now())
    for scanned in (
        f"https://gh.example.cn/stations/c/{other.code}/?t={token}",
        f"/stations/c/{other.code}/?t={token}",
    ):
        r = client.get(page, {"t": scanned})
        assert r.status_code == 302 and r["Location"] == f"/stations/c/{other.code}/?t={token}"
    r = client.get(r["Location"])
    assert 'data-testid="checkin"' in r.content.decode()  # the confirm button of that station
    for bad in ("https://evil.example/x/?t=1", f"/stations/c/{other.code}/", "/news/?t=1"):
        r = client.get(page, {"t": bad})
        html = r.content.decode()
        assert r.status_code == 200 and "这不是站点打卡二维码" in html and 'data-testid="checkin"' not in html
    assert CheckIn.objects.count() == 0


def test_api_refuses_far_away_in_chinese_naming_the_field(client: Any, city: Any, staff: Any) -> None:
    s = services.station_create(actor=staff, union=city, data=station_data(2))
    client.force_login(UserFactory())
    body = {"token": screen_token(s.code, local_now()), "lat": s.lat + 0.135, "lng": s.lng}
    r = client.post(f"/api/v1/stations/checkins/{s.code}", json.dumps(body), content_type="application/json")
    assert r.status_code == 422 and "position" in r.json()["fields"]
    body["token"] = "nope"
    body["lat"] = s.lat
    r = client.post(f"/api/v1/stations/checkins/{s.code}", json.dumps(body), content_type="application/json")
    assert r.status_code == 422 and "token" in r.json()["fields"]
    assert CheckIn.objects.count() == 0
