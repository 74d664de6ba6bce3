"""Shared reads for tourism pages, API and exports (they own select_related/prefetch)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.errors import ValidationFailed
from yugong.core.images import srcset
from yugong.core.pii import blind_index
from yugong.core.timeutil import SHANGHAI, now
from yugong.core.validators import clean_text, normalize_phone

from . import seatmap
from .access import merchant_scope, platform_scope
from .models import (
    AnnualPass,
    GroupOrder,
    Merchant,
    MerchantStaff,
    Order,
    PassBatch,
    PassEntry,
    PassSpot,
    Product,
    ProductPicture,
    ReviewStatus,
    SeatHold,
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
        .prefetch_related(_pictures())
        .order_by("-id")
    )
    if kind:
        qs = qs.filter(kind=kind)
    if district:
        qs = qs.filter(district=district)
    for term in "".join(ch for ch in clean_text(q) if ch.isprintable()).split()[:5]:
        qs = qs.filter(Q(search_text__icontains=term) | Q(title__icontains=term))
    return qs


def _pictures() -> Prefetch:
    # One query for the pictures of a whole page of products (product.pictures_list, in order).
    return Prefetch("picture_set", queryset=ProductPicture.objects.order_by("id"), to_attr="pictures_list")


def product_picture_urls(product: Product) -> list[str]:
    """Uploaded pictures first (their storage URLs), then any picture addresses typed in before
    uploads existed. Uses the prefetched list when the product came from a selector here."""
    uploaded = getattr(product, "pictures_list", None)
    if uploaded is None:
        uploaded = list(product.picture_set.order_by("id"))
    return [p.image.url for p in uploaded] + [str(x) for x in product.pictures or []]


def product_pictures(product: Product) -> list[dict[str, Any]]:
    """What an ``<img>`` needs for each picture, in the order of :func:`product_picture_urls`:
    ``url``, ``srcset`` (renditions made on upload), ``width`` and ``height`` (0 when unknown:
    addresses typed in before uploads existed, or a file the migration could not read)."""
    uploaded = getattr(product, "pictures_list", None)
    if uploaded is None:
        uploaded = list(product.picture_set.order_by("id"))
    out = [
        {
            "url": p.image.url,
            "srcset": srcset(p.image.name, p.width, p.renditions) if p.renditions and p.width else "",
            "width": p.width,
            "height": p.height,
        }
        for p in uploaded
    ]
    return out + [{"url": str(x), "srcset": "", "width": 0, "height": 0} for x in product.pictures or []]


def user_by_login(login: Any, *, field: str = "login") -> User:
    """A signed-up user by mobile number (any usual spelling: spaces, +86) or by username. The
    error names ``field`` and says which was tried."""
    text = clean_text(login)
    if not text:
        raise ValidationFailed(fields={field: _("请填写手机号或用户名。")})
    try:
        phone = normalize_phone(text, field=field)
    except ValidationFailed:
        phone = ""
    user = None
    if phone:
        user = User.objects.filter(phone_index=blind_index("phone", phone)).first()
    if user is None:
        user = User.objects.filter(username=text[:150]).first()
    if user is None:
        if phone:
            raise ValidationFailed(
                fields={field: _("该手机号还没有在平台登录过，请对方先用手机号登录一次。")}
            )
        raise ValidationFailed(fields={field: _("未找到该用户名的账号。")})
    return user


def merchant_staff(merchant: Merchant) -> QuerySet[MerchantStaff]:
    """A merchant's staff rows (active first, then by when they were added), with their users.
    Callers have checked access (services.staff.access_merchant_admin)."""
    return MerchantStaff.objects.filter(merchant=merchant).select_related("user").order_by("-active", "pk")


def live_sessions() -> QuerySet[Session]:
    """Sessions on sale now: active, not started, of a reviewed product of a live merchant."""
    return Session.objects.select_related("product__merchant").filter(
        active=True,
        starts_at__gt=now(),
        product__status=ReviewStatus.APPROVED,
        product__merchant__status=ReviewStatus.APPROVED,
    )


def seat_grid(session: Session) -> list[list[dict[str, Any] | None]]:
    """A mapped session's seats as rows (front first) of ``{"key", "label", "taken"}``, ``None``
    for a gap; taken = held by a pending or paid order. One query whatever the size of the hall."""
    taken = set(SeatHold.objects.filter(session=session).values_list("seat", flat=True))
    return [
        [{"key": s.key, "label": s.label, "taken": s.key in taken} if s else None for s in row]
        for row in seatmap.grid(session.seat_rows)
    ]


def free_seats(rows: list[list[dict[str, Any] | None]]) -> int:
    """How many seats of a ``seat_grid`` are not taken."""
    return sum(1 for row in rows for seat in row if seat and not seat["taken"])


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
    return (
        merchant_scope(Product.objects.filter(merchant_id=merchant_id), user)
        .prefetch_related(_pictures())
        .order_by("-id")
    )


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
    qs = (
        platform_scope(
            Product.objects.select_related("merchant"), user, path_field="merchant__host_union__path"
        )
        .prefetch_related(_pictures())
        .order_by("-id")
    )
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


# --- Annual-pass spots ----------------------------------------------------------------------


def gate_spots(merchant_id: int) -> QuerySet[PassSpot]:
    """The merchant's spots where a pass can be verified now (approved and active)."""
    return PassSpot.objects.filter(
        merchant_id=merchant_id, status=ReviewStatus.APPROVED, active=True
    ).order_by("pk")


def pass_spots(*, q: str = "", region: str = "", district: str = "") -> QuerySet[PassSpot]:
    """What a pass holder may visit: approved, active spots of live merchants, searchable by name,
    district, address or summary, and filterable by 川渝 tag and district."""
    qs = PassSpot.objects.filter(
        status=ReviewStatus.APPROVED, active=True, merchant__status=ReviewStatus.APPROVED
    ).select_related("merchant")
    q = (q or "").strip()[:60]
    if q:
        qs = qs.filter(
            Q(name__icontains=q)
            | Q(district__icontains=q)
            | Q(address__icontains=q)
            | Q(summary__icontains=q)
        )
    if region:
        qs = qs.filter(region=region)
    if district:
        qs = qs.filter(district=district)
    return qs.order_by("region", "district", "name", "pk")


def merchant_pass_spots(user: Any, merchant_id: int) -> QuerySet[PassSpot]:
    return merchant_scope(PassSpot.objects.filter(merchant_id=merchant_id), user).order_by("-pk")


def platform_pass_spots(user: Any, status: str = "") -> QuerySet[PassSpot]:
    qs = platform_scope(
        PassSpot.objects.select_related("merchant", "applied_by"),
        user,
        path_field="merchant__host_union__path",
    ).order_by("-pk")
    return qs.filter(status=status) if status else qs
