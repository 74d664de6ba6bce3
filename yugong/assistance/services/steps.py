"""The steps after the application: review, home visit, approval, 公示, objections, activation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.html import escape
from django.utils.timezone import now
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from yugong.accounts.models import User
from yugong.core import notice
from yugong.core.audit import audit_record
from yugong.core.calendar import add_working_days
from yugong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from yugong.core.facts import fact_record
from yugong.core.notice import NoticeFlow
from yugong.core.pii import mask_name
from yugong.core.timeutil import local_today
from yugong.core.validators import clean_text
from yugong.members.models import Membership
from yugong.news.models import Article
from yugong.news.services import article_post
from yugong.orgs.access import can_act, require_role
from yugong.orgs.models import Union

from ..models import (
    FileStep,
    HardshipFile,
    Objection,
)
from .common import (
    REVIEW_ROLES,
    Status,
    _ancestors,
    _days,
    _lock,
    _reason,
    _reject,
    _require_status,
    _step,
    approval_kinds,
)


@transaction.atomic
def file_review(*, actor: User, file: HardshipFile | int, approve: bool, note: str = "") -> HardshipFile:
    """The grassroots union's review: on to the home visit, or rejected with a reason."""
    f = _lock(file)
    require_role(actor, f.union, REVIEW_ROLES)
    _require_status(f, Status.SUBMITTED)
    note = _reason(note, "note", required=not approve)
    if not approve:
        return _reject(f, actor, note)
    f.status = Status.VISITING
    f.due_at = add_working_days(now(), _days("ASSISTANCE_VISIT_WORKING_DAYS", 10))
    f.save(update_fields=["status", "due_at", "updated_at"])
    _step(f, FileStep.Kind.REVIEWED, actor, note)
    audit_record(
        actor=actor,
        action="assistance.file_review",
        obj=f,
        union_id=f.union_id,
        changes={"status": [Status.SUBMITTED, Status.VISITING]},
    )
    return f


@transaction.atomic
def file_visit(
    *,
    actor: User,
    file: HardshipFile | int,
    visited_at: dt.datetime,
    place: str,
    visitors: str,
    findings: str,
    photos: Sequence[str] = (),
    signature: str = "",
) -> HardshipFile:
    """The home visit (who, when, where, what was found, and the stored names of its photos and of
    the household's signature, saved through ``core.images`` by the caller before this
    transaction); the file goes up for approval."""
    f = _lock(file)
    require_role(actor, f.union, REVIEW_ROLES)
    _require_status(f, Status.VISITING)
    errors: dict[str, Any] = {}
    place, visitors, findings = clean_text(place), clean_text(visitors), clean_text(findings)
    if not place or len(place) > 200:
        errors["place"] = _("请填写走访地点（200字以内）。")
    if not visitors or len(visitors) > 200:
        errors["visitors"] = _("请填写走访人员（200字以内）。")
    if not findings or len(findings) > 2000:
        errors["findings"] = _("请填写走访情况（2000字以内）。")
    if len(photos) > 6:
        errors["photos"] = _("走访照片最多6张。")
    if not isinstance(visited_at, dt.datetime) or visited_at.tzinfo is None or visited_at > now():
        errors["visited_at"] = _("走访时间不能晚于现在。")
    if errors:
        raise ValidationFailed(fields=errors)
    f.status = Status.APPROVING
    f.approval_level = 0
    f.due_at = add_working_days(now(), _days("ASSISTANCE_APPROVE_WORKING_DAYS", 10))
    f.save(update_fields=["status", "approval_level", "due_at", "updated_at"])
    _step(
        f,
        FileStep.Kind.VISITED,
        actor,
        findings,
        place=place,
        visitors=visitors,
        visited_at=visited_at.isoformat(),
        photos=[str(p)[:200] for p in photos],
        signature=signature[:200],
    )
    audit_record(
        actor=actor,
        action="assistance.file_visit",
        obj=f,
        union_id=f.union_id,
        changes={"status": [Status.VISITING, Status.APPROVING]},
    )
    fact_record(metric="assistance.visited", union_id=f.union_id)
    return f


def approver_union(file: HardshipFile) -> Union:
    """The union that approves the file's next level: the nearest union of the configured kind
    above (or at) the file's union; the root when the tree has none of that kind."""
    kinds = approval_kinds()
    kind = kinds[min(file.approval_level, len(kinds) - 1)]
    chain = _ancestors(file.union)
    return next((u for u in chain if u.kind == kind), chain[-1])


@transaction.atomic
def file_approve(*, actor: User, file: HardshipFile | int, approve: bool, note: str = "") -> HardshipFile:
    """One approval level. After the last level the 公示 is published to the applicant's union."""
    f = _lock(file)
    _require_status(f, Status.APPROVING)
    approver = approver_union(f)
    if not can_act(actor, f.union):
        raise NotFound()
    if not can_act(actor, approver, REVIEW_ROLES):
        raise PermissionDenied()  # the file is visible, the approving level is not the actor's
    note = _reason(note, "note", required=not approve)
    if not approve:
        return _reject(f, actor, note)
    f.approval_level += 1
    _step(f, FileStep.Kind.APPROVED, actor, note, level=f.approval_level, union=approver.name)
    audit_record(
        actor=actor,
        action="assistance.file_approve",
        obj=f,
        union_id=approver.pk,
        extra={"level": f.approval_level},
    )
    if f.approval_level < len(approval_kinds()):
        f.save(update_fields=["approval_level", "updated_at"])
        return f
    return _publish_notice(f, actor)


def _publish_notice(f: HardshipFile, actor: User) -> HardshipFile:
    start = now()
    ends = add_working_days(start, _days("ASSISTANCE_NOTICE_WORKING_DAYS", 5))
    body = _(
        "<p>经基层工会审核、入户走访和上级工会审批，拟将以下职工家庭纳入困难职工帮扶：</p><p>%(name)s，%(tier)s。</p><p>公示期至%(ends)s。如有异议，请在公示期内通过“帮扶”栏目提出。</p>"
    ) % {
        "name": escape(mask_name(f.applicant.name)),
        "tier": escape(f.get_tier_display() or _("边缘户")),
        "ends": ends.strftime("%Y-%m-%d"),
    }
    article = article_post(
        actor=actor,
        union=f.union,
        kind=Article.Kind.PUBLICITY,
        title=_("困难职工建档公示"),
        body_html=body,
        source=f"assistance.file:{f.pk}:notice:{f.approval_level}",
    )
    f.status = Status.NOTICE
    f.notice_article_id = article.pk
    f.notice_ends_at = ends
    f.due_at = ends
    f.save(
        update_fields=[
            "status",
            "approval_level",
            "notice_article_id",
            "notice_ends_at",
            "due_at",
            "updated_at",
        ]
    )
    _step(f, FileStep.Kind.NOTICE, actor, ends=ends.isoformat(), article=article.pk)
    audit_record(
        actor=actor,
        action="assistance.notice_publish",
        obj=f,
        union_id=f.union_id,
        changes={"status": [Status.APPROVING, Status.NOTICE]},
    )
    return f


def _member_of(user: Any, union: Union) -> bool:
    user_id = getattr(user, "pk", None)
    if user_id is None:
        return False
    return Membership.objects.filter(
        person__user_id=user_id, union=union, status__in=Membership.CURRENT
    ).exists()


def _may_object(actor: User, f: HardshipFile) -> None:
    """Anyone in the file's union: a current member, or staff over it (else: not found)."""
    if not (_member_of(actor, f.union) or can_act(actor, f.union)):
        raise NotFound()


def _may_handle(actor: User, f: HardshipFile) -> None:
    require_role(actor, f.union, REVIEW_ROLES)


def _on_notice(f: HardshipFile) -> bool:
    return f.notice_ends_at is not None and now() < f.notice_ends_at


def _upheld(f: HardshipFile, actor: User, answer: str) -> None:
    _reject(f, actor, answer)


def _timeline(f: HardshipFile, kind: str, actor: User, note: str, data: dict[str, Any]) -> None:
    _step(f, kind, actor, note, **data)


# The 建档公示's objections through the shared 公示 flow (``yugong.core.notice``).
FILE_NOTICE: NoticeFlow[HardshipFile] = NoticeFlow(
    objection_model=Objection,
    subject_field="file",
    notice_status=Status.NOTICE,
    objected_status=Status.OBJECTED,
    metric="assistance.objections",
    not_on_notice=_lazy("该档案不在公示期内。"),
    lock=_lock,
    union_id=lambda f: f.union_id,
    on_notice=_on_notice,
    may_object=_may_object,
    may_handle=_may_handle,
    step=_timeline,
    reject=_upheld,
)


def objection_raise(*, actor: User, file: HardshipFile | int, reason: str) -> Objection:
    """Anyone in the file's union (a member, or staff over it) objects during the 公示."""
    return notice.objection_raise(
        flow=FILE_NOTICE, actor=actor, subject=file, reason=reason, action="assistance.objection_raise"
    )  # type: ignore[return-value]


def objection_handle(*, actor: User, objection: Objection | int, upheld: bool, answer: str) -> Objection:
    """Staff of the file's union decide: an upheld objection rejects the file; otherwise, when no
    objection is left open, the file is back in its notice."""
    return notice.objection_handle(  # type: ignore[return-value]
        flow=FILE_NOTICE,
        actor=actor,
        objection=objection,
        upheld=upheld,
        answer=answer,
        action="assistance.objection_handle",
    )


@transaction.atomic
def file_activate(*, actor: User, file: HardshipFile | int) -> HardshipFile:
    """After the 公示 ends with no open objection the file becomes active (建档)."""
    f = _lock(file)
    require_role(actor, f.union, REVIEW_ROLES)
    if f.status == Status.OBJECTED:
        raise Conflict(_("公示异议处理完毕后才能建档。"))
    _require_status(f, Status.NOTICE)
    if f.notice_ends_at is None or now() < f.notice_ends_at:
        raise Conflict(_("公示期未满，不能建档。"))
    f.status = Status.ACTIVE
    f.due_at = None
    f.review_due_on = local_today() + dt.timedelta(
        days=int(getattr(settings, "ASSISTANCE_REVIEW_INTERVAL_DAYS", 365))
    )
    f.save(update_fields=["status", "due_at", "review_due_on", "updated_at"])
    _step(f, FileStep.Kind.ACTIVATED, actor)
    audit_record(
        actor=actor,
        action="assistance.file_activate",
        obj=f,
        union_id=f.union_id,
        changes={"status": [Status.NOTICE, Status.ACTIVE]},
    )
    fact_record(metric="assistance.activated", union_id=f.union_id, dim=f.tier or "none")
    return f
