"""Payments: start one with a provider, handle the gateway's signed notifications.

* :func:`payment_start` writes the pending ``Payment`` in a short transaction, then asks the
  provider (a network call for a real gateway) *outside* it.
* :func:`payment_notify` is safe to call any number of times, in any order, late: a notification
  is recorded once per (provider, event id); a payment already settled is not settled again; a
  success that arrives after the hold expired re-takes the stock when it can and otherwise refunds
  at once (never oversells).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.accounts.system import system_actor
from yugong.core.audit import audit_record
from yugong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from yugong.core.timeutil import now

from .. import gateways
from ..access import merchant_ids
from ..models import Order, Payment, PaymentNotification, Ticket
from .orders import _lock_order, order_mark_paid
from .refunds import _refund_books
from .stock import take_stock


def payment_start(
    *, actor: User, order: Order | int, provider: str | None = None, client_ip: str = ""
) -> tuple[Payment, str]:
    """Open a payment for a pending order with the configured gateway (``PAYMENT_GATEWAY``);
    returns (payment, the URL to send the payer to)."""
    provider = provider or gateways.worker_gateway()
    if provider not in gateways.worker_providers():
        raise ValidationFailed(fields={"provider": _("不支持的支付方式。")})
    with transaction.atomic():
        locked = _lock_order(order)
        if locked.user_id != getattr(actor, "pk", None):
            raise NotFound()
        if locked.status != Order.Status.PENDING or (
            locked.hold_expires_at and locked.hold_expires_at <= now()
        ):
            raise Conflict(_("订单已超时或已处理，不能支付。"), code="not_pending")
        payment = Payment.objects.create(
            order=locked,
            provider=provider,
            provider_ref=f"{provider}_{secrets.token_hex(12)}",
            amount_fen=locked.amount_fen,
            expires_at=locked.hold_expires_at,
        )
        audit_record(
            actor=actor,
            action="tourism.payment_start",
            obj=locked,
            extra={"payment": payment.provider_ref, "amount_fen": payment.amount_fen},
        )
    # Outside the transaction: a real gateway is a network call.
    result = gateways.provider(provider).create(
        provider_ref=payment.provider_ref,
        amount_fen=payment.amount_fen,
        subject=locked.number,
        payer=gateways.Payer(client_ip=client_ip),
    )
    return payment, result.pay_url


def payment_notify(
    *, provider: str, body: bytes, signature: str = "", headers: Mapping[str, str] | None = None
) -> str:
    """Handle one gateway notification; returns what happened (also kept on the notification)."""
    if provider not in gateways.PROVIDERS:
        raise NotFound()
    # The gateway's signature travels in headers (WeChat Pay: Wechatpay-Timestamp, -Nonce,
    # -Signature, -Serial; the simulator: X-Signature).
    signed = dict(headers or {})
    if signature:
        signed["X-Signature"] = signature
    notice = gateways.provider(provider).parse(body=body, headers=signed)
    if notice is None:
        with transaction.atomic():
            bad = PaymentNotification.objects.create(
                provider=provider,
                event_id="",
                payload={"raw": body[:2000].decode(errors="replace")},
                outcome="bad_signature",
            )
            audit_record(
                actor=system_actor(),
                action="tourism.payment_notify",
                obj=bad,
                extra={"outcome": "bad_signature"},
            )
        raise PermissionDenied(_("支付通知签名无效。"), code="bad_signature")
    with transaction.atomic():
        try:
            with transaction.atomic():
                note = PaymentNotification.objects.create(
                    provider=provider,
                    event_id=notice.event_id,
                    provider_ref=notice.provider_ref,
                    payload=notice.payload,
                    signature_ok=True,
                )
        except IntegrityError:
            return "duplicate"
        outcome = _apply(notice)
        note.outcome = outcome
        note.save(update_fields=["outcome"])
        # The system handles the gateway's call: the row names the provider and what happened.
        audit_record(
            actor=system_actor(),
            action="tourism.payment_notify",
            obj=note,
            extra={"provider": provider, "ref": notice.provider_ref, "outcome": outcome},
        )
    return outcome


def _apply(notice: gateways.Notice) -> str:
    payment = Payment.objects.select_for_update().filter(provider_ref=notice.provider_ref).first()
    if payment is None:
        return "unknown_payment"
    if payment.status in (Payment.Status.SUCCEEDED, Payment.Status.REFUNDED):
        return "already_settled"
    if notice.status == "failed":
        if payment.status == Payment.Status.PENDING:
            payment.status = Payment.Status.FAILED
            payment.save(update_fields=["status"])
            return "failed"
        return "ignored"
    if notice.amount_fen != payment.amount_fen:
        payment.note = f"amount mismatch: notified {notice.amount_fen}"
        payment.save(update_fields=["note"])
        return "amount_mismatch"
    order = _lock_order(payment.order_id)
    if order.status == Order.Status.PENDING:
        order_mark_paid(order=order, payment=payment)
        return "paid"
    if order.status in (Order.Status.EXPIRED, Order.Status.CANCELLED) and take_stock(
        order.session_id, order.quantity
    ):
        # Late but the seats are still there: take them again and honour the payment.
        order.tickets.update(status=Ticket.Status.VALID)
        order.closed_at = None
        order_mark_paid(order=order, payment=payment)
        return "paid_late"
    # Late and sold out, or the order was already paid through another payment: the money was
    # taken, so book it and give it straight back.
    payment.status = Payment.Status.SUCCEEDED
    payment.succeeded_at = now()
    payment.save(update_fields=["status", "succeeded_at"])
    from yugong.funds import ledger

    from .common import payment_lines

    ledger.post(
        kind="payment",
        lines=payment_lines(
            provider=payment.provider,
            order=order,
            amount_fen=payment.amount_fen,
            commission_bp=order.merchant.commission_bp,
        ),
        memo=f"{order.number} late",
        order=order,
        payment=payment,
        external_ref=payment.provider_ref,
        merchant=order.merchant,
    )
    _refund_books(order=order, payment=payment, amount=payment.amount_fen, memo="auto refund (late)")
    return "late_refunded"


def payment_confirm_venue(*, actor: User, order: Order | int) -> Order:
    """The merchant took the money at the venue (the offline provider)."""
    with transaction.atomic():
        locked = _lock_order(order)
        if locked.merchant_id not in merchant_ids(actor):
            raise NotFound()
        if locked.status != Order.Status.PENDING:
            raise Conflict(_("只有待支付的订单可以现场收款。"), code="not_pending")
        if locked.hold_expires_at and locked.hold_expires_at <= now():
            raise Conflict(_("订单已超时，名额已释放。"), code="expired")
        payment = Payment.objects.create(
            order=locked,
            provider="venue",
            provider_ref=f"venue_{secrets.token_hex(12)}",
            amount_fen=locked.amount_fen,
        )
        order_mark_paid(order=locked, payment=payment)
        audit_record(actor=actor, action="tourism.payment_venue", obj=locked)
    return locked
