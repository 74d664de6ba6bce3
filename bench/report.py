"""The printed table and the JSON file of a benchmark run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .registry import HTTP_BASELINES, MICRO_BASELINE

# The keys every result carries, by kind (the JSON shape; tests check it).
HTTP_KEYS = (
    "name",
    "kind",
    "description",
    "baseline",
    "requests",
    "errors",
    "exceptions",
    "statuses",
    "rps",
    "p50_ms",
    "p95_ms",
    "p99_ms",
    "mean_ms",
    "max_ms",
    "window_s",
    "gen_cpu",
    "server_cpu",
    "server_cpu_ms_per_req",
    "db_cpu_ms_per_req",
    "vs",
)
MICRO_KEYS = (
    "name",
    "kind",
    "description",
    "baseline",
    "iterations",
    "calls_per_s",
    "p50_us",
    "p95_us",
    "p99_us",
    "mean_us",
    "max_us",
    "vs",
)
DOC_KEYS = ("version", "started_at", "finished_at", "git", "host", "config", "baselines", "results")


def _fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        return f"{value:.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    line = "  ".join(
        h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in enumerate(zip(headers, widths, strict=True))
    )
    sep = "  ".join("-" * w for w in widths)
    body = [
        "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))
        )
        for r in rows
    ]
    return "\n".join([line, sep, *body])


def render_table(doc: dict[str, Any]) -> str:
    cfg = doc["config"]
    be = cfg.get("backends", {})
    rounds = f" x {cfg['repeat']} rounds (medians)" if cfg.get("repeat", 1) > 1 else ""
    dirty = " (dirty)" if doc["git"]["dirty"] else ""
    out = [
        f"yugong bench — {cfg['server']}; {be.get('database', '?')} + {be.get('cache', '?')}; "
        f"{cfg['concurrency']} connections, {cfg['warmup_s']:g}s warm-up + {cfg['duration_s']:g}s{rounds}; "
        f"{doc['host']['cpus']} CPUs; commit {doc['git']['commit'][:10]}{dirty}",
        "",
    ]
    http = [r for r in doc["results"] if r["kind"] == "http"]
    micro = [r for r in doc["results"] if r["kind"] == "micro"]
    if http:
        b1, b2 = HTTP_BASELINES
        headers = [
            "scenario",
            "requests",
            "errors",
            "req/s",
            "p50 ms",
            "p95 ms",
            "p99 ms",
            "rps/bare",
            "p95/bare",
            "rps/query",
            "p95/query",
            "srv cpu ms/req",
            "db cpu ms/req",
            "gen cpu",
        ]
        rows = []
        for r in http:
            vs = r.get("vs", {})
            rows.append(
                [
                    r["name"],
                    _fmt(r["requests"]),
                    _fmt(r["errors"]),
                    _fmt(r["rps"], 1),
                    _fmt(r["p50_ms"]),
                    _fmt(r["p95_ms"]),
                    _fmt(r["p99_ms"]),
                    _fmt(vs.get(b1, {}).get("rps")),
                    _fmt(vs.get(b1, {}).get("p95")),
                    _fmt(vs.get(b2, {}).get("rps")),
                    _fmt(vs.get(b2, {}).get("p95")),
                    _fmt(r.get("server_cpu_ms_per_req"), 3),
                    _fmt(r.get("db_cpu_ms_per_req"), 3),
                    _fmt(r.get("gen_cpu")),
                ]
            )
        out.append(_table(headers, rows))
        for r in http:
            for i, qs in enumerate([x.get("queue") for x in r.get("runs", [r])]):
                if not qs:
                    continue
                drain = f"{qs['drain_s']:g} s" if qs["drain_s"] is not None else "not within the bound"
                out.append(
                    f"{r['name']} (round {i + 1}): {qs['jobs']:,} jobs; {qs['errors']:,} errors; "
                    f"{qs['served_in_window']:,} started within the {qs['window_s']:g} s window; "
                    f"all {qs['served']:,} started after {drain}; {qs['queued_answers']:,} answers 202 "
                    f"(max {qs['max_tries']} tries per job, {qs['given_up']} given up)"
                )
    if micro:
        out.append("")
        headers = [
            "micro scenario",
            "calls",
            "calls/s",
            "p50 µs",
            "p95 µs",
            "p99 µs",
            "p95/micro",
            "p99/micro",
        ]
        rows = []
        for r in micro:
            vs = r.get("vs", {}).get(MICRO_BASELINE, {})
            rows.append(
                [
                    r["name"],
                    _fmt(r["iterations"]),
                    _fmt(r["calls_per_s"], 0),
                    _fmt(r["p50_us"], 1),
                    _fmt(r["p95_us"], 1),
                    _fmt(r["p99_us"], 1),
                    _fmt(vs.get("p95")),
                    _fmt(vs.get("p99")),
                ]
            )
        out.append(_table(headers, rows))
    bad = [r for r in http if r["errors"]]
    for r in bad:
        out.append(
            f"WARNING {r['name']}: {r['errors']} errors (statuses {r['statuses']}, exceptions {r.get('exception_kinds')})"
        )
    busy = [r["name"] for r in http if (r.get("gen_cpu") or 0) >= 0.9]
    if busy:
        out.append(
            f"note: the load generator used ~a full core during {', '.join(busy)}: it may be the limit there"
        )
    load = doc["host"].get("loadavg_start")
    cpus = doc["host"].get("cpus") or 1
    if load and load[0] > cpus:
        out.append(
            f"note: load average was {load[0]:g} on {cpus} CPUs when the run began: other work shares the "
            "machine; compare 'srv cpu ms/req' rather than req/s and latency"
        )
    return "\n".join(out)


def write_json(doc: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
