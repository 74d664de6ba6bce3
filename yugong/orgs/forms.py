"""Page forms: they only parse what was typed; the services validate and say what is wrong."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from yugong.core.errors import ApplicationError
from yugong.core.forms import IdField, PageForm

from .models import (
    HomeRating,
    HomeReview,
    Industry,
    RoleAssignment,
    ServedForm,
    Specialty,
    Union,
    VolunteerTeam,
)


def apply_errors(form: forms.Form, exc: ApplicationError, rename: dict[str, str] | None = None) -> None:
    """Show a service's ``ValidationFailed`` on the form: per field where the form has it
    (``rename`` maps service argument names to form field names)."""
    if not exc.fields:
        form.add_error(None, str(exc.message))
    for field, messages in exc.fields.items():
        field = (rename or {}).get(field, field)
        target = field if field in form.fields else None
        for message in messages:
            form.add_error(target, str(message) if target else f"{message}")


class UnionForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=120)
    short_name = forms.CharField(label=_("简称"), max_length=40, required=False)
    code = forms.CharField(label=_("工会编码"), max_length=32)
    kind = forms.ChoiceField(label=_("类型"), choices=[c for c in Union.Kind.choices if c[0] != "city"])
    uscc = forms.CharField(
        label=_("统一社会信用代码"), max_length=30, required=False, help_text=_("具有法人资格的工会填写")
    )
    district = forms.CharField(label=_("所在区县"), max_length=40, required=False)
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    chair_name = forms.CharField(label=_("主席"), max_length=40, required=False)
    founded_on = forms.DateField(
        label=_("成立日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    serves_forms = forms.MultipleChoiceField(
        label=_("服务的就业形态"),
        choices=ServedForm.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("新就业形态劳动者工会联合会填写"),
    )

    def __init__(self, *args: Any, root: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if root:
            del self.fields["kind"]


class UnionChoiceField(forms.IntegerField):
    """A union id typed or chosen; the view resolves it through the access layer."""


class MoveForm(forms.Form):
    new_parent = UnionChoiceField(label=_("新的上级工会编号"), help_text=_("可在组织树中查到工会编号"))


class MergeForm(forms.Form):
    into = UnionChoiceField(label=_("并入的工会编号"))
    confirm = forms.BooleanField(
        label=_("我已确认：下级工会、用人单位和会员将转入目标工会，本工会将标记为已合并")
    )


class CloseForm(forms.Form):
    reason = forms.CharField(label=_("撤销原因"), max_length=200)
    closed_on = forms.DateField(
        label=_("撤销日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    confirm = forms.BooleanField(label=_("我已确认撤销该工会"))


class EmployerForm(forms.Form):
    name = forms.CharField(label=_("单位名称"), max_length=200)
    uscc = forms.CharField(label=_("统一社会信用代码"), max_length=30)
    industry = forms.ChoiceField(label=_("行业门类"), choices=[("", "—"), *Industry.choices], required=False)
    district = forms.CharField(label=_("所在区县"), max_length=40, required=False)
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    headcount = forms.IntegerField(label=_("职工人数"), min_value=0, initial=0)
    managing_union = UnionChoiceField(label=_("属地管理工会编号"))
    union = UnionChoiceField(label=_("所属基层工会编号"), required=False, help_text=_("尚未建会可不填"))


class RoleGrantForm(forms.Form):
    username = forms.CharField(label=_("用户名"), max_length=150)
    union = UnionChoiceField(label=_("工会编号"))
    role = forms.ChoiceField(label=_("岗位角色"), choices=RoleAssignment.Role.choices)


class HomeRatingForm(forms.Form):
    union = UnionChoiceField(label=_("工会编号"))
    level = forms.ChoiceField(label=_("级别"), choices=HomeRating.Level.choices)
    kind = forms.ChoiceField(label=_("类别"), choices=HomeRating.Kind.choices)
    year = forms.IntegerField(label=_("年度"), min_value=1980, max_value=2100)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


class VolunteerTeamForm(forms.Form):
    union = UnionChoiceField(label=_("工会编号"))
    name = forms.CharField(label=_("队伍名称"), max_length=120)
    tier = forms.ChoiceField(label=_("层级"), choices=VolunteerTeam.Tier.choices)
    specialty = forms.ChoiceField(label=_("服务方向"), choices=Specialty.choices)
    parent = forms.IntegerField(label=_("上级队伍编号"), required=False)


class VolunteerForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=40)
    phone = forms.CharField(label=_("手机号"), max_length=20, required=False)
    skills = forms.CharField(label=_("专长"), max_length=200, required=False)


class ServiceRecordForm(forms.Form):
    volunteer = forms.IntegerField(label=_("志愿者编号"))
    served_on = forms.DateField(label=_("服务日期"), widget=forms.DateInput(attrs={"type": "date"}))
    hours = forms.DecimalField(label=_("服务时长（小时）"), min_value=0, max_digits=5, decimal_places=2)
    description = forms.CharField(label=_("服务内容"), max_length=200)


class RoleRevokeForm(forms.Form):
    reason = forms.CharField(label=_("撤销原因"), required=False)


LOCAL_DT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class ServiceActivityForm(PageForm):
    title = forms.CharField(label=_("活动名称"), max_length=120)
    beneficiaries = forms.CharField(label=_("服务对象"), max_length=120)
    place = forms.CharField(label=_("服务地点"), max_length=200)
    starts_at = forms.DateTimeField(label=_("开始时间"), widget=LOCAL_DT)
    ends_at = forms.DateTimeField(label=_("结束时间"), widget=LOCAL_DT)
    capacity = forms.IntegerField(label=_("招募人数"), min_value=1, max_value=10000)
    description = forms.CharField(
        label=_("活动内容"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class TeamLeaderForm(PageForm):
    volunteer = IdField(label=_("队长（志愿者）"))


class HoursForm(PageForm):
    signup = IdField(label=_("报名"))
    hours = forms.DecimalField(
        label=_("服务时长（小时）"), min_value=0, max_value=24, max_digits=5, decimal_places=2
    )
    description = forms.CharField(label=_("服务内容"), max_length=200, required=False)


class CloseActivityForm(PageForm):
    beneficiary_count = forms.IntegerField(
        label=_("受益人数"),
        min_value=0,
        max_value=1_000_000,
        widget=forms.NumberInput(attrs={"class": "input"}),
    )


class DisputeForm(PageForm):
    note = forms.CharField(label=_("异议说明"), max_length=200)


class SpecialtyFilterForm(PageForm):
    specialty = forms.ChoiceField(
        label=_("服务方向"), choices=[("", _("全部"))] + list(Specialty.choices), required=False
    )


# --- 职工之家 workflow ------------------------------------------------------------------------------


class HomeSheetForm(PageForm):
    union = UnionChoiceField(label=_("制定工会编号"))
    name = forms.CharField(label=_("评分表名称"), max_length=120)
    kind = forms.ChoiceField(label=_("类别"), choices=HomeRating.Kind.choices)
    pass_score = forms.IntegerField(label=_("达标分"), min_value=1, max_value=100000)
    reassess_years = forms.IntegerField(label=_("复核周期（年）"), min_value=1, max_value=10, initial=3)
    criteria = forms.CharField(
        label=_("评分项"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("每行一项：评分项|满分|是否须佐证（1或0），如“组织建设规范|20|1”"),
    )

    def clean_criteria(self) -> list[tuple[str, str, bool]]:
        rows = []
        for line in str(self.cleaned_data["criteria"]).splitlines():
            if not line.strip():
                continue
            parts = [p.strip() for p in line.replace("｜", "|").split("|")]
            rows.append(
                (parts[0], parts[1] if len(parts) > 1 else "", (parts[2] if len(parts) > 2 else "1") != "0")
            )
        return rows


# 全国 titles come by recommendation (HomeNationalRecommendForm), not by application.
APPLY_LEVELS = [(v, label) for v, label in HomeRating.Level.choices if v != HomeRating.Level.NATIONAL]


class HomeApplicationForm(PageForm):
    union = UnionChoiceField(label=_("申报工会编号"))
    sheet = forms.TypedChoiceField(label=_("评分表"), coerce=int, choices=[])
    level = forms.ChoiceField(label=_("申报级别"), choices=APPLY_LEVELS)
    year = forms.IntegerField(label=_("年度"), min_value=1980, max_value=2100)
    summary = forms.CharField(
        label=_("创建情况简介"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )


class HomeScoreForm(PageForm):
    criterion = IdField(label=_("评分项"), required=True)
    score = forms.IntegerField(label=_("自评分"), min_value=0, max_value=1000)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)
    evidence = forms.FileField(label=_("佐证材料（PDF/JPG/PNG，10MB以内）"), required=False)


class HomeDecisionForm(PageForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(label=_("审核结论"), choices=HomeReview.Decision.choices)
    score = forms.IntegerField(label=_("审核得分"), min_value=0, max_value=100000, required=False)
    note = forms.CharField(label=_("审核意见"), max_length=300, required=False)


class HomePublishForm(PageForm):
    union = IdField(label=_("命名工会"), required=True)
    level = forms.ChoiceField(label=_("级别"), choices=APPLY_LEVELS)
    year = forms.IntegerField(label=_("年度"), min_value=1980, max_value=2100)


class HomeNationalRecommendForm(PageForm):
    rating = IdField(label=_("市级称号"), required=True)
    note = forms.CharField(label=_("推荐意见"), max_length=300, required=False)


class HomeNationalResultForm(PageForm):
    nomination = IdField(label=_("推荐"), required=True)
    conferred = forms.TypedChoiceField(
        label=_("全国总工会结果"),
        choices=[("1", _("已命名")), ("0", _("未命名"))],
        coerce=lambda v: v == "1",
    )
    document_no = forms.CharField(label=_("文号"), max_length=60)
    document_date = forms.DateField(label=_("发文日期"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("说明"), max_length=300, required=False)
