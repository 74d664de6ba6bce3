"""Skills competitions: set-up, registration, WorldSkills-style marking, results, objections.

Marking rules (pure functions at the top, pinned by tests):

* measurement aspects: one objective mark in 0..max (several judges → their mean);
* judgement aspects: three judges each score 0, 1, 2 or 3; the aspect's mark is
  ``mean ÷ 3 × max``; when the highest and lowest score differ by more than one point the marks
  are flagged and must be re-marked or accepted by the chief expert (:class:`MarkResolution`)
  before results can be computed;
* an item's score is its marks ÷ its maximum × 100; the stage score is the weighted mean of the
  item scores (weights in %, normalised); ``written`` and ``practical`` are the two parts of it;
* ranking, separately for individuals and teams: total desc, then the practical part desc, then
  the written part desc; still equal → the same rank (1, 1, 3);
* advancement to the next stage: rank ≤ ``advance_top_n`` (ties at the cut all advance) and score
  ≥ ``advance_threshold``, whichever are set.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from yugong.core.audit import audit_record
from yugong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from yugong.core.facts import fact_record
from yugong.core.timeutil import local_today, now
from yugong.members.models import Membership, Person
from yugong.orgs.access import MANAGE_ROLES, can_act, require_role
from yugong.orgs.models import Union

from .models_skills import (
    Aspect,
    Competition,
    CompetitionQuota,
    Entry,
    EntryMember,
    Item,
    Judge,
    Mark,
    MarkResolution,
    Objection,
    Stage,
    StageResult,
    SubItem,
)

JUDGEMENT_JUDGES = 3
Q3 = Decimal("0.001")

# --- pure rules -----------------------------------------------------------------------------


def judgement_flagged(values: Sequence[Decimal | int]) -> bool:
    """Three judges' 0–3 scores are flagged when they spread over more than one point."""
    return bool(values) and (max(values) - min(values)) > 1


def aspect_mark(kind: str, max_mark: Decimal, values: Sequence[Decimal | int]) -> Decimal:
    if not values:
        return Decimal(0)
    mean: Decimal = sum((Decimal(v) for v in values), Decimal(0)) / len(values)
    if kind == Aspect.Kind.JUDGEMENT:
        return (mean / 3 * Decimal(max_mark)).quantize(Q3, ROUND_HALF_UP)
    return mean.quantize(Q3, ROUND_HALF_UP)


@dataclass(frozen=True)
class Scored:
    entry_id: int
    kind: str
    total: Decimal
    written: Decimal
    practical: Decimal


def stage_totals(
    items: Sequence[tuple[int, str, Decimal]],
    item_marks: dict[tuple[int, int], tuple[Decimal, Decimal]],
    entries: Iterable[tuple[int, str]],
) -> list[Scored]:
    """``items``: (item id, kind, weight); ``item_marks[(entry, item)]`` = (marks, maximum)."""
    weight_sum = sum((w for _i, _k, w in items), Decimal(0)) or Decimal(1)
    out = []
    for entry_id, entry_kind in entries:
        parts = {"written": Decimal(0), "practical": Decimal(0)}
        for item_id, kind, weight in items:
            got, maximum = item_marks.get((entry_id, item_id), (Decimal(0), Decimal(0)))
            score = got / maximum * 100 if maximum else Decimal(0)
            parts[kind] += score * weight / weight_sum
        written = parts["written"].quantize(Q3, ROUND_HALF_UP)
        practical = parts["practical"].quantize(Q3, ROUND_HALF_UP)
        out.append(Scored(entry_id, entry_kind, written + practical, written, practical))
    return out


def rank(scored: Sequence[Scored]) -> list[tuple[Scored, int]]:
    """Competition ranking (1, 1, 3) within one kind by total, practical, written."""
    order = sorted(scored, key=lambda s: (-s.total, -s.practical, -s.written, s.entry_id))
    out: list[tuple[Scored, int]] = []
    for i, s in enumerate(order):
        if i and (s.total, s.practical, s.written) == (
            order[i - 1].total,
            order[i - 1].practical,
            order[i - 1].written,
        ):
            out.append((s, out[-1][1]))
        else:
            out.append((s, i + 1))
    return out


def advances(rank_: int, total: Decimal, *, top_n: int | None, threshold: Decimal | None) -> bool:
    if top_n is None and threshold is None:
        return False
    return (top_n is None or rank_ <= top_n) and (threshold is None or total >= threshold)


# --- set-up -----------------------------------------------------------------------------------


def competition_create(*, actor: Any, organiser: Union, title: str, **fields: Any) -> Competition:
    require_role(actor, organiser, MANAGE_ROLES)
    title = (title or "").strip()
    if not title:
        raise ValidationFailed(fields={"title": _("请填写竞赛名称。")})
    allowed = {
        "level",
        "trades",
        "cross_region",
        "mode",
        "team_size",
        "quota_per_union",
        "require_member",
        "min_age",
        "max_age",
        "registration_ends_at",
        "review_days",
        "status",
    }
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"unknown fields {sorted(unknown)}")
    with transaction.atomic():
        competition = Competition.objects.create(organiser=organiser, title=title[:150], **fields)
        audit_record(actor=actor, action="competition.create", obj=competition, union_id=organiser.pk)
        fact_record(metric="contests_held", union_id=organiser.pk, dim="skills")
    return competition


@transaction.atomic
def stage_create(
    *,
    actor: Any,
    competition: Competition,
    kind: str,
    name: str,
    order: int,
    items: list[dict[str, Any]],
    advance_top_n: int | None = None,
    advance_threshold: Decimal | None = None,
) -> Stage:
    """A stage with its items, sub-items and aspects, e.g.
    ``items=[{"name": "实操", "kind": "practical", "weight": 70, "subitems": [{"name": …,
    "aspects": [{"name": …, "kind": "judgement", "max_mark": 5}]}]}]``."""
    require_role(actor, competition.organiser, MANAGE_ROLES)
    if kind not in Stage.Kind.values:
        raise ValidationFailed(fields={"kind": _("阶段无效。")})
    stage = Stage.objects.create(
        competition=competition,
        kind=kind,
        name=name,
        order=order,
        advance_top_n=advance_top_n,
        advance_threshold=advance_threshold,
    )
    for i, it in enumerate(items, start=1):
        if it.get("kind") not in Item.Kind.values:
            raise ValidationFailed(fields={f"items.{i}.kind": _("项目类型应为理论笔试或实际操作。")})
        item = Item.objects.create(
            stage=stage, name=it["name"], kind=it["kind"], weight=Decimal(str(it.get("weight", 50))), order=i
        )
        for j, si in enumerate(it.get("subitems", []), start=1):
            sub = SubItem.objects.create(item=item, name=si["name"], order=j)
            for k, asp in enumerate(si.get("aspects", []), start=1):
                if asp.get("kind") not in Aspect.Kind.values:
                    raise ValidationFailed(fields={f"items.{i}.aspects.{k}.kind": _("评分方式无效。")})
                Aspect.objects.create(
                    subitem=sub,
                    name=asp["name"],
                    kind=asp["kind"],
                    max_mark=Decimal(str(asp["max_mark"])),
                    order=k,
                )
    audit_record(actor=actor, action="competition.stage_create", obj=stage, union_id=competition.organiser_id)
    return stage


def _decimal(value: Any, field: str, label: str, *, low: Decimal, high: Decimal) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationFailed(fields={field: _("%(f)s应为数字。") % {"f": label}}) from None
    if not number.is_finite() or not low <= number <= high:
        raise ValidationFailed(
            fields={field: _("%(f)s应在 %(a)s 到 %(b)s 之间。") % {"f": label, "a": low, "b": high}}
        )
    return number


def _name(value: Any, field: str, label: str, max_length: int = 80) -> str:
    text = str(value or "").strip()
    if not text:
        raise ValidationFailed(fields={field: _("请填写%(f)s。") % {"f": label}})
    if len(text) > max_length:
        raise ValidationFailed(
            fields={field: _("%(f)s不能超过 %(n)s 个字。") % {"f": label, "n": max_length}}
        )
    return text


def _editable(competition: Competition) -> None:
    if competition.status in (Competition.Status.REVIEW, Competition.Status.PUBLISHED):
        raise Conflict(_("成绩已计算或发布，不能再修改赛项设置。"))


@transaction.atomic
def item_add(*, actor: Any, stage: Stage, name: str, kind: str, weight: Any) -> Item:
    """A written or practical item of a stage (weight in %, the items of a stage sum to 100)."""
    competition = stage.competition
    require_role(actor, competition.organiser, MANAGE_ROLES)
    _editable(competition)
    name = _name(name, "name", _("项目名称"))
    if kind not in Item.Kind.values:
        raise ValidationFailed(fields={"kind": _("项目类型应为理论笔试或实际操作。")})
    w = _decimal(weight, "weight", _("权重"), low=Decimal("0"), high=Decimal("100"))
    used = sum((i.weight for i in Item.objects.filter(stage=stage)), Decimal("0"))
    if used + w > 100:
        raise ValidationFailed(
            fields={"weight": _("本阶段各项目权重合计不能超过 100%%（已有 %(u)s%%）。") % {"u": used}}
        )
    order = Item.objects.filter(stage=stage).count() + 1
    item = Item.objects.create(stage=stage, name=name, kind=kind, weight=w, order=order)
    audit_record(actor=actor, action="competition.item_add", obj=item, union_id=competition.organiser_id)
    return item


@transaction.atomic
def subitem_add(*, actor: Any, item: Item, name: str) -> SubItem:
    competition = item.stage.competition
    require_role(actor, competition.organiser, MANAGE_ROLES)
    _editable(competition)
    name = _name(name, "name", _("子项名称"))
    order = SubItem.objects.filter(item=item).count() + 1
    sub = SubItem.objects.create(item=item, name=name, order=order)
    audit_record(actor=actor, action="competition.subitem_add", obj=sub, union_id=competition.organiser_id)
    return sub


@transaction.atomic
def aspect_add(*, actor: Any, subitem: SubItem, name: str, kind: str, max_mark: Any) -> Aspect:
    """A scored aspect: measurement (0..max) or judgement (three judges 0–3, mean ÷ 3 × max)."""
    competition = subitem.item.stage.competition
    require_role(actor, competition.organiser, MANAGE_ROLES)
    _editable(competition)
    name = _name(name, "name", _("评分点"), 120)
    if kind not in Aspect.Kind.values:
        raise ValidationFailed(fields={"kind": _("评分方式应为测量评分或评价评分。")})
    top = _decimal(max_mark, "max_mark", _("分值"), low=Decimal("0.01"), high=Decimal("1000"))
    order = Aspect.objects.filter(subitem=subitem).count() + 1
    aspect = Aspect.objects.create(subitem=subitem, name=name, kind=kind, max_mark=top, order=order)
    audit_record(actor=actor, action="competition.aspect_add", obj=aspect, union_id=competition.organiser_id)
    return aspect


def competition_set_status(*, actor: Any, competition: Competition, status: str) -> Competition:
    require_role(actor, competition.organiser, MANAGE_ROLES)
    if status not in (Competition.Status.REGISTRATION, Competition.Status.RUNNING):
        raise ValidationFailed(fields={"status": _("只能切换到报名中或比赛中。")})
    Competition.objects.filter(pk=competition.pk).update(status=status)
    competition.status = status
    audit_record(
        actor=actor, action=f"competition.{status}", obj=competition, union_id=competition.organiser_id
    )
    return competition


# --- registration ----------------------------------------------------------------------------


def _age(birth: dt.date | None, today: dt.date) -> int | None:
    if birth is None:
        return None
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


@transaction.atomic
def entry_register(
    *,
    actor: Any,
    competition: Competition,
    union: Union,
    kind: str,
    person_ids: list[int],
    team_name: str = "",
) -> Entry:
    """Register an individual or a team through the workers' union (its managing staff act),
    within the union's quota and the competition's eligibility rules."""
    require_role(actor, union, MANAGE_ROLES)
    # Visibility before state: a competition the actor cannot see — another district's draft, or
    # one not open to this union — answers 404 like a missing one, whatever its state.
    open_to_union = competition.cross_region or union.path.startswith(competition.organiser.path)
    if not can_act(actor, competition.organiser) and (
        competition.status == Competition.Status.DRAFT or not open_to_union
    ):
        raise NotFound()
    if competition.status != Competition.Status.REGISTRATION:
        raise Conflict(_("当前不在报名期。"))
    if competition.registration_ends_at and now() > competition.registration_ends_at:
        raise Conflict(_("报名已截止。"))
    if not competition.cross_region and not union.path.startswith(competition.organiser.path):
        raise ValidationFailed(fields={"union": _("该竞赛只接受主办工会所辖单位报名。")})
    if kind not in Entry.Kind.values:
        raise ValidationFailed(fields={"kind": _("参赛形式无效。")})
    if kind == Entry.Kind.INDIVIDUAL and competition.mode == Competition.Mode.TEAM:
        raise ValidationFailed(fields={"kind": _("本竞赛只设团体赛。")})
    if kind == Entry.Kind.TEAM and competition.mode == Competition.Mode.INDIVIDUAL:
        raise ValidationFailed(fields={"kind": _("本竞赛只设个人赛。")})
    ids = list(dict.fromkeys(int(p) for p in person_ids))
    size = 1 if kind == Entry.Kind.INDIVIDUAL else competition.team_size
    if len(ids) != size:
        raise ValidationFailed(fields={"person_ids": _("参赛人数应为 %(n)s 人。") % {"n": size}})
    if kind == Entry.Kind.TEAM and not team_name.strip():
        raise ValidationFailed(fields={"team_name": _("请填写队名。")})
    people = {p.pk: p for p in Person.objects.filter(pk__in=ids)}
    current = {
        m.person_id: m
        for m in Membership.objects.filter(person_id__in=ids, status=Membership.Status.ACTIVE).select_related(
            "union"
        )
    }
    errors: dict[str, list[str]] = {}
    today = local_today()
    for pid in ids:
        person = people.get(pid)
        label = f"person {pid}"
        if person is None:
            errors[label] = [_("未找到该职工。")]
            continue
        label = person.name
        m = current.get(pid)
        if competition.require_member and (m is None or not m.union.path.startswith(union.path)):
            errors.setdefault(label, []).append(_("须为本单位工会会员。"))
        age = _age(person.birth_date, today)
        if age is None or not competition.min_age <= age <= competition.max_age:
            errors.setdefault(label, []).append(
                _("年龄须在 %(a)s 至 %(b)s 岁之间。") % {"a": competition.min_age, "b": competition.max_age}
            )
    if EntryMember.objects.filter(
        competition=competition, person_id__in=ids, entry__status="registered"
    ).exists():
        errors.setdefault("person_ids", []).append(_("有职工已报名本竞赛。"))
    if errors:
        raise ValidationFailed(fields=errors)
    CompetitionQuota.objects.bulk_create(
        [CompetitionQuota(competition=competition, union=union, limit=competition.quota_per_union)],
        ignore_conflicts=True,
    )
    # The quota: a conditional UPDATE; the row stays locked until commit.
    if not CompetitionQuota.objects.filter(competition=competition, union=union, used__lt=F("limit")).update(
        used=F("used") + 1
    ):
        raise Conflict(_("本单位报名名额已满。"), code="quota_full")
    entry = Entry.objects.create(
        competition=competition,
        kind=kind,
        union=union,
        team_name=team_name.strip()[:80],
        number=uuid.uuid4().hex[:20],
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    entry.number = f"C{competition.pk}-{entry.pk:05d}"
    entry.save(update_fields=["number"])
    EntryMember.objects.bulk_create(
        [
            EntryMember(
                entry=entry,
                competition=competition,
                person_id=pid,
                employer_id=people[pid].employer_id,
                captain=i == 0,
            )
            for i, pid in enumerate(ids)
        ]
    )
    audit_record(actor=actor, action="competition.register", obj=entry, union_id=union.pk)
    fact_record(metric="competitors", union_id=union.pk, value=len(ids), dim=str(competition.pk))
    return entry


def judge_assign(
    *, actor: Any, item: Item, user: Any, employer_id: int | None = None, chief: bool = False
) -> Judge:
    competition = item.stage.competition
    require_role(actor, competition.organiser, MANAGE_ROLES)
    judge, _created = Judge.objects.update_or_create(
        item=item, user=user, defaults={"employer_id": employer_id, "chief": chief}
    )
    audit_record(actor=actor, action="competition.judge_assign", obj=judge, union_id=competition.organiser_id)
    return judge


# --- marking ----------------------------------------------------------------------------------


def judge_for(user: Any, item: Item) -> Judge:
    judge = Judge.objects.filter(item=item, user_id=getattr(user, "pk", 0) or 0).first()
    if judge is None:
        raise PermissionDenied(_("您不是该项目的裁判。"))
    return judge


def conflicted(judge: Judge, entry: Entry) -> bool:
    """A judge never marks a competitor from their own employer."""
    if judge.employer_id is None:
        return False
    return EntryMember.objects.filter(entry=entry, employer_id=judge.employer_id).exists()


@transaction.atomic
def mark_record(*, actor: Any, aspect: Aspect, entry: Entry, value: Decimal | int | str) -> Mark:
    item = aspect.subitem.item
    competition = item.stage.competition
    if entry.competition_id != competition.pk or entry.status != Entry.Status.REGISTERED:
        raise NotFound()
    if competition.status != Competition.Status.RUNNING:
        raise Conflict(_("比赛未在进行中，不能评分。"))
    judge = judge_for(actor, item)
    if conflicted(judge, entry):
        raise PermissionDenied(_("回避规则：裁判不得为本单位选手评分。"), code="judge_conflict")
    try:
        v = Decimal(str(value))
    except ArithmeticError:
        raise ValidationFailed(fields={"value": _("请填写有效的分数。")}) from None
    if aspect.kind == Aspect.Kind.JUDGEMENT:
        if v not in (0, 1, 2, 3):
            raise ValidationFailed(fields={"value": _("评价分只能是 0、1、2、3。")})
        others = Mark.objects.filter(aspect=aspect, entry=entry).exclude(judge=judge).count()
        if others >= JUDGEMENT_JUDGES:
            raise Conflict(_("该评分点已有三位裁判评分。"))
    elif not Decimal(0) <= v <= aspect.max_mark:
        raise ValidationFailed(fields={"value": _("分数应在 0 到 %(m)s 之间。") % {"m": aspect.max_mark}})
    mark, created = Mark.objects.update_or_create(
        aspect=aspect, entry=entry, judge=judge, defaults={"value": v}
    )
    audit_record(
        actor=actor,
        action="competition.mark" if created else "competition.remark",
        obj=mark,
        union_id=competition.organiser_id,
        extra={"value": str(v)},
    )
    return mark


@dataclass(frozen=True)
class Problem:
    entry_id: int
    aspect_id: int
    reason: str  # "missing" | "spread"


def _stage_entries(stage: Stage) -> list[Entry]:
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
    entries = [e.pk for e in _stage_entries(stage)]
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
def mark_resolve(*, actor: Any, aspect: Aspect, entry: Entry, note: str) -> MarkResolution:
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
def stage_compute(*, actor: Any, stage: Stage) -> list[StageResult]:
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
    entries = _stage_entries(stage)
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
def objection_file(*, actor: Any, entry: Entry, stage: Stage, text: str) -> Objection:
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
def objection_decide(*, actor: Any, objection: Objection, upheld: bool, response: str) -> Objection:
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
def results_publish(*, actor: Any, competition: Competition, winners: int = 3) -> Competition:
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
    audit_record(
        actor=actor, action="competition.publish", obj=competition, union_id=competition.organiser_id
    )
    return competition
