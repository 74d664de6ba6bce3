"""Orders: place (hold stock), cancel, expire holds, turn a hold into a sale.

The one-statement PostgreSQL path is ``order_sql``; stock and seats ``stock``; refunds ``refunds``;
the gate ``gate``.

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
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, F, OuterRef, Sum
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.accounts.system import system_actor
from yugong.core.audit import audit_record
from yugong.core.errors import ApplicationError, Conflict, NotFound, PermissionDenied, ValidationFailed
from yugong.core.timeutil import SHANGHAI, local_today, now
from yugong.funds import ledger
from yugong.members.models import Membership

from .. import seatmap
from ..models import Order, Payment, Product, Session, Ticket
from .common import family_limit, hold_minutes, new_number, payment_lines
from .order_rules import ORDER_PLACE_ACTION, refuse_unorderable, sold_out
from .order_sql import fast_sql_enabled, place_one_statement
from .stock import hold_seats, release_stock, take_stock

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
    actor: User,
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
    after authentication (``order_sql.place_one_statement``); elsewhere it is read the session, INSERT the
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
    actor: User,
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
    if connection.vendor == "postgresql" and not naive and not seats and fast_sql_enabled():
        placed = place_one_statement(actor, sid, quantity, key, names)
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
    if session is None:
        raise NotFound()
    product = session.product
    refuse_unorderable(
        active=session.active,
        product_status=product.status,
        merchant_status=product.merchant.status,
        starts_at=session.starts_at,
        at=now(),
    )
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
        audit_record(
            actor=actor,
            action=ORDER_PLACE_ACTION,
            obj=order,
            extra={"session": session.pk, "quantity": quantity},
        )
        # Last statement: the hot row is locked only from here to COMMIT.
        if not take_stock(session.pk, quantity, _unsafe_naive=naive):
            raise sold_out()
    return order, True


def _lock_order(order: Order | int) -> Order:
    pk = order.pk if isinstance(order, Order) else order
    locked = Order.objects.select_for_update().filter(pk=pk).first()
    if locked is None:
        raise NotFound()
    return locked


def _close_open_payments(order: Order, status: str) -> None:
    order.payments.filter(status=Payment.Status.PENDING).update(status=status)


def order_cancel(*, actor: User, order: Order | int) -> Order:
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
        audit_record(actor=actor, action="tourism.order_cancel", obj=locked)
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
        audit_record(actor=system_actor(), action="tourism.order_expire", obj=locked)
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
        external_ref=payment.provider_ref,
        merchant=merchant,
    )
    record_paid_facts(order)
