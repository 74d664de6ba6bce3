"""The PostgreSQL one-statement admission at the gate (data-modifying CTEs): see the README, "Pass
verification". Its rules and statuses come from ``pass_rules``; it writes the entry, the pool's
payment, the ledger entry and its lines, the fact and the audit row itself, and commits
synchronously (the ledger write is durable)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import connection

from yugong.accounts.models import User
from yugong.core.audit import audit_who
from yugong.core.db import prepared_cursor
from yugong.core.facts import fact_record_sql, fact_recorded
from yugong.core.models import AuditEvent
from yugong.funds import ledger
from yugong.funds.models import LedgerEntry, LedgerLine

from ..models import AnnualPass, Merchant, PassEntry, PassSpot
from .pass_rules import ENTRY_FACT, needs_checks, sql_params
from .spots import pool_take_sql


def fast_sql_enabled() -> bool:
    return bool(getattr(settings, "TOURISM_PASS_ONE_STATEMENT", True)) and connection.vendor == "postgresql"


def fast_path_applies(spot: PassSpot) -> bool:
    """PostgreSQL, outside a caller's transaction, and a spot without a daily limit (the count needs
    the spot's row lock and a fresh snapshot: the ORM path)."""
    return (
        fast_sql_enabled()
        and not connection.in_atomic_block
        and not needs_checks(daily_limit=spot.daily_limit)
    )


# One statement, one round trip, admitted or nothing written: lock the pass (``p``: still the
# secret the QR was checked against, active, of the day's year), check the spot (``sp``: approved,
# active, no daily limit, today not blacked out, the terms read before unchanged, no admitted entry
# today when once a day), take the pool's money from one of the year's rows with the conditional
# UPDATE shared with the ORM path (``pool``, ``spots.pool_take_sql``: a row nobody holds, else
# waiting for one; PostgreSQL re-checks ``balance_fen >= rate`` on the newest row version), then write
# the entry, the ledger entry and its two lines, the day's fact and the audit row. The unique index
# on (pass, spot, day) for admitted once-a-day entries is the last judge of a concurrent second
# admission (IntegrityError, like the ORM path). Statuses are parameters from the choice classes.
_ONE_STATEMENT = """
WITH p AS (
    SELECT id FROM {pass_} WHERE id = %(pid)s AND secret = %(secret)s AND status = %(pass_active)s
        AND year = %(year)s
    FOR UPDATE
), sp AS (
    SELECT id FROM {spot}
    WHERE id = %(spot)s AND status = %(approved)s AND active AND daily_limit IS NULL
        AND rate_fen = %(rate)s AND one_entry_per_day = %(once)s AND merchant_id = %(merchant)s
        AND NOT (COALESCE(blackout_dates, '[]'::jsonb) @> jsonb_build_array(%(day_text)s::text))
        AND NOT (one_entry_per_day AND EXISTS (
            SELECT 1 FROM {entry} e WHERE e.annual_pass_id = %(pid)s AND e.spot_id = %(spot)s
                AND e.day = %(day)s AND e.result = %(entry_ok)s))
), ok AS (
    SELECT 1 AS one FROM p, sp
), pool AS (
    {pool_take}
), go AS (
    SELECT one FROM ok WHERE %(rate)s::bigint = 0 OR EXISTS (SELECT 1 FROM pool)
), e AS (
    INSERT INTO {entry} (spot_id, annual_pass_id, day, at, result, reason, rate_fen, once_a_day, verified_by_id)
    SELECT %(spot)s, %(pid)s, %(day)s, %(now)s, %(entry_ok)s, '', %(rate)s, %(once)s, %(actor_id)s FROM go
    RETURNING id
), le AS (
    INSERT INTO {lentry} (kind, memo, union_id, ref_type, ref_id, refs, external_ref, created_at)
    SELECT %(kind)s, %(memo)s, NULL, %(ref_type)s, %(merchant)s, %(refs)s::jsonb, '', %(now)s
    FROM e WHERE %(rate)s::bigint > 0
    RETURNING id
), ll AS (
    INSERT INTO {lline} (entry_id, account, amount_fen)
    SELECT le.id, v.account, v.amount
    FROM le, (VALUES (%(acc_pool)s::text, %(rate)s::bigint), (%(acc_merchant)s::text, -%(rate)s::bigint))
        AS v(account, amount)
), f AS (
    {fact}
), a AS (
    INSERT INTO {audit} (at, actor_id, actor_label, action, object_type, object_id, object_repr, union_id,
        ip, request_id, changes, extra)
    SELECT %(now)s, %(actor_id)s, %(actor_label)s, %(action)s, %(object_type)s, e.id::text,
        %(pid)s::text || '@' || %(spot)s::text || ' ' || %(day_text)s::text,
        NULL, %(ip)s::inet, %(request_id)s, '{{}}'::jsonb,
        jsonb_build_object('result', %(entry_ok)s::text, 'spot', %(spot)s::bigint, 'pass', %(pid)s::bigint)
    FROM e
)
SELECT e.id FROM (SELECT 1) AS one LEFT JOIN e ON true
"""


def _sql(fact: str) -> str:
    return _ONE_STATEMENT.format(
        pass_=AnnualPass._meta.db_table,
        spot=PassSpot._meta.db_table,
        entry=PassEntry._meta.db_table,
        pool_take=pool_take_sql(
            year="%(year)s",
            amount="%(rate)s::bigint",
            prefer="%(pid)s::bigint",
            guard="%(rate)s::bigint > 0 AND EXISTS (SELECT 1 FROM ok)",
            returning=True,
        ),
        lentry=LedgerEntry._meta.db_table,
        lline=LedgerLine._meta.db_table,
        audit=AuditEvent._meta.db_table,
        fact=fact,
    )


def admit_one_statement(  # audited-in-sql (the ``a`` CTE)
    *,
    actor: User,
    spot: PassSpot,
    annual_pass: AnnualPass,
    union_id: int,
    at: dt.datetime,
    day: dt.date,
) -> PassEntry | None:
    """Admit ``annual_pass`` (its QR already checked against ``annual_pass.secret``) at ``spot`` in
    one statement. Returns the admitted entry, or None when nothing was written (any refusal: the
    caller takes the ORM path, which logs the refusal with its reason). Raises IntegrityError when
    a concurrent admission of the same pass won the unique index."""
    fact, fact_params = fact_record_sql(union_id=union_id, source="e", **ENTRY_FACT)
    params: dict[str, Any] = {
        "pid": annual_pass.pk,
        "secret": annual_pass.secret,
        "year": annual_pass.year,
        "spot": spot.pk,
        "merchant": spot.merchant_id,
        "rate": spot.rate_fen,
        "once": spot.one_entry_per_day,
        "day": day,
        "day_text": day.isoformat(),
        "now": at,
        "kind": "pass_entry",
        "memo": f"pass {annual_pass.number} @ {spot.name}"[:200],
        "ref_type": Merchant._meta.label_lower,
        "refs": f'{{"merchant": {int(spot.merchant_id)}}}',
        "acc_pool": ledger.PASS_POOL,
        "acc_merchant": ledger.merchant_payable(spot.merchant_id),
        **fact_params,
        **sql_params(),
        **audit_who(actor),
    }
    with prepared_cursor() as cursor:
        cursor.execute(_sql(fact), params)
        row = cursor.fetchone()
    if row is None or row[0] is None:
        return None
    fact_recorded(fact_params)
    entry = PassEntry(
        id=row[0],
        spot=spot,
        annual_pass=annual_pass,
        day=day,
        at=at,
        result=PassEntry.Result.OK,
        rate_fen=spot.rate_fen,
        once_a_day=spot.one_entry_per_day,
        verified_by_id=getattr(actor, "pk", None),
    )
    entry._state.adding = False
    return entry
