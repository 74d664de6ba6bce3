"""Tourism: orders under contention, pass verification at the gate.

HTTP scenarios (not in the default run: they write orders; name them):

* ``tourism_order_hot`` — ``POST /api/v1/tourism/orders`` (1 seat, a fresh Idempotency-Key per
  request) on ONE session with ample stock: every request takes the same row (conditional UPDATE).
  Goal: ≥ 300 successful orders/s on PostgreSQL.
* ``tourism_order_spread`` — the same spread over 1,000 sessions. Goal: ≥ 50 % of
  ``baseline_query``'s throughput (the ``rps/query`` column).
* ``tourism_pass_verify`` — ``POST /api/v1/tourism/passes/verify`` at a spot without the one-entry-a-
  day rule, so every verification takes the full admit path (lock the pass, log the entry, book the
  rate to the ledger, count the fact). QR codes are made at request time (they expire in 60 s).
* ``tourism_race`` — 300 buyers (300 users, one token each) for ONE 100-seat session.

The race's pass/fail check needs the database after the burst, so it has its own runner that starts
the same gunicorn and repeats a one-shot burst of 300 simultaneous buyers, checking every time that
exactly 100 orders were made, 200 were refused with 409, and the session has 0 left:

    .venv/bin/python -m bench.scenarios.tourism race --runs 5

Run the throughput scenarios with, e.g.:

    .venv/bin/python -m bench -s tourism_order_hot,tourism_order_spread,tourism_pass_verify --repeat 3
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import secrets
import subprocess
import sys
import time
from typing import Any

from bench.registry import Auth, Ctx, Request, scenario

RACE_SEATS = 100
RACE_BUYERS = 300
SPREAD_SESSIONS = 1000
PASSES = 2000
BIG = 10_000_000


def _world() -> dict[str, Any]:
    """The bench merchant and its host union (idempotent)."""
    from yugong.accounts.system import system_actor
    from yugong.orgs.models import Union
    from yugong.orgs.services import union_create
    from yugong.tourism.models import Merchant, ReviewStatus

    city = Union.objects.filter(code="BENCH-TOUR").first() or union_create(
        actor=system_actor(), parent=None, name="压测总工会", code="BENCH-TOUR", kind="city"
    )
    merchant, _ = Merchant.objects.get_or_create(
        name="压测剧院", defaults={"kind": "troupe", "host_union": city, "status": ReviewStatus.APPROVED}
    )
    return {"city": city, "merchant": merchant}


def _product(merchant: Any, title: str) -> Any:
    from yugong.tourism.models import Product, ReviewStatus

    product, _ = Product.objects.get_or_create(
        merchant=merchant,
        title=title,
        defaults={
            "kind": "show",
            "list_price_fen": 10000,
            "member_price_fen": 6000,
            "status": ReviewStatus.APPROVED,
            "search_text": title,
        },
    )
    return product


def _future(days: int = 30) -> Any:
    import datetime as dt

    from yugong.core.timeutil import now

    return now() + dt.timedelta(days=days)


def seed_hot(ctx: Ctx) -> dict[str, Any]:
    from yugong.tourism.models import Session

    product = _product(_world()["merchant"], "压测热门场次")
    session = Session.objects.filter(
        product=product, starts_at__gt=_future(7), remaining__gt=BIG // 2
    ).first()
    if session is None:
        session = Session.objects.create(product=product, starts_at=_future(), capacity=BIG, remaining=BIG)
    return {"session_id": session.pk, "run": secrets.token_hex(4)}


def seed_spread(ctx: Ctx) -> dict[str, Any]:
    from yugong.tourism.models import Session

    product = _product(_world()["merchant"], "压测分散场次")
    live = Session.objects.filter(product=product, starts_at__gt=_future(7), remaining__gt=1000)
    have = live.count()
    if have < SPREAD_SESSIONS:
        start = _future()
        Session.objects.bulk_create(
            Session(product=product, starts_at=start, capacity=100_000, remaining=100_000, label=f"#{n}")
            for n in range(SPREAD_SESSIONS - have)
        )
    ids = list(live.order_by("pk").values_list("pk", flat=True)[:SPREAD_SESSIONS])
    return {"session_ids": ids, "run": secrets.token_hex(4)}


@scenario(
    "tourism_order_hot",
    "POST /api/v1/tourism/orders: one hot session, 1 seat per order, fresh Idempotency-Key each",
    setup=seed_hot,
    auth=Auth("bench_tourism_buyer"),
    default=False,
)
def tourism_order_hot(ctx: Ctx, i: int) -> Request:
    return Request.json(
        "POST",
        "/api/v1/tourism/orders",
        {"session_id": ctx["session_id"], "quantity": 1},
        headers={"Idempotency-Key": f"hot-{ctx['run']}-{ctx.get('_round', 0)}-{i}"},
    )


@scenario(
    "tourism_order_spread",
    "POST /api/v1/tourism/orders spread over 1,000 sessions",
    setup=seed_spread,
    auth=Auth("bench_tourism_spreader"),
    default=False,
)
def tourism_order_spread(ctx: Ctx, i: int) -> Request:
    ids = ctx["session_ids"]
    return Request.json(
        "POST",
        "/api/v1/tourism/orders",
        {"session_id": ids[(i * 7919) % len(ids)], "quantity": 1},
        headers={"Idempotency-Key": f"spread-{ctx['run']}-{ctx.get('_round', 0)}-{i}"},
    )


# --- Pass verification ------------------------------------------------------------------------


def _qr_token(key: bytes, pass_id: int, secret: str, ts: int) -> str:
    """The pass QR as yugong.tourism.services.passes makes it (checked equal in the setup)."""
    sig = hmac.new(key, f"{pass_id}.{ts}.{secret}".encode(), hashlib.sha256).hexdigest()[:24]
    return f"YGP1.{pass_id}.{ts}.{sig}"


def seed_passes(ctx: Ctx) -> dict[str, Any]:
    from django.conf import settings

    from yugong.core.timeutil import local_today, now
    from yugong.funds import ledger
    from yugong.members.models import Membership, Person
    from yugong.tourism.models import AnnualPass, MerchantStaff, PassBatch, PassSpot
    from yugong.tourism.services import pass_qr_token

    world = _world()
    merchant, city = world["merchant"], world["city"]
    MerchantStaff.objects.get_or_create(
        merchant=merchant, user_id=ctx["auth_user_id"], defaults={"role": "gate"}
    )
    spot, _ = PassSpot.objects.get_or_create(
        merchant=merchant,
        name="压测景点",
        defaults={"rate_fen": 2000, "one_entry_per_day": False, "status": "approved"},
    )
    year = local_today().year
    batch = PassBatch.objects.filter(union=city, year=year, requested_by_id=ctx["auth_user_id"]).first()
    if batch is None:
        batch = PassBatch.objects.create(
            union=city,
            year=year,
            price_fen=10000,
            person_ids=[],
            total_fen=0,
            status="issued",
            requested_by_id=ctx["auth_user_id"],
        )
    have = AnnualPass.objects.filter(batch=batch).count()
    if have < PASSES:
        people = Person.objects.bulk_create(Person(name=f"压测职工{n}") for n in range(have, PASSES))
        Membership.objects.bulk_create(Membership(person=p, union=city, status="active") for p in people)
        AnnualPass.objects.bulk_create(
            AnnualPass(batch=batch, person=p, holder_name=p.name, year=year, number=f"BENCH{year}{p.pk:09d}")
            for p in people
        )
        ledger.post(
            kind="pass_purchase",
            lines=[
                (ledger.union_funds(city.pk), 10000 * len(people)),
                (ledger.PASS_POOL, -10000 * len(people)),
            ],
        )
    # Every admission pays 20 yuan from the pool: keep enough in it for any run (the top-up is booked
    # like a purchase, so the ledger and the pool agree).
    from yugong.tourism.services.spots import pool_balance, pool_pay_in

    top_up = 100_000_000 - pool_balance(year)
    if top_up > 0:
        pool_pay_in(year=year, amount_fen=top_up)
        ledger.post(
            kind="pass_purchase", lines=[(ledger.union_funds(city.pk), top_up), (ledger.PASS_POOL, -top_up)]
        )
    passes = list(AnnualPass.objects.filter(batch=batch).order_by("pk").values_list("pk", "secret")[:PASSES])
    key = hashlib.sha256(f"yugong-pass-qr:{settings.SECRET_KEY}".encode()).digest()
    sample = AnnualPass.objects.get(pk=passes[0][0])
    at = now()
    expected = pass_qr_token(sample, at=at)
    mine = _qr_token(key, sample.pk, sample.secret, int(at.timestamp()))
    if mine != expected:
        raise RuntimeError("bench pass token differs from the service's: update _qr_token")
    return {"spot_id": spot.pk, "passes": passes, "qr_key": key.hex()}


@scenario(
    "tourism_pass_verify",
    "POST /api/v1/tourism/passes/verify: dynamic QR (made per request), full admit path",
    setup=seed_passes,
    auth=Auth("bench_tourism_gate"),
    default=False,
)
def tourism_pass_verify(ctx: Ctx, i: int) -> Request:
    passes = ctx["passes"]
    pass_id, secret = passes[(i * 7919) % len(passes)]
    token = _qr_token(bytes.fromhex(ctx["qr_key"]), pass_id, secret, int(time.time()))
    return Request.json("POST", "/api/v1/tourism/passes/verify", {"token": token, "spot_id": ctx["spot_id"]})


# --- The 300-buyer race ----------------------------------------------------------------------


def seed_race(ctx: Ctx) -> dict[str, Any]:
    """A fresh 100-seat session and 300 buyers, each with a fresh token."""
    from django.contrib.auth.hashers import make_password

    from yugong.accounts.auth import TOKEN_PREFIX, hash_token
    from yugong.accounts.models import ApiToken, User
    from yugong.tourism.models import Session

    product = _product(_world()["merchant"], "压测抢票场次")
    session = Session.objects.create(
        product=product, starts_at=_future(), capacity=RACE_SEATS, remaining=RACE_SEATS
    )
    names = [f"bench_race_{n:03d}" for n in range(RACE_BUYERS)]
    existing = set(User.objects.filter(username__in=names).values_list("username", flat=True))
    User.objects.bulk_create(
        User(username=n, display_name=n, password=make_password(None)) for n in names if n not in existing
    )
    users = list(User.objects.filter(username__in=names).order_by("username"))
    ApiToken.objects.filter(user__in=users).delete()
    tokens = [TOKEN_PREFIX + secrets.token_urlsafe(32) for _ in users]
    ApiToken.objects.bulk_create(
        ApiToken(user=u, name="bench", prefix=t[:8], key_hash=hash_token(t))
        for u, t in zip(users, tokens, strict=True)
    )
    return {"session_id": session.pk, "tokens": tokens, "run": secrets.token_hex(4)}


def _race_request(ctx: Ctx, i: int) -> Request:
    tokens = ctx["tokens"]
    return Request.json(
        "POST",
        "/api/v1/tourism/orders",
        {"session_id": ctx["session_id"], "quantity": 1},
        headers={
            "Idempotency-Key": f"race-{ctx['run']}-{i}",
            "Authorization": f"Bearer {tokens[i % len(tokens)]}",
        },
    )


@scenario(
    "tourism_race",
    "POST /api/v1/tourism/orders: 300 buyers for one 100-seat session (check: python -m bench.scenarios.tourism race)",
    setup=seed_race,
    default=False,
)
def tourism_race(ctx: Ctx, i: int) -> Request:
    return _race_request(ctx, i)


async def _one(port: int, req: Request, start: asyncio.Event) -> int:
    from bench.loadgen import encode_request, read_response

    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        await start.wait()
        writer.write(encode_request(req, f"127.0.0.1:{port}", {"Connection": "close"}))
        await writer.drain()
        status, _keep, _size = await asyncio.wait_for(read_response(reader), timeout=60)
        return status
    finally:
        writer.close()


async def _burst(port: int, ctx: Ctx) -> list[int | str]:
    """Open 300 connections first, then release all 300 requests at once."""
    start = asyncio.Event()
    tasks = [asyncio.create_task(_one(port, _race_request(ctx, i), start)) for i in range(RACE_BUYERS)]
    await asyncio.sleep(0.5)
    start.set()
    done = await asyncio.gather(*tasks, return_exceptions=True)
    return [d if isinstance(d, int) else type(d).__name__ for d in done]


def _check(session_id: int) -> dict[str, Any]:
    from yugong.tourism.models import Order, Session, Ticket

    s = Session.objects.get(pk=session_id)
    return {
        "remaining": s.remaining,
        "orders": Order.objects.filter(session_id=session_id).count(),
        "tickets": Ticket.objects.filter(order__session_id=session_id).count(),
        "buyers": Order.objects.filter(session_id=session_id).values("user_id").distinct().count(),
    }


def _child_check(env: dict[str, str], session_id: int) -> dict[str, Any]:
    from bench import server as srv

    proc = subprocess.run(
        [sys.executable, "-m", "bench.scenarios.tourism", "_check", str(session_id)],
        cwd=srv.ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def race_main(runs: int, workers: int, threads: int) -> int:
    from bench import server as srv
    from bench.cli import run_child

    failures = 0
    with srv.temp_var_dir() as var_dir:
        backends = srv.pick_backends(var_dir)
        print(f"backends: {backends.database}", flush=True)
        env = srv.child_env(backends, var_dir)
        srv.prepare(env)
        server = srv.start_gunicorn(env, srv.GunicornConfig(workers=workers, threads=threads), var_dir)
        print(f"{server.config.describe()} on {server.base_url}", flush=True)
        try:
            for run in range(1, runs + 1):
                ctx = run_child(env, "setup", "tourism_race")["ctx"]
                t0 = time.monotonic()
                statuses = asyncio.run(_burst(server.port, ctx))
                took = time.monotonic() - t0
                check = _child_check(env, ctx["session_id"])
                counts = {str(k): statuses.count(k) for k in sorted(set(statuses), key=str)}
                ok = (
                    statuses.count(201) == RACE_SEATS
                    and statuses.count(409) == RACE_BUYERS - RACE_SEATS
                    and check["remaining"] == 0
                    and check["orders"] == RACE_SEATS
                    and check["tickets"] == RACE_SEATS
                )
                failures += 0 if ok else 1
                print(
                    f"run {run}: {'OK  ' if ok else 'FAIL'} statuses {counts} in {took:.2f}s; "
                    f"db: {check['orders']} orders, {check['tickets']} tickets, {check['buyers']} buyers, "
                    f"{check['remaining']} left",
                    flush=True,
                )
        finally:
            srv.stop(server)
    print(f"{runs - failures}/{runs} runs ended with exactly {RACE_SEATS} sold", flush=True)
    return 1 if failures else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scenarios.tourism")
    sub = parser.add_subparsers(dest="cmd", required=True)
    race = sub.add_parser("race", help="300 buyers for a 100-seat session, checked after every burst")
    race.add_argument("--runs", type=int, default=5, choices=range(1, 21), metavar="1-20")
    race.add_argument("--workers", type=int, default=2)
    race.add_argument("--threads", type=int, default=4)
    check = sub.add_parser("_check")
    check.add_argument("session_id", type=int)
    args = parser.parse_args(argv)
    if args.cmd == "_check":
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yugong.settings")
        import django

        django.setup()
        print(json.dumps(_check(args.session_id)))
        return 0
    return race_main(args.runs, args.workers, args.threads)


if __name__ == "__main__":
    raise SystemExit(main())
