"""Coordinates done right: WGS-84 (GPS), GCJ-02 (the "Mars" offset every Chinese web map uses:
高德, 腾讯) and BD-09 (百度's further offset of GCJ-02), plus great-circle distances.

**Stations are stored in WGS-84** (``Station.lat``/``Station.lng``): that is what a phone's GPS and
the browser's geolocation give, what GeoJSON (RFC 7946) means, and what haversine distances are
meaningful in. GCJ-02 is accepted and returned where asked (``coord=gcj02`` on the API, the import
option for points picked on 高德/腾讯) and BD-09 only for the 百度 directions link.

The GCJ-02 forward transform is the published algorithm (Krasovsky 1940 ellipsoid, a = 6378245 m,
e² = 0.00669342162296594323); outside China it is the identity. There is no closed-form inverse:
:func:`gcj02_to_wgs84` iterates the forward transform (fixed-point on the offset) until the round
trip is within 1e-9° (≈ 0.1 mm), bounded to 30 steps. References: wandergis/coordtransform's
published values for (116.404, 39.915) — pinned in the tests.
"""

from __future__ import annotations

import math

import numpy as np

EARTH_RADIUS_M = 6_371_008.8  # IUGG mean radius, what haversine references use

_A = 6378245.0
_EE = 0.00669342162296594323
_X_PI = math.pi * 3000.0 / 180.0

WGS84 = "wgs84"
GCJ02 = "gcj02"
BD09 = "bd09"
SYSTEMS = (WGS84, GCJ02)


def out_of_china(lat: float, lng: float) -> bool:
    return not (72.004 <= lng <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _transform_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lng(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def wgs84_to_gcj02(lat: float, lng: float) -> tuple[float, float]:
    """(lat, lng) in WGS-84 -> (lat, lng) in GCJ-02."""
    if out_of_china(lat, lng):
        return lat, lng
    dlat = _transform_lat(lng - 105.0, lat - 35.0)
    dlng = _transform_lng(lng - 105.0, lat - 35.0)
    radlat = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(radlat) ** 2
    sqrtmagic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrtmagic) * math.pi)
    dlng = (dlng * 180.0) / (_A / sqrtmagic * math.cos(radlat) * math.pi)
    return lat + dlat, lng + dlng


def gcj02_to_wgs84(lat: float, lng: float) -> tuple[float, float]:
    """(lat, lng) in GCJ-02 -> WGS-84, by iterating the forward transform (≈ 1e-9° exact)."""
    if out_of_china(lat, lng):
        return lat, lng
    wlat, wlng = lat, lng
    for _step in range(30):
        glat, glng = wgs84_to_gcj02(wlat, wlng)
        dlat, dlng = glat - lat, glng - lng
        if abs(dlat) < 1e-10 and abs(dlng) < 1e-10:
            break
        wlat, wlng = wlat - dlat, wlng - dlng
    return wlat, wlng


def gcj02_to_wgs84_rough(lat: float, lng: float) -> tuple[float, float]:
    """The one-step inverse many libraries publish (error up to a few metres); kept for the tests'
    comparison with published values."""
    glat, glng = wgs84_to_gcj02(lat, lng)
    return lat * 2 - glat, lng * 2 - glng


def gcj02_to_bd09(lat: float, lng: float) -> tuple[float, float]:
    z = math.sqrt(lng * lng + lat * lat) + 0.00002 * math.sin(lat * _X_PI)
    theta = math.atan2(lat, lng) + 0.000003 * math.cos(lng * _X_PI)
    return z * math.sin(theta) + 0.006, z * math.cos(theta) + 0.0065


def bd09_to_gcj02_rough(lat: float, lng: float) -> tuple[float, float]:
    """The published closed-form inverse (error up to ~1e-6°, a decimetre)."""
    x, y = lng - 0.0065, lat - 0.006
    z = math.sqrt(x * x + y * y) - 0.00002 * math.sin(y * _X_PI)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * _X_PI)
    return z * math.sin(theta), z * math.cos(theta)


def bd09_to_gcj02(lat: float, lng: float) -> tuple[float, float]:
    """BD-09 -> GCJ-02: the published inverse, refined by iterating the forward transform."""
    glat, glng = bd09_to_gcj02_rough(lat, lng)
    for _step in range(10):
        blat, blng = gcj02_to_bd09(glat, glng)
        dlat, dlng = blat - lat, blng - lng
        if abs(dlat) < 1e-11 and abs(dlng) < 1e-11:
            break
        glat, glng = glat - dlat, glng - dlng
    return glat, glng


def wgs84_to_bd09(lat: float, lng: float) -> tuple[float, float]:
    return gcj02_to_bd09(*wgs84_to_gcj02(lat, lng))


def bd09_to_wgs84(lat: float, lng: float) -> tuple[float, float]:
    return gcj02_to_wgs84(*bd09_to_gcj02(lat, lng))


def to_wgs84(lat: float, lng: float, system: str) -> tuple[float, float]:
    if system == GCJ02:
        return gcj02_to_wgs84(lat, lng)
    if system == BD09:
        return bd09_to_wgs84(lat, lng)
    return lat, lng


def from_wgs84(lat: float, lng: float, system: str) -> tuple[float, float]:
    if system == GCJ02:
        return wgs84_to_gcj02(lat, lng)
    if system == BD09:
        return wgs84_to_bd09(lat, lng)
    return lat, lng


def haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def haversine_many(lat: float, lng: float, lats: np.ndarray, lngs: np.ndarray) -> np.ndarray:
    """Distances in metres from one point to arrays of points (degrees), vectorised."""
    p1 = math.radians(lat)
    p2 = np.radians(lats)
    dp = p2 - p1
    dl = np.radians(lngs - lng)
    h = np.sin(dp * 0.5) ** 2 + math.cos(p1) * np.cos(p2) * np.sin(dl * 0.5) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.minimum(h, 1.0)))


def walk_minutes(distance_m: float, *, speed_m_per_min: float, detour: float) -> int:
    """Estimated walking time: straight-line distance times the detour factor (streets are not
    straight), at the configured walking speed, rounded up to whole minutes (at least 1)."""
    return max(1, math.ceil(distance_m * detour / speed_m_per_min))
