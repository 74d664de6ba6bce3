"""People: validation of a person's fields, the find-or-create by ID number, the audited reveal."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.audit import audit_pii_view, audit_record, diff, snapshot
from yugong.core.errors import (
    Conflict,
    PermissionDenied,
    ValidationFailed,
)
from yugong.core.pii import blind_index
from yugong.core.timeutil import local_today
from yugong.core.validators import (
    clean_text,
    id_birth_date,
    id_sex,
    normalize_id_number,
    normalize_phone,
)
from yugong.orgs.access import MANAGE_ROLES, can_act
from yugong.orgs.models import Employer

from ..models import (
    Education,
    EmploymentForm,
    Membership,
    Person,
    Sex,
)
from ..rules import member_age_problem

PERSON_FIELDS = (
    "name",
    "id_number",
    "birth_date",
    "sex",
    "phone",
    "employment_form",
    "migrant_worker",
    "education",
    "occupation",
    "employer_id",
    "employer_name",
)


def _collect(errors: dict[str, list[str]], exc: ValidationFailed) -> None:
    for key, messages in exc.fields.items():
        errors.setdefault(key, []).extend(str(m) for m in messages)


def _parse_date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value).strip())


def _no_control_chars(data: Mapping[str, Any]) -> dict[str, Any]:
    """Control characters (NUL breaks PostgreSQL text) are never part of a name or an address."""
    return {k: re.sub(r"[\x00-\x1f\x7f]", "", v) if isinstance(v, str) else v for k, v in data.items()}


def person_clean(data: Mapping[str, Any]) -> dict[str, Any]:
    """Validate and normalise person fields; raise one ``ValidationFailed`` naming every bad field.

    Birth date and sex are derived from the ID number; given values must agree with it."""
    data = _no_control_chars(data)
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}

    name = clean_text(data.get("name"))
    if not name:
        errors["name"] = [_("请填写姓名。")]
    elif len(name) > 64:
        errors["name"] = [_("姓名不能超过64个字符。")]
    out["name"] = name

    id_number = ""
    try:
        id_number = normalize_id_number(data.get("id_number"))
    except ValidationFailed as exc:
        if not clean_text(data.get("id_number")):
            errors["id_number"] = [_("请填写身份证号码。")]
        else:
            _collect(errors, exc)
    out["id_number"] = id_number

    if id_number:
        derived_birth, derived_sex = id_birth_date(id_number), id_sex(id_number)
        try:
            given_birth = _parse_date(data.get("birth_date"))
        except ValueError:
            errors["birth_date"] = [_("出生日期格式不正确，应为 YYYY-MM-DD。")]
            given_birth = None
        if given_birth and given_birth != derived_birth:
            errors["birth_date"] = [_("出生日期与身份证号码不一致。")]
        given_sex = clean_text(data.get("sex")).upper()
        given_sex = {"男": "M", "女": "F"}.get(given_sex, given_sex)
        if given_sex and given_sex not in Sex.values:
            errors["sex"] = [_("性别只能填写男或女。")]
        elif given_sex and given_sex != derived_sex:
            errors["sex"] = [_("性别与身份证号码不一致。")]
        out["birth_date"], out["sex"] = derived_birth, derived_sex
        too_young = member_age_problem(derived_birth, on=local_today())
        if too_young:
            errors.setdefault("id_number", []).append(too_young)

    if "phone" in data:
        raw_phone = clean_text(data.get("phone"))
        if raw_phone:
            try:
                out["phone"] = normalize_phone(raw_phone)
            except ValidationFailed as exc:
                _collect(errors, exc)
        elif data.get("phone_required"):
            errors["phone"] = [_("请填写手机号码。")]

    if "employment_form" in data:
        form = clean_text(data.get("employment_form")) or EmploymentForm.REGULAR
        if form not in EmploymentForm.values:
            errors["employment_form"] = [_("请选择有效的就业形态。")]
        out["employment_form"] = form
    if "education" in data:
        education = clean_text(data.get("education"))
        if education not in Education.values:
            errors["education"] = [_("请选择有效的学历。")]
        out["education"] = education
    if "migrant_worker" in data:
        out["migrant_worker"] = bool(data.get("migrant_worker"))
    if "occupation" in data:
        occupation = clean_text(data.get("occupation"))
        if len(occupation) > 64:
            errors["occupation"] = [_("职业不能超过64个字符。")]
        out["occupation"] = occupation
    if "employer_name" in data:
        employer_name = clean_text(data.get("employer_name"))
        if len(employer_name) > 200:
            errors["employer_name"] = [_("工作单位名称不能超过200个字符。")]
        out["employer_name"] = employer_name
    if "employer" in data:
        employer = data.get("employer")
        if employer is not None and not isinstance(employer, Employer):
            errors["employer"] = [_("工作单位无效。")]
        else:
            out["employer_id"] = employer.pk if employer else None
            if employer is not None and not out.get("employer_name"):
                out["employer_name"] = employer.name

    if errors:
        raise ValidationFailed(fields=errors)
    return out


@transaction.atomic
def person_upsert(*, actor: User, data: Mapping[str, Any], user: Any = None) -> Person:
    """Find the person by the blind index of the ID number, or create them; update the given fields.

    Not a permission boundary: callers (membership services, imports) check the actor's rights.
    ``user`` links the person to a signed-in worker account; an ID number already linked to another
    account, or an account already linked to another ID number, is refused."""
    values = person_clean(data)
    index = blind_index("id_number", values["id_number"])
    person = Person.objects.select_for_update().filter(id_number_index=index).first()
    created = person is None
    if person is None:
        person = Person(id_number=values["id_number"])
    before = {} if created else snapshot(person, PERSON_FIELDS)

    if user is not None and getattr(user, "pk", None):
        if person.user_id is not None and person.user_id != user.pk:
            raise Conflict(
                _("该身份证号码已绑定其他账号，请用原手机号登录，或联系工会处理。"),
                fields={"id_number": _("已绑定其他账号。")},
            )
        other = Person.objects.filter(user_id=user.pk).exclude(pk=person.pk).first()
        if other is not None:
            raise Conflict(
                _("您的账号已绑定其他身份证号码，不能再为他人申请。"),
                fields={"id_number": _("与账号绑定的身份证号码不一致。")},
            )
        person.user_id = user.pk

    for key, value in values.items():
        setattr(person, key, value)
    if "phone" in values:
        person.phone_tail = values["phone"][-4:] if values["phone"] else ""
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError:
        # Another request created the same person between our look-up and insert.
        raise Conflict(_("该职工信息正在被其他操作修改，请稍后重试。")) from None
    audit_record(
        actor=actor,
        action="person.create" if created else "person.update",
        obj=person,
        changes=diff(before, snapshot(person, PERSON_FIELDS)),
    )
    return person


def person_reveal(*, actor: User, membership: Membership) -> Person:
    """Show the ID number and phone in clear to managing staff of the membership's union, audited.
    (A read with an audit row: callers fetched ``membership`` through the access layer.)"""
    if not can_act(actor, membership.union, MANAGE_ROLES):
        raise PermissionDenied(_("只有工会主席、副主席和工作人员可以查看完整个人信息。"))
    audit_pii_view(
        actor=actor, obj=membership.person, fields=["id_number", "phone"], union_id=membership.union_id
    )
    return membership.person
