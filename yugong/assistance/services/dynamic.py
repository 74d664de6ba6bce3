"""Dynamic management of active files: the annual review (re-assessment recomputes the tier),
exit (脱困) or removal (撤档) with a reason, re-entry (back to the grassroots review), the move of a
file with its member to another union, and the deletion of closed files after the retention period
(``ASSISTANCE_RETENTION_YEARS``, ten by default)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.timezone import now
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.audit import audit_record
from yugong.core.calendar import add_working_days
from yugong.core.errors import Conflict, NotFound, ValidationFailed
from yugong.core.facts import fact_record
from yugong.core.timeutil import local_today
from yugong.core.validators import clean_text
from yugong.orgs.access import can_act, require_role
from yugong.orgs.models import Union

from ..models import CostKind, FileStep, HardshipFile, IncomeLine, RigidCost
from .common import (
    MAX_FEN,
    REVIEW_ROLES,
    Status,
    _days,
    _district_of,
    _lock,
    _require_status,
    _step,
    recompute_tier,
)
from .spotchecks import publish_exit_notice

CLOSED = (Status.EXITED, Status.REMOVED, Status.REJECTED)


def review_interval_days() -> int:
    return int(getattr(settings, "ASSISTANCE_REVIEW_INTERVAL_DAYS", 365))


def next_review(day: dt.date | None = None) -> dt.date:
    return (day or local_today()) + dt.timedelta(days=review_interval_days())


def _amount(value: Any, field: str, errors: dict[str, Any]) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_FEN:
        errors[field] = _("金额须为0至100万元之间的整数（分）。")
        return 0
    return value


def _clean_lines(
    incomes: Iterable[Mapping[str, Any]], costs: Iterable[Mapping[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    errors: dict[str, Any] = {}
    income_rows = []
    for row in incomes:
        source = clean_text(row.get("source"))
        if not source or len(source) > 60:
            errors["incomes"] = _("每项收入须填写来源（60字以内）。")
            continue
        income_rows.append(
            {"source": source, "monthly_fen": _amount(row.get("monthly_fen"), "incomes", errors)}
        )
    cost_rows = []
    for row in costs:
        if row.get("kind") not in CostKind.values:
            errors["costs"] = _("刚性支出类别不在可选范围内。")
            continue
        cost_rows.append(
            {"kind": row["kind"], "monthly_fen": _amount(row.get("monthly_fen"), "costs", errors)}
        )
    if errors:
        raise ValidationFailed(fields=errors)
    return income_rows, cost_rows


@transaction.atomic
def file_reassess(
    *,
    actor: User,
    file: HardshipFile | int,
    incomes: Iterable[Mapping[str, Any]],
    costs: Iterable[Mapping[str, Any]] = (),
    note: str = "",
) -> HardshipFile:
    """The annual review: the household's current income and rigid costs replace the old lines,
    the tier is recomputed against this year's 低保 line, the next review is due in a year. A file
    that no longer qualifies stays active until an officer closes it (with a reason)."""
    f = _lock(file)
    require_role(actor, f.union, REVIEW_ROLES)
    _require_status(f, Status.ACTIVE)
    income_rows, cost_rows = _clean_lines(incomes, costs)
    text = clean_text(note)
    if len(text) > 500:
        raise ValidationFailed(fields={"note": _("意见不能超过500个字。")})
    before = {"tier": f.tier, "near": f.near_threshold, "income": f.monthly_income_fen}
    f.incomes.all().delete()
    f.costs.all().delete()
    IncomeLine.objects.bulk_create(IncomeLine(file=f, **row) for row in income_rows)
    RigidCost.objects.bulk_create(RigidCost(file=f, **row) for row in cost_rows)
    f.year = local_today().year
    recompute_tier(f)
    f.reviewed_at = now()
    f.review_due_on = next_review()
    f.save()
    after = {"tier": f.tier, "near": f.near_threshold, "income": f.monthly_income_fen}
    _step(f, FileStep.Kind.REASSESSED, actor, text, before=before, after=after)
    audit_record(
        actor=actor,
        action="assistance.file_reassess",
        obj=f,
        union_id=f.union_id,
        changes={"tier": [before["tier"], f.tier]},
    )
    fact_record(metric="assistance.reassessed", union_id=f.union_id, dim=f.tier or "none")
    return f


@transaction.atomic
def file_close(*, actor: User, file: HardshipFile | int, kind: str, reason: str) -> HardshipFile:
    """Exit (脱困: the household is out of hardship) or removal (撤档: it should not have been on
    file), with a reason, and its 公示 (masked name, no reason) in the file's union. The file is
    kept for the retention period, then deleted."""
    f = _lock(file)
    require_role(actor, f.union, REVIEW_ROLES)
    _require_status(f, Status.ACTIVE)
    if kind not in ("exit", "remove"):
        raise ValidationFailed(fields={"kind": _("请选择脱困退出或撤档。")})
    text = clean_text(reason)
    if not text or len(text) > 200:
        raise ValidationFailed(fields={"reason": _("请填写结档原因（200字以内）。")})
    status = Status.EXITED if kind == "exit" else Status.REMOVED
    f.status = status
    f.closed_at = now()
    f.close_reason = text
    f.review_due_on = None
    f.due_at = None
    f.save(update_fields=["status", "closed_at", "close_reason", "review_due_on", "due_at", "updated_at"])
    _step(f, FileStep.Kind.EXITED if kind == "exit" else FileStep.Kind.REMOVED, actor, text)
    publish_exit_notice(f, actor, kind)
    audit_record(
        actor=actor,
        action="assistance.file_close",
        obj=f,
        union_id=f.union_id,
        changes={"status": [Status.ACTIVE, status]},
        extra={"reason": text},
    )
    fact_record(metric="assistance.closed", union_id=f.union_id, dim=kind)
    return f


@transaction.atomic
def file_reenter(*, actor: User, file: HardshipFile | int, reason: str) -> HardshipFile:
    """A closed household falls into hardship again: the same file (一户一档) goes back to the
    grassroots review, then the visit, the approval and the 公示 as a new application would."""
    f = _lock(file)
    own = f.applicant.user_id is not None and f.applicant.user_id == getattr(actor, "pk", None)
    if not own:
        require_role(actor, f.union, REVIEW_ROLES)
    _require_status(f, Status.EXITED, Status.REMOVED)
    text = clean_text(reason)
    if not text or len(text) > 200:
        raise ValidationFailed(fields={"reason": _("请填写重新申请的原因（200字以内）。")})
    before = f.status
    f.status = Status.SUBMITTED
    f.closed_at = None
    f.close_reason = ""
    f.approval_level = 0
    f.notice_article_id = None
    f.notice_ends_at = None
    f.exit_notice_article_id = None
    f.exit_notice_ends_at = None
    f.due_at = add_working_days(now(), _days("ASSISTANCE_REVIEW_WORKING_DAYS", 5))
    f.save()
    _step(f, FileStep.Kind.REENTERED, actor, text)
    audit_record(
        actor=actor,
        action="assistance.file_reenter",
        obj=f,
        union_id=f.union_id,
        changes={"status": [before, Status.SUBMITTED]},
    )
    return f


@transaction.atomic
def file_transfer(*, actor: User, file: HardshipFile | int, to_union: Union) -> HardshipFile:
    """The file follows its member to another union (called when a membership transfer completes):
    the new union's staff take it over, the old union's lose access (scope is by the file's union).
    The district follows; the tier is re-assessed against the new district's line at the next review."""
    f = _lock(file)
    if not can_act(actor, to_union, REVIEW_ROLES) or not can_act(actor, f.union, REVIEW_ROLES):
        raise NotFound()
    if f.status in CLOSED:
        raise Conflict(_("已结档的档案不随会籍转移。"), code="closed")
    if f.union_id == to_union.pk:
        return f
    old = f.union
    f.union = to_union
    f.district = _district_of(to_union) or f.district
    f.save(update_fields=["union", "district", "updated_at"])
    _step(f, FileStep.Kind.TRANSFERRED, actor, "", from_union=old.name, to_union=to_union.name)
    for union_id in (old.pk, to_union.pk):
        audit_record(
            actor=actor,
            action="assistance.file_transfer",
            obj=f,
            union_id=union_id,
            changes={"union": [old.pk, to_union.pk]},
        )
    return f


def retention_years() -> int:
    return int(getattr(settings, "ASSISTANCE_RETENTION_YEARS", 10))


def files_purge_expired(*, actor: User, at: dt.datetime | None = None) -> int:
    """Delete files closed (exited, removed, rejected) more than the retention period ago, with
    their household, income, costs, steps and objections; payment records keep their amounts and
    lose the link. One transaction per file, each audited."""
    moment = at or now()
    try:
        cutoff = moment.replace(year=moment.year - retention_years())
    except ValueError:  # 29 February in a year that has none
        cutoff = moment.replace(year=moment.year - retention_years(), day=28)
    ids = list(
        HardshipFile.objects.filter(status__in=CLOSED, closed_at__lt=cutoff).values_list("pk", flat=True)[
            :10_000
        ]
    )
    purged = 0
    for pk in ids:
        with transaction.atomic():
            f = HardshipFile.objects.select_for_update().filter(pk=pk, status__in=CLOSED).first()
            if f is None or f.closed_at is None or f.closed_at >= cutoff:
                continue
            require_role(actor, f.union, REVIEW_ROLES)
            union_id, closed_at = f.union_id, f.closed_at
            f.delete()
            audit_record(
                actor=actor,
                action="assistance.file_purge",
                union_id=union_id,
                extra={"file": pk, "closed_at": closed_at.isoformat(), "years": retention_years()},
            )
            purged += 1
    return purged
