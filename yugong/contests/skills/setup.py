"""Skills competitions, set-up: the competition, its stages, items, sub-items and aspects (frozen once
results are computed).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.audit import audit_record
from yugong.core.errors import Conflict, ValidationFailed
from yugong.core.facts import fact_record
from yugong.orgs.access import MANAGE_ROLES, require_role
from yugong.orgs.models import Union

from ..models_skills import (
    Aspect,
    Competition,
    Item,
    Stage,
    SubItem,
)

# --- set-up -----------------------------------------------------------------------------------


def competition_create(*, actor: User, organiser: Union, title: str, **fields: Any) -> Competition:
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
    actor: User,
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
def item_add(*, actor: User, stage: Stage, name: str, kind: str, weight: Any) -> Item:
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
def subitem_add(*, actor: User, item: Item, name: str) -> SubItem:
    competition = item.stage.competition
    require_role(actor, competition.organiser, MANAGE_ROLES)
    _editable(competition)
    name = _name(name, "name", _("子项名称"))
    order = SubItem.objects.filter(item=item).count() + 1
    sub = SubItem.objects.create(item=item, name=name, order=order)
    audit_record(actor=actor, action="competition.subitem_add", obj=sub, union_id=competition.organiser_id)
    return sub


@transaction.atomic
def aspect_add(*, actor: User, subitem: SubItem, name: str, kind: str, max_mark: Any) -> Aspect:
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


def competition_set_status(*, actor: User, competition: Competition, status: str) -> Competition:
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
