"""Overdue applications flagged to the level above (the hourly task)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from yugong.accounts.system import system_actor
from yugong.core.audit import audit_record
from yugong.core.sms import sms_send
from yugong.core.timeutil import now
from yugong.orgs.access import MANAGE_ROLES
from yugong.orgs.models import RoleAssignment

from ..models import (
    Membership,
)


def membership_flag_overdue(*, at: dt.datetime | None = None) -> int:
    """Flag pending applications past their deadline to the level above, once per application:
    an audit row at the parent union and one SMS per managing staff member of each parent union.
    Each row is claimed with a conditional UPDATE, so concurrent runs never flag twice."""
    moment = at or now()
    candidates = list(
        Membership.objects.filter(
            status=Membership.Status.PENDING, due_at__lt=moment, overdue_flagged_at__isnull=True
        )
        .select_related("union")
        .order_by("id")[:5000]
    )
    by_parent: dict[int, list[Membership]] = {}
    for m in candidates:
        with transaction.atomic():
            claimed = Membership.objects.filter(
                pk=m.pk, status=Membership.Status.PENDING, overdue_flagged_at__isnull=True
            ).update(overdue_flagged_at=moment)
            if not claimed:
                continue
            parent_id = m.union.parent_id or m.union_id
            audit_record(
                actor=system_actor(),
                action="membership.overdue",
                obj=m,
                union_id=parent_id,
                extra={"union": m.union_id, "due_at": m.due_at.isoformat() if m.due_at else None},
            )
        by_parent.setdefault(parent_id, []).append(m)
    if by_parent:
        _notify_parents(by_parent)
    return sum(len(v) for v in by_parent.values())


def _notify_parents(by_parent: dict[int, list[Membership]]) -> None:
    staff = (
        RoleAssignment.objects.filter(union_id__in=by_parent, active=True, role__in=MANAGE_ROLES)
        .select_related("user")
        .order_by("union_id", "user_id")
    )
    seen: set[tuple[int, int]] = set()
    for ra in staff:
        key = (ra.union_id, ra.user_id)
        phone = getattr(ra.user, "phone", "")
        if key in seen or not phone:
            continue
        seen.add(key)
        count = len(by_parent[ra.union_id])
        text = _("【渝工】下级工会有%(n)s件入会申请已超过审批期限，请登录工作台“入会审批”督办。") % {
            "n": count
        }
        sms_send(phone=phone, text=text)  # sent after commit by the adapter itself
