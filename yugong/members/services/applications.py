"""Applications to join and their decisions (apply, withdraw, approve, reject)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.audit import audit_record
from yugong.core.calendar import add_working_days
from yugong.core.errors import (
    Conflict,
    NotFound,
    Unauthenticated,
    ValidationFailed,
)
from yugong.core.facts import fact_person, fact_record
from yugong.core.timeutil import local_today, now
from yugong.core.validators import (
    clean_text,
)
from yugong.orgs.access import MANAGE_ROLES, require_role
from yugong.orgs.models import Employer, Union

from ..models import (
    EmploymentForm,
    Membership,
    Person,
    member_numbers_allocate,
)
from .common import _lock, _manage, _notify, _require_status, decision_working_days
from .people import person_clean, person_upsert
from .routing import membership_route
from .transfers import _transfer_complete


def _ensure_no_open_membership(person: Person) -> None:
    existing = (
        Membership.objects.filter(person=person, status__in=[*Membership.CURRENT, Membership.Status.PENDING])
        .select_related("union")
        .first()
    )
    if existing is None:
        return
    if existing.status == Membership.Status.PENDING:
        raise Conflict(
            _("已有待审核的入会申请（%(union)s），请等待审核结果。") % {"union": existing.union.name}
        )
    raise Conflict(_("已是%(union)s会员，如需变更所在工会请申请转会。") % {"union": existing.union.name})


@transaction.atomic
def membership_apply(
    *,
    actor: User,
    person_data: Mapping[str, Any],
    union: Union | None = None,
    employer: Employer | None = None,
    channel: str = Membership.Channel.ONLINE,
    district: str = "",
    note: str = "",
) -> Membership:
    """An application to join. A worker applies for themself (online / scan: the person is linked
    to their account); staff apply on a worker's behalf (``staff``: the actor needs a managing role
    over the target union)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise Unauthenticated()
    if channel not in {Membership.Channel.ONLINE, Membership.Channel.SCAN, Membership.Channel.STAFF}:
        raise ValidationFailed(fields={"channel": _("入会渠道无效。")})
    data = dict(person_data)
    if employer is not None:
        data["employer"] = employer
    if channel != Membership.Channel.STAFF:
        data["phone_required"] = True
        data.setdefault("phone", getattr(actor, "phone", ""))
    values = person_clean(data)  # validate before routing so every field error shows at once
    target = membership_route(
        union=union,
        employer=employer,
        employment_form=values.get("employment_form", EmploymentForm.REGULAR),
        district=clean_text(district or person_data.get("district")).replace("\x00", ""),
    )
    if channel == Membership.Channel.STAFF:
        require_role(actor, target, MANAGE_ROLES)
        person = person_upsert(actor=actor, data=data)
    else:
        person = person_upsert(actor=actor, data=data, user=actor)
    _ensure_no_open_membership(person)

    moment = now()
    membership = Membership(
        person=person,
        union=target,
        status=Membership.Status.PENDING,
        channel=channel,
        applied_at=moment,
        due_at=add_working_days(moment, decision_working_days()),
        note=clean_text(note).replace("\x00", "")[:500],
    )
    try:
        with transaction.atomic():
            membership.save()
    except IntegrityError:
        raise Conflict(_("已有待审核的入会申请，请勿重复提交。")) from None
    audit_record(
        actor=actor,
        action="membership.apply",
        obj=membership,
        union_id=target.pk,
        changes={"status": [None, "pending"], "channel": [None, channel]},
    )
    fact_record(metric="members.applied", union_id=target.pk, dim=person.employment_form)
    _notify(
        person,
        _("【渝工】您的入会申请已提交至%(union)s，将在%(days)s个工作日内完成审核。")
        % {"union": target.name, "days": decision_working_days()},
    )
    return membership


@transaction.atomic
def membership_withdraw(*, actor: User, membership: Membership | int) -> Membership:
    """The applicant takes back their own pending application."""
    m = _lock(membership)
    if m.person.user_id is None or m.person.user_id != getattr(actor, "pk", None):
        raise NotFound()
    _require_status(m, {Membership.Status.PENDING})
    m.status = Membership.Status.WITHDRAWN
    m.decided_at = now()
    m.save(update_fields=["status", "decided_at", "updated_at"])
    audit_record(
        actor=actor,
        action="membership.withdraw",
        obj=m,
        union_id=m.union_id,
        changes={"status": ["pending", "withdrawn"]},
    )
    return m


@transaction.atomic
def membership_approve(*, actor: User, membership: Membership | int) -> Membership:
    """Approve a pending application: allocate the member number, start the membership."""
    m = _lock(membership)
    _manage(actor, m.union)
    _require_status(m, {Membership.Status.PENDING})
    if m.previous_id is not None:
        return _transfer_complete(actor=actor, m=m)
    if Membership.objects.filter(person_id=m.person_id, status__in=Membership.CURRENT).exists():
        raise Conflict(_("该职工已在其他工会登记为会员，请改为办理转会。"))
    today = local_today()
    m.status = Membership.Status.ACTIVE
    m.member_no = member_numbers_allocate(count=1)[0]
    m.member_since = today
    m.started_on = today
    m.decided_at = now()
    m.decided_by = actor
    m.save()
    audit_record(
        actor=actor,
        action="membership.approve",
        obj=m,
        union_id=m.union_id,
        changes={"status": ["pending", "active"], "member_no": [None, m.member_no]},
    )
    fact_record(metric="members.approved", union_id=m.union_id, dim=m.person.employment_form)
    fact_person(metric="members.people_joined", union_id=m.union_id, person_id=m.person_id)
    if m.person.migrant_worker:
        fact_record(metric="members.migrant_joined", union_id=m.union_id)
    _notify(
        m.person,
        _("【渝工】恭喜您已成为%(union)s会员，会员编号%(no)s。可在“我的-我的会员卡”出示电子会员卡。")
        % {"union": m.union.name, "no": m.member_no},
    )
    return m


@transaction.atomic
def membership_reject(*, actor: User, membership: Membership | int, reason: str) -> Membership:
    reason = clean_text(reason).replace("\x00", "")
    if not reason:
        raise ValidationFailed(fields={"reason": _("请填写驳回理由。")})
    if len(reason) > 500:
        raise ValidationFailed(fields={"reason": _("驳回理由不能超过500个字符。")})
    m = _lock(membership)
    _manage(actor, m.union)
    _require_status(m, {Membership.Status.PENDING})
    m.status = Membership.Status.REJECTED
    m.reject_reason = reason
    m.decided_at = now()
    m.decided_by = actor
    m.save(update_fields=["status", "reject_reason", "decided_at", "decided_by", "updated_at"])
    audit_record(
        actor=actor,
        action="membership.reject",
        obj=m,
        union_id=m.union_id,
        changes={"status": ["pending", "rejected"]},
        extra={"reason": reason},
    )
    fact_record(metric="members.rejected", union_id=m.union_id, dim=m.person.employment_form)
    kind = _("转会") if m.previous_id else _("入会")
    _notify(
        m.person,
        _("【渝工】您向%(union)s提交的%(kind)s申请未通过，理由：%(reason)s")
        % {"union": m.union.name, "kind": kind, "reason": reason},
    )
    return m
