"""The worker's application form (yuan on screen, fen in the services)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from yugong.core.errors import ValidationFailed
from yugong.core.money import parse_yuan

from .models import Cause


class ApplyForm(forms.Form):
    causes = forms.MultipleChoiceField(
        label=_("致困原因"), choices=Cause.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    sudden_event = forms.CharField(label=_("突发事件（如有）"), max_length=200, required=False)
    household = forms.CharField(
        label=_("家庭成员（每行一人：姓名 关系）"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    wage_yuan = forms.CharField(label=_("家庭月工资收入（元）"), initial="0")
    other_income_yuan = forms.CharField(label=_("其他月收入（元）"), initial="0")
    medical_yuan = forms.CharField(label=_("月医疗支出（元）"), initial="0")
    education_yuan = forms.CharField(label=_("月教育支出（元）"), initial="0")
    employment_months = forms.IntegerField(label=_("连续就业月数"), min_value=0, max_value=600, initial=0)
    illness_note = forms.CharField(
        label=_("病情说明（如有）"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, required=False
    )
    bank_card = forms.CharField(label=_("银行卡号"), max_length=30, required=False)
    consent = forms.BooleanField(label=_("我同意工会向民政等部门核对我的家庭收入"), required=False)

    def service_kwargs(self) -> dict[str, Any]:
        """The cleaned form as :func:`file_apply` arguments; bad amounts as the service's errors."""
        d = self.cleaned_data
        errors: dict[str, Any] = {}
        fen: dict[str, int] = {}
        for name in ("wage_yuan", "other_income_yuan", "medical_yuan", "education_yuan"):
            try:
                fen[name] = parse_yuan(d.get(name) or "0", field=name)
            except ValidationFailed as exc:
                errors.update(exc.fields)
        household = []
        for line in (d.get("household") or "").splitlines():
            parts = line.split()
            if not parts:
                continue
            if len(parts) != 2:
                errors["household"] = _("每行填写一位家庭成员：姓名 关系。")
                continue
            household.append({"name": parts[0], "relation": parts[1]})
        if errors:
            raise ValidationFailed(fields=errors)
        return {
            "causes": d.get("causes") or [],
            "sudden_event": d.get("sudden_event") or "",
            "household": household,
            "incomes": [
                {"source": str(_("工资")), "monthly_fen": fen["wage_yuan"]},
                {"source": str(_("其他收入")), "monthly_fen": fen["other_income_yuan"]},
            ],
            "costs": [
                {"kind": "medical", "monthly_fen": fen["medical_yuan"]},
                {"kind": "education", "monthly_fen": fen["education_yuan"]},
            ],
            "employment_months": d.get("employment_months") or 0,
            "illness_note": d.get("illness_note") or "",
            "bank_card": d.get("bank_card") or "",
            "consent": bool(d.get("consent")),
        }
