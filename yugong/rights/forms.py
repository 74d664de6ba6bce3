"""Page forms of rights: they parse what was typed; the services validate and decide.

The appeal page (console) has one small form per action button; ``ACTION_FORMS`` maps the
posted ``action`` to its form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from yugong.core.forms import FlagField, IdField, PageForm, TextListField, YuanField


def _text(label: Any, max_length: int | None = None) -> forms.CharField:
    """Free text the service checks (required, length): the form carries it, no longer than the
    column it goes into."""
    return forms.CharField(label=label, max_length=max_length, required=False, strip=False)


# --- Filing an appeal (worker H5 and the hotline intake) ------------------------------------


class AppealNewForm(PageForm):
    category = _text(_("诉求类别"), 40)
    facts = _text(_("事情经过"))
    demand = _text(_("诉求"))
    caller_phone = _text(_("联系电话"), 40)
    employer_name = _text(_("工作单位"), 200)
    district = _text(_("区县"), 40)


class IntakeForm(AppealNewForm):
    channel = _text(_("来源"), 20)
    subject = _text(_("标题"), 200)
    complexity = _text(_("难易程度"), 20)
    caller_name = _text(_("来电人"), 60)
    anonymous = FlagField(label=_("匿名"))
    union = IdField(label=_("承办工会"))

    def clean_channel(self) -> str:
        return "walk_in" if self.cleaned_data.get("channel") == "walk_in" else "hotline"

    def clean_complexity(self) -> str:
        return self.cleaned_data.get("complexity") or "general"


# --- The worker's own appeal page -------------------------------------------------------------


class RateForm(PageForm):
    rating = _text(_("评价"), 20)
    comment = _text(_("意见"), 500)


class ReplyForm(PageForm):
    text = _text(_("补充说明"))


WORKER_ACTION_FORMS: dict[str, type[PageForm]] = {"rate": RateForm, "reply": ReplyForm}


# --- The staff appeal page: one form per action -----------------------------------------------


class AcceptForm(PageForm):
    complexity = _text(_("难易程度"), 20)
    note = _text(_("受理意见"))

    def clean_complexity(self) -> str | None:
        return self.cleaned_data.get("complexity") or None


class AssignForm(PageForm):
    assignee = IdField(label=_("承办人"))


class NoteForm(PageForm):
    text = _text(_("记录"))
    public = FlagField(label=_("职工可见"))


class PauseForm(PageForm):
    reason = _text(_("中止原因"))


class ResumeForm(PageForm):
    text = _text(_("说明"))


class TransferForm(PageForm):
    to_union = IdField(label=_("目标工会"))
    reason = _text(_("转办原因"), 300)


class ReferForm(PageForm):
    kind = _text(_("转介类型"), 20)
    agency = _text(_("承接机构"), 120)
    note = _text(_("说明"))
    outside_ref = _text(_("对方编号"), 64)
    lawyer = _text(_("律师"), 64)


class ReferralUpdateForm(PageForm):
    referral = IdField(label=_("转介"))
    status = _text(_("转介状态"), 20)
    outside_ref = _text(_("对方编号"), 64)
    note = _text(_("说明"))
    lawyer = _text(_("律师"), 64)


class MediationOpenForm(PageForm):
    mediator_name = _text(_("调解员"), 64)
    applicant = _text(_("申请人"), 200)
    respondent = _text(_("被申请人"), 200)


class MediationSessionForm(PageForm):
    case = IdField(label=_("调解案件"))
    summary = _text(_("调解情况"))
    place = _text(_("地点"), 120)


class MediationConcludeForm(PageForm):
    case = IdField(label=_("调解案件"))
    agreed = FlagField(label=_("结果"))
    agreement = _text(_("协议内容"))
    amount = YuanField(label=_("协议金额（元）"))


class ConcludeForm(PageForm):
    outcome = _text(_("办理结果"))
    amount = YuanField(label=_("挽回金额（元）"))


class FollowUpForm(PageForm):
    result = _text(_("回访结果"), 40)
    note = _text(_("回访记录"))
    rating = _text(_("评价"), 20)


class EmptyForm(PageForm):
    """An action with nothing to type (close, show the caller's number)."""


ACTION_FORMS: dict[str, type[PageForm]] = {
    "accept": AcceptForm,
    "assign": AssignForm,
    "note": NoteForm,
    "pause": PauseForm,
    "resume": ResumeForm,
    "transfer": TransferForm,
    "refer": ReferForm,
    "referral_update": ReferralUpdateForm,
    "mediation_open": MediationOpenForm,
    "mediation_session": MediationSessionForm,
    "mediation_conclude": MediationConcludeForm,
    "conclude": ConcludeForm,
    "follow_up": FollowUpForm,
    "close": EmptyForm,
    "reveal": EmptyForm,
}


# --- The policy library editor ----------------------------------------------------------------

DATE_INVALID = {"invalid": _("日期格式应为 YYYY-MM-DD。")}


class PolicyForm(PageForm):
    title = _text(_("标题"), 200)
    issuer = _text(_("发布机关"), 120)
    doc_number = _text(_("文号"), 80)
    topic = _text(_("主题"), 20)
    summary = _text(_("摘要"))
    published = FlagField(label=_("发布"))
    effective_on = forms.DateField(label=_("施行日期"), required=False, error_messages=DATE_INVALID)
    expires_on = forms.DateField(label=_("失效日期"), required=False, error_messages=DATE_INVALID)
    section_heading = TextListField(label=_("条目"))
    section_body = TextListField(label=_("内容"))


class FaqForm(PageForm):
    question = _text(_("问题"), 200)
    answer = _text(_("解答"))
    category = _text(_("诉求类别"), 40)
    seq = forms.IntegerField(label=_("排序"), required=False, error_messages={"invalid": _("排序须为整数。")})
    published = FlagField(label=_("发布"))
