"""Refunds of paid orders by the product's rules: the ledger entry, the payment, the gateway."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.accounts.system import system_actor
from yugong.core.audit import audit_record
from yugong.core.errors import Conflict, NotFound
from yugong.core.facts import fact_record
from yugong.core.money import format_fen
from yugong.core.timeutil import now
from yugong.funds import ledger

from .. import gateways
from ..access import merchant_ids
from ..models import GroupOrder, Order, Payment, Ticket
from .budget import budget_refund
from .common import bind, payment_lines
from .orders import _lock_order
from .stock import release_stock


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


def _refund_check(order: Order, *, is_owner: bool) -> int:
    """Every refusal of a refund, then the amount: the one rule behind ``order_refund`` (on the
    locked row) and ``refund_quote`` (the buyer's confirmation page, before anything is locked)."""
    if order.group_order_id and is_owner:
        raise Conflict(_("团体订单请由工会办理退款。"), code="group_order")
    if order.status != Order.Status.PAID:
        raise Conflict(_("只有已支付且未使用的订单可以退款。"), code="not_refundable")
    if order.tickets.filter(status=Ticket.Status.USED).exists():
        raise Conflict(_("订单中已有票被使用，不能退款。"), code="used")
    return refund_amount(order)


@dataclass(frozen=True)
class RefundQuote:
    """What a refund of the order gives back if confirmed now, or why there is none."""

    paid_fen: int
    fee_fen: int
    amount_fen: int
    cutoff: dt.datetime
    problem: str = ""

    @property
    def allowed(self) -> bool:
        return not self.problem


def refund_quote(order: Order) -> RefundQuote:
    """The buyer's own order (the caller fetched it through ``my_orders``): paid amount, fee,
    refund and deadline, or the reason a refund is refused — by ``order_refund``'s own checks."""
    product = order.product
    cutoff = order.session.starts_at - dt.timedelta(hours=product.refund_cutoff_hours)
    try:
        amount = _refund_check(order, is_owner=True)
    except Conflict as exc:
        return RefundQuote(
            paid_fen=order.amount_fen, fee_fen=0, amount_fen=0, cutoff=cutoff, problem=str(exc.message)
        )
    return RefundQuote(
        paid_fen=order.amount_fen, fee_fen=order.amount_fen - amount, amount_fen=amount, cutoff=cutoff
    )


def order_refund(
    *, actor: User, order: Order | int, reason: str = "", expected_fen: int | None = None
) -> Order:
    """The buyer (or the merchant) refunds a paid, unused order by the product's rules.

    ``expected_fen`` is the amount the buyer confirmed (the H5 confirmation page): when the
    rules now give a different amount (the merchant changed the fee), nothing is refunded and the
    Conflict names the new amount, so the buyer confirms again."""
    with transaction.atomic():
        locked = _lock_order(order)
        is_owner = locked.user_id == getattr(actor, "pk", None)
        if not is_owner and locked.merchant_id not in merchant_ids(actor):
            raise NotFound()
        amount = _refund_check(locked, is_owner=is_owner)
        if expected_fen is not None and expected_fen != amount:
            raise Conflict(
                _("退款金额已变为 %(amount)s，请重新确认。") % {"amount": format_fen(amount)},
                code="refund_changed",
            )
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
        external_ref=payment.provider_ref,
        merchant=order.merchant,
    )
    payment.refunded_fen = amount
    payment.status = Payment.Status.REFUNDED
    payment.save(update_fields=["refunded_fen", "status"])
    if payment.provider == "union_funds" and order.group_order_id is not None:
        # A group order paid from a budget line: the money goes back to the line.
        commitment_id = (
            GroupOrder.objects.filter(pk=order.group_order_id).values_list("commitment_id", flat=True).first()
        )
        budget_refund(actor=system_actor(), commitment_id=commitment_id, amount_fen=amount, memo=order.number)
    transaction.on_commit(
        bind(
            gateways.provider(payment.provider).refund,
            provider_ref=payment.provider_ref,
            amount_fen=amount,
            total_fen=payment.amount_fen,
        )
    )
