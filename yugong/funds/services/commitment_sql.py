"""The PostgreSQL one-statement approval (data-modifying CTEs): lock the request, check the rules,
reserve on the line, mark the request reserved, post the ledger entry, write the audit row and add
the cockpit fact — or, above the second-approver threshold, record the first of the two approvals
and its audit row — one prepared statement, one round trip, one transaction. Its rules, statuses and
account names come from ``commitment_rules`` (the ORM path applies the same functions); a refusal is
explained from what the statement read, by ``refuse_approval``, without another query.

Concurrency: ``c`` locks the request row (``FOR UPDATE``), so one request is never approved twice
(a second approver waits, then sees the newest status and is refused). The line's UPDATE keeps the
ORM path's condition ``open AND amount >= reserved + spent + n``; PostgreSQL re-checks it on the
newest row version after waiting for a concurrent approver's lock (READ COMMITTED), which is what
keeps a hot line from being overdrawn; the CHECK constraints stay the last judge. The statement
commits durably (no ``synchronous_commit`` off: this is money)."""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction

from yugong.accounts.models import User
from yugong.core.audit import audit_who
from yugong.core.db import one_statement_enabled, prepared_cursor
from yugong.core.errors import NotFound
from yugong.core.facts import fact_record_sql, fact_recorded
from yugong.core.models import AuditEvent
from yugong.core.timeutil import now
from yugong.orgs.models import Union

from ..models import BudgetLine, Commitment, LedgerEntry, LedgerLine
from .commitment_rules import RESERVED_METRIC, overdrawn, refuse_approval, sql_params


def fast_sql_enabled() -> bool:
    return one_statement_enabled("FUNDS_APPROVE_ONE_STATEMENT")


# ``ok`` is ``refuse_approval`` in SQL: still open, not one's own, not the first approver again, an
# approving role over the union (``can_act``: a valid path under one of the actor's approving
# grants). ``ok`` then splits by ``needs_first_approval`` (its threshold and status from
# ``first_approval_params``): ``fst`` only records the first of two approvals (``fm``, audited
# by ``fa``); ``rsv`` reserves (``l``, ``m``), posts (``e``, ``el``), audits (``a``) and counts
# (``f``). The two are disjoint, so the request row is updated once.
_ONE_STATEMENT = """
WITH c AS (
    SELECT c.id, c.status, c.amount_fen, c.reserved_fen, c.spent_fen, c.released_fen, c.purpose,
        c.requested_by_id, c.first_approver_id, c.approver_id, c.reject_reason, c.created_at,
        c.line_id, c.union_id, u.path, l.category, c.first_approved_at
    FROM {commitment} c
    JOIN {union} u ON u.id = c.union_id
    JOIN {line} l ON l.id = c.line_id
    WHERE c.id = %(cid)s
    FOR UPDATE OF c
), ok AS (
    SELECT * FROM c
    WHERE status = ANY(%(open_statuses)s::text[])
        AND requested_by_id IS DISTINCT FROM %(uid)s::bigint
        AND first_approver_id IS DISTINCT FROM %(uid)s::bigint
        AND path ~ %(path_re)s
        AND EXISTS (SELECT 1 FROM unnest(%(approve_paths)s::text[]) AS g(p) WHERE left(path, length(g.p)) = g.p)
), fst AS (
    SELECT * FROM ok WHERE amount_fen > %(threshold)s AND status = %(pending)s
), rsv AS (
    SELECT * FROM ok WHERE NOT (amount_fen > %(threshold)s AND status = %(pending)s)
), fm AS (
    UPDATE {commitment} SET status = %(first_approved)s, first_approver_id = %(uid)s, first_approved_at = %(now)s
    FROM fst
    WHERE {commitment}.id = fst.id
    RETURNING {commitment}.id
), fa AS (
    INSERT INTO {audit} (at, actor_id, actor_label, action, object_type, object_id, object_repr, union_id,
        ip, request_id, changes, extra)
    SELECT %(now)s, %(actor_id)s, %(actor_label)s, %(first_action)s, %(object_type)s, fst.id::text,
        left(fst.purpose, 200), fst.union_id, %(ip)s::inet, %(request_id)s,
        jsonb_build_object('status', jsonb_build_array(fst.status, %(first_approved)s::text)), '{{}}'::jsonb
    FROM fst, fm
), l AS (
    UPDATE {line} SET reserved_fen = {line}.reserved_fen + rsv.amount_fen
    FROM rsv
    WHERE {line}.id = rsv.line_id AND {line}.open
        AND {line}.amount_fen >= {line}.reserved_fen + {line}.spent_fen + rsv.amount_fen
    RETURNING {line}.id
), m AS (
    UPDATE {commitment} SET status = %(reserved)s, reserved_fen = rsv.amount_fen, approver_id = %(uid)s,
        approved_at = %(now)s
    FROM rsv, l
    WHERE {commitment}.id = rsv.id
    RETURNING {commitment}.id
), e AS (
    INSERT INTO {entry} (kind, memo, union_id, ref_type, ref_id, refs, external_ref, created_at)
    SELECT %(kind)s, left(rsv.purpose, 200), rsv.union_id, %(object_type)s, rsv.id, '{{}}'::jsonb, '', %(now)s
    FROM rsv, m
    RETURNING id
), el AS (
    INSERT INTO {entry_line} (entry_id, account, amount_fen)
    SELECT e.id, x.account, x.amount
    FROM e, rsv, LATERAL (VALUES (1, %(acc_reserved)s || rsv.line_id::text, rsv.amount_fen),
        (2, %(acc_available)s || rsv.line_id::text, -rsv.amount_fen)) AS x(n, account, amount)
    ORDER BY x.n
), a AS (
    INSERT INTO {audit} (at, actor_id, actor_label, action, object_type, object_id, object_repr, union_id,
        ip, request_id, changes, extra)
    SELECT %(now)s, %(actor_id)s, %(actor_label)s, %(action)s, %(object_type)s, rsv.id::text,
        left(rsv.purpose, 200), rsv.union_id, %(ip)s::inet, %(request_id)s,
        jsonb_build_object('status', jsonb_build_array(rsv.status, %(reserved)s::text)),
        jsonb_build_object('amount_fen', rsv.amount_fen)
    FROM rsv, m
), f AS (
    {fact}
)
SELECT m.id IS NOT NULL, fm.id IS NOT NULL, c.status, c.amount_fen, c.reserved_fen, c.spent_fen,
    c.released_fen, c.purpose, c.requested_by_id, c.first_approver_id, c.approver_id, c.reject_reason,
    c.created_at, c.line_id, c.union_id, c.path, c.category, c.first_approved_at
FROM c LEFT JOIN m ON true LEFT JOIN fm ON true
"""


def _sql(fact: str) -> str:
    return _ONE_STATEMENT.format(
        commitment=Commitment._meta.db_table,
        union=Union._meta.db_table,
        line=BudgetLine._meta.db_table,
        entry=LedgerEntry._meta.db_table,
        entry_line=LedgerLine._meta.db_table,
        audit=AuditEvent._meta.db_table,
        fact=fact,
    )


def approve_one_statement(actor: User, commitment_id: int) -> Commitment:  # audited-in-sql (``a``, ``fa``)
    """Approve in ONE statement: reserve, or — above the threshold, while pending — record the
    first of two approvals. Returns the request as written; raises the ORM path's refusals otherwise
    (NotFound for a request missing or out of scope, 403, 409 ``not_pending``, 409
    ``budget_exceeded`` for an overdraw or a line that is not open)."""
    at = now()
    fact, fact_params = fact_record_sql(
        metric=RESERVED_METRIC,
        source="ok, m",
        union_sql="ok.union_id",
        value_sql="ok.amount_fen",
        dim_sql="ok.category",
    )
    params = {"cid": commitment_id, "now": at, **fact_params, **sql_params(actor), **audit_who(actor)}

    def run() -> Any:
        with prepared_cursor() as cursor:
            cursor.execute(_sql(fact), params)
            return cursor.fetchone()

    if connection.in_atomic_block:
        with transaction.atomic():  # a savepoint: an error must not break the caller's transaction
            row = run()
    else:  # atomic on its own: no BEGIN/COMMIT round trips, the hot line locked only while it runs
        row = run()
    if row is None:
        raise NotFound()
    (taken, first, status, amount, reserved, spent, released, purpose, requested_by_id, first_approver_id,
     approver_id, reject_reason, created_at, line_id, union_id, path, category, first_at) = row  # fmt: skip
    done = Commitment(
        id=commitment_id,
        line_id=line_id,
        union_id=union_id,
        amount_fen=amount,
        reserved_fen=reserved,
        spent_fen=spent,
        released_fen=released,
        purpose=purpose,
        status=status,
        requested_by_id=requested_by_id,
        first_approver_id=first_approver_id,
        first_approved_at=first_at,
        approver_id=approver_id,
        reject_reason=reject_reason,
        created_at=created_at,
    )
    done._state.adding = False
    if first:
        done.status = Commitment.Status.FIRST_APPROVED
        done.first_approver = actor
        done.first_approved_at = at
        return done
    if not taken:
        refuse_approval(
            actor=actor,
            union=Union(pk=union_id, path=path),
            status=status,
            requested_by_id=requested_by_id,
            first_approver_id=first_approver_id,
        )
        raise overdrawn()
    fact_recorded(fact_params, union_id=union_id, value=amount, dim=category)
    done.status = Commitment.Status.RESERVED
    done.reserved_fen = amount
    done.approver = actor
    done.approved_at = at
    return done
