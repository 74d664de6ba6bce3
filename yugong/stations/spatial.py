"""The in-process nearest-station index: a uniform lat/lng grid over the open stations, in numpy.

Why a grid: stations are points that change rarely and are asked about constantly ("what is near
me?"). Points are sorted by grid cell, so one grid row's run of cells is one contiguous slice of
the arrays; a query gathers the rows of a square of cells around the point (a handful of slices),
computes exact haversine distances for those candidates only, and widens the square (doubling)
until the k-th best distance is inside the area it has certainly covered. The cell size adapts to
the data (about four stations per cell on average, between 0.005° and 0.1°).

Filters: amenities are a bitmask compared with one AND over the candidates; "open now" is tested
lazily in distance order, on compiled schedules, only until ``k`` stations qualify.

Freshness: every write to a station bumps a version number in the Django cache (Redis in
production, so all app servers see it); each process compares the version on every query (one cache
get) and rebuilds when it changed, or when its copy is older than ``STATION_INDEX_MAX_AGE`` seconds
(a safety net for changes made behind the services' back, e.g. a bulk seed).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.conf import settings
from django.core.cache import cache

from .geo import EARTH_RADIUS_M, haversine_many
from .hours import Schedule, compile_schedule, is_open_at

VERSION_KEY = "stations:index:version"
M_PER_DEG = math.pi * EARTH_RADIUS_M / 180.0
MAX_ROUNDS = 40  # the square doubles each round: 2^40 cells is more than any grid
MAX_CELLS = 6_000_000  # int32 offsets: 24 MB at most


@dataclass(frozen=True)
class Hit:
    index: int
    station_id: int
    distance_m: float


class StationIndex:
    def __init__(
        self,
        ids: np.ndarray,
        lats: np.ndarray,
        lngs: np.ndarray,
        amenities: np.ndarray,
        schedules: list[Schedule] | None = None,
        *,
        version: object = None,
        cell_deg: float | None = None,
    ) -> None:
        n = len(ids)
        self.version = version
        self.built_at = time.monotonic()
        self.size = n
        self.ids: np.ndarray = np.zeros(0, dtype=np.int64)
        self.lats: np.ndarray = np.zeros(0)
        self.lngs: np.ndarray = np.zeros(0)
        self.amenities: np.ndarray = np.zeros(0, dtype=np.int64)
        self.schedules: list[Schedule] = []
        self.always_open: np.ndarray = np.zeros(0, dtype=bool)
        if n == 0:
            return
        lats = np.asarray(lats, dtype=np.float64)
        lngs = np.asarray(lngs, dtype=np.float64)
        lat_min, lat_max = float(lats.min()), float(lats.max())
        lng_min, lng_max = float(lngs.min()), float(lngs.max())
        if cell_deg is None:
            # About four stations per cell on average, between 0.005° and 0.02° (≈ 2 km: in a dense
            # city a cell then holds tens of stations, not thousands), and at most MAX_CELLS cells.
            area = max((lat_max - lat_min) * (lng_max - lng_min), 1e-6)
            cell_deg = float(np.clip(math.sqrt(area * 4 / n), 0.005, 0.02))
            cell_deg = max(cell_deg, math.sqrt(area / MAX_CELLS))
        self.cell = cell_deg
        self.lat0, self.lng0 = lat_min, lng_min
        self.nrows = int((lat_max - lat_min) / cell_deg) + 1
        self.ncols = int((lng_max - lng_min) / cell_deg) + 1
        rows = ((lats - lat_min) / cell_deg).astype(np.int64)
        cols = ((lngs - lng_min) / cell_deg).astype(np.int64)
        keys = rows * self.ncols + cols
        order = np.argsort(keys, kind="stable")
        self.ids = np.asarray(ids, dtype=np.int64)[order]
        self.lats, self.lngs = lats[order], lngs[order]
        self.amenities = np.asarray(amenities, dtype=np.int64)[order]
        # starts[c] .. starts[c + 1] are the points of cell c (cells numbered row-major).
        starts = np.searchsorted(keys[order], np.arange(self.nrows * self.ncols + 1), side="left")
        self.starts: np.ndarray[Any, np.dtype[np.signedinteger[Any]]] = (
            starts.astype(np.int32) if n < 2**31 else starts
        )
        if schedules is None:
            self.always_open = np.ones(n, dtype=bool)
        else:
            self.schedules = [schedules[i] for i in order]
            self.always_open = np.fromiter((s.always_open for s in self.schedules), dtype=bool, count=n)

    # --- queries ----------------------------------------------------------------------------

    def _cell_of(self, lat: float, lng: float) -> tuple[int, int]:
        # Plain Python: np.clip on scalars costs microseconds.
        i = min(max(math.floor((lat - self.lat0) / self.cell), 0), self.nrows - 1)
        j = min(max(math.floor((lng - self.lng0) / self.cell), 0), self.ncols - 1)
        return i, j

    def _gather(self, r0: int, r1: int, c0: int, c1: int) -> np.ndarray:
        rows = np.arange(r0, r1 + 1, dtype=np.int64) * self.ncols
        a = self.starts[rows + c0]
        b = self.starts[rows + c1 + 1]
        lens = b - a
        total = int(lens.sum())
        if total == 0:
            return np.zeros(0, dtype=np.int64)
        # Concatenate the ranges [a_k, b_k) without a Python loop.
        offsets = np.repeat(a - np.concatenate(([0], np.cumsum(lens)[:-1])), lens)
        return offsets + np.arange(total, dtype=np.int64)

    def _covered_m(self, lat: float, lng: float, r0: int, r1: int, c0: int, c1: int) -> float:
        """A lower bound on the distance from the point to any station outside the square."""
        bounds = []
        south, north = self.lat0 + r0 * self.cell, self.lat0 + (r1 + 1) * self.cell
        west, east = self.lng0 + c0 * self.cell, self.lng0 + (c1 + 1) * self.cell
        if r0 > 0:
            bounds.append((lat - south) * M_PER_DEG)
        if r1 < self.nrows - 1:
            bounds.append((north - lat) * M_PER_DEG)
        if c0 > 0 or c1 < self.ncols - 1:
            # Across a meridian dλ away, at any latitude inside the band (outside it the north/south
            # bounds apply): h >= cos φ1 · min cos φ2 · sin²(dλ/2).
            cos_band = min(math.cos(math.radians(south)), math.cos(math.radians(north)))
            cos1 = math.cos(math.radians(lat))
            for dlng in ([lng - west] if c0 > 0 else []) + ([east - lng] if c1 < self.ncols - 1 else []):
                h = max(0.0, cos1 * cos_band) * math.sin(math.radians(max(dlng, 0.0)) / 2) ** 2
                bounds.append(2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h))))
        return min(bounds) if bounds else math.inf

    def nearest(
        self,
        lat: float,
        lng: float,
        k: int = 10,
        *,
        amenity_mask: int = 0,
        open_at: dt.datetime | None = None,
        holiday: Callable[[dt.date], bool] | None = None,
        max_distance_m: float | None = None,
    ) -> list[Hit]:
        """The ``k`` nearest stations (equal distances: lower station id first), best first."""
        if self.size == 0 or k <= 0:
            return []
        i, j = self._cell_of(lat, lng)
        radius = 1  # the point's own cell alone almost never proves the answer
        open_memo: dict[int, bool] = {}
        for _round in range(MAX_ROUNDS):
            r0, r1 = max(i - radius, 0), min(i + radius, self.nrows - 1)
            c0, c1 = max(j - radius, 0), min(j + radius, self.ncols - 1)
            idx = self._gather(r0, r1, c0, c1)
            if amenity_mask and len(idx):
                idx = idx[(self.amenities[idx] & amenity_mask) == amenity_mask]
            in_square = len(idx)
            covered = self._covered_m(lat, lng, r0, r1, c0, c1)
            limit = covered if max_distance_m is None else min(covered, max_distance_m)
            if len(idx):
                dist = haversine_many(lat, lng, self.lats[idx], self.lngs[idx])
                inside = dist <= limit
                idx, dist = idx[inside], dist[inside]
                hits = self._pick(idx, dist, k, open_at, holiday, open_memo)
                if len(hits) >= k:
                    return hits
            full = r0 == 0 and c0 == 0 and r1 == self.nrows - 1 and c1 == self.ncols - 1
            if full or (max_distance_m is not None and covered >= max_distance_m):
                return self._pick(idx, dist, k, open_at, holiday, open_memo) if len(idx) else []
            # Grow faster when the square held too few candidates: stations are sparse here.
            grow = 2 if in_square >= k else min(8, max(2, math.ceil(math.sqrt(k / max(in_square, 0.5)))))
            radius *= grow
        return []

    def _pick(
        self,
        idx: np.ndarray,
        dist: np.ndarray,
        k: int,
        open_at: dt.datetime | None,
        holiday: Callable[[dt.date], bool] | None,
        memo: dict[int, bool],
    ) -> list[Hit]:
        # Ties (equal distances) are broken by station id, so answers do not depend on the grid.
        if open_at is None:
            if len(idx) > k:
                kth = np.partition(dist, k - 1)[k - 1]
                keep = dist <= kth
                idx, dist = idx[keep], dist[keep]
            order = np.lexsort((self.ids[idx], dist))
            return [Hit(int(idx[o]), int(self.ids[idx[o]]), float(dist[o])) for o in order[:k]]
        order = np.lexsort((self.ids[idx], dist))
        hits: list[Hit] = []
        for o in order:
            p = int(idx[o])
            ok = memo.get(p)
            if ok is None:
                ok = memo[p] = bool(self.always_open[p]) or self.is_open(p, open_at, holiday)
            if ok:
                hits.append(Hit(p, int(self.ids[p]), float(dist[o])))
                if len(hits) == k:
                    break
        return hits

    def is_open(
        self, position: int, when: dt.datetime, holiday: Callable[[dt.date], bool] | None = None
    ) -> bool:
        if not self.schedules:
            return True
        if holiday is None:
            return is_open_at(self.schedules[position], when)
        return is_open_at(self.schedules[position], when, holiday)

    def within_bbox(self, south: float, west: float, north: float, east: float) -> np.ndarray:
        """Positions of stations inside a lat/lng box (for coverage analysis)."""
        if self.size == 0:
            return np.zeros(0, dtype=np.int64)
        mask = (self.lats >= south) & (self.lats <= north) & (self.lngs >= west) & (self.lngs <= east)
        return np.nonzero(mask)[0]


# --- the per-process index and its freshness -------------------------------------------------

_lock = threading.Lock()
_state: dict[str, StationIndex | None] = {"index": None}
_checked = {"at": -1e18}


def index_version() -> object:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, 1, timeout=None)
        version = cache.get(VERSION_KEY, 1)
    return version


def bump_index_version() -> None:
    """Stations changed: every process rebuilds its index on its next query (this one at once,
    others within STATION_INDEX_CHECK_SECONDS)."""
    _checked["at"] = -1e18
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.add(VERSION_KEY, 2, timeout=None)


def index_reset() -> None:
    with _lock:
        _state["index"] = None
        _checked["at"] = -1e18


def _load(version: object) -> StationIndex:
    from django.db.models import TextField
    from django.db.models.functions import Cast

    from .models import Station

    rows = (
        Station.objects.filter(status=Station.Status.OPEN)
        .annotate(
            h=Cast("hours", TextField()),
            hh=Cast("holiday_hours", TextField()),
            ex=Cast("exception_dates", TextField()),
        )
        .values_list("id", "lat", "lng", "amenities", "h", "hh", "ex")
        .iterator(chunk_size=5000)
    )
    return build_index(rows, version=version)


def build_index(
    rows: Iterable[tuple[int, float, float, int, str | None, str | None, str | None]],
    *,
    version: object = None,
) -> StationIndex:
    """Rows of (id, lat, lng, amenities, hours JSON, holiday hours JSON, exceptions JSON). Stations
    sharing the same hours share one compiled schedule (most do)."""
    ids: list[int] = []
    lats: list[float] = []
    lngs: list[float] = []
    amen: list[int] = []
    schedules: list[Schedule] = []
    memo: dict[tuple[str | None, str | None, str | None], Schedule] = {}
    for pk, lat, lng, mask, h, hh, ex in rows:
        key = (h, hh, ex)
        schedule = memo.get(key)
        if schedule is None:
            hol = json.loads(hh) if hh is not None and hh != "null" else None
            schedule = memo[key] = compile_schedule(
                json.loads(h) if h else {}, hol, json.loads(ex) if ex else {}
            )
        ids.append(pk)
        lats.append(lat)
        lngs.append(lng)
        amen.append(mask)
        schedules.append(schedule)
    return StationIndex(
        np.array(ids, dtype=np.int64),
        np.array(lats),
        np.array(lngs),
        np.array(amen, dtype=np.int64),
        schedules,
        version=version,
    )


def get_index() -> StationIndex:
    """This process's index, rebuilt when the version moved or it is too old. While one thread
    rebuilds, other threads keep answering from the previous copy (a rebuild of 150,000 stations
    takes seconds) instead of queueing behind it; only the very first build makes them wait."""
    # The version lives in the shared cache (Redis in production): ask it at most once per
    # STATION_INDEX_CHECK_SECONDS per process, so a query is usually pure memory. Changes made in
    # this process reset the timer (bump_index_version), so they show at once here.
    now = time.monotonic()
    current = _state["index"]
    interval = float(getattr(settings, "STATION_INDEX_CHECK_SECONDS", 1.0))
    if current is not None and now - _checked["at"] < interval:
        return current
    version = index_version()
    _checked["at"] = now
    max_age = float(getattr(settings, "STATION_INDEX_MAX_AGE", 600))

    def fresh(index: StationIndex | None) -> bool:
        return index is not None and index.version == version and time.monotonic() - index.built_at < max_age

    current = _state["index"]
    if fresh(current):
        assert current is not None
        return current
    if current is not None and not _lock.acquire(blocking=False):
        return current
    if current is None:
        _lock.acquire()
    try:
        current = _state["index"]
        if not fresh(current):
            current = _state["index"] = _load(version)
        assert current is not None
        return current
    finally:
        _lock.release()
