"""Volunteers (1+N+X): workers signing up on the phone for one volunteer service activity.

* ``volunteer_signup`` — ``POST /api/v1/orgs/service-activities/{id}/signup``: each request is a
  different worker (one bearer token each, cycling through ``WORKERS``) signing up for ONE open
  activity of a district's general team (capacity 10,000, the service's maximum; the next one after
  every 5,000 requests). Each sign-up
  puts the worker on the team's roll (a new volunteer: row, audit, ``volunteers.registered`` fact),
  inserts the sign-up, takes a place by one conditional UPDATE of the activity's row (every request
  updates that same row: the contended part), audits and counts the ``volunteers.signups`` fact.
  A worker who already signed up gets 409 (counted as an error), so each round signs up its own
  third of the workers. Compare with ``baseline_query`` (the ``rps/query`` column).

    .venv/bin/python -m bench -s volunteer_signup -c 32 --duration 8
"""

from __future__ import annotations

import secrets
from typing import Any

from bench.registry import Ctx, Request, scenario

WORKERS = 30_000
# Each activity takes at most 10,000 (the service's maximum): every PER_ACTIVITY requests move to the
# next of ACTIVITIES, so no round runs out of places (a full activity answers 409, which would count
# as errors and cost less than a sign-up). Each is one row every request of its stretch updates.
ACTIVITIES, PER_ACTIVITY = 6, 5_000


def seed_volunteer_signup(ctx: Ctx) -> dict[str, Any]:
    import datetime as dt

    from django.db import transaction

    from yugong.accounts.auth import TOKEN_PREFIX, hash_token
    from yugong.accounts.models import ApiToken, User
    from yugong.accounts.system import system_actor
    from yugong.core import timeutil
    from yugong.orgs.models import Union, VolunteerTeam
    from yugong.orgs.services import service_activity_create, union_create, volunteer_team_create

    actor = system_actor()
    city = Union.objects.filter(code="BENCH-VOL").first() or union_create(
        actor=actor, parent=None, name="压测志愿服务总工会", code="BENCH-VOL", kind="city"
    )
    district = Union.objects.filter(code="BENCH-VOL-D").first() or union_create(
        actor=actor, parent=city, name="压测区总工会", code="BENCH-VOL-D", kind="district"
    )
    team = VolunteerTeam.objects.filter(union=district, parent__isnull=True).first() or volunteer_team_create(
        actor=actor, union=district, name="压测区职工志愿服务总队", tier="general"
    )
    starts = timeutil.now() + dt.timedelta(days=2)
    activities = [
        service_activity_create(
            actor=actor,
            team=team,
            title=f"压测环卫工人爱心送清凉 {secrets.token_hex(3)}",
            beneficiaries="环卫工人",
            place="解放碑步行街",
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=3),
            capacity=10_000,
        )
        for _ in range(ACTIVITIES)
    ]
    have = set(User.objects.filter(username__startswith="bench_vol_").values_list("username", flat=True))
    missing = [f"bench_vol_{i}" for i in range(WORKERS) if f"bench_vol_{i}" not in have]
    with transaction.atomic():
        User.objects.bulk_create(
            [User(username=u, display_name=f"志愿者{u[10:]}") for u in missing], batch_size=2000
        )
    users = list(User.objects.filter(username__startswith="bench_vol_").order_by("pk")[:WORKERS])
    # The last run's tokens, in one statement (a model delete() would send a signal per row to
    # write cache tombstones; nobody holds these tokens any more).
    ApiToken.objects.filter(name="bench-vol")._raw_delete(ApiToken.objects.db)  # type: ignore[attr-defined]
    tokens = [TOKEN_PREFIX + secrets.token_urlsafe(24) for _ in users]
    ApiToken.objects.bulk_create(
        [
            ApiToken(user=u, name="bench-vol", prefix=t[:8], key_hash=hash_token(t))
            for u, t in zip(users, tokens, strict=True)
        ],
        batch_size=2000,
    )
    return {"service_activity_ids": [a.pk for a in activities], "vol_tokens": tokens}


@scenario(
    "volunteer_signup",
    "POST /api/v1/orgs/service-activities/{id}/signup: a different worker each request, one activity",
    setup=seed_volunteer_signup,
    default=False,
)
def volunteer_signup(ctx: Ctx, i: int) -> Request:
    tokens = ctx["vol_tokens"]
    offset = ctx.get("_round", 0) * (WORKERS // 3)
    token = tokens[(offset + i) % len(tokens)]
    activities = ctx["service_activity_ids"]
    activity_id = activities[(offset + i) // PER_ACTIVITY % len(activities)]
    return Request(
        "POST",
        f"/api/v1/orgs/service-activities/{activity_id}/signup",
        headers={"Authorization": f"Bearer {token}"},
    )
