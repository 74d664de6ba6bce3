import math

import numpy as np
import pytest
from django.test import override_settings

from yugong.core.errors import ValidationFailed
from yugong.stations.coverage import M_PER_DEG, coverage_compute, make_grid, plan_sites, walk_radius_m

LAT0, LNG0 = 29.5, 106.5
KX = M_PER_DEG * math.cos(math.radians(LAT0))


def square(width_m: float, height_m: float, lat0: float = LAT0, lng0: float = LNG0) -> dict:
    # A rectangle whose centre is (lat0, lng0) so the local projection is exact at the centre.
    dlat = height_m / 2 / M_PER_DEG
    dlng = width_m / 2 / KX
    ring = [
        [lng0 - dlng, lat0 - dlat],
        [lng0 + dlng, lat0 - dlat],
        [lng0 + dlng, lat0 + dlat],
        [lng0 - dlng, lat0 + dlat],
        [lng0 - dlng, lat0 - dlat],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def to_latlng(x: float, y: float) -> tuple[float, float]:
    return LAT0 + y / M_PER_DEG, LNG0 + x / KX


@override_settings(STATION_WALK_SPEED_M_PER_MIN=100, STATION_DETOUR_FACTOR=1.25, STATION_WALK_MINUTES=15)
def test_known_answer_two_stations() -> None:
    # A 4 km × 2 km region at 100 m cells = 40 × 20 = 800 cells. Radius 15 × 100 / 1.25 = 1200 m.
    # Station A at x=-1000 (centre line), station B at x=+1000. A cell centre (x, y) is covered by A
    # when (x+1000)² + y² <= 1200²; count it exactly by brute force over the cell centres.
    assert walk_radius_m() == 1200
    region = square(4000, 2000)
    a = to_latlng(-1000, 0)
    b = to_latlng(1000, 0)
    result = coverage_compute(region, np.array([a[0], b[0]]), np.array([a[1], b[1]]), cell_m=100)
    xs = -2000 + 50 + 100 * np.arange(40)
    ys = -1000 + 50 + 100 * np.arange(20)
    X, Y = np.meshgrid(xs, ys)
    ca = (X + 1000) ** 2 + Y**2 <= 1200**2
    cb = (X - 1000) ** 2 + Y**2 <= 1200**2
    assert result.cells == 800
    assert result.covered == int((ca | cb).sum())
    assert result.cross == int((ca & cb).sum())
    assert 0 < result.cross < result.covered < 800
    # Uncovered rectangles add up to the uncovered cells.
    geo = result.uncovered_geojson()
    assert sum(f["properties"]["cells"] for f in geo["features"]) == 800 - result.covered


@override_settings(STATION_WALK_SPEED_M_PER_MIN=100, STATION_DETOUR_FACTOR=1.0)
def test_no_station_far_station_and_hole() -> None:
    region = square(1000, 1000)
    far = to_latlng(50_000, 0)
    r = coverage_compute(region, np.array([far[0]]), np.array([far[1]]), cell_m=100, minutes=5)
    assert (r.cells, r.covered, r.stations) == (100, 0, 0)
    # A hole (inner ring) removes its cells from the region.
    outer = square(1000, 1000)["coordinates"][0]
    inner = square(400, 400)["coordinates"][0]
    holed = {"type": "Polygon", "coordinates": [outer, inner]}
    assert make_grid(holed, 100).inside.sum() == 100 - 16


@override_settings(STATION_WALK_SPEED_M_PER_MIN=100, STATION_DETOUR_FACTOR=1.0)
def test_greedy_planner_picks_the_biggest_gain_first() -> None:
    region = square(4000, 1000)
    r = coverage_compute(region, np.zeros(0), np.zeros(0), cell_m=100, minutes=5)  # radius 500 m
    left, middle, right = to_latlng(-1500, 0), to_latlng(-1400, 0), to_latlng(1500, 0)
    outside = to_latlng(9000, 0)
    candidates = [[p[1], p[0]] for p in (outside, left, middle, right)]
    plan = plan_sites(r, candidates, 3)
    # First pick covers a full disc; the second is the far-away right one, not the overlapping middle.
    assert plan[0]["candidate"] in (1, 2)
    assert plan[1]["candidate"] == 3
    assert plan[0]["new_cells"] >= plan[1]["new_cells"] > 0
    assert [p["candidate"] for p in plan].count(0) == 0
    assert plan[-1]["covered_share_after"] <= 1.0


def test_bad_regions() -> None:
    with pytest.raises(ValidationFailed):
        make_grid({"type": "Point", "coordinates": [106.5, 29.5]}, 100)
    with pytest.raises(ValidationFailed):
        make_grid({"type": "Polygon", "coordinates": [[[1, 2]]]}, 100)
    with pytest.raises(ValidationFailed):
        make_grid(square(100_000, 100_000), 10)
