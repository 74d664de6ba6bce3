"""Contests: the online knowledge contest at city scale (PostgreSQL + Redis).

* ``contest_start_submit`` (HTTP): ``BENCH_CONTEST_USERS`` workers (default 256, each with a
  bearer token) take a 10-question paper again and again: request i goes to worker ``i % U``; even
  rounds ``POST /api/v1/contests/{id}/attempts`` (start), odd rounds
  ``POST /api/v1/contests/{id}/attempts/current/submit`` (submit all answers). Each worker's start
  is thousands of requests before its submit, so the pair never races. Submissions/s = rps ÷ 2.
* ``contest_my_rank`` (HTTP): ``GET /api/v1/contests/{id}/leaderboard?limit=10`` (top 10 and "my
  rank") among ``BENCH_CONTEST_PARTICIPANTS`` scored participants (default 2,100,000). The setup
  makes the users and entries with ``INSERT … SELECT generate_series`` (about a minute for 2.1 M on
  the 2-core machine, once: the benchmark database keeps them) and builds the Redis sorted set.
* ``contest_union_board`` (HTTP): ``GET /api/v1/contests/manage/contests/{id}/unions`` for staff at
  the root of a 40-district × 60-enterprise tree: children / district / grassroots boards by
  participation rate, cycling over the root and the districts (the rollup per process,
  each rendered board in the shared cache, for 30 s: 123 distinct boards).
* ``contest_start_burst`` (HTTP, queue mode): 10,000 distinct workers each press "start" once on
  a fresh contest (``BENCH_CONTEST_BURST``). A 202 "排队中" of the waiting room
  (``CONTESTS_START_RATE`` in the environment) is followed: the worker comes back after
  ``Retry-After`` with its ``X-Queue-Ticket``. Reported: errors (anything else than 2xx), how many
  had a started attempt within the ``--duration`` window, and the drain time until all had one
  (bounded at 180 s). Run as ``--duration 10 --warmup 0 --concurrency 128``.
* ``contest_union_board_uncached`` (micro): the same board computed without the cache.

    .venv/bin/python -m bench -s contest_start_submit,contest_my_rank,contest_union_board
    .venv/bin/python -m bench -s contest_start_burst --duration 10 --warmup 0 --concurrency 128
"""

from __future__ import annotations

import os
import secrets
import sys
from typing import Any

from bench.registry import Auth, Ctx, Request, micro, scenario

CONTEST_TITLE = "基准·安康杯知识竞赛"
RANK_TITLE = "基准·排名赛"
BOARD_ROOT = "BCQ"


def _root() -> Any:
    from yugong.orgs.models import Union

    root = Union.objects.filter(parent__isnull=True, status="active").order_by("id").first()
    if root is None:
        from yugong.orgs import demo

        demo.seed(sys.stderr)
        root = Union.objects.filter(parent__isnull=True, status="active").order_by("id").first()
    return root


def _bank(root: Any) -> Any:
    from yugong.contests import demo
    from yugong.contests.models import QuestionBank

    bank = QuestionBank.objects.filter(name=demo.BANK_NAME, union=root).first()
    return bank or demo._bank(root)


def _contest(title: str, root: Any, **fields: Any) -> Any:
    import datetime as dt

    from yugong.contests.models import Contest
    from yugong.core.timeutil import now

    contest = Contest.objects.filter(title=title, organiser=root).first()
    if contest is None:
        contest = Contest.objects.create(
            title=title,
            organiser=root,
            bank=_bank(root),
            starts_at=now() - dt.timedelta(days=1),
            ends_at=now() + dt.timedelta(days=365),
            question_count=10,
            time_limit_seconds=3600,
            tries_per_day=30_000,
            status="published",
            **fields,
        )
    return contest


def _users_sql(prefix: str, count: int) -> tuple[str, list[Any]]:
    """``INSERT INTO accounts_user … SELECT … FROM generate_series`` for users ``prefix`` 1..count
    that do not exist yet; columns come from the model, so new fields with defaults keep working."""
    from django.db import connection

    from yugong.accounts.models import User

    template = User(username="x", password="!", display_name="x")  # noqa: S106 - unusable
    cols, exprs, params = [], [], []
    for f in User._meta.concrete_fields:  # type: ignore[attr-defined]
        if f.primary_key:
            continue
        cols.append(connection.ops.quote_name(f.column))
        if f.name == "username":
            exprs.append("%s || lpad(g::text, 8, '0')")
            params.append(prefix)
        elif f.name == "display_name":
            exprs.append("'职工' || g::text")
        else:
            exprs.append("%s")
            params.append(f.get_db_prep_save(f.pre_save(template, add=True), connection))
    table = User._meta.db_table
    sql = (
        f"INSERT INTO {table} ({', '.join(cols)}) SELECT {', '.join(exprs)} "  # noqa: S608
        "FROM generate_series(%s, %s) AS g ON CONFLICT (username) DO NOTHING"
    )
    return sql, params


def _ensure_users(prefix: str, count: int) -> list[int]:
    from django.db import connection

    from yugong.accounts.models import User

    have = User.objects.filter(username__startswith=prefix).count()
    if have < count:
        sql, params = _users_sql(prefix, count)
        step = 500_000
        with connection.cursor() as cursor:
            for start in range(have + 1, count + 1, step):
                cursor.execute(sql, [*params, start, min(count, start + step - 1)])
    return list(
        User.objects.filter(username__startswith=prefix)
        .order_by("username")
        .values_list("id", flat=True)[:count]
    )


def _tokens(user_ids: list[int]) -> list[str]:
    from yugong.accounts.auth import TOKEN_PREFIX, hash_token
    from yugong.accounts.models import ApiToken

    ApiToken.objects.filter(user_id__in=user_ids, name="bench-contests").delete()
    tokens = [TOKEN_PREFIX + secrets.token_urlsafe(24) for _ in user_ids]
    ApiToken.objects.bulk_create(
        [
            ApiToken(user_id=u, name="bench-contests", prefix=t[:10], key_hash=hash_token(t))
            for u, t in zip(user_ids, tokens, strict=True)
        ],
        batch_size=2000,
    )
    return tokens


# --- start + submit -----------------------------------------------------------------------------


def seed_start_submit(ctx: Ctx) -> dict[str, Any]:
    from yugong.contests.models import Question

    root = _root()
    contest = _contest(CONTEST_TITLE, root)
    users = _ensure_users("bench_cq_", max(100, int(os.environ.get("BENCH_CONTEST_USERS", "256"))))
    answers = dict(Question.objects.filter(bank_id=contest.bank_id).values_list("id", "answer"))
    return {
        "contest_id": contest.pk,
        "tokens": _tokens(users),
        "answers": {str(k): v for k, v in answers.items()},
    }


@scenario(
    "contest_start_submit",
    "POST …/attempts then …/attempts/current/submit, BENCH_CONTEST_USERS workers in turn (submissions/s = rps/2)",
    setup=seed_start_submit,
    default=False,
)
def start_submit(ctx: Ctx, i: int) -> Request:
    tokens = ctx["tokens"]
    u = i % len(tokens)
    headers = {"Authorization": f"Bearer {tokens[u]}"}
    cid = ctx["contest_id"]
    if (i // len(tokens)) % 2 == 0:
        return Request("POST", f"/api/v1/contests/{cid}/attempts", headers=headers)
    answers = ctx["answers"] if u % 3 else {}
    return Request.json(
        "POST", f"/api/v1/contests/{cid}/attempts/current/submit", {"answers": answers}, headers
    )


# --- my rank among 2.1 M ------------------------------------------------------------------------


def seed_rank(ctx: Ctx) -> dict[str, Any]:
    from django.db import connection

    from yugong.contests.models import (
        MAX_SECONDS,
        MAX_TENTHS,
        SECONDS_BITS,
        TENTHS_BITS,
        ContestEntry,
        rank_key,
    )
    from yugong.contests.quiz import leaderboard

    target = max(1000, int(os.environ.get("BENCH_CONTEST_PARTICIPANTS", "2100000")))
    root = _root()
    contest = _contest(RANK_TITLE, root)
    have = ContestEntry.objects.filter(contest=contest, rank_key__isnull=False).count()
    if have < target:
        _ensure_users("bench_rk_", target)
        table = ContestEntry._meta.db_table
        print(f"contests: {target - have} scored entries …", file=sys.stderr)
        # score 0..100 in steps of 10, time 60..599.9 s, submitted within 30 days: pseudo-random
        # from the user id; the rank key packed in SQL exactly as models.rank_key does.
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                INSERT INTO {table} (contest_id, user_id, display_name, day_tries, attempts, score,
                    duration_ms, scored_at, rank_key, created_at)
                SELECT %(c)s, u.id, u.display_name, 0, 1, s.score, s.tenths * 100,
                    now() - (s.secs || ' seconds')::interval,
                    (s.score::bigint << {TENTHS_BITS + SECONDS_BITS})
                      | (({MAX_TENTHS} - s.tenths)::bigint << {SECONDS_BITS})
                      | ({MAX_SECONDS} - s.secs)::bigint,
                    now()
                FROM accounts_user u
                CROSS JOIN LATERAL (SELECT ((u.id * 7919) %% 11) * 10 AS score,
                    600 + ((u.id * 104729) %% 5400) AS tenths,
                    ((u.id * 15485863) %% 2592000) AS secs) s
                WHERE u.username LIKE 'bench\\_rk\\_%%'
                ON CONFLICT (contest_id, user_id) DO NOTHING
                """,  # noqa: S608
                {"c": contest.pk},
            )
        leaderboard.redis_drop(contest.pk)
    me = ctx["auth_user_id"]
    key = rank_key(score=60, tenths_used=3000, seconds_in=86400)
    ContestEntry.objects.update_or_create(
        contest=contest,
        user_id=me,
        defaults={
            "display_name": "基准职工",
            "score": 60,
            "duration_ms": 300_000,
            "rank_key": key,
            "attempts": 1,
        },
    )
    if leaderboard.redis_enabled():
        if not leaderboard._conn().exists(leaderboard._key(contest.pk) + ":ready"):
            print("contests: building the Redis sorted set …", file=sys.stderr)
            leaderboard.redis_rebuild(contest.pk, chunk=50_000)
        leaderboard.redis_push(contest.pk, me, key, best=False)
    return {
        "rank_contest_id": contest.pk,
        "participants": leaderboard.participants(contest.pk),
        "my_rank": (leaderboard.my_rank(contest.pk, me) or (None,))[0],
    }


@scenario(
    "contest_my_rank",
    "GET /api/v1/contests/{id}/leaderboard?limit=10: top 10 + my rank among BENCH_CONTEST_PARTICIPANTS (2.1 M)",
    setup=seed_rank,
    auth=Auth("bench_contest_ranker"),
    default=False,
)
def my_rank(ctx: Ctx, i: int) -> Request:
    return Request("GET", f"/api/v1/contests/{ctx['rank_contest_id']}/leaderboard?limit=10")


def _my_rank_micro(use_redis: bool) -> Any:
    def run(ctx: Ctx) -> Any:
        from yugong.contests.quiz.leaderboard import board

        return board(ctx["rank_contest_id"], ctx["auth_user_id"], 10, use_redis=use_redis)

    return run


micro(
    "contest_my_rank_redis",
    "in-process: top 10 + my rank + count among 2.1 M on the Redis sorted set (one pipelined round trip)",
    setup=seed_rank,
    auth=Auth("bench_contest_ranker"),
    iterations=2000,
    default=False,
)(_my_rank_micro(True))
micro(
    "contest_my_rank_db",
    "in-process: the same from the database fallback (index contests_entry_rank; COUNT of those ahead)",
    setup=seed_rank,
    auth=Auth("bench_contest_ranker"),
    iterations=30,
    warmup_iterations=3,
    default=False,
)(_my_rank_micro(False))


# --- union leaderboard ----------------------------------------------------------------------------


def seed_board(ctx: Ctx) -> dict[str, Any]:
    import random

    from django.db import connection

    from yugong.accounts.system import system_actor
    from yugong.contests.models import ContestUnionStat
    from yugong.orgs.models import RoleAssignment, Union
    from yugong.orgs.services import union_create

    root = Union.objects.filter(code=BOARD_ROOT).first()
    if root is None:
        root = union_create(
            actor=system_actor(), parent=None, name="基准市总工会", code=BOARD_ROOT, kind="city"
        )
    districts = list(Union.objects.filter(parent=root).order_by("id"))
    for n in range(len(districts), 40):
        districts.append(
            union_create(
                actor=system_actor(),
                parent=root,
                name=f"基准区{n:02d}总工会",
                code=f"{BOARD_ROOT}-{n:02d}",
                kind="district",
            )
        )
    table = Union._meta.db_table
    with connection.cursor() as cursor:
        for d in districts:
            if Union.objects.filter(parent=d).count() >= 60:
                continue
            Union.objects.bulk_create(
                [
                    Union(
                        name=f"{d.name[:-4]}第{k:02d}企业工会",
                        code=f"{d.code}-{k:03d}",
                        kind="grassroots",
                        parent=d,
                        depth=d.depth + 1,
                        path="",
                    )
                    for k in range(60)
                ],
                ignore_conflicts=True,
            )
            cursor.execute(
                f"UPDATE {table} SET path = %s || lpad(to_hex(id), 8, '0') || '/' WHERE parent_id = %s AND path = ''",  # noqa: S608
                [d.path, d.pk],
            )
    contest = _contest("基准·参与率", root)
    rng = random.Random(7)  # noqa: S311
    grass = list(
        Union.objects.filter(path__startswith=root.path, kind="grassroots").values_list("id", flat=True)
    )
    rows = []
    for uid in grass:
        members = rng.randint(50, 3000)
        n = rng.randint(0, members)
        rows.append(
            ContestUnionStat(
                contest=contest,
                union_id=uid,
                members=members,
                participants=n,
                score_sum=n * rng.randint(40, 100),
            )
        )
    ContestUnionStat.objects.bulk_create(rows, ignore_conflicts=True)
    RoleAssignment.objects.get_or_create(user_id=ctx["auth_user_id"], union=root, role="staff", active=True)
    return {
        "board_contest_id": contest.pk,
        "board_root": root.pk,
        "board_districts": [d.pk for d in districts],
    }


@scenario(
    "contest_union_board",
    "GET …/manage/contests/{id}/unions: participation boards of a 40 × 60 tree (children/district/grassroots)",
    setup=seed_board,
    auth=Auth("bench_contest_staff"),
    default=False,
)
def union_board(ctx: Ctx, i: int) -> Request:
    levels = ("children", "district", "grassroots")
    nodes = [ctx["board_root"], *ctx["board_districts"]]
    node = nodes[(i // 3) % len(nodes)]
    return Request(
        "GET",
        f"/api/v1/contests/manage/contests/{ctx['board_contest_id']}/unions?parent={node}&level={levels[i % 3]}",
    )


def _board_uncached(ctx: Ctx) -> Any:
    from yugong.contests.models import Contest
    from yugong.contests.quiz.leaderboard import rollup_forget
    from yugong.contests.quiz.leaderboard import union_board as board
    from yugong.orgs.models import Union

    contest = ctx.setdefault("_contest", Contest.objects.get(pk=ctx["board_contest_id"]))
    root = ctx.setdefault("_root", Union.objects.get(pk=ctx["board_root"]))
    rollup_forget(contest.pk)
    return board(contest, root, level="grassroots", limit=50)


micro(
    "contest_union_board_uncached",
    "in-process: the grassroots board of 2,400 unions computed without the cache",
    setup=seed_board,
    auth=Auth("bench_contest_staff"),
    iterations=200,
    warmup_iterations=10,
    default=False,
)(_board_uncached)


# --- start burst --------------------------------------------------------------------------------


def seed_burst(ctx: Ctx) -> dict[str, Any]:
    from yugong.contests.quiz.admission import queue_forget
    from yugong.core.timeutil import now

    root = _root()
    stamp = f"{now():%Y%m%d%H%M%S}"
    # a fresh contest per round (--repeat up to 5): every one of the workers makes a first start
    contests = [_contest(f"基准·同时开考 {stamp}-{r}", root) for r in range(5)]
    for c in contests:
        queue_forget(c.pk)
    users = _ensure_users("bench_cq_", BURST_WORKERS)
    return {
        "burst_contest_ids": [c.pk for c in contests],
        "burst_tokens": _tokens(users),
        "jobs": len(users),
    }


BURST_WORKERS = int(os.environ.get("BENCH_CONTEST_BURST", "10000"))


@scenario(
    "contest_start_burst",
    "10,000 distinct workers each press start once on a fresh contest; 202s followed (run with "
    "--duration 10 --warmup 0 -c 128; CONTESTS_START_RATE in the environment turns the waiting room on)",
    setup=seed_burst,
    default=False,
    queue=True,
)
def start_burst(ctx: Ctx, i: int) -> Request:
    tokens = ctx["burst_tokens"]
    contest_id = ctx["burst_contest_ids"][ctx.get("_round", 0) % len(ctx["burst_contest_ids"])]
    return Request(
        "POST",
        f"/api/v1/contests/{contest_id}/attempts",
        headers={"Authorization": f"Bearer {tokens[i % len(tokens)]}"},
    )
