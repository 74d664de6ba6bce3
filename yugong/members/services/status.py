"""Suspend, resume and leave a current membership."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.audit import audit_record
from yugong.core.errors import (
    Conflict,
    ValidationFailed,
)
from yugong.core.facts import fact_record
from yugong.core.timeutil import local_today
from yugong.core.validators import (
    clean_text,
)

from ..models import (
    Membership,
)
from .common import _is_member_self, _lock, _manage, _require_status


@transaction.atomic
def membership_suspend(*, actor: User, membership: Membership | int, reason: str) -> Membership:
    reason = clean_text(reason).replace("\x00", "")
    if not reason:
        raise ValidationFailed(fields={"reason": _("请填写暂停会籍的原因。")})
    m = _lock(membership)
    _manage(actor, m.union)
    _require_status(m, {Membership.Status.ACTIVE})
    m.status = Membership.Status.SUSPENDED
    m.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action="membership.suspend",
        obj=m,
        union_id=m.union_id,
        changes={"status": ["active", "suspended"]},
        extra={"reason": reason[:500]},
    )
    return m


@transaction.atomic
def membership_resume(*, actor: User, membership: Membership | int) -> Membership:
    m = _lock(membership)
    _manage(actor, m.union)
    _require_status(m, {Membership.Status.SUSPENDED})
    m.status = Membership.Status.ACTIVE
    m.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action="membership.resume",
        obj=m,
        union_id=m.union_id,
        changes={"status": ["suspended", "active"]},
    )
    return m


@transaction.atomic
def membership_leave(*, actor: User, membership: Membership | int, reason: str = "") -> Membership:
    """End a membership: the member themself, or staff of the union."""
    m = _lock(membership)
    if not _is_member_self(actor, m):
        _manage(actor, m.union)
    _require_status(m, set(Membership.CURRENT))
    if Membership.objects.filter(previous_id=m.pk, status=Membership.Status.PENDING).exists():
        raise Conflict(_("有待审核的转会申请，请先处理转会申请。"))
    old_status = m.status
    m.status = Membership.Status.LEFT
    m.ended_on = local_today()
    m.save(update_fields=["status", "ended_on", "updated_at"])
    audit_record(
        actor=actor,
        action="membership.leave",
        obj=m,
        union_id=m.union_id,
        changes={"status": [old_status, "left"]},
        extra={"reason": clean_text(reason).replace("\x00", "")[:500]},
    )
    fact_record(metric="members.left", union_id=m.union_id, dim=m.person.employment_form)
    return m
