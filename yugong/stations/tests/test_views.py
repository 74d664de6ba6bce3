import io
import json
from urllib.parse import unquote

import pytest

from tests.helpers import UserFactory, assert_max_queries, grant, make_union
from yugong.core.timeutil import local_now
from yugong.stations import services
from yugong.stations.checkin import screen_token
from yugong.stations.models import CheckIn

from .conftest import station_data

pytestmark = pytest.mark.django_db


def test_h5_pages(client, city, staff) -> None:  # type: ignore[no-untyped-def]
    s = services.station_create(actor=staff, union=city, data=station_data(1))
    assert "使用我的位置" in client.get("/stations/").content.decode()
    page = client.get("/stations/", {"lat": 29.5575, "lng": 106.5775, "amenity": "water", "open_now": "1"})
    html = page.content.decode()
    assert s.name in html and "开放中" in html
    detail = client.get(f"/stations/s/{s.code}/").content.decode()
    assert "uri.amap.com" in detail and "api.map.baidu.com" in detail and "apis.map.qq.com" in detail
    assert "<script>" not in detail
    assert client.get("/stations/map/").status_code == 200
    assert client.get("/stations/s/NOPE/").status_code == 404


@pytest.mark.parametrize("n", [3, 30])
def test_nearby_page_query_count(client, city, staff, n) -> None:  # type: ignore[no-untyped-def]
    for i in range(n):
        services.station_create(actor=staff, union=city, data=station_data(i, lat=29.55 + i * 0.0005))
    client.get("/stations/", {"lat": 29.55, "lng": 106.57})
    with assert_max_queries(3):
        client.get("/stations/", {"lat": 29.55, "lng": 106.57})


def test_qr_checkin_flow(client, city, staff) -> None:  # type: ignore[no-untyped-def]
    s = services.station_create(actor=staff, union=city, data=station_data(1))
    token = screen_token(s.code, local_now())
    r = client.get(f"/stations/c/{s.code}/", {"t": token})
    assert r.status_code == 302 and "/accounts/" in r["Location"] and token in unquote(r["Location"])
    client.force_login(UserFactory())
    page = client.get(f"/stations/c/{s.code}/", {"t": token}).content.decode()
    assert f'value="{token}"' in page and "stations/checkin.js" in page
    here = {"t": token, "lat": s.lat, "lng": s.lng, "coord": "wgs84"}
    r = client.post(f"/stations/c/{s.code}/", here)
    assert "打卡成功" in r.content.decode()
    r = client.post(f"/stations/c/{s.code}/", here)
    assert "一小时内" in r.content.decode()
    assert CheckIn.objects.count() == 1
    r = client.post(f"/stations/s/{s.code}/feedback/", {"rating": 5, "comment": "好"})
    assert r.status_code == 302


def test_console_pages_and_scope(client, city) -> None:  # type: ignore[no-untyped-def]
    a, b = make_union(city, kind="district"), make_union(city, kind="district")
    staff_a, staff_b = UserFactory(), UserFactory()
    grant(staff_a, a, "staff")
    grant(staff_b, b, "staff")
    s = services.station_create(actor=staff_a, union=a, data=station_data(1))
    client.force_login(staff_b)
    assert client.get(f"/stations/console/{s.pk}/").status_code == 404
    assert client.get(f"/stations/console/{s.pk}/edit/").status_code == 404
    assert s.code not in client.get("/stations/console/").content.decode()
    client.force_login(staff_a)
    assert s.code in client.get("/stations/console/").content.decode()
    assert client.get(f"/stations/console/{s.pk}/").status_code == 200
    assert client.get(f"/stations/console/{s.pk}/qr.svg")["Content-Type"] == "image/svg+xml"
    r = client.post(
        "/stations/console/new/",
        {
            "union_code": a.code,
            "code": "NEW-1",
            "name": "新港湾",
            "kind": "harbour",
            "address": "地址",
            "district": "渝中区",
            "coord": "gcj02",
            "lat": "29.56",
            "lng": "106.57",
            "hours": "每天 20:00-06:00",
            "holiday_hours": "",
            "amenities": ["water", "rest"],
            "status": "open",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    r = client.post(f"/stations/console/{s.pk}/inspections/", {"water_stocked": "on", "is_clean": "on"})
    assert r.status_code == 302
    assert client.get("/stations/console/import/template.xlsx").status_code == 200
    assert client.get("/stations/console/coverage/").status_code == 200
    r = client.post(
        "/stations/console/coverage/",
        {"district": "渝中区", "region": "", "cell_m": 200, "minutes": 15, "k": 2},
    )
    assert "coverage-data" in r.content.decode()
    assert r.context["map_data"]["region"]["type"] in ("Polygon", "MultiPolygon")  # the district's boundary
    r = client.post(
        "/stations/console/coverage/",
        {"region": json.dumps(DEMO_REGION), "cell_m": 100, "minutes": 15, "k": 2},
    )
    assert "coverage-data" in r.content.decode()  # a pasted region still works
    r = client.post("/stations/console/coverage/", {"region": "", "cell_m": 100, "minutes": 15, "k": 2})
    assert "请在地图上点选区县" in r.content.decode()
    assert client.get("/stations/console/export.geojson").status_code == 200


# A rough outline of 渝中半岛 (WGS-84), pasted instead of picking a district.
DEMO_REGION = {
    "type": "Polygon",
    "coordinates": [
        [[106.52, 29.545], [106.59, 29.54], [106.595, 29.565], [106.55, 29.575], [106.52, 29.545]]
    ],
}


@pytest.mark.parametrize("n", [3, 30])
def test_console_list_query_count(client, city, staff, n) -> None:  # type: ignore[no-untyped-def]
    for i in range(n):
        services.station_create(actor=staff, union=city, data=station_data(i))
    client.force_login(staff)
    client.get("/stations/console/")
    with assert_max_queries(8):
        client.get("/stations/console/")


def test_console_import_page_shows_row_errors(client, city, staff) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import Workbook

    from yugong.stations.imports import COLUMNS

    wb = Workbook()
    wb.active.append([str(h) for h, _f in COLUMNS])
    wb.active.append(["X1", "名", "渝工港湾", city.code, "", "地址", "渝中区", 50, 50, "全天"])
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    out.name = "s.xlsx"
    client.force_login(staff)
    r = client.post("/stations/console/import/", {"file": out, "coord": "wgs84"})
    html = r.content.decode()
    assert "第2行 / 纬度" in html and "不在本地区范围内" in html


def test_keeper_without_role_uses_the_station_page(client, city, staff) -> None:  # type: ignore[no-untyped-def]
    s = services.station_create(actor=staff, union=city, data=station_data(1))
    other = services.station_create(actor=staff, union=city, data=station_data(2))
    keeper = UserFactory()
    services.station_keeper_add(actor=staff, station=s, user=keeper)
    client.force_login(keeper)
    assert client.get(f"/stations/console/{s.pk}/").status_code == 200
    assert client.get(f"/stations/console/{other.pk}/").status_code == 404
    r = client.post(f"/stations/console/{s.pk}/issues/", {"title": "饮水机坏了"})
    assert r.status_code == 302 and s.issues.count() == 1
    assert client.get("/stations/console/").status_code == 403  # the staff list is for staff
