"""Orders: place (hold stock), cancel, expire holds, refund, scan the e-ticket.

Concurrency (DESIGN principle 3, STYLE "scarce things"):

* Stock is taken with one conditional UPDATE — ``remaining = remaining - n WHERE remaining >= n`` —
  and the row count tells whether it worked; the CHECK constraints on ``Session`` are the last judge.
  The UPDATE is the *last* statement of the transaction so the row lock on a hot session is held
  only for the UPDATE and the COMMIT.
* Creation is idempotent: ``(user, idempotency_key)`` is unique. The order row is inserted *before*
  the stock is taken, so a concurrent duplicate blocks on the unique index, fails with
  IntegrityError once the first commits, rolls back (taking no stock) and returns the first order.
* Purchase limits per person per day/year are checked after locking the buyer's user row, so two
  concurrent orders of one worker cannot both pass the check (only for products with limits).
* No gateway call happens inside these transactions; refunds reach the gateway ``on_commit``.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, F, OuterRef, Sum
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.audit import audit_record
from yugong.core.db import prepared_cursor
from yugong.core.errors import ApplicationError, Conflict, NotFound, PermissionDenied, ValidationFailed
from yugong.core.facts import fact_record
from yugong.core.timeutil import SHANGHAI, local_now, local_today, now
from yugong.members.models import Membership

from .. import gateways, ledger, seatmap
from ..access import merchant_ids
from ..models import Merchant, Order, Payment, Product, ReviewStatus, SeatHold, Session, Ticket, new_token
from ..seatmap import seat_label
from .common import bind, family_limit, hold_minutes, new_number, payment_lines

MAX_KEY = 80


def _membership(user: Any) -> Membership | None:
    return _membership_of(user.pk)


def _membership_of(user_id: int) -> Membership | None:
    return (
        Membership.objects.filter(person__user_id=user_id, status=Membership.Status.ACTIVE)
        .select_related("union", "person")
        .first()
    )


def check_eligible(product: Product, membership: Membership | None) -> None:
    """Members only / members of given unions (their whole subtrees)."""
    unions = list(product.eligible_unions.all()) if product.pk else []
    if (product.members_only or unions) and membership is None:
        raise Conflict(_("该产品仅限工会会员购买，请先入会。"), code="members_only")
    if unions and membership is not None:
        path = membership.union.path
        if not any(path.startswith(u.path) for u in unions if u.path):
            raise Conflict(_("该产品仅限指定工会的会员购买。"), code="not_eligible")


def _check_limits(*, user: Any, product: Product, quantity: int) -> None:
    """Caller holds the lock on the buyer's user row."""
    today = local_today()
    base = Order.objects.filter(user_id=user.pk, product=product, status__in=Order.TAKES_STOCK)
    if product.limit_per_day is not None:
        start = dt.datetime.combine(today, dt.time.min, tzinfo=SHANGHAI)
        bought = base.filter(created_at__gte=start).aggregate(n=Sum("quantity"))["n"] or 0
        if bought + quantity > product.limit_per_day:
            raise Conflict(
                _("超出每人每日限购数量（%(n)s 张），今日已购 %(b)s 张。")
                % {"n": product.limit_per_day, "b": bought},
                code="over_limit",
            )
    if product.limit_per_year is not None:
        start = dt.datetime(today.year, 1, 1, tzinfo=SHANGHAI)
        bought = base.filter(created_at__gte=start).aggregate(n=Sum("quantity"))["n"] or 0
        if bought + quantity > product.limit_per_year:
            raise Conflict(
                _("超出每人每年限购数量（%(n)s 张），今年已购 %(b)s 张。")
                % {"n": product.limit_per_year, "b": bought},
                code="over_limit",
            )


def take_stock(session_id: int, quantity: int, *, _unsafe_naive: bool = False) -> bool:
    """Take ``quantity`` of a session's stock; False when there is not enough. Caller is inside
    the transaction that records what the stock was taken for."""
    if _unsafe_naive:
        # TEST-ONLY control path: read, decide in Python, write back an absolute value. Two buyers
        # that read the same value both "succeed" — the lost update the conditional UPDATE prevents.
        current = Session.objects.values_list("remaining", flat=True).get(pk=session_id)
        time.sleep(0.005)  # widen the window so the control test shows the race every run
        if current < quantity:
            return False
        Session.objects.filter(pk=session_id).update(remaining=current - quantity)
        return True
    return bool(
        Session.objects.filter(pk=session_id, remaining__gte=quantity).update(
            remaining=F("remaining") - quantity
        )
    )


def release_stock(session_id: int, quantity: int, *, sold: bool = False, order: Order | None = None) -> None:
    """Give ``quantity`` places back (a cancelled, expired or refunded order); with ``order``, its
    seats on a mapped session are free again too."""
    changes: dict[str, Any] = {"remaining": F("remaining") + quantity}
    if sold:
        changes["sold"] = F("sold") - quantity
    Session.objects.filter(pk=session_id).update(**changes)
    if order is not None:
        SeatHold.objects.filter(order=order).delete()


def hold_seats(session: Session, order: Order, keys: list[str]) -> None:
    """Take the seats ``keys`` of a mapped session for ``order``, inside the caller's transaction.
    Seats already held are named in the refusal; the unique constraint settles a race between two
    buyers who pass that check at the same moment."""
    taken = set(SeatHold.objects.filter(session=session, seat__in=keys).values_list("seat", flat=True))
    if not taken:
        try:
            with transaction.atomic():
                SeatHold.objects.bulk_create(SeatHold(session=session, seat=k, order=order) for k in keys)
            return
        except IntegrityError:
            taken = set(
                SeatHold.objects.filter(session=session, seat__in=keys).values_list("seat", flat=True)
            )
    names = "、".join(seat_label(k) for k in keys if k in taken) or "、".join(seat_label(k) for k in keys)
    raise Conflict(_("座位已被他人订走：%(seats)s，请另选座位。") % {"seats": names}, code="seat_taken")


def _printable(text: str) -> str:
    """Control characters (NUL included, which PostgreSQL refuses in text) are dropped."""
    return "".join(ch for ch in text if ch.isprintable())


def _clean_key(key: str | None) -> str:
    key = _printable(key or "").strip()
    if not key or len(key) > MAX_KEY:
        raise ValidationFailed(
            fields={"Idempotency-Key": _("请提供 1 到 80 个字符的幂等键（Idempotency-Key）。")}
        )
    return key


def _existing(user: Any, key: str, session_id: int) -> Order | None:
    order = Order.objects.filter(user_id=user.pk, idempotency_key=key).first()
    if order is not None and order.session_id != session_id:
        raise Conflict(_("该幂等键已用于另一笔订单，请换一个。"), code="idempotency_mismatch")
    return order


def order_place(
    *,
    actor: Any,
    session_id: Any,
    quantity: int,
    idempotency_key: str | None,
    holder_names: list[str] | None = None,
    seats: list[str] | None = None,
    _unsafe_naive_stock: bool = False,
) -> tuple[Order, bool]:
    """Book ``quantity`` places of a session for the actor (and family). Returns (order, created);
    a repeated key returns the first order with created=False. A session with a seat map needs
    ``seats`` (their keys, as many as ``quantity``); the tickets carry them.

    On PostgreSQL the happy path of a product without limits or eligibility rules is ONE statement
    after authentication (``_place_one_statement``); elsewhere it is read the session, INSERT the
    order, INSERT its tickets, the conditional UPDATE, COMMIT. Neither looks the key up first: a
    replay fails on the unique index (or on a check) and only then is the first order looked up and
    returned."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied()
    key = _clean_key(idempotency_key)
    try:
        sid = int(session_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    try:
        return _place(actor, sid, quantity, key, holder_names, seats or [], _unsafe_naive_stock)
    except (ApplicationError, IntegrityError):
        # A replay (possibly concurrent) of a key that already made an order: return that order,
        # whatever the checks say now (sold out, over the limit, session closed…).
        found = _existing(actor, key, sid)
        if found is None:
            raise
        return found, False


def _place(
    actor: Any,
    sid: int,
    quantity: int,
    key: str,
    holder_names: list[str] | None,
    seats: list[str],
    naive: bool,
) -> tuple[Order, bool]:
    if not isinstance(quantity, int) or not 1 <= quantity <= family_limit():
        raise ValidationFailed(fields={"quantity": _("每单可订 1 到 %(n)s 张。") % {"n": family_limit()}})
    if seats and len(seats) != quantity:
        raise ValidationFailed(
            fields={"seats": _("选了 %(s)s 个座位，但订 %(q)s 张。") % {"s": len(seats), "q": quantity}}
        )
    names = [_printable(n).strip()[:64] for n in (holder_names or []) if n and _printable(n).strip()]
    if connection.vendor == "postgresql" and not naive and not seats and _fast_sql_enabled():
        placed = _place_one_statement(actor, sid, quantity, key, names)
        if placed is not None:
            return placed, True
        # None: the product has purchase limits or eligibility rules — the ORM path below.
    restricted = Product.eligible_unions.through.objects.filter(product_id=OuterRef("product_id"))
    session = (
        Session.objects.select_related("product__merchant")
        .annotate(restricted=Exists(restricted))
        .filter(pk=sid)
        .first()
    )
    if session is None or not session.active:
        raise NotFound()
    product = session.product
    if product.status != ReviewStatus.APPROVED or not product.merchant.is_live:
        raise NotFound()
    if session.starts_at <= now():
        raise Conflict(_("该场次已开始或已结束，不能再预订。"), code="session_closed")
    if session.seat_rows:
        if not seats:
            raise ValidationFailed(fields={"seats": _("该场次对号入座，请先选座。")})
        seats = seatmap.clean_choice(session.seat_rows, seats)
    elif seats:
        raise ValidationFailed(fields={"seats": _("该场次不对号入座，无需选座。")})
    membership = None
    if product.members_only or session.restricted:
        membership = _membership(actor)
        check_eligible(product, membership)
    default_name = membership.person.name if membership else (getattr(actor, "display_name", "") or "")
    holders = [names[i] if i < len(names) else default_name for i in range(quantity)]
    limited = product.limit_per_day is not None or product.limit_per_year is not None
    with transaction.atomic():
        if limited:
            User.objects.select_for_update().filter(pk=actor.pk).values_list("pk", flat=True).first()
            _check_limits(user=actor, product=product, quantity=quantity)
        order = Order.objects.create(
            number=new_number("T"),
            user=actor,
            session=session,
            product=product,
            merchant_id=product.merchant_id,
            union=membership.union if membership else None,
            quantity=quantity,
            unit_price_fen=product.member_price_fen,
            list_price_fen=product.list_price_fen,
            amount_fen=product.member_price_fen * quantity,
            hold_expires_at=now() + dt.timedelta(minutes=hold_minutes()),
            idempotency_key=key,
        )
        order.new_tickets = Ticket.objects.bulk_create(  # type: ignore[attr-defined]
            Ticket(
                order=order,
                seq=i + 1,
                holder_name=holders[i],
                holder_user=actor if i == 0 else None,
                seat=seats[i] if seats else "",
            )
            for i in range(quantity)
        )
        if seats:
            hold_seats(session, order, seats)
        # Last statement: the hot row is locked only from here to COMMIT.
        if not take_stock(session.pk, quantity, _unsafe_naive=naive):
            raise Conflict(_("很抱歉，该场次余票不足，已售罄。"), code="sold_out")
    return order, True


def _fast_sql_enabled() -> bool:
    return bool(getattr(settings, "TOURISM_ORDER_ONE_STATEMENT", True))


# One statement, one round trip: read the session with its product and merchant (``info``), decide
# whether the simple path applies (``ok``: on sale, reviewed, merchant live, not started, and no
# purchase limits, eligibility rules nor seat map), take the stock with the conditional UPDATE, insert the
# order and its tickets, and answer with the order id (NULL when nothing was written) and what was
# read, so a refusal can be explained without another query. Prices come from the same snapshot.
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
), ok AS (
    SELECT * FROM info
    WHERE active AND p_status = 'approved' AND m_status = 'approved' AND starts_at > %(now)s
        AND NOT members_only AND NOT restricted AND limit_per_day IS NULL AND limit_per_year IS NULL
        AND NOT seated
), s AS (
    UPDATE {session} SET remaining = remaining - %(q)s
    WHERE id = %(sid)s AND remaining >= %(q)s AND EXISTS (SELECT 1 FROM ok)
    RETURNING id
), o AS (
    INSERT INTO {order} (number, user_id, session_id, product_id, merchant_id, union_id, group_order_id,
        quantity, unit_price_fen, list_price_fen, amount_fen, refunded_fen, status, hold_expires_at,
        idempotency_key, paid_at, closed_at, created_at)
    SELECT %(number)s, %(uid)s, s.id, ok.product_id, ok.merchant_id, NULL, NULL,
        %(q)s, ok.member_price_fen, ok.list_price_fen, ok.member_price_fen * %(q)s, 0, 'pending', %(hold)s,
        %(key)s, NULL, NULL, %(now)s
    FROM s, ok
    RETURNING id
), t AS (
    INSERT INTO {ticket} (order_id, seq, token, holder_name, holder_user_id, status, used_at, used_by_id)
    SELECT o.id, g, (%(tokens)s::text[])[g], (%(names)s::text[])[g],
        CASE WHEN g = 1 THEN %(uid)s::bigint END, 'valid', NULL, NULL
    FROM o, generate_series(1, %(q)s) AS g
)
SELECT o.id, info.active, info.starts_at, info.product_id, info.title, info.p_status, info.m_status,
    info.members_only OR info.restricted OR info.limit_per_day IS NOT NULL
        OR info.limit_per_year IS NOT NULL OR info.seated AS needs_checks,
    info.list_price_fen, info.member_price_fen, info.merchant_id
FROM info LEFT JOIN o ON true
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
    )


def _async_commit_enabled() -> bool:
    return bool(getattr(settings, "TOURISM_ORDER_ASYNC_COMMIT", True))


def _place_one_statement(actor: Any, sid: int, quantity: int, key: str, names: list[str]) -> Order | None:
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
        if not active or p_status != ReviewStatus.APPROVED or m_status != ReviewStatus.APPROVED:
            raise NotFound()
        if starts_at <= at:
            raise Conflict(_("该场次已开始或已结束，不能再预订。"), code="session_closed")
        if needs_checks:
            return None
        raise Conflict(_("很抱歉，该场次余票不足，已售罄。"), code="sold_out")
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


def _lock_order(order: Order | int) -> Order:
    pk = order.pk if isinstance(order, Order) else order
    locked = Order.objects.select_for_update().filter(pk=pk).first()
    if locked is None:
        raise NotFound()
    return locked


def _close_open_payments(order: Order, status: str) -> None:
    order.payments.filter(status=Payment.Status.PENDING).update(status=status)


def order_cancel(*, actor: Any, order: Order | int) -> Order:
    with transaction.atomic():
        locked = _lock_order(order)
        if locked.user_id != getattr(actor, "pk", None):
            raise NotFound()
        if locked.status != Order.Status.PENDING:
            raise Conflict(_("只有待支付的订单可以取消。"), code="not_pending")
        locked.status = Order.Status.CANCELLED
        locked.closed_at = now()
        locked.save(update_fields=["status", "closed_at"])
        locked.tickets.update(status=Ticket.Status.VOID)
        _close_open_payments(locked, Payment.Status.EXPIRED)
        release_stock(locked.session_id, locked.quantity, order=locked)
    return locked


def order_expire(order_id: int, *, at: dt.datetime | None = None) -> bool:
    """Release one hold whose time is up (re-checked under the lock). True when released."""
    at = at or now()
    with transaction.atomic():
        locked = _lock_order(order_id)
        if locked.status != Order.Status.PENDING or not locked.hold_expires_at or locked.hold_expires_at > at:
            return False
        locked.status = Order.Status.EXPIRED
        locked.closed_at = at
        locked.save(update_fields=["status", "closed_at"])
        locked.tickets.update(status=Ticket.Status.VOID)
        _close_open_payments(locked, Payment.Status.EXPIRED)
        release_stock(locked.session_id, locked.quantity, order=locked)
    return True


def release_expired_holds(*, at: dt.datetime | None = None, limit: int = 1000) -> int:
    """Expire pending orders past their hold (the periodic task and ``manage.py
    release_expired_holds``). Bounded per call; each order in its own short transaction."""
    at = at or now()
    ids = list(
        Order.objects.filter(status=Order.Status.PENDING, hold_expires_at__lte=at)
        .order_by("hold_expires_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for pk in ids if order_expire(pk, at=at))


def order_mark_paid(*, order: Order, payment: Payment, at: dt.datetime | None = None) -> None:
    """Caller holds the locks on ``order`` and ``payment`` and has checked the order is pending
    (with its stock held) — turn the hold into a sale and book the money."""
    from .common import record_paid_facts

    at = at or now()
    order.status = Order.Status.PAID
    order.paid_at = at
    order.hold_expires_at = None
    fields = ["status", "paid_at", "hold_expires_at"]
    if order.union_id is None and order.group_order_id is None:
        # Not looked up at booking (kept off the hot path): the buyer's union, for the facts.
        membership = _membership_of(order.user_id)
        if membership is not None:
            order.union = membership.union
            fields.append("union")
    order.save(update_fields=fields)
    Session.objects.filter(pk=order.session_id).update(sold=F("sold") + order.quantity)
    payment.status = Payment.Status.SUCCEEDED
    payment.succeeded_at = at
    payment.save(update_fields=["status", "succeeded_at"])
    merchant = order.merchant
    ledger.post(
        kind="payment",
        lines=payment_lines(
            provider=payment.provider,
            order=order,
            amount_fen=payment.amount_fen,
            commission_bp=merchant.commission_bp,
        ),
        memo=f"{order.number} {payment.provider}",
        order=order,
        payment=payment,
        merchant=merchant,
    )
    record_paid_facts(order)


def refund_amount(order: Order, *, at: dt.datetime | None = None) -> int:
    """What the product's rules give back now (raises Conflict when no refund is allowed)."""
    product = order.product
    at = at or now()
    if product.refund_rule == product.Refund.NONE:
        raise Conflict(_("该产品不支持退款。"), code="no_refund")
    cutoff = order.session.starts_at - dt.timedelta(hours=product.refund_cutoff_hours)
    if at > cutoff:
        raise Conflict(
            _("已过退款截止时间（开始前 %(h)s 小时）。") % {"h": product.refund_cutoff_hours},
            code="refund_closed",
        )
    fee = ledger.commission_of(order.amount_fen, product.refund_fee_bp) if product.refund_rule == "fee" else 0
    return order.amount_fen - fee


def order_refund(*, actor: Any, order: Order | int, reason: str = "") -> Order:
    """The buyer (or the merchant) refunds a paid, unused order by the product's rules."""
    with transaction.atomic():
        locked = _lock_order(order)
        is_owner = locked.user_id == getattr(actor, "pk", None)
        if not is_owner and locked.merchant_id not in merchant_ids(actor):
            raise NotFound()
        if locked.group_order_id and is_owner:
            raise Conflict(_("团体订单请由工会办理退款。"), code="group_order")
        if locked.status != Order.Status.PAID:
            raise Conflict(_("只有已支付且未使用的订单可以退款。"), code="not_refundable")
        if locked.tickets.filter(status=Ticket.Status.USED).exists():
            raise Conflict(_("订单中已有票被使用，不能退款。"), code="used")
        amount = refund_amount(locked)
        payment = locked.payments.select_for_update().filter(status=Payment.Status.SUCCEEDED).first()
        if payment is None:
            raise Conflict(_("未找到该订单的支付记录。"), code="no_payment")
        _refund_books(order=locked, payment=payment, amount=amount, memo=reason)
        locked.status = Order.Status.REFUNDED
        locked.refunded_fen = amount
        locked.closed_at = now()
        locked.save(update_fields=["status", "refunded_fen", "closed_at"])
        locked.tickets.update(status=Ticket.Status.VOID)
        release_stock(locked.session_id, locked.quantity, sold=True, order=locked)
        audit_record(actor=actor, action="tourism.order_refund", obj=locked, extra={"amount_fen": amount})
        fact_record(metric="tourism.refunds", union_id=int(locked.union_id or locked.merchant.host_union_id))
    return locked


def _refund_books(*, order: Order, payment: Payment, amount: int, memo: str = "") -> None:
    """Caller holds the locks. Ledger refund entry, payment state, the gateway call after commit."""
    lines = payment_lines(
        provider=payment.provider, order=order, amount_fen=amount, commission_bp=order.merchant.commission_bp
    )
    ledger.post(
        kind="refund",
        lines=[(account, -value) for account, value in lines],
        memo=f"{order.number} {memo}"[:200],
        order=order,
        payment=payment,
        merchant=order.merchant,
    )
    payment.refunded_fen = amount
    payment.status = Payment.Status.REFUNDED
    payment.save(update_fields=["refunded_fen", "status"])
    transaction.on_commit(
        bind(gateways.provider(payment.provider).refund, provider_ref=payment.provider_ref, amount_fen=amount)
    )


def ticket_scan(*, actor: Any, token: str) -> Ticket:
    """The merchant's gate marks an e-ticket used — once. Another merchant's ticket is 404."""
    token = (token or "").strip().removeprefix("YGT1.")
    ids = merchant_ids(actor)
    if not token or not ids:
        raise NotFound()
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update()
            .select_related("order")
            .filter(token=token, order__merchant_id__in=ids)
            .first()
        )
        if ticket is None:
            raise NotFound(_("未找到该电子票，或不属于本商户。"))
        order = ticket.order
        if ticket.status == Ticket.Status.USED:
            at = ticket.used_at.astimezone(SHANGHAI) if ticket.used_at else None
            raise Conflict(
                _("该票已于 %(t)s 使用过。") % {"t": f"{at:%m-%d %H:%M}" if at else "-"}, code="used"
            )
        if ticket.status != Ticket.Status.VALID or order.status not in (Order.Status.PAID, Order.Status.USED):
            raise Conflict(_("该票未支付、已退款或已作废。"), code="not_valid")
        ticket.status = Ticket.Status.USED
        ticket.used_at = now()
        ticket.used_by = actor
        ticket.save(update_fields=["status", "used_at", "used_by"])
        if not order.tickets.exclude(status=Ticket.Status.USED).exists():
            Order.objects.filter(pk=order.pk).update(status=Order.Status.USED)
        fact_record(
            metric="tourism.entries",
            union_id=int(order.union_id or order.merchant.host_union_id),
            dim="ticket",
        )
        audit_record(actor=actor, action="tourism.ticket_scan", obj=order, extra={"ticket": ticket.seq})
    return ticket


def local_date(value: dt.datetime) -> dt.date:
    return value.astimezone(SHANGHAI).date()


__all__ = [
    "order_place",
    "order_cancel",
    "order_expire",
    "release_expired_holds",
    "order_refund",
    "ticket_scan",
    "take_stock",
    "local_now",
]
