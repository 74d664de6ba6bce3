"""The merchant's gate: scanning e-tickets."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from yugong.core.audit import audit_record
from yugong.core.errors import Conflict, NotFound
from yugong.core.facts import fact_record
from yugong.core.timeutil import SHANGHAI, now

from ..access import merchant_ids
from ..models import Order, Ticket


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
