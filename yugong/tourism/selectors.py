"""Shared reads for tourism pages, API and exports (they own select_related/prefetch)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from yugong.core.timeutil import SHANGHAI, now
from yugong.core.validators import clean_text

from .access import merchant_scope, platform_scope
from .models import (
    AnnualPass,
    GroupOrder,
    Merchant,
    Order,
    PassBatch,
    PassEntry,
    Product,
    ReviewStatus,
    Session,
    Statement,
    Ticket,
)


def live_products(
    *, q: str = "", kind: str = "", district: str = "", day: dt.date | None = None
) -> QuerySet[Product]:
    """Live products (reviewed, merchant live) with a future open session; Chinese search matches
    any whitespace-separated term in title, summary, district or merchant name (substring)."""
    sessions = Session.objects.filter(product=OuterRef("pk"), active=True, starts_at__gt=now())
    if day is not None:
        lo = dt.datetime.combine(day, dt.time.min, tzinfo=SHANGHAI)
        sessions = sessions.filter(starts_at__gte=lo, starts_at__lt=lo + dt.timedelta(days=1))
    qs = (
        Product.objects.filter(status=ReviewStatus.APPROVED, merchant__status=ReviewStatus.APPROVED)
        .filter(Exists(sessions))
        .select_related("merchant")
        .order_by("-id")
    )
    if kind:
        qs = qs.filter(kind=kind)
    if district:
        qs = qs.filter(district=district)
    for term in "".join(ch for ch in clean_text(q) if ch.isprintable()).split()[:5]:
        qs = qs.filter(Q(search_text__icontains=term) | Q(title__icontains=term))
    return qs


def product_sessions(product: Product) -> list[Session]:
    return list(product.sessions.filter(active=True, starts_at__gt=now()).order_by("starts_at")[:60])


def my_orders(user: Any) -> QuerySet[Order]:
    return (
        Order.objects.filter(user_id=user.pk)
        .select_related("product", "session", "merchant")
        .prefetch_related("tickets")
        .order_by("-id")
    )


def my_group_tickets(user: Any) -> list[Ticket]:
    """Tickets of group orders made out to the user (someone else bought them)."""
    return list(
        Ticket.objects.filter(holder_user_id=user.pk, order__group_order__isnull=False)
        .exclude(order__user_id=user.pk)
        .select_related("order__product", "order__session")
        .order_by("-id")[:50]
    )


def my_pass(user: Any, year: int) -> AnnualPass | None:
    return (
        AnnualPass.objects.filter(person__user_id=user.pk, year=year, status=AnnualPass.Status.ACTIVE)
        .select_related("batch__union")
        .first()
    )


def merchant_orders(user: Any, merchant_id: int) -> QuerySet[Order]:
    return (
        merchant_scope(Order.objects.filter(merchant_id=merchant_id), user)
        .select_related("product", "session", "user")
        .order_by("-id")
    )


def merchant_products(user: Any, merchant_id: int) -> QuerySet[Product]:
    return merchant_scope(Product.objects.filter(merchant_id=merchant_id), user).order_by("-id")


def merchant_statements(user: Any, merchant_id: int) -> QuerySet[Statement]:
    return merchant_scope(Statement.objects.filter(merchant_id=merchant_id), user).order_by("-period_start")


def merchant_entries(user: Any, merchant_id: int) -> QuerySet[PassEntry]:
    return (
        merchant_scope(
            PassEntry.objects.filter(spot__merchant_id=merchant_id), user, field="spot__merchant_id"
        )
        .select_related("spot", "annual_pass")
        .order_by("-id")
    )


def platform_merchants(user: Any, status: str = "") -> QuerySet[Merchant]:
    qs = platform_scope(Merchant.objects.select_related("host_union"), user).order_by("-id")
    return qs.filter(status=status) if status else qs


def platform_products(user: Any, status: str = "") -> QuerySet[Product]:
    qs = platform_scope(
        Product.objects.select_related("merchant"), user, path_field="merchant__host_union__path"
    ).order_by("-id")
    return qs.filter(status=status) if status else qs


def platform_statements(user: Any) -> QuerySet[Statement]:
    return platform_scope(
        Statement.objects.select_related("merchant"), user, path_field="merchant__host_union__path"
    ).order_by("-id")


def union_group_orders(user: Any) -> QuerySet[GroupOrder]:
    from yugong.orgs.access import scope_filter

    return scope_filter(
        GroupOrder.objects.select_related("union", "session__product", "requested_by"), user
    ).order_by("-id")


def union_pass_batches(user: Any) -> QuerySet[PassBatch]:
    from yugong.orgs.access import scope_filter

    return scope_filter(PassBatch.objects.select_related("union", "requested_by"), user).order_by("-id")
