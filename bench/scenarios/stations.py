"""Stations (渝工港湾): the nearest-station finder and the 15-minute coverage analysis.

* ``stations_nearest`` (HTTP): ``GET /api/v1/stations/nearest?lat=&lng=&limit=10`` from points near
  the stations, anonymous (the worker H5 calls it before signing in). Goal: p95 ≤ 30 ms; compare its
  throughput with ``baseline_query`` (rps/query): the endpoint is one cache get, an in-memory index
  query and one ``in_bulk`` query.
* ``stations_nearest_filtered`` (HTTP): the same with ``amenity=water&open_now=true``.
* ``stations_nearest10`` (micro): the in-process index query alone (``StationIndex.nearest``, k=10)
  over every open station. Goal: p99 ≤ 1 ms.
* ``stations_nearest10_ckdtree`` (micro, the reference): scipy's ``cKDTree.query(k=10)`` on the same
  points (as 3-D unit vectors, so its order is the great-circle order), same query points. The
  ratio asked for is p99(stations_nearest10) / p99(stations_nearest10_ckdtree) of one run.
* ``stations_coverage_30km`` (micro, 3 calls): coverage of a 30 km × 30 km square over central
  Chongqing at 100 m cells (90,000 cells) by all open stations, plus a 10-site greedy plan.
  Goal: ≤ 10 s.

The setup seeds ``BENCH_STATIONS`` stations (default 150,000, national scale: 5,220 around
Chongqing, the rest clustered around forty cities) with ``manage.py seed_stations`` when the
benchmark database holds fewer. ``python -m bench.scenarios.stations`` prints the in-process
figures and the cKDTree ratio directly (Django set up on the configured database).
"""

from __future__ import annotations

import math
import os
import sys
from typing import Any

from bench.registry import Ctx, Request, micro, scenario

CQ = (29.56, 106.55)
_state: dict[str, Any] = {"i": 0}


def _target() -> int:
    return max(1000, int(os.environ.get("BENCH_STATIONS", "150000")))


def seed(ctx: Ctx) -> dict[str, Any]:
    from django.core.management import call_command

    from yugong.accounts.system import system_actor
    from yugong.orgs.models import Union
    from yugong.orgs.services import union_create
    from yugong.stations.models import Station

    if not Union.objects.filter(parent__isnull=True).exists():
        union_create(actor=system_actor(), parent=None, name="基准测试总工会", code="BENCH-ROOT", kind="city")
    have = Station.objects.filter(code__startswith="NAT-", status="open").count()
    if have < _target():
        call_command("seed_stations", count=_target(), stdout=sys.stderr)
    return {"points": _points(400)}


def _points(n: int) -> list[list[float]]:
    """Query points: jittered copies of station positions (so every query lands among stations),
    reproducible."""
    import numpy as np

    from yugong.stations.models import Station

    ids = list(
        Station.objects.filter(code__startswith="NAT-")
        .order_by("pk")
        .values_list("lat", "lng")[:: max(1, _target() // n)]
    )
    rng = np.random.default_rng(7)
    return [
        [round(lat + rng.normal(0, 0.01), 6), round(lng + rng.normal(0, 0.01), 6)] for lat, lng in ids[:n]
    ]


def _next_point(ctx: Ctx) -> list[float]:
    pts = ctx["points"]
    _state["i"] = (_state["i"] + 1) % len(pts)
    return pts[_state["i"]]


@scenario("stations_nearest", "GET /api/v1/stations/nearest (k=10) over 150k stations, anonymous", setup=seed)
def stations_nearest(ctx: Ctx, i: int) -> Request:
    lat, lng = ctx["points"][i % len(ctx["points"])]
    return Request("GET", f"/api/v1/stations/nearest?lat={lat}&lng={lng}&limit=10")


@scenario(
    "stations_nearest_filtered",
    "GET /api/v1/stations/nearest with amenity=water&open_now=true",
    setup=seed,
    default=False,
)
def stations_nearest_filtered(ctx: Ctx, i: int) -> Request:
    lat, lng = ctx["points"][i % len(ctx["points"])]
    return Request(
        "GET", f"/api/v1/stations/nearest?lat={lat}&lng={lng}&limit=10&amenity=water&open_now=true"
    )


@micro(
    "stations_nearest10",
    "in-process: StationIndex.nearest(k=10) over all open stations",
    setup=seed,
    iterations=5000,
    warmup_iterations=200,
)
def stations_nearest10(ctx: Ctx) -> Any:
    from yugong.stations.spatial import get_index

    index = _state.get("index")
    if index is None:
        index = _state["index"] = get_index()
    lat, lng = _next_point(ctx)
    return index.nearest(lat, lng, 10)


def _unit_vectors(lats: Any, lngs: Any) -> Any:
    import numpy as np

    la, lo = np.radians(lats), np.radians(lngs)
    return np.column_stack((np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)))


@micro(
    "stations_nearest10_ckdtree",
    "reference: scipy cKDTree.query(k=10) on the same points (3-D unit vectors)",
    setup=seed,
    iterations=5000,
    warmup_iterations=200,
)
def stations_nearest10_ckdtree(ctx: Ctx) -> Any:
    tree = _state.get("tree")
    if tree is None:
        from scipy.spatial import cKDTree

        from yugong.stations.spatial import get_index

        index = get_index()
        tree = _state["tree"] = cKDTree(_unit_vectors(index.lats, index.lngs))
    lat, lng = _next_point(ctx)
    return tree.query(_unit_vectors([lat], [lng])[0], k=10)


def _square(lat0: float, lng0: float, side_m: float) -> dict[str, Any]:
    dlat = side_m / 2 / 111_195.0
    dlng = side_m / 2 / (111_195.0 * math.cos(math.radians(lat0)))
    ring = [
        [lng0 - dlng, lat0 - dlat],
        [lng0 + dlng, lat0 - dlat],
        [lng0 + dlng, lat0 + dlat],
        [lng0 - dlng, lat0 + dlat],
        [lng0 - dlng, lat0 - dlat],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


@micro(
    "stations_coverage_30km",
    "in-process: coverage of 30 km × 30 km (central Chongqing) at 100 m + a 10-site greedy plan",
    setup=seed,
    iterations=3,
    warmup_iterations=1,
)
def stations_coverage_30km(ctx: Ctx) -> Any:
    from yugong.stations.selectors import coverage_for_region

    result = coverage_for_region(_square(CQ[0], CQ[1], 30_000), cell_m=100, k=10)
    assert result.cells >= 89_000
    return result.covered_share


def main() -> None:  # pragma: no cover - a manual tool
    """Both the wall-clock and the thread-CPU percentiles: on a shared machine the wall p99 of a
    sub-millisecond call is set by the scheduler (a preempted call waits a whole time slice), and
    a longer call is preempted more often; thread CPU time is what the code itself costs."""
    import time

    import django
    import numpy as np

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yugong.settings")
    django.setup()
    ctx: Ctx = {}
    ctx.update(seed(ctx))

    def timed(fn: Any, n: int) -> tuple[np.ndarray, np.ndarray]:
        for _ in range(min(200, n)):
            fn(ctx)
        wall, cpu = np.empty(n), np.empty(n)
        for k in range(n):
            t0, c0 = time.perf_counter(), time.thread_time()
            fn(ctx)
            cpu[k] = time.thread_time() - c0
            wall[k] = time.perf_counter() - t0
        return wall * 1e6, cpu * 1e6

    ours = timed(stations_nearest10, 5000)
    ref = timed(stations_nearest10_ckdtree, 5000)
    cov = timed(stations_coverage_30km, 3)[0] / 1e6
    p = lambda a, q: float(np.percentile(a, q))  # noqa: E731
    print(f"stations in index: {_state['index'].size}; load average {os.getloadavg()[0]:.1f}")
    for label, (wall, cpu) in (("ours   ", ours), ("cKDTree", ref)):
        print(
            f"nearest-10 {label} wall p50 {p(wall, 50):.1f} µs p99 {p(wall, 99):.1f} µs | "
            f"cpu p50 {p(cpu, 50):.1f} µs p99 {p(cpu, 99):.1f} µs"
        )
    print(
        f"ratio ours/cKDTree: cpu p99 {p(ours[1], 99) / p(ref[1], 99):.2f}, cpu p50 "
        f"{p(ours[1], 50) / p(ref[1], 50):.2f}, wall p99 {p(ours[0], 99) / p(ref[0], 99):.2f}"
    )
    print(f"coverage 30 km × 30 km @100 m + 10-site plan: {cov.min():.2f} s best, {cov.max():.2f} s worst")


if __name__ == "__main__":  # pragma: no cover
    main()
