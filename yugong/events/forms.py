"""Console forms of events (activities): one small form per action of the activity page, plus the
activity, group sign-up and check-in forms; the services validate and decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from yugong.core.errors import ApplicationError
from yugong.core.forms import FlagField, PageForm
from yugong.members.models import EmploymentForm

from .models import ActivityKind

PLACES_MESSAGE = _("名额须为非负整数。")


class AllocateForm(PageForm):
    union_id = forms.CharField(label=_("工会"), required=False)
    places = forms.IntegerField(
        label=_("名额"),
        min_value=0,
        error_messages={"required": PLACES_MESSAGE, "invalid": PLACES_MESSAGE, "min_value": PLACES_MESSAGE},
    )


class DrawForm(PageForm):
    seed = forms.CharField(label=_("随机种子"), required=False, strip=False)


class SeedForm(PageForm):
    seed_hash = forms.CharField(label=_("种子承诺值（SHA-256）"), required=False)


ACTION_FORMS: dict[str, type[PageForm]] = {"allocate": AllocateForm, "draw": DrawForm, "seed": SeedForm}

_DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local", "class": "input"}, format="%Y-%m-%dT%H:%M")


class ServiceForm(PageForm):
    """A whole-page form: Bulma classes on the inputs, a service's errors back on its fields."""

    RENAME = {"person_ids": "persons", "union_id": "union"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.Textarea):
                widget.attrs.setdefault("class", "textarea")
            elif isinstance(widget, forms.widgets.Input) and not isinstance(
                widget, forms.CheckboxInput | forms.CheckboxSelectMultiple
            ):
                widget.attrs.setdefault("class", "input")

    def take_errors(self, exc: ApplicationError) -> None:
        self.apply_errors(exc, self.RENAME)


class ActivityForm(ServiceForm):
    union = forms.TypedChoiceField(label=_("主办工会"), coerce=int)
    title = forms.CharField(label=_("活动名称"), max_length=120)
    kind = forms.ChoiceField(label=_("活动类型"), choices=ActivityKind.choices)
    description = forms.CharField(
        label=_("活动介绍"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    venue = forms.CharField(label=_("活动地点"), max_length=200, required=False)
    starts_at = forms.DateTimeField(label=_("开始时间"), widget=_DATETIME, required=False)
    places = forms.IntegerField(label=_("名额"), min_value=1, max_value=10_000_000)
    signup_opens_at = forms.DateTimeField(label=_("报名开始"), widget=_DATETIME)
    signup_closes_at = forms.DateTimeField(label=_("报名截止"), widget=_DATETIME)
    members_only = forms.BooleanField(label=_("仅限会员"), required=False, initial=True)
    employment_forms = forms.MultipleChoiceField(
        label=_("限定就业形态"),
        choices=EmploymentForm.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选则不限。"),
    )
    repeat_penalty_pct = forms.IntegerField(
        label=_("往期中签降权（%）"),
        min_value=0,
        max_value=1000,
        initial=0,
        help_text=_("100 表示往期中签（或中签未到场）一次的会员，中签机会减半。"),
    )
    offer_hours = forms.IntegerField(
        label=_("候补递补确认时限（小时）"), min_value=1, max_value=720, initial=24
    )
    seed_hash = forms.CharField(
        label=_("种子承诺值（SHA-256）"),
        max_length=64,
        required=False,
        help_text=_("报名截止前公布抽签种子的 SHA-256，抽签时公开种子，任何人可复核。"),
    )

    EDIT_FIELDS = (
        "title", "description", "venue", "starts_at", "places", "signup_opens_at", "signup_closes_at",
        "members_only", "employment_forms", "repeat_penalty_pct", "offer_hours",
    )  # fmt: skip

    def __init__(self, *args: Any, unions: list[tuple[int, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if unions is None:  # editing: the organiser and the kind are fixed, the seed is committed apart
            for name in ("union", "kind", "seed_hash"):
                del self.fields[name]
        else:
            field = self.fields["union"]
            assert isinstance(field, forms.TypedChoiceField)
            field.choices = unions


class GroupSignupForm(ServiceForm):
    union = forms.TypedChoiceField(label=_("报名工会"), coerce=int)
    persons = forms.TypedMultipleChoiceField(
        label=_("报名会员"), coerce=int, widget=forms.CheckboxSelectMultiple
    )

    def __init__(
        self, *args: Any, unions: list[tuple[int, str]], persons: list[tuple[int, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        union = self.fields["union"]
        assert isinstance(union, forms.TypedChoiceField)
        union.choices = unions
        people = self.fields["persons"]
        assert isinstance(people, forms.TypedMultipleChoiceField)
        people.choices = persons


class UnionPickForm(PageForm):
    """Which of the officer's unions the group sign-up page lists members of."""

    union = forms.IntegerField(required=False)


class CheckinForm(ServiceForm):
    token = forms.CharField(label=_("签到码"), max_length=500)


# --- the kinds' pages (views_kinds): contest works, 相亲联谊, 爱心托管, 健身打卡 ----------------------

_AGE_MESSAGE = _("年龄须为3到16之间的整数。")


class WorkSubmitForm(ServiceForm):
    """A contest work: the files are checked by the service (``works.work_submit``), by their bytes."""

    kind = forms.ChoiceField(
        label=_("作品类型"),
        choices=[("photo", _("摄影作品")), ("video", _("微视频"))],
        initial="photo",
        widget=forms.RadioSelect,
    )
    title = forms.CharField(label=_("作品名称"), max_length=80)
    body = forms.CharField(
        label=_("创作说明"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000, required=False
    )
    picture = forms.FileField(
        label=_("作品照片 / 视频封面"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    video = forms.FileField(
        label=_("视频文件"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "video/mp4,video/quicktime,video/webm"}),
    )


class WorkQueueForm(PageForm):
    """Which works the review queue lists (pending when left out)."""

    status = forms.ChoiceField(
        choices=[("pending", _("待审核")), ("published", _("已发布")), ("rejected", _("未通过"))],
        required=False,
    )


class WorkReviewForm(PageForm):
    decision = forms.ChoiceField(
        label=_("审核结果"), choices=[("approve", _("通过")), ("reject", _("不通过"))]
    )
    note = forms.CharField(label=_("审核意见"), max_length=200, required=False)


class MatchSignupForm(PageForm):
    consent = FlagField(label=_("我已阅读并同意"))


class MatchCardForm(ServiceForm):
    nickname = forms.CharField(label=_("昵称"), max_length=20)
    intro = forms.CharField(
        label=_("自我介绍"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=500,
        required=False,
        help_text=_("兴趣爱好、择偶期望等，对其他参加者可见。"),
    )
    contact = forms.CharField(
        label=_("联系方式"),
        max_length=100,
        help_text=_("手机号或微信号；只在双方都表达意向后向对方显示。"),
    )
    consent = FlagField(label=_("同意在双方互有意向后向对方显示我的实名与联系方式"))


class ChildEnrolForm(ServiceForm):
    child_name = forms.CharField(label=_("孩子姓名"), max_length=20)
    child_age = forms.IntegerField(
        label=_("孩子年龄（周岁）"),
        min_value=3,
        max_value=16,
        error_messages={"invalid": _AGE_MESSAGE, "min_value": _AGE_MESSAGE, "max_value": _AGE_MESSAGE},
    )
    guardian_phone = forms.CharField(
        label=_("监护人手机号"),
        max_length=11,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "tel"}),
    )


class ChildcareGroupForm(ServiceForm):
    name = forms.CharField(label=_("班组名称"), max_length=40)
    min_age = forms.IntegerField(label=_("最小年龄"), min_value=3, max_value=16)
    max_age = forms.IntegerField(label=_("最大年龄"), min_value=3, max_value=16)
    capacity = forms.IntegerField(label=_("名额"), min_value=1, max_value=10_000)


class AttendanceForm(PageForm):
    """The day's roster: every child ticked present is marked (one POST for the day)."""

    day = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    present = forms.TypedMultipleChoiceField(
        label=_("到园儿童"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, children: list[int] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        present = self.fields["present"]
        assert isinstance(present, forms.TypedMultipleChoiceField)
        present.choices = [(pk, str(pk)) for pk in children or []]


class RosterDayForm(PageForm):
    """Which day the attendance page shows (today when left out)."""

    day = forms.DateField(required=False)


class FitnessForm(ServiceForm):
    RENAME = {"distance_m": "distance_km"}

    steps = forms.IntegerField(
        label=_("今日步数"),
        min_value=0,
        max_value=100_000,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    distance_km = forms.DecimalField(
        label=_("运动距离（公里）"),
        min_value=0,
        max_value=100,
        decimal_places=2,
        initial=0,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
    )

    def distance_m(self) -> int:
        return int(self.cleaned_data["distance_km"] * 1000)
