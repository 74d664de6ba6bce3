"""Statistics for benchmark results: percentiles, summaries and ratios to the baselines."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0..100) by linear interpolation between closest ranks.

    The same definition as ``numpy.percentile(..., method="linear")`` and Excel's PERCENTILE.INC:
    rank ``(n - 1) * q / 100`` in the sorted values. ``None`` for no values."""
    if not 0 <= q <= 100:
        raise ValueError("q must be between 0 and 100")
    if not values:
        return None
    data = sorted(values)
    rank = (len(data) - 1) * q / 100
    lo = math.floor(rank)
    hi = math.ceil(rank)
    if lo == hi:
        return float(data[lo])
    return data[lo] + (data[hi] - data[lo]) * (rank - lo)


def latency_summary(seconds: Sequence[float], *, unit: str = "ms") -> dict[str, float | None]:
    """p50/p95/p99/mean/max of durations given in seconds, converted to ``unit`` (ms or us)."""
    scale = {"ms": 1e3, "us": 1e6}[unit]
    data = sorted(seconds)

    def conv(v: float | None) -> float | None:
        return None if v is None else round(v * scale, 3)

    return {
        f"p50_{unit}": conv(percentile(data, 50)),
        f"p95_{unit}": conv(percentile(data, 95)),
        f"p99_{unit}": conv(percentile(data, 99)),
        f"mean_{unit}": conv(sum(data) / len(data)) if data else None,
        f"max_{unit}": conv(data[-1]) if data else None,
    }


def ratio(value: float | None, base: float | None) -> float | None:
    if value is None or base is None or base == 0:
        return None
    return round(value / base, 3)


def add_ratios(results: list[dict[str, Any]], baselines: Sequence[str], micro_baseline: str | None) -> None:
    """Add ``vs_<baseline>`` entries: throughput and p95 ratios to each HTTP baseline of the same run
    (``rps`` < 1 and ``p95`` > 1 mean slower than the baseline); micro scenarios get their p95 and
    p99 ratio to the micro baseline."""
    by_name = {r["name"]: r for r in results}
    for r in results:
        r["vs"] = {}
        if r["kind"] == "http":
            for b in baselines:
                base = by_name.get(b)
                if base is None or base["kind"] != "http":
                    continue
                r["vs"][b] = {
                    "rps": ratio(r.get("rps"), base.get("rps")),
                    "p95": ratio(r.get("p95_ms"), base.get("p95_ms")),
                }
        elif micro_baseline and micro_baseline in by_name:
            base = by_name[micro_baseline]
            r["vs"][micro_baseline] = {
                "p95": ratio(r.get("p95_us"), base.get("p95_us")),
                "p99": ratio(r.get("p99_us"), base.get("p99_us")),
            }


def median(values: Sequence[float]) -> float | None:
    return percentile(values, 50)
