"""Skills competitions: problems (missing or flagged marks), resolution, computing a stage, objections
and publishing the results.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.audit import audit_record
from yugong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from yugong.core.events import event_publish
from yugong.core.facts import fact_record
from yugong.core.timeutil import now
from yugong.orgs.access import MANAGE_ROLES, can_act, require_role

from ..models_skills import (
    Aspect,
    Competition,
    Entry,
    EntryMember,
    Item,
    Judge,
    Mark,
    MarkResolution,
    Objection,
    Stage,
    StageResult,
)
from .scoring import JUDGEMENT_JUDGES, advances, aspect_mark, judgement_flagged, rank, stage_totals


@dataclass(frozen=True)
class Problem:
    entry_id: int
    aspect_id: int
    reason: str  # "missing" | "spread"


def stage_entries(stage: Stage) -> list[Entry]:
    qs = Entry.objects.filter(competition_id=stage.competition_id, status=Entry.Status.REGISTERED)
    previous = (
        Stage.objects.filter(competition_id=stage.competition_id, order__lt=stage.order)
        .order_by("-order")
        .first()
    )
    if previous is not None:
        qs = qs.filter(results__stage=previous, results__advanced=True)
    return list(qs.order_by("id"))


def stage_problems(stage: Stage) -> list[Problem]:
    """Marks still missing and judgement spreads over one point not yet resolved."""
    aspects = list(Aspect.objects.filter(subitem__item__stage=stage).values_list("id", "kind"))
    entries = [e.pk for e in stage_entries(stage)]
    values: dict[tuple[int, int], list[Decimal]] = defaultdict(list)
    for aspect_id, entry_id, value in Mark.objects.filter(
        aspect__subitem__item__stage=stage, entry_id__in=entries
    ).values_list("aspect_id", "entry_id", "value"):
        values[(entry_id, aspect_id)].append(value)
    resolved = set(
        MarkResolution.objects.filter(aspect__subitem__item__stage=stage).values_list("entry_id", "aspect_id")
    )
    out = []
    for entry_id in entries:
        for aspect_id, kind in aspects:
            vs = values.get((entry_id, aspect_id), [])
            need = JUDGEMENT_JUDGES if kind == Aspect.Kind.JUDGEMENT else 1
            if len(vs) < need:
                out.append(Problem(entry_id, aspect_id, "missing"))
            elif (
                kind == Aspect.Kind.JUDGEMENT
                and judgement_flagged(vs)
                and (entry_id, aspect_id) not in resolved
            ):
                out.append(Problem(entry_id, aspect_id, "spread"))
    return out


@transaction.atomic
def mark_resolve(*, actor: User, aspect: Aspect, entry: Entry, note: str) -> MarkResolution:
    """The chief expert (chief judge of the item, or the organiser's staff) accepts flagged marks."""
    item = aspect.subitem.item
    competition = item.stage.competition
    is_chief = Judge.objects.filter(item=item, user_id=getattr(actor, "pk", 0) or 0, chief=True).exists()
    if not is_chief and not can_act(actor, competition.organiser, MANAGE_ROLES):
        raise PermissionDenied(_("只有裁判长可以处理评分分歧。"))
    if not note.strip():
        raise ValidationFailed(fields={"note": _("请填写处理说明。")})
    res, _c = MarkResolution.objects.update_or_create(
        aspect=aspect, entry=entry, defaults={"note": note.strip(), "resolved_by": actor}
    )
    audit_record(actor=actor, action="competition.mark_resolve", obj=res, union_id=competition.organiser_id)
    return res


# --- results ------------------------------------------------------------------------------------


@transaction.atomic
def stage_compute(*, actor: User, stage: Stage) -> list[StageResult]:
    competition = Competition.objects.select_for_update().get(pk=stage.competition_id)
    require_role(actor, competition.organiser, MANAGE_ROLES)
    problems = stage_problems(stage)
    if problems:
        missing = sum(1 for p in problems if p.reason == "missing")
        spread = len(problems) - missing
        raise Conflict(
            _("还不能计算成绩：%(m)s 项评分缺失，%(s)s 项评价分分差超过 1 分未处理。")
            % {"m": missing, "s": spread},
            code="marking_incomplete",
        )
    entries = stage_entries(stage)
    items = [(i.pk, i.kind, i.weight) for i in Item.objects.filter(stage=stage)]
    aspects = {a.pk: a for a in Aspect.objects.filter(subitem__item__stage=stage).select_related("subitem")}
    values: dict[tuple[int, int], list[Decimal]] = defaultdict(list)
    for aspect_id, entry_id, value in Mark.objects.filter(aspect_id__in=aspects).values_list(
        "aspect_id", "entry_id", "value"
    ):
        values[(entry_id, aspect_id)].append(value)
    item_marks: dict[tuple[int, int], tuple[Decimal, Decimal]] = {}
    for e in entries:
        for a in aspects.values():
            got = aspect_mark(a.kind, a.max_mark, values.get((e.pk, a.pk), []))
            key = (e.pk, a.subitem.item_id)
            g, m = item_marks.get(key, (Decimal(0), Decimal(0)))
            item_marks[key] = (g + got, m + a.max_mark)
    scored = stage_totals(items, item_marks, [(e.pk, e.kind) for e in entries])
    StageResult.objects.filter(stage=stage).delete()
    rows = []
    for kind in Entry.Kind.values:
        for s, r in rank([x for x in scored if x.kind == kind]):
            rows.append(
                StageResult(
                    stage=stage,
                    entry_id=s.entry_id,
                    score=s.total,
                    written=s.written,
                    practical=s.practical,
                    rank=r,
                    advanced=advances(
                        r, s.total, top_n=stage.advance_top_n, threshold=stage.advance_threshold
                    ),
                )
            )
    StageResult.objects.bulk_create(rows)
    at = now()
    Stage.objects.filter(pk=stage.pk).update(results_computed_at=at)
    competition.status = Competition.Status.REVIEW
    competition.review_ends_at = at + dt.timedelta(days=competition.review_days)
    competition.save(update_fields=["status", "review_ends_at"])
    audit_record(actor=actor, action="competition.compute", obj=stage, union_id=competition.organiser_id)
    return rows


@transaction.atomic
def objection_file(*, actor: User, entry: Entry, stage: Stage, text: str) -> Objection:
    competition = entry.competition
    if competition.status != Competition.Status.REVIEW or (
        competition.review_ends_at and now() > competition.review_ends_at
    ):
        raise Conflict(_("不在成绩公示期内，不能提出异议。"))
    is_member = EntryMember.objects.filter(entry=entry, person__user_id=getattr(actor, "pk", 0) or 0).exists()
    if not is_member and not can_act(actor, entry.union, MANAGE_ROLES):
        raise NotFound()
    if not text.strip():
        raise ValidationFailed(fields={"text": _("请填写异议内容。")})
    obj = Objection.objects.create(entry=entry, stage=stage, text=text.strip()[:2000], filed_by=actor)
    audit_record(actor=actor, action="competition.objection", obj=obj, union_id=competition.organiser_id)
    return obj


@transaction.atomic
def objection_decide(*, actor: User, objection: Objection, upheld: bool, response: str) -> Objection:
    require_role(actor, objection.entry.competition.organiser, MANAGE_ROLES)
    if objection.status != Objection.Status.OPEN:
        raise Conflict(_("该异议已处理。"))
    if not response.strip():
        raise ValidationFailed(fields={"response": _("请填写处理意见。")})
    objection.status = Objection.Status.UPHELD if upheld else Objection.Status.DISMISSED
    objection.response = response.strip()
    objection.decided_at = now()
    objection.save(update_fields=["status", "response", "decided_at"])
    audit_record(actor=actor, action="competition.objection_decide", obj=objection)
    return objection


@transaction.atomic
def results_publish(*, actor: User, competition: Competition, winners: int = 3) -> Competition:
    """After the review window, with every objection decided: publish; the top ``winners`` of each
    kind in the last computed stage count as winners for the cockpit."""
    competition = Competition.objects.select_for_update().get(pk=competition.pk)
    require_role(actor, competition.organiser, MANAGE_ROLES)
    if competition.status != Competition.Status.REVIEW:
        raise Conflict(_("成绩尚未进入公示。"))
    if competition.review_ends_at and now() < competition.review_ends_at:
        raise Conflict(_("公示期未满，暂不能发布成绩。"), code="review_open")
    if Objection.objects.filter(entry__competition=competition, status=Objection.Status.OPEN).exists():
        raise Conflict(_("还有未处理的异议。"), code="objections_open")
    stage = (
        Stage.objects.filter(competition=competition, results_computed_at__isnull=False)
        .order_by("-order")
        .first()
    )
    competition.status = Competition.Status.PUBLISHED
    competition.save(update_fields=["status"])
    if stage is not None:
        for r in StageResult.objects.filter(stage=stage, rank__lte=winners).select_related("entry"):
            fact_record(metric="competition_winners", union_id=r.entry.union_id, dim=str(competition.pk))
            for m in EntryMember.objects.filter(
                entry=r.entry
            ):  # certificates issued: the credit bank listens
                event_publish(
                    kind="contests.certificate_issued",
                    payload={
                        "person_id": m.person_id,
                        "certificate_id": f"s-{m.pk}",
                        "contest_title": competition.title,
                        "level": "winner",
                        "rank": r.rank,
                    },
                    union_id=r.entry.union_id,
                    actor=actor,
                )
    audit_record(
        actor=actor, action="competition.publish", obj=competition, union_id=competition.organiser_id
    )
    return competition
