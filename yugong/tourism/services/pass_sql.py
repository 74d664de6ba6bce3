"""The PostgreSQL one-statement admission at the gate (data-modifying CTEs): see the README, "Pass
verification". One round trip after authentication: the statement checks the gate's access to the
spot (the staff rows of ``access.staff_rows``), the QR's signature (the HMAC of
``passes.qr_signature``, computed in SQL with the key's pads from Python), the pass and the spot
(the rules of ``pass_rules``, statuses as parameters), the one-entry-a-day rule and the pool, and
writes the entry, the pool's payment, the ledger entry and its lines, the fact and the audit row,
answering with what the gate's response shows. It commits synchronously (the ledger write is
durable). Anything it does not admit writes nothing: the ORM path then decides with its reasons."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from yugong.accounts.models import User
from yugong.core.audit import audit_who
from yugong.core.db import one_statement_enabled, prepared_cursor
from yugong.core.facts import fact_record_sql, fact_recorded
from yugong.core.models import AuditEvent
from yugong.funds import ledger
from yugong.funds.models import LedgerEntry, LedgerLine

from ..access import staff_rows
from ..models import AnnualPass, Merchant, PassBatch, PassEntry, PassSpot
from .pass_rules import ENTRY_FACT, sql_params
from .spots import pool_take_sql

_BIGINT = 2**63


def fast_sql_enabled() -> bool:
    return one_statement_enabled("TOURISM_PASS_ONE_STATEMENT")


def fast_path_applies() -> bool:
    """PostgreSQL, outside a caller's transaction (the statement commits on its own). A spot with a
    daily limit is refused by the statement (``daily_limit IS NULL``: counting the day's entries
    needs the spot's row lock and a fresh snapshot) and so takes the ORM path."""
    return one_statement_enabled("TOURISM_PASS_ONE_STATEMENT", outside_transaction=True)


# One statement, admitted or nothing written:
# * ``p``: the pass, locked: the signature in the QR is the HMAC of its id, the QR's time and its
#   secret (``hmac`` in SQL: sha256(opad || sha256(ipad || message)), the pads from
#   ``passes.qr_key_pads``, the message's text from ``passes.qr_message``), active, of the day's year;
#   with its batch's union (the fact's node).
# * ``sp``: the spot, one of the actor's merchants' (``access.staff_rows``, compiled by the ORM),
#   approved, active, no daily limit, today not blacked out, no admitted entry today when once a day.
# * ``pool``: the rate from one of the year's pool rows (``spots.pool_take_sql``, shared with the
#   ORM path: a row nobody holds; PostgreSQL re-checks ``balance_fen >= rate`` on the newest row
#   version). The statement never waits for a pool row: when every row that has the rate is held,
#   it admits nothing and the ORM path waits, in slot order (``spots.pool_take``).
# * ``e``, ``le``, ``ll``, ``f``, ``a``: the entry, the ledger entry and its two lines, the day's
#   fact and the audit row.
# The unique index on (pass, spot, day) for admitted once-a-day entries is the last judge of a
# concurrent second admission (IntegrityError, like the ORM path): the second statement read its
# snapshot before the first committed.
_ONE_STATEMENT = """
WITH p AS (
    SELECT ap.id AS pid, ap.holder_name, ap.number, b.union_id
    FROM {pass_} ap JOIN {batch} b ON b.id = ap.batch_id
    WHERE ap.id = %(pid)s AND ap.status = %(pass_active)s AND ap.year = %(year)s
        AND left(encode(sha256(%(opad)s::bytea || sha256(%(ipad)s::bytea
            || convert_to(%(message)s::text || ap.secret, 'UTF8'))), 'hex'), %(sig_len)s) = %(sig)s::text
    FOR UPDATE OF ap
), sp AS (
    SELECT s.id AS spot_id, s.merchant_id, s.name, s.rate_fen::bigint AS rate, s.one_entry_per_day AS once
    FROM {spot} s
    WHERE s.id = %(spot)s AND s.merchant_id IN ({staff})
        AND s.status = %(approved)s AND s.active AND s.daily_limit IS NULL
        AND NOT (COALESCE(s.blackout_dates, '[]'::jsonb) @> jsonb_build_array(%(day_text)s::text))
        AND NOT (s.one_entry_per_day AND EXISTS (
            SELECT 1 FROM {entry} x WHERE x.annual_pass_id = %(pid)s AND x.spot_id = s.id
                AND x.day = %(day)s AND x.result = %(entry_ok)s))
), ok AS (
    SELECT * FROM p, sp
), pool AS (
    {pool_take}
), go AS (
    SELECT * FROM ok WHERE ok.rate = 0 OR EXISTS (SELECT 1 FROM pool)
), e AS (
    INSERT INTO {entry} (spot_id, annual_pass_id, day, at, result, reason, rate_fen, once_a_day, verified_by_id)
    SELECT go.spot_id, go.pid, %(day)s, %(now)s, %(entry_ok)s, '', go.rate, go.once, %(actor_id)s FROM go
    RETURNING id
), le AS (
    INSERT INTO {lentry} (kind, memo, union_id, ref_type, ref_id, refs, external_ref, created_at)
    SELECT %(kind)s, left('pass ' || go.number || ' @ ' || go.name, 200), NULL, %(ref_type)s, go.merchant_id,
        jsonb_build_object('merchant', go.merchant_id), '', %(now)s
    FROM e, go WHERE go.rate > 0
    RETURNING id
), ll AS (
    INSERT INTO {lline} (entry_id, account, amount_fen)
    SELECT le.id, v.account, v.amount
    FROM le, go, LATERAL (VALUES (%(acc_pool)s::text, go.rate),
        ({acc_merchant}, -go.rate)) AS v(account, amount)
), f AS (
    {fact}
), a AS (
    INSERT INTO {audit} (at, actor_id, actor_label, action, object_type, object_id, object_repr, union_id,
        ip, request_id, changes, extra)
    SELECT %(now)s, %(actor_id)s, %(actor_label)s, %(action)s, %(object_type)s, e.id::text,
        go.pid::text || '@' || go.spot_id::text || ' ' || %(day_text)s::text,
        NULL, %(ip)s::inet, %(request_id)s, '{{}}'::jsonb,
        jsonb_build_object('result', %(entry_ok)s::text, 'spot', go.spot_id, 'pass', go.pid)
    FROM e, go
)
SELECT e.id, go.holder_name, go.number, go.union_id, go.merchant_id, go.name, go.rate, go.once FROM e, go
"""

_compiled: dict[str, str] = {}


def _staff_sql() -> str:
    """The staff rows that give the actor a merchant, as the ORM compiles ``access.staff_rows`` (one
    definition for both paths), its one parameter named ``%(actor_id)s``."""
    sentinel = -424_242_424
    select, params = staff_rows(sentinel).values("merchant_id").query.sql_with_params()
    if tuple(params) != (sentinel,) or select.count("%s") != 1:
        raise RuntimeError(f"unexpected staff-rows statement: {select!r} {params!r}")
    return select.replace("%s", "%(actor_id)s")


def _fact(day: dt.date | None = None) -> tuple[str, dict[str, Any]]:
    """The day's fact, written as the ORM path's ``fact_record(**ENTRY_FACT)`` writes it, its union
    node the pass batch's (read by the statement)."""
    return fact_record_sql(union_sql="go.union_id", source="e, go", day=day, **ENTRY_FACT)


def _fact_params() -> dict[str, Any]:
    return _fact()[1]


def _sql() -> str:
    sql = _compiled.get("sql")
    if sql is None:
        fact, _params = _fact()
        sql = _ONE_STATEMENT.format(
            pass_=AnnualPass._meta.db_table,
            batch=PassBatch._meta.db_table,
            spot=PassSpot._meta.db_table,
            staff=_staff_sql(),
            entry=PassEntry._meta.db_table,
            pool_take=pool_take_sql(
                year="%(year)s",
                amount="(SELECT rate FROM sp)",
                prefer="%(pid)s::bigint",
                guard="EXISTS (SELECT 1 FROM ok WHERE ok.rate > 0)",
                returning=True,
            ),
            lentry=LedgerEntry._meta.db_table,
            lline=LedgerLine._meta.db_table,
            acc_merchant=ledger.merchant_payable_sql("go.merchant_id"),
            audit=AuditEvent._meta.db_table,
            fact=fact,
        )
        _compiled["sql"] = sql
    return sql


@dataclass(frozen=True, slots=True)
class Qr:
    """A parsed pass QR: the pass id, the QR's unix time, the signature it carries."""

    pass_id: int
    ts: int
    sig: str

    def fits_bigint(self) -> bool:
        return 0 < self.pass_id < _BIGINT and -_BIGINT < self.ts < _BIGINT


def admit_one_statement(  # audited-in-sql (the ``a`` CTE)
    *,
    actor: User,
    spot_id: int,
    qr: Qr,
    at: dt.datetime,
    day: dt.date,
) -> PassEntry | None:
    """Admit the pass of ``qr`` at ``spot_id`` in one statement, checking everything but the QR's age
    (the caller's, ``passes.qr_time_refusal``). Returns the admitted entry (its ``annual_pass`` and
    ``spot`` carry what the response shows), or None when nothing was written (any refusal: the
    caller takes the ORM path, which logs it with its reason, or answers 404). Raises IntegrityError
    when a concurrent admission of the same pass won the unique index."""
    from .passes import SIG_LEN, qr_key_pads, qr_message  # the QR's own module (it imports this one)

    ipad, opad = qr_key_pads()
    fact_params = _fact_params()
    params: dict[str, Any] = {
        "pid": qr.pass_id,
        "message": qr_message(qr.pass_id, qr.ts, ""),
        "sig": qr.sig,
        "sig_len": SIG_LEN,
        "ipad": ipad,
        "opad": opad,
        "year": day.year,
        "spot": spot_id,
        "day": day,
        "day_text": day.isoformat(),
        "now": at,
        "kind": "pass_entry",
        "ref_type": Merchant._meta.label_lower,
        "acc_pool": ledger.PASS_POOL,
        **fact_params,
        **sql_params(),
        **audit_who(actor),
    }
    with prepared_cursor() as cursor:
        cursor.execute(_sql(), params)
        row = cursor.fetchone()
    if row is None:
        return None
    entry_id, holder_name, number, union_id, merchant_id, spot_name, rate, once = row
    fact_recorded(fact_params, union_id=union_id)
    annual_pass = AnnualPass(id=qr.pass_id, holder_name=holder_name, number=number, year=day.year)
    annual_pass._state.adding = False
    spot = PassSpot(
        id=spot_id, merchant_id=merchant_id, name=spot_name, rate_fen=rate, one_entry_per_day=once
    )
    spot._state.adding = False
    entry = PassEntry(
        id=entry_id,
        spot=spot,
        annual_pass=annual_pass,
        day=day,
        at=at,
        result=PassEntry.Result.OK,
        rate_fen=rate,
        once_a_day=once,
        verified_by_id=getattr(actor, "pk", None),
    )
    entry._state.adding = False
    return entry
