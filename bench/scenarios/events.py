"""Activities: a city-wide sign-up for one activity whose places are shared out as quotas.

* ``events_signup`` — ``POST /api/v1/activities/{id}/signups``: each request is a different member
  (one bearer token each, cycling through ``MEMBERS``) signing up for ONE open activity with 2,000
  places allocated as quotas to 20 grassroots unions. Every sign-up checks eligibility (current
  membership inside the organiser's subtree), finds its quota pool, freezes the member's prior wins,
  inserts the row (one per member: a unique constraint), audits and counts the fact. A member who
  already signed up gets 409 (the harness counts it as an error), so ``MEMBERS`` exceeds what a
  default run sends. Goal (issue 18): ≥ 0.5× ``baseline_query``'s throughput (the ``rps/query``
  column).

    .venv/bin/python -m bench -s events_signup -c 32 --duration 8
"""

from __future__ import annotations

import secrets
from typing import Any

from bench.registry import Ctx, Request, scenario

MEMBERS = 100_000  # the scale: a city-wide sign-up of 100,000 members for 2,000 places
UNIONS = 20
PLACES = 2_000


def seed_signup(ctx: Ctx) -> dict[str, Any]:
    import datetime as dt

    from django.db import transaction

    from yugong.accounts.auth import TOKEN_PREFIX, hash_token
    from yugong.accounts.models import ApiToken, User
    from yugong.accounts.system import system_actor
    from yugong.core import timeutil
    from yugong.events.models import Activity
    from yugong.events.services import activity_create, quota_allocate
    from yugong.members.models import Membership, Person
    from yugong.orgs.models import Union
    from yugong.orgs.services import union_create

    actor = system_actor()
    city = Union.objects.filter(code="BENCH-ACT").first() or union_create(
        actor=actor, parent=None, name="压测活动总工会", code="BENCH-ACT", kind="city"
    )
    leaves = list(Union.objects.filter(parent=city).order_by("pk"))
    for n in range(len(leaves), UNIONS):
        leaves.append(
            union_create(
                actor=actor, parent=city, name=f"压测基层工会{n}", code=f"BENCH-ACT-{n}", kind="grassroots"
            )
        )
    now = timeutil.now()
    activity = activity_create(
        actor=actor,
        union_id=city.pk,
        title=f"压测职工运动会 {secrets.token_hex(3)}",
        kind="sports",
        places=PLACES,
        signup_opens_at=now - dt.timedelta(hours=1),
        signup_closes_at=now + dt.timedelta(days=1),
        repeat_penalty_pct=100,
    )
    for leaf in leaves:
        quota_allocate(actor=actor, activity_id=activity.pk, union_id=leaf.pk, places=PLACES // UNIONS)
    # Members: users, persons, active memberships (bulk, idempotent by username).
    have = set(User.objects.filter(username__startswith="bench_act_").values_list("username", flat=True))
    missing = [f"bench_act_{i}" for i in range(MEMBERS) if f"bench_act_{i}" not in have]
    with transaction.atomic():
        User.objects.bulk_create([User(username=u, display_name=u) for u in missing], batch_size=2000)
        users = {u.username: u for u in User.objects.filter(username__in=missing)}
        people = Person.objects.bulk_create(
            [Person(name=f"职工{u[10:]}", user=users[u]) for u in missing], batch_size=2000
        )
        Membership.objects.bulk_create(
            [
                Membership(person=p, union=leaves[i % UNIONS], status=Membership.Status.ACTIVE)
                for i, p in enumerate(people)
            ],
            batch_size=2000,
        )
    all_users = list(User.objects.filter(username__startswith="bench_act_").order_by("pk")[:MEMBERS])
    # The last run's tokens, in one statement (a model delete() would send a signal per row to
    # write 100,000 cache tombstones; nobody holds these tokens any more).
    ApiToken.objects.filter(name="bench-act")._raw_delete(ApiToken.objects.db)  # type: ignore[attr-defined]
    tokens = [TOKEN_PREFIX + secrets.token_urlsafe(24) for _ in all_users]
    ApiToken.objects.bulk_create(
        [
            ApiToken(user=u, name="bench-act", prefix=t[:8], key_hash=hash_token(t))
            for u, t in zip(all_users, tokens, strict=True)
        ],
        batch_size=2000,
    )
    assert Activity.objects.filter(pk=activity.pk).exists()
    _vacuum_analyze()
    return {"activity_id": activity.pk, "tokens": tokens}


# What the sign-up reads and writes. The set-up deletes and re-creates 100,000 tokens and bulk-loads
# members; without this, a server whose autovacuum is off (this machine's test server) keeps every
# dead row of every earlier run and no statistics for the planner.
_TABLES = (
    "accounts_apitoken",
    "accounts_user",
    "members_person",
    "members_membership",
    "orgs_union",
    "events_activity",
    "events_quota",
    "events_signup",
    "core_auditevent",
    "core_factbuffer",
)


def _vacuum_analyze() -> None:
    """What autovacuum does after a bulk load (VACUUM runs outside a transaction: autocommit)."""
    from django.db import connection

    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        for table in _TABLES:
            cursor.execute(f"VACUUM ANALYZE {table}")


@scenario(
    "events_signup",
    "POST /api/v1/activities/{id}/signups: a different member each request, one activity, 20 quotas",
    setup=seed_signup,
    default=False,
)
def events_signup(ctx: Ctx, i: int) -> Request:
    tokens = ctx["tokens"]
    # each round its own third of the members (a round of more than MEMBERS // 3 requests would
    # reach the next round's members, who then answer 409)
    offset = ctx.get("_round", 0) * (MEMBERS // 3)
    token = tokens[(offset + i) % len(tokens)]
    return Request(
        "POST",
        f"/api/v1/activities/{ctx['activity_id']}/signups",
        headers={"Authorization": f"Bearer {token}"},
    )
