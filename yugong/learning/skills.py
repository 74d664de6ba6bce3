"""Skills-level certificates (职业技能等级证书) deposited by workers into the credit bank: the
occupation is named by its code in the 《中华人民共和国职业分类大典》 (大类-中类-小类-细类, e.g.
6-31-01-03), the level by the five national grades. The union of the worker's current membership
reviews the outcome in the credit bank queue (``bank.outcome_review``)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yugong.accounts.models import User
from yugong.core.errors import ValidationFailed
from yugong.core.timeutil import local_today
from yugong.core.validators import clean_text
from yugong.members.models import Membership, Person

from .bank import outcome_deposit
from .models import Outcome

# ASCII digits only: 1 digit major group (1-8), then three two-digit groups.
OCCUPATION_CODE = re.compile(r"^[1-8]-[0-9]{2}-[0-9]{2}-[0-9]{2}$", re.ASCII)


class SkillLevel(models.TextChoices):
    FIVE = "5", gettext_lazy("五级/初级工")
    FOUR = "4", gettext_lazy("四级/中级工")
    THREE = "3", gettext_lazy("三级/高级工")
    TWO = "2", gettext_lazy("二级/技师")
    ONE = "1", gettext_lazy("一级/高级技师")


@transaction.atomic
def skills_certificate_deposit(
    *,
    actor: User,
    person: Person,
    occupation_code: str,
    occupation: str,
    level: str,
    number: str,
    issuer: str,
    issued_on: dt.date,
) -> Outcome:
    """Deposit a certificate for review by the worker's union; the certificate number identifies it,
    so the same certificate deposited twice is one outcome."""
    errors: dict[str, Any] = {}
    code = clean_text(occupation_code)
    if not OCCUPATION_CODE.match(code):
        errors["occupation_code"] = _("职业代码格式不正确，应如 6-31-01-03（《职业分类大典》）。")
    occupation, number, issuer = clean_text(occupation), clean_text(number), clean_text(issuer)
    if not occupation or len(occupation) > 60:
        errors["occupation"] = _("请填写职业（工种）名称（60字以内）。")
    if level not in SkillLevel.values:
        errors["level"] = _("请选择证书等级。")
    if not number or len(number) > 40:
        errors["number"] = _("请填写证书编号（40字以内）。")
    if not issuer or len(issuer) > 100:
        errors["issuer"] = _("请填写评价机构（100字以内）。")
    if not isinstance(issued_on, dt.date) or issued_on > local_today():
        errors["issued_on"] = _("发证日期不能晚于今天。")
    membership = (
        Membership.objects.filter(person=person, status__in=Membership.CURRENT).order_by("-pk").first()
    )
    if membership is None:
        errors["person"] = _("证书由所在工会审核，请先加入工会。")
    if errors:
        raise ValidationFailed(fields=errors)
    assert membership is not None
    outcome, created = outcome_deposit(
        person=person,
        source="skills_certificate",
        source_ref=f"skills:{number}"[:64],
        title=f"{occupation}（{SkillLevel(level).label}）"[:200],
        evidence={
            "occupation_code": code,
            "occupation": occupation,
            "level": level,
            "number": number,
            "issuer": issuer,
            "issued_on": issued_on.isoformat(),
        },
        credits=None,
        union_id=membership.union_id,
        actor=actor,
    )
    if not created:
        raise ValidationFailed(fields={"number": _("该证书已存入学分银行。")})
    return outcome
