"""The benchmark harness (bench/): statistics, registry, HTTP framing, result shape, baseline views.

No timed assertions: these check that the harness counts and reports correctly, not how fast
anything is."""

from __future__ import annotations

import asyncio
import json
import statistics
import threading
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

import pytest
from django.test import override_settings

from bench import registry
from bench.cli import combine_runs, http_result
from bench.loadgen import LoadResult, encode_request, read_response, run_load
from bench.registry import Auth, Request, Scenario, bearer, select
from bench.report import DOC_KEYS, HTTP_KEYS, MICRO_KEYS, render_table, write_json
from bench.server import free_port
from bench.stats import add_ratios, latency_summary, percentile

T = TypeVar("T")

# --- statistics -------------------------------------------------------------------------------


def test_percentile_linear_interpolation() -> None:
    data = list(range(1, 101))  # 1..100
    assert percentile(data, 0) == 1
    assert percentile(data, 100) == 100
    assert percentile(data, 50) == pytest.approx(50.5)
    assert percentile(data, 95) == pytest.approx(95.05)
    assert percentile(data, 99) == pytest.approx(99.01)


def test_percentile_matches_statistics_inclusive() -> None:
    data = [0.3, 1.7, 0.2, 9.1, 4.4, 4.4, 2.0, 7.5, 0.9, 3.3, 5.0]
    cuts = statistics.quantiles(data, n=100, method="inclusive")
    for q in (1, 25, 50, 90, 95, 99):
        assert percentile(data, q) == pytest.approx(cuts[q - 1])


def test_percentile_edge_cases() -> None:
    assert percentile([], 50) is None
    assert percentile([7.0], 99) == 7.0
    assert percentile([3, 1, 2], 50) == 2  # unsorted input
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def test_latency_summary_units() -> None:
    ms = latency_summary([0.001, 0.002, 0.003], unit="ms")
    assert ms["p50_ms"] == 2.0 and ms["max_ms"] == 3.0 and ms["mean_ms"] == 2.0
    us = latency_summary([0.001], unit="us")
    assert us["p99_us"] == 1000.0
    assert latency_summary([], unit="ms")["p95_ms"] is None


def test_ratios_to_both_baselines_and_micro_baseline() -> None:
    results = [
        {"name": "baseline_bare", "kind": "http", "rps": 1000.0, "p95_ms": 10.0},
        {"name": "baseline_query", "kind": "http", "rps": 500.0, "p95_ms": 20.0},
        {"name": "x", "kind": "http", "rps": 250.0, "p95_ms": 40.0},
        {"name": "micro_query", "kind": "micro", "p95_us": 100.0, "p99_us": 200.0},
        {"name": "m", "kind": "micro", "p95_us": 300.0, "p99_us": 1000.0},
    ]
    add_ratios(results, ("baseline_bare", "baseline_query"), "micro_query")
    x = results[2]["vs"]
    assert x["baseline_bare"] == {"rps": 0.25, "p95": 4.0}
    assert x["baseline_query"] == {"rps": 0.5, "p95": 2.0}
    assert results[0]["vs"]["baseline_bare"] == {"rps": 1.0, "p95": 1.0}
    assert results[4]["vs"] == {"micro_query": {"p95": 3.0, "p99": 5.0}}


# --- registry ---------------------------------------------------------------------------------


def test_registry_ships_the_baselines() -> None:
    reg = registry.discover()
    for name in ("baseline_bare", "baseline_query", "healthz", "micro_query"):
        assert name in reg
    assert reg["baseline_bare"].baseline and reg["baseline_bare"].kind == "http"
    assert reg["micro_query"].kind == "micro"
    req = reg["baseline_bare"].factory({}, 0)  # type: ignore[misc]
    assert req.method == "GET" and req.path == "/_bench/bare"


def test_select_always_includes_the_baselines_first() -> None:
    names = [s.name for s in select(["healthz"])]
    assert names == ["baseline_bare", "baseline_query", "healthz"]
    names = [s.name for s in select(["api_me", "healthz", "api_me"])]
    assert names == ["baseline_bare", "baseline_query", "api_me", "healthz"]


def test_select_adds_micro_baseline_for_micro_scenarios() -> None:
    @registry.micro("zz_test_micro", "test only", default=False)
    def _m(ctx: registry.Ctx) -> None:
        return None

    try:
        names = [s.name for s in select(["zz_test_micro"])]
        assert names == ["baseline_bare", "baseline_query", "micro_query", "zz_test_micro"]
        assert "zz_test_micro" not in [s.name for s in select([])]  # not a default scenario
    finally:
        registry.REGISTRY.pop("zz_test_micro", None)


def test_select_rejects_unknown_names() -> None:
    with pytest.raises(KeyError):
        select(["no_such_scenario"])


def test_register_validates() -> None:
    with pytest.raises(ValueError):
        registry.register(Scenario(name="zz_bad", description="", kind="http"))
    with pytest.raises(ValueError):
        registry.register(Scenario(name="zz_bad", description="", kind="micro"))
    assert "zz_bad" not in registry.REGISTRY


def test_request_helpers() -> None:
    req = Request.json("POST", "/api/v1/x", {"名称": "渝工"}, headers=bearer("yg_abc"))
    assert req.headers["Authorization"] == "Bearer yg_abc"
    assert req.headers["Content-Type"] == "application/json"
    assert json.loads(req.body or b"") == {"名称": "渝工"}
    assert Auth("bench_x").staff is False


# --- HTTP framing and the load generator ------------------------------------------------------


def test_encode_request() -> None:
    raw = encode_request(Request("POST", "/a?b=1", {"X-Y": "z"}, b"hi"), "127.0.0.1:8300", bearer("t"))
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    assert lines[0] == "POST /a?b=1 HTTP/1.1"
    assert "Host: 127.0.0.1:8300" in lines and "Authorization: Bearer t" in lines
    assert "Content-Length: 2" in lines and "X-Y: z" in lines
    assert body == b"hi"


def _fresh_thread(fn: Callable[[], T]) -> T:
    """Run ``fn`` in a new thread. The load generator calls asyncio.run(), which refuses a thread
    that already runs an event loop — as the main thread does once Playwright's sync API (the
    browser tests) has started in the same pytest process. ``make bench`` has no such loop."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            box["error"] = exc

    worker = threading.Thread(target=target)
    worker.start()
    worker.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


def _read(data: bytes) -> tuple[int, bool, int]:
    async def go() -> tuple[int, bool, int]:
        reader = asyncio.StreamReader()
        reader.feed_data(data)
        reader.feed_eof()
        return await read_response(reader)

    return _fresh_thread(lambda: asyncio.run(go()))


def test_read_response_framing() -> None:
    assert _read(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello") == (200, True, 5)
    assert _read(b"HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n") == (
        404,
        False,
        0,
    )
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
    assert _read(chunked) == (200, True, 5)
    assert _read(b"HTTP/1.0 200 OK\r\n\r\nuntil-close") == (200, False, 11)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802
        status = 200 if self.path.startswith("/ok") else 500
        body = b'{"ok": true}'
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def test_run_load_counts_requests_and_errors() -> None:
    port = free_port()
    httpd = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        res = _fresh_thread(
            lambda: run_load(
                "127.0.0.1",
                port,
                lambda ctx, i: Request("GET", "/ok" if i % 2 else "/fail"),
                {},
                concurrency=2,
                duration_s=5,
                warmup_s=0.1,
                max_requests=40,
            )
        )
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert res.requests == 40
    assert res.exceptions == 0
    assert sum(res.statuses.values()) == 40
    assert set(res.statuses) <= {200, 500}
    assert res.errors == res.statuses[500]
    assert len(res.latencies) == 40 and res.window_s > 0


def test_run_load_refuses_other_hosts() -> None:
    with pytest.raises(ValueError):
        _fresh_thread(
            lambda: run_load("example.com", 80, lambda ctx, i: Request(), {}, duration_s=0.1, warmup_s=0)
        )


# --- result shape -----------------------------------------------------------------------------


def _fake_result(name: str, rps_scale: float) -> dict[str, object]:
    sc = registry.discover()[name]
    res = LoadResult(
        requests=100,
        errors=1,
        statuses=Counter({200: 99, 500: 1}),
        latencies=[0.001 * rps_scale * (i % 10 + 1) for i in range(100)],
        window_s=0.5 * rps_scale,
        gen_cpu_s=0.1,
    )
    return http_result(sc, res, server_cpu_s=0.4)


def test_result_json_shape(tmp_path) -> None:  # type: ignore[no-untyped-def]
    bare = combine_runs([_fake_result("baseline_bare", 1), _fake_result("baseline_bare", 1.2)])
    query = _fake_result("baseline_query", 2)
    micro = {
        "name": "micro_query",
        "kind": "micro",
        "description": "d",
        "baseline": True,
        "iterations": 10,
        "calls_per_s": 100.0,
        **latency_summary([0.0001] * 10, unit="us"),
    }
    results = [bare, query, micro]
    add_ratios(results, registry.HTTP_BASELINES, registry.MICRO_BASELINE)
    doc = {
        "version": 1,
        "started_at": "2025-01-01T00:00:00+00:00",
        "finished_at": "2025-01-01T00:01:00+00:00",
        "git": {"commit": "0" * 40, "dirty": False},
        "host": {"cpus": 2, "python": "3.11", "platform": "linux"},
        "config": {
            "concurrency": 32,
            "duration_s": 8.0,
            "warmup_s": 2.0,
            "max_requests": 1000,
            "repeat": 2,
            "server": "gunicorn",
            "backends": {"database": "sqlite", "cache": "locmem"},
        },
        "baselines": list(registry.HTTP_BASELINES),
        "micro_baseline": registry.MICRO_BASELINE,
        "results": results,
    }
    path = tmp_path / "r.json"
    write_json(doc, path)
    loaded = json.loads(path.read_text())
    assert set(DOC_KEYS) <= set(loaded)
    for r in loaded["results"]:
        keys = HTTP_KEYS if r["kind"] == "http" else MICRO_KEYS
        missing = set(keys) - set(r)
        assert not missing, (r["name"], missing)
    assert loaded["results"][0]["requests"] == 200  # two rounds summed
    assert len(loaded["results"][0]["runs"]) == 2
    assert loaded["results"][1]["vs"]["baseline_bare"]["rps"] is not None
    table = render_table(loaded)
    assert "baseline_query" in table and "micro_query" in table and "WARNING" in table


# --- the baseline views -----------------------------------------------------------------------


@pytest.mark.django_db
def test_baseline_views_answer_when_enabled(client) -> None:  # type: ignore[no-untyped-def]
    with override_settings(BENCH_ENDPOINTS=True):
        bare = client.get("/_bench/bare")
        assert bare.status_code == 200 and bare.json() == {"ok": True}
        query = client.get("/_bench/query")
        assert query.status_code == 200 and query.json()["ok"] is True
        assert query.json()["row"]["id"]


@pytest.mark.django_db
def test_baseline_views_hidden_when_disabled(client) -> None:  # type: ignore[no-untyped-def]
    with override_settings(BENCH_ENDPOINTS=False):
        assert client.get("/_bench/bare").status_code == 404
        assert client.get("/_bench/query").status_code == 404


def test_database_backends_cpu_counts_only_that_databases_backends() -> None:
    """The database's share of a request: the backends whose process titles name the benchmark's
    database (a live connection to it makes at least one), nothing for SQLite or a name nobody uses."""
    import os

    import psycopg

    from bench.server import database_backends_cpu

    assert database_backends_cpu("sqlite:///x.sqlite3") is None
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres") or not os.path.exists("/proc/self/stat"):
        pytest.skip("needs the real PostgreSQL on this machine")
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    probe = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(probe) as conn:
        conn.execute("SELECT count(*) FROM generate_series(1, 300000)").fetchone()
        used = database_backends_cpu(probe)
    assert used is not None and used >= 0
    assert database_backends_cpu(urlunsplit(parts._replace(path="/no_such_bench_database"))) == 0
