"""Two scans of the same QR by the same worker at the same moment: one check-in, one refusal."""

import datetime as dt
import threading

import pytest
from django.db import connection

from tests.helpers import UserFactory, requires_postgres
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
    barrier = threading.Barrier(6)
    outcomes: list[str] = []

    def scan() -> None:
        try:
            barrier.wait(timeout=10)
            services.checkin_create(
                user=worker, code=s.code, at=at, token=daily_token(s.code, at.date()), lat=s.lat, lng=s.lng
            )
            outcomes.append("ok")
        except RateLimited:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=scan) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["ok"] + ["refused"] * 5
    assert CheckIn.objects.filter(station=s).count() == 1
    assert Station.objects.get(pk=s.pk).visit_count == 1
