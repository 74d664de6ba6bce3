"""The PostgreSQL one-statement order (data-modifying CTEs): see the README, "Concurrency". Its
rules and statuses come from ``order_rules``; it writes its own audit row (the ``a`` CTE)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import connection, transaction

from yugong.accounts.models import User
from yugong.core.audit import audit_who
from yugong.core.db import prepared_cursor
from yugong.core.errors import NotFound
from yugong.core.models import AuditEvent
from yugong.core.timeutil import now

from ..models import Merchant, Order, Product, Session, Ticket, new_token
from .common import hold_minutes, new_number
from .order_rules import refuse_unorderable, sold_out, sql_params


def fast_sql_enabled() -> bool:
    return bool(getattr(settings, "TOURISM_ORDER_ONE_STATEMENT", True))


# One statement, one round trip: read the session with its product and merchant (``info``), decide
# whether the simple path applies (``ok``: the rules of ``order_rules`` — on sale, reviewed, merchant
# live, not started, and no purchase limits, eligibility rules nor seat map), take the stock with the
# conditional UPDATE, insert the order, its tickets and its audit row, and answer with the order id
# (NULL when nothing was written) and what was read, so a refusal is explained by the same
# ``order_rules`` functions as the ORM path, without another query. Prices come from the same
# snapshot. Statuses are parameters from the choice classes (``order_rules.sql_params``).
# The UPDATE's ``remaining >= q`` is re-checked by PostgreSQL on the newest row version after
# waiting for the row lock (READ COMMITTED), which is what makes it safe under contention.
_ONE_STATEMENT = """
WITH {prelude}info AS (
    SELECT s.id, s.active, s.starts_at, s.remaining, p.id AS product_id, p.title, p.status AS p_status,
        p.members_only, p.limit_per_day, p.limit_per_year, p.list_price_fen, p.member_price_fen,
        p.merchant_id, m.status AS m_status, jsonb_array_length(s.seat_rows) > 0 AS seated,
        EXISTS (SELECT 1 FROM {eligible} e WHERE e.product_id = p.id) AS restricted
    FROM {cfg}{session} s
    JOIN {product} p ON p.id = s.product_id
    JOIN {merchant} m ON m.id = p.merchant_id
    WHERE s.id = %(sid)s
), checks AS (
    SELECT info.*,
        (members_only OR restricted OR limit_per_day IS NOT NULL OR limit_per_year IS NOT NULL OR seated)
            AS needs_checks
    FROM info
), ok AS (
    SELECT * FROM checks
    WHERE active AND p_status = %(approved)s AND m_status = %(approved)s AND starts_at > %(now)s
        AND NOT needs_checks
), s AS (
    UPDATE {session} SET remaining = remaining - %(q)s
    WHERE id = %(sid)s AND remaining >= %(q)s AND EXISTS (SELECT 1 FROM ok)
    RETURNING id
), o AS (
    INSERT INTO {order} (number, user_id, session_id, product_id, merchant_id, union_id, group_order_id,
        quantity, unit_price_fen, list_price_fen, amount_fen, refunded_fen, status, hold_expires_at,
        idempotency_key, paid_at, closed_at, created_at)
    SELECT %(number)s, %(uid)s, s.id, ok.product_id, ok.merchant_id, NULL, NULL,
        %(q)s, ok.member_price_fen, ok.list_price_fen, ok.member_price_fen * %(q)s, 0, %(order_pending)s,
        %(hold)s, %(key)s, NULL, NULL, %(now)s
    FROM s, ok
    RETURNING id
), t AS (
    INSERT INTO {ticket} (order_id, seq, token, holder_name, holder_user_id, status, used_at, used_by_id)
    SELECT o.id, g, (%(tokens)s::text[])[g], (%(names)s::text[])[g],
        CASE WHEN g = 1 THEN %(uid)s::bigint END, %(ticket_valid)s, NULL, NULL
    FROM o, generate_series(1, %(q)s) AS g
), a AS (
    INSERT INTO {audit} (at, actor_id, actor_label, action, object_type, object_id, object_repr, union_id,
        ip, request_id, changes, extra)
    SELECT %(now)s, %(actor_id)s, %(actor_label)s, %(action)s, %(object_type)s, o.id::text, %(number)s,
        NULL, %(ip)s::inet, %(request_id)s, '{{}}'::jsonb,
        jsonb_build_object('session', %(sid)s::bigint, 'quantity', %(q)s::int)
    FROM o
)
SELECT o.id, checks.active, checks.starts_at, checks.product_id, checks.title, checks.p_status,
    checks.m_status, checks.needs_checks, checks.list_price_fen, checks.member_price_fen, checks.merchant_id
FROM checks LEFT JOIN o ON true
"""


# The hold is committed without waiting for the WAL flush (see the README, "Durability of holds").
# Only for a statement that is its own transaction: set_config(..., true) lasts to its commit.
_ASYNC_COMMIT = "cfg AS (SELECT set_config('synchronous_commit', 'off', true) AS on_),\n"


def _one_statement_sql(*, async_commit: bool) -> str:
    return _ONE_STATEMENT.format(
        prelude=_ASYNC_COMMIT if async_commit else "",
        cfg="cfg, " if async_commit else "",
        session=Session._meta.db_table,
        product=Product._meta.db_table,
        merchant=Merchant._meta.db_table,
        eligible=Product.eligible_unions.through._meta.db_table,
        order=Order._meta.db_table,
        ticket=Ticket._meta.db_table,
        audit=AuditEvent._meta.db_table,
    )


def _async_commit_enabled() -> bool:
    return bool(getattr(settings, "TOURISM_ORDER_ASYNC_COMMIT", True))


def place_one_statement(  # audited-in-sql (the ``a`` CTE)
    actor: User, sid: int, quantity: int, key: str, names: list[str]
) -> Order | None:
    """PostgreSQL, products without limits or eligibility rules: everything in ONE statement
    (data-modifying CTEs, see ``_ONE_STATEMENT``). Atomic on its own, so outside a transaction there
    is no BEGIN/COMMIT round trip, and the hot session row is locked only while it runs. A repeated
    key fails on the unique index (IntegrityError) exactly like the ORM path. Returns the order, or
    None when the product needs the checks of the ORM path (limits, members only, union rules);
    raises the same errors as the ORM path otherwise. The buyer's union is resolved at payment
    (kept off the hot path), as for every order without eligibility rules."""
    at = now()
    default_name = getattr(actor, "display_name", "") or ""
    holders = [names[i] if i < len(names) else default_name for i in range(quantity)]
    tokens = [new_token() for _ in range(quantity)]
    number = new_number("T")
    hold = at + dt.timedelta(minutes=hold_minutes())
    params = {
        "q": quantity,
        "sid": sid,
        "number": number,
        "uid": actor.pk,
        "hold": hold,
        "key": key,
        "now": at,
        "tokens": tokens,
        "names": holders,
        **sql_params(),
        **audit_who(actor),
    }

    def run(sql: str) -> Any:
        with prepared_cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()

    if connection.in_atomic_block:
        # Inside the caller's transaction: a savepoint (an error must not break that transaction),
        # and the caller's commit stays as durable as the caller made it.
        with transaction.atomic():
            row = run(_one_statement_sql(async_commit=False))
    else:
        row = run(_one_statement_sql(async_commit=_async_commit_enabled()))
    if row is None:
        raise NotFound()
    order_id, active, starts_at, product_id, title, p_status, m_status, needs_checks, lp, mp, mid = row
    if order_id is None:
        refuse_unorderable(
            active=active, product_status=p_status, merchant_status=m_status, starts_at=starts_at, at=at
        )
        if needs_checks:
            return None
        raise sold_out()
    # Answer from what was just written and read: no re-read on the hot path.
    product = Product(id=product_id, title=title, merchant_id=mid, list_price_fen=lp, member_price_fen=mp)
    session = Session(id=sid, product_id=product_id, starts_at=starts_at)
    order = Order(
        id=order_id,
        number=number,
        user=actor,
        session=session,
        product=product,
        merchant_id=mid,
        quantity=quantity,
        unit_price_fen=mp,
        list_price_fen=lp,
        amount_fen=mp * quantity,
        hold_expires_at=hold,
        idempotency_key=key,
        created_at=at,
    )
    order._state.adding = False
    order.new_tickets = [  # type: ignore[attr-defined]
        Ticket(
            order=order,
            seq=i + 1,
            token=tokens[i],
            holder_name=holders[i],
            holder_user_id=actor.pk if i == 0 else None,
        )
        for i in range(quantity)
    ]
    return order
