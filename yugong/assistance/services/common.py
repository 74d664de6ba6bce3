"""Shared helpers of the services: settings, the tree above a union, the 低保 line, the tier, the lock."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.timezone import now
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.audit import audit_record
from yugong.core.errors import Conflict, NotFound, ValidationFailed
from yugong.core.facts import fact_record
from yugong.core.validators import clean_text
from yugong.orgs.access import MANAGE_ROLES
from yugong.orgs.models import Union
from yugong.orgs.tree import ancestor_paths

from ..models import (
    Cause,
    FileStep,
    HardshipFile,
    MinimumLivingLine,
)
from ..tier import compute_tier

REVIEW_ROLES = MANAGE_ROLES
Status = HardshipFile.Status
MAX_FEN = 100_000_000  # 100 万元 a month: anything above is a typing error


def _days(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def approval_kinds() -> tuple[str, ...]:
    """The union kinds that approve, in order up the tree (default: the district federation)."""
    return tuple(getattr(settings, "ASSISTANCE_APPROVAL_KINDS", ("district",)))


def _ancestors(union: Union) -> list[Union]:
    """``union`` and the unions above it, nearest first (one query)."""
    prefixes = ancestor_paths(union.path or "")
    by_path = {u.path: u for u in Union.objects.filter(path__in=prefixes)}
    return [by_path[p] for p in reversed(prefixes) if p in by_path]


def _district_of(union: Union) -> str:
    for u in _ancestors(union):
        if u.district:
            return u.district
    return ""


def line_for(district: str, year: int) -> int | None:
    """The 低保 line (fen per person per month) of ``district`` for ``year``; None when not set."""
    return (
        MinimumLivingLine.objects.filter(district=district, year=year)
        .values_list("monthly_fen", flat=True)
        .first()
    )


def recompute_tier(file: HardshipFile) -> HardshipFile:
    """Sum the file's lines and set its tier (the caller saves)."""
    file.household_size = 1 + file.household.count()
    file.monthly_income_fen = sum(file.incomes.values_list("monthly_fen", flat=True))
    file.monthly_rigid_cost_fen = sum(file.costs.values_list("monthly_fen", flat=True))
    file.line_fen = line_for(file.district, file.year)
    result = compute_tier(
        household_size=file.household_size,
        monthly_income_fen=file.monthly_income_fen,
        monthly_rigid_cost_fen=file.monthly_rigid_cost_fen,
        line_fen=file.line_fen,
        sudden_event=bool(file.sudden_event) or bool({Cause.ACCIDENT, Cause.DISASTER} & set(file.causes)),
        migrant=file.migrant,
        employment_months=file.employment_months,
    )
    file.tier = result.tier
    file.near_threshold = result.near
    return file


def _step(file: HardshipFile, kind: str, actor: User, note: str = "", **data: Any) -> FileStep:
    return FileStep.objects.create(
        file=file,
        kind=kind,
        actor=actor if getattr(actor, "pk", None) else None,
        at=now(),
        note=note,
        data=data,
    )


def _lock(file: HardshipFile | int) -> HardshipFile:
    pk = file.pk if isinstance(file, HardshipFile) else file
    try:
        return HardshipFile.objects.select_for_update().select_related("union").get(pk=pk)
    except HardshipFile.DoesNotExist:
        raise NotFound() from None


def _require_status(file: HardshipFile, *statuses: str) -> None:
    if file.status not in statuses:
        raise Conflict(
            _("档案当前状态为“%(status)s”，不能办理此步骤。") % {"status": file.get_status_display()}
        )


def _reason(value: str, field: str, required: bool = True) -> str:
    text = clean_text(value)
    if required and not text:
        raise ValidationFailed(fields={field: _("请填写意见。")})
    if len(text) > 500:
        raise ValidationFailed(fields={field: _("意见不能超过500个字。")})
    return text


def _reject(file: HardshipFile, actor: User, note: str) -> HardshipFile:
    before = file.status
    file.status = Status.REJECTED
    file.due_at = None
    file.closed_at = now()  # kept for the retention period from here
    file.save(update_fields=["status", "due_at", "closed_at", "updated_at"])
    _step(file, FileStep.Kind.REJECTED, actor, note)
    audit_record(
        actor=actor,
        action="assistance.file_reject",
        obj=file,
        union_id=file.union_id,
        changes={"status": [before, Status.REJECTED]},
        extra={"reason": note},
    )
    fact_record(metric="assistance.rejected", union_id=file.union_id)
    return file
