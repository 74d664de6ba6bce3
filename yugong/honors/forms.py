"""The page edges of the honours services: forms type the fields, the services judge them, and the
services' Chinese field errors land on the form (``take_errors``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from yugong.core.errors import ApplicationError

from .models import HonourKind

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DECISIONS = (("approve", _("通过")), ("reject", _("不通过")))


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


class RoundForm(ServiceForm):
    union = forms.TypedChoiceField(label=_("组织单位"), coerce=int)
    kind = forms.ModelChoiceField(label=_("荣誉类型"), queryset=HonourKind.objects.filter(active=True))
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    title = forms.CharField(label=_("评选名称"), max_length=120)
    deadline = forms.DateTimeField(label=_("推荐截止时间"), widget=DATETIME)


class QuotaForm(ServiceForm):
    union = forms.TypedChoiceField(label=_("单位"), coerce=int)
    places = forms.IntegerField(label=_("名额"), min_value=0, max_value=10000)


class NoticeForm(ServiceForm):
    working_days = forms.IntegerField(label=_("公示期（工作日）"), min_value=3, max_value=15, initial=5)


class NominationForm(ServiceForm):
    round = forms.TypedChoiceField(label=_("评选"), coerce=int)
    union = forms.TypedChoiceField(label=_("推荐单位"), coerce=int)
    id_number = forms.CharField(
        label=_("身份证号（推荐个人时填写）"), max_length=18, required=False, help_text=_("须为本单位会员。")
    )
    nominee = forms.CharField(label=_("集体名称（推荐集体时填写）"), max_length=120, required=False)
    work_unit = forms.CharField(label=_("工作单位"), max_length=200, required=False)
    deeds = forms.CharField(label=_("主要事迹"), widget=forms.Textarea(attrs={"rows": 6}), max_length=5000)


class ReviewForm(ServiceForm):
    decision = forms.ChoiceField(label=_("审核结果"), choices=DECISIONS, widget=forms.RadioSelect)
    note = forms.CharField(label=_("审核意见"), max_length=500, required=False)


class WithdrawForm(ServiceForm):
    note = forms.CharField(label=_("撤回原因"), max_length=500)


class ObjectionForm(ServiceForm):
    reason = forms.CharField(label=_("异议理由"), widget=forms.Textarea(attrs={"rows": 4}), max_length=500)


class ObjectionHandleForm(ServiceForm):
    objection = forms.IntegerField(widget=forms.HiddenInput)
    upheld = forms.TypedChoiceField(
        label=_("处理结果"),
        choices=(("0", _("异议不成立")), ("1", _("异议成立"))),
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    answer = forms.CharField(label=_("处理意见"), max_length=500)


class LaureateForm(ServiceForm):
    union = forms.TypedChoiceField(label=_("所属工会"), coerce=int)
    id_number = forms.CharField(label=_("身份证号"), max_length=18, help_text=_("须为该工会会员。"))
    title = forms.CharField(label=_("称号"), max_length=60)
    specialty = forms.CharField(label=_("专长领域"), max_length=120, required=False)
    in_service_corps = forms.BooleanField(label=_("百名劳模服务团成员"), required=False)


class CorpsForm(ServiceForm):
    in_service_corps = forms.BooleanField(label=_("百名劳模服务团成员"), required=False)


class TalkForm(ServiceForm):
    union = forms.TypedChoiceField(label=_("预约单位"), coerce=int)
    speaker = forms.TypedChoiceField(label=_("宣讲人"), coerce=int)
    topic = forms.CharField(label=_("宣讲主题"), max_length=120)
    venue = forms.CharField(label=_("地点"), max_length=200)
    scheduled_at = forms.DateTimeField(label=_("宣讲时间"), widget=DATETIME)


class DeliverForm(ServiceForm):
    audience = forms.IntegerField(label=_("听众人数"), min_value=1, max_value=100000)
    record = forms.CharField(label=_("宣讲记录"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000)


class CancelForm(ServiceForm):
    note = forms.CharField(label=_("取消原因"), max_length=500)
