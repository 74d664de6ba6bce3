"""Applying: the worker for themself, or an officer of their union for them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.timezone import now
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.audit import audit_record
from yugong.core.calendar import add_working_days
from yugong.core.errors import Conflict, NotFound, ValidationFailed
from yugong.core.facts import fact_record
from yugong.core.timeutil import local_today
from yugong.core.validators import clean_text, is_ascii_digits
from yugong.members.models import Membership, Person
from yugong.orgs.access import require_role
from yugong.orgs.models import Union

from ..models import (
    Cause,
    CostKind,
    FileStep,
    HardshipFile,
    HouseholdMember,
    IncomeLine,
    RigidCost,
)
from .common import MAX_FEN, REVIEW_ROLES, Status, _days, _district_of, _step, recompute_tier


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
    if card and not (is_ascii_digits(card) and 12 <= len(card) <= 19):
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
    actor: User,
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
