"""Who may reach what in tourism — the one place that decides.

* Merchant staff (``MerchantStaff`` rows) reach only their own merchant and everything hanging on it:
  :func:`merchant_scope` narrows a queryset, :func:`access_merchant` / :func:`access_merchant_object`
  fetch one object and raise the same ``NotFound`` whether it is missing or another merchant's
  (404, never 403 — like ``yugong.orgs.access``).
* Platform staff are union staff holding a role at (or above) a merchant's ``host_union``; they
  review merchants and products and run settlement. This goes through the orgs access layer
  (``scope_filter`` on ``host_union__path``).
* Union staff buy group orders and passes for their own union through ``require_role``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from django.db.models import Model, QuerySet

from yugong.core.errors import NotFound
from yugong.orgs.access import scope_filter

from .models import Merchant, MerchantStaff

M = TypeVar("M", bound=Model)

# Who runs the platform side (review, settlement) at a merchant's host union or above.
PLATFORM_ROLES = frozenset({"chair", "vice_chair", "staff", "finance"})
# Who may record payouts.
FINANCE_ROLES = frozenset({"chair", "finance"})
# Union staff who may ask for group orders and pass purchases; the chair approves the spend.
UNION_BUYER_ROLES = frozenset({"chair", "vice_chair", "staff", "finance"})
APPROVER_ROLES = frozenset({"chair"})


def staff_rows(user_id: int) -> QuerySet[MerchantStaff]:
    """The staff rows that give ``user_id`` a merchant: the one definition :func:`merchant_ids` and
    the one-statement :func:`access_merchant_object` both read."""
    return MerchantStaff.objects.filter(user_id=user_id, active=True)


def may_staff(user: Any) -> bool:
    return (
        user is not None
        and bool(getattr(user, "is_authenticated", False))
        and bool(getattr(user, "is_active", False))
    )


def merchant_ids(user: Any, roles: Iterable[str] | None = None) -> list[int]:
    """The merchants ``user`` works for (active staff rows), cached on the user object."""
    if not may_staff(user):
        return []
    cache: dict[str, list[tuple[int, str]]] | None = getattr(user, "_yugong_merchants", None)
    if cache is None:
        rows = list(staff_rows(user.pk).values_list("merchant_id", "role"))
        cache = {"rows": rows}
        user._yugong_merchants = cache
    wanted = None if roles is None else set(roles)
    return sorted({mid for mid, role in cache["rows"] if wanted is None or role in wanted})


def forget_merchants(user: Any) -> None:
    if user is not None and hasattr(user, "_yugong_merchants"):
        del user._yugong_merchants


def is_merchant_staff(user: Any) -> bool:
    return bool(merchant_ids(user))


def merchant_scope(qs: QuerySet[M], user: Any, *, field: str = "merchant_id") -> QuerySet[M]:
    """Only the rows of ``user``'s merchants; no merchant, no rows."""
    ids = merchant_ids(user)
    if not ids:
        return qs.none()
    return qs.filter(**{f"{field}__in": ids})


def _pk(value: Any) -> int:
    if isinstance(value, bool) or value is None:
        raise NotFound()
    try:
        return int(value)
    except (TypeError, ValueError):
        raise NotFound() from None


def access_merchant(user: Any, merchant_id: Any) -> Merchant:
    pk = _pk(merchant_id)
    if pk not in merchant_ids(user):
        raise NotFound()
    try:
        return Merchant.objects.get(pk=pk)
    except Merchant.DoesNotExist:
        raise NotFound() from None


def access_merchant_object(qs: QuerySet[M], user: Any, pk: Any, *, field: str = "merchant_id") -> M:
    """One object of ``user``'s merchants (NotFound otherwise). When the user's merchants are not
    read yet in this request, the staff rows are a subquery of the same statement (one round trip
    instead of two, issue 19: the gate's pass verification); the twin test checks both forms."""
    pk = _pk(pk)
    if getattr(user, "_yugong_merchants", None) is None and may_staff(user):
        mine = staff_rows(user.pk).values("merchant_id")
        obj = qs.filter(**{f"{field}__in": mine}).filter(pk=pk).first()
    else:
        obj = merchant_scope(qs, user, field=field).filter(pk=pk).first()
    if obj is None:
        raise NotFound()
    return obj


def platform_scope(qs: QuerySet[M], user: Any, *, path_field: str = "host_union__path") -> QuerySet[M]:
    return scope_filter(qs, user, path_field=path_field, roles=PLATFORM_ROLES)


def access_platform_merchant(
    user: Any, merchant_id: Any, *, roles: Iterable[str] = PLATFORM_ROLES
) -> Merchant:
    try:
        return scope_filter(Merchant.objects.all(), user, path_field="host_union__path", roles=roles).get(
            pk=_pk(merchant_id)
        )
    except Merchant.DoesNotExist:
        raise NotFound() from None
