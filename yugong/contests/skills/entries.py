"""Skills competitions: registration (a quota place taken by a conditional update), judges and marks
(a judge never marks a competitor from their own employer).
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.audit import audit_record
from yugong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from yugong.core.facts import fact_record
from yugong.core.timeutil import local_today, now
from yugong.members.models import Membership, Person
from yugong.orgs import tree
from yugong.orgs.access import MANAGE_ROLES, can_act, require_role
from yugong.orgs.models import Union

from ..models_skills import (
    Aspect,
    Competition,
    CompetitionQuota,
    Entry,
    EntryMember,
    Item,
    Judge,
    Mark,
)
from .scoring import JUDGEMENT_JUDGES


def _age(birth: dt.date | None, today: dt.date) -> int | None:
    if birth is None:
        return None
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


@transaction.atomic
def entry_register(
    *,
    actor: User,
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
    open_to_union = competition.cross_region or tree.within(union.path, competition.organiser.path)
    if not can_act(actor, competition.organiser) and (
        competition.status == Competition.Status.DRAFT or not open_to_union
    ):
        raise NotFound()
    if competition.status != Competition.Status.REGISTRATION:
        raise Conflict(_("当前不在报名期。"))
    if competition.registration_ends_at and now() > competition.registration_ends_at:
        raise Conflict(_("报名已截止。"))
    if not competition.cross_region and not tree.within(union.path, competition.organiser.path):
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
        if competition.require_member and (m is None or not tree.within(m.union.path, union.path)):
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
    *, actor: User, item: Item, user: Any, employer_id: int | None = None, chief: bool = False
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
def mark_record(*, actor: User, aspect: Aspect, entry: Entry, value: Decimal | int | str) -> Mark:
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
