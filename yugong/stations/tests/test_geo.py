import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yugong.stations import geo

# wandergis/coordtransform, test/app.js: the published results for the input (116.404, 39.915).
REF_IN = (39.915, 116.404)  # (lat, lng)
REF_WGS_TO_GCJ = (39.91640428150164, 116.41024449916938)
REF_GCJ_TO_BD = (39.92133699351021, 116.41036949371029)
REF_BD_TO_GCJ = (39.90865673957631, 116.39762729119315)
REF_GCJ_TO_WGS_ROUGH = (39.91359571849836, 116.39775550083061)


def close(a: tuple[float, float], b: tuple[float, float], tol: float = 1e-9) -> bool:
    return abs(a[0] - b[0]) < tol and abs(a[1] - b[1]) < tol


def test_wgs84_to_gcj02_matches_published_reference() -> None:
    assert close(geo.wgs84_to_gcj02(*REF_IN), REF_WGS_TO_GCJ)


def test_gcj02_bd09_match_published_reference() -> None:
    assert close(geo.gcj02_to_bd09(*REF_IN), REF_GCJ_TO_BD)
    assert close(geo.bd09_to_gcj02_rough(*REF_IN), REF_BD_TO_GCJ)
    assert close(geo.bd09_to_gcj02(*REF_IN), REF_BD_TO_GCJ, 1e-5)  # refined: within a metre
    assert close(geo.gcj02_to_bd09(*geo.bd09_to_gcj02(*REF_IN)), REF_IN, 1e-10)


def test_rough_inverse_matches_published_and_iterative_inverse_is_exact() -> None:
    assert close(geo.gcj02_to_wgs84_rough(*REF_IN), REF_GCJ_TO_WGS_ROUGH)
    exact = geo.gcj02_to_wgs84(*REF_IN)
    # The one-step inverse is off by metres; ours round-trips to well under a millimetre.
    assert close(geo.wgs84_to_gcj02(*exact), REF_IN, 1e-9)
    assert geo.haversine_m(*exact, *REF_GCJ_TO_WGS_ROUGH) < 5


def test_offset_size_in_chongqing_and_none_abroad() -> None:
    # The GCJ-02 offset is a few hundred metres in China…
    glat, glng = geo.wgs84_to_gcj02(29.5575, 106.5775)
    assert 100 < geo.haversine_m(29.5575, 106.5775, glat, glng) < 700
    # …and nothing outside (London).
    assert geo.wgs84_to_gcj02(51.5, -0.12) == (51.5, -0.12)
    assert geo.gcj02_to_wgs84(51.5, -0.12) == (51.5, -0.12)


@settings(max_examples=200, deadline=None)
@given(st.floats(18.0, 53.0), st.floats(74.0, 134.0))
def test_round_trips(lat: float, lng: float) -> None:
    assert close(geo.gcj02_to_wgs84(*geo.wgs84_to_gcj02(lat, lng)), (lat, lng), 1e-8)
    assert close(geo.bd09_to_wgs84(*geo.wgs84_to_bd09(lat, lng)), (lat, lng), 1e-8)
    assert close(geo.to_wgs84(*geo.from_wgs84(lat, lng, geo.GCJ02), geo.GCJ02), (lat, lng), 1e-8)


def test_haversine_against_reference() -> None:
    # Rosetta Code "Haversine formula": BNA (36.12, -86.67) to LAX (33.94, -118.40) is
    # 2887.2599506071106 km on a sphere of radius 6372.8 km.
    d = geo.haversine_m(36.12, -86.67, 33.94, -118.40)
    assert d * 6372.8 / (geo.EARTH_RADIUS_M / 1000) == pytest.approx(2_887_259.9506071106, abs=1e-3)
    # One degree of latitude on the mean sphere; symmetric; zero.
    assert geo.haversine_m(0, 0, 1, 0) == pytest.approx(math.pi * geo.EARTH_RADIUS_M / 180, rel=1e-12)
    assert geo.haversine_m(29.5, 106.5, 29.6, 106.6) == pytest.approx(
        geo.haversine_m(29.6, 106.6, 29.5, 106.5)
    )
    assert geo.haversine_m(29.5, 106.5, 29.5, 106.5) == 0


def test_vectorised_haversine_equals_scalar() -> None:
    rng = np.random.default_rng(3)
    lats, lngs = rng.uniform(-80, 80, 200), rng.uniform(-180, 180, 200)
    got = geo.haversine_many(29.56, 106.55, lats, lngs)
    want = [geo.haversine_m(29.56, 106.55, a, b) for a, b in zip(lats, lngs, strict=True)]
    assert np.allclose(got, want, rtol=1e-12, atol=1e-6)


def test_walk_minutes_rounds_up_with_detour() -> None:
    assert geo.walk_minutes(800, speed_m_per_min=80, detour=1.0) == 10
    assert geo.walk_minutes(801, speed_m_per_min=80, detour=1.0) == 11
    assert geo.walk_minutes(800, speed_m_per_min=80, detour=1.3) == 13
    assert geo.walk_minutes(0, speed_m_per_min=80, detour=1.3) == 1
