"""Transfers to another union: the request (a pending row at the target) and its completion."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.audit import audit_record
from yugong.core.calendar import add_working_days
from yugong.core.errors import (
    Conflict,
    NotFound,
    ValidationFailed,
)
from yugong.core.events import event_publish
from yugong.core.facts import fact_record
from yugong.core.timeutil import local_today, now
from yugong.core.validators import (
    clean_text,
)
from yugong.orgs.access import MANAGE_ROLES, can_act
from yugong.orgs.models import Union

from ..models import (
    Membership,
)
from .common import _is_member_self, _lock, _manage, _notify, _require_status, decision_working_days
from .routing import membership_route


@transaction.atomic
def membership_transfer_request(
    *, actor: User, membership: Membership | int, target: Union, reason: str = ""
) -> Membership:
    """Ask to move an active membership to ``target``: a pending row at the target union linked to
    the current one by ``previous``. The member, or staff of the current or the target union, may
    ask; the target union's staff decide (membership_transfer_approve)."""
    m = _lock(membership)
    if not (_is_member_self(actor, m) or can_act(actor, m.union, MANAGE_ROLES)):
        raise NotFound()
    _require_status(m, {Membership.Status.ACTIVE})
    target = membership_route(union=target, employer=None, employment_form=m.person.employment_form)
    if target.pk == m.union_id:
        raise ValidationFailed(fields={"target": _("转入工会不能与当前工会相同。")})
    if Membership.objects.filter(person_id=m.person_id, status=Membership.Status.PENDING).exists():
        raise Conflict(_("已有待审核的申请，请等待审核结果后再申请转会。"))
    moment = now()
    new = Membership(
        person=m.person,
        union=target,
        status=Membership.Status.PENDING,
        channel=Membership.Channel.TRANSFER,
        applied_at=moment,
        due_at=add_working_days(moment, decision_working_days()),
        previous=m,
        member_no=None,
        member_since=m.member_since,
        note=clean_text(reason).replace("\x00", "")[:500],
    )
    try:
        with transaction.atomic():
            new.save()
    except IntegrityError:
        raise Conflict(_("已有待审核的申请，请勿重复提交。")) from None
    audit_record(
        actor=actor,
        action="membership.transfer_request",
        obj=new,
        union_id=target.pk,
        changes={"union": [m.union_id, target.pk]},
        extra={"from_membership": m.pk},
    )
    _notify(
        m.person,
        _("【渝工】您从%(old)s转入%(new)s的申请已提交，将在%(days)s个工作日内完成审核。")
        % {"old": m.union.name, "new": target.name, "days": decision_working_days()},
    )
    return new


def _transfer_complete(*, actor: User, m: Membership) -> Membership:
    """Caller holds the lock on ``m`` (the pending transfer row) and checked the actor's right over
    its union. The old row is locked next (always new-then-old; the only other lockers of the old
    row, suspend/leave, take just that one row, so no lock-order cycle)."""
    old = _lock(m.previous_id)  # type: ignore[arg-type]
    if old.status != Membership.Status.ACTIVE:
        raise Conflict(_("原会籍已不是有效状态，无法办理转会。"))
    today, moment = local_today(), now()
    # The old row goes first: it frees the "one current membership" and member-number slots.
    old.status = Membership.Status.TRANSFERRED
    old.ended_on = today
    old.save(update_fields=["status", "ended_on", "updated_at"])
    m.status = Membership.Status.ACTIVE
    m.member_no = old.member_no
    m.member_since = old.member_since or today
    m.started_on = today
    m.decided_at = moment
    m.decided_by = actor
    m.save()
    audit_record(
        actor=actor,
        action="membership.transfer_out",
        obj=old,
        union_id=old.union_id,
        changes={"status": ["active", "transferred"]},
        extra={"to_membership": m.pk, "to_union": m.union_id},
    )
    audit_record(
        actor=actor,
        action="membership.transfer_in",
        obj=m,
        union_id=m.union_id,
        changes={"status": ["pending", "active"], "member_no": [None, m.member_no]},
        extra={"from_membership": old.pk, "from_union": old.union_id},
    )
    # Files that follow the person (a hardship file, …) move in their own apps' handlers.
    event_publish(
        kind="members.transferred",
        payload={"person_id": m.person_id, "from_union_id": old.union_id, "to_union_id": m.union_id},
        union_id=m.union_id,
        actor=actor,
    )
    fact_record(metric="members.transferred_out", union_id=old.union_id, dim=m.person.employment_form)
    fact_record(metric="members.transferred_in", union_id=m.union_id, dim=m.person.employment_form)
    _notify(
        m.person,
        _("【渝工】您已由%(old)s转入%(new)s，会员编号%(no)s不变，会龄连续计算。")
        % {"old": old.union.name, "new": m.union.name, "no": m.member_no},
    )
    return m


@transaction.atomic
def membership_transfer_approve(*, actor: User, membership: Membership | int) -> Membership:
    """The target union's staff accept a transfer: the old row becomes ``transferred``, the new
    one ``active`` with the same member number and ``member_since`` (continuous membership)."""
    m = _lock(membership)
    _manage(actor, m.union)
    _require_status(m, {Membership.Status.PENDING})
    if m.previous_id is None:
        raise Conflict(_("这不是转会申请。"))
    return _transfer_complete(actor=actor, m=m)
