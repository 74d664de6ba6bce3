"""Console forms of contests: they parse what was typed; the services validate and decide.

The competition page has one small form per set-up action (``SETUP_FORMS``) and per step
(``STEP_FORMS``); the judge's marking grid is a form whose fields are its cells."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from yugong.core.forms import FlagField, IdField, PageForm
from yugong.core.timeutil import SHANGHAI

INT_INVALID = {"invalid": _("请填写整数。")}


def _text(label: Any, max_length: int | None = None) -> forms.CharField:
    return forms.CharField(label=label, max_length=max_length, required=False)


def _int(label: Any, default: int | None = None) -> forms.IntegerField:
    """A whole number the service bounds; left empty it is ``default``."""
    return forms.IntegerField(label=label, required=False, initial=default, error_messages=INT_INVALID)


class DefaultsForm(PageForm):
    """Empty number boxes take their field's ``initial`` (the page's default)."""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name, field in self.fields.items():
            if isinstance(field, forms.IntegerField) and data.get(name) is None and name not in self.errors:
                data[name] = field.initial
        return data


# --- Knowledge contests ---------------------------------------------------------------------


def local_datetime(value: str) -> dt.datetime | None:
    """A ``datetime-local`` box's value, read as Chongqing time."""
    parsed = parse_datetime(value or "")
    if parsed is not None and parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=SHANGHAI)
    return parsed


class ContestForm(DefaultsForm):
    title = _text(_("名称"), 120)
    organiser = IdField(label=_("主办工会"))
    bank = IdField(label=_("题库"))
    starts_at = _text(_("开始时间"), 40)
    ends_at = _text(_("结束时间"), 40)
    question_count = _int(_("每卷题数"), 10)
    time_limit_seconds = _int(_("时限（秒）"), 600)
    tries_per_day = _int(_("每日次数"), 3)
    score_rule = _text(_("计分"), 20)
    material_title = _text(_("警示教育材料标题"), 120)
    material_body = _text(_("警示教育材料（答题前须阅读）"))

    def clean_score_rule(self) -> str:
        return self.cleaned_data.get("score_rule") or "best"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        starts = local_datetime(data.get("starts_at", ""))
        ends = local_datetime(data.get("ends_at", ""))
        if starts is None or ends is None:
            self.add_error("starts_at", _("请填写有效的开始和结束时间。"))
        data["starts_at"], data["ends_at"] = starts, ends
        return data


class BankImportForm(PageForm):
    union = IdField(label=_("工会"))
    name = _text(_("题库名称"), 120)
    file = forms.FileField(label=_("文件"), required=False)

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        if upload is None:
            raise forms.ValidationError(_("请选择 .xlsx 文件。"))
        return upload


# --- Skills competitions ----------------------------------------------------------------------


class CompetitionForm(DefaultsForm):
    title = _text(_("竞赛名称"), 200)
    organiser = IdField(label=_("主办工会"))
    level = _text(_("级别"), 20)
    mode = _text(_("参赛形式"), 20)
    cross_region = FlagField(label=_("跨区域"))
    trades = _text(_("竞赛工种"), 1000)
    quota_per_union = _int(_("每单位名额"), 5)
    team_size = _int(_("团体人数"), 3)
    min_age = _int(_("最低年龄"), 18)
    max_age = _int(_("最高年龄"), 60)
    review_days = _int(_("公示期（天）"), 3)

    def clean_level(self) -> str:
        return self.cleaned_data.get("level") or "city"

    def clean_mode(self) -> str:
        return self.cleaned_data.get("mode") or "both"

    def clean_trades(self) -> list[str]:
        raw = self.cleaned_data.get("trades") or ""
        return [t.strip() for t in raw.replace("，", ",").split(",") if t.strip()]


class StageAddForm(PageForm):
    kind = _text(_("类型"), 20)
    name = _text(_("名称"), 100)
    order = _int(_("顺序"))
    advance_top_n = _int(_("晋级名额（前N名）"))
    advance_threshold = forms.DecimalField(
        label=_("晋级分数线"), required=False, error_messages={"invalid": _("请填写数字。")}
    )


class ItemAddForm(PageForm):
    stage = IdField(label=_("阶段"))
    name = _text(_("名称"), 100)
    kind = _text(_("类型"), 20)
    weight = _text(_("权重（%）"), 20)


class SubItemAddForm(PageForm):
    item = IdField(label=_("项目"))
    name = _text(_("名称"), 100)


class AspectAddForm(PageForm):
    subitem = IdField(label=_("子项"))
    name = _text(_("名称"), 200)
    kind = _text(_("类型"), 20)
    max_mark = _text(_("分值"), 20)


class JudgeAddForm(PageForm):
    item = IdField(label=_("项目"))
    judge = forms.CharField(label=_("裁判账号"), max_length=150, required=False)
    chief = FlagField(label=_("裁判长"))


class StageStepForm(PageForm):
    stage = IdField(label=_("阶段"))


class ObjectionDecideForm(PageForm):
    objection = IdField(label=_("异议"))
    upheld = FlagField(label=_("异议成立"))
    response = _text(_("答复"), 2000)


class EmptyForm(PageForm):
    """A step with nothing to type (open registration, start, publish)."""


SETUP_FORMS: dict[str, type[PageForm]] = {
    "stage_add": StageAddForm,
    "item_add": ItemAddForm,
    "subitem_add": SubItemAddForm,
    "aspect_add": AspectAddForm,
    "judge_add": JudgeAddForm,
}
STEP_FORMS: dict[str, type[PageForm]] = {
    "registration": EmptyForm,
    "running": EmptyForm,
    "compute": StageStepForm,
    "publish": EmptyForm,
    "objection": ObjectionDecideForm,
}


class MarkingForm(forms.Form):
    """The judge's grid: one box per (aspect, competitor) the judge may mark, named
    ``m-<aspect>-<entry>``; a box left empty is not a mark. Values are checked by the service
    (``mark_record``), one cell at a time."""

    def __init__(self, data: Any, *, aspects: Iterable[Any], entries: Iterable[Any]) -> None:
        super().__init__(data)
        self.cells: dict[str, tuple[Any, Any]] = {}
        for entry in entries:
            for aspect in aspects:
                name = f"m-{aspect.pk}-{entry.pk}"
                self.fields[name] = forms.CharField(required=False)
                self.cells[name] = (aspect, entry)

    def marks(self) -> list[tuple[Any, Any, str]]:
        """(aspect, entry, value) of every filled box, in grid order."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return [(a, e, data[name]) for name, (a, e) in self.cells.items() if data.get(name)]

    def strays(self) -> list[str]:
        """Filled boxes that are not in this judge's grid (another item, a conflicted competitor)."""
        return [
            k for k, v in self.data.items() if k.startswith("m-") and k not in self.cells and str(v).strip()
        ]


# --- Worker H5 ------------------------------------------------------------------------------


class ReviewPaperForm(forms.Form):
    """答案解析: which of the worker's papers to show (``?attempt=``; left out: the counted one)."""

    attempt = forms.IntegerField(required=False, min_value=1)
