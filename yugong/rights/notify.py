"""SLA notices: as a running deadline approaches ("near", rights.sla) and when it passes
("overdue"), tell the handling union's staff and, when overdue, the level above — once per stage,
clock and threshold (``HandlingStage.alerts_sent``, set under the appeal's row lock)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from yugong.accounts.system import system_actor
from yugong.core.audit import audit_record
from yugong.core.sms import sms_send
from yugong.core.timeutil import now
from yugong.orgs.models import RoleAssignment

from .models import Appeal, AppealEvent, HandlingStage
from .roles import HANDLE_ROLES

BATCH = 500


def _recipients(union_ids: list[int]) -> list[str]:
    phones = (
        RoleAssignment.objects.filter(
            union_id__in=union_ids, role__in=HANDLE_ROLES, active=True, user__is_active=True
        )
        .select_related("user")
        .only("user__phone")
    )
    return sorted({r.user.phone for r in phones if r.user.phone})


def sla_notify(*, at: dt.datetime | None = None, limit: int = 5000) -> int:
    """Send the notices due at ``at``; returns how many thresholds were notified. Bounded per run."""
    at = at or now()
    sent = 0
    candidates = list(
        Appeal.objects.filter(Q(warn_at__lte=at) | Q(due_at__lte=at))
        .order_by("due_at")
        .values_list("pk", flat=True)[:limit]
    )
    for start in range(0, len(candidates), BATCH):
        for pk in candidates[start : start + BATCH]:
            sent += _notify_one(pk, at)
    return sent


@transaction.atomic
def _notify_one(pk: int, at: dt.datetime) -> int:
    appeal = Appeal.objects.select_for_update().filter(pk=pk).first()
    if appeal is None or appeal.stage_id is None or not appeal.due_kind:
        return 0
    stage = HandlingStage.objects.select_related("union").get(pk=appeal.stage_id)
    threshold = (
        "overdue"
        if appeal.due_at and appeal.due_at <= at
        else "near"
        if appeal.warn_at and appeal.warn_at <= at
        else ""
    )
    key = f"{appeal.due_kind}:{threshold}"
    if not threshold or key in stage.alerts_sent:
        return 0
    stage.alerts_sent = [*stage.alerts_sent, key]
    stage.save(update_fields=["alerts_sent"])
    unions = [stage.union_id]
    if threshold == "overdue" and stage.union.parent_id:
        unions.append(stage.union.parent_id)
    what = _("受理") if appeal.due_kind == "accept" else _("办结")
    if threshold == "near":
        text = _("【12351督办】诉求%(n)s%(what)s时限将至（%(due)s），请抓紧办理。")
    else:
        text = _("【12351督办】诉求%(n)s已超过%(what)s时限（%(due)s），请立即办理。")
    due = (
        appeal.due_at.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%m-%d %H:%M")
        if appeal.due_at
        else ""
    )
    message = text % {"n": appeal.number, "what": what, "due": due}
    for phone in _recipients(unions):
        sms_send(phone=phone, text=message)
    AppealEvent.objects.create(
        appeal=appeal,
        stage=stage,
        kind=AppealEvent.Kind.SLA_ALERT,
        at=at,
        actor_label=str(_("系统")),
        union_id=stage.union_id,
        text=message,
        public=False,
        data={"key": key},
    )
    audit_record(
        actor=system_actor(),
        action="rights.appeal.sla_alert",
        obj=appeal,
        union_id=stage.union_id,
        extra={"key": key},
    )
    return 1
