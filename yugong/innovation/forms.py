"""Page forms (``yugong.core.forms``): they type what was posted; the services judge the rest and
their Chinese field errors land on the form (``apply_errors``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from yugong.core.forms import IdField, PageForm, YuanField

from .models import Level, Proposal, Studio, StudioResult

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ChoicesForm(PageForm):
    def set_choices(self, name: str, choices: list[tuple[Any, str]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices


# --- worker ----------------------------------------------------------------------------------------


class ProposalForm(PageForm):
    category = forms.ChoiceField(label=_("类别"), choices=Proposal.Category.choices)
    title = forms.CharField(label=_("项目名称"), max_length=120)
    problem = forms.CharField(
        label=_("现状与问题"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000
    )
    solution = forms.CharField(label=_("改进措施"), widget=forms.Textarea(attrs={"rows": 5}), max_length=3000)
    expected_benefit = forms.CharField(label=_("预期效果"), max_length=500, required=False)


class TeamSignupForm(PageForm):
    name = forms.CharField(label=_("团队名称"), max_length=60)
    plan = forms.CharField(label=_("攻关方案"), widget=forms.Textarea(attrs={"rows": 4}), max_length=3000)


class TeamJoinForm(PageForm):
    team = IdField(label=_("团队"), required=True)


# --- staff: studios --------------------------------------------------------------------------------


class StudioForm(ChoicesForm):
    union = forms.TypedChoiceField(label=_("所属工会"), coerce=int)
    name = forms.CharField(label=_("工作室名称"), max_length=100)
    kind = forms.ChoiceField(label=_("类型"), choices=Studio.Kind.choices)
    lead_id_number = forms.CharField(
        label=_("领衔人身份证号"), max_length=18, help_text=_("须为该工会会员。")
    )
    lead_title = forms.CharField(
        label=_("领衔人称号"), max_length=60, help_text=_("如：重庆市劳动模范、巴渝工匠")
    )
    field = forms.CharField(label=_("专业领域"), max_length=100)
    intro = forms.CharField(
        label=_("简介"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, required=False
    )


class MemberForm(PageForm):
    id_number = forms.CharField(label=_("成员身份证号"), max_length=18)


class MemberRemoveForm(PageForm):
    member = IdField(label=_("成员"), required=True)


class ResultForm(ChoicesForm):
    title = forms.CharField(label=_("成果名称"), max_length=120)
    kind = forms.ChoiceField(label=_("成果类型"), choices=StudioResult.Kind.choices)
    description = forms.CharField(
        label=_("成果简介"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    achieved_on = forms.DateField(label=_("取得日期"), widget=DATE)
    benefit_fen = YuanField(label=_("经济效益（元）"))
    contributors = forms.TypedMultipleChoiceField(
        label=_("完成人"), coerce=int, widget=forms.CheckboxSelectMultiple
    )


class RatingForm(PageForm):
    level = forms.ChoiceField(label=_("申报级别"), choices=Level.choices)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    statement = forms.CharField(
        label=_("申报说明"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class DecideForm(PageForm):
    decision = forms.ChoiceField(
        label=_("审核结果"),
        choices=(("approve", _("通过")), ("reject", _("不通过"))),
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("审核意见"), max_length=500, required=False)


class RatingDecideForm(DecideForm):
    rating = IdField(label=_("申报"), required=True, widget=forms.HiddenInput)


# --- staff: proposals ------------------------------------------------------------------------------


class AdoptForm(PageForm):
    grade = forms.ChoiceField(label=_("采纳等级"), choices=Proposal.Grade.choices)
    benefit_fen = YuanField(label=_("年经济效益（元）"))
    note = forms.CharField(label=_("评审意见"), max_length=500, required=False)


class RejectForm(PageForm):
    note = forms.CharField(label=_("未采纳理由"), max_length=500)


class RewardForm(PageForm):
    """The reward and the budget line (of the proposal's union) that pays it."""

    # Any id parses; the service judges it (another union's or a closed line gets its own message).
    budget_line = IdField(label=_("预算项目"), widget=forms.Select)
    reward_fen = YuanField(label=_("奖励金额（元）"), empty_fen=None, required=True)

    def __init__(self, *args: Any, lines: list[tuple[int, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        widget = self.fields["budget_line"].widget
        assert isinstance(widget, forms.Select)
        widget.choices = [("", _("请选择")), *(lines or [])]

    def valid_or_raise(self) -> dict[str, Any]:
        data = super().valid_or_raise()
        data["line_id"] = data.pop("budget_line")
        return data


# --- staff: challenges -----------------------------------------------------------------------------


class ChallengeForm(ChoicesForm):
    union = forms.TypedChoiceField(label=_("发榜工会"), coerce=int)
    poster = forms.CharField(
        label=_("发榜单位"), max_length=120, required=False, help_text=_("企业或工会；不填为发榜工会。")
    )
    title = forms.CharField(label=_("榜单名称"), max_length=120)
    problem = forms.CharField(label=_("技术难题"), widget=forms.Textarea(attrs={"rows": 4}), max_length=3000)
    requirements = forms.CharField(
        label=_("揭榜要求"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, required=False
    )
    reward_fen = YuanField(label=_("悬赏金额（元）"), empty_fen=None, required=True)
    signup_deadline = forms.DateTimeField(label=_("揭榜截止时间"), widget=DATETIME)
    due_on = forms.DateField(label=_("攻关完成期限"), widget=DATE)
    max_team_size = forms.IntegerField(label=_("团队人数上限"), min_value=1, max_value=50, initial=8)


class SelectTeamForm(PageForm):
    team = IdField(label=_("团队"), required=True)


class MilestoneForm(PageForm):
    title = forms.CharField(label=_("节点名称"), max_length=120)
    due_on = forms.DateField(label=_("计划完成日期"), widget=DATE)


class MilestoneDoneForm(PageForm):
    milestone = IdField(label=_("节点"), required=True, widget=forms.HiddenInput)
    note = forms.CharField(label=_("完成情况"), max_length=500)


class CompleteForm(PageForm):
    result = forms.CharField(label=_("攻关成果"), widget=forms.Textarea(attrs={"rows": 3}), max_length=3000)
    award_fen = YuanField(label=_("奖励金额（元）"))


class CloseForm(PageForm):
    note = forms.CharField(label=_("关闭原因"), max_length=500)
