"""A merchant's staff accounts, managed by the merchant's own admin (an active 负责人/owner) or by
platform staff over the merchant. Another merchant's staff are "not found" (404), like missing ones;
staff of the same merchant who are not its admin are refused (403)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.audit import audit_record
from yugong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed

from ..access import _pk, access_platform_merchant, forget_merchants, merchant_ids
from ..models import Merchant, MerchantStaff
from ..selectors import user_by_login

OWNER = MerchantStaff.Role.OWNER


def access_merchant_admin(actor: User, merchant_id: Any) -> Merchant:
    """The merchant ``actor`` may manage the staff of (its active owner, or platform staff)."""
    pk = _pk(merchant_id)
    if pk in merchant_ids(actor, roles={OWNER}):
        try:
            return Merchant.objects.get(pk=pk)
        except Merchant.DoesNotExist:
            raise NotFound() from None
    if pk in merchant_ids(actor):
        raise PermissionDenied(_("只有商户负责人可以管理员工账号。"))
    return access_platform_merchant(actor, pk)


def _role(value: Any) -> str:
    if value not in MerchantStaff.Role.values:
        raise ValidationFailed(fields={"role": _("请选择岗位：负责人、店员或检票员。")})
    return str(value)


def _lock_staff(merchant: Merchant, staff_id: Any) -> MerchantStaff:
    row = (
        MerchantStaff.objects.select_for_update()
        .select_related("user")
        .filter(merchant=merchant, pk=_pk(staff_id))
        .first()
    )
    if row is None:
        raise NotFound()
    return row


def _keep_an_owner(merchant: Merchant, leaving: MerchantStaff) -> None:
    """Caller holds the lock on ``leaving``; the merchant's staff rows are locked here so two
    admins cannot demote each other at once and leave nobody in charge."""
    owners = list(
        MerchantStaff.objects.select_for_update()
        .filter(merchant=merchant, role=OWNER, active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if owners == [leaving.pk]:
        raise Conflict(_("商户至少要保留一名有效的负责人。"), code="last_owner")


@transaction.atomic
def merchant_staff_add(
    *, actor: User, merchant_id: Any, login: str = "", user: Any = None, role: Any = "staff"
) -> MerchantStaff:
    """Add (or re-activate) a staff account by mobile number or username. The person must have
    signed in to the platform once (workers sign in by SMS)."""
    merchant = access_merchant_admin(actor, merchant_id)
    role = _role(role)
    if user is None:
        user = user_by_login(login, field="login")
    if not user.is_active:
        raise ValidationFailed(fields={"login": _("该账号已停用，不能添加为员工。")})
    staff, created = MerchantStaff.objects.update_or_create(
        merchant=merchant, user=user, defaults={"role": role, "active": True}
    )
    forget_merchants(user)
    audit_record(
        actor=actor,
        action="tourism.merchant_staff_add",
        obj=merchant,
        union_id=merchant.host_union_id,
        extra={"user": user.pk, "role": role, "staff": staff.pk, "created": created},
    )
    return staff


@transaction.atomic
def merchant_staff_set_role(*, actor: User, merchant_id: Any, staff_id: Any, role: Any) -> MerchantStaff:
    merchant = access_merchant_admin(actor, merchant_id)
    role = _role(role)
    staff = _lock_staff(merchant, staff_id)
    if staff.role == role:
        return staff
    if staff.role == OWNER and staff.active:
        _keep_an_owner(merchant, staff)
    before = staff.role
    staff.role = role
    staff.save(update_fields=["role"])
    forget_merchants(staff.user)
    audit_record(
        actor=actor,
        action="tourism.merchant_staff_role",
        obj=merchant,
        union_id=merchant.host_union_id,
        changes={"role": [before, role]},
        extra={"user": staff.user_id, "staff": staff.pk},
    )
    return staff


@transaction.atomic
def merchant_staff_deactivate(*, actor: User, merchant_id: Any, staff_id: Any) -> MerchantStaff:
    """The account keeps existing (orders, scans and audit rows point at it) but no longer reaches
    the merchant, from its next request on."""
    merchant = access_merchant_admin(actor, merchant_id)
    staff = _lock_staff(merchant, staff_id)
    if not staff.active:
        return staff
    if staff.role == OWNER:
        _keep_an_owner(merchant, staff)
    staff.active = False
    staff.save(update_fields=["active"])
    forget_merchants(staff.user)
    audit_record(
        actor=actor,
        action="tourism.merchant_staff_deactivate",
        obj=merchant,
        union_id=merchant.host_union_id,
        extra={"user": staff.user_id, "staff": staff.pk},
    )
    return staff
