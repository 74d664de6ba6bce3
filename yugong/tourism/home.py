"""The worker home's "my things" card for tourism: the next valid ticket (one query)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from yugong.accounts.models import request_user

from .models import Order, Ticket


def next_ticket(request: HttpRequest) -> list[dict[str, Any]]:
    ticket = (
        Ticket.objects.filter(
            order__user=request_user(request),
            status=Ticket.Status.VALID,
            order__status=Order.Status.PAID,
            order__session__starts_at__gte=timezone.now(),
        )
        .select_related("order__session__product")
        .order_by("order__session__starts_at", "id")
        .first()
    )
    if ticket is None:
        return []
    session = ticket.order.session
    return [
        {
            "title": _("待使用的票：%(product)s") % {"product": session.product.title},
            "subtitle": f"{timezone.localtime(session.starts_at):%Y-%m-%d %H:%M}",
            "url": reverse("tourism:my_tickets"),
            "icon": "ticket",
        }
    ]
