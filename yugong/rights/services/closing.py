"""Appeal closing: conclusion, the follow-up call, rating (and reopening for the level above),
closing, and the audited clear view of the caller.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yugong.accounts.models import User
from yugong.core.audit import audit_pii_view
from yugong.core.errors import Conflict, ValidationFailed
from yugong.core.facts import fact_record
from yugong.core.timeutil import SHANGHAI
from yugong.orgs.models import Union

from ..models import (
    Appeal,
    AppealEvent,
    HandlingStage,
    Rating,
)
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
    stage_start,
)


@transaction.atomic
def appeal_conclude(
    *,
    actor: User,
    appeal: Appeal | int,
    outcome: str,
    amount_recovered_fen: int = 0,
    at: dt.datetime | None = None,
) -> Appeal:
    appeal = lock(appeal)
    require_handler(actor, appeal)
    require_status(appeal, {Appeal.Status.HANDLING})
    outcome = (outcome or "").strip()
    errors: dict[str, Any] = {}
    if not outcome:
        errors["outcome"] = _("请填写办理结果。")
    if (
        not isinstance(amount_recovered_fen, int)
        or isinstance(amount_recovered_fen, bool)
        or amount_recovered_fen < 0
    ):
        errors["amount_recovered_fen"] = _("挽回金额不能为负数。")
    if errors:
        raise ValidationFailed(fields=errors)
    at = moment(at)
    stage = appeal.stage
    assert stage is not None
    stage.concluded_at = at
    stage_end(stage, at=at, reason=HandlingStage.EndReason.CONCLUDED)
    appeal.status = Appeal.Status.CONCLUDED
    appeal.outcome = outcome[:5000]
    appeal.amount_recovered_fen += amount_recovered_fen
    appeal.concluded_at = at
    appeal_clock_copy(appeal, stage)
    appeal.save()
    on_time = stage.concluded_on_time is not False
    event(
        appeal,
        AppealEvent.Kind.CONCLUDED,
        actor=actor,
        at=at,
        text=outcome[:5000],
        data={"amount_recovered_fen": amount_recovered_fen, "on_time": on_time},
    )
    audit(actor, "rights.appeal.conclude", appeal, amount_recovered_fen=amount_recovered_fen, on_time=on_time)
    day = at.astimezone(SHANGHAI).date()
    fact_record(
        metric="appeals.concluded", union_id=appeal.union_id, dim=f"category:{appeal.category}", day=day
    )
    if amount_recovered_fen:
        fact_record(
            metric="appeals.amount_recovered_fen",
            union_id=appeal.union_id,
            value=amount_recovered_fen,
            dim=f"category:{appeal.category}",
            day=day,
        )
    notify_worker(appeal, _("已办结，工作人员将电话回访；您也可以在“我的诉求”中评价。"))
    return appeal


# Lazy: labels of a form's choices, read in the language of each request (not of the import).
FOLLOW_UP_RESULTS = {
    "reached": gettext_lazy("已回访"),
    "unreachable": gettext_lazy("多次联系未接通"),
    "anonymous": gettext_lazy("匿名诉求无法回访"),
}


@transaction.atomic
def appeal_follow_up(
    *,
    actor: User,
    appeal: Appeal | int,
    result: str,
    note: str = "",
    rating: str = "",
    at: dt.datetime | None = None,
) -> Appeal:
    """The follow-up call (回访) before closing; the worker's rating may be recorded with it."""
    appeal = lock(appeal)
    require_handler(actor, appeal)
    require_status(appeal, {Appeal.Status.CONCLUDED})
    if result not in FOLLOW_UP_RESULTS:
        raise ValidationFailed(fields={"result": _("请选择回访结果。")})
    if result == "anonymous" and appeal.caller_phone:
        raise ValidationFailed(fields={"result": _("该诉求留有联系电话，请电话回访。")})
    at = moment(at)
    appeal.followed_up_at = at
    appeal.save(update_fields=["followed_up_at", "updated_at"])
    event(
        appeal,
        AppealEvent.Kind.FOLLOWED_UP,
        actor=actor,
        at=at,
        text=f"{FOLLOW_UP_RESULTS[result]} {note.strip()[:2000]}".strip(),
        data={"result": result},
    )
    audit(actor, "rights.appeal.follow_up", appeal, result=result)
    if rating:
        _rate(actor=actor, appeal=appeal, rating=rating, comment=note, at=at)
    return appeal


@transaction.atomic
def appeal_rate(
    *, actor: User, appeal: Appeal | int, rating: str, comment: str = "", at: dt.datetime | None = None
) -> Appeal:
    """The worker rates the result (on the H5; or a handler records it). "Not satisfied" reopens
    the appeal for the level above to review."""
    appeal = lock(appeal)
    require_worker_or_handler(actor, appeal)
    return _rate(actor=actor, appeal=appeal, rating=rating, comment=comment, at=moment(at))


def _rate(*, actor: User, appeal: Appeal, rating: str, comment: str, at: dt.datetime) -> Appeal:
    require_status(appeal, {Appeal.Status.CONCLUDED, Appeal.Status.CLOSED})
    if rating not in Rating.values:
        raise ValidationFailed(fields={"rating": _("请选择满意、基本满意或不满意。")})
    if appeal.rating:
        raise Conflict(_("该诉求已评价。"))
    appeal.rating = rating
    appeal.rating_comment = (comment or "").strip()[:500]
    appeal.rated_at = at
    appeal.save(update_fields=["rating", "rating_comment", "rated_at", "updated_at"])
    event(
        appeal,
        AppealEvent.Kind.RATED,
        actor=actor,
        at=at,
        text=f"{Rating(rating).label} {appeal.rating_comment}".strip(),
        data={"rating": rating},
    )
    audit(actor, "rights.appeal.rate", appeal, rating=rating)
    fact_record(
        metric="appeals.rated",
        union_id=appeal.union_id,
        dim=f"rating:{rating}",
        day=at.astimezone(SHANGHAI).date(),
    )
    if rating == Rating.NOT_SATISFIED:
        _reopen(actor=actor, appeal=appeal, at=at)
    return appeal


def _reopen(*, actor: User, appeal: Appeal, at: dt.datetime) -> None:
    concluding = appeal.union
    above = (
        Union.objects.filter(pk=concluding.parent_id, status=Union.Status.ACTIVE).first()
        if concluding.parent_id
        else None
    )
    target = above or concluding
    if appeal.stage is not None and appeal.stage.ended_at is None:
        stage_end(appeal.stage, at=at, reason=HandlingStage.EndReason.REOPENED)
    appeal.union = target
    appeal.status = Appeal.Status.PENDING
    appeal.assignee = None
    appeal.concluded_at = appeal.followed_up_at = appeal.closed_at = None
    appeal.reopen_count += 1
    appeal.rating = ""
    appeal.rating_comment = ""
    appeal.rated_at = None
    stage = stage_start(appeal, target, at=at, reason=str(_("职工不满意，由上级工会复核")))
    appeal.stage = stage
    appeal_clock_copy(appeal, stage)
    appeal.save()
    event(
        appeal,
        AppealEvent.Kind.REOPENED,
        actor=actor,
        at=at,
        text=_("职工对办理结果不满意，转%(union)s复核。") % {"union": target.name},
        data={"from": concluding.pk, "to": target.pk},
    )
    audit(actor, "rights.appeal.reopen", appeal, source=concluding.pk, target=target.pk)
    fact_record(metric="appeals.reopened", union_id=target.pk, day=at.astimezone(SHANGHAI).date())
    notify_worker(appeal, _("已根据您的评价重新办理，由%(union)s复核。") % {"union": target.name})


@transaction.atomic
def appeal_close(*, actor: User, appeal: Appeal | int, at: dt.datetime | None = None) -> Appeal:
    """结案: only after the follow-up call. Counted on time when the concluding stage concluded
    within its limit."""
    appeal = lock(appeal)
    require_handler(actor, appeal)
    require_status(appeal, {Appeal.Status.CONCLUDED})
    if appeal.followed_up_at is None:
        raise Conflict(_("结案前须完成回访。"))
    at = moment(at)
    appeal.status = Appeal.Status.CLOSED
    appeal.closed_at = at
    appeal.save(update_fields=["status", "closed_at", "updated_at"])
    stage = appeal.stage
    on_time = stage is None or stage.concluded_on_time is not False
    event(appeal, AppealEvent.Kind.CLOSED, actor=actor, at=at, data={"on_time": on_time})
    audit(actor, "rights.appeal.close", appeal, on_time=on_time)
    fact_record(
        metric="appeals.closed_on_time" if on_time else "appeals.closed_late",
        union_id=appeal.union_id,
        dim=f"category:{appeal.category}",
        day=at.astimezone(SHANGHAI).date(),
    )
    notify_worker(appeal, _("已结案。感谢您对12351的信任。"))
    return appeal


# --- Personal data --------------------------------------------------------------------------


def appeal_reveal_caller(*, actor: User, appeal: Appeal) -> dict[str, str]:
    """The caller's name and phone in clear, for a handler of the appeal — audited. (A read with an
    audit row: the caller fetched ``appeal`` through the access layer.)"""
    require_handler(actor, appeal)  # a viewer sees the appeal, masked: 403 for the clear view
    audit_pii_view(actor=actor, obj=appeal, fields=["caller_name", "caller_phone"], union_id=appeal.union_id)
    return {
        "caller_name": "" if appeal.anonymous else appeal.caller_name,
        "caller_phone": appeal.caller_phone,
    }
