"""Appeal handling: acceptance, notes, assignment, waiting on the worker, transfers.

Each function: keyword-only, one transaction, the appeal row locked, permission through
orgs.access, a timeline event, an audit row, facts for the cockpit, SMS to the worker on commit.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.errors import Conflict, ValidationFailed
from yugong.orgs import tree
from yugong.orgs.models import Union

from ..models import (
    Appeal,
    AppealEvent,
    Complexity,
    HandlingStage,
)
from ..selectors import assignee_candidates, transfer_targets
from .common import (
    appeal_clock_copy,
    audit,
    event,
    lock,
    moment,
    notify_worker,
    require_handler,
    require_status,
    require_worker_or_handler,
    stage_end,
    stage_recompute,
    stage_start,
)


@transaction.atomic
def appeal_accept(
    *,
    actor: User,
    appeal: Appeal | int,
    complexity: str | None = None,
    note: str = "",
    at: dt.datetime | None = None,
) -> Appeal:
    """Accept at the current level (受理); the complexity may be set now (the conclude clock is
    recomputed with the new budget from the stage's start)."""
    appeal = lock(appeal)
    require_handler(actor, appeal)
    require_status(appeal, {Appeal.Status.PENDING})
    at = moment(at)
    stage = appeal.stage
    assert stage is not None
    if complexity and complexity != appeal.complexity:
        if complexity not in Complexity.values:
            raise ValidationFailed(fields={"complexity": _("复杂程度无效。")})
        appeal.complexity = complexity
        from .. import sla

        stage.complexity = complexity
        stage.accept_hours, stage.conclude_days = sla.limits(stage.level, complexity)
    if stage.paused:
        raise Conflict(_("正在等待职工补充材料，请先记录职工的答复。"))
    stage_recompute(stage)
    stage.accepted_at = at
    stage.accepted_by = actor
    stage.save()
    appeal.status = Appeal.Status.HANDLING
    if appeal.assignee_id is None:
        appeal.assignee = actor
    appeal_clock_copy(appeal, stage)
    appeal.save()
    event(
        appeal,
        AppealEvent.Kind.ACCEPTED,
        actor=actor,
        at=at,
        text=note.strip()[:2000],
        data={"on_time": stage.accepted_on_time is not False},
    )
    audit(actor, "rights.appeal.accept", appeal, complexity=appeal.complexity)
    notify_worker(appeal, _("已受理，承办单位：%(union)s。") % {"union": appeal.union.name})
    return appeal


@transaction.atomic
def appeal_note(
    *, actor: User, appeal: Appeal | int, text: str, public: bool = False, at: dt.datetime | None = None
) -> AppealEvent:
    appeal = lock(appeal)
    require_handler(actor, appeal)
    text = (text or "").strip()
    if not text:
        raise ValidationFailed(fields={"text": _("请填写办理记录。")})
    ev = event(appeal, AppealEvent.Kind.NOTE, actor=actor, at=moment(at), text=text[:5000], public=public)
    audit(actor, "rights.appeal.note", appeal, public=public)
    if public:
        notify_worker(appeal, _("有新的办理进展，请查看。"))
    return ev


@transaction.atomic
def appeal_assign(
    *, actor: User, appeal: Appeal | int, assignee: Any, at: dt.datetime | None = None
) -> Appeal:
    appeal = lock(appeal)
    require_handler(actor, appeal)
    require_status(appeal, Appeal.OPEN)
    if assignee is None or not assignee_candidates(appeal).filter(pk=assignee.pk).exists():
        raise ValidationFailed(fields={"assignee": _("承办人须是本工会（或上级）的工作人员。")})
    appeal.assignee = assignee
    appeal.save(update_fields=["assignee", "updated_at"])
    event(
        appeal,
        AppealEvent.Kind.ASSIGNED,
        actor=actor,
        at=moment(at),
        text=str(getattr(assignee, "display_name", "") or assignee),
        public=False,
        data={"user_id": assignee.pk},
    )
    audit(actor, "rights.appeal.assign", appeal, assignee=assignee.pk)
    return appeal


@transaction.atomic
def appeal_pause(*, actor: User, appeal: Appeal | int, reason: str, at: dt.datetime | None = None) -> Appeal:
    """Wait on the worker (more documents, a reply): every running clock of the stage stops."""
    appeal = lock(appeal)
    require_handler(actor, appeal)
    require_status(appeal, {Appeal.Status.PENDING, Appeal.Status.HANDLING})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(fields={"reason": _("请说明需要职工补充什么。")})
    at = moment(at)
    stage = appeal.stage
    assert stage is not None
    stage.pauses = [*stage.pauses, {"from": at.isoformat(), "to": None, "status": appeal.status}]
    stage_recompute(stage)
    stage.save()
    appeal.status = Appeal.Status.WAITING
    appeal_clock_copy(appeal, stage)
    appeal.save()
    event(appeal, AppealEvent.Kind.PAUSED, actor=actor, at=at, text=reason[:2000])
    audit(actor, "rights.appeal.pause", appeal)
    notify_worker(appeal, _("需要您补充：%(reason)s。请在“我的诉求”中回复。") % {"reason": reason[:60]})
    return appeal


@transaction.atomic
def appeal_resume(*, actor: User, appeal: Appeal | int, text: str, at: dt.datetime | None = None) -> Appeal:
    """The worker replied (on the H5, or by phone, recorded by a handler): the clocks restart with
    the working time they had left."""
    appeal = lock(appeal)
    require_worker_or_handler(actor, appeal)
    require_status(appeal, {Appeal.Status.WAITING})
    at = moment(at)
    stage = appeal.stage
    assert stage is not None and stage.paused
    last = dict(stage.pauses[-1])
    last["to"] = at.isoformat()
    stage.pauses = [*stage.pauses[:-1], last]
    stage_recompute(stage)
    stage.save()
    appeal.status = last.get("status") or (
        Appeal.Status.HANDLING if stage.accepted_at else Appeal.Status.PENDING
    )
    appeal_clock_copy(appeal, stage)
    appeal.save()
    event(appeal, AppealEvent.Kind.RESUMED, actor=actor, at=at, text=(text or "").strip()[:5000])
    audit(actor, "rights.appeal.resume", appeal)
    return appeal


def transfer_direction(source: Union, target: Union) -> str:
    if tree.within(source.path, target.path):
        return "up"
    if tree.within(target.path, source.path):
        return "down"
    return "sideways"


@transaction.atomic
def appeal_transfer(
    *, actor: User, appeal: Appeal | int, to_union: Union, reason: str, at: dt.datetime | None = None
) -> Appeal:
    """转办: to the level above, below, or a sibling of this level (or anywhere in the actor's own
    scope): the targets of :func:`yugong.rights.selectors.transfer_targets`, which the handling
    page narrows for its list. The current stage ends as "transferred"; the receiving union starts a new stage with
    its own clock."""
    appeal = lock(appeal)
    require_handler(actor, appeal)
    require_status(appeal, Appeal.OPEN)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(fields={"reason": _("请说明转办原因。")})
    target = Union.objects.filter(pk=to_union.pk).first()
    if target is None or target.status != Union.Status.ACTIVE:
        raise ValidationFailed(fields={"to_union": _("目标工会不存在或已撤销。")})
    if target.pk == appeal.union_id:
        raise ValidationFailed(fields={"to_union": _("不能转给当前承办工会。")})
    source = appeal.union
    if not transfer_targets(actor, appeal).filter(pk=target.pk).exists():
        raise ValidationFailed(fields={"to_union": _("只能转给上级、下级、同级工会或您管辖范围内的工会。")})
    at = moment(at)
    direction = transfer_direction(source, target)
    assert appeal.stage is not None
    stage_end(appeal.stage, at=at, reason=HandlingStage.EndReason.TRANSFERRED)
    appeal.union = target
    appeal.assignee = None
    appeal.status = Appeal.Status.PENDING
    stage = stage_start(appeal, target, at=at, reason=reason)
    appeal.stage = stage
    appeal_clock_copy(appeal, stage)
    appeal.save()
    event(
        appeal,
        AppealEvent.Kind.TRANSFERRED,
        actor=actor,
        at=at,
        text=_("由%(source)s转至%(target)s：%(reason)s")
        % {"source": source.name, "target": target.name, "reason": reason[:300]},
        data={"from": source.pk, "to": target.pk, "direction": direction},
        union=source,
    )
    audit(actor, "rights.appeal.transfer", appeal, source=source.pk, target=target.pk, direction=direction)
    notify_worker(appeal, _("已转至%(union)s办理。") % {"union": target.name})
    return appeal
