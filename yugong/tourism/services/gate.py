"""The merchant's gate: scanning e-tickets.

A ticket is admitted once, on its session's day, inside the product's admission window
(``admit_before_minutes`` before the start to ``admit_after_minutes`` after it). Every refusal says
why (wrong day, too early, too late, used, refunded, cancelled, unpaid) and carries the ticket, so
the gate can show the session, its date, the seat and the holder beside the reason
(:class:`GateRefused`). An annual-pass code scanned as a ticket says what it is instead of "not
found".
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import dateformat
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.audit import audit_record
from yugong.core.errors import Conflict, NotFound
from yugong.core.facts import fact_record
from yugong.core.timeutil import SHANGHAI, now

from ..access import merchant_ids
from ..models import Order, PassSpot, Ticket

TICKET_PREFIX = "YGT1."
PASS_PREFIX = "YGP1."  # noqa: S105  (a QR prefix, not a secret)


class GateRefused(Conflict):
    """A found ticket that may not enter now; ``ticket`` (with its order, session and product) is
    what the gate shows beside the reason."""

    def __init__(self, message: Any, *, code: str, ticket: Ticket) -> None:
        super().__init__(message, code=code)
        self.ticket = ticket


def local_date(value: dt.datetime) -> dt.date:
    return value.astimezone(SHANGHAI).date()


def when(value: dt.datetime) -> str:
    """A session's start as the gate shows it (``12月07日 19:30`` / ``Dec 07 19:30``)."""
    return dateformat.format(value.astimezone(SHANGHAI), _("m月d日 H:i"))


def admission_window(ticket: Ticket) -> tuple[dt.datetime, dt.datetime]:
    """From when to when a ticket of this session may enter."""
    starts = ticket.order.session.starts_at
    product = ticket.order.product
    return (
        starts - dt.timedelta(minutes=product.admit_before_minutes),
        starts + dt.timedelta(minutes=product.admit_after_minutes),
    )


def check_admission(ticket: Ticket, *, at: dt.datetime) -> None:
    """Raise :class:`GateRefused` with the reason when ``ticket`` may not enter at ``at``."""
    order = ticket.order
    if ticket.status == Ticket.Status.USED:
        used = when(ticket.used_at) if ticket.used_at else "-"
        raise GateRefused(_("该票已于 %(t)s 使用过。") % {"t": used}, code="used", ticket=ticket)
    if order.status == Order.Status.REFUNDED:
        raise GateRefused(_("该票已退款，不能入场。"), code="refunded", ticket=ticket)
    if order.status in (Order.Status.CANCELLED, Order.Status.EXPIRED):
        raise GateRefused(_("该订单已取消或超时未支付，票已作废。"), code="cancelled", ticket=ticket)
    if order.status == Order.Status.PENDING:
        raise GateRefused(_("该订单尚未支付，不能入场。"), code="not_paid", ticket=ticket)
    if ticket.status != Ticket.Status.VALID or order.status not in (Order.Status.PAID, Order.Status.USED):
        raise GateRefused(_("该票已作废。"), code="not_valid", ticket=ticket)
    opens, closes = admission_window(ticket)
    starts = order.session.starts_at
    if at < opens or at > closes:
        if local_date(at) != local_date(starts):
            raise GateRefused(
                _("日期不符：该票为 %(s)s 的场次，今天（%(d)s）不能入场。")
                % {"s": when(starts), "d": dateformat.format(at.astimezone(SHANGHAI), _("m月d日"))},
                code="wrong_day",
                ticket=ticket,
            )
        if at < opens:
            raise GateRefused(
                _("未到入场时间：%(s)s 开始，%(o)s 起可入场。")
                % {"s": when(starts), "o": dateformat.format(opens.astimezone(SHANGHAI), "H:i")},
                code="too_early",
                ticket=ticket,
            )
        raise GateRefused(
            _("已过入场时间：%(s)s 开始，入场截至 %(c)s。")
            % {"s": when(starts), "c": dateformat.format(closes.astimezone(SHANGHAI), "H:i")},
            code="too_late",
            ticket=ticket,
        )


def _refuse_pass_code(ids: list[int]) -> None:
    if PassSpot.objects.filter(merchant_id__in=ids, active=True).exists():
        raise Conflict(_("这是年票二维码，请在“年票核验”中选择景点后核验。"), code="pass_code")
    raise Conflict(_("这是年票二维码，本商户没有参与年票的景点，不能核验年票。"), code="no_pass_spot")


def ticket_scan(*, actor: User, token: str, at: dt.datetime | None = None) -> Ticket:
    """The merchant's gate marks an e-ticket used — once, on its day, inside the admission window.
    Another merchant's ticket is 404; a refusal raises :class:`GateRefused` (409) with the reason."""
    raw = (token or "").strip()
    ids = merchant_ids(actor)
    if not raw or not ids:
        raise NotFound()
    if raw.startswith(PASS_PREFIX):
        _refuse_pass_code(ids)
    token = raw.removeprefix(TICKET_PREFIX)
    at = at or now()
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("order__session", "order__product")
            .filter(token=token, order__merchant_id__in=ids)
            .first()
        )
        if ticket is None:
            raise NotFound(_("未找到该电子票，或不属于本商户。"))
        check_admission(ticket, at=at)
        order = ticket.order
        ticket.status = Ticket.Status.USED
        ticket.used_at = at
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
