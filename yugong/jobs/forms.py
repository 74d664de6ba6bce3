"""The page edges of the jobs services: the forms type the fields, the services judge them, and a
service's Chinese field errors land back on the form (:meth:`ServiceForm.take_errors`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from yugong.core.errors import ApplicationError
from yugong.core.forms import PageForm

from .models import Education, JobFair, JobPost

# A service field → the form field that shows its error (money is typed in yuan on the pages).
FIELD_ALIASES = {
    "pay_min_fen": "pay_min",
    "pay_max_fen": "pay_max",
    "expected_pay_fen": "expected_pay",
    "fair": "fair",
}


def yuan_to_fen(value: Decimal | int | None) -> int:
    return int((Decimal(value or 0) * 100).to_integral_value())


class ServiceForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.Textarea):
                widget.attrs.setdefault("class", "textarea")
            elif isinstance(widget, forms.widgets.Input) and not isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "input")

    def take_errors(self, exc: ApplicationError) -> None:
        for field, messages in exc.fields.items():
            name = FIELD_ALIASES.get(field, field)
            for message in messages:
                self.add_error(name if name in self.fields else None, str(message))
        if not exc.fields:
            self.add_error(None, str(exc.message))


_DATE = forms.DateInput(attrs={"type": "date"})
_DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class JobPostForm(ServiceForm):
    title = forms.CharField(label=_("岗位名称"), max_length=80)
    employment_type = forms.ChoiceField(label=_("用工形式"), choices=JobPost.EmploymentType.choices)
    pay_min = forms.DecimalField(label=_("最低薪酬（元）"), max_digits=10, decimal_places=2, min_value=0)
    pay_max = forms.DecimalField(label=_("最高薪酬（元）"), max_digits=10, decimal_places=2, min_value=0)
    pay_period = forms.ChoiceField(label=_("计薪周期"), choices=JobPost.PayPeriod.choices)
    openings = forms.IntegerField(label=_("招聘人数"), min_value=1, max_value=10000, initial=1)
    district = forms.CharField(label=_("工作区县"), max_length=40)
    address = forms.CharField(label=_("工作地点"), max_length=200, required=False)
    education = forms.ChoiceField(label=_("学历要求"), choices=Education.choices)
    occupation_code = forms.CharField(
        label=_("职业分类代码"),
        max_length=16,
        required=False,
        help_text=_("《职业分类大典》代码，如 6-31-01-03，可不填。"),
    )
    description = forms.CharField(
        label=_("岗位职责"), widget=forms.Textarea(attrs={"rows": 5}), required=False
    )
    requirements = forms.CharField(
        label=_("任职要求"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("不得含有性别、年龄、户籍、婚育状况等歧视性要求（《就业促进法》），提交时会自动检查。"),
    )
    valid_through = forms.DateField(label=_("截止日期"), widget=_DATE, required=False)
    fair = forms.TypedChoiceField(label=_("参加招聘会"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args: Any, fairs: list[tuple[int, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["fair"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", _("不参加招聘会")), *(fairs or [])]

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        return {
            "title": data["title"],
            "employment_type": data["employment_type"],
            "pay_min_fen": yuan_to_fen(data["pay_min"]),
            "pay_max_fen": yuan_to_fen(data["pay_max"]),
            "pay_period": data["pay_period"],
            "openings": data["openings"],
            "district": data["district"],
            "address": data["address"],
            "education": data["education"],
            "occupation_code": data["occupation_code"],
            "description": data["description"],
            "requirements": data["requirements"],
            "valid_through": data["valid_through"],
        }

    @staticmethod
    def initial_from(post: JobPost) -> dict[str, Any]:
        return {
            "title": post.title,
            "employment_type": post.employment_type,
            "pay_min": Decimal(post.pay_min_fen) / 100,
            "pay_max": Decimal(post.pay_max_fen) / 100,
            "pay_period": post.pay_period,
            "openings": post.openings,
            "district": post.district,
            "address": post.address,
            "education": post.education,
            "occupation_code": post.occupation_code,
            "description": post.description,
            "requirements": post.requirements,
            "valid_through": post.valid_through,
            "fair": post.fair_id,
        }


class ReviewForm(ServiceForm):
    decision = forms.ChoiceField(
        label=_("审核结论"), choices=[("approve", _("通过并发布")), ("reject", _("退回修改"))]
    )
    note = forms.CharField(label=_("审核意见"), max_length=200, required=False)


class FairForm(ServiceForm):
    kind = forms.ChoiceField(label=_("形式"), choices=JobFair.Kind.choices)
    title = forms.CharField(label=_("名称"), max_length=120)
    starts_at = forms.DateTimeField(label=_("开始时间"), widget=_DATETIME)
    ends_at = forms.DateTimeField(label=_("结束时间"), widget=_DATETIME)
    venue = forms.CharField(label=_("地点"), max_length=200, required=False, help_text=_("线下招聘会必填"))
    district = forms.CharField(label=_("所在区县"), max_length=40, required=False)
    stream_url = forms.CharField(
        label=_("直播地址"),
        max_length=300,
        required=False,
        help_text=_("直播带岗必填，如 https://live.example.cn/room/1"),
    )
    description = forms.CharField(label=_("介绍"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    union = forms.TypedChoiceField(label=_("主办工会"), coerce=int, required=False)

    def __init__(self, *args: Any, unions: list[tuple[int, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if unions is None:
            del self.fields["union"]
        else:
            field = self.fields["union"]
            assert isinstance(field, forms.TypedChoiceField)
            field.choices = unions
            field.required = True

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        keys = ("kind", "title", "starts_at", "ends_at", "venue", "district", "stream_url", "description")
        return {k: data[k] for k in keys}


class BoothForm(ServiceForm):
    employer = forms.TypedChoiceField(label=_("用人单位"), coerce=int)
    label = forms.CharField(label=_("展位号"), max_length=20, required=False)

    def __init__(self, *args: Any, employers: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["employer"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = employers


class RecruiterForm(ServiceForm):
    login = forms.CharField(
        label=_("手机号或用户名"), max_length=150, help_text=_("对方须先用手机号登录过一次平台。")
    )


class ResumeForm(ServiceForm):
    title = forms.CharField(label=_("简历名称"), max_length=40, initial=_("我的简历"))
    name = forms.CharField(label=_("姓名"), max_length=40)
    phone = forms.CharField(label=_("手机号"), max_length=20)
    education = forms.ChoiceField(label=_("最高学历"), choices=Education.choices)
    experience_years = forms.IntegerField(label=_("工作年限"), min_value=0, max_value=60, initial=0)
    skills = forms.CharField(label=_("技能证书"), max_length=200, required=False)
    expected_pay = forms.IntegerField(
        label=_("期望月薪（元）"), min_value=0, max_value=1_000_000, required=False
    )
    intro = forms.CharField(
        label=_("工作经历与自我介绍"), widget=forms.Textarea(attrs={"rows": 5}), required=False
    )

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        expected = data.pop("expected_pay") or 0
        return {**data, "expected_pay_fen": int(expected) * 100}


class IntentForm(ServiceForm):
    resume = forms.TypedChoiceField(label=_("选择简历"), coerce=int)
    message = forms.CharField(label=_("留言"), max_length=200, required=False)

    def __init__(self, *args: Any, resumes: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["resume"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = resumes


class DecideForm(ServiceForm):
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


class SearchForm(forms.Form):
    q = forms.CharField(label=_("搜索"), max_length=50, required=False)
    district = forms.CharField(label=_("区县"), max_length=40, required=False)
    employment_type = forms.ChoiceField(
        label=_("用工形式"), choices=[("", _("不限")), *JobPost.EmploymentType.choices], required=False
    )
    pay_from = forms.IntegerField(
        label=_("月薪不低于（元）"), min_value=0, max_value=1_000_000, required=False
    )


class BoothRemoveForm(forms.Form):
    """The booth a remove button names (the service finds it, or answers not found)."""

    booth = forms.CharField(label=_("展位"), required=False)


class RecruiterRemoveForm(forms.Form):
    """The recruiter a remove button names (the service finds it, or answers not found)."""

    recruiter = forms.CharField(label=_("招聘专员"), required=False)


class ResumeFileForm(PageForm):
    file = forms.FileField(label=_("简历附件（PDF 或 Word，5MB 以内）"), required=False)


class CheckinForm(PageForm):
    k = forms.CharField(max_length=300)
