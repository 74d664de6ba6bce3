"""Nominations (推荐): submitted by a union within its quota, reviewed level by level up the tree
to the organiser; objections during the 公示 and their handling."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Length
from django.utils.timezone import now
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from yugong.accounts.models import User
from yugong.core import notice
from yugong.core.audit import audit_record
from yugong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from yugong.core.facts import fact_record
from yugong.core.notice import NoticeFlow
from yugong.core.pii import blind_index
from yugong.core.validators import clean_text, normalize_id_number
from yugong.members.models import Membership, Person
from yugong.orgs.access import can_act, grants, require_role
from yugong.orgs.models import Union
from yugong.orgs.tree import ancestor_paths

from ..models import Nomination, Objection, Quota, Round, Target
from .common import (
    REVIEW_ROLES,
    _step,
    lock_nomination,
    may_review,
    next_level,
    reason,
    require_status,
    review_chain,
)

Status = Nomination.Status

# Test-only: the naive read-then-write quota path that the race test's control runs.
_UNGUARDED_QUOTA = False


def _take_place(quota: Quota) -> bool:
    """Take one place of ``quota``: one conditional UPDATE (``used < places``), so concurrent
    nominations can never take more places than there are; the check constraint is the last
    judge."""
    if _UNGUARDED_QUOTA:  # the control: read, decide, write back (loses updates, over-nominates)
        row = Quota.objects.get(pk=quota.pk)
        if row.used >= row.places:
            return False
        Quota.objects.filter(pk=quota.pk).update(used=row.used + 1)
        return True
    return bool(Quota.objects.filter(pk=quota.pk, used__lt=F("places")).update(used=F("used") + 1))


def _release_place(quota_id: int) -> None:
    """Give a place back (a rejection or a withdrawal), never below zero."""
    Quota.objects.filter(pk=quota_id, used__gt=0).update(used=F("used") - 1)


def _nominated_person(union: Union, id_number: str) -> Person:
    """The member of ``union``'s subtree with this ID number (the nominating union vouches for its
    own members only)."""
    idn = normalize_id_number(id_number, field="id_number")
    person = Person.objects.filter(id_number_index=blind_index("id_number", idn)).first()
    if (
        person is None
        or not Membership.objects.filter(
            person=person, union__path__startswith=union.path, status__in=Membership.CURRENT
        ).exists()
    ):
        raise ValidationFailed(fields={"id_number": _("本单位会员中没有这个身份证号。")})
    return person


def _quota_for(r: Round, union: Union) -> Quota | None:
    """The quota of the nearest union at or above ``union`` that holds one in this round."""
    return (
        Quota.objects.filter(round=r, union__path__in=ancestor_paths(union.path or ""))
        .order_by(Length("union__path").desc())
        .first()
    )


@transaction.atomic
def nomination_submit(
    *,
    actor: User,
    round: Round,
    union: Union,
    deeds: str,
    id_number: str = "",
    nominee: str = "",
    work_unit: str = "",
) -> Nomination:
    """A union below the organiser nominates one of its members (or, for a collective honour, a
    team) within its quota. The place is taken by a conditional UPDATE, so concurrent nominations
    never exceed the quota."""
    require_role(actor, union, REVIEW_ROLES)
    r = Round.objects.select_related("union", "kind").get(pk=round.pk)
    if r.status != Round.Status.OPEN or now() >= r.deadline:
        raise Conflict(_("该评选已截止推荐。"))
    chain = review_chain(r, union)
    if not chain:
        raise ValidationFailed(fields={"union": _("推荐单位应在组织单位之下。")})
    errors: dict[str, Any] = {}
    deeds = clean_text(deeds)
    work_unit = clean_text(work_unit)
    if not deeds or len(deeds) > 5000:
        errors["deeds"] = _("请填写主要事迹（5000字以内）。")
    if len(work_unit) > 200:
        errors["work_unit"] = _("工作单位不能超过200字。")
    person: Person | None = None
    if r.kind.target == Target.PERSON:
        try:
            person = _nominated_person(union, id_number)
        except ValidationFailed as exc:
            errors.update(exc.fields)
        else:
            nominee = person.name
            work_unit = work_unit or person.employer_name
    else:
        nominee = clean_text(nominee)
        if not nominee or len(nominee) > 120:
            errors["nominee"] = _("请填写推荐集体的名称（120字以内）。")
    if not work_unit and "work_unit" not in errors and r.kind.target == Target.COLLECTIVE:
        work_unit = union.name
    if not work_unit:
        errors.setdefault("work_unit", _("请填写工作单位。"))
    if errors:
        raise ValidationFailed(fields=errors)
    dup = Nomination.objects.filter(round=r)
    dup = dup.filter(person=person) if person else dup.filter(person__isnull=True, nominee=nominee)
    if dup.exists():
        raise ValidationFailed(fields={"id_number" if person else "nominee": _("该对象已在本轮被推荐。")})
    quota = _quota_for(r, union)
    if quota is None:
        raise ValidationFailed(fields={"union": _("本单位在本轮评选中没有推荐名额。")})
    if not _take_place(quota):
        raise Conflict(_("推荐名额已用完。"))
    try:
        with transaction.atomic():
            n = Nomination.objects.create(
                round=r,
                union=union,
                quota=quota,
                level_union=chain[0],
                person=person,
                nominee=nominee,
                work_unit=work_unit,
                deeds=deeds,
                created_by=actor,
            )
    except IntegrityError:
        raise Conflict(_("该对象已在本轮被推荐。")) from None
    _step(n, "submitted", union, actor)
    audit_record(actor=actor, action="honors.nomination_submit", obj=n, union_id=union.pk)
    fact_record(metric="honors_nominations", union_id=union.pk, dim=r.kind.level)
    return n


def _reviewer_check(actor: User, n: Nomination) -> None:
    if not can_act(actor, n.union):
        raise NotFound()
    if not may_review(actor, n):
        raise PermissionDenied(_("该推荐正由%(union)s审核。") % {"union": n.level_union.name})


@transaction.atomic
def nomination_review(
    *, actor: User, nomination: Nomination | int, approve: bool, note: str = ""
) -> Nomination:
    """The current level reviews: forward to the next level up, approve at the organiser (拟表彰),
    or reject with a reason (the place goes back to the quota)."""
    n = lock_nomination(nomination.pk if isinstance(nomination, Nomination) else nomination)
    if not can_act(actor, n.union):
        raise NotFound()
    require_status(n, Status.REVIEWING)
    _reviewer_check(actor, n)
    note = reason(note, "note", required=not approve)
    level = n.level_union
    if not approve:
        n.status = Status.REJECTED
        n.save(update_fields=["status", "updated_at"])
        _release_place(n.quota_id)
        _step(n, "rejected", level, actor, note)
        audit_record(
            actor=actor,
            action="honors.nomination_reject",
            obj=n,
            union_id=level.pk,
            changes={"status": [Status.REVIEWING, Status.REJECTED]},
            extra={"reason": note},
        )
        return n
    up = next_level(n)
    if up is not None:
        n.level_union = up
        n.save(update_fields=["level_union", "updated_at"])
        _step(n, "forwarded", level, actor, note)
        audit_record(
            actor=actor,
            action="honors.nomination_forward",
            obj=n,
            union_id=level.pk,
            changes={"level_union": [level.pk, up.pk]},
        )
        return n
    n.status = Status.APPROVED
    n.save(update_fields=["status", "updated_at"])
    _step(n, "approved", level, actor, note)
    audit_record(
        actor=actor,
        action="honors.nomination_approve",
        obj=n,
        union_id=level.pk,
        changes={"status": [Status.REVIEWING, Status.APPROVED]},
    )
    return n


def may_withdraw(actor: User, nomination: Nomination) -> bool:
    """The nominating union withdraws its own nomination while it is still under review (before the
    organiser's decision) and the round is open: staff holding a managing role at the nominating
    union itself, or the staff member who submitted it while they still manage that union."""
    if nomination.status != Status.REVIEWING or nomination.round.status != Round.Status.OPEN:
        return False
    if not can_act(actor, nomination.union, REVIEW_ROLES):
        return False
    if nomination.created_by_id == getattr(actor, "pk", None):
        return True
    return any(g.path == nomination.union.path and g.role in REVIEW_ROLES for g in grants(actor))


@transaction.atomic
def nomination_withdraw(*, actor: User, nomination: Nomination | int, note: str) -> Nomination:
    """The nominating union takes its nomination back before the final decision; the quota place
    is released by a conditional UPDATE (never below zero) in the same transaction."""
    n = lock_nomination(nomination.pk if isinstance(nomination, Nomination) else nomination)
    if not can_act(actor, n.union):
        raise NotFound()
    require_status(n, Status.REVIEWING)
    if not may_withdraw(actor, n):
        raise PermissionDenied(_("只有推荐单位可以撤回推荐。"))
    note = reason(note, "note")
    n.status = Status.WITHDRAWN
    n.save(update_fields=["status", "updated_at"])
    _release_place(n.quota_id)
    _step(n, "withdrawn", n.union, actor, note)
    audit_record(
        actor=actor,
        action="honors.nomination_withdraw",
        obj=n,
        union_id=n.union_id,
        changes={"status": [Status.REVIEWING, Status.WITHDRAWN]},
        extra={"reason": note},
    )
    return n


def _on_notice(n: Nomination) -> bool:
    r = n.round
    return r.status == Round.Status.NOTICE and r.notice_ends_at is not None and now() < r.notice_ends_at


def _anyone(actor: User, n: Nomination) -> None:
    """The notice is public: anyone signed in may object (checked before the lock)."""


def _organiser(actor: User, n: Nomination) -> None:
    require_role(actor, n.round.union, REVIEW_ROLES)


def _timeline(n: Nomination, kind: str, actor: User, note: str, data: dict[str, Any]) -> None:
    _step(n, kind, n.round.union, actor, note)


def _upheld(n: Nomination, actor: User, answer: str) -> None:
    """An upheld objection takes the nominee off the list."""
    n.status = Status.REJECTED
    n.save(update_fields=["status", "updated_at"])
    _step(n, "rejected", n.round.union, actor, answer)


# The round's 公示 objections through the shared 公示 flow (``yugong.core.notice``).
NOMINATION_NOTICE: NoticeFlow[Nomination] = NoticeFlow(
    objection_model=Objection,
    subject_field="nomination",
    notice_status=Status.NOTICE,
    objected_status=Status.OBJECTED,
    metric="honors_objections",
    not_on_notice=_lazy("该推荐对象不在公示期内。"),
    lock=lock_nomination,
    union_id=lambda n: n.round.union_id,
    on_notice=_on_notice,
    may_object=_anyone,
    may_handle=_organiser,
    step=_timeline,
    reject=_upheld,
)


def objection_raise(*, actor: User, nomination: Nomination | int, reason_text: str) -> Objection:
    """Anyone signed in objects to a nominee while the 公示 runs (the notice is public)."""
    if not getattr(actor, "pk", None):
        raise PermissionDenied()
    return notice.objection_raise(  # type: ignore[return-value]
        flow=NOMINATION_NOTICE,
        actor=actor,
        subject=nomination,
        reason=reason_text,
        action="honors.objection_raise",
    )


def objection_handle(*, actor: User, objection: Objection | int, upheld: bool, answer: str) -> Objection:
    """The organiser decides: an upheld objection takes the nominee off the list; otherwise, when no
    objection is left open, the nominee is back on notice."""
    return notice.objection_handle(  # type: ignore[return-value]
        flow=NOMINATION_NOTICE,
        actor=actor,
        objection=objection,
        upheld=upheld,
        answer=answer,
        action="honors.objection_handle",
    )
