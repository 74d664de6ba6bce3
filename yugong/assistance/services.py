"""困难帮扶 writes: apply (the worker, or an officer for them) → grassroots review → home visit →
approval up the tree (levels by union kind, as configured) → 公示 with objections → active file.

Every write is keyword-only, atomic, checked through ``yugong.orgs.access``, audited and counted in
the same transaction. The tier is recomputed by :func:`yugong.assistance.tier.compute_tier` from
the file's own figures every time they change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.html import escape
from django.utils.timezone import now
from django.utils.translation import gettext as _

from yugong.core.audit import audit_record
from yugong.core.calendar import add_working_days
from yugong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from yugong.core.facts import fact_record
from yugong.core.pii import mask_name
from yugong.core.timeutil import local_today
from yugong.core.validators import clean_text
from yugong.members.models import Membership, Person
from yugong.news.models import Article
from yugong.news.services import article_post
from yugong.orgs.access import MANAGE_ROLES, can_act, require_role
from yugong.orgs.models import Union

from .models import (
    Cause,
    CostKind,
    FileStep,
    HardshipFile,
    HouseholdMember,
    IncomeLine,
    MinimumLivingLine,
    Objection,
    RigidCost,
)
from .tier import compute_tier

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
    path = union.path or ""
    prefixes = [path[: i + 9] for i in range(0, len(path), 9)]
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


def _step(file: HardshipFile, kind: str, actor: Any, note: str = "", **data: Any) -> FileStep:
    return FileStep.objects.create(
        file=file,
        kind=kind,
        actor=actor if getattr(actor, "pk", None) else None,
        at=now(),
        note=note,
        data=data,
    )


def _fen(value: Any, field: str, errors: dict[str, Any]) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0 or value > MAX_FEN:
        errors[field] = _("金额须为0至100万元之间的整数（分）。")
        return 0
    return value


def _clean_application(
    *,
    household: Iterable[Mapping[str, Any]],
    incomes: Iterable[Mapping[str, Any]],
    costs: Iterable[Mapping[str, Any]],
    causes: Iterable[str],
    bank_card: str,
    consent: bool,
    employment_months: int,
) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    if consent is not True:
        errors["consent"] = _("请同意工会向民政等部门核对家庭收入。")
    cause_list = sorted(set(causes or []))
    if not cause_list:
        errors["causes"] = _("请至少选择一项致困原因。")
    elif not set(cause_list) <= set(Cause.values):
        errors["causes"] = _("致困原因不在可选范围内。")
    members = []
    for row in household or []:
        name, relation = clean_text(row.get("name")), clean_text(row.get("relation"))
        if not name or not relation or len(name) > 64 or len(relation) > 20:
            errors["household"] = _("家庭成员须填写姓名（64字以内）和关系（20字以内）。")
            continue
        members.append(
            {
                "name": name,
                "relation": relation,
                "in_school": bool(row.get("in_school")),
                "person": row.get("person"),
            }
        )
    income_rows = []
    for row in incomes or []:
        source = clean_text(row.get("source"))
        if not source or len(source) > 60:
            errors["incomes"] = _("每项收入须填写来源（60字以内）。")
            continue
        income_rows.append({"source": source, "monthly_fen": _fen(row.get("monthly_fen"), "incomes", errors)})
    cost_rows = []
    for row in costs or []:
        if row.get("kind") not in CostKind.values:
            errors["costs"] = _("刚性支出类别不在可选范围内。")
            continue
        cost_rows.append({"kind": row["kind"], "monthly_fen": _fen(row.get("monthly_fen"), "costs", errors)})
    card = "".join((bank_card or "").split())
    if card and not (card.isdigit() and 12 <= len(card) <= 19):
        errors["bank_card"] = _("银行卡号应为12至19位数字。")
    if (
        isinstance(employment_months, bool)
        or not isinstance(employment_months, int)
        or not 0 <= employment_months <= 600
    ):
        errors["employment_months"] = _("连续就业月数应为0至600之间的整数。")
    if errors:
        raise ValidationFailed(fields=errors)
    return {
        "causes": cause_list,
        "household": members,
        "incomes": income_rows,
        "costs": cost_rows,
        "card": card,
    }


def _current_union(person: Person) -> Union | None:
    m = (
        Membership.objects.filter(person=person, status__in=Membership.CURRENT)
        .select_related("union")
        .order_by("-pk")
        .first()
    )
    return m.union if m else None


@transaction.atomic
def file_apply(
    *,
    actor: Any,
    person: Person,
    household: Iterable[Mapping[str, Any]] = (),
    incomes: Iterable[Mapping[str, Any]] = (),
    costs: Iterable[Mapping[str, Any]] = (),
    causes: Iterable[str] = (),
    sudden_event: str = "",
    illness_note: str = "",
    bank_card: str = "",
    consent: bool = False,
    employment_months: int = 0,
) -> HardshipFile:
    """A worker applies for themself, or an officer of their union applies for them. The file
    belongs to the person's current union; consent to the income check is required."""
    union = _current_union(person)
    own = person.user_id is not None and person.user_id == getattr(actor, "pk", None)
    if not own:
        if union is None:
            raise NotFound()
        require_role(actor, union, REVIEW_ROLES)
    if union is None:
        raise ValidationFailed(fields={"person": _("您还不是工会会员，请先申请入会。")})
    data = _clean_application(
        household=household,
        incomes=incomes,
        costs=costs,
        causes=causes,
        bank_card=bank_card,
        consent=consent,
        employment_months=employment_months,
    )
    district = _district_of(union)
    if not district:
        raise ValidationFailed(fields={"union": _("所在工会未登记所属区县，请联系工会。")})
    if HardshipFile.objects.filter(applicant=person).exclude(status=Status.REJECTED).exists():
        raise Conflict(_("该职工已有在办或已建档的困难档案。"))
    at = now()
    try:
        with transaction.atomic():
            file = HardshipFile.objects.create(
                union=union,
                applicant=person,
                district=district,
                year=local_today().year,
                causes=data["causes"],
                sudden_event=clean_text(sudden_event)[:200],
                illness_note=clean_text(illness_note)[:2000],
                migrant=person.migrant_worker,
                employment_months=employment_months,
                bank_card=data["card"],
                bank_card_tail=data["card"][-4:],
                consent_income_check=True,
                consent_at=at,
                applied_by=actor,
                due_at=add_working_days(at, _days("ASSISTANCE_REVIEW_WORKING_DAYS", 5)),
            )
    except IntegrityError:
        raise Conflict(_("该职工已有在办或已建档的困难档案。")) from None
    HouseholdMember.objects.bulk_create(HouseholdMember(file=file, **row) for row in data["household"])
    IncomeLine.objects.bulk_create(IncomeLine(file=file, **row) for row in data["incomes"])
    RigidCost.objects.bulk_create(RigidCost(file=file, **row) for row in data["costs"])
    recompute_tier(file)
    file.save()
    _step(file, FileStep.Kind.APPLIED, actor, own=own)
    audit_record(
        actor=actor,
        action="assistance.file_apply",
        obj=file,
        union_id=union.pk,
        extra={"own": own, "tier": file.tier, "consent_at": at.isoformat()},
    )
    fact_record(metric="assistance.applied", union_id=union.pk, dim=file.tier or "none")
    return file


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


def _reject(file: HardshipFile, actor: Any, note: str) -> HardshipFile:
    before = file.status
    file.status = Status.REJECTED
    file.due_at = None
    file.save(update_fields=["status", "due_at", "updated_at"])
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


@transaction.atomic
def file_review(*, actor: Any, file: HardshipFile | int, approve: bool, note: str = "") -> HardshipFile:
    """The grassroots union's review: on to the home visit, or rejected with a reason."""
    f = _lock(file)
    require_role(actor, f.union, REVIEW_ROLES)
    _require_status(f, Status.SUBMITTED)
    note = _reason(note, "note", required=not approve)
    if not approve:
        return _reject(f, actor, note)
    f.status = Status.VISITING
    f.due_at = add_working_days(now(), _days("ASSISTANCE_VISIT_WORKING_DAYS", 10))
    f.save(update_fields=["status", "due_at", "updated_at"])
    _step(f, FileStep.Kind.REVIEWED, actor, note)
    audit_record(
        actor=actor,
        action="assistance.file_review",
        obj=f,
        union_id=f.union_id,
        changes={"status": [Status.SUBMITTED, Status.VISITING]},
    )
    return f


@transaction.atomic
def file_visit(
    *,
    actor: Any,
    file: HardshipFile | int,
    visited_at: dt.datetime,
    place: str,
    visitors: str,
    findings: str,
) -> HardshipFile:
    """The home visit (who, when, where, what was found); the file goes up for approval."""
    f = _lock(file)
    require_role(actor, f.union, REVIEW_ROLES)
    _require_status(f, Status.VISITING)
    errors: dict[str, Any] = {}
    place, visitors, findings = clean_text(place), clean_text(visitors), clean_text(findings)
    if not place or len(place) > 200:
        errors["place"] = _("请填写走访地点（200字以内）。")
    if not visitors or len(visitors) > 200:
        errors["visitors"] = _("请填写走访人员（200字以内）。")
    if not findings or len(findings) > 2000:
        errors["findings"] = _("请填写走访情况（2000字以内）。")
    if not isinstance(visited_at, dt.datetime) or visited_at.tzinfo is None or visited_at > now():
        errors["visited_at"] = _("走访时间不能晚于现在。")
    if errors:
        raise ValidationFailed(fields=errors)
    f.status = Status.APPROVING
    f.approval_level = 0
    f.due_at = add_working_days(now(), _days("ASSISTANCE_APPROVE_WORKING_DAYS", 10))
    f.save(update_fields=["status", "approval_level", "due_at", "updated_at"])
    _step(
        f,
        FileStep.Kind.VISITED,
        actor,
        findings,
        place=place,
        visitors=visitors,
        visited_at=visited_at.isoformat(),
    )
    audit_record(
        actor=actor,
        action="assistance.file_visit",
        obj=f,
        union_id=f.union_id,
        changes={"status": [Status.VISITING, Status.APPROVING]},
    )
    fact_record(metric="assistance.visited", union_id=f.union_id)
    return f


def approver_union(file: HardshipFile) -> Union:
    """The union that approves the file's next level: the nearest union of the configured kind
    above (or at) the file's union; the root when the tree has none of that kind."""
    kinds = approval_kinds()
    kind = kinds[min(file.approval_level, len(kinds) - 1)]
    chain = _ancestors(file.union)
    return next((u for u in chain if u.kind == kind), chain[-1])


@transaction.atomic
def file_approve(*, actor: Any, file: HardshipFile | int, approve: bool, note: str = "") -> HardshipFile:
    """One approval level. After the last level the 公示 is published to the applicant's union."""
    f = _lock(file)
    _require_status(f, Status.APPROVING)
    approver = approver_union(f)
    if not can_act(actor, f.union):
        raise NotFound()
    if not can_act(actor, approver, REVIEW_ROLES):
        raise PermissionDenied()  # the file is visible, the approving level is not the actor's
    note = _reason(note, "note", required=not approve)
    if not approve:
        return _reject(f, actor, note)
    f.approval_level += 1
    _step(f, FileStep.Kind.APPROVED, actor, note, level=f.approval_level, union=approver.name)
    audit_record(
        actor=actor,
        action="assistance.file_approve",
        obj=f,
        union_id=approver.pk,
        extra={"level": f.approval_level},
    )
    if f.approval_level < len(approval_kinds()):
        f.save(update_fields=["approval_level", "updated_at"])
        return f
    return _publish_notice(f, actor)


def _publish_notice(f: HardshipFile, actor: Any) -> HardshipFile:
    start = now()
    ends = add_working_days(start, _days("ASSISTANCE_NOTICE_WORKING_DAYS", 5))
    body = _(
        "<p>经基层工会审核、入户走访和上级工会审批，拟将以下职工家庭纳入困难职工帮扶：</p><p>%(name)s，%(tier)s。</p><p>公示期至%(ends)s。如有异议，请在公示期内通过“帮扶”栏目提出。</p>"
    ) % {
        "name": escape(mask_name(f.applicant.name)),
        "tier": escape(f.get_tier_display() or _("边缘户")),
        "ends": ends.strftime("%Y-%m-%d"),
    }
    article = article_post(
        actor=actor,
        union=f.union,
        kind=Article.Kind.PUBLICITY,
        title=_("困难职工建档公示"),
        body_html=body,
        source=f"assistance.file:{f.pk}:notice:{f.approval_level}",
    )
    f.status = Status.NOTICE
    f.notice_article_id = article.pk
    f.notice_ends_at = ends
    f.due_at = ends
    f.save(
        update_fields=[
            "status",
            "approval_level",
            "notice_article_id",
            "notice_ends_at",
            "due_at",
            "updated_at",
        ]
    )
    _step(f, FileStep.Kind.NOTICE, actor, ends=ends.isoformat(), article=article.pk)
    audit_record(
        actor=actor,
        action="assistance.notice_publish",
        obj=f,
        union_id=f.union_id,
        changes={"status": [Status.APPROVING, Status.NOTICE]},
    )
    return f


def _member_of(user: Any, union: Union) -> bool:
    return Membership.objects.filter(
        person__user_id=getattr(user, "pk", None), union=union, status__in=Membership.CURRENT
    ).exists()


@transaction.atomic
def objection_raise(*, actor: Any, file: HardshipFile | int, reason: str) -> Objection:
    """Anyone in the file's union (a member, or staff over it) objects during the 公示."""
    f = _lock(file)
    if not (_member_of(actor, f.union) or can_act(actor, f.union)):
        raise NotFound()
    if (
        f.status not in (Status.NOTICE, Status.OBJECTED)
        or f.notice_ends_at is None
        or now() >= f.notice_ends_at
    ):
        raise Conflict(_("该档案不在公示期内。"))
    text = clean_text(reason)
    if not text or len(text) > 500:
        raise ValidationFailed(fields={"reason": _("请填写异议理由（500字以内）。")})
    objection = Objection.objects.create(file=f, raised_by=actor, reason=text)
    before = f.status
    f.status = Status.OBJECTED
    f.save(update_fields=["status", "updated_at"])
    _step(f, FileStep.Kind.OBJECTION, actor, objection=objection.pk)
    audit_record(
        actor=actor,
        action="assistance.objection_raise",
        obj=objection,
        union_id=f.union_id,
        changes={"status": [before, Status.OBJECTED]},
    )
    fact_record(metric="assistance.objections", union_id=f.union_id)
    return objection


@transaction.atomic
def objection_handle(*, actor: Any, objection: Objection | int, upheld: bool, answer: str) -> Objection:
    """Staff of the file's union decide: an upheld objection rejects the file; otherwise, when no
    objection is left open, the file is back in its notice."""
    pk = objection.pk if isinstance(objection, Objection) else objection
    obj = Objection.objects.filter(pk=pk).only("file_id").first()
    if obj is None:
        raise NotFound()
    f = _lock(obj.file_id)
    require_role(actor, f.union, REVIEW_ROLES)
    obj = Objection.objects.select_for_update().get(pk=pk)
    if obj.handled_at is not None:
        raise Conflict(_("该异议已处理。"))
    answer = _reason(answer, "answer")
    obj.handled_at, obj.upheld, obj.answer = now(), bool(upheld), answer
    obj.save(update_fields=["handled_at", "upheld", "answer"])
    _step(f, FileStep.Kind.OBJECTION_HANDLED, actor, answer, objection=obj.pk, upheld=bool(upheld))
    audit_record(
        actor=actor,
        action="assistance.objection_handle",
        obj=obj,
        union_id=f.union_id,
        extra={"upheld": bool(upheld)},
    )
    if upheld:
        _reject(f, actor, answer)
    elif not f.objections.filter(handled_at__isnull=True).exists():
        f.status = Status.NOTICE
        f.save(update_fields=["status", "updated_at"])
    return obj


@transaction.atomic
def file_activate(*, actor: Any, file: HardshipFile | int) -> HardshipFile:
    """After the 公示 ends with no open objection the file becomes active (建档)."""
    f = _lock(file)
    require_role(actor, f.union, REVIEW_ROLES)
    if f.status == Status.OBJECTED:
        raise Conflict(_("公示异议处理完毕后才能建档。"))
    _require_status(f, Status.NOTICE)
    if f.notice_ends_at is None or now() < f.notice_ends_at:
        raise Conflict(_("公示期未满，不能建档。"))
    f.status = Status.ACTIVE
    f.due_at = None
    f.save(update_fields=["status", "due_at", "updated_at"])
    _step(f, FileStep.Kind.ACTIVATED, actor)
    audit_record(
        actor=actor,
        action="assistance.file_activate",
        obj=f,
        union_id=f.union_id,
        changes={"status": [Status.NOTICE, Status.ACTIVE]},
    )
    fact_record(metric="assistance.activated", union_id=f.union_id, dim=f.tier or "none")
    return f
