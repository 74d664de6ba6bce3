import json

import pytest

from tests.helpers import UserFactory, assert_max_queries, grant, make_union
from yugong.core.timeutil import local_now
from yugong.stations import geo, services
from yugong.stations.checkin import screen_token
from yugong.stations.models import Station

from .conftest import station_data

pytestmark = pytest.mark.django_db
API = "/api/v1/stations"


def make(n: int, union, actor, **kw):  # type: ignore[no-untyped-def]
    return services.station_create(actor=actor, union=union, data=station_data(n, **kw))


def test_nearest_is_public_and_answers_in_either_system(client, city, staff) -> None:  # type: ignore[no-untyped-def]
    s = make(1, city, staff)
    make(2, city, staff, lat=29.57, lng=106.59, amenities=["toilet"])
    r = client.get(f"{API}/nearest", {"lat": 29.5575, "lng": 106.5775, "limit": 5, "amenity": "water"})
    assert r.status_code == 200, r.content
    body = r.json()
    assert [b["code"] for b in body] == [s.code]
    assert body[0]["distance_m"] == 0 and body[0]["open_now"] is True and body[0]["walk_minutes"] == 1
    glat, glng = geo.wgs84_to_gcj02(29.5575, 106.5775)
    r = client.get(f"{API}/nearest", {"lat": glat, "lng": glng, "coord": "gcj02"})
    first = r.json()[0]
    assert first["distance_m"] < 0.01 and first["coord"] == "gcj02"
    assert abs(first["lat"] - glat) < 1e-6
    # The hand-built rows match the documented schema exactly.
    from yugong.stations.api.directory import NearbyOut

    assert set(first) == set(NearbyOut.model_fields)
    NearbyOut.model_validate(first)


def test_nearest_bad_input(client, city) -> None:  # type: ignore[no-untyped-def]
    assert client.get(f"{API}/nearest", {"lat": 100, "lng": 0}).status_code == 422
    assert client.get(f"{API}/nearest", {"lat": 29, "lng": 106, "amenity": "sauna"}).status_code == 422
    assert client.get(f"{API}/nearest", {"lat": 29, "lng": 106, "coord": "bd09"}).status_code == 422
    r = client.get(f"{API}/nearest", {"lat": 29, "lng": 106})
    assert r.status_code == 200 and r.json() == []


@pytest.mark.parametrize("n", [3, 30])
def test_nearest_query_count_is_flat(client, city, staff, n) -> None:  # type: ignore[no-untyped-def]
    for i in range(n):
        make(i, city, staff, lat=29.55 + i * 0.001)
    client.get(f"{API}/nearest", {"lat": 29.55, "lng": 106.57, "limit": 20})  # builds the index
    with assert_max_queries(1):
        r = client.get(f"{API}/nearest", {"lat": 29.55, "lng": 106.57, "limit": 20, "open_now": "true"})
    assert len(r.json()) == min(n, 20)


def test_crud_scoped(client, city) -> None:  # type: ignore[no-untyped-def]
    a, b = make_union(city, kind="district"), make_union(city, kind="district")
    staff_a = UserFactory()
    grant(staff_a, a, "staff")
    client.force_login(staff_a)
    payload = {**station_data(1), "union_id": a.pk, "amenities": ["water"], "holiday_hours": []}
    r = client.post(f"{API}/stations", json.dumps(payload), content_type="application/json")
    assert r.status_code == 201, r.content
    sid = r.json()["id"]
    assert client.get(f"{API}/stations/{sid}").json()["holiday_hours"] == []
    r = client.patch(f"{API}/stations/{sid}", json.dumps({"name": "新名字"}), content_type="application/json")
    assert r.status_code == 200 and r.json()["name"] == "新名字"
    bad = client.patch(f"{API}/stations/{sid}", json.dumps({"lat": 10.0}), content_type="application/json")
    assert bad.status_code == 422
    # A station in the other district: 404 for read, write and the union itself.
    other = Station.objects.create(union=b, **{**services.clean_station_data(station_data(2))})
    assert client.get(f"{API}/stations/{other.pk}").status_code == 404
    assert (
        client.patch(f"{API}/stations/{other.pk}", "{}", content_type="application/json").status_code == 404
    )
    payload_b = {**station_data(3), "union_id": b.pk}
    assert (
        client.post(f"{API}/stations", json.dumps(payload_b), content_type="application/json").status_code
        == 404
    )
    listed = client.get(f"{API}/stations").json()
    assert [s["id"] for s in listed["items"]] == [sid]
    geo_json = client.get(f"{API}/export.geojson").json()
    assert [f["properties"]["code"] for f in geo_json["features"]] == ["ST-0001"]


@pytest.mark.parametrize("n", [3, 30])
def test_list_query_count_is_flat(client, city, staff, n) -> None:  # type: ignore[no-untyped-def]
    for i in range(n):
        make(i, city, staff)
    client.force_login(staff)
    client.get(f"{API}/stations")
    with assert_max_queries(6):
        r = client.get(f"{API}/stations")
    assert r.json()["count"] == n


def test_worker_checkin_feedback_and_keeper_records(client, city, staff) -> None:  # type: ignore[no-untyped-def]
    s = make(1, city, staff)
    worker = UserFactory()
    body = json.dumps({"token": screen_token(s.code, local_now()), "lat": s.lat, "lng": s.lng})
    assert client.post(f"{API}/checkins/{s.code}", body, content_type="application/json").status_code == 401
    client.force_login(worker)
    r = client.post(f"{API}/checkins/{s.code}", body, content_type="application/json")
    assert r.status_code == 201 and r.json()["visit_count"] == 1
    assert client.post(f"{API}/checkins/{s.code}", body, content_type="application/json").status_code == 429
    r = client.post(
        f"{API}/public/{s.code}/feedback", json.dumps({"rating": 4}), content_type="application/json"
    )
    assert r.status_code == 201
    # The worker is no keeper: station records are 404 to them.
    assert client.get(f"{API}/stations/{s.pk}/inspections").status_code == 404
    client.force_login(staff)
    r = client.post(
        f"{API}/stations/{s.pk}/inspections",
        json.dumps({"water_stocked": True, "first_aid_in_date": True, "clean": False}),
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["passed"] is False
    issue = client.post(
        f"{API}/stations/{s.pk}/issues", json.dumps({"title": "药箱缺药"}), content_type="application/json"
    ).json()
    r = client.post(
        f"{API}/issues/{issue['id']}/close",
        json.dumps({"resolution": "已补"}),
        content_type="application/json",
    )
    assert r.json()["status"] == "closed"
    assert (
        client.post(f"{API}/issues/{issue['id']}/close", "{}", content_type="application/json").status_code
        == 409
    )
    stats = client.get(f"{API}/stations/{s.pk}/stats", {"days": 7}).json()
    assert stats["checkins"] == 1 and stats["visitors"] == 1 and len(stats["series"]) == 7
    assert client.get(f"{API}/stations/{s.pk}/feedback").json()["count"] == 1


def test_coverage_endpoint(client, city, staff) -> None:  # type: ignore[no-untyped-def]
    make(1, city, staff)
    region = {
        "type": "Polygon",
        "coordinates": [
            [[106.56, 29.55], [106.60, 29.55], [106.60, 29.57], [106.56, 29.57], [106.56, 29.55]]
        ],
    }
    body = {"region": region, "cell_m": 100, "k": 3}
    assert (
        client.post(f"{API}/coverage", json.dumps(body), content_type="application/json").status_code == 401
    )
    client.force_login(UserFactory())
    assert (
        client.post(f"{API}/coverage", json.dumps(body), content_type="application/json").status_code == 403
    )
    client.force_login(staff)
    r = client.post(f"{API}/coverage", json.dumps(body), content_type="application/json")
    assert r.status_code == 200, r.content
    out = r.json()
    assert out["stations"] == 1 and 0 < out["covered_share"] < 1 and out["cross"] == 0
    assert len(out["plan"]) == 3 and out["plan"][0]["new_cells"] > 0
    assert out["uncovered"]["type"] == "FeatureCollection"
    # Each analysis is kept as the day's coverage level of the analyst's union (for the cockpit).
    from yugong.core.models import DailyFact

    facts = {f.metric: f for f in DailyFact.objects.filter(metric__endswith="coverage_permille")}
    assert facts["stations.coverage_permille"].value == round(out["covered_share"] * 1000)
    assert facts["stations.cross_coverage_permille"].value == 0
    assert facts["stations.coverage_permille"].union_id == city.pk
    client.post(f"{API}/coverage", json.dumps({**body, "k": 0}), content_type="application/json")
    assert DailyFact.objects.filter(metric="stations.coverage_permille").count() == 1  # a level, not a sum
    assert (
        DailyFact.objects.get(metric="stations.coverage_permille").value
        == facts["stations.coverage_permille"].value
    )


def test_openapi_lists_the_operations(client) -> None:  # type: ignore[no-untyped-def]
    from pydantic_core import PydanticSerializationError

    from yugong.api import api

    try:
        schema = api.get_openapi_schema()
    except PydanticSerializationError as exc:  # another module's schema, not ours
        if "stations" in str(exc):
            raise
        pytest.skip(f"the project-wide OpenAPI schema does not build: {exc}")
    paths = schema["paths"]
    for p in (
        "/api/v1/stations/nearest",
        "/api/v1/stations/stations",
        "/api/v1/stations/coverage",
        "/api/v1/stations/imports",
    ):
        assert p in paths


def test_honours_keepers_photos(client, city, staff, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = str(tmp_path)
    s = make(1, city, staff)
    keeper = UserFactory(username="keeper1")
    client.force_login(staff)
    r = client.post(
        f"{API}/stations/{s.pk}/honours",
        json.dumps({"year": 2025, "level": "city_beautiful"}),
        content_type="application/json",
    )
    assert r.status_code == 201
    r = client.post(
        f"{API}/stations/{s.pk}/keepers", json.dumps({"username": "keeper1"}), content_type="application/json"
    )
    assert r.json()["keepers"] == ["keeper1"]
    client.force_login(keeper)
    png = SimpleUploadedFile("a.png", b"\x89PNG\r\n\x1a\n", content_type="image/png")
    r = client.post(f"{API}/stations/{s.pk}/photos", {"image": png, "caption": "门口"})
    assert r.status_code == 201, r.content
    bad = SimpleUploadedFile("a.exe", b"MZ", content_type="application/octet-stream")
    assert client.post(f"{API}/stations/{s.pk}/photos", {"image": bad}).status_code == 422
    # A keeper manages records, not the station itself.
    assert (
        client.post(
            f"{API}/stations/{s.pk}/honours",
            json.dumps({"year": 2025, "level": "demonstration"}),
            content_type="application/json",
        ).status_code
        == 404
    )
