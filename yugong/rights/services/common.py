"""Shared pieces of the rights write paths: roles, locking, the timeline, SMS and the clock copy."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.audit import audit_record
from yugong.core.errors import Conflict, NotFound, Unauthenticated
from yugong.core.sms import sms_send
from yugong.core.timeutil import now
from yugong.orgs.access import require_role
from yugong.orgs.models import Union

from .. import sla
from ..cache import queue_cache_bump
from ..models import Appeal, AppealEvent, HandlingStage
from ..roles import HANDLE_ROLES, INTAKE_ROLES, VIEW_ROLES

__all__ = ["HANDLE_ROLES", "INTAKE_ROLES", "VIEW_ROLES"]


def require_actor(actor: User) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise Unauthenticated()


def require_handler(actor: User, appeal: Appeal) -> None:
    require_actor(actor)
    require_role(actor, appeal.union, HANDLE_ROLES)


def lock(appeal: Appeal | int) -> Appeal:
    """Re-read the appeal under a row lock (callers are inside a transaction); related rows are
    read after the lock, unlocked."""
    pk = appeal if isinstance(appeal, int) else appeal.pk
    queue_cache_bump()  # every write path on an appeal locks it first
    try:
        locked = Appeal.objects.select_for_update().get(pk=pk)
    except Appeal.DoesNotExist:
        raise NotFound() from None
    locked.union = Union.objects.get(pk=locked.union_id)
    if locked.stage_id:
        locked.stage = HandlingStage.objects.get(pk=locked.stage_id)
    return locked


def require_status(appeal: Appeal, allowed: set[str] | tuple[str, ...]) -> None:
    if appeal.status not in allowed:
        raise Conflict(
            _("该诉求当前状态为“%(status)s”，不能执行此操作。") % {"status": appeal.get_status_display()}
        )


def label(actor: User) -> str:
    if actor is None:
        return _("系统")
    return str(getattr(actor, "display_name", "") or getattr(actor, "username", ""))[:150]


def event(
    appeal: Appeal,
    kind: str,
    *,
    actor: User,
    at: dt.datetime,
    text: str = "",
    data: dict[str, Any] | None = None,
    public: bool = True,
    union: Union | None = None,
) -> AppealEvent:
    return AppealEvent.objects.create(
        appeal=appeal,
        stage_id=appeal.stage_id,
        kind=kind,
        at=at,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=label(actor),
        union=union or appeal.union,
        text=text,
        data=data or {},
        public=public,
    )


def audit(actor: User, action: str, appeal: Appeal, **extra: Any) -> None:
    audit_record(actor=actor, action=action, obj=appeal, union_id=appeal.union_id, extra=extra)


def notify_worker(appeal: Appeal, text: str) -> None:
    """SMS to the worker on a step (after commit). The text names the number and the step only."""
    if appeal.caller_phone:
        sms_send(
            phone=appeal.caller_phone,
            text=_("【12351】您的诉求%(number)s：%(text)s") % {"number": appeal.number, "text": text},
        )


def stage_recompute(stage: HandlingStage) -> None:
    """Recompute the stage's deadlines from its start, budgets and pauses (rights.sla)."""
    clocks = sla.stage_clocks(
        started_at=stage.started_at,
        accept_hours=stage.accept_hours,
        conclude_days=stage.conclude_days,
        pauses=sla.parse_pauses(stage.pauses),
    )
    if stage.accepted_at is None:
        stage.accept_due = clocks.accept_due
    stage.conclude_due = clocks.conclude_due
    stage._clocks = clocks  # type: ignore[attr-defined]


def appeal_clock_copy(appeal: Appeal, stage: HandlingStage | None) -> None:
    """Copy the running deadline of the current stage onto the appeal (for the queues)."""
    appeal.due_at = appeal.warn_at = None
    appeal.due_kind = ""
    if (
        stage is None
        or stage.ended_at is not None
        or appeal.status not in (Appeal.Status.PENDING, Appeal.Status.HANDLING)
    ):
        return
    clocks: sla.Clocks | None = getattr(stage, "_clocks", None)
    if clocks is None:
        stage_recompute(stage)
        clocks = stage._clocks  # type: ignore[attr-defined]
    if stage.accepted_at is None:
        appeal.due_at, appeal.warn_at, appeal.due_kind = clocks.accept_due, clocks.accept_warn, "accept"
    elif stage.concluded_at is None:
        appeal.due_at, appeal.warn_at, appeal.due_kind = clocks.conclude_due, clocks.conclude_warn, "conclude"


def stage_start(appeal: Appeal, union: Union, *, at: dt.datetime, reason: str = "") -> HandlingStage:
    level = sla.level_of(union.kind)
    accept_hours, conclude_days = sla.limits(level, appeal.complexity)
    seq = (
        HandlingStage.objects.filter(appeal=appeal).order_by("-seq").values_list("seq", flat=True).first()
        or 0
    ) + 1
    stage = HandlingStage(
        appeal=appeal,
        seq=seq,
        union=union,
        level=level,
        complexity=appeal.complexity,
        accept_hours=accept_hours,
        conclude_days=conclude_days,
        started_at=at,
        reason=reason[:300],
    )
    stage_recompute(stage)
    stage.save()
    return stage


def stage_end(stage: HandlingStage, *, at: dt.datetime, reason: str) -> None:
    stage.ended_at = at
    stage.end_reason = reason
    if reason == HandlingStage.EndReason.TRANSFERRED:
        stage.transferred_at = at
    # An open pause ends with the stage.
    if stage.paused:
        stage.pauses[-1]["to"] = at.isoformat()
    stage.save()


def moment(at: dt.datetime | None) -> dt.datetime:
    return at or now()


def is_own_appeal(actor: User, appeal: Appeal) -> bool:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    if appeal.caller_user_id and appeal.caller_user_id == actor.pk:
        return True
    return bool(getattr(actor, "phone_index", "")) and actor.phone_index == appeal.caller_phone_index


def require_worker_or_handler(actor: User, appeal: Appeal) -> None:
    require_actor(actor)
    if not is_own_appeal(actor, appeal):
        require_handler(actor, appeal)
