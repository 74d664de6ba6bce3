"""``python -m bench``: start the production-style server, run the scenarios, print and save figures."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from . import server as srv
from .child import MARKER
from .loadgen import (
    MAX_CONCURRENCY,
    MAX_DURATION_S,
    MAX_REQUESTS,
    MAX_WARMUP_S,
    LoadResult,
    QueueResult,
    run_load,
    run_queue,
)
from .registry import HTTP_BASELINES, MICRO_BASELINE, Scenario, bearer, discover, select
from .report import render_table, write_json
from .stats import add_ratios, latency_summary, median

RESULTS_DIR = Path(__file__).resolve().parent / "results"
LOG = srv.log


def _names(values: list[str] | None) -> list[str]:
    out: list[str] = []
    for v in values or []:
        out += [n.strip() for n in v.split(",") if n.strip()]
    return out


def _bounded(kind: type, lo: float, hi: float) -> Any:
    def parse(text: str) -> Any:
        value = kind(text)
        if not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"must be between {lo:g} and {hi:g}")
        return value

    return parse


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m bench",
        description="Benchmarks against a production-style gunicorn on 127.0.0.1 (docs/benchmarks.md).",
    )
    p.add_argument(
        "--scenario",
        "-s",
        action="append",
        metavar="NAME",
        help="scenario(s) to run, repeatable or comma separated (default: every default scenario); "
        "the baselines always run too",
    )
    p.add_argument("--list", action="store_true", help="list the scenarios and exit")
    p.add_argument(
        "--duration", type=_bounded(float, 0.5, MAX_DURATION_S), default=8.0, help="measured seconds (8)"
    )
    p.add_argument(
        "--warmup", type=_bounded(float, 0, MAX_WARMUP_S), default=2.0, help="unmeasured warm-up seconds (2)"
    )
    p.add_argument(
        "--concurrency",
        "-c",
        type=_bounded(int, 1, MAX_CONCURRENCY),
        default=32,
        help="open connections, each sending its next request when the last one is answered (32)",
    )
    p.add_argument(
        "--requests",
        type=_bounded(int, 1, MAX_REQUESTS),
        default=200_000,
        help="stop a scenario's measured window after this many requests (200000)",
    )
    p.add_argument("--repeat", type=_bounded(int, 1, 5), default=1, help="rounds; figures are medians (1)")
    p.add_argument("--iterations", type=_bounded(int, 1, 1_000_000), help="calls per micro scenario")
    p.add_argument("--workers", type=_bounded(int, 1, 16), default=2, help="gunicorn workers (2)")
    p.add_argument("--threads", type=_bounded(int, 1, 64), default=4, help="threads per gthread worker (4)")
    p.add_argument("--worker-class", choices=["gthread", "sync"], default="gthread")
    p.add_argument("--sqlite", action="store_true", help="SQLite even when PostgreSQL is reachable")
    p.add_argument("--json", type=Path, help="where to write the JSON (default bench/results/<time>.json)")
    p.add_argument("--no-json", action="store_true", help="do not write the JSON file")
    return p


def list_scenarios() -> str:
    reg = discover()
    width = max(len(n) for n in reg)
    lines = []
    for name, sc in sorted(reg.items(), key=lambda kv: (not kv[1].baseline, kv[1].kind, kv[0])):
        flags = ",".join(
            f
            for f in (
                sc.kind,
                "baseline" if sc.baseline else "",
                "auth" if sc.auth else "",
                "setup" if sc.setup else "",
                "" if sc.default else "opt-in",
            )
            if f
        )
        lines.append(f"{name:<{width}}  [{flags}]  {sc.description}")
    return "\n".join(lines)


def run_child(env: dict[str, str], *args: str, timeout: float = srv.CHILD_TIMEOUT_S) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "bench.child", *args]
    proc = subprocess.run(cmd, cwd=srv.ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(
            f"bench.child {' '.join(args)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
        )
    answer = None
    for line in proc.stdout.splitlines():
        if line.startswith(MARKER):
            answer = json.loads(line[len(MARKER) :])
        elif line.strip():
            LOG(f"  {args[1]}: {line}")
    if answer is None:
        raise RuntimeError(f"bench.child {' '.join(args)} gave no result")
    return answer


def _measured_cpu(marks: dict[str, float | None], prefix: str = "") -> float | None:
    """Server CPU seconds between the start and end marks of the measured window, if both were taken
    (``prefix`` "db_": the database's backends)."""
    start, end = marks.get(f"{prefix}start"), marks.get(f"{prefix}end")
    return end - start if start is not None and end is not None else None


def http_result(
    sc: Scenario, res: LoadResult, server_cpu_s: float | None, db_cpu_s: float | None = None
) -> dict[str, Any]:
    window = res.window_s
    return {
        "name": sc.name,
        "kind": "http",
        "description": sc.description,
        "baseline": sc.baseline,
        "requests": res.requests,
        "errors": res.errors,
        "exceptions": res.exceptions,
        "statuses": {str(k): v for k, v in sorted(res.statuses.items())},
        "exception_kinds": dict(res.exception_kinds),
        "rps": round(res.rps, 1),
        **latency_summary(res.latencies, unit="ms"),
        "window_s": round(window, 3),
        "warmup_requests": res.warmup_requests,
        "gen_cpu": round(res.gen_cpu_s / window, 3) if window else None,
        "server_cpu": round(server_cpu_s / window, 3) if server_cpu_s is not None and window else None,
        "server_cpu_ms_per_req": round(server_cpu_s * 1000 / res.requests, 3)
        if server_cpu_s is not None and res.requests
        else None,
        "db_cpu_ms_per_req": round(db_cpu_s * 1000 / res.requests, 3)
        if db_cpu_s is not None and res.requests
        else None,
    }


def queue_summary(q: QueueResult) -> dict[str, Any]:
    return {
        "jobs": q.jobs,
        "window_s": q.window_s,
        "served": q.done,
        "served_in_window": q.done_in_window,
        "drain_s": round(q.drain_s, 2) if q.drain_s is not None else None,
        "queued_answers": q.queued,
        "given_up": q.given_up,
        "max_tries": q.max_tries,
        "errors": q.load.errors,
    }


MEDIAN_KEYS = (
    "rps",
    "p50_ms",
    "p95_ms",
    "p99_ms",
    "mean_ms",
    "max_ms",
    "gen_cpu",
    "server_cpu",
    "server_cpu_ms_per_req",
    "db_cpu_ms_per_req",
)


def combine_runs(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One row from several rounds: counts summed, rates and latencies as the median of the rounds."""
    if len(runs) == 1:
        return runs[0]
    out = dict(runs[-1])
    out["requests"] = sum(r["requests"] for r in runs)
    out["errors"] = sum(r["errors"] for r in runs)
    out["exceptions"] = sum(r["exceptions"] for r in runs)
    statuses: dict[str, int] = {}
    for r in runs:
        for k, v in r["statuses"].items():
            statuses[k] = statuses.get(k, 0) + v
    out["statuses"] = statuses
    for key in MEDIAN_KEYS:
        vals = [r[key] for r in runs if r.get(key) is not None]
        m = median(vals)
        out[key] = None if m is None else round(m, 3)
    out["runs"] = runs
    return out


def git_info() -> dict[str, Any]:
    def git(*args: str) -> str:
        try:
            return subprocess.run(
                ["git", *args], cwd=srv.ROOT, capture_output=True, text=True, timeout=10
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    return {
        "commit": git("rev-parse", "HEAD"),
        "dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
    }


def _loadavg() -> list[float] | None:
    """1/5/15-minute load averages: on a shared machine, other work skews the figures."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def _sigterm(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def run(args: argparse.Namespace) -> dict[str, Any]:
    scenarios = select(_names(args.scenario))
    http = [s for s in scenarios if s.kind == "http"]
    micros = [s for s in scenarios if s.kind == "micro"]
    started = dt.datetime.now(dt.UTC)
    config = srv.GunicornConfig(workers=args.workers, threads=args.threads, worker_class=args.worker_class)
    doc: dict[str, Any] = {
        "version": 1,
        "started_at": started.isoformat(timespec="seconds"),
        "git": git_info(),
        "host": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "loadavg_start": _loadavg(),
        },
        "config": {
            "concurrency": args.concurrency,
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "max_requests": args.requests,
            "repeat": args.repeat,
            "server": config.describe(),
            "generator": "asyncio raw HTTP/1.1 keep-alive, closed loop, 1 process",
        },
        "baselines": list(HTTP_BASELINES),
        "micro_baseline": MICRO_BASELINE if micros else None,
        "results": [],
    }
    with srv.temp_var_dir() as var_dir:
        backends = srv.pick_backends(var_dir, force_sqlite=args.sqlite)
        doc["config"]["backends"] = {
            "database": backends.database,
            "cache": "redis" if backends.redis_url else "locmem",
            "note": backends.note,
        }
        LOG(
            f"backends: {backends.database}{' + redis' if backends.redis_url else ' + locmem'}"
            f"{f' ({backends.note})' if backends.note else ''}"
        )
        env = srv.child_env(backends, var_dir)
        doc["config"]["static_files"] = srv.prepare(env)

        ctxs: dict[str, dict[str, Any]] = {}
        for sc in http:
            if sc.setup or sc.auth:
                t = time.monotonic()
                ctxs[sc.name] = run_child(env, "setup", sc.name)["ctx"]
                LOG(f"setup {sc.name} done in {time.monotonic() - t:.1f}s")

        runs: dict[str, list[dict[str, Any]]] = {sc.name: [] for sc in http}
        server = srv.start_gunicorn(env, config, var_dir)
        LOG(f"{config.describe()} on {server.base_url}")
        try:
            for rnd in range(args.repeat):
                for sc in http:
                    ctx = ctxs.get(sc.name, {})
                    headers = bearer(ctx["token"]) if sc.auth and ctx.get("token") else {}
                    marks: dict[str, float | None] = {}

                    def on_measure(phase: str, marks: dict[str, float | None] = marks) -> None:
                        marks[phase] = server.cpu_seconds()
                        marks[f"db_{phase}"] = srv.database_backends_cpu(backends.database_url)

                    LOG(
                        f"round {rnd + 1}/{args.repeat}: {sc.name} ({args.warmup:g}s warm-up + {args.duration:g}s)"
                    )
                    assert sc.factory is not None
                    # The request index restarts at 0 every round: scenarios that must not repeat
                    # a request across rounds (idempotency keys) fold the round number in.
                    ctx["_round"] = rnd
                    if sc.queue:
                        q = run_queue(
                            "127.0.0.1",
                            server.port,
                            sc.factory,
                            ctx,
                            jobs=int(ctx.get("jobs", 0)),
                            concurrency=args.concurrency,
                            window_s=args.duration,
                            extra_headers=headers,
                            on_measure=on_measure,
                        )
                        runs[sc.name].append(
                            {
                                **http_result(sc, q.load, _measured_cpu(marks), _measured_cpu(marks, "db_")),
                                "queue": queue_summary(q),
                            }
                        )
                        continue
                    res = run_load(
                        "127.0.0.1",
                        server.port,
                        sc.factory,
                        ctx,
                        concurrency=args.concurrency,
                        duration_s=args.duration,
                        warmup_s=args.warmup,
                        max_requests=args.requests,
                        extra_headers=headers,
                        on_measure=on_measure,
                    )
                    runs[sc.name].append(
                        http_result(sc, res, _measured_cpu(marks), _measured_cpu(marks, "db_"))
                    )
                    if server.proc.poll() is not None:
                        raise RuntimeError(f"gunicorn died during {sc.name}:\n{server.log_tail()}")
        finally:
            srv.stop(server)
            tail = server.log_tail(20)
            if "Traceback" in tail or "ERROR" in tail:
                LOG(f"gunicorn log (tail):\n{tail}")
        results = [combine_runs(runs[sc.name]) for sc in http]

        for sc in micros:
            LOG(f"micro {sc.name}")
            args_ = ["micro", sc.name] + (["--iterations", str(args.iterations)] if args.iterations else [])
            figures = run_child(env, *args_)
            results.append(
                {
                    "name": sc.name,
                    "kind": "micro",
                    "description": sc.description,
                    "baseline": sc.baseline,
                    **figures,
                }
            )

    add_ratios(results, HTTP_BASELINES, MICRO_BASELINE if micros else None)
    doc["results"] = results
    doc["finished_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    doc["host"]["loadavg_end"] = _loadavg()
    return doc


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.list:
        print(list_scenarios())
        return 0
    try:
        select(_names(args.scenario))
    except KeyError as exc:
        print(exc.args[0], file=sys.stderr)
        return 2
    old = signal.signal(signal.SIGTERM, _sigterm)
    try:
        doc = run(args)
    except KeyboardInterrupt:
        LOG("interrupted; gunicorn stopped")
        return 130
    except RuntimeError as exc:
        LOG(f"failed: {exc}")
        return 1
    finally:
        with contextlib.suppress(ValueError):
            signal.signal(signal.SIGTERM, old)
    print(render_table(doc))
    if not args.no_json:
        path = args.json or RESULTS_DIR / f"{dt.datetime.now():%Y%m%d-%H%M%S}.json"  # noqa: DTZ005 - local file name
        write_json(doc, path)
        print(f"\nJSON: {path}")
    return 0
