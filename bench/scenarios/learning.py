"""Learning (issue 17, scale and speed): the worker's credit statement among millions of accounts, and
heartbeats from thousands of learners watching at once.

* ``learning_statement`` (HTTP): ``GET /api/v1/learning/statement`` as a signed-in worker (bearer
  token), each request a different learner of the pool — persons spread evenly over all the
  accounts, so the pages read are all over the ledger, not a hot corner of it.
* ``learning_heartbeat`` (HTTP): ``POST /api/v1/learning/heartbeats`` — what the player sends every
  30 s while playing: its three buffered beats (10 s apart) — each request a different learner of
  the pool, each enrolled on one of ten video lessons. Beats absorbed per second = 3 × req/s.
* ``learning_heartbeat_single`` (HTTP): ``POST /api/v1/learning/heartbeat``, one beat per request
  (the older player, a beat every 10 s): the same pool, for comparison.

The setup tops the benchmark database up to ``BENCH_LEARNING_ACCOUNTS`` accounts (default 20,000, so
a plain run stays quick) with ``manage.py learning_seed_bench`` and a pool of
``BENCH_LEARNERS`` learners (default 20,000, at most the accounts), and issues every learner a fresh
API token for the run. The goal figures are at 5,000,000 accounts; seed once into a database of
its own and keep it —

    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_learning \\
    BENCH_LEARNING_ACCOUNTS=5000000 .venv/bin/python -m bench -s learning_statement -c 4

(the 5M seed takes ~40 minutes on the loaded 2-core machine: COPY at ~2,000–3,000 accounts/s with
~3 ledger rows each and the phone encrypted per person, the indexes built once at the end).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from bench.registry import Ctx, Request, bearer, scenario

BEATS_PER_BATCH = 3  # the player's 30 s flush of beats taken every 10 s
LESSON_SECONDS = 1800


def _targets() -> tuple[int, int]:
    accounts = max(1000, int(os.environ.get("BENCH_LEARNING_ACCOUNTS", "20000")))
    learners = max(10, min(accounts, int(os.environ.get("BENCH_LEARNERS", "20000"))))
    return accounts, learners


def seed(ctx: Ctx) -> dict[str, Any]:
    """Seed what is missing, then a fresh token per learner (the tokens of earlier runs go)."""
    import secrets

    from django.core.management import call_command
    from django.db import transaction

    from yugong.accounts.auth import TOKEN_PREFIX, hash_token
    from yugong.accounts.models import ApiToken, User
    from yugong.learning.models import LearningAccount, LessonProgress
    from yugong.members.bulk import RowWriter
    from yugong.members.models import Person

    prefix = "bench_learner_"
    accounts, learners = _targets()
    have = LearningAccount.objects.count()
    pool = User.objects.filter(username__startswith=prefix, person__isnull=False).count()
    if have < accounts * 0.95 or pool < learners:
        call_command(
            "learning_seed_bench", accounts=max(accounts, have), learners=learners, stdout=sys.stderr
        )
    users = list(
        User.objects.filter(username__startswith=prefix, person__isnull=False)
        .order_by("username")
        .values_list("pk", flat=True)[:learners]
    )
    people = dict(Person.objects.filter(user_id__in=users).values_list("user_id", "pk"))
    lessons = dict(
        LessonProgress.objects.filter(person_id__in=people.values(), lesson__kind="video")
        .order_by("lesson_id")
        .values_list("person_id", "lesson_id")
    )
    # The three scenarios' setups run one after the other before the server starts: the first issues
    # the run's tokens and keeps them in the run's temporary directory for the others.
    issued = Path(os.environ.get("YUGONG_VAR_DIR", ".")) / "bench-learning-tokens.json"
    tokens: list[str] = json.loads(issued.read_text()) if issued.exists() else []
    if len(tokens) != len(users):
        tokens = [TOKEN_PREFIX + secrets.token_urlsafe(32) for _ in users]
        with transaction.atomic():
            ApiToken.objects.filter(user_id__in=users).delete()
            RowWriter(ApiToken, exclude=("id", "last_used_at", "revoked_at")).write(
                {"user_id": u, "name": "bench", "prefix": t[:8], "key_hash": hash_token(t)}
                for u, t in zip(users, tokens, strict=True)
            )
        issued.write_text(json.dumps(tokens))
    return {
        "tokens": tokens,
        "lessons": [lessons[people[u]] for u in users],
        "sessions": [f"bench-{people[u]}" for u in users],
        "accounts": LearningAccount.objects.count(),
        "learners": len(users),
    }


@scenario(
    "learning_statement",
    "GET /api/v1/learning/statement as a signed-in worker, each request another learner "
    "(BENCH_LEARNING_ACCOUNTS accounts, BENCH_LEARNERS learners)",
    setup=seed,
    default=False,
)
def statement(ctx: Ctx, i: int) -> Request:
    j = i % len(ctx["tokens"])
    return Request("GET", "/api/v1/learning/statement", headers=bearer(ctx["tokens"][j]))


def _position(ms: int) -> int:
    return (ms // 1000) % (LESSON_SECONDS - 60) + 30


@scenario(
    "learning_heartbeat",
    "POST /api/v1/learning/heartbeats: 3 buffered beats (10 s apart) per request, each request "
    "another learner of the pool watching a video lesson; beats/s = 3 x req/s",
    setup=seed,
    default=False,
)
def heartbeats(ctx: Ctx, i: int) -> Request:
    j = i % len(ctx["tokens"])
    newest = int(time.time() * 1000)
    beats = [
        {"position": _position(newest) - 10 * k, "visible": True, "client_ms": newest - 10_000 * k}
        for k in reversed(range(BEATS_PER_BATCH))
    ]
    return Request.json(
        "POST",
        "/api/v1/learning/heartbeats",
        {"lesson_id": ctx["lessons"][j], "session": ctx["sessions"][j], "beats": beats},
        headers=bearer(ctx["tokens"][j]),
    )


@scenario(
    "learning_heartbeat_single",
    "POST /api/v1/learning/heartbeat: one beat per request (the older player), the same pool",
    setup=seed,
    default=False,
)
def heartbeat_single(ctx: Ctx, i: int) -> Request:
    j = i % len(ctx["tokens"])
    now = int(time.time() * 1000)
    return Request.json(
        "POST",
        "/api/v1/learning/heartbeat",
        {
            "lesson_id": ctx["lessons"][j],
            "session": ctx["sessions"][j],
            "position": _position(now),
            "visible": True,
            "client_ms": now,
        },
        headers=bearer(ctx["tokens"][j]),
    )
