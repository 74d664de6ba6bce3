"""The worker's application form (yuan on screen, fen in the services)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from yugong.core.errors import ValidationFailed
from yugong.core.money import parse_yuan

from .models import CampaignCycle, CampaignKind, Cause, IncomeCheck, Tier


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


class ActionForm(forms.Form):
    """A console form whose errors become the services' ``ValidationFailed`` (one error path)."""

    def valid_or_raise(self) -> dict[str, Any]:
        if not self.is_valid():
            raise ValidationFailed(fields={k: [str(m) for m in v] for k, v in self.errors.items()})
        return dict(self.cleaned_data)


def _fen(value: Any, field: str) -> int:
    return parse_yuan(value or "0", field=field)


class CampaignForm(ActionForm):
    kind = forms.ChoiceField(label=_("类型"), choices=CampaignKind.choices)
    title = forms.CharField(label=_("名称"), max_length=100)
    budget_line = forms.TypedChoiceField(label=_("预算项目"), coerce=int)

    def __init__(self, *args: Any, lines: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["budget_line"].choices = lines  # type: ignore[attr-defined]


class CycleForm(ActionForm):
    name = forms.CharField(label=_("批次名称"), max_length=100)
    starts_on = forms.DateField(label=_("开始日期"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("结束日期"), widget=forms.DateInput(attrs={"type": "date"}))
    mode = forms.ChoiceField(label=_("发放方式"), choices=CampaignCycle.Mode.choices)
    goods = forms.CharField(label=_("慰问品"), max_length=200, required=False)
    tiers = forms.MultipleChoiceField(
        label=_("困难类别"), choices=Tier.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    causes = forms.MultipleChoiceField(
        label=_("致困原因"), choices=Cause.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    area = forms.TypedChoiceField(label=_("帮扶范围"), coerce=int, required=False, empty_value=None)
    in_school = forms.BooleanField(label=_("仅限有在校子女的家庭"), required=False)
    deep_yuan = forms.CharField(label=_("深度困难（元/户）"), initial="0")
    relative_yuan = forms.CharField(label=_("相对困难（元/户）"), initial="0")
    sudden_yuan = forms.CharField(label=_("意外致困（元/户）"), initial="0")
    per_student_yuan = forms.CharField(label=_("每名在校子女加发（元）"), initial="0")

    def __init__(self, *args: Any, areas: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [("", _("本工会全部")), *areas]  # type: ignore[attr-defined]

    def service_kwargs(self) -> dict[str, Any]:
        d = self.valid_or_raise()
        errors: dict[str, Any] = {}
        amounts: dict[str, int] = {}
        for key in ("deep", "relative", "sudden", "per_student"):
            try:
                amounts[key] = _fen(d.get(f"{key}_yuan"), f"{key}_yuan")
            except ValidationFailed as exc:
                errors.update(exc.fields)
        if errors:
            raise ValidationFailed(fields=errors)
        return {
            "name": d["name"],
            "starts_on": d["starts_on"],
            "ends_on": d["ends_on"],
            "mode": d["mode"],
            "goods": d.get("goods") or "",
            "rules": {
                "tiers": d.get("tiers") or [],
                "causes": d.get("causes") or [],
                "area_union_id": d.get("area"),
                "in_school": bool(d.get("in_school")),
            },
            "amounts": amounts,
        }


class ReasonForm(ActionForm):
    reason = forms.CharField(label=_("理由"), max_length=200)


class AddForm(ActionForm):
    file = forms.IntegerField(label=_("档案编号"), min_value=1)
    note = forms.CharField(label=_("增补理由"), max_length=200)


class PayForm(ActionForm):
    bank_format = forms.ChoiceField(label=_("银行文件格式"))

    def __init__(self, *args: Any, formats: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["bank_format"].choices = formats  # type: ignore[attr-defined]


class ResultsForm(ActionForm):
    batch = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    file = forms.FileField(label=_("银行回执文件"))


class BatchForm(ActionForm):
    batch = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class DeliverForm(ActionForm):
    beneficiary = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    signed_by = forms.CharField(label=_("签收人"), max_length=64)
    receipt = forms.ImageField(label=_("签收单照片"), required=False)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several pictures in one field (Django's documented pattern); each checked by core.images."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        if isinstance(data, list | tuple):
            return [super(MultipleImageField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


class DecisionForm(ActionForm):
    approve = forms.TypedChoiceField(
        label=_("意见"), choices=[("1", _("同意")), ("0", _("不同意"))], coerce=lambda v: v == "1"
    )
    note = forms.CharField(label=_("说明"), max_length=500, required=False)


class VisitForm(ActionForm):
    visited_at = forms.DateTimeField(
        label=_("走访时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    place = forms.CharField(label=_("走访地点"), max_length=200)
    visitors = forms.CharField(label=_("走访人员"), max_length=200)
    findings = forms.CharField(label=_("走访情况"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    photos = MultipleImageField(label=_("走访照片（最多6张）"), required=False)
    signature = forms.CharField(widget=forms.HiddenInput, required=False, max_length=2_000_000)


class ObjectionHandleForm(ActionForm):
    objection = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    upheld = forms.TypedChoiceField(
        label=_("处理结果"),
        choices=[("0", _("异议不成立")), ("1", _("异议成立"))],
        coerce=lambda v: v == "1",
    )
    answer = forms.CharField(label=_("处理意见"), max_length=500)


class IncomeCheckForm(ActionForm):
    reference = forms.CharField(label=_("函件编号"), max_length=60, required=False)


class IncomeAnswerForm(ActionForm):
    check = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    answer = forms.ChoiceField(label=_("核对结果"), choices=IncomeCheck.Answer.choices)
    note = forms.CharField(label=_("核对说明"), max_length=500, required=False)


class ReassessForm(ActionForm):
    wage_yuan = forms.CharField(label=_("家庭月工资收入（元）"), initial="0")
    other_income_yuan = forms.CharField(label=_("其他月收入（元）"), initial="0")
    medical_yuan = forms.CharField(label=_("月医疗支出（元）"), initial="0")
    education_yuan = forms.CharField(label=_("月教育支出（元）"), initial="0")
    note = forms.CharField(label=_("复核意见"), max_length=500, required=False)

    def service_kwargs(self) -> dict[str, Any]:
        d = self.valid_or_raise()
        errors: dict[str, Any] = {}
        fen: dict[str, int] = {}
        for name in ("wage_yuan", "other_income_yuan", "medical_yuan", "education_yuan"):
            try:
                fen[name] = _fen(d.get(name), name)
            except ValidationFailed as exc:
                errors.update(exc.fields)
        if errors:
            raise ValidationFailed(fields=errors)
        return {
            "incomes": [
                {"source": str(_("工资")), "monthly_fen": fen["wage_yuan"]},
                {"source": str(_("其他收入")), "monthly_fen": fen["other_income_yuan"]},
            ],
            "costs": [
                {"kind": "medical", "monthly_fen": fen["medical_yuan"]},
                {"kind": "education", "monthly_fen": fen["education_yuan"]},
            ],
            "note": d.get("note") or "",
        }


class CloseForm(ActionForm):
    kind = forms.ChoiceField(label=_("结档方式"), choices=[("exit", _("脱困退出")), ("remove", _("撤档"))])
    reason = forms.CharField(label=_("结档原因"), max_length=200)


class ExcludeForm(ActionForm):
    beneficiary = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    reason = forms.CharField(label=_("剔除理由"), max_length=200)


class ObjectionForm(ActionForm):
    file = forms.IntegerField(min_value=1, widget=forms.HiddenInput, required=False)
    reason = forms.CharField(label=_("异议理由"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class SpotDrawForm(ActionForm):
    union = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class SpotCheckForm(ActionForm):
    check = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    result = forms.ChoiceField(
        label=_("抽查结果"),
        choices=[("confirmed", _("情况属实")), ("discrepancy", _("情况不符"))],
    )
    note = forms.CharField(label=_("抽查说明"), max_length=500, required=False)
