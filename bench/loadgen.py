"""A bounded closed-loop HTTP/1.1 load generator for 127.0.0.1.

``concurrency`` keep-alive connections each send a request, wait for the whole response, and send
the next one at once (closed loop: the offered load adapts to the server, so figures show capacity
and the latency *at* that capacity, not latency under a fixed arrival rate).

Why a hand-written client on asyncio streams rather than httpx or http.client threads: on a 2-core
machine the generator shares the CPU with gunicorn, so its cost per request must be as small as
possible. This client parses only the status line, ``Content-Length``/chunked framing and
``Connection: close`` — roughly 5-10x cheaper per request than ``httpx.AsyncClient`` and free of GIL
contention between threads. The run reports the generator's own CPU use (``gen_cpu``: fraction of
one core); when it nears 1.0 the generator, not the server, is the limit.

Everything is bounded: only 127.0.0.1/localhost, concurrency, duration and request count are capped,
every request has a timeout, and a hard deadline ends the run whatever happens.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import gc
import heapq
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .registry import Ctx, Request

MAX_CONCURRENCY = 512
MAX_DURATION_S = 300.0
MAX_WARMUP_S = 60.0
MAX_REQUESTS = 2_000_000
REQUEST_TIMEOUT_S = 30.0
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


@dataclass
class LoadResult:
    requests: int = 0  # completed in the measured window (any status)
    errors: int = 0  # non-2xx + exceptions in the measured window
    exceptions: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    exception_kinds: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)  # seconds, measured window only
    window_s: float = 0.0
    warmup_requests: int = 0
    gen_cpu_s: float = 0.0
    bytes_received: int = 0

    @property
    def rps(self) -> float:
        return self.requests / self.window_s if self.window_s > 0 else 0.0


class _Phase:
    WARMUP, MEASURE, DONE = 0, 1, 2


class _State:
    def __init__(self, max_requests: int) -> None:
        self.phase = _Phase.WARMUP
        self.counter = 0
        self.max_requests = max_requests
        self.result = LoadResult()
        self.measure_started = 0.0
        self.measure_ended = 0.0
        self.enough = asyncio.Event()

    def next_index(self) -> int:
        i = self.counter
        self.counter += 1
        return i


class HttpError(Exception):
    pass


def encode_request(req: Request, host_header: str, extra_headers: Mapping[str, str]) -> bytes:
    headers = {
        "Host": host_header,
        "User-Agent": "yugong-bench/1",
        "Accept": "application/json",
        **extra_headers,
        **req.headers,
    }
    if req.body is not None:
        headers["Content-Length"] = str(len(req.body))
    head = f"{req.method.upper()} {req.path} HTTP/1.1\r\n" + "".join(
        f"{k}: {v}\r\n" for k, v in headers.items()
    )
    return head.encode("latin-1") + b"\r\n" + (req.body or b"")


async def read_response(
    reader: asyncio.StreamReader, capture: dict[str, str] | None = None
) -> tuple[int, bool, int]:
    """Read one response; return (status, keep_alive, body_bytes). ``capture``: header names
    (lower case) whose values to fill in."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/"):
        raise HttpError(f"bad status line {lines[0]!r}")
    status = int(parts[1])
    length: int | None = None
    chunked = False
    keep_alive = parts[0] == "HTTP/1.1"
    for line in lines[1:]:
        if not line:
            continue
        name, _, value = line.partition(":")
        name = name.strip().lower()
        value = value.strip()
        if name == "content-length":
            length = int(value)
        elif name == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
        elif name == "connection":
            keep_alive = value.lower() != "close" and (keep_alive or value.lower() == "keep-alive")
        if capture is not None and name in capture:
            capture[name] = value
    size = 0
    if status in (204, 304) or 100 <= status < 200:
        return status, keep_alive, 0
    if chunked:
        while True:
            line_b = await reader.readuntil(b"\r\n")
            n = int(line_b.split(b";", 1)[0].strip(), 16)
            if n == 0:
                while (await reader.readuntil(b"\r\n")) != b"\r\n":  # trailers
                    pass
                break
            await reader.readexactly(n + 2)
            size += n
    elif length is not None:
        if length:
            await reader.readexactly(length)
        size = length
    else:
        data = await reader.read()  # body delimited by connection close
        size = len(data)
        keep_alive = False
    return status, keep_alive, size


class _Connection:
    """One keep-alive connection of a load worker: (re)opened on demand, closed after an error or
    a response without keep-alive. Every exchange is bounded by REQUEST_TIMEOUT_S."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def exchange(self, payload: bytes, capture: dict[str, str] | None = None) -> tuple[int, int, str]:
        """Send one request, read its response: (status, body bytes, exception kind or "")."""
        status, keep_alive, size, exc_kind = 0, False, 0, ""
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT_S):
                if self.writer is None:
                    self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
                assert self.reader is not None
                self.writer.write(payload)
                await self.writer.drain()
                status, keep_alive, size = await read_response(self.reader, capture)
        except (
            OSError,
            asyncio.IncompleteReadError,
            asyncio.LimitOverrunError,
            TimeoutError,
            HttpError,
        ) as e:
            exc_kind, size = type(e).__name__, 0
        if exc_kind or not keep_alive:
            await self.close()
        return status, size, exc_kind

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(Exception):
                await self.writer.wait_closed()
        self.reader = self.writer = None


async def _worker(
    host: str,
    port: int,
    factory: Callable[[Ctx, int], Request],
    ctx: Ctx,
    extra_headers: Mapping[str, str],
    state: _State,
) -> None:
    host_header = f"{host}:{port}"
    conn = _Connection(host, port)
    res = state.result
    while state.phase != _Phase.DONE:
        req = factory(ctx, state.next_index())
        payload = encode_request(req, host_header, extra_headers)
        t0 = time.perf_counter()
        status, size, exc_kind = await conn.exchange(payload)
        t1 = time.perf_counter()
        if state.phase == _Phase.MEASURE and t0 >= state.measure_started:
            res.requests += 1
            res.bytes_received += size
            if exc_kind:
                res.exceptions += 1
                res.errors += 1
                res.exception_kinds[exc_kind] += 1
            else:
                res.statuses[status] += 1
                if not 200 <= status < 300:
                    res.errors += 1
            res.latencies.append(t1 - t0)
            if res.requests >= state.max_requests:
                state.measure_ended = t1
                state.phase = _Phase.DONE
                state.enough.set()
        elif state.phase == _Phase.WARMUP:
            res.warmup_requests += 1
        if exc_kind:
            await asyncio.sleep(0.05)  # do not spin on a refused connection
    await conn.close()


async def _run(
    host: str,
    port: int,
    factory: Callable[[Ctx, int], Request],
    ctx: Ctx,
    *,
    concurrency: int,
    duration_s: float,
    warmup_s: float,
    max_requests: int,
    extra_headers: Mapping[str, str],
    on_measure: Callable[[str], Any] | None,
) -> LoadResult:
    state = _State(max_requests)
    tasks = [
        asyncio.create_task(_worker(host, port, factory, ctx, extra_headers, state))
        for _ in range(concurrency)
    ]
    try:
        await asyncio.sleep(warmup_s)
        if on_measure:
            on_measure("start")
        cpu0 = time.process_time()
        state.measure_started = time.perf_counter()
        state.phase = _Phase.MEASURE
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(state.enough.wait(), timeout=duration_s)
        if state.phase != _Phase.DONE:
            state.measure_ended = time.perf_counter()
            state.phase = _Phase.DONE
        state.result.gen_cpu_s = time.process_time() - cpu0
        if on_measure:
            on_measure("end")
        # Let in-flight requests finish (they are not counted), but never wait long.
        _done, pending = await asyncio.wait(tasks, timeout=REQUEST_TIMEOUT_S + 1)
        for t in pending:
            t.cancel()
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    state.result.window_s = max(state.measure_ended - state.measure_started, 1e-9)
    return state.result


def run_load(
    host: str,
    port: int,
    factory: Callable[[Ctx, int], Request],
    ctx: Ctx,
    *,
    concurrency: int = 32,
    duration_s: float = 8.0,
    warmup_s: float = 2.0,
    max_requests: int = 200_000,
    extra_headers: Mapping[str, str] | None = None,
    on_measure: Callable[[str], Any] | None = None,
) -> LoadResult:
    """Run one bounded load phase (warm-up, then the measured window) and return its figures."""
    if host not in LOCAL_HOSTS:
        raise ValueError("the load generator only targets 127.0.0.1")
    concurrency = max(1, min(int(concurrency), MAX_CONCURRENCY))
    duration_s = max(0.1, min(float(duration_s), MAX_DURATION_S))
    warmup_s = max(0.0, min(float(warmup_s), MAX_WARMUP_S))
    max_requests = max(1, min(int(max_requests), MAX_REQUESTS))
    gc.collect()
    gc.freeze()
    try:
        return asyncio.run(
            _run(
                host,
                port,
                factory,
                ctx,
                concurrency=concurrency,
                duration_s=duration_s,
                warmup_s=warmup_s,
                max_requests=max_requests,
                extra_headers=extra_headers or {},
                on_measure=on_measure,
            )
        )
    finally:
        gc.unfreeze()


# --- queue mode: every job must eventually be served; 202 + Retry-After is followed ---------------

QUEUE_DRAIN_MAX_S = 180.0  # a queue run ends at the latest this long after it started
QUEUE_MAX_TRIES = 200  # per job (202 answers and errors), then the job is given up


@dataclass
class QueueResult:
    load: LoadResult  # every request of the run (window and drain)
    jobs: int = 0
    done: int = 0  # jobs that got a 2xx other than 202
    done_in_window: int = 0  # … within the first ``window_s`` seconds
    queued: int = 0  # 202 answers
    given_up: int = 0
    drain_s: float | None = None  # from the first request until the last job was served
    max_tries: int = 0
    window_s: float = 0.0


async def _queue_worker(
    host: str,
    port: int,
    factory: Callable[[Ctx, int], Request],
    ctx: Ctx,
    extra_headers: Mapping[str, str],
    st: dict[str, Any],
) -> None:
    host_header = f"{host}:{port}"
    conn = _Connection(host, port)
    q: QueueResult = st["result"]
    res = q.load
    ready: collections.deque[int] = st["ready"]
    waiting: list[tuple[float, int]] = st["waiting"]
    tickets: dict[int, str] = st["tickets"]
    tries: Counter[int] = st["tries"]
    t_start: float = st["t_start"]
    while q.done + q.given_up < q.jobs and time.perf_counter() < st["deadline"]:
        now = time.perf_counter()
        if waiting and (waiting[0][0] <= now or not ready):
            due, job = heapq.heappop(waiting)
            if due > now:
                await asyncio.sleep(min(due - now, 0.5))
                if time.perf_counter() < due:
                    heapq.heappush(waiting, (due, job))
                    continue
        elif ready:
            job = ready.popleft()
        else:
            await asyncio.sleep(0.01)  # the rest are in flight on other connections
            continue
        req = factory(ctx, job)
        headers = dict(extra_headers)
        if job in tickets:
            headers["X-Queue-Ticket"] = tickets[job]
        payload = encode_request(req, host_header, headers)
        capture = {"retry-after": "", "x-queue-ticket": ""}
        t0 = time.perf_counter()
        status, size, exc_kind = await conn.exchange(payload, capture)
        t1 = time.perf_counter()
        res.requests += 1
        res.bytes_received += size
        res.latencies.append(t1 - t0)
        tries[job] += 1
        q.max_tries = max(q.max_tries, tries[job])
        if exc_kind:
            res.exceptions += 1
            res.errors += 1
            res.exception_kinds[exc_kind] += 1
        else:
            res.statuses[status] += 1
        if not exc_kind and 200 <= status < 300 and status != 202:
            q.done += 1
            if t1 - t_start <= q.window_s:
                q.done_in_window += 1
            if q.done == q.jobs:
                q.drain_s = t1 - t_start
            continue
        if status == 202:
            q.queued += 1
            if capture["x-queue-ticket"]:
                tickets[job] = capture["x-queue-ticket"]
            try:
                wait = float(capture["retry-after"] or 1)
            except ValueError:
                wait = 1.0
        else:
            if not exc_kind:
                res.errors += 1
            wait = 1.0
        if tries[job] >= QUEUE_MAX_TRIES:
            q.given_up += 1
            continue
        heapq.heappush(waiting, (time.perf_counter() + min(max(wait, 0.05), 30.0), job))
    await conn.close()


def run_queue(
    host: str,
    port: int,
    factory: Callable[[Ctx, int], Request],
    ctx: Ctx,
    *,
    jobs: int,
    concurrency: int = 128,
    window_s: float = 10.0,
    drain_max_s: float = QUEUE_DRAIN_MAX_S,
    extra_headers: Mapping[str, str] | None = None,
    on_measure: Callable[[str], Any] | None = None,
) -> QueueResult:
    """``jobs`` requests (``factory(ctx, job)``, job = 0..jobs-1) that must each be served once:
    a 202 answer is retried after its ``Retry-After`` with its ``X-Queue-Ticket`` echoed, an error
    after a second (both bounded). Reports how many were served within ``window_s`` and how long
    until all were (the drain), besides the usual figures over the whole run."""
    if host not in LOCAL_HOSTS:
        raise ValueError("the load generator only targets 127.0.0.1")
    concurrency = max(1, min(int(concurrency), MAX_CONCURRENCY))
    jobs = max(0, min(int(jobs), MAX_REQUESTS))
    drain_max_s = max(window_s, min(float(drain_max_s), MAX_DURATION_S))

    async def main() -> QueueResult:
        q = QueueResult(load=LoadResult(), jobs=jobs, window_s=window_s)
        t_start = time.perf_counter()
        st: dict[str, Any] = {
            "result": q,
            "ready": collections.deque(range(jobs)),
            "waiting": [],
            "tickets": {},
            "tries": Counter(),
            "t_start": t_start,
            "deadline": t_start + drain_max_s,
        }
        if on_measure:
            on_measure("start")
        cpu0 = time.process_time()
        tasks = [
            asyncio.create_task(_queue_worker(host, port, factory, ctx, extra_headers or {}, st))
            for _ in range(concurrency)
        ]
        try:
            await asyncio.wait(tasks, timeout=drain_max_s + REQUEST_TIMEOUT_S + 1)
        finally:
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        q.load.window_s = max(time.perf_counter() - t_start, 1e-9)
        q.load.gen_cpu_s = time.process_time() - cpu0
        if on_measure:
            on_measure("end")
        return q

    gc.collect()
    gc.freeze()
    try:
        return asyncio.run(main())
    finally:
        gc.unfreeze()
