"""The page edges of the catalogue and the credit bank review: forms type the fields, the services
judge them, and the services' field errors land on the form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from yugong.core.errors import ApplicationError

from .models import Course, Lesson, Provider


class ServiceForm(forms.Form):
    def take_errors(self, exc: ApplicationError) -> None:
        for field, messages in exc.fields.items():
            for message in messages:
                self.add_error(field if field in self.fields else None, str(message))
        if not exc.fields:
            self.add_error(None, str(exc.message))

    def set_choices(self, name: str, choices: list[tuple[Any, str]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices


class ProviderForm(ServiceForm):
    union = forms.TypedChoiceField(label=_("工会"), coerce=int)
    name = forms.CharField(label=_("名称"), max_length=120)
    kind = forms.ChoiceField(label=_("类型"), choices=Provider.Kind.choices)


class CourseForm(ServiceForm):
    provider = forms.TypedChoiceField(label=_("课程提供方"), coerce=int)
    title = forms.CharField(label=_("课程名称"), max_length=200)
    summary = forms.CharField(label=_("简介"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    credits = forms.DecimalField(label=_("学分"), min_value=0, max_value=100, decimal_places=1, initial=0)


class CourseEditForm(ServiceForm):
    title = forms.CharField(label=_("课程名称"), max_length=200)
    summary = forms.CharField(label=_("简介"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    credits = forms.DecimalField(label=_("学分"), min_value=0, max_value=100, decimal_places=1)
    status = forms.ChoiceField(label=_("状态"), choices=Course.Status.choices)


class UnitForm(ServiceForm):
    title = forms.CharField(label=_("单元名称"), max_length=200)


class LessonForm(ServiceForm):
    unit = forms.TypedChoiceField(label=_("单元"), coerce=int)
    title = forms.CharField(label=_("微课名称"), max_length=200)
    kind = forms.ChoiceField(label=_("类型"), choices=Lesson.Kind.choices)
    duration_seconds = forms.IntegerField(label=_("时长（秒）"), min_value=10, max_value=4 * 3600)
    required_percent = forms.IntegerField(
        label=_("完成所需比例（%）"), min_value=10, max_value=100, initial=90
    )
    media_url = forms.CharField(label=_("媒体地址"), max_length=500, required=False)
    media_bytes = forms.IntegerField(label=_("转码后大小（字节）"), min_value=0, initial=0, required=False)
    body = forms.CharField(label=_("正文"), widget=forms.Textarea(attrs={"rows": 4}), required=False)


class OutcomeReviewForm(ServiceForm):
    decision = forms.ChoiceField(
        label=_("审核结果"),
        choices=(("approve", _("认定")), ("reject", _("不予认定"))),
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("审核意见"), max_length=200, required=False)


class SkillsCertificateForm(ServiceForm):
    occupation_code = forms.CharField(
        label=_("职业代码"), max_length=12, help_text=_("《职业分类大典》代码，如 6-31-01-03。")
    )
    occupation = forms.CharField(label=_("职业（工种）"), max_length=60)
    level = forms.ChoiceField(label=_("等级"))
    number = forms.CharField(label=_("证书编号"), max_length=40)
    issuer = forms.CharField(label=_("评价机构"), max_length=100)
    issued_on = forms.DateField(label=_("发证日期"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from .skills import SkillLevel

        super().__init__(*args, **kwargs)
        self.set_choices("level", list(SkillLevel.choices))
