"""创新工作室: registered by a union with its lead (a 劳模/工匠 of its subtree), members added and
removed, results recorded (credits for the contributors through an event), and ratings by level
applied for and decided by the union that rates at that level."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.timezone import now
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.audit import audit_record
from yugong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from yugong.core.facts import fact_record
from yugong.orgs.access import access_object, can_act, require_role
from yugong.orgs.models import Union
from yugong.orgs.tree import ancestor_ids

from ..models import LEVEL_RANK, Level, Studio, StudioMember, StudioRating, StudioResult
from .common import MANAGE, credit_event, lock, member_of, text

MAX_BENEFIT_FEN = 10_000_000_000  # ¥1 亿: a typing error beyond that, not a result


def _studio(actor: User, studio: Studio | int, *, for_update: bool = True) -> Studio:
    pk = studio.pk if isinstance(studio, Studio) else studio
    found = access_object(Studio.objects.select_related("union"), actor, pk)
    require_role(actor, found.union, MANAGE)
    if for_update:
        found = lock(Studio.objects.select_related("union"), found.pk)
    if found.status != Studio.Status.ACTIVE:
        raise Conflict(_("该工作室已撤销。"))
    return found


@transaction.atomic
def studio_register(
    *,
    actor: User,
    union: Union,
    name: str,
    kind: str,
    lead_id_number: str,
    lead_title: str,
    field: str,
    intro: str = "",
) -> Studio:
    """A union registers a studio led by one of its members who holds a 劳模/工匠 title."""
    require_role(actor, union, MANAGE)
    errors: dict[str, Any] = {}
    name = text(errors, "name", name, 100, _("请填写工作室名称（100字以内）。"))
    lead_title = text(errors, "lead_title", lead_title, 60, _("请填写领衔人的劳模或工匠称号（60字以内）。"))
    field = text(errors, "field", field, 100, _("请填写专业领域（100字以内）。"))
    intro = text(errors, "intro", intro, 2000, _("简介不能超过2000字。"), required=False)
    if kind not in Studio.Kind.values:
        errors["kind"] = _("请选择工作室类型。")
    try:
        lead = member_of(union, lead_id_number, "lead_id_number")
    except ValidationFailed as exc:
        errors.update(exc.fields)
    if errors:
        raise ValidationFailed(fields=errors)
    if Studio.objects.filter(union=union, name=name).exists():
        raise ValidationFailed(fields={"name": _("本单位已有同名工作室。")})
    studio = Studio.objects.create(
        union=union,
        name=name,
        kind=kind,
        lead=lead,
        lead_name=lead.name,
        lead_title=lead_title,
        field=field,
        intro=intro,
        created_by=actor,
    )
    StudioMember.objects.create(studio=studio, person=lead, name=lead.name, role=StudioMember.Role.LEAD)
    audit_record(actor=actor, action="innovation.studio_register", obj=studio, union_id=union.pk)
    fact_record(metric="innovation_studios", union_id=union.pk, dim=kind)
    return studio


@transaction.atomic
def studio_member_add(*, actor: User, studio: Studio | int, id_number: str) -> StudioMember:
    s = _studio(actor, studio)
    person = member_of(s.union, id_number)
    try:
        with transaction.atomic():
            m = StudioMember.objects.create(studio=s, person=person, name=person.name)
    except IntegrityError:
        raise ValidationFailed(fields={"id_number": _("此人已是工作室成员。")}) from None
    audit_record(actor=actor, action="innovation.studio_member_add", obj=m, union_id=s.union_id)
    return m


@transaction.atomic
def studio_member_remove(*, actor: User, studio: Studio | int, member_id: int) -> None:
    s = _studio(actor, studio)
    m = StudioMember.objects.filter(studio=s, pk=member_id).first()
    if m is None:
        raise NotFound()
    if m.role == StudioMember.Role.LEAD:
        raise Conflict(_("领衔人不能移出工作室。"))
    audit_record(actor=actor, action="innovation.studio_member_remove", obj=m, union_id=s.union_id)
    m.delete()


@transaction.atomic
def studio_result_record(
    *,
    actor: User,
    studio: Studio | int,
    title: str,
    kind: str,
    description: str,
    achieved_on: dt.date,
    benefit_fen: int,
    contributor_ids: list[int],
) -> StudioResult:
    """The studio's union records a result; each contributor (a member of the studio) earns credits
    through ``innovation.result_recorded``."""
    s = _studio(actor, studio)
    errors: dict[str, Any] = {}
    title = text(errors, "title", title, 120, _("请填写成果名称（120字以内）。"))
    description = text(errors, "description", description, 2000, _("请填写成果简介（2000字以内）。"))
    if kind not in StudioResult.Kind.values:
        errors["kind"] = _("请选择成果类型。")
    if achieved_on > now().date():
        errors["achieved_on"] = _("取得日期不能晚于今天。")
    if not 0 <= int(benefit_fen) <= MAX_BENEFIT_FEN:
        errors["benefit_fen"] = _("经济效益应在0到1亿元之间。")
    members = {m.person_id: m for m in StudioMember.objects.filter(studio=s, person_id__in=contributor_ids)}
    if not contributor_ids or len(members) != len(set(contributor_ids)):
        errors["contributors"] = _("请从工作室成员中选择完成人。")
    if errors:
        raise ValidationFailed(fields=errors)
    result = StudioResult.objects.create(
        studio=s,
        title=title,
        kind=kind,
        description=description,
        achieved_on=achieved_on,
        benefit_fen=int(benefit_fen),
        recorded_by=actor,
    )
    result.contributors.set(list(members))
    audit_record(actor=actor, action="innovation.studio_result", obj=result, union_id=s.union_id)
    fact_record(metric="innovation_studio_results", union_id=s.union_id, dim=kind)
    for person_id in sorted(members):
        credit_event(
            kind="innovation.result_recorded",
            person_id=person_id,
            union_id=s.union_id,
            ref=f"studio_result:{result.pk}",
            title=f"{s.name}·{title}",
            actor=actor,
            result_kind=kind,
        )
    return result


def rating_reviewer(studio: Studio, level: str) -> Union | None:
    """The union that rates at ``level``, strictly above the studio's union: the district union for
    区县级, the city federation (the root) for 市级 and 全国级."""
    ids = ancestor_ids(studio.union.path or "")  # root first
    by_id = Union.objects.in_bulk(ids)
    chain = [by_id[i] for i in ids if i in by_id]
    if level == Level.DISTRICT:
        return next((u for u in reversed(chain) if u.kind == Union.Kind.DISTRICT), None)
    return chain[0] if chain and chain[0].parent_id is None else None


@transaction.atomic
def rating_apply(*, actor: User, studio: Studio | int, level: str, year: int, statement: str) -> StudioRating:
    s = _studio(actor, studio)
    errors: dict[str, Any] = {}
    statement = text(errors, "statement", statement, 2000, _("请填写申报说明（2000字以内）。"))
    if level not in Level.values:
        errors["level"] = _("请选择申报级别。")
    if not 2000 <= int(year) <= 2100:
        errors["year"] = _("年度无效。")
    if errors:
        raise ValidationFailed(fields=errors)
    if s.level and LEVEL_RANK[Level(s.level)] >= LEVEL_RANK[Level(level)]:
        raise ValidationFailed(fields={"level": _("工作室已获评同级或更高级别。")})
    reviewer = rating_reviewer(s, level)
    if reviewer is None:
        raise ValidationFailed(fields={"level": _("没有可评定该级别的上级工会。")})
    if StudioRating.objects.filter(studio=s, level=level, year=year).exists():
        raise ValidationFailed(fields={"year": _("该年度已申报过这一级别。")})
    if StudioRating.objects.filter(studio=s, status=StudioRating.Status.APPLIED).exists():
        raise Conflict(_("已有一项申报正在审核。"))
    rating = StudioRating.objects.create(
        studio=s, level=level, year=year, reviewer=reviewer, statement=statement, applied_by=actor
    )
    audit_record(actor=actor, action="innovation.rating_apply", obj=rating, union_id=s.union_id)
    return rating


def may_decide_rating(actor: User, rating: StudioRating) -> bool:
    return rating.status == StudioRating.Status.APPLIED and can_act(actor, rating.reviewer, MANAGE)


@transaction.atomic
def rating_decide(*, actor: User, rating: StudioRating | int, approve: bool, note: str = "") -> StudioRating:
    """The rating union approves (the studio takes the level, if higher) or rejects with a reason."""
    pk = rating.pk if isinstance(rating, StudioRating) else rating
    # Seen from the studio's side or the rating union's; only the latter decides.
    found = access_object(
        StudioRating.objects.all(), actor, pk, path_field=("studio__union__path", "reviewer__path")
    )
    r = lock(StudioRating.objects.select_related("reviewer", "studio"), found.pk)
    if r.status != StudioRating.Status.APPLIED:
        raise Conflict(_("该申报已审核。"))
    if not may_decide_rating(actor, r):
        raise PermissionDenied()
    errors: dict[str, Any] = {}
    note = text(errors, "note", note, 500, _("请填写审核意见（500字以内）。"), required=not approve)
    if errors:
        raise ValidationFailed(fields=errors)
    r.status = StudioRating.Status.APPROVED if approve else StudioRating.Status.REJECTED
    r.decided_by, r.decided_at, r.decision_note = actor, now(), note
    r.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit_record(
        actor=actor,
        action="innovation.rating_approve" if approve else "innovation.rating_reject",
        obj=r,
        union_id=r.reviewer_id,
    )
    if approve:
        studio = lock(Studio.objects.all(), r.studio_id)
        if not studio.level or LEVEL_RANK[Level(studio.level)] < LEVEL_RANK[Level(r.level)]:
            studio.level = r.level
            studio.save(update_fields=["level"])
        fact_record(metric="innovation_studio_ratings", union_id=studio.union_id, dim=r.level)
    return r
