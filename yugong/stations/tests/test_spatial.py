import datetime as dt

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from yugong.core.timeutil import SHANGHAI
from yugong.stations.geo import haversine_many
from yugong.stations.hours import compile_schedule
from yugong.stations.spatial import StationIndex

NEVER = lambda day: False  # noqa: E731


def brute(lat, lng, lats, lngs, k, ok=None):  # type: ignore[no-untyped-def]
    d = haversine_many(lat, lng, lats, lngs)
    idx = np.arange(len(lats))
    if ok is not None:
        idx, d = idx[ok], d[ok]
    order = np.lexsort((idx, d))[:k]
    return [(int(idx[o]), float(d[o])) for o in order]


points = st.lists(
    st.tuples(st.floats(29.0, 30.0), st.floats(106.0, 107.0), st.integers(0, 1023)), min_size=1, max_size=300
)


@settings(max_examples=150, deadline=None)
@given(
    points,
    st.floats(28.5, 30.5),
    st.floats(105.5, 107.5),
    st.integers(1, 25),
    st.sampled_from([0, 4, 4 | 8, 1 | 32]),
    st.sampled_from([None, 0.005, 0.05]),
)
def test_nearest_matches_brute_force(pts, lat, lng, k, mask, cell) -> None:  # type: ignore[no-untyped-def]
    lats = np.array([p[0] for p in pts])
    lngs = np.array([p[1] for p in pts])
    amen = np.array([p[2] for p in pts])
    ids = np.arange(len(pts)) + 1000
    index = StationIndex(ids, lats, lngs, amen, cell_deg=cell)
    got = index.nearest(lat, lng, k, amenity_mask=mask)
    ok = (amen & mask) == mask
    want = brute(lat, lng, lats, lngs, k, ok)
    assert [h.station_id - 1000 for h in got] == [w[0] for w in want]
    assert np.allclose([h.distance_m for h in got], [w[1] for w in want])


@settings(max_examples=60, deadline=None)
@given(points, st.floats(29.0, 30.0), st.floats(106.0, 107.0), st.integers(1, 10), st.integers(0, 23))
def test_open_now_filter_matches_brute_force(pts, lat, lng, k, hour) -> None:  # type: ignore[no-untyped-def]
    schedules = [
        compile_schedule({d: ["00:00-24:00"] for d in "1234567"}),
        compile_schedule({d: ["08:00-20:00"] for d in "1234567"}),
        compile_schedule({d: ["20:00-06:00"] for d in "1234567"}),
    ]
    lats = np.array([p[0] for p in pts])
    lngs = np.array([p[1] for p in pts])
    which = [p[2] % 3 for p in pts]
    index = StationIndex(np.arange(len(pts)), lats, lngs, np.zeros(len(pts)), [schedules[w] for w in which])
    when = dt.datetime(2026, 3, 3, hour, 30, tzinfo=SHANGHAI)
    got = index.nearest(lat, lng, k, open_at=when, holiday=NEVER)
    open_by_kind = [True, 8 <= hour < 20, hour >= 20 or hour < 6]
    ok = np.array([open_by_kind[w] for w in which])
    want = brute(lat, lng, lats, lngs, k, ok)
    assert [h.station_id for h in got] == [w[0] for w in want]


def test_far_query_outside_the_grid_and_max_distance() -> None:
    lats = np.array([29.5, 29.6, 39.9])
    lngs = np.array([106.5, 106.6, 116.4])
    index = StationIndex(np.array([1, 2, 3]), lats, lngs, np.zeros(3), cell_deg=0.01)
    # Beijing query: the Beijing station first, then the nearer Chongqing one.
    assert [h.station_id for h in index.nearest(40.0, 116.5, 3)] == [3, 2, 1]
    # Far outside the grid in every direction still works.
    assert [h.station_id for h in index.nearest(10.0, 80.0, 1)] == [1]
    assert index.nearest(29.5, 106.5, 3, max_distance_m=20_000)[-1].station_id == 2
    assert len(index.nearest(29.5, 106.5, 3, max_distance_m=20_000)) == 2


def test_empty_index() -> None:
    index = StationIndex(np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0))
    assert index.nearest(29.5, 106.5, 5) == []
