import datetime as dt

import pytest

from tests.helpers import UserFactory, grant, make_union
from yugong.core.errors import NotFound, PermissionDenied, RateLimited, ValidationFailed
from yugong.core.facts import fact_total
from yugong.core.models import AuditEvent
from yugong.core.timeutil import SHANGHAI
from yugong.stations import services
from yugong.stations.checkin import daily_token
from yugong.stations.models import CheckIn, Issue, Station
from yugong.stations.selectors import stations_nearest

from .conftest import station_data

pytestmark = pytest.mark.django_db


def test_create_validates_audits_and_counts(city, staff) -> None:  # type: ignore[no-untyped-def]
    s = services.station_create(actor=staff, union=city, data=station_data(1, kind="demonstration"))
    assert s.amenity_list == ["water", "toilet"]
    assert AuditEvent.objects.filter(action="stations.station.create", object_id=str(s.pk)).exists()
    assert fact_total(metric="stations.created", dim="kind:demonstration") == 1
    assert fact_total(metric="stations.created", dim="district:渝中区") == 1
    # The nearest index sees it at once.
    assert [r.station.pk for r in stations_nearest(lat=29.55, lng=106.57)] == [s.pk]


def test_create_rejects_bad_fields(city, staff) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationFailed) as exc:
        services.station_create(
            actor=staff,
            union=city,
            data=station_data(
                1, lat=39.9, lng=116.4, hours={"1": ["25:00-26:00"]}, amenities=["sauna"], code="a b"
            ),
        )
    assert set(exc.value.fields) >= {"lat", "hours", "amenities", "code"}
    services.station_create(actor=staff, union=city, data=station_data(1))
    with pytest.raises(ValidationFailed) as exc:
        services.station_create(actor=staff, union=city, data=station_data(1))
    assert "code" in exc.value.fields


def test_gcj02_input_is_stored_as_wgs84(city, staff) -> None:  # type: ignore[no-untyped-def]
    from yugong.stations import geo

    s = services.station_create(actor=staff, union=city, data=station_data(1), coord="gcj02")
    want = geo.gcj02_to_wgs84(29.5575, 106.5775)
    assert s.lat == pytest.approx(want[0], abs=1e-7) and s.lng == pytest.approx(want[1], abs=1e-7)


def test_staff_outside_the_subtree_cannot_touch(city) -> None:  # type: ignore[no-untyped-def]
    a, b = make_union(city, kind="district"), make_union(city, kind="district")
    staff_a = UserFactory()
    grant(staff_a, a, "staff")
    viewer = UserFactory()
    grant(viewer, a, "viewer")
    with pytest.raises(NotFound):
        services.station_create(actor=staff_a, union=b, data=station_data(1))
    with pytest.raises(PermissionDenied):
        services.station_create(actor=viewer, union=a, data=station_data(1))
    s = services.station_create(actor=staff_a, union=a, data=station_data(2))
    staff_b = UserFactory()
    grant(staff_b, b, "staff")
    with pytest.raises(NotFound):
        services.station_update(actor=staff_b, station=s, data={"name": "改名"})
    services.station_update(actor=staff_a, station=s, data={"name": "改名"})
    ev = AuditEvent.objects.get(action="stations.station.update")
    assert ev.changes["name"] == ["测试港湾2", "改名"]


def test_status_change_removes_from_nearest(city, staff) -> None:  # type: ignore[no-untyped-def]
    s = services.station_create(actor=staff, union=city, data=station_data(1))
    assert stations_nearest(lat=29.55, lng=106.57)
    services.station_set_status(actor=staff, station=s, status="paused")
    assert stations_nearest(lat=29.55, lng=106.57) == []


def test_checkin_once_per_hour(city, staff) -> None:  # type: ignore[no-untyped-def]
    s = services.station_create(actor=staff, union=city, data=station_data(1))
    worker = UserFactory()
    t0 = dt.datetime(2026, 3, 2, 10, 5, tzinfo=SHANGHAI)
    here = {"token": daily_token(s.code, t0.date()), "lat": s.lat, "lng": s.lng}
    services.checkin_create(user=worker, code=s.code, at=t0, **here)
    with pytest.raises(RateLimited):
        services.checkin_create(user=worker, code=s.code, at=t0 + dt.timedelta(minutes=59), **here)
    services.checkin_create(user=worker, code=s.code, at=t0 + dt.timedelta(minutes=61), **here)
    services.checkin_create(user=UserFactory(), code=s.code, at=t0, **here)
    s.refresh_from_db()
    assert s.visit_count == 3 and CheckIn.objects.count() == 3
    assert fact_total(metric="stations.checkins") == 3
    assert fact_total(metric="stations.visitors") == 2
    with pytest.raises(NotFound):
        services.checkin_create(user=worker, code="NOPE", at=t0, **here)


def test_feedback_rating(city, staff) -> None:  # type: ignore[no-untyped-def]
    s = services.station_create(actor=staff, union=city, data=station_data(1))
    worker = UserFactory()
    services.feedback_create(user=worker, station=s, rating=5, comment="很好")
    services.feedback_create(user=worker, station=s, rating=4)
    with pytest.raises(ValidationFailed):
        services.feedback_create(user=worker, station=s, rating=6)
    s.refresh_from_db()
    assert s.rating == 4.5
    assert fact_total(metric="stations.feedback") == 2


def test_keeper_records_inspections_and_issues(city, staff) -> None:  # type: ignore[no-untyped-def]
    s = services.station_create(actor=staff, union=city, data=station_data(1))
    keeper, stranger = UserFactory(), UserFactory()
    with pytest.raises(NotFound):
        services.inspection_record(
            actor=keeper, station=s, water_stocked=True, first_aid_in_date=True, is_clean=True
        )
    services.station_keeper_add(actor=staff, station=s, user=keeper)
    i = services.inspection_record(
        actor=keeper, station=s, water_stocked=False, first_aid_in_date=True, is_clean=True
    )
    assert not i.passed
    issue = services.issue_raise(actor=keeper, station=s, title="饮水机故障")
    with pytest.raises(NotFound):
        services.issue_close(actor=stranger, issue=issue)
    services.issue_close(actor=staff, issue=issue, resolution="已维修")
    issue.refresh_from_db()
    assert issue.status == Issue.Status.CLOSED and issue.closed_by == staff
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"stations.inspection.record", "stations.issue.raise", "stations.issue.close"} <= actions


def test_nearest_with_filters(city, staff) -> None:  # type: ignore[no-untyped-def]
    near = services.station_create(actor=staff, union=city, data=station_data(1, amenities=["toilet"]))
    far = services.station_create(
        actor=staff, union=city, data=station_data(2, lat=29.57, lng=106.59, amenities=["water", "heating"])
    )
    night = services.station_create(
        actor=staff, union=city, data=station_data(3, lat=29.558, lng=106.578, hours={"1": ["20:00-06:00"]})
    )
    res = stations_nearest(lat=29.5575, lng=106.5775, limit=3)
    assert [r.station.pk for r in res] == [near.pk, night.pk, far.pk]
    assert res[0].distance_m == 0 and res[0].walk_minutes == 1
    water = stations_nearest(lat=29.5575, lng=106.5775, amenities=4)
    assert [r.station.pk for r in water] == [night.pk, far.pk]
    monday_noon = dt.datetime(2026, 3, 2, 12, tzinfo=SHANGHAI)
    open_now = stations_nearest(lat=29.5575, lng=106.5775, open_now=True, when=monday_noon)
    assert night.pk not in [r.station.pk for r in open_now]
    flags = {r.station.pk: r.open_now for r in stations_nearest(lat=29.5575, lng=106.5775, when=monday_noon)}
    assert flags == {near.pk: True, far.pk: True, night.pk: False}
    assert Station.objects.count() == 3
