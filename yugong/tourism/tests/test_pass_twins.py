"""The gate's two admit paths agree (PostgreSQL): the one statement (``services/pass_sql.py``) and
the ORM path (``passes._verify``) take their rules from ``services/pass_rules.py``. Every refusal is
driven through both: the statement — called directly, without the Python pre-checks in front of it,
so its SQL predicates are what is tested — writes nothing exactly when the ORM path refuses, and an
admission writes the same rows either way."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tests.helpers import requires_postgres
from yugong.core.facts import fact_total
from yugong.core.models import AuditEvent
from yugong.core.timeutil import SHANGHAI, local_today, now
from yugong.funds import ledger
from yugong.funds.models import LedgerEntry, LedgerLine
from yugong.tourism.models import AnnualPass, PassEntry, PassSpot, ReviewStatus
from yugong.tourism.services import pass_batch_approve, pass_batch_request, pass_qr_token, pass_verify
from yugong.tourism.services.pass_rules import pass_refusal
from yugong.tourism.services.pass_sql import admit_one_statement, fast_path_applies
from yugong.tourism.services.passes import _verify
from yugong.tourism.services.spots import pool_balance

from .factories import World, build_world, funded_line, make_member, set_pool

pytestmark = [requires_postgres, pytest.mark.postgres]


def _passes(world: World, n: int = 1) -> list[AnnualPass]:
    people = [world.person.pk] + [make_member(world.company)[1].pk for _ in range(n - 1)]
    batch = pass_batch_request(
        actor=world.union_staff,
        union=world.company,
        year=local_today().year,
        price_fen=15000,
        person_ids=people,
        budget_line=funded_line(world.company),
    )
    passes = pass_batch_approve(actor=world.chair, batch=batch)
    set_pool(local_today().year, world.spot.rate_fen * 100, rows=4)  # every row covers an entry
    return passes


def _written() -> tuple[int, int, int, int, int]:
    year = local_today().year
    return (
        PassEntry.objects.count(),
        LedgerEntry.objects.count(),
        AuditEvent.objects.filter(action="tourism.pass_verify").count(),
        pool_balance(year),
        fact_total(metric="tourism.entries"),
    )


def _revoke(world: World, ap: AnnualPass) -> None:
    AnnualPass.objects.filter(pk=ap.pk).update(status=AnnualPass.Status.REVOKED)


def _last_year(world: World, ap: AnnualPass) -> None:
    AnnualPass.objects.filter(pk=ap.pk).update(year=ap.year - 1)


def _spot_pending(world: World, ap: AnnualPass) -> None:
    PassSpot.objects.filter(pk=world.spot.pk).update(status=ReviewStatus.PENDING)


def _spot_paused(world: World, ap: AnnualPass) -> None:
    PassSpot.objects.filter(pk=world.spot.pk).update(active=False)


def _blackout(world: World, ap: AnnualPass) -> None:
    PassSpot.objects.filter(pk=world.spot.pk).update(blackout_dates=["2020-01-01", local_today().isoformat()])


def _used_today(world: World, ap: AnnualPass) -> None:
    PassEntry.objects.create(
        spot=world.spot,
        annual_pass=ap,
        day=local_today(),
        result=PassEntry.Result.OK,
        verified_by=world.other_staff,
    )


def _pool_short(world: World, ap: AnnualPass) -> None:
    set_pool(ap.year, world.spot.rate_fen - 1)


def _admitted(world: World, ap: AnnualPass) -> None:
    return None


CASES: dict[str, Callable[[World, AnnualPass], None]] = {
    "admitted": _admitted,
    "revoked": _revoke,
    "last_year": _last_year,
    "spot_pending": _spot_pending,
    "spot_paused": _spot_paused,
    "blackout": _blackout,
    "used_today": _used_today,
    "pool_short": _pool_short,
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", list(CASES))
def test_every_refusal_agrees_on_both_paths(case: str) -> None:
    world = build_world()
    (ap,) = _passes(world)
    CASES[case](world, ap)
    spot = PassSpot.objects.get(pk=world.spot.pk)
    fresh = AnnualPass.objects.select_related("batch").get(pk=ap.pk)
    at = now()
    day = at.astimezone(SHANGHAI).date()
    before = _written()
    with transaction.atomic():
        fast = admit_one_statement(
            actor=world.other_staff,
            spot=spot,
            annual_pass=fresh,
            union_id=fresh.batch.union_id,
            at=at,
            day=day,
        )
        fast_written = _written()
        transaction.set_rollback(True)
    if fast is None:
        assert fast_written == before, "a refused statement wrote something"
    orm = _verify(world.other_staff, spot, pass_qr_token(fresh, at=at), at, day)
    assert (fast is not None) == (orm.result == PassEntry.Result.OK), (case, orm.reason)
    assert (case == "admitted") == (orm.result == PassEntry.Result.OK), orm.reason
    # The Python pre-check in front of the statement is the ORM path's own function.
    early = pass_refusal(
        pass_status=fresh.status,
        pass_year=fresh.year,
        spot_status=spot.status,
        spot_active=spot.active,
        blackout_dates=spot.blackout_dates,
        day=day,
    )
    if early is not None:
        assert early == orm.reason
    if case == "admitted":
        assert fast is not None
        entries, ledgers, audits, balance, facts = fast_written
        assert (entries, ledgers, audits, facts) == (
            before[0] + 1,
            before[1] + 1,
            before[2] + 1,
            before[4] + 1,
        )
        assert balance == before[3] - spot.rate_fen


@pytest.mark.django_db
def test_a_daily_limit_takes_the_orm_path() -> None:
    world = build_world()
    world.spot.daily_limit = 5
    assert not fast_path_applies(world.spot)


@pytest.mark.django_db(transaction=True)
def test_an_admission_is_one_statement_and_writes_what_the_orm_path_writes(settings: Any) -> None:
    """Through ``pass_verify``: the fast path is the pass read plus ONE statement after the spot's
    access check, and its rows (entry, pool, ledger lines, fact, audit) equal the ORM path's."""
    world = build_world()
    fast_pass, orm_pass = _passes(world, 2)
    pool_before = pool_balance(fast_pass.year)

    def admit(ap: AnnualPass) -> tuple[PassEntry, list[Any]]:
        with CaptureQueriesContext(connection) as ctx:
            entry = pass_verify(actor=world.other_staff, token=pass_qr_token(ap), spot_id=world.spot.pk)
        return entry, [q["sql"] for q in ctx.captured_queries]

    fast, fast_sql = admit(fast_pass)
    settings.TOURISM_PASS_ONE_STATEMENT = False
    orm, orm_sql = admit(orm_pass)
    assert fast.result == orm.result == PassEntry.Result.OK
    # The cockpit's fact listener (after commit, the same for both paths) is not the admission's.
    writes = [
        q
        for q in fast_sql
        if q.lstrip().upper().startswith(("WITH", "INSERT", "UPDATE", "SAVEPOINT")) and "cockpit_" not in q
    ]
    assert len(writes) == 1 and "FOR UPDATE" in writes[0], fast_sql
    assert len(fast_sql) < len(orm_sql)
    assert pool_balance(fast_pass.year) == pool_before - 2 * world.spot.rate_fen

    def rows(entry: PassEntry) -> dict[str, Any]:
        stored = PassEntry.objects.get(pk=entry.pk)
        audit = AuditEvent.objects.get(action="tourism.pass_verify", object_id=str(entry.pk))
        ledger_entry = LedgerEntry.objects.get(
            kind="pass_entry", memo__startswith=f"pass {stored.annual_pass.number}"
        )
        lines = sorted(LedgerLine.objects.filter(entry=ledger_entry).values_list("account", "amount_fen"))
        return {
            "entry": (
                stored.spot_id,
                stored.day,
                stored.result,
                stored.reason,
                stored.rate_fen,
                stored.once_a_day,
                stored.verified_by_id,
            ),
            "audit": (
                audit.actor_id,
                audit.object_type,
                audit.object_repr == str(stored),
                audit.union_id,
                {k: v for k, v in audit.extra.items() if k != "pass"},
            ),
            "audit_pass": audit.extra["pass"] == stored.annual_pass_id,
            "ledger": (
                ledger_entry.memo.split(" @ ")[1],
                ledger_entry.ref_type,
                ledger_entry.ref_id,
                ledger_entry.refs,
                ledger_entry.union_id,
                lines,
            ),
        }

    assert rows(fast) == rows(orm)
    assert fact_total(metric="tourism.entries", dim="pass") == 2
    assert ledger.balance(ledger.merchant_payable(world.other_merchant.pk)) == -2 * world.spot.rate_fen
    assert fast.annual_pass is not None and fast.annual_pass.holder_name == fast_pass.holder_name
