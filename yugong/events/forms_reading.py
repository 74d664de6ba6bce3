"""Page forms of the reading campaign and the day's photos: they parse what was typed (ids, numbers,
dates, flags, files); the services in ``reading`` and ``photos`` validate and decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from yugong.core import timeutil
from yugong.core.forms import FlagField, IdField, PageForm

from . import reading

_DATE = forms.DateInput(attrs={"type": "date", "class": "input"}, format="%Y-%m-%d")
_NUMBER = {"inputmode": "numeric"}


def _between(lo: int, hi: int) -> str:
    return gettext("须为%(lo)s到%(hi)s之间的整数。") % {"lo": lo, "hi": hi}


def _essay_help(lo: int, hi: int) -> str:
    return gettext("%(lo)s到%(hi)s字。提交后经工会审核通过才会公开。") % {"lo": lo, "hi": hi}


_between_lazy = lazy(_between, str)
_essay_help_lazy = lazy(_essay_help, str)


def _number(label: Any, *, lo: int, hi: int, required: bool = True, **kw: Any) -> forms.IntegerField:
    message = _between_lazy(lo, hi)  # named by its field's label on the page (PageForm.named_errors)
    return forms.IntegerField(
        label=label,
        min_value=lo,
        max_value=hi,
        required=required,
        widget=forms.NumberInput(attrs={**_NUMBER, "min": lo, "max": hi}),
        error_messages={"invalid": message, "min_value": message, "max_value": message},
        **kw,
    )


class BookForm(PageForm):
    title = forms.CharField(label=_("书名"), max_length=120)
    author = forms.CharField(label=_("作者"), max_length=80)
    isbn = forms.CharField(
        label=_("ISBN"),
        max_length=40,
        help_text=_("13位书号（978或979开头），也可填10位书号；自动核对校验位。"),
    )
    page_count = _number(
        _("页数"), lo=0, hi=5000, required=False, help_text=_("可不填；填了则每次阅读页数不超过全书页数。")
    )
    cover = forms.FileField(
        label=_("封面（可选）"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        help_text=_("JPG、PNG 或 WebP，不超过 2 MB。"),
    )

    def clean_page_count(self) -> int:
        return int(self.cleaned_data.get("page_count") or 0)


class ReadingLogForm(PageForm):
    book = forms.TypedChoiceField(
        label=_("图书"), coerce=int, error_messages={"invalid_choice": _("请从书单中选择图书。")}
    )
    day = forms.DateField(label=_("阅读日期"), widget=_DATE)
    minutes = _number(_("阅读时长（分钟）"), lo=1, hi=reading.MAX_MINUTES_A_LOG)
    pages = _number(_("阅读页数"), lo=0, hi=reading.MAX_PAGES_A_LOG, required=False)
    note = forms.CharField(
        label=_("读书笔记（可选）"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, books: list[tuple[int, str]], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"day": timeutil.local_today()})
        super().__init__(*args, **kwargs)
        field = self.fields["book"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = books

    def clean_pages(self) -> int:
        return int(self.cleaned_data.get("pages") or 0)


class EssayForm(PageForm):
    book = forms.TypedChoiceField(label=_("读的是哪本书"), coerce=int, required=False, empty_value=None)
    title = forms.CharField(label=_("题目"), max_length=80)
    body = forms.CharField(
        label=_("正文"),
        max_length=reading.ESSAY_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_essay_help_lazy(reading.ESSAY_MIN_CHARS, reading.ESSAY_MAX_CHARS),
    )

    def __init__(self, *args: Any, books: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["book"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", _("不指定")), *books]


class ReviewForm(PageForm):
    """Publish or reject one waiting essay or photo (``item`` is its id)."""

    item = IdField(required=True)
    publish = FlagField(label=_("发布"))
    note = forms.CharField(label=_("审核意见"), max_length=200, required=False)


class PhotoUploadForm(PageForm):
    image = forms.FileField(
        label=_("现场照片"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        help_text=_("JPG、PNG 或 WebP，不超过 5 MB。审核通过后在活动页展示。"),
    )
    caption = forms.CharField(label=_("说明（可选）"), max_length=120, required=False)
    consent = FlagField(label=_("我确认照片中出现的人都已同意公开这张照片"))


class TakedownForm(PageForm):
    reason = forms.CharField(
        label=_("撤下理由"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("例如：照片中有我，我不同意公开。提交后照片会先停止展示，由工作人员处理。"),
    )


class TakedownHandleForm(PageForm):
    item = IdField(required=True)
    remove = FlagField(label=_("撤下照片"))
    note = forms.CharField(label=_("处理说明"), max_length=200, required=False)
