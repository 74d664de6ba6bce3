"""Annual figures with approval (DHIS2-style, level by level): each union confirms its year —
grassroots first, then the district over them, then the city — may correct a figure with a reason
(kept beside the recorded value, never overwriting it), and locks it; a locked year never changes.

* :func:`annual_confirm` — snapshot every declared metric's figure for the node's subtree (as it
  stood) into :class:`AnnualFigure`; all of the node's active child units must have confirmed first.
* :func:`annual_correct` — a corrected value and its reason beside the recorded one.
* :func:`annual_lock` — a leader (chair or vice-chair) freezes the confirmed year.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.audit import audit_record
from yugong.core.errors import Conflict, ValidationFailed

__all__ = ["Conflict", "annual_confirm", "annual_correct", "annual_lock", "locked_figures"]
from yugong.core.metrics import all_metrics, get_metric
from yugong.core.timeutil import local_now, local_today
from yugong.orgs.access import LEADER_ROLES, MANAGE_ROLES, require_role
from yugong.orgs.models import Union

from . import periods, selectors
from .cache import bump_version
from .models import AnnualFigure, AnnualReview


def _year(year: Any) -> int:
    try:
        y = int(year)
    except (TypeError, ValueError):
        y = 0
    if not 2000 <= y <= local_today().year:
        raise ValidationFailed(fields={"year": [_("年度应为2000年至今年之间的年份。")]})
    return y


def _review(union: Union, year: int) -> AnnualReview:
    """The node's review of the year, locked for the rest of the transaction."""
    review, _created = AnnualReview.objects.get_or_create(year=year, union=union)
    return AnnualReview.objects.select_for_update().get(pk=review.pk)


def _not_locked(review: AnnualReview) -> None:
    if review.status == AnnualReview.Status.LOCKED:
        raise Conflict(_("该年度数据已锁定，不能再修改。"))


@transaction.atomic
def annual_confirm(*, actor: User, union: Union, year: int) -> AnnualReview:
    require_role(actor, union, MANAGE_ROLES)
    year = _year(year)
    review = _review(union, year)
    _not_locked(review)
    pending = list(
        Union.objects.filter(parent_id=union.pk, status=Union.Status.ACTIVE)
        .exclude(
            pk__in=AnnualReview.objects.filter(
                year=year, status__in=[AnnualReview.Status.CONFIRMED, AnnualReview.Status.LOCKED]
            ).values("union_id")
        )
        .values_list("name", flat=True)[:5]
    )
    if pending:
        raise Conflict(
            _("下级工会尚未确认本年度数据：%(names)s。") % {"names": "、".join(pending)},
            code="children_pending",
        )
    figures = {(code, ""): v for code, v in selectors.node_summary(union, periods.year(year)).items()}
    figures.update(selectors.node_summary_dims(union, periods.year(year)))
    existing = {(f.metric, f.dim): f for f in review.figures.all()}
    for (code, dim), value in figures.items():
        f = existing.get((code, dim))
        if f is None:
            AnnualFigure.objects.create(review=review, metric=code, dim=dim[:64], recorded=value)
        elif f.recorded != value:
            # Re-confirming (before the lock) refreshes the recorded value; a correction stays.
            AnnualFigure.objects.filter(pk=f.pk).update(recorded=value)
    review.status = AnnualReview.Status.CONFIRMED
    review.confirmed_by = actor
    review.confirmed_at = local_now()
    review.save(update_fields=["status", "confirmed_by", "confirmed_at"])
    audit_record(
        actor=actor, action="cockpit.annual.confirm", obj=review, union_id=union.pk, extra={"year": year}
    )
    transaction.on_commit(bump_version)
    return review


@transaction.atomic
def annual_correct(
    *, actor: User, union: Union, year: int, metric: str, value: Any, reason: str
) -> AnnualFigure:
    require_role(actor, union, MANAGE_ROLES)
    year = _year(year)
    errors: dict[str, list[Any]] = {}
    m = get_metric(metric or "")
    if m is None:
        errors["metric"] = [_("没有这个指标。")]
    try:
        number = int(str(value).replace(",", "").strip())
        if number < 0:
            raise ValueError
    except (TypeError, ValueError):
        errors["value"] = [_("更正值应为不小于0的整数。")]
        number = 0
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = [_("请填写更正原因。")]
    elif len(reason) > 500:
        errors["reason"] = [_("更正原因不能超过500字。")]
    if errors:
        raise ValidationFailed(fields=errors)
    review = _review(union, year)
    _not_locked(review)
    figure = review.figures.filter(metric=metric, dim="").first()
    if figure is None:
        raise Conflict(_("请先确认本年度数据，再更正。"))
    before = figure.corrected
    figure.corrected, figure.reason = number, reason
    figure.corrected_by, figure.corrected_at = actor, local_now()
    figure.save(update_fields=["corrected", "reason", "corrected_by", "corrected_at"])
    audit_record(
        actor=actor,
        action="cockpit.annual.correct",
        obj=figure,
        union_id=union.pk,
        changes={"corrected": [before, number]},
        extra={"year": year, "metric": metric, "recorded": figure.recorded, "reason": reason},
    )
    transaction.on_commit(bump_version)
    return figure


@transaction.atomic
def annual_lock(*, actor: User, union: Union, year: int) -> AnnualReview:
    require_role(actor, union, LEADER_ROLES)
    year = _year(year)
    review = _review(union, year)
    _not_locked(review)
    if review.status != AnnualReview.Status.CONFIRMED:
        raise Conflict(_("请先确认本年度数据，再锁定。"))
    review.status = AnnualReview.Status.LOCKED
    review.locked_by, review.locked_at = actor, local_now()
    review.save(update_fields=["status", "locked_by", "locked_at"])
    audit_record(
        actor=actor, action="cockpit.annual.lock", obj=review, union_id=union.pk, extra={"year": year}
    )
    transaction.on_commit(bump_version)
    return review


def locked_figures(union: Union, year: int) -> dict[str, int] | None:
    """The year's locked figures of a node (corrections applied), or None when not locked."""
    review = AnnualReview.objects.filter(union=union, year=year, status=AnnualReview.Status.LOCKED).first()
    if review is None:
        return None
    out = {m.code: 0 for m in all_metrics()}
    for f in review.figures.all():
        out[f.metric if not f.dim else f"{f.metric}|{f.dim}"] = f.value
    return out
