"""The page edges of the catalogue and the credit bank review: forms type the fields, the services
judge them, and the services' field errors land on the form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from yugong.core.errors import ApplicationError

from .models import Course, Lesson, Provider, QuizQuestion, Source


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
    pass_percent = forms.IntegerField(
        label=_("及格线（%）"), min_value=1, max_value=100, initial=60, required=False
    )
    max_attempts = forms.IntegerField(
        label=_("可答题次数"), min_value=1, max_value=20, initial=3, required=False
    )


class LessonUploadForm(ServiceForm):
    """A micro-lesson from a file: what the file is (video, audio or PDF) is read from its content."""

    unit = forms.TypedChoiceField(label=_("单元"), coerce=int)
    title = forms.CharField(label=_("微课名称"), max_length=200)
    file = forms.FileField(
        label=_("文件"),
        required=False,
        help_text=_(
            "视频（MP4、MOV、WebM）、音频（MP3、M4A、WAV、OGG）或PDF；视频、音频上传后自动转码为多种清晰度。"
        ),
    )
    duration_seconds = forms.IntegerField(
        label=_("时长（秒）"),
        min_value=1,
        max_value=4 * 3600,
        required=False,
        help_text=_("视频、音频由系统读取，读取不到时须填写；PDF为预计阅读时间，不填按每页1分钟计。"),
    )
    required_percent = forms.IntegerField(
        label=_("完成所需比例（%）"), min_value=10, max_value=100, initial=90
    )


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


class QuizForm(ServiceForm):
    """The answer sheet: one field per question (radio for single and true/false, checkboxes for
    multiple choice). Built from the paper, which carries no answers."""

    def __init__(self, *args: Any, questions: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for q in questions:
            choices = [(letter, f"{letter}. {text}") for letter, text in q.options]
            if q.kind == "multiple":
                self.fields[f"q{q.id}"] = forms.MultipleChoiceField(
                    label=q.stem, choices=choices, widget=forms.CheckboxSelectMultiple, required=False
                )
            else:
                self.fields[f"q{q.id}"] = forms.ChoiceField(
                    label=q.stem, choices=choices, widget=forms.RadioSelect, required=False
                )

    def answers(self) -> dict[str, Any]:
        return {name[1:]: value for name, value in self.cleaned_data.items() if name.startswith("q")}


class QuestionForm(ServiceForm):
    lesson = forms.TypedChoiceField(label=_("测验课时"), coerce=int)
    kind = forms.ChoiceField(label=_("题型"), choices=QuizQuestion.Kind.choices)
    stem = forms.CharField(label=_("题干"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
    options = forms.CharField(
        label=_("选项"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("每行一个选项；判断题不必填写。"),
    )
    answer = forms.CharField(
        label=_("正确答案"), max_length=8, help_text=_("选项字母，如 A 或 AC；判断题 A 为正确、B 为错误。")
    )
    explanation = forms.CharField(label=_("解析"), max_length=1000, required=False)

    def clean_options(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["options"].splitlines() if line.strip()]


class RevokeForm(ServiceForm):
    reason = forms.CharField(label=_("撤销原因"), max_length=200)


class CheckinForm(ServiceForm):
    code = forms.CharField(
        label=_("签到码"), max_length=300, help_text=_("扫描课堂现场展示的二维码，或输入其中的链接。")
    )


class ConversionForm(ServiceForm):
    programme = forms.TypedChoiceField(label=_("转入专业（项目）"), coerce=int)
    entries = forms.TypedMultipleChoiceField(
        label=_("转换的学分记录"), coerce=int, widget=forms.CheckboxSelectMultiple
    )


class ConversionReviewForm(OutcomeReviewForm):
    pass


class ProgrammeForm(ServiceForm):
    provider = forms.TypedChoiceField(label=_("院校（机构）"), coerce=int)
    name = forms.CharField(label=_("专业（项目）名称"), max_length=120)
    required_credits = forms.DecimalField(
        label=_("毕业所需学分"), min_value=0, max_value=1000, decimal_places=1
    )


class AgreementForm(ServiceForm):
    programme = forms.TypedChoiceField(label=_("专业（项目）"), coerce=int)
    source = forms.ChoiceField(label=_("成果来源"), choices=Source.choices)
    partner = forms.CharField(label=_("签约机构"), max_length=120)
    ratio = forms.DecimalField(
        label=_("折算比例"),
        min_value=0,
        max_value=10,
        decimal_places=2,
        help_text=_("每1银行学分折算的专业学分。"),
    )
    cap_credits = forms.DecimalField(
        label=_("每人上限（学分）"), min_value=0, max_value=1000, decimal_places=1
    )
    signed_on = forms.DateField(label=_("签订日期"), widget=forms.DateInput(attrs={"type": "date"}))


class ClassScheduleForm(ServiceForm):
    starts_at = forms.DateTimeField(
        label=_("开始时间"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    ends_at = forms.DateTimeField(
        label=_("结束时间"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    place = forms.CharField(label=_("地点或直播间"), max_length=200)
    capacity = forms.IntegerField(label=_("名额"), min_value=1, max_value=100000)


class StatementPageForm(forms.Form):
    """The statement page's position (``?after=`` the previous page's last row); a malformed one
    shows the first page."""

    after = forms.RegexField(regex=r"^-?[0-9]{1,20}\.[0-9]{1,19}$", required=False, max_length=40)
