"""Which union an application goes to."""

from __future__ import annotations

from django.utils.translation import gettext as _

from yugong.core.errors import (
    ValidationFailed,
)
from yugong.orgs.models import Employer, Union

from ..models import (
    NEW_EMPLOYMENT_FORMS,
)
from .common import ACCEPTING_KINDS


def _federation_for(district: str, form: str) -> Union | None:
    """The district's federation for new-employment-form workers: one serving ``form`` if any,
    else a general one (``serves_forms`` empty)."""
    if not district:
        return None
    candidates = list(
        Union.objects.filter(kind="federation", status=Union.Status.ACTIVE, district=district).order_by("id")
    )
    for union in candidates:
        if form in (union.serves_forms or []):
            return union
    return next((u for u in candidates if not u.serves_forms), None)


def membership_route(
    *, union: Union | None, employer: Employer | None, employment_form: str, district: str = ""
) -> Union:
    """Which union an application goes to: the one chosen (scan-to-join), else the employer's
    grassroots union, else for new-employment-form workers the federation of their district."""
    if union is not None:
        if union.status != Union.Status.ACTIVE:
            raise ValidationFailed(fields={"union": _("该工会已撤销或合并，不能接收入会申请。")})
        if union.kind not in ACCEPTING_KINDS:
            raise ValidationFailed(
                fields={"union": _("该工会不直接发展会员，请选择基层工会或行业工会联合会。")}
            )
        return union
    if employer is not None and employer.union_id is not None:
        target = Union.objects.filter(pk=employer.union_id, status=Union.Status.ACTIVE).first()
        if target is not None:
            return target
    if employment_form in NEW_EMPLOYMENT_FORMS:
        target = _federation_for(district or (employer.district if employer else ""), employment_form)
        if target is not None:
            return target
        raise ValidationFailed(
            fields={"district": _("所在区县暂无新就业形态工会联合会，请扫描相关工会的入会二维码申请。")}
        )
    raise ValidationFailed(
        message=_("无法确定入会的工会。"),
        fields={"union": _("请扫描所在单位工会的入会二维码，或选择已建立工会的工作单位。")},
    )
