"""The draw's two writers write the same rows, and what they write re-computes from the seed.

``draw.outcome`` decides (pools as the quotas stand at the draw, the pure ``lottery.rank``); the
one-statement PostgreSQL writer and the row-by-row ORM writer only put it on the rows. The twin
test draws the same world through both (a savepoint rolled back between them, so the sign-up
numbers — and with them the keys — are the same) and compares every row the draw touches: sign-ups,
the activity, the audit row and the fact. The world has nested quotas, a quota handed out after
people signed up (their pool moves at the draw), the organiser's own places, weighting against
repeat winners, and a withdrawal that must stay out of the draw."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test import override_settings

from tests.helpers import assert_max_queries, requires_postgres
from yugong.core.errors import Conflict
from yugong.core.models import AuditEvent, DailyFact
from yugong.events import draw, lottery, verify
from yugong.events.models import Activity, SignUp
from yugong.events.services import (
    activity_draw,
    entries_of,
    pool_places,
    quota_allocate,
    signup_create,
    signup_withdraw,
)

from .conftest import SEED, World, close_signup, make_activity, make_member

PATHS = [
    pytest.param(True, marks=[requires_postgres, pytest.mark.postgres], id="one_statement"),
    pytest.param(False, id="rows"),
]


def _world(world: World, *, each: int = 6) -> Activity:
    """12 places: 渝中 6 (of which 2 handed down to the store), 江北 3 (handed out after sign-up),
    3 kept by the organiser. ``each`` members sign up in each of 4 unions; prior wins 0, 1 or 2."""
    activity = make_activity(world, places=12, repeat_penalty_pct=100)
    quota_allocate(actor=world.organiser, activity_id=activity.pk, union_id=world.yuzhong.pk, places=6)
    quota_allocate(actor=world.yz_staff, activity_id=activity.pk, union_id=world.store.pk, places=2)
    for union in (world.store, world.yuzhong, world.jiangbei, world.city):
        for _ in range(each):
            signup_create(actor=make_member(union)[0], activity_id=activity.pk)
    ids = list(SignUp.objects.filter(activity=activity).order_by("id").values_list("id", flat=True))
    SignUp.objects.filter(pk__in=ids[::3]).update(prior_wins=1)
    SignUp.objects.filter(pk__in=ids[1::5]).update(prior_wins=2)
    quitter = SignUp.objects.select_related("person__user").get(pk=ids[4])
    signup_withdraw(actor=quitter.person.user, signup_id=quitter.pk)
    # handed out after sign-up: 江北's entrants signed up in the organiser's pool and move at the draw
    quota_allocate(actor=world.organiser, activity_id=activity.pk, union_id=world.jiangbei.pk, places=3)
    close_signup(activity)
    return activity


def _snapshot(activity: Activity) -> dict[str, Any]:
    signups = list(
        SignUp.objects.filter(activity=activity)
        .order_by("id")
        .values_list("id", "quota_id", "status", "wait_rank", "in_draw", "won_at_draw", "offer_expires_at")
    )
    activity.refresh_from_db()
    audit = list(
        AuditEvent.objects.filter(action="activity.draw", object_id=str(activity.pk)).values_list(
            "action", "union_id", "extra", "actor_id"
        )
    )
    facts = list(
        DailyFact.objects.filter(metric="activities.winners", union_id=activity.union_id).values_list(
            "dim", "value"
        )
    )
    return {
        "signups": signups,
        "activity": (activity.status, activity.seed),
        "audit": audit,
        "facts": facts,
    }


def _drawn_by(world: World, activity: Activity, *, one_statement: bool) -> dict[str, Any]:
    """Draw inside a savepoint, snapshot, roll back."""
    with transaction.atomic(), override_settings(EVENTS_DRAW_ONE_STATEMENT=one_statement):
        assert draw.one_statement_applies() is one_statement
        activity_draw(actor=world.organiser, activity_id=activity.pk, seed=SEED)
        snap = _snapshot(activity)
        transaction.set_rollback(True)
    return snap


@requires_postgres
@pytest.mark.postgres
@pytest.mark.django_db
def test_twin_the_one_statement_writer_and_the_row_writer_write_the_same_rows(world: World) -> None:
    activity = _world(world)
    by_rows = _drawn_by(world, activity, one_statement=False)
    by_one = _drawn_by(world, activity, one_statement=True)
    assert by_one == by_rows
    # the world is not trivial: every pool drew, the waiting lists are ranked, pools moved at the
    # draw, the withdrawal stayed out, repeat winners were in it
    rows = by_one["signups"]
    statuses = {r[2] for r in rows}
    assert statuses == {"won", "waiting", "withdrawn"}
    assert sum(r[2] == "won" for r in rows) == 12
    withdrawn = [r for r in rows if r[2] == "withdrawn"]
    assert len(withdrawn) == 1 and withdrawn[0][4] is False
    pools = {r[1] for r in rows if r[2] == "won"}
    assert len(pools) == 4  # 渝中, the store, 江北 and the organiser's own places
    jiangbei_quota = activity.quotas.get(union=world.jiangbei).pk
    assert sum(r[1] == jiangbei_quota for r in rows) == 6
    for pool in pools:
        ranks = [r[3] for r in rows if r[1] == pool and r[2] == "waiting"]
        assert sorted(ranks) == list(range(1, len(ranks) + 1))
    assert by_one["audit"][0][2] == {"entries": 23, "winners": 12}
    assert by_one["facts"] == [("sports", 12)]


@pytest.mark.parametrize("one_statement", PATHS)
@pytest.mark.django_db
def test_the_written_draw_recomputes_from_the_seed_and_not_from_another(
    world: World, one_statement: bool
) -> None:
    activity = _world(world)
    with override_settings(EVENTS_DRAW_ONE_STATEMENT=one_statement):
        result = activity_draw(actor=world.organiser, activity_id=activity.pk, seed=SEED)
    activity.refresh_from_db()
    check = verify.verify(activity, SEED)
    assert check.ok and check.recorded == list(lottery.flat_winners(result)) and len(check.recorded) == 12
    # the published list re-ranked by the pure function gives the waiting lists as written too
    again = lottery.draw(
        seed=SEED,
        activity_id=activity.pk,
        entries=entries_of(activity),
        places=pool_places(activity),
        penalty_pct=activity.repeat_penalty_pct,
    )
    for pool, waiting in again.waiting.items():
        written = SignUp.objects.filter(activity=activity, status="waiting", quota_id=pool or None)
        assert list(written.order_by("wait_rank").values_list("id", flat=True)) == waiting
    out = StringIO()
    call_command("lottery_verify", activity=activity.pk, seed=SEED, stdout=out)
    assert "verified" in out.getvalue()
    other = verify.verify(activity, SEED + "-other")
    assert not other.commitment_ok and other.recomputed != other.recorded
    with pytest.raises(CommandError):
        call_command("lottery_verify", activity=activity.pk, seed=SEED + "-other", stdout=StringIO())


@pytest.mark.parametrize("one_statement", PATHS)
@pytest.mark.django_db
def test_a_list_changed_between_read_and_write_rolls_the_draw_back(
    world: World, one_statement: bool, monkeypatch: Any
) -> None:
    activity = _world(world, each=2)
    real = draw.outcome

    def outcome_then_a_withdrawal(a: Activity, seed: str) -> draw.Outcome:
        out = real(a, seed)
        SignUp.objects.filter(pk=out.numbers[0]).update(status=SignUp.Status.WITHDRAWN)
        return out

    monkeypatch.setattr(draw, "outcome", outcome_then_a_withdrawal)
    with override_settings(EVENTS_DRAW_ONE_STATEMENT=one_statement), pytest.raises(Conflict) as exc:
        activity_draw(actor=world.organiser, activity_id=activity.pk, seed=SEED)
    assert exc.value.code == "draw_list_changed"
    activity.refresh_from_db()
    assert activity.status == Activity.Status.OPEN and not activity.seed
    assert not SignUp.objects.filter(activity=activity, in_draw=True).exists()


@requires_postgres
@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.parametrize("each", [2, 12])
def test_the_one_statement_draw_runs_the_same_statements_whatever_the_list(world: World, each: int) -> None:
    activity = _world(world, each=each)
    assert connection.vendor == "postgresql"
    with assert_max_queries(9) as ctx:
        activity_draw(actor=world.organiser, activity_id=activity.pk, seed=SEED)
    updates = [q["sql"] for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith("UPDATE")]
    assert sum("events_signup" in sql for sql in updates) == 1


@requires_postgres
@pytest.mark.postgres
@pytest.mark.django_db
def test_the_one_statement_draw_writes_heap_only_tuples(world: World) -> None:
    """The sign-up table is half full per page (migration 0006), so the draw's UPDATE of an entry
    whose pool did not move writes no index entry (a HOT update): counted in this transaction."""
    activity = make_activity(world, places=4)
    quota_allocate(actor=world.organiser, activity_id=activity.pk, union_id=world.yuzhong.pk, places=2)
    for union in (world.store, world.jiangbei):
        for _ in range(10):
            signup_create(actor=make_member(union)[0], activity_id=activity.pk)
    close_signup(activity)

    def hot_updates() -> tuple[int, int]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables WHERE relid = %s::regclass",
                [SignUp._meta.db_table],
            )
            row = cursor.fetchone()
        return (row[0], row[1]) if row else (0, 0)

    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE oid = %s::regclass", [SignUp._meta.db_table])
        assert "fillfactor=50" in (cursor.fetchone()[0] or [])
    updated, hot = hot_updates()
    with override_settings(EVENTS_DRAW_ONE_STATEMENT=True):
        activity_draw(actor=world.organiser, activity_id=activity.pk, seed=SEED)
    assert hot_updates() == (updated + 20, hot + 20)


def test_the_keys_are_hmac_sha256_as_documented() -> None:
    """``lottery`` spells HMAC out over hashlib; it must equal the ``hmac`` module's digest for short,
    block-sized, longer-than-a-block and non-ASCII seeds."""
    import hashlib
    import hmac
    import math

    for seed in ("s", "x" * 63, "y" * 64, "z" * 65, "种子" * 30, SEED):
        for number, wins in ((1, 0), (12345, 1), (99999, 3)):
            mac = hmac.new(seed.encode(), f"7:{number}".encode(), hashlib.sha256).digest()
            u = (int.from_bytes(mac, "big") + 1) / (2**256 + 1)
            weight = 1 / (1 + 150 / 100 * wins)
            expected = math.log(u) / weight
            got = lottery.entry_key(seed, 7, lottery.Entry(number=number, pool=0, prior_wins=wins), 150)
            assert got == expected, (seed, number)
