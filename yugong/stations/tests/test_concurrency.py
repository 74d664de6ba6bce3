"""Two scans of the same QR by the same worker at the same moment: one check-in, one refusal."""

import datetime as dt

import pytest

from tests.helpers import UserFactory, requires_postgres
from tests.race import race
from yugong.core.errors import RateLimited
from yugong.core.timeutil import SHANGHAI
from yugong.stations import services
from yugong.stations.checkin import daily_token
from yugong.stations.models import CheckIn, Station

from .conftest import station_data


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_checkins_count_once(city, staff) -> None:  # type: ignore[no-untyped-def]
    s = services.station_create(actor=staff, union=city, data=station_data(1))
    worker = UserFactory()
    at = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)
    results = race(
        6,
        lambda _i: services.checkin_create(
            user=worker, code=s.code, at=at, token=daily_token(s.code, at.date()), lat=s.lat, lng=s.lng
        ),
    )
    assert all(isinstance(r, CheckIn | RateLimited) for r in results), results
    assert (
        sorted("refused" if isinstance(r, RateLimited) else "ok" for r in results) == ["ok"] + ["refused"] * 5
    )
    assert CheckIn.objects.filter(station=s).count() == 1
    assert Station.objects.get(pk=s.pk).visit_count == 1
