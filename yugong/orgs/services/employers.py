"""Writes on employers (用人单位): register and update, always inside a managing union's scope."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.accounts.system import is_system_actor
from yugong.core.audit import audit_record, diff, snapshot
from yugong.core.errors import PermissionDenied, ValidationFailed
from yugong.core.validators import clean_text, normalize_uscc

from ..access import MANAGE_ROLES, require_role
from ..models import Employer, Union
from .common import _check, _full_clean, _refuse_nulls, _require_active

EMPLOYER_FIELDS = (
    "name",
    "uscc",
    "industry",
    "district",
    "address",
    "headcount",
    "unionised",
    "union",
    "managing_union",
)
COVERING_KINDS = frozenset(
    {Union.Kind.GRASSROOTS, Union.Kind.JOINT, Union.Kind.FEDERATION, Union.Kind.BRANCH}
)


def _employer_values(actor: User, values: dict[str, Any]) -> dict[str, Any]:
    _refuse_nulls(Employer, values)
    out = dict(values)
    if "name" in out:
        out["name"] = clean_text(out["name"])
        if not out["name"]:
            raise ValidationFailed(fields={"name": _("请填写单位名称。")})
    if "uscc" in out:
        out["uscc"] = normalize_uscc(out["uscc"])
    for key in ("district", "address"):
        if key in out:
            out[key] = clean_text(out[key])
    if "headcount" in out and (out["headcount"] is None or int(out["headcount"]) < 0):
        raise ValidationFailed(fields={"headcount": _("职工人数不能为负数。")})
    if out.get("union") is not None:
        union = out["union"]
        _check(actor, union, MANAGE_ROLES)
        _require_active(union)
        if union.kind not in COVERING_KINDS:
            raise ValidationFailed(fields={"union": _("所属工会应为基层工会、联合基层工会或工会联合会。")})
    if out.get("managing_union") is not None:
        _check(actor, out["managing_union"], MANAGE_ROLES)
        _require_active(out["managing_union"], "managing_union")
    return out


def _save_employer(employer: Employer) -> None:
    # Staff reach an employer only through its union or its managing union (access.scope_filter
    # over EMPLOYER_PATHS): with neither, nobody — not the district, not the city chair — could
    # reach it again. No write may move an object out of every scope.
    if employer.union_id is None and employer.managing_union_id is None:
        raise ValidationFailed(
            fields={"managing_union": _("用人单位须有所属工会或属地管理工会，否则将无人可以管理它。")}
        )
    _full_clean(employer)
    try:
        with transaction.atomic():
            employer.save()
    except IntegrityError:
        raise ValidationFailed(fields={"uscc": _("该统一社会信用代码已登记。")}) from None


@transaction.atomic
def employer_create(
    *,
    actor: User,
    name: str,
    uscc: str,
    managing_union: Union | None,
    union: Union | None = None,
    industry: str = "",
    district: str = "",
    address: str = "",
    headcount: int = 0,
    unionised: bool | None = None,
) -> Employer:
    """Register an employer. Staff must name the union responsible for it (``managing_union``,
    inside their subtree); ``union`` is the grassroots union covering it, if any."""
    if managing_union is None and not is_system_actor(actor):
        raise ValidationFailed(fields={"managing_union": _("请选择属地管理工会。")})
    values = _employer_values(
        actor,
        {
            "name": name,
            "uscc": uscc,
            "managing_union": managing_union,
            "union": union,
            "industry": industry,
            "district": district,
            "address": address,
            "headcount": headcount,
        },
    )
    if Employer.objects.filter(uscc=values["uscc"]).exists():
        raise ValidationFailed(fields={"uscc": _("该统一社会信用代码已登记。")})
    employer = Employer(**values, unionised=union is not None if unionised is None else unionised)
    _save_employer(employer)
    audit_record(
        actor=actor,
        action="employer.create",
        obj=employer,
        union_id=employer.union_id or employer.managing_union_id,
        changes={"name": [None, employer.name], "uscc": [None, employer.uscc]},
    )
    return employer


@transaction.atomic
def employer_update(*, actor: User, employer: Employer, **fields: Any) -> Employer:
    unknown = set(fields) - set(EMPLOYER_FIELDS)
    if unknown:
        raise TypeError(f"unknown employer fields: {sorted(unknown)}")
    employer = Employer.objects.select_for_update().get(pk=employer.pk)
    anchor = employer.union or employer.managing_union
    if anchor is None and not is_system_actor(actor):
        raise PermissionDenied()
    if anchor is not None:
        require_role(actor, anchor, MANAGE_ROLES)
    values = _employer_values(actor, fields)
    if values.get("uscc") and Employer.objects.filter(uscc=values["uscc"]).exclude(pk=employer.pk).exists():
        raise ValidationFailed(fields={"uscc": _("该统一社会信用代码已登记。")})
    if "union" in values and "unionised" not in values:
        values["unionised"] = values["union"] is not None
    before = snapshot(employer, values.keys())
    for key, value in values.items():
        setattr(employer, key, value)
    changes = diff(before, snapshot(employer, values.keys()))
    if not changes:
        return employer
    _save_employer(employer)
    anchor = employer.union or employer.managing_union
    audit_record(
        actor=actor,
        action="employer.update",
        obj=employer,
        union_id=anchor.pk if anchor else None,
        changes=changes,
    )
    return employer
