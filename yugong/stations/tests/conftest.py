from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from yugong.core.calendar import calendar_cache_clear
from yugong.stations.spatial import index_reset


@pytest.fixture(autouse=True)
def _fresh_index() -> Iterator[None]:
    index_reset()
    calendar_cache_clear()
    yield
    index_reset()


ALL_DAY = {d: ["00:00-24:00"] for d in "1234567"}


def station_data(n: int = 1, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": f"ST-{n:04d}",
        "name": f"测试港湾{n}",
        "address": "渝中区民族路 1 号",
        "district": "渝中区",
        "lat": 29.5575,
        "lng": 106.5775,
        "hours": ALL_DAY,
        "amenities": ["water", "toilet"],
    }
    data.update(overrides)
    return data


@pytest.fixture
def staff(city: Any) -> Any:
    from tests.helpers import UserFactory, grant

    user = UserFactory(is_staff=True)
    grant(user, city, "staff")
    return user
