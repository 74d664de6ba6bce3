"""Entry point of the Django subprocesses the harness starts (never the load generator's process).

    python -m bench.child setup NAME              auth + setup of a scenario; prints its ctx as JSON
    python -m bench.child micro NAME --iterations N   auth + setup + N timed calls; prints figures

The last stdout line starting with ``BENCH-RESULT `` carries the JSON answer; anything else printed
(by setup code, say) is passed through to the harness log.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Any

MARKER = "BENCH-RESULT "


def _prepare(name: str) -> tuple[Any, dict[str, Any]]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yugong.settings")
    import django

    django.setup()

    from .registry import discover

    sc = discover()[name]
    ctx: dict[str, Any] = {}
    if sc.auth is not None:
        from .djangoside import issue_token

        user_id, token = issue_token(sc.auth.username, staff=sc.auth.staff, superuser=sc.auth.superuser)
        ctx.update(auth_user_id=user_id, auth_username=sc.auth.username, token=token)
    if sc.setup is not None:
        ctx.update(sc.setup(ctx) or {})
    return sc, ctx


def do_setup(name: str) -> dict[str, Any]:
    _sc, ctx = _prepare(name)
    return {"ctx": ctx}


def do_micro(name: str, iterations: int | None, warmup: int | None) -> dict[str, Any]:
    from .stats import latency_summary

    sc, ctx = _prepare(name)
    func = sc.func
    assert func is not None
    n = max(1, min(iterations or sc.iterations, 1_000_000))
    w = max(0, min(sc.warmup_iterations if warmup is None else warmup, 100_000))
    for _ in range(w):
        func(ctx)
    timings: list[float] = []
    clock = time.perf_counter
    started = clock()
    cpu0 = time.process_time()
    for _ in range(n):
        t0 = clock()
        func(ctx)
        timings.append(clock() - t0)
    wall = clock() - started
    return {
        "iterations": n,
        "warmup_iterations": w,
        "wall_s": round(wall, 4),
        "cpu_s": round(time.process_time() - cpu0, 4),
        "calls_per_s": round(n / wall, 1) if wall > 0 else None,
        **latency_summary(timings, unit="us"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.child")
    parser.add_argument("action", choices=["setup", "micro"])
    parser.add_argument("name")
    parser.add_argument("--iterations", type=int)
    parser.add_argument("--warmup", type=int)
    args = parser.parse_args(argv)
    out = do_setup(args.name) if args.action == "setup" else do_micro(args.name, args.iterations, args.warmup)
    sys.stdout.write("\n" + MARKER + json.dumps(out, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
